"""Reports rendered for real from a hand-built result: HTML, Gradescope JSON, terminal."""
from __future__ import annotations

import base64
import io
import json
import re
import shutil
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from conftest import SUBMISSIONS, grade, run_cli  # noqa: E402
from rich.console import Console  # noqa: E402

from grader.policy import HiddenPolicy  # noqa: E402
from grader.report.gradescope import gradescope_results, write_gradescope  # noqa: E402
from grader.report.html import render_html, write_html  # noqa: E402
from grader.report.terminal import print_result, summary_table  # noqa: E402
from grader.results import CheckResult, Figure, Isolation, Status, SubmissionResult  # noqa: E402

SCRIPT = "<script>alert(1)</script>"


def _loss_curve_png() -> bytes:
    fig, ax = plt.subplots(figsize=(5, 2.5), dpi=80)
    ax.plot([2.3, 1.7, 1.2, 0.9, 0.75, 0.7], marker="o")
    ax.set_xlabel("epoch")
    ax.set_ylabel("training loss")
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


@pytest.fixture(scope="module")
def result() -> SubmissionResult:
    checks = (
        CheckResult("conv-shape", "Conv block output shape", "shape", Status.PASSED, 2, 2, False,
                    expected="(8, 16, 14, 14)", found="(8, 16, 14, 14)", seconds=0.41, timeout=60),
        CheckResult("grad-flow", "Gradients reach every layer", "gradients", Status.PARTIAL, 1, 2, False,
                    expected="a non-zero gradient in all 4 parameter tensors",
                    found="fc2.weight.grad is None (3 of 4 tensors have gradients)",
                    hint="Is fc2 used in forward()? A layer defined but never called gets no gradient.",
                    seconds=1.2, timeout=60),
        CheckResult("train-loss", "Training loss decreases", "training", Status.FAILED, 0, 3, False,
                    expected="loss after 5 epochs below 0.5", found="0.70",
                    hint="Did you call optimizer.zero_grad() each step?",
                    seconds=12.5, timeout=120, output=f"epoch 1 loss 2.3\n{SCRIPT}\nepoch 5 loss 0.70",
                    figures=(Figure("Training loss per epoch", _loss_curve_png()),)),
        CheckResult("predict", "predict() returns class indices", "call", Status.ERROR, 0, 1, False,
                    expected="a LongTensor of shape (8,)",
                    found="RuntimeError: mat1 and mat2 shapes cannot be multiplied (8x400 and 256x10)",
                    seconds=0.05, timeout=30),
        CheckResult("augment", "Data augmentation pipeline", "call", Status.MISSING, 0, 1, False,
                    expected="a function build_transforms()", found="build_transforms is not defined"),
        CheckResult("speed", "Inference under budget", "timing", Status.TIMEOUT, 0, 1, False,
                    expected="100 batches within 10 s", found="stopped after 10 s", seconds=10, timeout=10),
        CheckResult("pretrained", "Fine-tune pretrained ResNet", "training", Status.SKIPPED, 0, 0, False,
                    found="pretrained weights not available offline"),
        CheckResult("secret-acc", "Held-out accuracy", "accuracy", Status.PASSED, 2, 2, True,
                    expected="accuracy >= 0.9 on the held-out set", found="0.93", seconds=3.0, timeout=60),
    )
    return SubmissionResult(
        assignment="cnn-01",
        title="CNN 1: a small convolutional classifier",
        submission=f"alice_{SCRIPT}.py",
        checks=checks,
        isolation="basic (rlimits only, no bubblewrap)",
        isolation_level=Isolation.BASIC,
        device="cpu",
        seconds=27.3,
        budget=600,
        stdout=f"hello from the student\n{SCRIPT}\n",
        stderr="UserWarning: something deprecated",
        notes=("Output of check train-loss was cut at 64 KiB.",),
        seeds={"torch": 0, "data": 1},
        graded_at="2025-11-24T21:50:00+00:00",
        grader_version="0.1.0",
    )


def test_html_escapes_student_content(result: SubmissionResult) -> None:
    page = render_html(result)
    assert "<script" not in page.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    # output, stdout and the submission name are all escaped
    assert page.count("&lt;script&gt;") >= 3


def test_html_load_error_is_escaped_and_shown() -> None:
    broken = SubmissionResult("a", "A", "bob.py", (), "strong (bubblewrap)", "cpu", 0.1, 60,
                              load_error=f"SyntaxError: invalid syntax\n  {SCRIPT}")
    page = render_html(broken)
    assert "could not be loaded" in page
    assert "<script" not in page.lower()
    assert "SyntaxError: invalid syntax" in page
    assert "not sandboxed" not in page


