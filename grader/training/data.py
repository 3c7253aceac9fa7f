"""Datasets for the grader: where they live, how to load them, and what the grading child may see.

Runs in the trusted parent. The untrusted child only ever gets a staged folder (see `stage`):
training images and labels plus unlabeled test images; test labels never leave the parent.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch


@dataclass(frozen=True)
class DatasetInfo:
    """Static facts about a dataset the chapter uses."""

    name: str
    """Key used everywhere ("mnist", "cifar10")."""
    title: str
    """Human name for messages."""
    channels: int
    image_size: int
    """Height and width in pixels (images are square)."""
    num_classes: int
    classes: tuple[str, ...]
    mean: tuple[float, ...]
    """Per-channel mean on a 0-1 scale, as in the chapter's `Normalize`."""
    std: tuple[float, ...]


IMAGENET_MEAN, IMAGENET_STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)
"""The statistics torchvision's pretrained models were trained with."""

DATASETS: dict[str, DatasetInfo] = {
    "mnist": DatasetInfo(
        name="mnist", title="MNIST", channels=1, image_size=28, num_classes=10,
        classes=tuple(str(d) for d in range(10)), mean=(0.5,), std=(0.5,)),
    "cifar10": DatasetInfo(
        name="cifar10", title="CIFAR-10", channels=3, image_size=32, num_classes=10,
        classes=("airplane", "automobile", "bird", "cat", "deer",
                 "dog", "frog", "horse", "ship", "truck"),
        mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5)),
    "chest_xray": DatasetInfo(
        name="chest_xray", title="Chest X-ray pneumonia (Kermany et al. 2018; normal vs pneumonia)", channels=3,
        image_size=224, num_classes=2, classes=("NORMAL", "PNEUMONIA"),
        mean=IMAGENET_MEAN, std=IMAGENET_STD),
}
"""mnist and cifar10 are staged for the child from the data root. Most chest_xray checks run on a folder the child
generates (grader.probes.xray); the real X-rays, rarely on a grading machine, are staged only for the clinical check
(grader.probes.clinical) where they are present. An assignment's own images (`dataset = "imagefolder"`) are no entry
here: their facts come from the spec's folder (grader.training.imagefolder)."""
XRAY_DIR = "chest_xray"
XRAY_SOURCE = ("Kermany et al. 2018, \"Chest X-Ray Images (Pneumonia)\": ChestXRay2017.zip on Mendeley Data, "
               "https://data.mendeley.com/datasets/rscbjbr9sj/2 (on Kaggle as chest-xray-pneumonia)")
XRAY_STAGED_MARK = "STAGED"

# File layouts, relative to the data root.
_NUMPY_DIR = "cifar10"
_NUMPY_FILES = ("train_images.npy", "train_labels.npy", "test_images.npy", "test_labels.npy")
_MNIST_DIR = "MNIST/raw"
_MNIST_FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
_BATCHES_DIR = "cifar-10-batches-py"
_BATCHES_FILES = ("data_batch_1", "data_batch_2", "data_batch_3", "data_batch_4", "data_batch_5",
                  "test_batch", "batches.meta")
STAGED_FILES = ("train_images.npy", "train_labels.npy", "test_images.npy")
"""What a staged folder holds; deliberately no test labels."""


class DataNotFoundError(Exception):
    """No usable copy of a dataset under the data root; the message says where to put one."""


@dataclass(frozen=True)
class Split:
    """One split of a dataset: uint8 images [N, C, H, W] and int64 labels [N]."""

    images: torch.Tensor
    labels: torch.Tensor

    def __post_init__(self) -> None:
        if self.images.dtype != torch.uint8 or self.images.ndim != 4:
            raise ValueError(f"images must be uint8 [N, C, H, W], got {self.images.dtype} "
                             f"{list(self.images.shape)}")
        if self.labels.dtype != torch.int64 or self.labels.shape != self.images.shape[:1]:
            raise ValueError(f"labels must be int64 [{len(self.images)}], got {self.labels.dtype} "
                             f"{list(self.labels.shape)}")


