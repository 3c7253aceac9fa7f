"""The typed boundary (grader.contract) and the parent's session loop, without a sandbox: every type
round-trips through its JSON, hostile payloads are refused with a reason, and the message loop driven
by a fake child (pipes the test writes to) turns whatever it sends into outcomes, never a crash or a pass."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch

from grader.contract import (
    CheckError,
    CheckJob,
    CheckOutcome,
    CheckStarted,
    ChildJob,
    ChildReport,
    ChildView,
    ContractError,
    Done,
    Hello,
    Limits,
    Loaded,
    Measured,
    Missing,
    OutcomeKind,
    Progress,
    Skipped,
    TopLevelFailure,
    decode_event,
    encode_event,
)
from grader.execute.cluster_task import unpack_report
from grader.execute.pump import pump
from grader.execute.session import Session

CHECKS = (CheckJob(id="shape", probe="output_shape", params={"batch": 4}, timeout=5.0, needs=("Net",)),
          CheckJob(id="grads", probe="gradient_flow", params={}, timeout=5.0, needs=("Net",), inputs="grads"))
JOB = ChildJob(submission_dir=Path("/submissions/alice"), main_file="solution.py", entry=("Net",), dataset="cifar10",
               input_channels=3, image_size=32, num_classes=10, checks=CHECKS, budget=30.0,
               limits=Limits(threads=1), staged_dir=Path("/data/staged"))
FAILURE = TopLevelFailure(where="line 36", source="train = CIFAR10(download=True)", exception="URLError",
                          message="no network", salvaged=True, skipped=(Skipped("line 40", "for x in y:", "loop"),),
                          not_run={"NUM_CLASSES": "line 12 (`NUM_CLASSES = len(train.classes)`)"}, ran=3)


@pytest.mark.parametrize("value", [
    JOB, ChildView(protocol=3, channel_fd=3, submission="/grading/submission/solution.py",
                   submission_dir="/grading/submission", out_dir="/grading/out", lib="/grading/lib", inputs="", job=JOB),
    ChildReport(outcomes={"shape": CheckOutcome(kind=OutcomeKind.MEASURED, data={"shape": [4, 10]}, seconds=0.5),
                          "grads": CheckOutcome(kind=OutcomeKind.TIMEOUT, message="ran out")},
                failure=FAILURE, stdout="hi", notes=["a note"], seconds=2.5, isolation="strong"),
], ids=["job", "view", "report"])
def test_every_type_round_trips_through_its_json(value) -> None:
    assert type(value).from_json(value.to_json()) == value


@pytest.mark.parametrize("event", [Hello(pid=7, torch="2.4"), FAILURE, Loaded(defined=("Net",)), CheckStarted("shape"),
                                   Progress("shape", "epoch 1"), Measured("shape", {"x": {"__tensor__": "t0"}}, "s.pt"),
                                   CheckError("shape", "boom", "Traceback"), Missing("shape", ("Net",)), Done()])
def test_every_event_round_trips_through_a_channel_line(event) -> None:
    line = encode_event(event)
    assert line.endswith(b"\n") and line.count(b"\n") == 1
    assert decode_event(line) == event


@pytest.mark.parametrize("line, why", [
    (b"not json", "not JSON"),
    (b'["start", "shape"]', "unknown event"),
    (b'{"event": "passed", "check": "shape"}', "unknown event"),
    (b'{"event": "start"}', "missing field 'check'"),
    (b'{"event": "start", "check": 5}', "start.check: expected str, found int"),
    (b'{"event": "start", "check": "shape", "points": 10}', "unknown field(s) points"),
    (b'{"event": "measured", "check": "shape", "data": "full marks"}', "measured.data: expected a dict"),
    (b'{"event": "missing", "check": "shape", "names": [1]}', "names[0]: expected str"),
    (b'{"event": "hello", "pid": true}', "hello.pid: expected int, found bool"),
    (b'{"event": "top_level_failure", "where": "x", "source": "y", "exception": "E", "message": "m", "ran": 1e999}',
     "expected int"),
])
def test_hostile_events_are_refused_with_the_reason(line: bytes, why: str) -> None:
    with pytest.raises(ContractError, match=why.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[")):
        decode_event(line)


def test_text_from_the_child_is_cut_to_size() -> None:
    event = decode_event(encode_event(Progress("shape", "x" * 10_000)))
    assert len(event.message) == 300


def test_an_outcome_kind_the_parent_does_not_know_is_refused() -> None:
    with pytest.raises(ContractError, match="unknown value 'passed'"):
        ChildReport.from_json('{"outcomes": {"shape": {"kind": "passed"}}}')


def test_a_worker_report_with_a_forged_tensor_file_is_refused(tmp_path: Path) -> None:
    report = ChildReport(outcomes={"shape": CheckOutcome(kind=OutcomeKind.MEASURED, data={"out": {"__tensor__": "t0"}})})
    forged = tmp_path / "forged.pt"
    torch.save({"t0": torch.nn.Linear(2, 2)}, forged)  # a pickled module, not a plain tensor
    with pytest.raises(Exception, match="Unsupported global|weights_only|plain tensors"):
        unpack_report(report.to_json(), forged.read_bytes())


class FakeChild:
    """A child made of pipes: the test writes its events; it 'exits' when told to."""

    def __init__(self) -> None:
        out_r, self.out_w = os.pipe()
        err_r, self.err_w = os.pipe()
        self.read_fd, self.write_fd = os.pipe()
        self.stdout, self.stderr = open(out_r, "rb", buffering=0), open(err_r, "rb", buffering=0)
        self.returncode: int | None = None
        self.clock_root = os.getpid()
        self.killed = self.server_lost = False

    def send(self, *events: object, raw: bytes = b"") -> None:
        os.write(self.write_fd, b"".join(encode_event(e) for e in events) + raw)

    def exit(self, code: int) -> None:
        self.returncode = code
        for fd in (self.out_w, self.err_w, self.write_fd):
            os.close(fd)

    def wait(self, timeout: float) -> None:
        pass

    def kill(self) -> None:
        self.killed = True


def _drive(child: FakeChild, tmp_path: Path, job: ChildJob = JOB) -> ChildReport:
    session = Session(job, lambda kind, check, message: None)
    pump(child, child.read_fd, session, tmp_path)
    return session.finish_report()


def test_the_session_turns_events_into_outcomes(tmp_path: Path) -> None:
    torch.save({"t0": torch.ones(4, 10)}, tmp_path / "shape.pt")
    child = FakeChild()
    child.send(Hello(pid=1), FAILURE, Loaded(defined=("Net",)), CheckStarted("shape"), Progress("shape", "working"),
               Measured("shape", {"output": {"__tensor__": "t0"}}, "/grading/out/shape.pt"),
               CheckStarted("grads"), CheckError("grads", "ZeroDivisionError: division by zero", "Traceback..."), Done())
    child.exit(0)
    report = _drive(child, tmp_path)
    assert torch.equal(report.outcomes["shape"].data["output"], torch.ones(4, 10))
    assert report.outcomes["grads"].kind is OutcomeKind.ERROR and "ZeroDivision" in report.outcomes["grads"].message
    assert report.failure == FAILURE and report.salvaged


@pytest.mark.parametrize("raw, why", [
    (encode_event(Measured("shape", {"score": 10})), "does not fit here"),  # measured before start
    (b'{"event": "passed", "check": "shape"}\n', "unknown event"),
    (encode_event(CheckStarted("shape")) + encode_event(Measured("shape", {"x": {"__tensor__": "t9"}})),
     "a tensor that was not sent"),
])
def test_a_child_that_breaks_the_contract_is_killed_and_scores_nothing(tmp_path: Path, raw: bytes, why: str) -> None:
    child = FakeChild()
    child.send(Hello(pid=1), Loaded(), raw=raw)
    report = _drive(child, tmp_path)
    assert child.killed
    kinds = {o.kind for o in report.outcomes.values()}
    assert kinds <= {OutcomeKind.CRASHED, OutcomeKind.NOT_RUN} and OutcomeKind.MEASURED not in kinds
    assert any(why in o.message for o in report.outcomes.values()), report.outcomes


def test_a_child_that_dies_midway_is_reported_with_its_exit(tmp_path: Path) -> None:
    child = FakeChild()
    child.send(Hello(pid=1), Loaded(), CheckStarted("shape"))
    child.exit(-9)
    report = _drive(child, tmp_path)
    assert report.outcomes["shape"].kind is OutcomeKind.CRASHED
    assert "ended by SIGKILL" in report.outcomes["shape"].message
    assert report.outcomes["grads"].kind is OutcomeKind.NOT_RUN


def test_a_check_that_never_answers_times_out_with_the_budget_named(tmp_path: Path) -> None:
    quick = ChildJob(**{**JOB.__dict__, "checks": (CheckJob(id="shape", probe="output_shape", params={},
                                                            timeout=0.3),)})
    child = FakeChild()
    child.send(Hello(pid=1), Loaded(), CheckStarted("shape"))
    report = _drive(child, tmp_path, quick)
    assert child.killed and report.outcomes["shape"].kind is OutcomeKind.TIMEOUT
    assert "the time limit for this check ran out" in report.outcomes["shape"].message


# ------------------------------------------------------------------------------- judging and scoring

def _cifar_check(probe: str = "output_shape"):
    from grader.spec import load_spec

    spec = load_spec(Path(__file__).resolve().parents[1] / "assignments" / "cifar_simplecnn" / "assignment.toml")
    return next(c for c in spec.checks if c.probe == probe)


@pytest.mark.parametrize("outcome, status", [
    (CheckOutcome(kind=OutcomeKind.ERROR, message="ZeroDivisionError"), "error"),
    (CheckOutcome(kind=OutcomeKind.TIMEOUT, message="ran out"), "timeout"),
    (CheckOutcome(kind=OutcomeKind.CRASHED, message="SIGKILL"), "error"),
    (CheckOutcome(kind=OutcomeKind.NOT_RUN, message="not run"), "error"),
    (CheckOutcome(kind=OutcomeKind.MISSING, data={"missing": ["SimpleCNN"]}), "missing"),
    (CheckOutcome(kind=OutcomeKind.MEASURE_FAILED, message="output [8, 5]"), "failed"),
    (CheckOutcome(kind=OutcomeKind.MEASURED, data={"points": 100, "passed": True}), "error"),  # malformed
], ids=lambda value: value.kind.value if isinstance(value, CheckOutcome) else value)
def test_only_a_clean_measurement_can_earn_points(outcome: CheckOutcome, status: str) -> None:
    from grader.judge.compare import verdict_for
    from grader.judge.score import check_result

    check = _cifar_check()
    verdict = verdict_for(check, outcome, expected={"outputs": []}, defined={"SimpleCNN"}, entry=("SimpleCNN",))
    result = check_result(check, verdict, seconds=0.1, timeout=30.0, output="")
    assert result.status.value == status and result.points == 0.0


def test_a_verdict_marked_as_an_error_earns_nothing_whatever_its_fraction() -> None:
    from grader.judge.score import check_result
    from grader.probes.base import Verdict
    from grader.results import Status

    result = check_result(_cifar_check(), Verdict(1.0, "x", "y", status=Status.ERROR), seconds=0, timeout=1, output="")
    assert result.status is Status.ERROR and result.points == 0.0