def test_html_embeds_figure_and_is_self_contained(result: SubmissionResult) -> None:
    page = render_html(result)
    png = result.checks[2].figures[0].png
    assert f'src="data:image/png;base64,{base64.b64encode(png).decode()}"' in page
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", page, re.I)
    assert "http://" not in page and "https://" not in page
    assert "<link" not in page and "@import" not in page


def test_html_header_and_cards(result: SubmissionResult) -> None:
    page = render_html(result)
    assert "CNN 1: a small convolutional classifier" in page
    assert "Student code was not sandboxed" in page
    assert "basic (rlimits only, no bubblewrap)" in page
    assert "0.41 s of 60 s" in page
    assert "27.3 s of 600 s" in page
    assert "Did you call optimizer.zero_grad() each step?" in page
    assert "Output of check train-loss was cut at 64 KiB." in page
    for status in Status:
        if status is not Status.UNGRADED:  # a written answer's: test_html_shows_a_written_answer_as_ungraded
            assert f'class="check s-{status.value}"' in page
    assert page.count("<dt>Hint</dt>") == 2  # only the checks that have a hint
    assert page.count("<details>") == 3  # one check output + stdout + stderr


def test_html_shows_a_written_answer_as_ungraded() -> None:
    answer = CheckResult("1d", "1d. Why is ReLU preferred?", "rubric", Status.UNGRADED, 0, 3, False,
                         expected="an answer graded by the rubric",
                         found="81 words, waiting for the instructor's rubric", output=f"ReLU is max(0, x) {SCRIPT}")
    page = render_html(SubmissionResult("conceptual", "Conceptual", "alice.md", (answer,), "none needed", "none",
                                        0.0, 0))
    assert 'class="check s-ungraded"' in page and "waiting for the instructor&#39;s rubric" in page
    assert "<script" not in page.lower()


def test_html_hidden_checks(result: SubmissionResult) -> None:
    shown = render_html(result)
    assert "Held-out accuracy" in shown and "hidden from students" in shown
    assert "<strong>5</strong>" in shown  # 5 of 12 points with the hidden check
    student = render_html(HiddenPolicy.HIDE.apply(result))
    assert "Held-out accuracy" not in student and "secret-acc" not in student
    assert "hidden from students" not in student
    assert "<strong>3</strong>" in student  # 3 of 10 points without it


def test_write_html(result: SubmissionResult, tmp_path: Path) -> None:
    path = write_html(HiddenPolicy.HIDE.apply(result), tmp_path / "out" / "report.html")
    assert path.read_text(encoding="utf-8") == render_html(HiddenPolicy.HIDE.apply(result))


def test_gradescope(result: SubmissionResult, tmp_path: Path) -> None:
    data = gradescope_results(result)
    assert data["score"] == 5
    assert data["visibility"] == "visible" and data["stdout_visibility"] == "hidden"
    assert "basic (rlimits only, no bubblewrap)" in data["output"]
    tests = data["tests"]
    run = [c for c in result.checks if c.status is not Status.SKIPPED]  # Gradescope knows no skipped test
    assert [(t["score"], t["max_score"]) for t in tests] == [(c.points, c.max_points) for c in run]
    assert [t["status"] for t in tests] == ["passed", "failed", "failed", "failed", "failed", "failed", "passed"]
    assert [t["number"] for t in tests] == ["1", "2", "3", "4", "5", "6", "8"]  # its place in the spec
    assert [t["visibility"] for t in tests] == ["visible"] * 6 + ["after_published"]
    assert data["extra_data"]["skipped"] == {"pretrained": "pretrained weights not available offline"}
    assert tests[1]["output"] == (
        "Expected: a non-zero gradient in all 4 parameter tensors\n"
        "Found: fc2.weight.grad is None (3 of 4 tensors have gradients)\n"
        "Hint: Is fc2 used in forward()? A layer defined but never called gets no gradient."
    )
    assert tests[3]["extra_data"] == {"check_id": "predict", "status": "error", "seconds": 0.05}
    names = gradescope_results(HiddenPolicy.NAMES.apply(result))["tests"]  # what a student sees, by the one policy
    assert names[-1]["visibility"] == "after_published" and "0.93" not in names[-1]["output"]
    assert "Held-out accuracy" not in json.dumps(gradescope_results(HiddenPolicy.HIDE.apply(result)))
    path = write_gradescope(result, tmp_path / "results.json")
    assert json.loads(path.read_text()) == data


def test_gradescope_load_error_in_output() -> None:
    broken = SubmissionResult("a", "A", "bob.py", (), "strong (bubblewrap)", "cpu", 0.1, 60,
                              load_error="SyntaxError: invalid syntax")
    data = gradescope_results(broken)
    assert data["score"] == 0 and data["tests"] == []
    assert "SyntaxError: invalid syntax" in data["output"]


