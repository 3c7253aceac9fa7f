"""Tensors beside the contract's JSON: a measurement holds `{"__tensor__": key}` references and the
tensors travel in a file (or bytes) written by `torch.save` and read back with `weights_only=True`,
plain tensors only. Nothing that crosses the boundary is unpickled."""
from __future__ import annotations

import io
from pathlib import Path
from typing import Any

MAX_BYTES = 256 << 20
"""Largest tensor file accepted."""
_exact_type = type  # captured before any student code runs in the child


def split_tensors(value: Any, tensors: dict[str, Any]) -> Any:
    """Replace plain tensors by {'__tensor__': key} references, collecting them in `tensors`."""
    import torch

    if _exact_type(value) is torch.Tensor:
        key = f"t{len(tensors)}"
        tensors[key] = value.detach().cpu().contiguous()
        return {"__tensor__": key}
    if isinstance(value, torch.Tensor):
        raise TypeError(f"a tensor subclass ({_exact_type(value).__qualname__}) cannot be measured")
    if isinstance(value, dict):
        return {str(k): split_tensors(v, tensors) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [split_tensors(v, tensors) for v in value]
    return value


def restore_tensors(value: Any, tensors: dict[str, Any]) -> Any:
    """Put the tensors back in place of their references (KeyError for a reference to nothing)."""
    if isinstance(value, dict):
        if set(value) == {"__tensor__"}:
            return tensors[value["__tensor__"]]
        return {k: restore_tensors(v, tensors) for k, v in value.items()}
    if isinstance(value, list):
        return [restore_tensors(v, tensors) for v in value]
    return value


def load_tensors(source: Path | bytes) -> dict[str, Any]:
    """Read a tensor file (or its bytes) safely: weights_only, a dict of plain tensors, or of such dicts."""
    import torch

    size = len(source) if isinstance(source, bytes) else source.stat().st_size
    if size > MAX_BYTES:
        raise ValueError("the tensor file is too large")
    data = torch.load(io.BytesIO(source) if isinstance(source, bytes) else source, weights_only=True,
                      map_location="cpu")
    if not isinstance(data, dict) or not all(_plain(t) for t in data.values()):
        raise ValueError("the tensor file does not hold plain tensors")
    return data


def _plain(value: Any) -> bool:
    import torch

    if isinstance(value, dict):
        return all(_plain(v) for v in value.values())
    return type(value) is torch.Tensor


def tensor_bytes(tensors: dict[str, Any]) -> bytes:
    """`tensors` as torch.save bytes."""
    import torch

    buffer = io.BytesIO()
    torch.save(tensors, buffer)
    return buffer.getvalue()
