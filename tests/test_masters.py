"""Every bundled assignment is authored the way an instructor authors theirs: from a master of its own
(reference/<name>/master.py, the instructor's side), which `grader assign` turns into exactly the files committed
under assignments/<name>/ and reference/<name>/solution.py."""
from __future__ import annotations

import pytest
from conftest import REPO

from grader.authoring.compose import compose
from grader.authoring.master import read_master

BUNDLED = sorted(p.parent.name for p in (REPO / "assignments").glob("*/assignment.toml"))


def test_every_kind_of_bundled_assignment_is_covered() -> None:
    assert {"cifar_simplecnn", "conceptual"} <= set(BUNDLED), BUNDLED


@pytest.mark.parametrize("assignment", BUNDLED)
def test_each_bundled_assignment_has_a_master(assignment: str) -> None:
    master = REPO / "reference" / assignment / "master.py"
    assert master.is_file(), (f"assignments/{assignment} has no master: expected {master.relative_to(REPO)}; "
                              "hint: write one (a '# ASSIGNMENT' spec cell, the README as a readme-only Markdown "
                              "cell, the code with its solution marked), as the other bundled assignments do")


@pytest.mark.parametrize("assignment", BUNDLED)
def test_the_committed_files_are_what_the_master_composes(assignment: str) -> None:
    master = REPO / "reference" / assignment / "master.py"
    if not master.is_file():
        pytest.skip("no master (the test above says so)")
    files = compose(read_master(master))
    assert files.spec.name == assignment, f"{master.relative_to(REPO)} names '{files.spec.name}', not '{assignment}'"
    stale = [relative for relative, text in sorted({**files.student, **files.reference}.items())
             if not (REPO / relative).is_file() or (REPO / relative).read_bytes() != text.encode("utf-8")]
    assert not stale, (f"{', '.join(stale)}: not what {master.relative_to(REPO)} composes (edited by hand, or the "
                       "master changed since); run `make masters`")
