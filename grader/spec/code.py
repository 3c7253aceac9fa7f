"""A code assignment's assignment.toml → frozen dataclasses, validated on load (grader.spec.table: every error
names the file, the check, the key and its line)."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.probes.base import DEVICE_CLASSES
from grader.results import Kind
from grader.spec.table import NUMBER, SpecError, Table, read_toml
from grader.training.data import DATASETS as KNOWN_DATASETS
from grader.training.data import DataNotFoundError, DatasetInfo
from grader.training.imagefolder import IMAGEFOLDER, ImageFolderSource, folder_classes

SCHEMA_VERSION = 1
DATASETS = ("mnist", "cifar10", "chest_xray", IMAGEFOLDER)

_TOP_KEYS = {"schema_version", "kind", "name", "title", "dataset", "entry", "budgets", "check", "description",
             "salvage", "import_budget", "data"}
_DATA_KEYS = {"path", "image_size", "channels"}
MAX_IMAGE_SIZE = 1024
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
    kind: Kind = Kind.CODE
    data: ImageFolderSource | None = None
    """The assignment's own images (`dataset = "imagefolder"` and its `[data]` table); None for a known dataset."""

    @property
    def dataset_info(self) -> DatasetInfo:
        """The channels, image size and classes of the spec's dataset."""
        return self.data.info if self.data is not None else KNOWN_DATASETS[self.dataset]

    def budget_for(self, device_class: str) -> float:
        return self.budgets[device_class]

    def check(self, check_id: str) -> Check:
        for c in self.checks:
            if c.id == check_id:
                return c
        raise KeyError(check_id)


def _timeouts(table: Table, key: str, value: Any) -> dict[str, float]:
    """A number (the same for every device class) or a table {cpu = s, cuda = s}."""
    if isinstance(value, dict):
        unknown = set(value) - set(DEVICE_CLASSES)
        if unknown:
            raise table.error(f"key '{key}' has unknown device class {sorted(unknown)}; known: {list(DEVICE_CLASSES)}",
                              key)
        for dc in DEVICE_CLASSES:
            if dc not in value:
                raise table.error(f"key '{key}' needs a value for device class '{dc}'", key)
        out = {dc: float(table.typed(f"{key}.{dc}", value[dc], NUMBER)) for dc in DEVICE_CLASSES}
    else:
        out = {dc: float(table.typed(key, value, NUMBER)) for dc in DEVICE_CLASSES}
    if any(v <= 0 for v in out.values()):
        raise table.error(f"key '{key}' must be positive, found {value!r}", key)
    return out


def _names(table: Table, key: str, default: list[str], allowed: tuple[str, ...], what: str) -> tuple[str, ...]:
    """A non-empty list of strings from `allowed` (e.g. the spec's entry names)."""
    value = table.values.get(key, default)
    if not isinstance(value, list) or not value or any(v not in allowed for v in value):
        raise table.error(f"key '{key}' must be a non-empty list of {what} {list(allowed)}, found {value!r}", key)
    return tuple(value)


def _check(table: Table, seen_ids: set[str], entry: tuple[str, ...]) -> Check:
    from grader.probes import (
        PROBES,  # the probe registry declares each probe's parameters
    )

    probe_name = table.require("probe", str)
    if probe_name not in PROBES:
        raise table.error(f"unknown probe '{probe_name}'; known probes: {sorted(PROBES)}", "probe")
    probe = PROBES[probe_name]
    table = Table(table.path, f"{table.where} ({table.values.get('id', probe_name)})", table.values, table.name,
                  table.source, table.span)
    if "points" not in table and probe.default_points is None:
        raise table.error("missing key 'points'")
    points = table.get("points", NUMBER, probe.default_points)
    if points < 0:
        raise table.error(f"key 'points' must be >= 0, found {points!r}", "points")
    table.only(_CHECK_KEYS | set(probe.params), f" for probe '{probe_name}'")
    params = {}
    for pname, param in probe.params.items():
        if pname in table:
            params[pname] = param.validate(table.values[pname], lambda msg, key=pname: table.error(f"key '{key}' {msg}", key))
        elif param.required:
            raise table.error(f"missing key '{pname}' (required by probe '{probe_name}')")
        else:
            params[pname] = param.default
    check_id = table.get("id", str, probe_name)
    if check_id in seen_ids:
        raise table.error(f"duplicate check id '{check_id}'; give each check a unique 'id'", "id")
    seen_ids.add(check_id)
    return Check(id=check_id, name=table.get("name", str, probe.title), probe=probe_name, points=float(points),
                 hidden=table.get("hidden", bool, False),
                 timeout=_timeouts(table, "timeout", table.values.get("timeout", probe.default_timeout)),
                 params=params, needs=_names(table, "needs", list(entry[:1]), entry, "names from 'entry'"),
                 devices=_names(table, "devices", list(DEVICE_CLASSES), DEVICE_CLASSES, "device classes from"))