@dataclass(frozen=True)
class StagedDataset:
    """A staged folder the child may read, and the test labels that stay in the parent."""

    dataset: str
    directory: Path
    """Holds `STAGED_FILES`."""
    test_labels: torch.Tensor
    fingerprint: str


def user_cache_dir() -> Path:
    """`$XDG_CACHE_HOME/cnn-grader`, or `~/.cache/cnn-grader`."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "cnn-grader"


def resolve_data_root(explicit: Path | None) -> Path:
    """The data root: `--data-root` if given, else `$GRADER_DATA`, else the user cache's `data/`."""
    if explicit is not None:
        return Path(explicit).expanduser()
    if env := os.environ.get("GRADER_DATA"):
        return Path(env).expanduser()
    return user_cache_dir() / "data"


def _info(dataset: str) -> DatasetInfo:
    try:
        return DATASETS[dataset]
    except KeyError:
        raise KeyError(f"unknown dataset {dataset!r}; known: {', '.join(DATASETS)}") from None


def _missing(folder: Path, names: tuple[str, ...]) -> list[str]:
    return [n for n in names if not (folder / n).is_file()]


def _located_files(dataset: str, root: Path) -> tuple[list[Path], list[str]]:
    """The files of the first complete layout under `root`, and what was searched (for errors)."""
    root = Path(root)
    layouts = [(_MNIST_DIR, _MNIST_FILES)] if dataset == "mnist" else \
        [(_NUMPY_DIR, _NUMPY_FILES), (_BATCHES_DIR, _BATCHES_FILES)]
    searched = []
    for folder, names in layouts:
        missing = _missing(root / folder, names)
        if not missing:
            return [root / folder / n for n in names], searched
        searched.append(f"{root / folder}/ (missing: {', '.join(missing)})")
    return [], searched


def _not_found(dataset: str, root: Path, searched: list[str], problems: list[str]) -> DataNotFoundError:
    info = _info(dataset)
    if dataset == "mnist":
        where = [f"  {root / _MNIST_DIR}/  with the uncompressed idx files "
                 f"{', '.join(_MNIST_FILES)} (torchvision's MNIST layout)"]
    else:
        where = [f"  {root / _NUMPY_DIR}/  with {', '.join(_NUMPY_FILES)} "
                 "(numpy layout: images uint8 N,H,W,C; labels int64)",
                 f"  {root / _BATCHES_DIR}/  with {', '.join(_BATCHES_FILES)} "
                 "(torchvision's layout: the official cifar-10-python.tar.gz, extracted)"]
    lines = [f"{info.title} not found under data root {root}.", "Searched:",
             *(f"  {s}" for s in searched), *problems,
             "Where the files go (either layout):" if len(where) > 1 else "Where the files go:", *where,
             "Choose another data root with --data-root or the GRADER_DATA environment variable, "
             "or pass --download to let torchvision fetch it into the data root."]
    return DataNotFoundError("\n".join(lines))


def _from_numpy(folder: Path, train: bool) -> Split:
    prefix = "train" if train else "test"
    images = np.load(folder / f"{prefix}_images.npy", allow_pickle=False)
    labels = np.load(folder / f"{prefix}_labels.npy", allow_pickle=False)
    return Split(torch.from_numpy(images).permute(0, 3, 1, 2).contiguous(),
                 torch.from_numpy(labels.astype(np.int64, copy=False)))


def split_from_torchvision(ds: Any) -> Split:
    """A `Split` from a torchvision MNIST/CIFAR10 object, via its `.data`/`.targets` arrays."""
    data = torch.as_tensor(ds.data)
    images = data.unsqueeze(1) if data.ndim == 3 else data.permute(0, 3, 1, 2)
    return Split(images.contiguous(), torch.as_tensor(ds.targets, dtype=torch.int64))


