"""JUnit XML of a graded submission: one testcase per check, as CI systems read it."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

from grader.files import write_atomic
from grader.report import _format
from grader.results import CheckResult, Status, SubmissionResult

FAILURES = (Status.FAILED, Status.PARTIAL, Status.MISSING)
ERRORS = (Status.ERROR, Status.TIMEOUT)
SKIPPED = (Status.SKIPPED, Status.UNGRADED)
"""Written as <skipped>: not run here, or a written answer waiting for its rubric."""
NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml(text: str) -> str:
    """Text with the characters XML 1.0 cannot hold (e.g. NUL from a student's message) replaced."""
    return NOT_XML.sub("\ufffd", text)


def _seconds(seconds: float) -> str:
    return f"{seconds:.3f}"


def _outcome(testcase: ET.Element, check: CheckResult) -> None:
    """A <failure>, <error> or <skipped> child for a check that did not pass."""
    if check.status is Status.PASSED:
        return
    message = _xml(check.found or check.status.value)
    if check.status in SKIPPED:
        ET.SubElement(testcase, "skipped", message=message)
        return
    tag = "failure" if check.status in FAILURES else "error"
    element = ET.SubElement(testcase, tag, message=message, type=check.status.value)
    points = f"Points: {_format.fmt_points(check.points)} / {_format.fmt_points(check.max_points)}"
    element.text = _xml("\n".join([points, *(f"{label}: {text}" for label, text in _format.details(check))]))


def _counts(checks: tuple[CheckResult, ...]) -> dict[str, str]:
    return {
        "tests": str(len(checks)),
        "failures": str(sum(c.status in FAILURES for c in checks)),
        "errors": str(sum(c.status in ERRORS for c in checks)),
    }


def junit_xml(result: SubmissionResult) -> str:
    """The result as a JUnit XML document."""
    shown = result
    counts = _counts(shown.checks)
    time = _seconds(shown.seconds)
    skipped = str(sum(c.status in SKIPPED for c in shown.checks))
    root = ET.Element("testsuites", name="cnn-grader", time=time, **counts)  # the schema allows no skipped here
    suite = ET.SubElement(root, "testsuite", name=shown.assignment, time=time, **counts, skipped=skipped,
                          timestamp=shown.graded_at[:19])  # the schema's timestamp has no time zone
    properties = ET.SubElement(suite, "properties")
    for name, value in [("score", _format.fmt_points(shown.score)), ("max_score", _format.fmt_points(shown.max_score)),
                        ("submission", shown.submission), ("isolation", shown.isolation), ("device", shown.device)]:
        ET.SubElement(properties, "property", name=name, value=_xml(value))
    for check in shown.checks:
        testcase = ET.SubElement(suite, "testcase", classname=shown.assignment, name=_xml(check.name),
                                 time=_seconds(check.seconds))
        _outcome(testcase, check)
    lines = ([f"Submission could not be loaded: {shown.load_error}"] if shown.load_error else []) + \
        _format.how_it_ran(shown) + [f"Note: {note}" for note in shown.notes]
    if lines:
        ET.SubElement(suite, "system-out").text = _xml("\n".join(lines))
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def write_junit(result: SubmissionResult, path: Path) -> Path:
    """Write `junit_xml` to `path` (parents created, atomically) and return the path."""
    return write_atomic(path, junit_xml(result))