def _terminal(render, *args, **kwargs) -> str:
    console = Console(record=True, width=120)
    render(*args, console=console, **kwargs)
    return console.export_text()


def test_terminal(result: SubmissionResult) -> None:
    text = _terminal(print_result, result)
    for check in result.checks:
        assert check.name in text
    assert "5 / 12 (42%)" in text
    assert "not sandboxed" in text
    assert "Did you call optimizer.zero_grad() each step?" in text  # failed-check block
    assert "stopped after 10 s" in text
    student = _terminal(print_result, HiddenPolicy.HIDE.apply(result))
    assert "Held-out accuracy" not in student and "3 / 10 (30%)" in student


def test_terminal_does_not_interpret_student_markup() -> None:
    check = CheckResult("c", "Check", "call", Status.FAILED, 0, 1, False, found="[bold red]x[/] [link=x]y")
    tricky = SubmissionResult("a", "A", "s.py", (check,), "strong", "cpu", 1, 60)
    assert "[bold red]x[/] [link=x]y" in _terminal(print_result, tricky)


def test_summary_table(result: SubmissionResult, tmp_path: Path) -> None:
    broken = SubmissionResult("a", "A", "bob.py", (), "strong", "cpu", 0.1, 60, load_error="SyntaxError")
    text = _terminal(summary_table, [("alice", result, tmp_path / "alice.html"), ("bob", broken, None)])
    assert "alice" in text and "bob" in text
    assert "5 / 12 (42%)" in text and "load error" in text
    assert "alice.html" in text


def test_summary_table_at_80_columns_keeps_paths_whole(result: SubmissionResult) -> None:
    """`grader demo`'s table in an 80-column terminal or a CI log (rich assumes 80 columns there): each report path
    whole on a line of its own, not folded into what is left of the width."""
    stems = ["udacity_for_else_model_forward_home_data_dir", "quickstart_zero_grad_after_step_download_at_top"]
    rows = [(f"training_loop/{stem}.py", result, Path("training_loop") / "students" / stem / "report.html")
            for stem in stems]
    console = Console(record=True, width=80)
    summary_table(rows, console=console)
    lines = console.export_text().splitlines()
    for _, _, path in rows:
        assert f"  {path}" in lines, "\n".join(lines)
    table = lines[:lines.index("Reports:")]
    assert max(map(len, table)) <= 80 and "5 / 12 (42%)" in "\n".join(table)


def test_batch_prints_whole_paths_at_80_columns(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`grader batch` with 80 columns (a terminal, or a CI log): every path it prints stays on one line."""
    student = "a_student_whose_lms_export_name_runs_past_half_of_eighty_columns"
    (tmp_path / "class").mkdir()
    shutil.copy(SUBMISSIONS / "cifar_simplecnn" / "correct_attributes.py", tmp_path / "class" / f"{student}.py")
    shutil.copy(SUBMISSIONS / "cifar_simplecnn" / "wrong_num_classes.py", tmp_path / "class" / "bob.py")
    out = tmp_path / "Deep Learning course, spring term" / "lab 3 grades"
    monkeypatch.setenv("COLUMNS", "80")
    proc = run_cli("batch", "cifar_simplecnn", str(tmp_path / "class"), "--out", str(out), "--only",
                   "output_shape,architecture")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert f"summary: {out / 'summary.html'}" in proc.stdout.splitlines(), proc.stdout
    assert (f"reports: {out / 'students'}/<student>/report.html (for the student) and instructor.html (everything)"
            in proc.stdout.splitlines()), proc.stdout
    assert f"  {student} ({student}.py): 4/4" in proc.stderr.splitlines(), proc.stderr


def test_a_message_ending_in_a_colon_leaves_none_dangling(tmp_path: Path) -> None:
    """torchvision's "Error downloading train-images-idx3-ubyte.gz:" (the URLs it tried on the next lines) is quoted
    without its colon: the cause reads "...gz: the grader has no network", not "...gz::", and the statement that did
    not run ends "...gz", not "...gz:"."""
    handin = SUBMISSIONS / "real_world" / "training_loop" / "quickstart_zero_grad_after_step_download_at_top.py"
    graded = grade("training_loop", handin, tmp_path, "--only", "loaders")
    output = graded.results["output"]
    assert "raised RuntimeError: Error downloading train-images-idx3-ubyte.gz: the grader has no network" in output
    assert "::" not in output
    line_11 = next(line for line in graded.html.splitlines() if line.startswith("line 11 ("))
    assert line_11.endswith("): raised RuntimeError: Error downloading train-images-idx3-ubyte.gz"), line_11
