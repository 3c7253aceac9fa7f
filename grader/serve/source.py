"""A hand-in's files for the student view, highlighted by Pygments (which escapes everything it is given): a
.py as it is, a notebook's cells in order, Markdown and text as text; large or binary files are named, not shown."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from markupsafe import Markup
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import MarkdownLexer, PythonLexer, TextLexer

from grader.submission.notebook import notebook_cells

MAX_FILE_BYTES = 256 * 1024
MAX_FILES = 20
_FORMATTER = HtmlFormatter(noclasses=True, linenos="table", style="default")


@dataclass(frozen=True)
class SourceFile:
    name: str
    html: Markup
    """Highlighted, escaped HTML ('' when the file is not shown)."""
    note: str = ""
    """Why it is not shown, or '' ."""


def _notebook_text(raw: bytes) -> str:
    """A notebook's cells in order: code as it is, Markdown as comments, so that line numbers read well."""
    parts = []
    for n, (kind, source, _) in enumerate(notebook_cells(raw), start=1):
        if kind == "code":
            parts.append(f"# ── cell {n} (code) ──\n{source}")
        else:
            parts.append(f"# ── cell {n} ({kind or '?'}) ──\n" + "\n".join(f"# {line}" for line in source.splitlines()))
    return "\n\n".join(parts)


def _show(path: Path, name: str) -> SourceFile:
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        return SourceFile(name, Markup(""), f"{size / 1024:.0f} KB, not shown (over {MAX_FILE_BYTES // 1024} KB)")
    raw = path.read_bytes()
    try:
        text = _notebook_text(raw) if path.suffix == ".ipynb" else raw.decode("utf-8")
    except (UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError):
        return SourceFile(name, Markup(""), "not UTF-8 text (or not a readable notebook): not shown")
    lexer = PythonLexer() if path.suffix in (".py", ".ipynb") else MarkdownLexer() if path.suffix == ".md" \
        else TextLexer()
    return SourceFile(name, Markup(highlight(text, lexer, _FORMATTER)))


def hand_in_sources(handin: str) -> list[SourceFile]:
    """The files of the hand-in at `handin` (a file or a folder), highlighted; a note when it is gone."""
    path = Path(handin) if handin else None
    if path is None or not path.exists():
        return [SourceFile("(hand-in)", Markup(""), f"no longer at {handin or 'a known place'}")]
    if path.is_file():
        return [_show(path, path.name)]
    files = sorted(p for p in path.rglob("*") if p.is_file() and not p.is_symlink())
    shown = [_show(p, p.relative_to(path).as_posix()) for p in files[:MAX_FILES]]
    if len(files) > MAX_FILES:
        shown.append(SourceFile(f"… and {len(files) - MAX_FILES} more files", Markup(""), "not shown"))
    return shown
