"""A dataset an assignment brings along: a folder with `train/` and `test/`, each holding one sub-folder of images per
class (torchvision's ImageFolder layout), staged like mnist and cifar10: resized uint8 arrays, the test images in
an order that says nothing of their class, the test labels kept in the parent.

Runs in the trusted parent, except `read_info`, which the child uses to read a staged folder's facts."""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch

from grader.training.data import (
    STAGED_FILES,
    DataNotFoundError,
    DatasetInfo,
    Split,
    StagedDataset,
    file_sha256,
    user_cache_dir,
    write_once,
    write_staged,
)

IMAGEFOLDER = "imagefolder"
SPLITS = ("train", "test")
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".pgm", ".tif", ".tiff", ".webp")
"""The image files torchvision's ImageFolder reads; other files in a class folder are ignored, as it does."""
INFO_FILE = "dataset.json"
"""The staged folder's `DatasetInfo` (channels, size, classes, normalisation), which the child reads."""
_LAYOUT_HINT = "expected <folder>/train/<class>/<image> and <folder>/test/<class>/<image> (torchvision's ImageFolder)"


@dataclass(frozen=True)
class ImageFolderSource:
    """An assignment's own images, as its spec names them (`dataset = "imagefolder"` and its `[data]` table)."""

    path: Path
    """The folder holding train/ and test/ (absolute)."""
    image_size: int
    """Images are resized to this square size."""
    channels: int
    """1 (grayscale) or 3 (RGB)."""
    classes: tuple[str, ...]
    """The sorted class sub-folders of train/ (test/ has the same)."""

    @property
    def info(self) -> DatasetInfo:
        """The dataset's facts as the probes and the protocols read them (each channel normalised with 0.5, 0.5)."""
        return DatasetInfo(name=IMAGEFOLDER, title=f"the ImageFolder {self.path}", channels=self.channels,
                           image_size=self.image_size, num_classes=len(self.classes), classes=self.classes,
                           mean=(0.5,) * self.channels, std=(0.5,) * self.channels)


def _class_folders(split: Path) -> tuple[str, ...]:
    return tuple(sorted(p.name for p in split.iterdir() if p.is_dir() and not p.name.startswith(".")))


def folder_classes(path: Path) -> tuple[str, ...]:
    """The class names of the ImageFolder at `path`: the sorted sub-folders of train/, which test/ must share.
    Raises DataNotFoundError saying what is missing or different."""
    if not path.is_dir():
        raise DataNotFoundError(f"folder {path} does not exist; {_LAYOUT_HINT}")
    missing = [s for s in SPLITS if not (path / s).is_dir()]
    if missing:
        raise DataNotFoundError(f"folder {path} has no {' and no '.join(f'{s}/' for s in missing)} folder; "
                                f"{_LAYOUT_HINT}")
    train, test = (_class_folders(path / s) for s in SPLITS)
    if not train:
        raise DataNotFoundError(f"{path / 'train'} has no class sub-folders; {_LAYOUT_HINT}")
    if train != test:
        only_train, only_test = sorted(set(train) - set(test)), sorted(set(test) - set(train))
        found = "; ".join(filter(None, [only_train and f"only in train/: {', '.join(only_train)}",
                                        only_test and f"only in test/: {', '.join(only_test)}"]))
        raise DataNotFoundError(f"{path}: train/ and test/ must have the same class sub-folders, found {found}; "
                                "add the missing folders or remove the extra ones")
    return train


def _images(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir()
                  if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file() and not p.name.startswith("."))


def labelled_files(source: ImageFolderSource, split: str) -> list[tuple[Path, int]]:
    """(image, class index) of one split, by class then name. Raises DataNotFoundError for a class folder
    without images, or classes that are no longer those of the spec's folder."""
    classes = folder_classes(source.path)
    if classes != source.classes:
        raise DataNotFoundError(f"{source.path}: its classes changed while grading ({', '.join(source.classes)} "
                                f"→ {', '.join(classes)}); grade again")
    found = []
    for label, name in enumerate(classes):
        images = _images(source.path / split / name)
        if not images:
            raise DataNotFoundError(f"{source.path / split / name} holds no images (files ending in "
                                    f"{', '.join(IMAGE_SUFFIXES)}); each class needs at least one in train/ and "
                                    "in test/")
        found += [(p, label) for p in images]
    return found