def _image_folder(top: Table, dataset: str) -> ImageFolderSource | None:
    """The `[data]` table of `dataset = "imagefolder"` (path relative to the spec's folder, image_size,
    channels), its folder's classes read; refused with any other dataset."""
    if dataset != IMAGEFOLDER:
        if "data" in top:
            raise top.error(f"key 'data' names an assignment's own images, for dataset = \"{IMAGEFOLDER}\" only; "
                            f"dataset '{dataset}' is found under the data root", "data")
        return None
    if "data" not in top:
        raise top.error(f"dataset \"{IMAGEFOLDER}\" needs a [data] table with path = \"folder holding train/ and "
                        "test/\" and image_size = N", "dataset")
    table = top.table("data")
    table.only(_DATA_KEYS)
    size = table.require("image_size", int)
    if not 1 <= size <= MAX_IMAGE_SIZE:
        raise table.error(f"key 'image_size' must be from 1 to {MAX_IMAGE_SIZE} (pixels of a square image), "
                          f"found {size}", "image_size")
    channels = table.get("channels", int, 3)
    if channels not in (1, 3):
        raise table.error(f"key 'channels' must be 1 (grayscale) or 3 (RGB), found {channels}", "channels")
    written = table.require("path", str)
    path = (top.path.parent / Path(written).expanduser()).resolve()
    try:
        classes = folder_classes(path)
    except DataNotFoundError as exc:
        raise table.error(f"key 'path' = {written!r} (relative to the assignment.toml's folder): {exc}",
                          "path") from None
    return ImageFolderSource(path=path, image_size=size, channels=channels, classes=classes)


def check_schema_version(top: Table) -> None:
    """The file's schema_version must be the one this grader reads."""
    version = top.require("schema_version", int)
    if version > SCHEMA_VERSION:
        raise top.error(f"schema_version {version} is newer than this grader understands ({SCHEMA_VERSION}); "
                        "upgrade cnn-grader", "schema_version")
    if version < SCHEMA_VERSION:
        raise top.error(f"schema_version {version} is too old; this grader reads version {SCHEMA_VERSION}",
                        "schema_version")


def parse_spec(data: bytes, path: Path) -> AssignmentSpec:
    """Validate the bytes of a code assignment's spec read from `path`."""
    top = read_toml(path, data)
    top.only(_TOP_KEYS)
    check_schema_version(top)
    if top.get("kind", str, Kind.CODE.value) != Kind.CODE.value:
        raise top.error(f"key 'kind' of a code assignment must be '{Kind.CODE.value}' (or left out)", "kind")
    for key in ("name", "title", "dataset", "entry", "budgets", "check"):
        top.require(key)
    dataset = top.require("dataset", str)
    if dataset not in DATASETS:
        raise top.error(f"unknown dataset '{dataset}'; known: {list(DATASETS)}", "dataset")
    own_data = _image_folder(top, dataset)
    entry = top.values["entry"]
    entries = (entry,) if isinstance(entry, str) else entry
    if not isinstance(entries, (list, tuple)) or not entries or not all(isinstance(e, str) and e.isidentifier()
                                                                        for e in entries):
        raise top.error(f"key 'entry' must be a Python name or a list of names, found {entry!r}", "entry")
    if not isinstance(top.values["budgets"], dict):
        raise top.error("key 'budgets' must be a table like [budgets] cpu = 300, cuda = 60", "budgets")
    budgets = _timeouts(top.table("budgets"), "budgets", top.values["budgets"])
    seen: set[str] = set()
    checks = tuple(_check(t, seen, tuple(entries)) for t in top.tables("check", lambda i, raw: f"check #{i + 1}"))
    return AssignmentSpec(name=top.require("name", str), title=top.require("title", str), dataset=dataset,
                          entry=tuple(entries), budgets=budgets, checks=checks, path=path,
                          digest=hashlib.sha256(data).hexdigest(), description=top.get("description", str, ""),
                          salvage=top.get("salvage", bool, True),
                          import_budget=top.positive("import_budget", DEFAULT_IMPORT_BUDGET),
                          data=own_data)


def load_spec(path: Path) -> AssignmentSpec:
    """Read and validate `path` (a code assignment's assignment.toml)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SpecError(f"{path}: cannot read spec: {exc.strerror}") from None
    return parse_spec(data, path)
