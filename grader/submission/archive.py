"""Unpacking what students hand in without trusting it: a zip's entries are extracted one by one, the bytes
counted as they are written, and an entry that is absolute, climbs out with `..`, is a link, a device or encrypted,
or unpacks to a compression bomb is refused with why; links and devices in a folder are never copied. OS junk
(`__MACOSX`, `.DS_Store`, `Thumbs.db`, `.ipynb_checkpoints`) is skipped."""
from __future__ import annotations

import stat
import zipfile
from pathlib import Path, PurePosixPath, PureWindowsPath

MAX_ARCHIVE_BYTES = 2 << 30
"""Most bytes a class archive may unpack to, counted as they are written."""
MAX_ENTRIES = 20_000
"""Most entries read from a class archive; the rest are refused."""
BOMB_RATIO = 200
BOMB_FLOOR = 10 << 20
"""An entry is a compression bomb when it unpacks to more than BOMB_FLOOR bytes *and* BOMB_RATIO times its
packed size."""
JUNK = frozenset({"__MACOSX", ".DS_Store", "Thumbs.db", ".ipynb_checkpoints"})
_CHUNK = 1 << 20


class _Refused(Exception):
    """One archive entry is refused; the message says why."""


def _size(size: int) -> str:
    return f"{size:,} bytes" if size < 1 << 20 else f"{size / (1 << 20):,.1f} MiB"


def _size_problem(size: int, packed: int, budget: int) -> str | None:
    """Why an entry of `size` bytes unpacked from `packed` bytes is refused, with `budget` bytes left."""
    if size > max(BOMB_FLOOR, BOMB_RATIO * packed):
        return f"compression bomb: {_size(size)} from {_size(packed)} (over {BOMB_RATIO}:1)"
    if size > budget:
        return f"{_size(size)}, more than the {_size(budget)} left of the archive's size limit"
    return None


def _entry_problem(info: zipfile.ZipInfo, parts: tuple[str, ...], budget: int) -> str | None:
    """Why an entry is refused before reading it (its declared size included), or None."""
    kind = stat.S_IFMT(info.external_attr >> 16)  # 0 when the zip tool recorded no Unix file type
    if PureWindowsPath(info.filename).anchor:
        return "absolute path or drive letter"
    if not parts or ".." in parts:
        return "path with '..' or no name (would land outside the folder)"
    if kind == stat.S_IFLNK:
        return "symbolic link"
    if kind not in (0, stat.S_IFREG, stat.S_IFDIR):
        return "device, FIFO or socket"
    if info.flag_bits & 0x1:
        return "encrypted"
    return _size_problem(info.file_size, info.compress_size, budget)


def _extract_entry(zf: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path, budget: int) -> int:
    """Copy one entry to `target`, counting the bytes really written; the number written."""
    if info.filename.endswith(("/", "\\")):
        target.mkdir(parents=True, exist_ok=True)
        return 0
    if target.exists():
        raise _Refused("same name as an earlier entry")
    target.parent.mkdir(parents=True, exist_ok=True)
    written = 0
    try:
        with zf.open(info) as src, open(target, "xb") as dst:
            while chunk := src.read(_CHUNK):
                written += len(chunk)
                if why := _size_problem(written, info.compress_size, budget):  # the header lied
                    raise _Refused(why)
                dst.write(chunk)
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return written


def extract_zip(archive: Path, into: Path, *, max_bytes: int = MAX_ARCHIVE_BYTES,
                max_entries: int = MAX_ENTRIES) -> list[str]:
    """Extract the safe entries of `archive` under `into`, one by one; 'entry: why' for each refused entry.
    OS junk is skipped. Raises zipfile.BadZipFile when `archive` is not a readable zip at all."""
    refused: list[str] = []
    budget = max_bytes
    root = into.resolve()
    with zipfile.ZipFile(archive) as zf:
        infos = zf.infolist()
        if len(infos) > max_entries:
            refused.append(f"{archive.name}: {len(infos)} entries, more than {max_entries}; "
                           f"the last {len(infos) - max_entries} were not read")
        for info in infos[:max_entries]:
            parts = PurePosixPath(info.filename.replace("\\", "/")).parts
            why = _entry_problem(info, parts, budget)
            if why is None and JUNK.intersection(parts):
                continue
            target = root.joinpath(*parts)
            if why is None and not target.resolve().is_relative_to(root):
                why = "would land outside the folder"
            if why is None:
                try:
                    budget -= _extract_entry(zf, info, target, budget)
                except _Refused as exc:
                    why = str(exc)
                except Exception as exc:  # whatever one hostile entry raises refuses that entry only
                    why = f"cannot be extracted ({getattr(exc, 'strerror', None) or exc})"
            if why:
                refused.append(f"{info.filename}: {why}")
    return refused


def is_plain(path: Path) -> bool:
    """A regular file or folder, not a link (never followed) nor a device."""
    return stat.S_IFMT(path.lstat().st_mode) in (stat.S_IFREG, stat.S_IFDIR)


def links_and_devices(folder: str, names: list[str]) -> list[str]:
    """The `names` in `folder` that are links or devices: a `shutil.copytree` ignore-callback that copies
    neither (with `symlinks=False` it would copy what a link points to)."""
    return [name for name in names if not is_plain(Path(folder, name))]
