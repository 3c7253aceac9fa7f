"""Record a forward pass at the level of the operations it computes, not the modules it calls.

`nn.MaxPool2d`, `F.max_pool2d` and `torch.max_pool2d` are one operation; so are `nn.ReLU`, `F.relu`,
`torch.relu` and `x.relu()`, or `nn.Flatten`, `torch.flatten` and `x.view(x.size(0), -1)`. A
`TorchFunctionMode` sees each call to a torch function once, at the outermost level (what runs
inside it is not seen again), so parameter-free wrappers (`nn.Identity`, `QuantStub`, nested
`nn.Sequential`) leave no trace and a correct model written in the functional style records exactly
what the same model written with modules records. Runs inside the child.
"""
from __future__ import annotations

import sys
from typing import Any

from grader.child.frames import StudentCode

# torch function name → the layer it computes, named as the spec's `layer_types` name layers
_KINDS = {
    "conv1d": "Conv1d", "conv2d": "Conv2d", "conv3d": "Conv3d",
    "max_pool1d": "MaxPool1d", "max_pool2d": "MaxPool2d", "max_pool2d_with_indices": "MaxPool2d",
    "avg_pool1d": "AvgPool1d", "avg_pool2d": "AvgPool2d",
    "adaptive_avg_pool2d": "AdaptiveAvgPool2d", "adaptive_max_pool2d": "AdaptiveMaxPool2d",
    "linear": "Linear", "relu": "ReLU", "relu_": "ReLU", "dropout": "Dropout", "dropout2d": "Dropout2d",
    "flatten": "Flatten", "softmax": "Softmax", "log_softmax": "LogSoftmax",
}
_RESHAPES = ("view", "reshape")
"""Count as Flatten when they turn a batch of feature maps into a batch of vectors."""


def _kind(name: str, args: tuple, out: Any) -> str | None:
    import torch

    if name == "batch_norm":
        return {2: "BatchNorm1d", 3: "BatchNorm1d", 4: "BatchNorm2d", 5: "BatchNorm3d"}.get(out.dim())
    if name in _RESHAPES:
        source = args[0] if args else None
        flattens = isinstance(source, torch.Tensor) and source.dim() > 2 and out.dim() == 2
        return "Flatten" if flattens else None
    return _KINDS.get(name)


def _student_line(code: StudentCode) -> str:
    """'line 24 of solution.py: `x = F.max_pool2d(x, 2)`' for the student's innermost frame calling the operation."""
    import linecache

    frame = sys._getframe(2)
    while frame is not None:
        place = code.place(frame.f_code.co_filename)
        if place:
            text = linecache.getline(frame.f_code.co_filename, frame.f_lineno).strip()
            return f"line {frame.f_lineno} of {place}" + (f": `{text}`" if text else "")
        frame = frame.f_back
    return ""


def trace_forward(model: Any, x: Any, forward: Any, code: StudentCode) -> tuple[list[dict[str, Any]], Exception | None]:
    """Run `forward(model, x)` and record every layer operation: [{'type', 'shape', 'path', 'line'}]
    in call order ('path': the innermost named module running it, '' in the model's own forward),
    and the exception that stopped the forward pass (None if none)."""
    import torch
    from torch.overrides import TorchFunctionMode

    running: list[str] = []
    calls: list[dict[str, Any]] = []

    class Recorder(TorchFunctionMode):
        def __torch_function__(self, func: Any, types: Any, args: tuple = (), kwargs: dict | None = None) -> Any:
            out = func(*args, **(kwargs or {}))
            first = out[0] if isinstance(out, tuple) and out else out
            if type(first) is torch.Tensor:
                kind = _kind(getattr(func, "__name__", ""), args, first)
                if kind:
                    calls.append({"type": kind, "shape": list(first.shape), "path": running[-1] if running else "",
                                  "line": _student_line(code)})
            return out

    def enter(name: str):
        return lambda module, inputs: running.append(name)

    def leave(module: Any, inputs: Any, output: Any) -> None:
        running.pop()

    handles = [h for name, m in model.named_modules() if name
               for h in (m.register_forward_pre_hook(enter(name)), m.register_forward_hook(leave))]
    error = None
    try:
        with Recorder():
            forward(model, x)
    except Exception as exc:  # noqa: BLE001 - the student's error is part of the record
        error = exc
    finally:
        for h in handles:
            h.remove()
    return calls, error
