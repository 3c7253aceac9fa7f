"""Assignment packs outside the repository, as an instructor uses them: a pack made in a temporary folder (a copy of
mnist_simplecnn under a new name, its static checks only) found by `grader --assignments PACK` and by
CNN_GRADER_ASSIGNMENTS in every command — list, grade, reference record, validate, batch, gradescope-package — and
by the course's and the workspace's lookups; a name defined twice and a folder that is not a pack are clear errors."""
from __future__ import annotations

import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from conftest import REPO, grade_class, run_cli

from grader.course.config import load_course
from grader.execute.sandbox import CHILD_ROOT, Mount, detect
from grader.spec import SpecError, load_spec
from grader.spec.catalog import find_assignment, find_reference, list_assignments
from grader.spec.packs import PACKS_ENV

NAME = "mnist_pack"
EXAMPLES = REPO / "assignments" / "mnist_simplecnn" / "examples"
STATIC_POINTS = 8.0
"""output_shape, architecture, layer_shapes, gradient_flow and the hidden reference_gradients."""


def make_pack(into: Path, name: str = NAME) -> Path:
    """A pack holding mnist_simplecnn as `name`, without its training check (so every command here is quick)."""
    source = REPO / "assignments" / "mnist_simplecnn"
    folder = into / "assignments" / name
    shutil.copytree(source, folder)
    text = (source / "assignment.toml").read_text().replace('name = "mnist_simplecnn"', f'name = "{name}"')
    (folder / "assignment.toml").write_text(text.split('[[check]]\nid = "test_accuracy"')[0])
    shutil.copytree(REPO / "reference" / "mnist_simplecnn", into / "reference" / name)
    return into


@pytest.fixture
def pack(tmp_path: Path) -> Path:
    return make_pack(tmp_path / "pack")


def test_the_option_finds_a_pack_assignment_in_every_command(pack: Path, tmp_path: Path) -> None:
    """`grader --assignments PACK`: list, reference record (into the pack), validate and grade."""
    listed = run_cli("--assignments", str(pack), "list")
    assert listed.returncode == 0 and NAME in listed.stdout and "mnist_simplecnn" in listed.stdout, listed.stderr

    expected = pack / "reference" / NAME / "expected.pt"
    expected.unlink()
    recorded = run_cli("--assignments", str(pack), "reference", "record", NAME, "--seeds", "1")
    assert recorded.returncode == 0 and expected.is_file(), recorded.stdout[-2000:] + recorded.stderr[-2000:]
    assert not (REPO / "reference" / NAME).exists()

    valid = run_cli("--assignments", str(pack), "validate", NAME)
    assert valid.returncode == 0 and f"reference scored {STATIC_POINTS:g}/{STATIC_POINTS:g}" in valid.stdout, \
        valid.stdout[-2000:] + valid.stderr[-2000:]

    buggy = run_cli("--assignments", str(pack), "grade", NAME, str(EXAMPLES / "buggy.py"), "--out", str(tmp_path / "b"))
    assert buggy.returncode == 0, buggy.stderr[-2000:]
    results = json.loads((tmp_path / "b" / "results.json").read_text())
    assert results["extra_data"]["assignment"] == NAME and results["score"] < STATIC_POINTS, results