def _torchvision_split(dataset: str, root: Path, train: bool, download: bool) -> Split:
    from torchvision import datasets

    cls = datasets.MNIST if dataset == "mnist" else datasets.CIFAR10
    return split_from_torchvision(cls(str(root), train=train, download=download))


def load_split(dataset: str, root: Path, *, train: bool, download: bool = False) -> Split:
    """Load the train or test split from the first layout found under `root`.

    Order: the numpy layout (`cifar10/*.npy`, CIFAR-10 only), torchvision's layouts, then a
    torchvision download into `root` if `download`. Raises `DataNotFoundError` otherwise.
    """
    _info(dataset)
    root = Path(root)
    files, searched = _located_files(dataset, root)
    problems = []
    if files and files[0].suffix == ".npy":
        return _from_numpy(files[0].parent, train)
    if files:
        try:
            return _torchvision_split(dataset, root, train, download=False)
        except RuntimeError as err:  # e.g. an MD5 mismatch in cifar-10-batches-py
            problems.append(f"  {files[0].parent}/ was rejected by torchvision: {err}")
    if download:
        try:
            return _torchvision_split(dataset, root, train, download=True)
        except (OSError, RuntimeError) as err:
            problems.append(f"  download into {root} failed: {str(err).strip()}")
    raise _not_found(dataset, root, searched, problems)


_HASH_CACHE: dict[tuple[str, int, int], str] = {}


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file's bytes (remembered while its size and modification time stay the same)."""
    st = path.stat()
    key = (str(path.resolve()), st.st_size, st.st_mtime_ns)
    if key not in _HASH_CACHE:
        h = hashlib.sha256()
        with open(path, "rb") as f:
            while chunk := f.read(1 << 20):
                h.update(chunk)
        _HASH_CACHE[key] = h.hexdigest()
    return _HASH_CACHE[key]


def fingerprint(dataset: str, root: Path) -> str:
    """16 hex digits of SHA-256 over the names and bytes of the dataset files `load_split` uses.

    Depends on the layout: the numpy and the pickled copies of CIFAR-10 fingerprint differently.
    """
    _info(dataset)
    files, searched = _located_files(dataset, Path(root))
    if not files:
        raise _not_found(dataset, Path(root), searched, [])
    h = hashlib.sha256(dataset.encode())
    for path in files:
        h.update(f"\0{path.name}\0{file_sha256(path)}".encode())
    return h.hexdigest()[:16]


