"""Instruments for watching a student's training loop from inside the child (training_loop assignment).

The grader hands the submission's `train_one_epoch` and `evaluate` its own model, loader, criterion and
optimizer, instrumented to write one shared call log: every forward (with the model's mode, whether
autograd was on, whether the batch was moved to the device), every criterion call (argument order,
loss value), every backward reaching a loss, and every `zero_grad` and `step` of the optimizer. The
parent names the bug from that log ("zero_grad is called after backward").
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator

import torch
from torch import nn

from grader.child.values import describe_value, type_name
from grader.probes.base import MeasureError


@dataclass
class CallLog:
    """What the loop did, in order: ('forward' | 'criterion' | 'backward' | 'zero_grad' | 'step', detail)."""

    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def add(self, kind: str, **detail: Any) -> None:
        self.events.append((kind, detail))

    def kinds(self) -> list[str]:
        return [kind for kind, _ in self.events]

    def details(self, kind: str) -> list[dict[str, Any]]:
        return [detail for k, detail in self.events if k == kind]


class TracedBatch(torch.Tensor):
    """A batch tensor from the grader's loader that notes where `.to(...)`/`.cuda()` sent it; what the
    model receives shows whether the loop moved it (a moved batch is a plain tensor)."""

    def to(self, *args: Any, **kwargs: Any) -> torch.Tensor:  # type: ignore[override]
        plain = self.as_subclass(torch.Tensor)
        return plain.to(*args, **kwargs)

    def cuda(self, *args: Any, **kwargs: Any) -> torch.Tensor:  # type: ignore[override]
        return self.as_subclass(torch.Tensor).cuda(*args, **kwargs)

    @classmethod
    def __torch_function__(cls, func: Any, types: Any, args: Any = (), kwargs: Any = None) -> Any:
        # Every other operation sees (and returns) plain tensors, so the model cannot tell the difference.
        args = tuple(a.as_subclass(torch.Tensor) if isinstance(a, TracedBatch) else a for a in args)
        return func(*args, **(kwargs or {}))


class Batches:
    """A loader of fixed batches (what a DataLoader would yield): iterable, with len(), batch_size and
    dataset, yielding (images, labels) as TracedBatch."""

    def __init__(self, images: torch.Tensor, labels: torch.Tensor, batch_size: int) -> None:
        self.images, self.labels, self.batch_size = images, labels, batch_size
        self.dataset = torch.utils.data.TensorDataset(images, labels)

    def __len__(self) -> int:
        return -(-len(self.labels) // self.batch_size)

    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        for start in range(0, len(self.labels), self.batch_size):
            stop = start + self.batch_size
            yield (self.images[start:stop].clone().as_subclass(TracedBatch),
                   self.labels[start:stop].clone().as_subclass(TracedBatch))


class SpyCriterion(nn.CrossEntropyLoss):
    """CrossEntropyLoss that logs its calls. A swapped argument order (labels first) is refused with a clear
    message, or, when `lenient` (for checks about something else), put right and logged."""

    def __init__(self, log: CallLog, lenient: bool = False) -> None:
        super().__init__()
        self.log, self.lenient = log, lenient

    def forward(self, input: torch.Tensor, target: torch.Tensor) -> torch.Tensor:  # noqa: A002 - nn's name
        if not input.is_floating_point() and target.is_floating_point() and self.lenient:
            self.log.add("swapped")
            input, target = target, input  # noqa: A001
        elif not input.is_floating_point() and target.is_floating_point():
            raise MeasureError("the criterion was called as criterion(labels, outputs): the labels came first",
                               "call criterion(outputs, labels): the model's outputs first, then the labels, "
                               "as in the chapter's loss = criterion(outputs, labels)")
        loss = super().forward(input, target)
        self.log.add("criterion", loss=float(loss.detach()), batch=len(target))
        if loss.requires_grad:
            loss.register_hook(lambda grad: self.log.add("backward"))
        return loss


def instrument_optimizer(optimizer: torch.optim.Optimizer, log: CallLog) -> torch.optim.Optimizer:
    """Log the optimizer's zero_grad and step calls (the originals still run)."""
    zero_grad = optimizer.zero_grad

    def logged_zero_grad(*args: Any, **kwargs: Any) -> None:
        log.add("zero_grad")
        zero_grad(*args, **kwargs)

    optimizer.zero_grad = logged_zero_grad  # type: ignore[method-assign]
    optimizer.register_step_pre_hook(lambda opt, args, kwargs: log.add("step"))
    return optimizer


class ForwardWatch:
    """Logs every forward of a model: its mode, autograd, and whether the batch arrived on `device` as a plain
    tensor (moved by the loop) or still as the loader's TracedBatch. It wraps the model's own `forward`, so
    `model.forward(x)` (the Udacity course's habit) is seen as well as `model(x)`; `remove()` puts it back."""

    def __init__(self, model: nn.Module, log: CallLog, device: str) -> None:
        self.model, self.own = model, model.__dict__.get("forward")
        original = model.forward

        def forward(*inputs: Any, **kwargs: Any) -> Any:
            x = inputs[0] if inputs else None
            log.add("forward", training=model.training, grad=torch.is_grad_enabled(),
                    moved=isinstance(x, torch.Tensor) and not isinstance(x, TracedBatch),
                    device=str(x.device) if isinstance(x, torch.Tensor) else "", wanted=device)
            return original(*inputs, **kwargs)

        model.forward = forward

    def remove(self) -> None:
        if self.own is None:
            del self.model.forward
        else:
            self.model.forward = self.own


def plain_number(value: Any) -> dict[str, Any]:
    """What a loop returned, described for the parent in plain JSON types: its type, its value (for one number), its
    shape (for a tensor or numpy value; [] for a 0-dim one or a numpy scalar), whether it holds a graph, and in a
    student's words ('described')."""
    import numpy as np

    described = describe_value(value)
    if isinstance(value, bool):
        return {"type": "bool", "value": float(value), "described": described}
    if type(value) in (int, float):
        return {"type": type(value).__name__, "value": float(value), "described": described}
    if isinstance(value, torch.Tensor):
        number = float(value.detach().reshape(-1)[0]) if value.numel() == 1 else None
        return {"type": "tensor", "value": number, "requires_grad": value.requires_grad, "shape": list(value.shape),
                "described": described}
    if isinstance(value, (np.generic, np.ndarray)):
        array = np.asarray(value)
        number = float(array.reshape(-1)[0]) if array.size == 1 and array.dtype.kind in "iuf" else None
        return {"type": f"numpy.{type(value).__name__}", "value": number, "shape": list(array.shape),
                "described": described}
    return {"type": type_name(value), "value": None, "described": described}
