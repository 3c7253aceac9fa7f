"""One optimisation step of the grader's training protocols, run eagerly or replayed from a CUDA graph.

The step is the same code either way: gather the batch from the uint8 images held on the device,
normalise it there, forward, loss, backward, optimizer step, and the epoch's loss bookkeeping (kept on
the device, so that no step waits for the GPU). On a GPU the step is captured once in a CUDA graph and
replayed; a model that cannot be captured (a CPU sync such as `.item()` or `print(tensor)` in forward,
data-dependent control flow) falls back to eager steps, and `Engine` says which ran and why.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import torch
from torch import nn

from grader.child.values import describe_value
from grader.results import message_line
from grader.training.staged import StagedTensors

WARMUP_STEPS = 3
"""Eager steps run (and then undone) before capture, so that lazy state and workspaces exist."""


@dataclass(frozen=True)
class Engine:
    """How a protocol's steps ran, for the report."""

    name: str
    """'cuda-graph' or 'eager'."""
    why: str = ""
    """Why the steps ran eagerly on a GPU ('' when there was no choice to make)."""

    def describe(self, device: torch.device) -> str:
        if self.name == "cuda-graph":
            return f"on {_device_name(device)}, each training step replayed from a CUDA graph"
        return f"on {_device_name(device)}, eager steps" + (f" ({self.why})" if self.why else "")


def _device_name(device: torch.device) -> str:
    return f"cuda ({torch.cuda.get_device_name(device)})" if device.type == "cuda" else device.type


class Tally:
    """An epoch's losses, summed on the device with in-place operations only (so they can be captured)."""

    def __init__(self, device: torch.device) -> None:
        self.total = torch.zeros((), device=device)
        self.steps = torch.zeros((), dtype=torch.int64, device=device)
        self.first_bad_step = torch.zeros((), dtype=torch.int64, device=device)
        """1-based step of the epoch's first non-finite loss; 0 while every loss is finite."""
        self.first_bad_value = torch.zeros((), device=device)

    def record(self, loss: torch.Tensor) -> None:
        self.steps += 1
        first = ~torch.isfinite(loss) & (self.first_bad_step == 0)
        self.first_bad_step.copy_(torch.where(first, self.steps, self.first_bad_step))
        self.first_bad_value.copy_(torch.where(first, loss, self.first_bad_value))
        self.total += loss

    def reset(self) -> None:
        for t in (self.total, self.steps, self.first_bad_step, self.first_bad_value):
            t.zero_()

    def close_epoch(self, epoch: int) -> float:
        """The epoch's mean loss; ValueError if a loss was not finite. Resets for the next epoch."""
        total, steps, bad_step, bad_value = (t.item() for t in
                                             (self.total, self.steps, self.first_bad_step, self.first_bad_value))
        if bad_step:
            raise ValueError(f"training diverged: loss became {bad_value} at epoch {epoch}, step {bad_step}")
        self.reset()
        return total / max(steps, 1)


def forward_checked(model: nn.Module, x: torch.Tensor, num_classes: int) -> torch.Tensor:
    """`model(x)`, refusing anything but a plain tensor of logits [batch, k], k ≥ num_classes (an extra output is a
    class no image has: cross-entropy trains it down, and a prediction of it is never right)."""
    out = model(x)
    if type(out) is not torch.Tensor:
        raise TypeError(f"forward must return a plain torch.Tensor of logits; it returned {describe_value(out)}")
    if out.ndim != 2 or out.shape[0] != len(x) or out.shape[1] < num_classes:
        raise ValueError(f"forward must return logits of shape [batch, {num_classes}] "
                         f"= {[len(x), num_classes]}; it returned shape {list(out.shape)}")
    return out


@dataclass
class TrainStep:
    """One eager training step on a batch of training-image indices."""

    model: nn.Module
    data: StagedTensors
    optimizer: torch.optim.Optimizer
    num_classes: int
    tally: Tally
    loss_fn: nn.Module = field(default_factory=nn.CrossEntropyLoss)

    def __call__(self, batch: torch.Tensor) -> None:
        x = self.data.normalise(self.data.train_images.index_select(0, batch))
        out = forward_checked(self.model, x, self.num_classes)
        if not out.requires_grad:
            raise ValueError("the model's output does not require grad (is it detached, or "
                             "computed under torch.no_grad()?), so it cannot be trained")
        loss = self.loss_fn(out, self.data.train_labels.index_select(0, batch))
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        self.tally.record(loss.detach())


class GraphedStep:
    """A `TrainStep` captured in a CUDA graph for one batch size; calling it replays the graph."""

    def __init__(self, step: TrainStep, example: torch.Tensor) -> None:
        self.indices = example.clone()
        saved = [t.detach().clone() for t in step.model.state_dict().values()]
        self.graph = torch.cuda.CUDAGraph()
        side = torch.cuda.Stream()
        side.wait_stream(torch.cuda.current_stream())
        try:
            with torch.cuda.stream(side):
                for _ in range(WARMUP_STEPS):
                    step(self.indices)
            torch.cuda.current_stream().wait_stream(side)
            with torch.cuda.graph(self.graph):
                step(self.indices)
        finally:
            try:
                torch.cuda.synchronize()
            finally:
                _undo_warmup(step, saved)

    def __call__(self, batch: torch.Tensor) -> None:
        self.indices.copy_(batch)
        self.graph.replay()


def _undo_warmup(step: TrainStep, saved: list[torch.Tensor]) -> None:
    """Put the model, the optimizer (a fresh Adam: all-zero state) and the tally back as they were."""
    with torch.no_grad():
        for tensor, value in zip(step.model.state_dict().values(), saved):
            tensor.copy_(value)
    for state in step.optimizer.state.values():
        for value in state.values():
            if isinstance(value, torch.Tensor):
                value.zero_()
    step.tally.reset()


def build_runner(step: TrainStep, first_batch: torch.Tensor, *, capturable: bool,
                 reseed: Callable[[], None]) -> tuple[Callable[[torch.Tensor], None], Engine]:
    """The function that runs a full batch: the CUDA-graph replay when `capturable` and the capture
    works, else the eager step. `reseed` restores the random state the warm-up consumed."""
    if not capturable:
        return step, Engine("eager")
    try:
        graphed = GraphedStep(step, first_batch)
    except (TypeError, ValueError):
        raise  # the protocol's own checks on the output: the student's error, not the capture's
    except Exception as exc:  # noqa: BLE001 - any failure to capture means: run eagerly
        reason = message_line(str(exc))[:160] or type(exc).__name__
        reseed()
        return step, Engine("eager", f"the model could not be captured in a CUDA graph: {reason}")
    reseed()
    return graphed, Engine("cuda-graph")
