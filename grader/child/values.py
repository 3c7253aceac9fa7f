"""What a student's code returned, in a student's words: "a float", "a tensor of shape [4, 10] that holds the autograd
graph", "a tuple of (a tensor of shape [] that holds the autograd graph, a float)", never "a builtins.tuple"."""
from __future__ import annotations

import sys
from typing import Any

_exact_type = type  # captured before any student code runs
SHOWN_ITEMS = 4
"""Items of a tuple, list or dict described one by one."""


def type_name(value: Any) -> str:
    """The name of the value's class: 'tuple', 'SimpleCNN', 'numpy.ndarray', 'torchvision.models.vgg.VGG'."""
    kind = _exact_type(value)
    module = getattr(kind, "__module__", "") or ""
    name = getattr(kind, "__qualname__", kind.__name__)
    return name if module in ("builtins", "__main__", "submission") else f"{module}.{name}"


def _article(noun: str) -> str:
    return f"an {noun}" if noun[:1].lower() in "aeiou" else f"a {noun}"


def _tensor(value: Any) -> str:
    """'a tensor of shape [4, 10]', 'a 0-dim tensor that holds the autograd graph', 'a Parameter (a tensor
    subclass) of shape [3] that requires grad'."""
    kind = "tensor" if _exact_type(value) is sys.modules["torch"].Tensor else \
        f"{type_name(value)} (a tensor subclass)"
    shaped = f"a 0-dim {kind}" if value.dim() == 0 else f"{_article(kind)} of shape {list(value.shape)}"
    graph = " that holds the autograd graph" if value.grad_fn is not None else \
        " that requires grad" if value.requires_grad else ""
    return shaped + graph


def _items(value: Any, depth: int) -> str:
    """'(a float, an int)' or '3 items' for a tuple, list or dict."""
    if isinstance(value, dict):
        keys = ", ".join(repr(k) if isinstance(k, str) else type_name(k) for k in list(value)[:SHOWN_ITEMS])
        return f"with keys {keys}{', ...' if len(value) > SHOWN_ITEMS else ''}"
    if depth >= 2 or len(value) > SHOWN_ITEMS:
        return f"of {len(value)} item{'s' * (len(value) != 1)}"
    return f"of ({', '.join(describe_value(item, depth + 1) for item in value)})"


def describe_value(value: Any, depth: int = 0) -> str:
    """The value as a noun phrase with its article (tuples, lists and dicts by their items)."""
    torch, numpy = sys.modules.get("torch"), sys.modules.get("numpy")
    if value is None:
        return "None"
    if isinstance(value, bool):
        return f"a bool ({value})"
    if torch is not None and isinstance(value, torch.Tensor):
        return _tensor(value)
    if numpy is not None and isinstance(value, numpy.ndarray):
        return f"a numpy array of shape {list(value.shape)}"
    if _exact_type(value) in (tuple, list, dict):
        if not value:
            return f"an empty {type_name(value)}"
        return f"a {type_name(value)} {_items(value, depth)}"
    return _article(type_name(value))