def test_the_variable_finds_a_pack_assignment_in_batch_and_the_gradescope_zip(
        pack: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """CNN_GRADER_ASSIGNMENTS: a class of two graded by `grader batch`, and the zip holds the pack's files where the
    image's grader finds them."""
    monkeypatch.setenv(PACKS_ENV, str(pack))
    handins = tmp_path / "class"
    handins.mkdir()
    for example in ("good", "buggy"):
        shutil.copy(EXAMPLES / f"{example}.py", handins / f"{example}.py")
    graded = grade_class(NAME, handins, tmp_path / "batch")
    scores = {stem: sum(c["points"] for c in checks.values()) for stem, checks in graded.items()}
    assert scores["good"] == STATIC_POINTS and scores["buggy"] < STATIC_POINTS, scores

    archive = tmp_path / "autograder.zip"
    packaged = run_cli("gradescope-package", NAME, "--out", str(archive))
    assert packaged.returncode == 0, packaged.stderr
    names = set(zipfile.ZipFile(archive).namelist())
    assert {f"assignments/{NAME}/assignment.toml", f"assignments/{NAME}/starter.py", f"reference/{NAME}/solution.py",
            f"reference/{NAME}/expected.pt", "grader/cli/main.py"} <= names, sorted(names)


def test_a_name_defined_twice_names_both_files(pack: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Twice across two packs (the command line), and a pack redefining a bundled assignment (the catalog)."""
    other = make_pack(tmp_path / "other")
    proc = run_cli("--assignments", f"{pack}:{other}", "list")
    assert proc.returncode == 2 and f"assignment '{NAME}' is defined twice" in proc.stderr, proc.stdout
    for folder in (pack, other):
        assert str(folder / "assignments" / NAME / "assignment.toml") in proc.stderr.replace("\n", "")

    monkeypatch.setenv(PACKS_ENV, str(make_pack(tmp_path / "bundled", "mnist_simplecnn")))
    with pytest.raises(SpecError) as raised:
        find_assignment("mnist_simplecnn")
    assert str(raised.value).startswith(f"assignment 'mnist_simplecnn' is defined twice: "
                                        f"{REPO / 'assignments' / 'mnist_simplecnn' / 'assignment.toml'} and "
                                        f"{tmp_path / 'bundled' / 'assignments' / 'mnist_simplecnn' / 'assignment.toml'}")


def test_a_folder_that_is_not_a_pack_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    missing = run_cli("--assignments", str(tmp_path / "nowhere"), "list")
    assert missing.returncode == 2 and f"assignment pack {tmp_path / 'nowhere'} " in missing.stderr and \
        "found nothing there" in missing.stderr, missing.stderr
    monkeypatch.setenv(PACKS_ENV, str(tmp_path))
    with pytest.raises(SpecError, match=f"expected a folder {tmp_path / 'assignments'}, found none"):
        list_assignments()


def test_the_course_and_the_workspace_find_a_pack_assignment(pack: Path, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """A course.toml names a pack's assignment by name; a workspace's spec, read by its path with no pack named,
    finds the reference beside it."""
    spec_path = pack / "assignments" / NAME / "assignment.toml"
    assert find_reference(load_spec(spec_path)).directory == pack / "reference" / NAME

    monkeypatch.setenv(PACKS_ENV, str(pack))
    course = tmp_path / "course"
    course.mkdir()
    (course / "roster.csv").write_text("id,name,email\nalice,Alice A.,a@x\n")
    (course / "course.toml").write_text(f'''name = "Packs"
roster = "roster.csv"
timezone = "UTC"

[[assignment]]
name = "{NAME}"
opens = 2026-01-01T00:00:00
due = 2026-02-01T00:00:00
lock = 2026-03-01T00:00:00
''')
    assignment = load_course(course).assignment(NAME)
    assert assignment is not None and assignment.spec.path == spec_path
    assert find_reference(assignment.spec).directory == pack / "reference" / NAME


def test_a_pack_inside_a_folder_the_child_sees_is_hidden_from_it(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """A pack kept where the child looks (under /usr, in a site-packages; here a folder mounted into it) is an empty
    folder in the child's view: the specs and references stay with the parent."""
    sandbox = detect()
    if not sandbox.strong:
        pytest.skip("no bubblewrap here: the basic level hides nothing from the child")
    shown = tmp_path / "shown"
    make_pack(shown / "pack")
    (shown / "data.txt").write_text("seen")
    for path in (shown, shown / "data.txt"):
        path.chmod(0o755)
    monkeypatch.setenv(PACKS_ENV, str(shown / "pack"))
    child = CHILD_ROOT / "shown"
    command = sandbox.command(["/bin/sh", "-c", f"cat {child}/data.txt; ls -A {child}/pack"],
                              [Mount(shown, child)], cwd=Path("/"), gpu=False)
    proc = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and proc.stdout == "seen", proc.stdout + proc.stderr
