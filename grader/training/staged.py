"""A staged dataset on the grading device: uint8 images (normalised a batch at a time where they are), training
labels and no test labels, read from a staged folder (grader.training.data), never from the data root."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from grader.training.data import DATASETS, DatasetInfo
from grader.training.imagefolder import IMAGEFOLDER, read_info


@dataclass(frozen=True)
class StagedTensors:
    """A staged folder on the grading device: uint8 images (normalised a batch at a time, on the device),
    training labels, no test labels."""

    dataset: str
    train_images: torch.Tensor
    """uint8 [N, C, H, W]."""
    train_labels: torch.Tensor
    """int64 [N]."""
    test_images: torch.Tensor
    """uint8 [M, C, H, W]."""
    mean: torch.Tensor
    """float32 [1, C, 1, 1], the dataset's channel means on the same device."""
    std: torch.Tensor
    num_classes: int

    @property
    def device(self) -> torch.device:
        return self.train_images.device

    def normalise(self, images: torch.Tensor) -> torch.Tensor:
        """float32 images in the dataset's normalisation, from uint8 ones on this device."""
        return images.float().div_(255).sub_(self.mean).div_(self.std)


def staged_info(directory: Path, dataset: str) -> DatasetInfo:
    """The facts of the dataset staged in `directory`: a known dataset's, or those an ImageFolder's staging wrote."""
    return read_info(directory) if dataset == IMAGEFOLDER else DATASETS[dataset]


def _load_images(path: Path, channels: int, size: int) -> np.ndarray:
    array = np.load(path, allow_pickle=False)
    if array.dtype != np.uint8 or array.shape[1:] != (channels, size, size):
        raise ValueError(f"{path}: expected uint8 [N, {channels}, {size}, {size}], "
                         f"got {array.dtype} {list(array.shape)}")
    return array


def load_staged(directory: Path, device: str | torch.device = "cpu", *, dataset: str) -> StagedTensors:
    """Load a staged folder onto `device`, images kept as uint8."""
    directory = Path(directory)
    info = staged_info(directory, dataset)

    def images(name: str) -> torch.Tensor:
        return torch.from_numpy(_load_images(directory / name, info.channels, info.image_size)).to(device)

    labels = np.load(directory / "train_labels.npy", allow_pickle=False)
    train_images = images("train_images.npy")
    if labels.dtype != np.int64 or labels.shape != (len(train_images),):
        raise ValueError(f"{directory / 'train_labels.npy'}: expected int64 [{len(train_images)}], "
                         f"got {labels.dtype} {list(labels.shape)}")
    return StagedTensors(dataset, train_images, torch.from_numpy(labels).to(device), images("test_images.npy"),
                         torch.tensor(info.mean, device=device).view(1, -1, 1, 1),
                         torch.tensor(info.std, device=device).view(1, -1, 1, 1), info.num_classes)


def load_first_images(directory: Path, *, dataset: str, count: int, split: str = "test") -> torch.Tensor:
    """The first `count` staged images of `split` ('train' or 'test'), normalised (float32, CPU)."""
    info = staged_info(directory, dataset)
    array = np.load(Path(directory) / f"{split}_images.npy", mmap_mode="r", allow_pickle=False)
    if array.dtype != np.uint8 or array.shape[1:] != (info.channels, info.image_size, info.image_size):
        raise ValueError(f"{directory}/{split}_images.npy: expected uint8 [N, {info.channels}, "
                         f"{info.image_size}, {info.image_size}], got {array.dtype} {list(array.shape)}")
    mean = torch.tensor(info.mean).view(1, -1, 1, 1)
    std = torch.tensor(info.std).view(1, -1, 1, 1)
    return torch.from_numpy(np.array(array[:count])).float().div_(255).sub_(mean).div_(std)
