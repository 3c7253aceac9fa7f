"""Class reports from submissions graded for real: gradebook CSV, Canvas import CSV, summary page."""
from __future__ import annotations

import base64
import csv
import re
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import SUBMISSIONS, data_root

from grader.api import GradeOptions, grade
from grader.report.gradebook import write_canvas_grades, write_gradebook
from grader.report.summary import render_summary, similar_groups, write_summary
from grader.results import ClassEntry, ClassResult, EntryStatus, SimilarPair, Student
from grader.spec.catalog import find_assignment

ONLY = ("output_shape", "architecture", "layer_shapes", "gradient_flow", "reference_gradients")
SCRIPT = "<script>alert(1)</script>"
QUOTED = "O'Brien, \"Dee\""
FORMULA = '=HYPERLINK("http://evil.example","x")'
# student id → points per check of ONLY (None: no result)
POINTS = {"101": [2, 2, 1, 1, 2], "102": [2, 2, 1, 0, 0], "103": [0, 0, 0, 0, 0], "104": [0, 0, 0, 0, 0],
          "105": [2, 2, 1, 1, 2], "106": None, "107": None, "108": None}
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def klass() -> ClassResult:
    spec = find_assignment("cifar_simplecnn")
    options = GradeOptions(only=ONLY, data_root=data_root())
    graded = {name: grade(spec, SUBMISSIONS / "cifar_simplecnn" / f"{name}.py", options=options)
              for name in ("correct_attributes", "detached_output", "forward_raises", "syntax_error")}
    assert graded["correct_attributes"].score == 8, graded["correct_attributes"].checks[0].found

    def entry(sid: str, name: str, status: EntryStatus, outcome: str = "", **extra: str) -> ClassEntry:
        return ClassEntry(Student(sid, name, sis_id=f"S{sid}", login=f"u{sid}", section="A" if sid < "105" else "B"),
                          status, graded.get(outcome), source=f"{outcome}.py" if outcome else "",
                          report=f"{name}/report.html" if outcome else "", **extra)

    entries = (
        entry("101", "Alice Ng", EntryStatus.GRADED, "correct_attributes"),
        entry("102", SCRIPT, EntryStatus.GRADED, "detached_output"),
        entry("103", QUOTED, EntryStatus.GRADED, "forward_raises"),
        entry("104", "Erin Park", EntryStatus.LOAD_ERROR, "syntax_error"),
        entry("105", "Bob Li", EntryStatus.GRADED, "correct_attributes"),
        entry("106", "Frank Roe", EntryStatus.NOT_SUBMITTED),
        entry("107", FORMULA, EntryStatus.NOT_SUBMITTED, message=f"its file was refused: ../../{SCRIPT}\nsecond line"),
        entry("108", "Hank Moe", EntryStatus.PENDING),
    )
    return ClassResult(
        assignment=spec.name, title=spec.title, entries=entries,
        checks=tuple((c.id, c.name, c.points, c.hidden) for c in spec.checks if c.id in ONLY),
        unknown=("notes.txt: not a .py, .ipynb or .zip",), refused=(f"bad.zip:../{SCRIPT}: path escapes the archive",),
        similar=(SimilarPair("101", "105", 0.97, "SimpleCNN.__init__ and forward match"),
                 SimilarPair("102", "999", 0.8, "unknown student id")),
        seconds=12.3, jobs=2, isolation=entries[0].result.isolation, spec_digest="abc123",
        generated_at="2025-01-01T00:00:00+00:00")


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_gradebook_has_every_student_once_with_exact_points(klass: ClassResult, tmp_path: Path) -> None:
    path = write_gradebook(klass, tmp_path / "gradebook.csv")
    assert list(tmp_path.iterdir()) == [path], "the temporary file was left behind"
    rows = _rows(path)
    assert sorted(r["student_id"] for r in rows) == sorted(POINTS)
    header = list(rows[0])
    assert header[5] == "Output shape (output_shape, 2 pts)" and header[8] == "Gradient flow (gradient_flow, 1 pt)"
    assert header[9].endswith("2 pts, hidden)")
    for row in rows:
        points = POINTS[row["student_id"]]
        assert [row[h] for h in header[5:10]] == ([str(p) for p in points] if points else [""] * 5)
        assert row["total"] == (str(sum(points)) if points else "")
        assert row["max"] == ("8" if points else "")
    by_id = {r["student_id"]: r for r in rows}
    assert (by_id["102"]["name"], by_id["103"]["name"]) == (SCRIPT, QUOTED)
    assert by_id["102"]["percent"] == "62.5" and by_id["102"]["report"] == f"{SCRIPT}/report.html"
    assert by_id["104"]["status"] == "load error" and by_id["104"]["message"].startswith("SyntaxError")
    assert by_id["107"]["name"] == "'" + FORMULA, "a formula in a name must not run in a spreadsheet"
    assert by_id["107"]["message"] == f"its file was refused: ../../{SCRIPT}"


