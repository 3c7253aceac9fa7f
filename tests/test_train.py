"""grader.training.train with the chapter's models on real, staged data (GRADER_DATA, default /work/shared/datasets)."""
from __future__ import annotations

import math
import os
from dataclasses import replace
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from grader.training import data, train
from grader.training.data import DataNotFoundError
from grader.training.staged import StagedTensors, load_staged
from grader.training.train import (
    PROTOCOLS,
    get_protocol,
    train_and_predict,
    train_model,
)


class MnistCNN(nn.Module):
    """The chapter's MNIST SimpleCNN."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, padding=1)
        self.conv2 = nn.Conv2d(32, 64, 3, padding=1)
        self.pool = nn.MaxPool2d(2)
        self.fc1 = nn.Linear(64 * 7 * 7, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        return self.fc2(F.relu(self.fc1(x.flatten(1))))


class CifarCNN(nn.Module):
    """The chapter's CIFAR-10 SimpleCNN."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 3, padding=1)
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
        self.pool = nn.MaxPool2d(2)
        self.fc1 = nn.Linear(32 * 8 * 8, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        return self.fc2(F.relu(self.fc1(x.flatten(1))))


class MyTensor(torch.Tensor):
    """A tensor subclass, which the grader must refuse as a model output."""


class Linear(nn.Module):
    """A tiny model for the error paths; `mode` picks how its forward misbehaves."""

    def __init__(self, mode: str = "") -> None:
        super().__init__()
        self.fc = nn.Linear(28 * 28, 10)
        self.mode = mode
        self.calls = 0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.calls += 1
        out = self.fc(x.flatten(1))
        if self.mode == "subclass":
            return out.as_subclass(MyTensor)
        if self.mode == "shape":
            return out[:, :5]
        if self.mode == "nan" and self.calls == 37:
            return out * math.nan
        return out


def _staged(tmp_path_factory: pytest.TempPathFactory, dataset: str) -> tuple[data.StagedDataset, StagedTensors]:
    root = Path(os.environ.get("GRADER_DATA", "/work/shared/datasets"))
    try:
        staged = data.stage(dataset, root, tmp_path_factory.mktemp("staged"))
    except DataNotFoundError as err:
        pytest.skip(f"no {dataset} data (set GRADER_DATA): {err}")
    return staged, load_staged(staged.directory, "cpu", dataset=dataset)


@pytest.fixture(scope="module")
def mnist(tmp_path_factory: pytest.TempPathFactory) -> tuple[data.StagedDataset, StagedTensors]:
    torch.set_num_threads(min(2, torch.get_num_threads()))
    return _staged(tmp_path_factory, "mnist")


def _tiny(protocol_subset: int = 512) -> train.Protocol:
    return replace(get_protocol("mnist", "quick"), train_subset=protocol_subset)


def test_protocols() -> None:
    assert set(PROTOCOLS) == {("mnist", "quick"), ("mnist", "full"), ("cifar10", "quick"), ("cifar10", "full"),
                              ("cifar10", "high_lr"), ("cifar10", "transfer"), ("cifar10", "small"),
                              ("imagefolder", "quick"), ("imagefolder", "full")}
    for (dataset, name), p in PROTOCOLS.items():
        assert (p.dataset, p.name) == (dataset, name) and p.description
    for dataset in ("mnist", "cifar10"):
        full = get_protocol(dataset, "full")
        assert (full.epochs, full.batch_size, full.lr, full.train_subset) == (5, 64, 1e-3, None)
    assert get_protocol("cifar10", "high_lr").lr == 30 * get_protocol("cifar10", "quick").lr
    quick, full = get_protocol("imagefolder", "quick"), get_protocol("imagefolder", "full")
    assert [quick.epochs_for(n) for n in (180, 5_000, 50_000)] == [56, 2, 2]  # a small folder: 10,000 images seen
    assert [full.epochs_for(n) for n in (180, 5_000, 50_000)] == [278, 10, 5]
    assert get_protocol("cifar10", "quick").epochs_for(180) == 2
    with pytest.raises(KeyError, match="known: mnist/quick, mnist/full, cifar10/quick, cifar10/high_lr"):
        get_protocol("mnist", "slow")


def test_load_staged_normalises_and_has_no_test_labels(mnist: tuple[data.StagedDataset, StagedTensors]) -> None:
    staged, t = mnist
    assert t.train_images.shape == (60_000, 1, 28, 28) and t.train_images.dtype == torch.uint8
    assert t.test_images.shape == (10_000, 1, 28, 28) and t.train_labels.dtype == torch.int64
    normalised = t.normalise(t.train_images)
    assert normalised.dtype == torch.float32 and normalised.min().item() == -1.0 and normalised.max().item() == 1.0
    assert not any(torch.equal(v, staged.test_labels) for v in vars(t).values() if isinstance(v, torch.Tensor))


def test_quick_protocol_trains_mnist_simplecnn(mnist: tuple[data.StagedDataset, StagedTensors]) -> None:
    staged, tensors = mnist
    epochs: list[tuple[int, float]] = []
    torch.manual_seed(0)
    preds, engine = train_and_predict(MnistCNN(), tensors, get_protocol("mnist", "quick"),
                                      on_epoch=lambda e, loss: epochs.append((e, loss)))
    assert engine.describe(torch.device("cpu")) == "on cpu, eager steps"
    assert preds.dtype == torch.int64 and preds.shape == (10_000,)
    assert [e for e, _ in epochs] == [1] and 0 < epochs[0][1] < 1
    accuracy = (preds == staged.test_labels).float().mean().item()
    assert accuracy > 0.9


def test_training_is_seeded(mnist: tuple[data.StagedDataset, StagedTensors]) -> None:
    _, tensors = mnist
    runs = []
    for _ in range(2):
        torch.manual_seed(1)
        model = Linear()
        train_model(model, tensors, _tiny())
        runs.append(model.fc.weight.detach().clone())
    assert torch.equal(runs[0], runs[1])


def test_engine_is_the_plain_recipe_on_the_cpu(mnist: tuple[data.StagedDataset, StagedTensors]) -> None:
    """The protocol's steps are the chapter's loop, bit for bit: seeded order, normalise, forward, loss,
    zero_grad, backward, Adam step (the GPU engine replays the same step from a CUDA graph)."""
    _, tensors = mnist
    protocol = _tiny()
    torch.manual_seed(3)
    model = MnistCNN()
    by_hand = MnistCNN()
    by_hand.load_state_dict(model.state_dict())
    losses: list[float] = []
    train_model(model, tensors, protocol, on_epoch=lambda e, loss: losses.append(loss))

    torch.manual_seed(protocol.seed)
    generator = torch.Generator().manual_seed(protocol.seed)
    pool = torch.randperm(len(tensors.train_labels), generator=generator)[:protocol.train_subset]
    optimizer = torch.optim.Adam(by_hand.parameters(), lr=protocol.lr)
    order = pool[torch.randperm(len(pool), generator=generator)]
    total, steps = 0.0, 0
    for batch in order.split(protocol.batch_size):
        x = (tensors.train_images[batch].float() / 255 - tensors.mean) / tensors.std
        loss = F.cross_entropy(by_hand(x), tensors.train_labels[batch])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total, steps = total + loss.item(), steps + 1
    for mine, theirs in zip(model.parameters(), by_hand.parameters()):
        assert torch.equal(mine, theirs)
    assert losses == [pytest.approx(total / steps, rel=1e-5)]


def test_lr_override(mnist: tuple[data.StagedDataset, StagedTensors]) -> None:
    _, tensors = mnist
    model = Linear()
    before = model.fc.weight.detach().clone()
    train_model(model, tensors, _tiny(), lr=0.0)
    assert torch.equal(model.fc.weight, before)


@pytest.mark.parametrize("mode, error, message", [
    ("subclass", TypeError, "tensor subclass"),
    ("shape", ValueError, r"shape \[batch, 10\].*\[64, 5\]"),
    ("nan", ValueError, "training diverged: loss became nan at epoch 1, step 37"),
])
def test_bad_models_are_refused(mnist: tuple[data.StagedDataset, StagedTensors], mode: str,
                                error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        train_model(Linear(mode), mnist[1], _tiny(5000))


def test_protocol_must_match_data(mnist: tuple[data.StagedDataset, StagedTensors]) -> None:
    with pytest.raises(ValueError, match="cifar10"):
        train_model(CifarCNN(), mnist[1], get_protocol("cifar10", "quick"))


@pytest.mark.slow
def test_quick_protocol_trains_cifar_simplecnn(tmp_path_factory: pytest.TempPathFactory) -> None:
    staged, tensors = _staged(tmp_path_factory, "cifar10")
    torch.manual_seed(0)
    preds, _ = train_and_predict(CifarCNN(), tensors, get_protocol("cifar10", "quick"))
    assert (preds == staged.test_labels).float().mean().item() > 0.55
