"""The codec every contract type shares: JSON encoding and validated decoding from a dataclass's own fields
(unknown, missing or wrongly typed fields raise ContractError; text and lists are cut to size)."""
from __future__ import annotations

import functools
import json
import math
import types
from dataclasses import MISSING, fields, is_dataclass
from enum import Enum
from pathlib import Path
from typing import Any, Union, get_args, get_origin, get_type_hints

PROTOCOL = 7
"""Version of this contract; a job or event of another version is refused."""
CHANNEL_FD = 3
"""The fd number on which a forked child's worker writes its events."""
TEXT = 2000
"""Characters kept of a text field unless the field says otherwise."""
MAX_ITEMS = 200
"""Items kept of a list or dict field."""
json_dumps, json_loads = json.dumps, json.loads  # captured before any student code runs in the child


class ContractError(ValueError):
    """A message that does not follow the contract (broken or hostile)."""


def limit(n: int) -> dict[str, int]:
    return {"limit": n}


class Wire:
    """Mixin: JSON encoding and validated decoding from the dataclass's own fields."""

    def to_dict(self) -> dict[str, Any]:
        return {f.name: _encode(getattr(self, f.name)) for f in fields(self)}

    def to_json(self) -> str:
        return json_dumps(self.to_dict(), default=str)

    @classmethod
    def from_dict(cls, payload: Any, where: str = "") -> Any:
        return _decode(cls, payload, where or cls.__name__)

    @classmethod
    def from_json(cls, text: str | bytes) -> Any:
        try:
            payload = json_loads(text)
        except ValueError as exc:
            raise ContractError(f"{cls.__name__} is not JSON ({exc})") from None
        return cls.from_dict(payload)


def _encode(value: Any) -> Any:
    if isinstance(value, Wire):
        return value.to_dict()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [_encode(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _encode(v) for k, v in value.items()}
    return value


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    """A dataclass's field types, resolved once (annotations are strings under `from __future__`)."""
    return get_type_hints(cls)


def _decode(cls: type, payload: Any, where: str) -> Any:
    if not isinstance(payload, dict):
        raise ContractError(f"{where}: expected an object, found {type(payload).__name__}")
    known = {f.name: f for f in fields(cls)}
    unknown = sorted(set(payload) - set(known))
    if unknown:
        raise ContractError(f"{where}: unknown field(s) {', '.join(map(str, unknown[:5]))[:200]}")
    hints = _hints(cls)
    values = {}
    for name, f in known.items():
        if name not in payload:
            if f.default is MISSING and f.default_factory is MISSING:
                raise ContractError(f"{where}: missing field '{name}'")
            continue
        values[name] = _value(hints[name], payload[name], f"{where}.{name}", f.metadata.get("limit", TEXT))
    return cls(**values)


def _value(tp: Any, value: Any, where: str, limit: int) -> Any:
    origin, args = get_origin(tp), get_args(tp)
    if tp is Any:
        return value
    if origin in (Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        return _value(next(a for a in args if a is not type(None)), value, where, limit)
    if is_dataclass(tp):
        return _decode(tp, value, where)
    if isinstance(tp, type) and issubclass(tp, Enum):
        try:
            return tp(value)
        except ValueError:
            raise ContractError(f"{where}: unknown value {str(value)[:50]!r}") from None
    if origin in (list, tuple, dict):
        if not isinstance(value, dict if origin is dict else list):
            raise ContractError(f"{where}: expected a {origin.__name__}, found {type(value).__name__}")
        if origin is dict:
            return {str(k)[:limit]: _value(args[1], v, f"{where}[{str(k)[:30]}]", limit)
                    for k, v in list(value.items())[:MAX_ITEMS]}
        items = [_value(args[0], v, f"{where}[{i}]", limit) for i, v in enumerate(value[:MAX_ITEMS])]
        return tuple(items) if origin is tuple else items
    if tp is float and isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    if tp is Path and isinstance(value, str):
        return Path(value)
    if tp in (str, int, bool) and type(value) is tp:
        return value[:limit] if tp is str else value
    raise ContractError(f"{where}: expected {getattr(tp, '__name__', tp)}, found {type(value).__name__}")
