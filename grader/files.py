"""Where the grader's own files are, and the one way it writes a file: atomically, so that a reader (a browser, a
spreadsheet, a resumed batch) never sees half of one."""
from __future__ import annotations

import os
import threading
from pathlib import Path

PACKAGE_PARENT = Path(__file__).resolve().parent.parent
"""The folder holding the `grader` package (the repository root in a development install)."""
TEMPLATES = PACKAGE_PARENT / "templates"
"""The Jinja2 templates of the reports and pages."""


def write_atomic(path: Path, content: str | bytes) -> Path:
    """Write `content` to `path` (parents created) through a temporary file in the same folder and `os.replace`;
    returns the path. Text is written as UTF-8, newlines as given."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        if isinstance(content, bytes):
            tmp.write_bytes(content)
        else:
            tmp.write_text(content, encoding="utf-8", newline="")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path
