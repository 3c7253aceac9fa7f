"""The grader's own seeded training protocols, run on a submission's model INSIDE the child.

Reads only a staged folder (`grader.data.STAGED_FILES`), never the data root: the test labels
are not there, so the child can only return predictions, which the parent scores.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import torch
from torch import nn

from grader.data import DATASETS

PREDICT_BATCH = 256
"""Test images per forward pass when predicting (256 beat 1000 on a 2-core CPU)."""


@dataclass(frozen=True)
class Protocol:
    """A fixed training recipe: Adam + CrossEntropyLoss, seeded."""

    name: str
    dataset: str
    epochs: int
    batch_size: int
    lr: float
    """Adam learning rate."""
    train_subset: int | None
    """Train on this many seeded-random training images; None = all."""
    seed: int
    description: str


PROTOCOLS: dict[tuple[str, str], Protocol] = {
    ("mnist", "quick"): Protocol(
        "quick", "mnist", epochs=1, batch_size=64, lr=1e-3, train_subset=20_000, seed=0,
        description="1 epoch on 20,000 training images, Adam lr 1e-3, batch 64"),
    ("mnist", "full"): Protocol(
        "full", "mnist", epochs=5, batch_size=64, lr=1e-3, train_subset=None, seed=0,
        description="the chapter's recipe: 5 epochs on all 60,000 images, Adam lr 1e-3, batch 64"),
    ("cifar10", "quick"): Protocol(
        "quick", "cifar10", epochs=2, batch_size=64, lr=1e-3, train_subset=None, seed=0,
        description="2 epochs on all 50,000 training images, Adam lr 1e-3, batch 64"),
    ("cifar10", "high_lr"): Protocol(
        "high_lr", "cifar10", epochs=1, batch_size=64, lr=3e-2, train_subset=None, seed=0,
        description="1 epoch on all 50,000 training images at a high learning rate: Adam lr 3e-2, batch 64"),
    ("cifar10", "transfer"): Protocol(
        "transfer", "cifar10", epochs=1, batch_size=64, lr=1e-3, train_subset=10_000, seed=0,
        description="fine-tuning: 1 epoch on 10,000 training images (32×32), batch 64, with the "
                    "optimizer the submission builds"),
    ("cifar10", "full"): Protocol(
        "full", "cifar10", epochs=5, batch_size=64, lr=1e-3, train_subset=None, seed=0,
        description="the chapter's recipe: 5 epochs on all 50,000 images, Adam lr 1e-3, batch 64"),
}


def get_protocol(dataset: str, name: str) -> Protocol:
    """The protocol `name` for `dataset`; KeyError listing the known ones otherwise."""
    try:
        return PROTOCOLS[(dataset, name)]
    except KeyError:
        known = ", ".join(f"{d}/{n}" for d, n in PROTOCOLS)
        raise KeyError(f"no training protocol {name!r} for dataset {dataset!r}; known: {known}") from None


@dataclass(frozen=True)
class StagedTensors:
    """A staged folder in memory: normalised float images, training labels, no test labels."""

    dataset: str
    train_x: torch.Tensor
    """float32 [N, C, H, W], normalised with the dataset's mean/std."""
    train_y: torch.Tensor
    """int64 [N]."""
    test_x: torch.Tensor
    """float32 [M, C, H, W], normalised."""


def _load_images(path: Path, channels: int, size: int) -> np.ndarray:
    array = np.load(path, allow_pickle=False)
    if array.dtype != np.uint8 or array.shape[1:] != (channels, size, size):
        raise ValueError(f"{path}: expected uint8 [N, {channels}, {size}, {size}], "
                         f"got {array.dtype} {list(array.shape)}")
    return array


def load_staged(directory: Path, device: str | torch.device = "cpu", *, dataset: str) -> StagedTensors:
    """Load a staged folder onto `device` as tensors (uint8 is moved first, then normalised)."""
    info = DATASETS[dataset]
    directory = Path(directory)
    mean = torch.tensor(info.mean, device=device).view(1, -1, 1, 1)
    std = torch.tensor(info.std, device=device).view(1, -1, 1, 1)

    def images(name: str) -> torch.Tensor:
        array = _load_images(directory / name, info.channels, info.image_size)
        return torch.from_numpy(array).to(device).float().div_(255).sub_(mean).div_(std)

    labels = np.load(directory / "train_labels.npy", allow_pickle=False)
    train_x = images("train_images.npy")
    if labels.dtype != np.int64 or labels.shape != (len(train_x),):
        raise ValueError(f"{directory / 'train_labels.npy'}: expected int64 [{len(train_x)}], "
                         f"got {labels.dtype} {list(labels.shape)}")
    return StagedTensors(dataset, train_x, torch.from_numpy(labels).to(device),
                         images("test_images.npy"))


