"""grader.training.data against the real datasets (GRADER_DATA, default /work/shared/datasets)."""
from __future__ import annotations

import hashlib
import os
import pickle
import shutil
import stat
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
import torch
from torchvision import datasets

from grader.training import data
from grader.training.data import DATASETS, STAGED_FILES, DataNotFoundError

ROWS = 300  # rows written per official batch file


def _data_root() -> Path:
    root = Path(os.environ.get("GRADER_DATA", "/work/shared/datasets"))
    if not root.is_dir():
        pytest.skip(f"no datasets: set GRADER_DATA to a folder holding MNIST/raw and cifar10/ ({root} is absent)")
    return root


@pytest.fixture(scope="module")
def root() -> Path:
    return _data_root()


def _need(root: Path, dataset: str) -> None:
    try:
        data.fingerprint(dataset, root)
    except DataNotFoundError as err:
        pytest.skip(f"{dataset} is not under {root}: {err}")


def _md5(path: Path) -> str:
    return hashlib.md5(path.read_bytes()).hexdigest()


def _write_official_batches(folder: Path, train: data.Split, test: data.Split) -> tuple[np.ndarray, ...]:
    """Write the first ROWS rows of every official CIFAR-10 batch file in the official python
    structure (dict with data uint8 [n, 3072] as R, G, B planes, labels, filenames, batch_label)."""
    folder.mkdir()
    hwc = {"train": train.images.permute(0, 2, 3, 1).numpy(), "test": test.images.permute(0, 2, 3, 1).numpy()}
    picks = {f"data_batch_{k}": ("train", np.arange(ROWS) + (k - 1) * 10_000) for k in range(1, 6)}
    picks["test_batch"] = ("test", np.arange(ROWS))
    labels = {"train": train.labels.numpy(), "test": test.labels.numpy()}
    for name, (split, rows) in picks.items():
        entry = {"batch_label": f"{name} (first {ROWS} rows)",
                 "labels": [int(v) for v in labels[split][rows]],
                 "data": np.stack([img.transpose(2, 0, 1).reshape(-1) for img in hwc[split][rows]]),
                 "filenames": [f"image_{i:05d}.png" for i in rows]}
        (folder / name).write_bytes(pickle.dumps(entry, protocol=2))
    meta = {"num_cases_per_batch": 10_000, "label_names": list(DATASETS["cifar10"].classes), "num_vis": 3072}
    (folder / "batches.meta").write_bytes(pickle.dumps(meta, protocol=2))
    train_rows = np.concatenate([picks[f"data_batch_{k}"][1] for k in range(1, 6)])
    return train_rows, picks["test_batch"][1]


def test_cifar10_both_layouts_load_identically(root: Path, tmp_path: Path) -> None:
    _need(root, "cifar10")
    train = data.load_split("cifar10", root, train=True)
    test = data.load_split("cifar10", root, train=False)
    assert train.images.shape == (50_000, 3, 32, 32) and test.images.shape == (10_000, 3, 32, 32)
    train_rows, test_rows = _write_official_batches(tmp_path / "cifar-10-batches-py", train, test)
    folder = tmp_path / "cifar-10-batches-py"

    class CIFAR10WrittenHere(datasets.CIFAR10):
        """torchvision's CIFAR10, unchanged except that it expects the MD5s of the files above."""

        train_list = [[f"data_batch_{k}", _md5(folder / f"data_batch_{k}")] for k in range(1, 6)]
        test_list = [["test_batch", _md5(folder / "test_batch")]]
        meta = {**datasets.CIFAR10.meta, "md5": _md5(folder / "batches.meta")}

    for is_train, full, rows in ((True, train, train_rows), (False, test, test_rows)):
        ds = CIFAR10WrittenHere(str(tmp_path), train=is_train, download=False)
        assert ds.classes == list(DATASETS["cifar10"].classes)
        split = data.split_from_torchvision(ds)
        assert torch.equal(split.images, full.images[rows])
        assert torch.equal(split.labels, full.labels[rows])
        assert split.images.is_contiguous()

    # The stock class checks the official MD5s, so load_split refuses this partial copy, saying why.
    with pytest.raises(DataNotFoundError, match="rejected by torchvision"):
        data.load_split("cifar10", tmp_path, train=True)

    # With both layouts under one root, the numpy layout wins.
    (tmp_path / "cifar10").mkdir()
    for name in ("train_images.npy", "train_labels.npy", "test_images.npy", "test_labels.npy"):
        (tmp_path / "cifar10" / name).symlink_to(root / "cifar10" / name)
    assert torch.equal(data.load_split("cifar10", tmp_path, train=False).labels, test.labels)