def _test_order(files: list[tuple[Path, int]], base: Path) -> list[tuple[Path, int]]:
    """The test images in an order drawn from their names' hashes, which says nothing of their class."""
    return sorted(files, key=lambda item: hashlib.sha256(str(item[0].relative_to(base)).encode()).hexdigest())


def folder_fingerprint(source: ImageFolderSource, files: dict[str, list[tuple[Path, int]]]) -> str:
    """16 hex digits of SHA-256 over the size and channels the images are staged at, and the relative name and
    bytes of every image (in the order of their names)."""
    h = hashlib.sha256(f"{IMAGEFOLDER}\0{source.image_size}\0{source.channels}".encode())
    for path in sorted(path for split in SPLITS for path, _ in files[split]):
        h.update(f"\0{path.relative_to(source.path).as_posix()}\0{file_sha256(path)}".encode())
    return h.hexdigest()[:16]


def read_image(path: Path, size: int, channels: int) -> np.ndarray:
    """uint8 [C, size, size]: the image converted to grayscale or RGB and resized (bilinear, antialiased).
    Raises DataNotFoundError naming a file that is not a readable image."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            image = image.convert("L" if channels == 1 else "RGB")
            if image.size != (size, size):
                image = image.resize((size, size), Image.Resampling.BILINEAR)
            array = np.asarray(image, dtype=np.uint8)
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise DataNotFoundError(f"{path} cannot be read as an image ({exc}); replace or remove it") from None
    return array[None] if channels == 1 else array.transpose(2, 0, 1)


def read_split(source: ImageFolderSource, files: list[tuple[Path, int]]) -> Split:
    """The images of `files` at the source's size and channels, with their labels."""
    images = np.stack([read_image(p, source.image_size, source.channels) for p, _ in files])
    return Split(torch.from_numpy(images), torch.tensor([label for _, label in files], dtype=torch.int64))


def read_info(directory: Path) -> DatasetInfo:
    """The facts a staged ImageFolder's folder holds (`INFO_FILE`)."""
    values = json.loads((Path(directory) / INFO_FILE).read_text())
    return DatasetInfo(**{k: tuple(v) if isinstance(v, list) else v for k, v in values.items()})


def stage_folder(source: ImageFolderSource, cache_dir: Path | None = None) -> StagedDataset:
    """Write what the grading child may see of `source` into `<cache_dir>/imagefolder-<fingerprint>/`: the
    `STAGED_FILES` and `INFO_FILE`, never the test labels, which are returned instead. `cache_dir` defaults to
    `<user cache>/staged`; an existing folder is reused."""
    files = {split: labelled_files(source, split) for split in SPLITS}
    files["test"] = _test_order(files["test"], source.path)
    fp = folder_fingerprint(source, files)
    target = (Path(cache_dir) if cache_dir is not None else user_cache_dir() / "staged") / f"{IMAGEFOLDER}-{fp}"

    def write(tmp: Path) -> None:
        write_staged(tmp, read_split(source, files["train"]), read_split(source, files["test"]).images)
        (tmp / INFO_FILE).write_text(json.dumps(asdict(source.info), indent=1) + "\n")
        (tmp / INFO_FILE).chmod(0o644)

    write_once(target, lambda folder: all((folder / n).is_file() for n in (*STAGED_FILES, INFO_FILE)), write)
    return StagedDataset(dataset=IMAGEFOLDER, directory=target,
                         test_labels=torch.tensor([label for _, label in files["test"]], dtype=torch.int64),
                         fingerprint=fp)
