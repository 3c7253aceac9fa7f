"""Mutants of the real reference solutions (grader.authoring.mutants), and one real mutation run
(grader.authoring.mutation): the mutants graded in the sandbox as the hand-ins of a class."""
from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest
from conftest import REPO, run_cli
from rich.console import Console

from grader.authoring.mutants import generate_mutants
from grader.authoring.mutation_report import (
    MutantRow,
    MutationReport,
    ReferenceRow,
    markdown,
    print_report,
    write_report,
)

REFERENCES = sorted(p.parent.name for p in (REPO / "reference").glob("*/solution.py"))


def _mutants(name: str) -> dict:
    return {m.id: m for m in generate_mutants((REPO / "reference" / name / "solution.py").read_text())}


def _changed(original: str, mutant: str) -> tuple[list[str], list[str]]:
    """(lines only the reference has, lines only the mutant has)."""
    before, after = original.splitlines(), mutant.splitlines()
    return [line for line in before if line not in after], [line for line in after if line not in before]


@pytest.mark.parametrize("name", REFERENCES)
def test_every_mutant_parses_differs_and_names_its_line(name: str) -> None:
    source = (REPO / "reference" / name / "solution.py").read_text()
    mutants = generate_mutants(source)
    assert mutants, name
    assert len({m.id for m in mutants}) == len(mutants)
    assert len({m.source for m in mutants} | {source}) == len(mutants) + 1
    for m in mutants:
        ast.parse(m.source)
        assert re.fullmatch(r"[a-z0-9-]+@\w+:\d+(#\d+)?", m.id), m.id
        assert m.description.endswith(f"(line {m.line})") and f":{m.line}" in m.id, m
        assert source.splitlines()[m.line - 1].strip(), m  # the line it names is a line of code
    assert [m.id for m in generate_mutants(source)] == [m.id for m in mutants]  # deterministic


def test_simplecnn_mutants() -> None:
    """Every model operator fires on mnist_simplecnn's SimpleCNN, each one edit of the reference's own text."""
    source = (REPO / "reference" / "mnist_simplecnn" / "solution.py").read_text()
    mutants = _mutants("mnist_simplecnn")
    assert {m.operator for m in mutants.values()} == {
        "relu-removed", "channels-changed", "kernel-changed", "padding-changed", "stride-changed",
        "layers-swapped", "lines-swapped", "flatten-changed", "output-width-changed"}
    relu = mutants["relu-removed@forward:47"]
    assert relu.description == "ReLU after conv2 removed in SimpleCNN.forward (line 47)"
    assert _changed(source, relu.source) == (["        x = self.pool(F.relu(self.conv2(x)))  # (N, 64, 7, 7)"],
                                             ["        x = self.pool(self.conv2(x))  # (N, 64, 7, 7)"])
    channels = mutants["channels-changed@__init__:37"]
    assert "conv1's output channels 32 → 64 (conv2 to match)" in channels.description
    assert _changed(source, channels.source)[1] == [
        "        self.conv1 = nn.Conv2d(1, 64, 3, padding=1)  # 1 input channel (grayscale), 32 filters",
        "        self.conv2 = nn.Conv2d(64, 64, 3, padding=1)"]
    assert _changed(source, mutants["kernel-changed@__init__:39"].source)[1] == [
        "        self.conv2 = nn.Conv2d(32, 64, 5, padding=2)"]
    assert _changed(source, mutants["stride-changed@__init__:39"].source)[1] == [
        "        self.conv2 = nn.Conv2d(32, 64, 3, padding=1, stride=2)"]
    assert _changed(source, mutants["flatten-changed@forward:48"].source)[1] == [
        "        x = torch.flatten(x)               # (N, 3136)"]
    assert _changed(source, mutants["layers-swapped@forward:46"].source)[1] == [
        "        x = self.pool(self.conv1(F.relu(x)))  # (N, 32, 14, 14)"]
    assert not any("F.relu(self.pool(" in m.source for m in mutants.values())  # they commute: no bug
    assert _changed(source, mutants["output-width-changed@__init__:41"].source)[1] == [
        "        self.fc2 = nn.Linear(128, 11)  # 10 classes (digits 0-9)"]


def test_training_loop_mutants() -> None:
    source = (REPO / "reference" / "training_loop" / "solution.py").read_text()
    mutants = _mutants("training_loop")
    assert sorted(mutants) == sorted([
        "normalize-removed@make_loaders:13", "split-changed@make_loaders:15", "shuffle-changed@make_loaders:16",
        "train-removed@train_one_epoch:23", "zero-grad-removed@train_one_epoch:27",
        "zero-grad-moved@train_one_epoch:27", "step-before-backward@train_one_epoch:31",
        "item-dropped@train_one_epoch:32", "eval-removed@evaluate:38", "no-grad-removed@evaluate:40",
        "item-dropped@evaluate:44"])
    assert _changed(source, mutants["normalize-removed@make_loaders:13"].source)[1] == [
        "    transform = transforms.Compose([transforms.ToTensor()])"]
    moved = mutants["zero-grad-moved@train_one_epoch:27"].source.splitlines()
    assert moved.index("        optimizer.zero_grad()") == moved.index("        loss.backward()") + 1
    step = mutants["step-before-backward@train_one_epoch:31"].source.splitlines()
    assert step.index("        optimizer.step()") + 1 == step.index("        loss.backward()")
    assert _changed(source, mutants["item-dropped@train_one_epoch:32"].source)[1] == [
        "        running_loss += loss"]
    no_grad = mutants["no-grad-removed@evaluate:40"].source
    assert "no_grad" not in no_grad and "    for images, labels in loader:\n        images, labels" in no_grad


