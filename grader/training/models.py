"""The chapter's models as grader fixtures: models the grader builds itself and hands to a
submission's functions (e.g. `feature_maps(model, images)`), with weights seeded in the parent.

Trusted grader code, importable in the child (the grader package is mounted there).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch
import torch.nn.functional as F
from torch import nn


class SimpleCNN(nn.Module):
    """The chapter's CIFAR-10 SimpleCNN (exercise 2a): [N, 3, 32, 32] → logits [N, 10]."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, kernel_size=3, padding=1)
        self.pool = nn.MaxPool2d(kernel_size=2, stride=2)
        self.conv2 = nn.Conv2d(16, 32, kernel_size=3, padding=1)
        self.fc1 = nn.Linear(32 * 8 * 8, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.pool(F.relu(self.conv1(x)))  # [N, 16, 16, 16]
        x = self.pool(F.relu(self.conv2(x)))  # [N, 32, 8, 8]
        x = F.relu(self.fc1(torch.flatten(x, 1)))
        return self.fc2(x)


class SmallSequential(nn.Module):
    """A different small CIFAR-10 network: its first Conv2d is `features.0` (3 → 8 channels),
    followed by an nn.ReLU module; no attribute is called conv1."""

    def __init__(self) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 8, kernel_size=5, padding=2), nn.ReLU(), nn.AvgPool2d(2),   # [N, 8, 16, 16]
            nn.Conv2d(8, 12, kernel_size=3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
        )
        self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(12, 10))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x))


class MnistCNN(nn.Module):
    """The chapter's 8.3.2 SimpleCNN for MNIST: [N, 1, 28, 28] → logits [N, 10]."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, padding=1)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(32, 64, 3, padding=1)
        self.fc1 = nn.Linear(64 * 7 * 7, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        return self.fc2(F.relu(self.fc1(torch.flatten(x, 1))))


class MnistBatchNormDropout(nn.Module):
    """A small MNIST network with BatchNorm and Dropout, whose outputs depend on train/eval mode."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(1, 8, 3, padding=1)
        self.bn = nn.BatchNorm2d(8)
        self.drop = nn.Dropout(0.5)
        self.fc = nn.Linear(8 * 14 * 14, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.max_pool2d(F.relu(self.bn(self.conv(x))), 2)
        return self.fc(self.drop(torch.flatten(x, 1)))


@dataclass(frozen=True)
class Fixture:
    """A model the grader can build, and how messages name it."""

    factory: Callable[[], nn.Module]
    description: str


FIXTURES: dict[str, Fixture] = {
    "simple_cnn": Fixture(SimpleCNN, "the chapter's SimpleCNN (first Conv2d: 'conv1', 3 → 16 channels)"),
    "small_sequential": Fixture(SmallSequential, "a small nn.Sequential network (first Conv2d: "
                                                 "'features.0', 3 → 8 channels, no attribute 'conv1')"),
    "mnist_cnn": Fixture(MnistCNN, "the chapter's MNIST SimpleCNN (8.3.2)"),
    "mnist_bn_dropout": Fixture(MnistBatchNormDropout, "a small MNIST network with BatchNorm2d and Dropout"),
}


def fixture(name: str) -> Fixture:
    """The fixture `name`; KeyError listing the known ones otherwise."""
    try:
        return FIXTURES[name]
    except KeyError:
        raise KeyError(f"no grader model {name!r}; known: {', '.join(FIXTURES)}") from None


def seeded_state(name: str, seed: int) -> dict[str, torch.Tensor]:
    """Parent side: the fixture's weights, initialised with `seed`."""
    torch.manual_seed(seed)
    return {k: v.detach().clone() for k, v in fixture(name).factory().state_dict().items()}


def build(name: str, state: dict[str, torch.Tensor], device: str = "cpu") -> nn.Module:
    """Child side: the fixture with the parent's weights loaded, in eval mode, on `device`."""
    model = fixture(name).factory()
    model.load_state_dict(state, strict=True)
    return model.to(device).eval()