def test_mnist_loads_through_torchvision(root: Path) -> None:
    _need(root, "mnist")
    test = data.load_split("mnist", root, train=False)
    assert test.images.shape == (10_000, 1, 28, 28) and test.images.dtype == torch.uint8
    assert torch.bincount(test.labels).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


@pytest.mark.parametrize("dataset", ["mnist", "cifar10"])
def test_not_found_names_searched_paths_and_layouts(tmp_path: Path, dataset: str) -> None:
    empty = tmp_path / "empty"
    with pytest.raises(DataNotFoundError) as info:
        data.load_split(dataset, empty, train=True)
    message = str(info.value)
    for needle in ("--data-root", "GRADER_DATA", "--download", str(empty)):
        assert needle in message
    if dataset == "mnist":
        assert str(empty / "MNIST" / "raw") in message and "t10k-labels-idx1-ubyte" in message
    else:
        assert str(empty / "cifar10") in message and str(empty / "cifar-10-batches-py") in message
        assert "test_labels.npy" in message and "data_batch_5" in message and "batches.meta" in message
    with pytest.raises(DataNotFoundError):
        data.fingerprint(dataset, empty)


def test_resolve_data_root_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRADER_DATA", str(tmp_path / "env"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert data.resolve_data_root(tmp_path / "cli") == tmp_path / "cli"
    assert data.resolve_data_root(None) == tmp_path / "env"
    monkeypatch.delenv("GRADER_DATA")
    assert data.resolve_data_root(None) == tmp_path / "xdg" / "cnn-grader" / "data"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert data.resolve_data_root(None) == Path.home() / ".cache" / "cnn-grader" / "data"


def test_fingerprint_is_stable_and_tracks_bytes(root: Path, tmp_path: Path) -> None:
    _need(root, "mnist")
    first = data.fingerprint("mnist", root)
    assert len(first) == 16 and int(first, 16) >= 0
    assert data.fingerprint("mnist", root) == first
    copy = tmp_path / "MNIST" / "raw"
    copy.mkdir(parents=True)
    for name in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
                 "t10k-labels-idx1-ubyte"):
        shutil.copyfile(root / "MNIST" / "raw" / name, copy / name)
    assert data.fingerprint("mnist", tmp_path) == first  # content, not location
    with open(copy / "t10k-labels-idx1-ubyte", "r+b") as f:
        f.seek(-1, os.SEEK_END)
        last = f.read(1)
        f.seek(-1, os.SEEK_END)
        f.write(bytes([(last[0] + 1) % 10]))
    assert data.fingerprint("mnist", tmp_path) != first


def test_stage_writes_no_test_labels_and_is_reused(root: Path, tmp_path: Path) -> None:
    _need(root, "mnist")
    cache = tmp_path / "staged"
    staged = data.stage("mnist", root, cache)
    assert staged.directory == cache / f"mnist-{data.fingerprint('mnist', root)}"
    assert sorted(os.listdir(staged.directory)) == sorted(STAGED_FILES)
    assert os.listdir(cache) == [staged.directory.name]  # no temporary folder left behind
    assert stat.S_IMODE(staged.directory.stat().st_mode) == 0o755
    for name in STAGED_FILES:
        assert stat.S_IMODE((staged.directory / name).stat().st_mode) == 0o644

    train, test = data.load_split("mnist", root, train=True), data.load_split("mnist", root, train=False)
    assert torch.equal(staged.test_labels, test.labels)
    images = np.load(staged.directory / "train_images.npy")
    assert images.dtype == np.uint8 and images.shape == (60_000, 1, 28, 28)
    assert np.array_equal(images, train.images.numpy())
    assert np.array_equal(np.load(staged.directory / "train_labels.npy"), train.labels.numpy())
    assert np.array_equal(np.load(staged.directory / "test_images.npy"), test.images.numpy())

    before = {n: (staged.directory / n).stat().st_mtime_ns for n in STAGED_FILES}
    again = data.stage("mnist", root, cache)
    assert again.directory == staged.directory and again.fingerprint == staged.fingerprint
    assert {n: (again.directory / n).stat().st_mtime_ns for n in STAGED_FILES} == before


def test_concurrent_stagers_agree(root: Path, tmp_path: Path) -> None:
    _need(root, "mnist")
    cache = tmp_path / "staged"
    with ThreadPoolExecutor(2) as pool:
        a, b = pool.map(lambda _: data.stage("mnist", root, cache), range(2))
    assert a.directory == b.directory
    assert os.listdir(cache) == [a.directory.name]
    assert sorted(os.listdir(a.directory)) == sorted(STAGED_FILES)
