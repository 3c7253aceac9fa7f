"""What reaches a student and what stays with the instructor, graded for real: a hidden check skipped for want of
weights is named nowhere under `--hidden hide`, and only by name and status under `names`; a skipped check's
set-up (the grader machine's paths, where to download the data or weights) is read by the instructor only; and a
traceback in what a hand-in printed shows the student's own frames, with Python's and the libraries' folded."""
from __future__ import annotations

import re
import subprocess
import sys
from html import unescape
from pathlib import Path

import pytest
from conftest import SUBMISSIONS, grade, run_cli

from grader.policy import HIDDEN_MESSAGE, SKIPPED_FOR_STUDENTS
from grader.report.printed import fold_library_frames

VGG = SUBMISSIONS / "vgg16_transfer" / "correct.py"
FINE_TUNING = "Test accuracy after fine-tuning from ImageNet weights"  # vgg16_transfer's hidden transfer_accuracy
CLINICAL = "Sensitivity, specificity and ROC AUC on the real X-rays"  # pneumonia_resnet50's hidden clinical_metrics
REAL_WORLD = SUBMISSIONS / "real_world"


def _ci_outputs(tmp_path: Path, hidden: str) -> str:
    """Everything `grader ci --hidden HIDDEN` shows (terminal, annotations, every format, the GitHub summary) for a
    correct VGG16 graded where the ImageNet weights are missing."""
    formats = {"junit": "junit.xml", "results": "results.json", "html": "report.html", "markdown": "pr.md"}
    proc = run_cli("ci", "--assignment", "vgg16_transfer", "--submission", str(VGG), "--only",
                   "new_head,transfer_accuracy", "--hidden", hidden,
                   *(arg for name, file in formats.items() for arg in (f"--{name}", str(tmp_path / file))))
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    files = [*formats.values(), "summary.md"]
    return proc.stdout + proc.stderr + "".join((tmp_path / f).read_text() for f in files)


@pytest.fixture
def no_weights(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty torch cache (no ImageNet weights), and GitHub Actions' job summary and annotations on."""
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch_home"))
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path / "summary.md"))
    return tmp_path / "torch_home"


def test_hide_names_a_hidden_skipped_check_nowhere(tmp_path: Path, no_weights: Path) -> None:
    shown = _ci_outputs(tmp_path, "hide")
    assert "New trainable last layer" in shown
    for secret in (FINE_TUNING, "transfer_accuracy", "vgg16-397923af.pth", str(no_weights), "TORCH_HOME"):
        assert secret not in shown, secret


def test_names_shows_a_hidden_skipped_check_by_name_and_status_only(tmp_path: Path, no_weights: Path) -> None:
    shown = _ci_outputs(tmp_path, "names")
    assert FINE_TUNING in shown and HIDDEN_MESSAGE in shown
    assert f"'{FINE_TUNING}' was skipped and is not counted in the score: {SKIPPED_FOR_STUDENTS}" in shown
    for setup in ("vgg16-397923af.pth", str(no_weights), "TORCH_HOME", "download"):
        assert setup not in shown, setup


