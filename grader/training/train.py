"""The grader's own seeded training protocols, run on a submission's model INSIDE the child.

Reads only a staged folder (`grader.training.data.STAGED_FILES`), never the data root: the test labels
are not there, so the child can only return predictions, which the parent scores.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch
from torch import nn

from grader.training.staged import StagedTensors
from grader.training.steps import (
    Engine,
    Tally,
    TrainStep,
    build_runner,
    forward_checked,
)


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
    min_images_seen: int = 0
    """More epochs where one pass over the training images shows fewer than this many (a small ImageFolder)."""

    def epochs_for(self, images: int) -> int:
        """The epochs over `images` training images: `epochs`, or more to see `min_images_seen` images."""
        return max(self.epochs, -(-self.min_images_seen // max(images, 1)))


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
    ("cifar10", "small"): Protocol(
        "small", "cifar10", epochs=1, batch_size=64, lr=1e-3, train_subset=10_000, seed=0,
        description="1 epoch on 10,000 seeded training images, Adam lr 1e-3, batch 64 (about 30 s for a "
                    "ResNet18 on a 2-core CPU)"),
    ("cifar10", "full"): Protocol(
        "full", "cifar10", epochs=5, batch_size=64, lr=1e-3, train_subset=None, seed=0,
        description="the chapter's recipe: 5 epochs on all 50,000 images, Adam lr 1e-3, batch 64"),
    ("imagefolder", "quick"): Protocol(
        "quick", "imagefolder", epochs=2, batch_size=64, lr=1e-3, train_subset=None, seed=0, min_images_seen=10_000,
        description="2 epochs on all training images (more on a small folder, to see 10,000 images), Adam lr 1e-3, "
                    "batch 64"),
    ("imagefolder", "full"): Protocol(
        "full", "imagefolder", epochs=5, batch_size=64, lr=1e-3, train_subset=None, seed=0, min_images_seen=50_000,
        description="5 epochs on all training images (more on a small folder, to see 50,000 images), Adam lr "
                    "1e-3, batch 64"),
}
"""An assignment's own ImageFolder (grader.training.imagefolder) has the generic quick and full recipes, their
epochs scaled up on a small folder."""


def get_protocol(dataset: str, name: str) -> Protocol:
    """The protocol `name` for `dataset`; KeyError listing the known ones otherwise."""
    try:
        return PROTOCOLS[(dataset, name)]
    except KeyError:
        known = ", ".join(f"{d}/{n}" for d, n in PROTOCOLS)
        raise KeyError(f"no training protocol {name!r} for dataset {dataset!r}; known: {known}") from None


def _optimizer(params: list[nn.Parameter], lr: float, device: torch.device) -> torch.optim.Optimizer:
    """The protocols' Adam; on a GPU its state lives on the device, so that a CUDA graph can capture it."""
    if device.type == "cuda":
        return torch.optim.Adam(params, lr=lr, capturable=True, foreach=True)
    return torch.optim.Adam(params, lr=lr)


def train_model(model: nn.Module, data: StagedTensors, protocol: Protocol, *,
                device: str | torch.device = "cpu", lr: float | None = None,
                optimizer: torch.optim.Optimizer | None = None,
                on_epoch: Callable[[int, float], None] | None = None) -> Engine:
    """Train `model` in place with the protocol (CrossEntropy; `optimizer` if given, else Adam
    over the trainable parameters at `lr` or the protocol's). Returns how the steps ran.

    Seeds torch with `protocol.seed` first (model construction is the caller's to seed); the data order
    is drawn on the data's device from the same seed. Calls `on_epoch(epoch, mean_loss)` with 1-based
    epochs. Raises ValueError on a non-finite loss (at the end of its epoch) or a model without trainable
    parameters, TypeError/ValueError on a bad output.
    """
    if protocol.dataset != data.dataset:
        raise ValueError(f"protocol {protocol.name!r} is for {protocol.dataset}, data is {data.dataset}")
    device = torch.device(device)
    params = [p for p in model.parameters() if p.requires_grad]
    if not params:
        raise ValueError("the model has no trainable parameters (nothing for the optimizer to train)")
    torch.manual_seed(protocol.seed)
    generator = torch.Generator(data.device).manual_seed(protocol.seed)
    n = len(data.train_labels)
    pool = torch.randperm(n, generator=generator, device=data.device)[:protocol.train_subset] \
        if protocol.train_subset is not None and protocol.train_subset < n else torch.arange(n, device=data.device)
    model.to(device).train()
    capturable = optimizer is None and device.type == "cuda"
    optimizer = optimizer or _optimizer(params, protocol.lr if lr is None else lr, device)
    step = TrainStep(model, data, optimizer, data.num_classes, Tally(device))
    run_full: Callable[[torch.Tensor], None] | None = None
    engine = Engine("eager")
    for epoch in range(1, protocol.epochs_for(len(pool)) + 1):
        order = pool[torch.randperm(len(pool), generator=generator, device=data.device)]
        for batch in order.split(protocol.batch_size):
            if run_full is None:
                run_full, engine = build_runner(step, batch, capturable=capturable,
                                                reseed=lambda: torch.manual_seed(protocol.seed))
            (run_full if len(batch) == protocol.batch_size else step)(batch)
        mean_loss = step.tally.close_epoch(epoch)
        if on_epoch is not None:
            on_epoch(epoch, mean_loss)
    return engine


def predict_batch_size(device: torch.device) -> int:
    """Test images per forward pass: 256 beat 1000 on a 2-core CPU; a GPU takes many more."""
    return 2048 if device.type == "cuda" else 256


@torch.no_grad()
def predict(model: nn.Module, data: StagedTensors, num_classes: int, *,
            device: str | torch.device = "cpu") -> torch.Tensor:
    """int64 class predictions (on the CPU) for the staged test images, in eval mode, batched (normalised where
    the images are, then moved to `device`)."""
    device = torch.device(device)
    model.to(device).eval()
    preds = [forward_checked(model, data.normalise(x).to(device), num_classes).argmax(dim=1)
             for x in data.test_images.split(predict_batch_size(device))]
    return torch.cat(preds).to("cpu", torch.int64)


def train_and_predict(model: nn.Module, data: StagedTensors, protocol: Protocol, *,
                      device: str | torch.device = "cpu", optimizer: torch.optim.Optimizer | None = None,
                      on_epoch: Callable[[int, float], None] | None = None) -> tuple[torch.Tensor, Engine]:
    """Train with `protocol`, then predict every test image (model left in eval); also how it trained."""
    engine = train_model(model, data, protocol, device=device, optimizer=optimizer, on_epoch=on_epoch)
    return predict(model, data, data.num_classes, device=device), engine
