"""Written assignments (`conceptual`): the spec's errors name the file and the key; answers are found under
their headings in Markdown and by cell tag in a notebook; missing, empty (a starter's placeholder left in),
over-long, oversized and unreadable hand-ins are each said so; the real CLI batch grades the examples into
ungraded answers and leaves the manual columns of the gradebook empty."""
from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from conftest import REPO, run_cli

from grader.classroom.answers import MAX_HANDIN_BYTES, extract_answers, mentioned
from grader.classroom.written_batch import grade_written
from grader.spec import SpecError, load_written

CONCEPTUAL = REPO / "assignments" / "conceptual"
SPEC = load_written(CONCEPTUAL / "assignment.toml")


def _problems(path: Path) -> dict[str, str]:
    return {a.question: a.problem for a in extract_answers(SPEC, path)}


def test_every_answer_of_the_good_example_is_found_with_its_words() -> None:
    answers = extract_answers(SPEC, CONCEPTUAL / "examples" / "good.md")
    assert [a.question for a in answers] == ["1a", "1b", "1c", "1d"] and not any(a.problem for a in answers)
    assert answers[2].text.startswith("Both slide a window") and answers[2].words == 80
    assert mentioned(SPEC.question("1d"), answers[3].text) == ["nonlinear", "gradient", "cheap_sparse"]


def test_missing_and_placeholder_answers_are_named() -> None:
    assert _problems(CONCEPTUAL / "examples" / "partial.md") == {
        "1a": "", "1b": "no answer: the hand-in has no heading '## 1b'", "1c": "the answer under '1c' is empty",
        "1d": ""}
    assert set(_problems(CONCEPTUAL / "starter.md").values()) == {"the answer under '1a' is empty",
                                                                  "the answer under '1b' is empty",
                                                                  "the answer under '1c' is empty",
                                                                  "the answer under '1d' is empty"}


def test_a_notebook_answers_by_cell_tag(tmp_path: Path) -> None:
    notebook = json.loads((CONCEPTUAL / "starter.ipynb").read_text())
    tagged = next(c for c in notebook["cells"] if "1b" in c["metadata"].get("tags", []))
    tagged["source"] = ["Padding keeps the output the same size as the input."]
    (tmp_path / "nb.ipynb").write_text(json.dumps(notebook))
    answers = {a.question: a for a in extract_answers(SPEC, tmp_path / "nb.ipynb")}
    assert answers["1b"].text == "Padding keeps the output the same size as the input." and not answers["1b"].problem
    assert answers["1a"].problem == "the answer under '1a' is empty"


def test_too_long_too_large_and_unreadable_hand_ins_are_said_so(tmp_path: Path) -> None:
    (tmp_path / "long.md").write_text("## 1a\n" + "word " * 300)
    assert _problems(tmp_path / "long.md")["1a"] == "300 words, over the limit of 250"
    (tmp_path / "huge.md").write_bytes(b"## 1a\n" + b"x" * MAX_HANDIN_BYTES)
    with pytest.raises(ValueError, match="over the 1 MB an answer sheet may be"):
        extract_answers(SPEC, tmp_path / "huge.md")
    (tmp_path / "latin1.md").write_bytes("## 1a\ncaf\xe9".encode("latin-1"))
    with pytest.raises(ValueError, match="not UTF-8"):
        extract_answers(SPEC, tmp_path / "latin1.md")
    (tmp_path / "broken.ipynb").write_text("{not json")
    with pytest.raises(ValueError, match="not a readable Jupyter notebook"):
        extract_answers(SPEC, tmp_path / "broken.ipynb")


@pytest.mark.parametrize("edit, words", [
    (lambda t: t.replace('max_words = 250\n', ''), ["question #1 (1a)", "missing key 'max_words'"]),
    (lambda t: t.replace('points = 4\n', 'points = "four"\n'),
     ["question #1 (1a), line 13", "key 'points' must be int or float, found str 'four'"]),
    (lambda t: t.replace('  keywords = ["slide"', '  colour = "red"\n  keywords = ["slide"'),
     ["question #1 (1a), rubric item #1, line 19", "unknown key 'colour'"]),
])
def test_spec_errors_name_the_file_question_and_key(tmp_path: Path, edit, words: list[str]) -> None:  # noqa: ANN001
    spec = tmp_path / "assignment.toml"
    spec.write_text(edit((CONCEPTUAL / "assignment.toml").read_text()))
    with pytest.raises(SpecError) as err:
        load_written(spec)
    assert str(err.value).startswith(str(spec)) and all(w in str(err.value) for w in words), str(err.value)


def test_batch_reads_the_class_and_leaves_manual_points_empty(tmp_path: Path) -> None:
    handins = tmp_path / "in"
    handins.mkdir()
    for name, source in (("alice.md", "examples/good.md"), ("bob.md", "examples/partial.md"),
                         ("carol.ipynb", "starter.ipynb")):
        (handins / name).write_bytes((CONCEPTUAL / source).read_bytes())
    (handins / "notes.txt").write_text("not a hand-in")
    proc = run_cli("batch", "conceptual", str(handins), "--out", str(tmp_path / "out"))
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = {r["student_id"]: r for r in csv.DictReader((tmp_path / "out" / "gradebook.csv").open())}
    assert set(rows) == {"alice", "bob", "carol"} and rows["alice"]["total"] == "0"
    column = next(c for c in rows["alice"] if c.startswith("1a."))
    assert rows["alice"][column] == "" and rows["bob"][next(c for c in rows["bob"] if c.startswith("1b."))] == "0"
    alice = json.loads((tmp_path / "out" / "students" / "alice" / "results.json").read_text())
    assert [t["extra_data"]["status"] for t in alice["tests"]] == ["ungraded"] * 4
    summary = json.loads((tmp_path / "out" / "class.json").read_text())["class"]
    assert "notes.txt: not a .md, .ipynb or .zip file, nor a folder" in summary["unknown"]


def test_hostile_sheets_are_refused_or_read_not_crashed(tmp_path: Path) -> None:
    """A review found these: nesting that blows the recursion limit, cells of the wrong types, a byte-order mark
    (Windows Notepad), a megabyte of unclosed comment openings (quadratic for a regex), a stale checkpoint copy."""
    for name, text in {"deep.ipynb": "[" * 50000,
                       "tags.ipynb": json.dumps({"cells": [{"cell_type": "markdown", "metadata": {"tags": 5}}]}),
                       "source.ipynb": json.dumps({"cells": [{"cell_type": "markdown", "source": [1, 2]}]})}.items():
        (tmp_path / name).write_text(text)
        with pytest.raises(ValueError, match="not a readable Jupyter notebook"):
            extract_answers(SPEC, tmp_path / name)
    (tmp_path / "bom.md").write_text("\ufeff## 1a\nKernels slide over the image.\n")
    assert _problems(tmp_path / "bom.md")["1a"] == ""
    (tmp_path / "comments.md").write_text("## 1a\nReLU" + "<!--" * 200_000)
    assert extract_answers(SPEC, tmp_path / "comments.md")[0].text == "ReLU"
    folder = tmp_path / "handin"
    (folder / ".ipynb_checkpoints").mkdir(parents=True)
    (folder / ".ipynb_checkpoints" / "answers-checkpoint.md").write_text("## 1a\nold draft\n")
    (folder / "README.md").write_text("## 1a\nnot the answers\n")
    (folder / "answers.md").write_text("## 1a\nthe real answer\n")
    result = grade_written(SPEC, folder)
    assert result.checks[0].output == "the real answer" and not result.load_error