def test_the_clinical_checks_setup_is_for_the_instructor_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                               ) -> None:
    """A real hand-in of the pneumonia project graded as a class where neither the chest X-rays nor the ResNet50
    weights are: the student's report.html and results.json say in one sentence that the clinical check did not
    run, without the grader machine's paths; instructor.html keeps where each goes."""
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch_home"))
    monkeypatch.setenv("GRADER_DATA", str(tmp_path / "data"))
    handins = tmp_path / "handins"
    handins.mkdir()
    (handins / "ada.py").write_text(
        (REAL_WORLD / "pneumonia_resnet50" / "grayscale_half_norm_unweighted_plot_at_top.py").read_text())
    out = tmp_path / "out"
    proc = run_cli("batch", "pneumonia_resnet50", str(handins), "--out", str(out), "--jobs", "1", "--only",
                   "transforms,clinical_metrics", timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    [folder] = (out / "students").iterdir()
    setup = (str(tmp_path / "data" / "chest_xray"), str(tmp_path / "torch_home"), "Mendeley", "resnet50-0676ba61")
    student = (folder / "report.html").read_text() + (folder / "results.json").read_text()
    assert unescape(f"'{CLINICAL}' was skipped and is not counted in the score: {SKIPPED_FOR_STUDENTS}") in \
        unescape(student)
    for words in setup:
        assert words not in student, words
    instructor = (folder / "instructor.html").read_text()
    for words in setup:
        assert words in instructor, words


_PART = re.compile(r'<details class="frames"><summary>(?P<summary>[^<]*)</summary><pre>\n(?P<folded>[^<]*)</pre>'
                   r'</details>|<pre>\n(?P<shown>[^<]*)</pre>')
"""A part of what was printed (HTML drops the newline that follows <pre>)."""


def _printed(page: str, label: str) -> tuple[int, list[tuple[str, str]]]:
    """The line count a report gives the block `label` of what the hand-in printed, and its parts in order:
    (the summary of a folded part, or '' for a part shown, its text)."""
    block = re.search(rf"<summary>{label} \((\d+) lines?\)</summary>\s*<div class=\"printed\">(.*?)</div>", page,
                      re.DOTALL)
    assert block, page[-3000:]
    parts = [(unescape(m["summary"] or ""), unescape(m["folded"] if m["summary"] else m["shown"]))
             for m in _PART.finditer(block[2])]
    return int(block[1]), parts


def test_a_failed_download_shows_the_students_frame_before_the_librarys(tmp_path: Path) -> None:
    """The PyTorch blitz notebook downloads CIFAR-10 at its top level: its stderr holds two chained tracebacks,
    ~140 lines of urllib, http.client and socket frames around the one frame of the student's cell."""
    graded = grade("resnet18_cifar", REAL_WORLD / "resnet18_cifar" / "blitz_resnet18_weights_none_1000_head.ipynb",
                   tmp_path / "out", "--only", "output_shape")
    lines, parts = _printed(graded.html, "Standard error")
    assert "".join(text for _, text in parts).count("\n") in (lines - 1, lines)  # every line printed is there
    shown = "".join(text for summary, text in parts if not summary)
    assert "----> 3 trainset = torchvision.datasets.CIFAR10(root='./data', train=True," in shown  # the student's frame
    assert shown.index("trainset = torchvision") < 1000, shown[:2000]
    assert "URLError: <urlopen error" in shown and "During handling of the above exception" in shown
    assert "urllib/request.py" not in shown and "http/client.py" not in shown and "site-packages" not in shown
    folded = [(summary, text) for summary, text in parts if summary]
    assert len(folded) == 2 and all("urllib/request.py" in text for _, text in folded)
    assert re.fullmatch(r"… \d+ lines of library frames \(http, socket, urllib\) …", folded[0][0]), folded[0][0]
    assert "torchvision" in folded[1][0]


def test_pythons_own_traceback_layout_is_folded_too(tmp_path: Path) -> None:
    """A .py that prints its own traceback (as `traceback.print_exc()` or an uncaught error does): Python's layout,
    with the ^^^ markers, the chained exceptions and the frames of the student's two functions."""
    script = tmp_path / "fetch.py"
    script.write_text("import urllib.request\n\n\ndef fetch(url):\n    return urllib.request.urlopen(url, timeout=5)\n\n\n"
                      "def main():\n    fetch('http://127.0.0.1:9/cifar-10-python.tar.gz')\n\n\nmain()\n")
    text = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, check=False).stderr
    parts = fold_library_frames(text)
    assert "".join(part.text for part in parts) == text
    shown = "".join(part.text for part in parts if not part.libraries)
    assert f'File "{script}", line 9, in main' in shown and f'File "{script}", line 5, in fetch' in shown
    assert "urllib.error.URLError: <urlopen error [Errno 111] Connection refused>" in shown
    assert "/urllib/" not in shown and "/http/" not in shown and "socket.py" not in shown
    folded = [part for part in parts if part.libraries]
    assert [part.libraries for part in folded] == [("http", "socket", "urllib"), ("urllib",)]
    assert all(part.text.lstrip().startswith("File ") for part in folded)
