"""The files CI systems and Gradescope read, validated against their schemas (tests/schemas/): JUnit XML
against the Jenkins xUnit plugin's junit-10.xsd, results.json against Gradescope's documented fields."""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
import xmlschema
from conftest import SUBMISSIONS, grade, run_cli

from grader.policy import HiddenPolicy
from grader.report.gradescope import gradescope_results
from grader.report.junit import junit_xml
from grader.results import CheckResult, Status, SubmissionResult

SCHEMAS = Path(__file__).parent / "schemas"
JUNIT_XSD = xmlschema.XMLSchema(SCHEMAS / "junit-10.xsd")
RESULTS_SCHEMA = jsonschema.Draft202012Validator(
    json.loads((SCHEMAS / "gradescope-results.schema.json").read_text(encoding="utf-8")))
CHECKS = "output_shape,architecture,layer_shapes,gradient_flow,reference_gradients"  # the last one is hidden
HIDDEN_NAME = "Same outputs and gradients as the reference"
CIFAR = SUBMISSIONS / "cifar_simplecnn"


def _strict_json(text: str) -> dict:
    """JSON as Gradescope parses it: NaN and Infinity are not JSON."""
    def refuse(constant: str) -> None:
        raise ValueError(f"{constant} is not JSON")
    return json.loads(text, parse_constant=refuse)


def junit_errors(xml: str) -> list[str]:
    return [f"{error.path}: {error.reason}" for error in JUNIT_XSD.iter_errors(xml)]


def results_errors(data: dict) -> list[str]:
    return [f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
            for error in RESULTS_SCHEMA.iter_errors(data)]


@pytest.mark.parametrize("submission, hidden, tests, failures, errors, score", [
    ("correct_attributes.py", "names", 5, 0, 0, 8),
    ("wrong_in_channels.py", "names", 5, 4, 1, 0),
    ("wrong_in_channels.py", "hide", 4, 3, 1, 0),
    ("syntax_error.py", "names", 5, 0, 5, 0),  # crashes at import
])
def test_ci_outputs_match_the_schemas(tmp_path: Path, submission: str, hidden: str, tests: int, failures: int,
                                      errors: int, score: float) -> None:
    junit, results = tmp_path / "junit.xml", tmp_path / "results.json"
    proc = run_cli("ci", "--assignment", "cifar_simplecnn", "--submission", str(CIFAR / submission),
                   "--only", CHECKS, "--hidden", hidden, "--junit", str(junit), "--results", str(results))
    assert proc.returncode == 0, proc.stderr[-3000:]

    xml = junit.read_text(encoding="utf-8")
    assert junit_errors(xml) == []
    suite = ET.fromstring(xml).find("testsuite")
    assert [suite.get(k) for k in ("tests", "failures", "errors", "skipped")] == [str(tests), str(failures),
                                                                                 str(errors), "0"]
    data = _strict_json(results.read_text(encoding="utf-8"))
    assert results_errors(data) == []
    assert data["score"] == score and len(data["tests"]) == tests
    names = [case.get("name") for case in suite.iter("testcase")]
    assert (HIDDEN_NAME in names) == (hidden == "names")
    if submission == "syntax_error.py":
        assert "could not be loaded: " in suite.find("system-out").text and "could not be loaded" in data["output"]


def test_grade_results_json_matches_the_schema(tmp_path: Path) -> None:
    graded = grade("cifar_simplecnn", CIFAR / "wrong_in_channels.py", tmp_path, "--only", CHECKS)
    assert results_errors(graded.results) == []
    assert graded.statuses() == {"output_shape": "failed", "architecture": "failed", "layer_shapes": "failed",
                                 "gradient_flow": "error", "reference_gradients": "failed"}
    hidden = [t["visibility"] for t in graded.results["tests"] if t["name"] == HIDDEN_NAME]
    assert hidden == ["after_published"]


@pytest.fixture(scope="module")
def every_status() -> SubmissionResult:
    """One check per status, a hidden one, and text XML 1.0 cannot hold."""
    checks = tuple(
        CheckResult(status.value, f"Check {status.value}", "call", status, 1 if status is Status.PASSED else 0, 1,
                    hidden=status is Status.FAILED, expected="x", found=f"found\x00{status.value}\x1b[31m",
                    hint="h", seconds=0.25)
        for status in Status)
    return SubmissionResult("demo", "Demo", "demo.py", checks, "basic", "cpu", 3.5, 300.0,
                            load_error="SyntaxError\x00", notes=("a note\x07",), seeds={"init": 0},
                            graded_at="2026-01-01T12:00:00+00:00", grader_version="0")


@pytest.mark.parametrize("hidden", ["names", "hide"])
def test_every_status_in_junit_matches_the_schema(every_status: SubmissionResult, hidden: str) -> None:
    xml = junit_xml(HiddenPolicy(hidden).apply(every_status))
    assert junit_errors(xml) == []
    suite = ET.fromstring(xml).find("testsuite")
    assert suite.get("skipped") == str(len(suite.findall("testcase/skipped"))) == "2"  # skipped and ungraded
    assert suite.find("system-out") is not None


@pytest.mark.parametrize("policy", list(HiddenPolicy))
def test_every_status_in_results_json_matches_the_schema(every_status: SubmissionResult, policy: HiddenPolicy) -> None:
    data = _strict_json(json.dumps(gradescope_results(policy.apply(every_status))))
    assert results_errors(data) == []


def test_the_junit_schema_bites(every_status: SubmissionResult) -> None:
    root = ET.fromstring(junit_xml(every_status))
    del root.find("testsuite/testcase").attrib["name"]
    assert any("'name'" in e for e in junit_errors(ET.tostring(root, encoding="unicode")))
    root = ET.fromstring(junit_xml(every_status))
    root.set("skipped", "1")  # the attribute junit.py once wrote on <testsuites>
    assert any("'skipped'" in e for e in junit_errors(ET.tostring(root, encoding="unicode")))


@pytest.mark.parametrize("change, where", [
    (lambda d: d["tests"][0].update(status="ok"), "tests/0/status"),
    (lambda d: d["tests"][0].update(visibility="private"), "tests/0/visibility"),
    (lambda d: d["tests"][0].update(number=1), "tests/0/number"),
    (lambda d: d["tests"][0].update(points=1), "tests/0"),
    (lambda d: d.update(output_format="markdown"), "output_format"),
    (lambda d: d.update(leaderboard=[{"name": "Accuracy"}]), "leaderboard/0"),
    (lambda d: [d.pop("score"), d["tests"][0].pop("score")], ""),  # a score on the top or on every test
])
def test_the_results_schema_bites(every_status: SubmissionResult, change, where: str) -> None:
    data = gradescope_results(every_status)
    change(data)
    assert [e.split(":")[0] for e in results_errors(data)] == [where]
