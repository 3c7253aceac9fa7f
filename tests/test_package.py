"""`grader gradescope-package` writes an autograder zip whose run_autograder grades a submission
with the grader inside the zip and leaves Gradescope's results.json."""
from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import REPO, data_root, run_cli


@pytest.mark.parametrize("bwrap", ["bwrap", "/nonexistent/bwrap"], ids=["sandboxed", "container-without-bubblewrap"])
def test_gradescope_package_grades_with_its_own_copy(tmp_path: Path, bwrap: str) -> None:
    """Gradescope's container is the course's sandbox: run_autograder grades in bubblewrap where it can,
    else without it, and results.json says which."""
    archive = tmp_path / "autograder.zip"
    proc = run_cli("gradescope-package", "cifar_simplecnn", "--out", str(archive))
    assert proc.returncode == 0, proc.stderr
    with zipfile.ZipFile(archive) as zf:
        names = set(zf.namelist())
        modes = {info.filename: info.external_attr >> 16 for info in zf.infolist()}
        zf.extractall(tmp_path / "source")
    assert {"setup.sh", "run_autograder", "pyproject.toml", "grader/cli/__init__.py", "templates/report.html.j2",
            "assignments/cifar_simplecnn/assignment.toml", "reference/cifar_simplecnn/expected.pt"} <= names
    assert not any(n.startswith(("reference/mnist", "assignments/mnist", "tests/")) for n in names)
    assert modes["run_autograder"] & stat.S_IXUSR and modes["setup.sh"] & stat.S_IXUSR
    assert 'stage("cifar10"' in (tmp_path / "source" / "setup.sh").read_text()

    root = tmp_path / "autograder"
    (root / "submission").mkdir(parents=True)
    (root / "submission" / "solution.py").write_text(
        (REPO / "tests" / "submissions" / "cifar_simplecnn" / "wrong_num_classes.py").read_text())
    wrapper = tmp_path / "grader-from-zip"
    wrapper.write_text(f"#!/bin/sh\nexec {sys.executable} -m grader \"$@\" --only output_shape,architecture\n")
    wrapper.chmod(0o755)
    source = tmp_path / "source"
    (source / "run_autograder").chmod(0o755)
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "GRADER_BIN": str(wrapper), "PYTHONPATH": str(source),
           "CNN_GRADER_BWRAP": bwrap}
    if data_root():
        env["GRADER_DATA"] = str(data_root())
    subprocess.run([str(source / "run_autograder")], cwd=tmp_path, env=env, timeout=300, check=True,
                   capture_output=True)
    results = json.loads((root / "results" / "results.json").read_text())
    assert results["score"] == 0 and [t["extra_data"]["status"] for t in results["tests"]] == ["failed", "failed"]
    assert results["extra_data"]["isolation"].startswith("strong" if bwrap == "bwrap" else "basic")
    assert (root / "results" / "report" / "report.html").is_file()


def test_gradescope_package_names_unknown_assignment(tmp_path: Path) -> None:
    proc = run_cli("gradescope-package", "no_such_assignment", "--out", str(tmp_path / "x.zip"))
    assert proc.returncode == 2 and "no assignment 'no_such_assignment'" in proc.stderr