def xray_images(folder: Path) -> list[Path]:
    """The image files of one X-ray folder, sorted (none if it does not exist)."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in (".jpeg", ".jpg", ".png") and p.is_file())


def xray_missing(root: Path) -> str:
    """'' when `root/chest_xray/{train,test}/{NORMAL,PNEUMONIA}` all hold images, else where they go."""
    base = Path(root) / XRAY_DIR
    empty = [f"{split}/{label}" for split in ("train", "test") for label in DATASETS["chest_xray"].classes
             if not xray_images(base / split / label)]
    if not empty:
        return ""
    return (f"the chest X-rays are not on this machine: {base}/ needs train/ and test/, each with NORMAL/ and "
            f"PNEUMONIA/ folders of images (empty or missing: {', '.join(empty)}). They come from {XRAY_SOURCE}; "
            f"--data-root or GRADER_DATA chooses another data root")


def _link_or_copy(source: Path, target: Path) -> None:
    """A hard link where the file is world-readable and on the same file system, else a world-readable copy."""
    try:
        if source.stat().st_mode & 0o004:
            os.link(source, target)
            return
    except OSError:
        pass
    shutil.copyfile(source, target)
    target.chmod(0o644)


def write_once(target: Path, complete: Callable[[Path], bool], write: Callable[[Path], None]) -> None:
    """Unless `target` is `complete`, `write` it into a temporary folder beside it and rename that into place, so
    that concurrent stagers are safe (losing the race to another one is fine)."""
    if complete(target):
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        write(tmp)
        os.rename(tmp, target)
    except OSError:
        if not complete(target):  # not a lost race with another stager
            raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _stage_xray(root: Path, parent: Path) -> StagedDataset:
    """`train/{NORMAL,PNEUMONIA}/` as it is, and the test X-rays in one unlabeled folder (`test/00000.jpeg`, …, in
    an order drawn from their names' hashes, which says nothing of their class); the labels stay here."""
    if problem := xray_missing(root):
        raise DataNotFoundError(problem)
    base, classes = Path(root) / XRAY_DIR, DATASETS["chest_xray"].classes
    train = {label: xray_images(base / "train" / label) for label in classes}
    tests = sorted(((p, n) for n, label in enumerate(classes) for p in xray_images(base / "test" / label)),
                   key=lambda item: hashlib.sha256(item[0].name.encode()).hexdigest())
    h = hashlib.sha256(XRAY_DIR.encode())
    for path in [*(p for files in train.values() for p in files), *(p for p, _ in tests)]:
        h.update(f"\0{path.relative_to(base)}\0{path.stat().st_size}".encode())
    fp = h.hexdigest()[:16]
    target = parent / f"{XRAY_DIR}-{fp}"

    def write(tmp: Path) -> None:
        for label, files in train.items():
            (tmp / "train" / label).mkdir(parents=True)
            for path in files:
                _link_or_copy(path, tmp / "train" / label / path.name)
        (tmp / "test").mkdir()
        for i, (path, _) in enumerate(tests):
            _link_or_copy(path, tmp / "test" / f"{i:05d}{path.suffix.lower()}")
        for folder in [tmp, *(p for p in tmp.rglob("*") if p.is_dir())]:
            folder.chmod(0o755)
        (tmp / XRAY_STAGED_MARK).touch()

    write_once(target, lambda folder: (folder / XRAY_STAGED_MARK).is_file(), write)
    return StagedDataset(dataset=XRAY_DIR, directory=target, test_labels=torch.tensor([n for _, n in tests]),
                         fingerprint=fp)


def write_staged(folder: Path, train: Split, test_images: torch.Tensor) -> None:
    """The `STAGED_FILES` of a training split and unlabeled test images, world-readable, into `folder`."""
    arrays = {"train_images.npy": train.images.numpy(), "train_labels.npy": train.labels.numpy(),
              "test_images.npy": test_images.numpy()}
    for name, array in arrays.items():
        np.save(folder / name, np.ascontiguousarray(array), allow_pickle=False)
        (folder / name).chmod(0o644)
    folder.chmod(0o755)


def stage(dataset: str, root: Path, cache_dir: Path | None = None, *,
          download: bool = False) -> StagedDataset:
    """Write what the grading child may see into `<cache_dir>/<dataset>-<fingerprint>/` (chest_xray: see
    `_stage_xray`).

    `cache_dir` defaults to `<user cache>/staged`. The folder holds `STAGED_FILES` (world-readable)
    and never the test labels, which are returned instead. An existing folder is reused; a new one
    is written to a temporary folder and renamed into place, so concurrent stagers are safe.
    """
    root = Path(root)
    parent = Path(cache_dir) if cache_dir is not None else user_cache_dir() / "staged"
    if dataset == XRAY_DIR:
        return _stage_xray(root, parent)
    test = load_split(dataset, root, train=False, download=download)
    fp = fingerprint(dataset, root)
    target = parent / f"{dataset}-{fp}"
    write_once(target, lambda folder: not _missing(folder, STAGED_FILES),
               lambda tmp: write_staged(tmp, load_split(dataset, root, train=True), test.images))
    return StagedDataset(dataset=dataset, directory=target, test_labels=test.labels, fingerprint=fp)