def load_test_images(directory: Path, *, dataset: str, count: int) -> torch.Tensor:
    """The first `count` staged test images, normalised like `load_staged` (float32, CPU)."""
    info = DATASETS[dataset]
    array = np.load(Path(directory) / "test_images.npy", mmap_mode="r", allow_pickle=False)
    if array.dtype != np.uint8 or array.shape[1:] != (info.channels, info.image_size, info.image_size):
        raise ValueError(f"{directory}/test_images.npy: expected uint8 [N, {info.channels}, "
                         f"{info.image_size}, {info.image_size}], got {array.dtype} {list(array.shape)}")
    mean = torch.tensor(info.mean).view(1, -1, 1, 1)
    std = torch.tensor(info.std).view(1, -1, 1, 1)
    return torch.from_numpy(np.array(array[:count])).float().div_(255).sub_(mean).div_(std)


def _forward(model: nn.Module, x: torch.Tensor, num_classes: int) -> torch.Tensor:
    out = model(x)
    if type(out) is not torch.Tensor:
        kind = f"a tensor subclass ({type(out).__qualname__}); subclasses are refused" \
            if isinstance(out, torch.Tensor) else type(out).__qualname__
        raise TypeError(f"forward must return a plain torch.Tensor of logits; it returned {kind}")
    if out.shape != (len(x), num_classes):
        raise ValueError(f"forward must return logits of shape [batch, {num_classes}] "
                         f"= {[len(x), num_classes]}; it returned shape {list(out.shape)}")
    return out


def train_model(model: nn.Module, data: StagedTensors, protocol: Protocol, *,
                device: str | torch.device = "cpu", lr: float | None = None,
                optimizer: torch.optim.Optimizer | None = None,
                on_epoch: Callable[[int, float], None] | None = None) -> None:
    """Train `model` in place with the protocol (CrossEntropy; `optimizer` if given, else Adam
    over the trainable parameters at `lr` or the protocol's).

    Seeds torch with `protocol.seed` first (model construction is the caller's to seed).
    Calls `on_epoch(epoch, mean_loss)` with 1-based epochs. Raises ValueError on a non-finite
    loss or a model without trainable parameters, TypeError/ValueError on a bad output.
    """
    if protocol.dataset != data.dataset:
        raise ValueError(f"protocol {protocol.name!r} is for {protocol.dataset}, data is {data.dataset}")
    num_classes = DATASETS[protocol.dataset].num_classes
    params = [p for p in model.parameters() if p.requires_grad]
    if not params:
        raise ValueError("the model has no trainable parameters (nothing for the optimizer to train)")
    torch.manual_seed(protocol.seed)
    generator = torch.Generator().manual_seed(protocol.seed)
    n = len(data.train_x)
    pool = torch.randperm(n, generator=generator)[:protocol.train_subset] \
        if protocol.train_subset is not None and protocol.train_subset < n else torch.arange(n)
    model.to(device).train()
    optimizer = optimizer or torch.optim.Adam(params, lr=protocol.lr if lr is None else lr)
    loss_fn = nn.CrossEntropyLoss()
    for epoch in range(1, protocol.epochs + 1):
        order = pool[torch.randperm(len(pool), generator=generator)].to(data.train_x.device)
        batches = order.split(protocol.batch_size)
        total = 0.0
        for step, batch in enumerate(batches, start=1):
            x = data.train_x[batch].to(device)
            y = data.train_y[batch].to(device)
            out = _forward(model, x, num_classes)
            if not out.requires_grad:
                raise ValueError("the model's output does not require grad (is it detached, or "
                                 "computed under torch.no_grad()?), so it cannot be trained")
            loss = loss_fn(out, y)
            value = loss.item()
            if not math.isfinite(value):
                raise ValueError(f"training diverged: loss became {value} at epoch {epoch}, step {step}")
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            total += value
        if on_epoch is not None:
            on_epoch(epoch, total / len(batches))


@torch.no_grad()
def predict(model: nn.Module, images: torch.Tensor, num_classes: int, *,
            device: str | torch.device = "cpu") -> torch.Tensor:
    """int64 class predictions (on the CPU) for `images`, in eval mode, batched."""
    model.to(device).eval()
    preds = [_forward(model, x.to(device), num_classes).argmax(dim=1)
             for x in images.split(PREDICT_BATCH)]
    return torch.cat(preds).to("cpu", torch.int64)


def train_and_predict(model: nn.Module, data: StagedTensors, protocol: Protocol, *,
                      device: str | torch.device = "cpu", optimizer: torch.optim.Optimizer | None = None,
                      on_epoch: Callable[[int, float], None] | None = None) -> torch.Tensor:
    """Train with `protocol`, then return predictions for all test images (model left in eval)."""
    train_model(model, data, protocol, device=device, optimizer=optimizer, on_epoch=on_epoch)
    return predict(model, data.test_x, DATASETS[protocol.dataset].num_classes, device=device)
