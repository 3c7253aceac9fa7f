"""An assignment's master: one notebook (or a .py in jupytext's percent format) that holds the spec (the first
cell starting with `# ASSIGNMENT`, in TOML), the brief (Markdown cells) and the code with its solution marked
(grader.authoring.solutions). Every problem names the master and the cell, counted as Jupyter shows them."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from grader.spec.table import SpecError

SPEC_MARKER = "# ASSIGNMENT"
SKIP_GRADING = "skip-grading"
INSTRUCTOR_ONLY = "instructor-only"
README_ONLY = "readme-only"
STARTER_ONLY = "starter-only"
MASTER_SUFFIXES = (".ipynb", ".py")


class MasterError(SpecError):
    """A master that cannot become an assignment; the message names the master and the cell."""


@dataclass(frozen=True)
class MasterCell:
    """One cell of the master."""

    number: int
    """1-based, counting every cell (the spec cell included), as Jupyter shows them."""
    kind: str
    """code, markdown or raw."""
    source: str
    tags: tuple[str, ...] = ()

    def tagged(self, tag: str) -> bool:
        return tag in self.tags


@dataclass(frozen=True)
class Master:
    """A master read and split: its spec cell and the other cells, in order."""

    path: Path
    spec_cell: MasterCell
    cells: tuple[MasterCell, ...]

    def where(self, cell: MasterCell, line: int | None = None) -> str:
        """How a message names a cell (and a line in it)."""
        return f"{self.path.name}, cell {cell.number}" + (f", line {line}" if line else "")

    def error(self, cell: MasterCell, message: str, line: int | None = None) -> MasterError:
        return MasterError(f"{self.where(cell, line)}: {message}")

    @property
    def spec_text(self) -> str:
        """The spec as TOML: the spec cell without its marker line."""
        return self.spec_cell.source.split("\n", 1)[1] if "\n" in self.spec_cell.source else ""


def read_master(path: Path) -> Master:
    """Read a master notebook or percent-format .py; raises MasterError when it cannot be read or has no spec cell."""
    import jupytext

    if path.suffix not in MASTER_SUFFIXES:
        raise MasterError(f"{path}: a master is a notebook (.ipynb) or a .py in jupytext's percent format "
                          f"(cells start with '# %%'), not a {path.suffix or 'file without a suffix'}")
    try:
        notebook = jupytext.read(path, fmt="py:percent" if path.suffix == ".py" else None)
    except OSError as exc:
        raise MasterError(f"{path}: cannot read the master: {exc.strerror}") from None
    except Exception as exc:  # nbformat/jupytext raise many kinds for a broken notebook
        raise MasterError(f"{path}: not a readable notebook: {str(exc).splitlines()[0] if str(exc) else exc!r}; "
                          "hint: open it in Jupyter and save it again") from None
    cells = tuple(MasterCell(i + 1, c.cell_type, c.source, tuple(c.metadata.get("tags", ())))
                  for i, c in enumerate(notebook.cells))
    spec = next((c for c in cells if c.source.lstrip().startswith(SPEC_MARKER)), None)
    if spec is None:
        raise MasterError(f"{path}: no spec cell: expected a cell whose first line is '{SPEC_MARKER}' followed by "
                          "the assignment's TOML (name, title, dataset, entry, budgets, [[check]] ...), as in "
                          "examples/authoring")
    if spec.source.lstrip() != spec.source:
        spec = MasterCell(spec.number, spec.kind, spec.source.lstrip(), spec.tags)
    _refuse_conflicting_tags(path, cells)
    return Master(path, spec, tuple(c for c in cells if c.number != spec.number))


def _refuse_conflicting_tags(path: Path, cells: tuple[MasterCell, ...]) -> None:
    """A cell cannot go only to the reference and only to the student's copy at once."""
    exclusive = (INSTRUCTOR_ONLY, README_ONLY, STARTER_ONLY)
    for cell in cells:
        chosen = [t for t in exclusive if cell.tagged(t)]
        if len(chosen) > 1:
            raise MasterError(f"{path.name}, cell {cell.number}: tagged both {chosen[0]!r} and {chosen[1]!r}; "
                              "keep one of them")
        if cell.kind == "code" and cell.tagged(README_ONLY):
            raise MasterError(f"{path.name}, cell {cell.number}: a code cell tagged {README_ONLY!r}; that tag is "
                              "for Markdown that goes to README.md only")