def test_transfer_and_batchnorm_mutants() -> None:
    transfer = _mutants("resnet18_transfer")
    assert "for param in model.parameters():" not in transfer["freeze-removed@build_model:16"].source
    assert "optim.Adam(model.parameters(), lr=0.001)" in transfer["optimizer-all-parameters@make_optimizer:25"].source
    batchnorm = _mutants("batchnorm_cnn")
    assert "self.bn1 = nn.Identity()" in batchnorm["batchnorm-removed@__init__:41"].source
    assert batchnorm["channels-changed@__init__:40"].description.startswith(
        "conv1's output channels 16 → 32 (bn1 and conv2 to match)")


def test_sequential_and_module_activations() -> None:
    source = ("import torch.nn as nn\n\n\ndef build():\n    return nn.Sequential(\n        nn.Conv2d(1, 8, 3),\n"
              "        nn.ReLU(),\n        nn.Dropout(0.5),\n        nn.Flatten(),\n        nn.Linear(8, 10),\n    )\n")
    mutants = {m.id: m for m in generate_mutants(source)}
    assert "        nn.Identity(),\n        nn.Dropout(0.5)," in mutants["relu-removed@build:7"].source
    assert mutants["relu-removed@build:7"].description == \
        "nn.ReLU() (layer 2 of the nn.Sequential) replaced by nn.Identity() in build (line 7)"
    assert "nn.Identity(),\n        nn.Flatten()" in mutants["dropout-removed@build:8"].source
    assert "        nn.ReLU(),\n        nn.Conv2d(1, 8, 3)," in mutants["layers-swapped@build:6"].source


def test_report_findings(tmp_path: Path) -> None:
    """A reference below full marks is said first; survivors, idle and skipped checks and grader failures are
    each named in the table's findings, the console's and the files'."""
    report = MutationReport(
        assignment="demo", reference=ReferenceRow(score=3, max_score=4, not_passed=("shape",)),
        rows=(MutantRow("relu-removed@forward:9", "ReLU after conv1 removed in Net.forward (line 9)", "relu-removed", 9,
                        (), 4, 4),
              MutantRow("stride-changed@__init__:5", "conv1's stride 1 → 2 in Net.__init__ (line 5)", "stride-changed",
                        5, ("values",), 1, 4),
              MutantRow("padding-changed@__init__:5", "conv1's padding 1 → 0 in Net.__init__ (line 5)",
                        "padding-changed", 5, (), 0, 0, graded=False, note="the grader failed")),
        checks=("shape", "values", "modes"), skipped=(("accuracy", "no pretrained weights"),), seconds=12.0, jobs=2)
    assert [r.id for r in report.survivors] == ["relu-removed@forward:9"] and report.idle_checks == ("modes",)
    text = markdown(report)
    assert "reference: 3/4, NOT full marks (it fails shape): the table says little" in text
    for line in ("- no check catches: ReLU after conv1 removed in Net.forward (line 9) (relu-removed@forward:9)",
                 "- check modes caught no mutant",
                 "- check accuracy caught nothing: it did not run here (no pretrained weights)",
                 "- not graded: conv1's padding 1 → 0 in Net.__init__ (line 5) (padding-changed@__init__:5): the grader "
                 "failed"):
        assert line in text.splitlines()
    assert "3 mutants of demo's reference: 1 caught, 1 caught by no check, 1 not graded" in text
    console = Console(record=True, width=160)
    print_report(report, console)
    assert "no check catches: ReLU after conv1 removed in Net.forward (line 9)" in console.export_text()
    data = json.loads(write_report(report, tmp_path)["json"].read_text())
    assert data["survivors"] == ["relu-removed@forward:9"] and not data["reference"]["full_marks"]


@pytest.mark.usefixtures("needs_data")
def test_validate_mutants(tmp_path: Path) -> None:
    """`grader validate --mutants` on mnist_simplecnn's two cheap checks, its mutants graded in the sandbox: the
    reference earns full marks, a kernel size is caught by the architecture check only, a removed ReLU, which
    neither check sees, survives; the exit code stays the validation's."""
    proc = run_cli("validate", "mnist_simplecnn", "--only", "output_shape,architecture", "--mutants", "--jobs", "2",
                   "--out", str(tmp_path), timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "no check catches: ReLU after conv2 removed in SimpleCNN.forward (line 47)" in proc.stdout
    data = json.loads((tmp_path / "mutants.json").read_text())
    assert data["reference"] == {"score": 4, "max_score": 4, "not_passed": [], "full_marks": True}
    assert data["checks"] == ["output_shape", "architecture"] and data["idle_checks"] == []
    rows = {r["id"]: r for r in data["rows"]}
    assert len(rows) == 20 and all(r["graded"] for r in rows.values())
    assert rows["kernel-changed@__init__:39"]["caught_by"] == ["architecture"]
    assert rows["stride-changed@__init__:39"]["score"] == 0  # fc1 no longer fits: every check fails
    assert "relu-removed@forward:47" in data["survivors"]
    assert "- no check catches: ReLU after conv2 removed in SimpleCNN.forward (line 47) (relu-removed@forward:47)" \
        in (tmp_path / "mutants.md").read_text().splitlines()
