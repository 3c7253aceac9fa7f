"""The data-preparation probe of the training-loop assignment: `make_loaders(root, batch_size=64)` must
return the chapter's MNIST loaders (ToTensor + Normalize((0.5,), (0.5,)), a shuffled training loader,
an unshuffled test loader).

The child has no network and never the real test labels: the grader writes an MNIST folder in
torchvision's raw layout under a scratch `root`, with the real training split and, standing in for
the test split, the first 10,000 training images and their labels, so `datasets.MNIST(root,
download=True)` finds its files and downloads nothing. Every torchvision dataset `make_loaders` builds is
recorded (its class and the root it was given), so when it fails the report names the true cause: another
dataset than MNIST, or a folder glued to `root` without a separator, not "no network".
"""
from __future__ import annotations

import struct
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from grader.child.values import describe_value, type_name
from grader.probes.base import (
    JudgeContext,
    MeasureContext,
    MeasureError,
    Probe,
    Verdict,
)

STAND_IN_TEST = 10_000
FILES = {"train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
         "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}


def write_mnist(root: Path, images: Any, labels: Any) -> None:
    """torchvision's raw MNIST files under `root/MNIST/raw` (idx format: big-endian header, uint8 data)."""
    raw = root / "MNIST" / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    splits = {"train": (images, labels), "test": (images[:STAND_IN_TEST], labels[:STAND_IN_TEST])}
    for split, (x, y) in splits.items():
        image_file, label_file = FILES[split]
        (raw / image_file).write_bytes(struct.pack(">IIII", 2051, len(x), 28, 28) + x.reshape(len(x), -1).tobytes())
        (raw / label_file).write_bytes(struct.pack(">II", 2049, len(y)) + y.astype("uint8").tobytes())


def _describe(loader: Any) -> dict[str, Any]:
    """What a loader holds and yields, as plain data."""
    import torch
    from torch.utils.data import DataLoader

    if not isinstance(loader, DataLoader):
        return {"type": type_name(loader), "described": describe_value(loader)}
    first = next(iter(loader))
    again = next(iter(loader))
    if not (isinstance(first, (tuple, list)) and len(first) == 2 and all(isinstance(t, torch.Tensor) for t in first)):
        return {"type": "DataLoader", "batch": f"a batch that is not (images, labels) but {type(first).__name__}"}
    images, labels = first
    return {"type": "DataLoader", "length": len(loader.dataset), "batch_size": loader.batch_size,
            "sampler": type(loader.sampler).__name__, "shape": list(images.shape),
            "dtype": str(images.dtype).replace("torch.", ""), "min": float(images.min()), "max": float(images.max()),
            "labels": str(labels.dtype).replace("torch.", ""), "same_first_batch": bool(torch.equal(labels, again[1]))}


@contextmanager
def datasets_built() -> Iterator[list[tuple[str, str]]]:
    """(class name, root) of every torchvision dataset constructed inside the `with` block."""
    from torchvision.datasets.vision import VisionDataset

    built: list[tuple[str, str]] = []
    original = VisionDataset.__init__

    def recording(self: Any, root: Any = None, *args: Any, **kwargs: Any) -> None:
        built.append((type(self).__name__, str(root)))
        original(self, root, *args, **kwargs)

    VisionDataset.__init__ = recording
    try:
        yield built
    finally:
        VisionDataset.__init__ = original


def wrong_data(built: list[tuple[str, str]], root: str) -> tuple[str, str] | None:
    """(what make_loaders asked for, the fix) when the datasets it built explain its failure: another dataset
    than MNIST, or a path glued to `root` without a separator; None when they do not."""
    for name, path in built:
        if name != "MNIST":
            return (f"make_loaders loads {name}, not MNIST, and the grader's `root` holds only MNIST's files",
                    "load MNIST from the `root` make_loaders is given: datasets.MNIST(root, train=True, "
                    "download=True, transform=transform), and train=False for the test loader; MNIST's files are "
                    "there, so nothing is downloaded")
        if path != root and path.startswith(root) and path[len(root)] not in "/\\":
            glued = path[len(root):]
            return (f"make_loaders reads MNIST from `root + {glued!r}`, a folder beside `root`, not inside it: "
                    f"{glued!r} is glued to the end of `root` without a path separator",
                    "pass `root` itself: datasets.MNIST(root, train=True, ...) finds MNIST's files under it (to name "
                    f"a folder inside root, join with a separator: os.path.join(root, {glued!r}))")
    return None


def measure_loaders(ctx: MeasureContext, params: dict[str, Any]) -> dict[str, Any]:
    import tempfile

    import numpy as np

    if ctx.staged_dir is None:
        raise MeasureError("no training data was made available to the grading process")
    root = Path(tempfile.mkdtemp(prefix="mnist-root-"))
    write_mnist(root, np.load(ctx.staged_dir / "train_images.npy", allow_pickle=False),
                np.load(ctx.staged_dir / "train_labels.npy", allow_pickle=False))
    with datasets_built() as built:
        try:
            loaders = ctx.namespace["make_loaders"](str(root))
        except Exception as exc:
            wrong = wrong_data(built, str(root))
            if wrong is None:
                raise
            raise MeasureError(f"{wrong[0]}, so it raised {ctx.describe(exc)}", wrong[1]) from exc
    if not isinstance(loaders, (tuple, list)) or len(loaders) != 2:
        raise MeasureError(f"make_loaders returned {type(loaders).__name__}, not (train_loader, test_loader)",
                           "return train_loader, test_loader")
    return {"train": _describe(loaders[0]), "test": _describe(loaders[1]), "train_size": 60_000,
            "test_size": STAND_IN_TEST}


def _problems(name: str, got: dict[str, Any], size: int, shuffled: bool) -> list[tuple[str, str]]:
    if got["type"] != "DataLoader":
        return [(f"the {name} loader is {got['described']}, not a torch.utils.data.DataLoader", "")]
    if "batch" in got:
        return [(f"the {name} loader yields {got['batch']}", "use datasets.MNIST(...) with the transform")]
    problems = []
    if got["length"] != size:
        split = "train=True" if got["length"] == 60_000 else "train=False" if got["length"] == STAND_IN_TEST else "?"
        problems.append((f"the {name} loader holds {got['length']:,} images (the {split} split)",
                         f"use datasets.MNIST(root, train={name == 'training'}, ...) for the {name} loader"))
    if got["batch_size"] != 64 or got["shape"][1:] != [1, 28, 28] or got["dtype"] != "float32":
        problems.append((f"the {name} loader's batches are {got['dtype']} {got['shape']} (batch_size "
                         f"{got['batch_size']})", "DataLoader(dataset, batch_size=batch_size, ...) with the ToTensor "
                                                  "transform gives float32 [64, 1, 28, 28]"))
    if abs(got["min"] + 1) > 1e-3 or abs(got["max"] - 1) > 1e-3:
        scale = ("[0, 1]: ToTensor without Normalize((0.5,), (0.5,))" if abs(got["min"]) < 1e-3 else
                 "[-0.424, 2.821]: normalised with MNIST's own mean and std (0.1307, 0.3081)"
                 if abs(got["min"] + 0.4242) < 1e-3
                 else f"[{got['min']:.3f}, {got['max']:.3f}]")
        problems.append((f"the {name} images' values span {scale}; the chapter's transform gives [-1, 1]",
                         "transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5,), (0.5,))])"))
    is_random = got["sampler"] == "RandomSampler" or not got["same_first_batch"]
    if is_random != shuffled:
        problems.append((f"the {name} loader {'does not shuffle' if shuffled else 'shuffles'}",
                         f"DataLoader(..., shuffle={shuffled}) for the {name} loader"))
    return problems


def judge_loaders(ctx: JudgeContext) -> Verdict:
    m = ctx.measured
    expected = ("(train_loader, test_loader): MNIST with ToTensor + Normalize((0.5,), (0.5,)), batches of 64 "
                "[64, 1, 28, 28] in [-1, 1]; the training loader shuffled, the test loader not")
    problems = _problems("training", m["train"], m["train_size"], True) + \
        _problems("test", m["test"], m["test_size"], False)
    if not problems:
        return Verdict(1.0, expected, "both loaders as the chapter prepares them")
    causes = list(dict.fromkeys(h or p for p, h in problems))  # one mistake in both loaders is one mistake
    fraction = 0.5 if len(causes) == 1 else 0.0
    return Verdict(fraction, expected, "; ".join(p for p, _ in problems),
                   "; ".join(dict.fromkeys(h for _, h in problems if h)))


FAMILY = (
    Probe(name="mnist_loaders",
          summary=("Calls make_loaders(root) on a generated MNIST folder and checks the chapter's data preparation: "
                   "ToTensor + Normalize((0.5,), (0.5,)), batches of 64, a shuffled training loader and an "
                   "unshuffled test loader. MNIST only."),
          calls=("make_loaders",), title="make_loaders prepares MNIST as the chapter does",
          expects="the chapter's transform, batch size and shuffling", measure=measure_loaders,
          judge=judge_loaders, needs_data=True, needs_reference=False, default_timeout=90.0),
)