def test_canvas_csv_has_points_possible_and_scores(klass: ClassResult, tmp_path: Path) -> None:
    column = "CIFAR SimpleCNN (12345)"
    path = write_canvas_grades(klass, tmp_path / "canvas.csv", column=column)
    rows = _rows(path)
    assert list(rows[0]) == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", column]
    assert rows[0]["Student"].strip() == "Points Possible" and rows[0][column] == "8"
    scores = {r["ID"]: r[column] for r in rows[1:]}
    assert scores == {sid: str(sum(p)) if p else "" for sid, p in POINTS.items()}
    assert {r["ID"]: (r["SIS User ID"], r["SIS Login ID"]) for r in rows[1:]}["103"] == ("S103", "u103")


def _check_row(page: str, check_id: str) -> tuple[str, list[int]]:
    row = re.search(rf'<code class="id">{check_id}</code>.*?</tr>', page, re.S).group(0)
    rate = re.search(r"(\d+%|—)</td>", row).group(1)
    return rate, [int(n) for n in re.findall(r'<td class="num(?: zero)?">(\d+)</td>', row)]


def test_summary_page(klass: ClassResult, tmp_path: Path) -> None:
    page = write_summary(klass, tmp_path / "summary.html").read_text(encoding="utf-8")
    images = re.findall(r'src="data:image/png;base64,([^"]+)"', page)
    assert len(images) == 2 and all(base64.b64decode(i).startswith(PNG) for i in images)
    assert SCRIPT not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert 'href="Alice%20Ng/report.html"' in page and 'href="O%27Brien%2C%20%22Dee%22/report.html"' in page
    #                                 passed partial failed error timeout missing skipped ungraded
    assert _check_row(page, "output_shape") == ("60%", [2, 3, 0, 1, 1, 0, 0, 0, 0])
    assert _check_row(page, "gradient_flow") == ("40%", [1, 2, 0, 1, 2, 0, 0, 0, 0])
    assert _check_row(page, "reference_gradients") == ("40%", [2, 2, 0, 2, 1, 0, 0, 0, 0])
    assert 'hidden</span><br><code class="id">reference_gradients' in page
    errors = page.split("Errors and timeouts")[1].split("Slowest submissions")[0]
    assert "Erin Park" in errors and "SyntaxError" in errors and "O&#39;Brien" in errors and "Alice" not in errors
    assert ">62.5%</td>" in page, "the class table shows 5 / 8 as 62.5%"
    assert "97%" in page and "SimpleCNN.__init__ and forward match" in page and ">999<" in page
    assert "(2 pairs in 2 groups)" in page
    assert "notes.txt" in page and "path escapes the archive" in page
    for status in ("2 not submitted", "1 pending", "1 load error", "4 graded"):
        assert status in page
    assert page == render_summary(klass), "the page must not change between renders"


def test_summary_of_a_class_without_graded_submissions(klass: ClassResult) -> None:
    empty = replace(klass, entries=tuple(e for e in klass.entries if e.result is None), similar=())
    page = render_summary(empty)
    images = re.findall(r'src="data:image/png;base64,([^"]+)"', page)
    assert len(images) == 2 and all(base64.b64decode(i).startswith(PNG) for i in images)
    assert "No graded submissions yet." in page and _check_row(page, "output_shape")[0] == "—"
    assert "<strong>—</strong>" in page


def test_similar_pairs_are_grouped_into_clusters() -> None:
    pairs = tuple(SimilarPair(a, b, 1.0) for a, b in [("a", "b"), ("c", "d"), ("b", "c"), ("x", "y"), ("a", "e")])
    assert similar_groups(pairs) == [["a", "b", "c", "d", "e"], ["x", "y"]]
    assert similar_groups(()) == []
