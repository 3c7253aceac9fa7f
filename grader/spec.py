"""assignment.toml → frozen dataclasses, validated on load.

Every error is a `SpecError` naming the file, the check and the key, so an instructor can fix a
spec without reading grader code.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomllib

from grader.probes.base import SpecError

SCHEMA_VERSION = 1
DEVICE_CLASSES = ("cpu", "cuda")
DATASETS = ("mnist", "cifar10", "chest_xray")
DEFAULT_CHECK_TIMEOUT = 60.0

_TOP_KEYS = {"schema_version", "name", "title", "dataset", "entry", "budgets", "check", "description", "salvage",
             "import_budget"}
DEFAULT_IMPORT_BUDGET = 30.0
_CHECK_KEYS = {"id", "name", "probe", "points", "hidden", "timeout", "needs", "devices"}


@dataclass(frozen=True)
class Check:
    """One `[[check]]` entry."""

    id: str
    name: str
    probe: str
    points: float
    hidden: bool
    timeout: dict[str, float]
    """Seconds per device class."""
    params: dict[str, Any]
    """All probe parameters with defaults filled in (measure and judge ones)."""
    needs: tuple[str, ...] = ()
    """Names the submission must define for this check to run (default: the spec's first entry)."""
    devices: tuple[str, ...] = DEVICE_CLASSES
    """Device classes the check runs on; elsewhere it is SKIPPED (e.g. a recipe too slow for a CPU)."""

    def timeout_for(self, device_class: str) -> float:
        return self.timeout[device_class]


@dataclass(frozen=True)
class AssignmentSpec:
    """A validated assignment."""

    name: str
    title: str
    dataset: str
    entry: tuple[str, ...]
    """Names the submission must define."""
    budgets: dict[str, float]
    """Whole-submission seconds per device class."""
    checks: tuple[Check, ...]
    path: Path
    digest: str
    """SHA-256 of the spec file's bytes (batch grading keys results by it)."""
    description: str = ""
    salvage: bool = True
    """When the top-level code fails, grade the definitions without it (grader.child.salvage)."""
    import_budget: float = DEFAULT_IMPORT_BUDGET
    """Seconds a .py file's top-level code may run before it is interrupted (then salvaged)."""
    extra: dict[str, Any] = field(default_factory=dict)

    def budget_for(self, device_class: str) -> float:
        return self.budgets[device_class]

    def check(self, check_id: str) -> Check:
        for c in self.checks:
            if c.id == check_id:
                return c
        raise KeyError(check_id)


def _fail(path: Path, where: str, msg: str) -> SpecError:
    return SpecError(f"{path}: {where}: {msg}")


def _expect_type(path: Path, where: str, key: str, value: Any, kind: type | tuple[type, ...]) -> None:
    ok = isinstance(value, kind) and not (isinstance(value, bool) and kind in (int, float, (int, float)))
    if not ok:
        names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise _fail(path, where, f"key '{key}' must be {names}, found {type(value).__name__} {value!r}")


def _timeouts(path: Path, where: str, key: str, value: Any) -> dict[str, float]:
    """A number (same for every device class) or a table {cpu = s, cuda = s}."""
    if isinstance(value, dict):
        unknown = set(value) - set(DEVICE_CLASSES)
        if unknown:
            raise _fail(path, where, f"key '{key}' has unknown device class {sorted(unknown)}; "
                                     f"known: {list(DEVICE_CLASSES)}")
        for dc in DEVICE_CLASSES:
            if dc not in value:
                raise _fail(path, where, f"key '{key}' needs a value for device class '{dc}'")
        out = {}
        for dc in DEVICE_CLASSES:
            _expect_type(path, where, f"{key}.{dc}", value[dc], (int, float))
            out[dc] = float(value[dc])
    else:
        _expect_type(path, where, key, value, (int, float))
        out = {dc: float(value) for dc in DEVICE_CLASSES}
    if any(v <= 0 for v in out.values()):
        raise _fail(path, where, f"key '{key}' must be positive, found {value!r}")
    return out


def _check(path: Path, index: int, raw: Any, seen_ids: set[str], entry: tuple[str, ...]) -> Check:
    from grader.probes import PROBES  # the probe registry declares each probe's parameters

    where = f"check #{index + 1}"
    if not isinstance(raw, dict):
        raise _fail(path, where, "must be a table ([[check]])")
    if "probe" not in raw:
        raise _fail(path, where, "missing key 'probe'")
    probe_name = raw["probe"]
    _expect_type(path, where, "probe", probe_name, str)
    if probe_name not in PROBES:
        raise _fail(path, where, f"unknown probe '{probe_name}'; known probes: {sorted(PROBES)}")
    probe = PROBES[probe_name]
    where = f"check #{index + 1} ({raw.get('id', probe_name)})"
    if "points" not in raw and probe.default_points is None:
        raise _fail(path, where, "missing key 'points'")
    points = raw.get("points", probe.default_points)
    _expect_type(path, where, "points", points, (int, float))
    if points < 0:
        raise _fail(path, where, f"key 'points' must be >= 0, found {points!r}")
    known = _CHECK_KEYS | set(probe.params)
    for key in raw:
        if key not in known:
            raise _fail(path, where, f"unknown key '{key}' for probe '{probe_name}'; "
                                     f"allowed: {sorted(known)}")
    params = {}
    for pname, param in probe.params.items():
        if pname in raw:
            params[pname] = param.validate(raw[pname], lambda msg: _fail(path, where, msg))
        elif param.required:
            raise _fail(path, where, f"missing key '{pname}' (required by probe '{probe_name}')")
        else:
            params[pname] = param.default
    check_id = raw.get("id", probe_name)
    _expect_type(path, where, "id", check_id, str)
    if check_id in seen_ids:
        raise _fail(path, where, f"duplicate check id '{check_id}'; give each check a unique 'id'")
    seen_ids.add(check_id)
    name = raw.get("name", probe.title)
    _expect_type(path, where, "name", name, str)
    hidden = raw.get("hidden", False)
    _expect_type(path, where, "hidden", hidden, bool)
    timeout = _timeouts(path, where, "timeout", raw.get("timeout", probe.default_timeout))
    needs = raw.get("needs", list(entry[:1]))
    if not isinstance(needs, list) or not needs or any(n not in entry for n in needs):
        raise _fail(path, where, f"key 'needs' must be a non-empty list of names from 'entry' {list(entry)}, "
                                 f"found {needs!r}")
    devices = raw.get("devices", list(DEVICE_CLASSES))
    if not isinstance(devices, list) or not devices or any(d not in DEVICE_CLASSES for d in devices):
        raise _fail(path, where, f"key 'devices' must be a non-empty list of device classes from "
                                 f"{list(DEVICE_CLASSES)}, found {devices!r}")
    return Check(id=check_id, name=name, probe=probe_name, points=float(points),
                 hidden=hidden, timeout=timeout, params=params, needs=tuple(needs), devices=tuple(devices))


def parse_spec(data: bytes, path: Path) -> AssignmentSpec:
    """Validate spec bytes read from `path`."""
    try:
        raw = tomllib.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise SpecError(f"{path}: not valid TOML: {exc}") from None
    for key in raw:
        if key not in _TOP_KEYS:
            raise _fail(path, "top level", f"unknown key '{key}'; allowed: {sorted(_TOP_KEYS)}")
    if "schema_version" not in raw:
        raise _fail(path, "top level", "missing key 'schema_version'")
    version = raw["schema_version"]
    _expect_type(path, "top level", "schema_version", version, int)
    if version > SCHEMA_VERSION:
        raise _fail(path, "top level", f"schema_version {version} is newer than this grader "
                                       f"understands ({SCHEMA_VERSION}); upgrade cnn-grader")
    if version < SCHEMA_VERSION:
        raise _fail(path, "top level", f"schema_version {version} is too old; this grader reads "
                                       f"version {SCHEMA_VERSION}")
    for key in ("name", "title", "dataset", "entry", "budgets", "check"):
        if key not in raw:
            raise _fail(path, "top level", f"missing key '{key}'")
    for key in ("name", "title", "dataset"):
        _expect_type(path, "top level", key, raw[key], str)
    if raw["dataset"] not in DATASETS:
        raise _fail(path, "top level", f"unknown dataset '{raw['dataset']}'; known: {list(DATASETS)}")
    entry = raw["entry"]
    entries = (entry,) if isinstance(entry, str) else entry
    if not isinstance(entries, (list, tuple)) or not entries or not all(isinstance(e, str) and e.isidentifier() for e in entries):
        raise _fail(path, "top level", f"key 'entry' must be a Python name or a list of names, found {entry!r}")
    budgets_raw = raw["budgets"]
    if not isinstance(budgets_raw, dict):
        raise _fail(path, "top level", "key 'budgets' must be a table like [budgets] cpu = 300, cuda = 60")
    budgets = _timeouts(path, "[budgets]", "budgets", budgets_raw)
    checks_raw = raw["check"]
    if not isinstance(checks_raw, list) or not checks_raw:
        raise _fail(path, "top level", "needs at least one [[check]]")
    seen: set[str] = set()
    checks = tuple(_check(path, i, c, seen, tuple(entries)) for i, c in enumerate(checks_raw))
    description = raw.get("description", "")
    _expect_type(path, "top level", "description", description, str)
    salvage = raw.get("salvage", True)
    _expect_type(path, "top level", "salvage", salvage, bool)
    import_budget = raw.get("import_budget", DEFAULT_IMPORT_BUDGET)
    _expect_type(path, "top level", "import_budget", import_budget, (int, float))
    if import_budget <= 0:
        raise _fail(path, "top level", f"key 'import_budget' must be a positive number of seconds, found {import_budget!r}")
    return AssignmentSpec(name=raw["name"], title=raw["title"], dataset=raw["dataset"],
                          entry=tuple(entries), budgets=budgets, checks=checks, path=path,
                          digest=hashlib.sha256(data).hexdigest(), description=description, salvage=salvage,
                          import_budget=float(import_budget))


def load_spec(path: Path) -> AssignmentSpec:
    """Read and validate `path` (an assignment.toml)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SpecError(f"{path}: cannot read spec: {exc.strerror}") from None
    return parse_spec(data, path)
