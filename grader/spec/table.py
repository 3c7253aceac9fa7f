"""The one way the grader reads a TOML file written by hand (an assignment.toml, a written assignment,
`.cnn-grader.toml`): every problem is a `SpecError` that names the file, the table, the key and, where the
key is written in the file, its line, so that an instructor can fix the file without reading grader code."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import tomllib

NUMBER = (int, float)
_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?")


class SpecError(ValueError):
    """A malformed file written by hand (a spec, a configuration); the message names the file, the table and the
    key (raised where such files are read, and by a probe whose parameters cannot be used)."""


@dataclass(frozen=True)
class _Source:
    """The file's lines, to tell where a key is written."""

    lines: tuple[str, ...]

    def headers(self, name: str, start: int, end: int) -> list[int]:
        """Line indexes of the `[name]` / `[[name]]` headers within lines [start, end)."""
        found = []
        for i in range(start, end):
            match = _HEADER.match(self.lines[i])
            if match and match.group(2).replace('"', "") == name:
                found.append(i)
        return found

    def extent(self, start: int, end: int, name: str) -> int:
        """Where the table `name` whose header is line `start` ends: the next header that is not one of its
        sub-tables (or `end`)."""
        for i in range(start + 1, end):
            match = _HEADER.match(self.lines[i])
            if match and not match.group(2).replace('"', "").startswith(name + "."):
                return i
        return end

    def key_line(self, key: str, start: int, end: int) -> int | None:
        """The 1-based line where `key = ...` is written among a table's own keys (lines [start, end), its
        header first when it has one; they end at the first header after it)."""
        pattern = re.compile(rf"^\s*(?:{re.escape(key)}|\"{re.escape(key)}\")\s*=")
        first = start + 1 if start < end and _HEADER.match(self.lines[start]) else start
        stop = next((i for i in range(first, end) if _HEADER.match(self.lines[i])), end)
        return next((i + 1 for i in range(first, stop) if pattern.match(self.lines[i])), None)


@dataclass(frozen=True)
class Table:
    """A TOML table being validated: where it is (file, name, lines) and its values."""

    path: Path
    where: str
    """How a message names it: 'top level', 'check #2 (output_shape)', 'question #1 (1a), rubric item #2'."""
    values: dict[str, Any]
    name: str = ""
    """Its dotted TOML name ('' at the top level), to find its sub-tables' headers."""
    source: _Source | None = None
    span: tuple[int, int] = (0, 0)
    """Line indexes [start, end) of its part of the file (its header first, when it has one)."""

    def __contains__(self, key: str) -> bool:
        return key in self.values

    def error(self, message: str, key: str | None = None) -> SpecError:
        """A SpecError for `message`, at `key`'s line when the file shows it (a sub-table's: its header's)."""
        line = self.source.key_line(key, *self.span) if key and self.source else None
        if key and self.source and line is None:
            headers = self.source.headers(f"{self.name}.{key}" if self.name else key, *self.span)
            line = headers[0] + 1 if headers else None
        return SpecError(f"{self.path}: {self.where}" + (f", line {line}" if line else "") + f": {message}")

    def only(self, allowed: set[str], what: str = "") -> None:
        """Refuse any key not in `allowed` (`what`: e.g. " for probe 'output_shape'")."""
        for key in self.values:
            if key not in allowed:
                raise self.error(f"unknown key '{key}'{what}; allowed: {sorted(allowed)}", key)

    def require(self, key: str, kind: type | tuple[type, ...] = object) -> Any:
        if key not in self.values:
            raise self.error(f"missing key '{key}'")
        return self.typed(key, self.values[key], kind)

    def get(self, key: str, kind: type | tuple[type, ...], default: Any) -> Any:
        return self.typed(key, self.values[key], kind) if key in self.values else default

    def typed(self, key: str, value: Any, kind: type | tuple[type, ...]) -> Any:
        """`value` when it is of `kind` (a bool is not a number), else a SpecError naming the key."""
        numeric = kind in (int, float, NUMBER)
        if not isinstance(value, kind) or (numeric and isinstance(value, bool)):
            names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
            raise self.error(f"key '{key}' must be {names}, found {type(value).__name__} {value!r}", key)
        return value

    def positive(self, key: str, default: float | None = None) -> float:
        """A positive number (seconds, points...)."""
        value = self.require(key, NUMBER) if default is None else self.get(key, NUMBER, default)
        if value <= 0:
            raise self.error(f"key '{key}' must be positive, found {value!r}", key)
        return float(value)

    def strings(self, key: str, default: list[str] | None = None) -> list[str]:
        value = self.get(key, list, default) if default is not None else self.require(key, list)
        if not all(isinstance(v, str) for v in value):
            raise self.error(f"key '{key}' must be a list of strings, found {value!r}", key)
        return value

    def table(self, key: str, where: str | None = None) -> Table:
        """The sub-table `key` (`[key]`, or an inline table `key = {...}`)."""
        value = self.require(key, dict)
        name = f"{self.name}.{key}" if self.name else key
        span = self.span
        if self.source is not None:
            headers = self.source.headers(name, *self.span)
            if headers:
                span = (headers[0], self.source.extent(headers[0], self.span[1], name))
        return Table(self.path, where or f"[{name}]", value, name, self.source, span)

    def tables(self, key: str, where: Callable[[int, dict[str, Any]], str], *, required: bool = True) -> list[Table]:
        """The array of tables `[[key]]`, each named by `where(index, values)`; at least one when `required`."""
        raw = self.require(key, list) if required else self.get(key, list, [])
        if required and not raw:
            raise self.error(f"needs at least one [[{key}]]", key)
        name = f"{self.name}.{key}" if self.name else key
        headers = self.source.headers(name, *self.span) if self.source else []
        found = []
        for index, values in enumerate(raw):
            spot = where(index, values if isinstance(values, dict) else {})
            if not isinstance(values, dict):
                raise self.error(f"{spot}: must be a table ([[{key}]])", key)
            span = self.span
            if index < len(headers):
                span = (headers[index], self.source.extent(headers[index], self.span[1], name))
            found.append(Table(self.path, spot, values, name, self.source, span))
        return found


def read_toml(path: Path, data: bytes | None = None) -> Table:
    """The top-level table of the TOML file at `path` (or of its bytes `data`, when already read)."""
    try:
        data = path.read_bytes() if data is None else data
    except OSError as exc:
        raise SpecError(f"{path}: cannot be read: {exc.strerror}") from None
    try:
        text = data.decode("utf-8-sig")
        values = tomllib.loads(text)
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise SpecError(f"{path}: not valid TOML: {exc}") from None
    lines = tuple(text.splitlines())
    return Table(path, "top level", values, "", _Source(lines), (0, len(lines)))
