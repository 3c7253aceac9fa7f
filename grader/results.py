"""The data model of a grading run: statuses, one result per check, one per submission.

Formatting (HTML, Gradescope JSON, terminal tables) lives in `grader.report`, never here.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import Enum


def now() -> str:
    """The time of a result, an export or an audit row: UTC, ISO 8601, to the second."""
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def message_line(message: str) -> str:
    """The first line of an exception's message, to quote in a sentence: without a colon at its end (torchvision's
    "Error downloading train-images-idx3-ubyte.gz:" above the URLs it tried), which would dangle there."""
    lines = message.strip().splitlines()
    return lines[0].rstrip(": \t") if lines else ""


class Status(str, Enum):
    """Outcome of one check."""

    PASSED = "passed"      # full points
    PARTIAL = "partial"    # some points (partial credit rules in grader.judge.score)
    FAILED = "failed"      # ran, measured, wrong
    ERROR = "error"        # the submission raised, or its measurement was unreadable
    TIMEOUT = "timeout"    # stopped at a deadline (or not reached because of one)
    MISSING = "missing"    # the entry point the check needs is not defined
    SKIPPED = "skipped"    # not run by choice or for lack of a resource (e.g. pretrained weights)
    UNGRADED = "ungraded"  # a written answer waiting for the instructor's rubric (grader serve)

    @classmethod
    def earned(cls, fraction: float) -> "Status":
        """The status of a check that earned `fraction` of its points: the one rule from points to status."""
        return cls.PASSED if fraction >= 1.0 else cls.PARTIAL if fraction > 0 else cls.FAILED


class Isolation(str, Enum):
    """How strongly student code is kept from the grader's machine: the levels one may ask for (strong, auto,
    basic) and the one a result records (strong, basic, or none for answers read as text, never run)."""

    STRONG = "strong"  # bubblewrap namespaces: no reference solutions, specs, test labels or network
    AUTO = "auto"      # a request only: strong where the machine allows it, else basic
    BASIC = "basic"    # process group, limits and a scrubbed environment; NOT sandboxed from files or network
    NONE = "none"      # nothing ran (a written assignment's answers are read as text)

    @classmethod
    def requests(cls) -> tuple[str, ...]:
        """The levels a user may ask for."""
        return (cls.STRONG.value, cls.AUTO.value, cls.BASIC.value)


class Kind(str, Enum):
    """What an assignment asks for: code the grader runs, or prose graded by hand against a rubric."""

    CODE = "code"
    WRITTEN = "written"


class RunStatus(str, Enum):
    """How the submission's own top-level code ran."""

    AS_HANDED_IN = "ran as handed in"
    SALVAGED = "salvaged"          # its top-level code failed; its definitions were graded without it
    STOPPED = "stopped at an error"  # a notebook cell failed; what ran before it was graded (salvage off)
    NOT_LOADED = "could not be loaded"


@dataclass(frozen=True)
class Diagnosis:
    """One root cause of a failure, with a one-line fix (grader.judge.diagnose)."""

    cause: str
    """A `grader.judge.diagnose.Cause` value, e.g. 'no network'."""
    summary: str
    """What happened and where, e.g. "line 36 (`trainset = ...`) raised URLError: the grader has no network"."""
    fix: str


@dataclass(frozen=True)
class Lateness:
    """How late a hand-in came (grader.policy.lateness), and what it costs."""

    days: int
    """Started days after the due date (1 for a minute late)."""
    penalty: float
    """Fraction of the score taken off, 0..1."""

    def describe(self) -> str:
        return f"{self.days} day{'s' if self.days != 1 else ''}, -{self.penalty:.0%}"


@dataclass(frozen=True)
class RunInfo:
    """How the file ran, shown before any check."""

    status: RunStatus = RunStatus.AS_HANDED_IN
    summary: str = ""
    """What happened, in a sentence or two ('' when the file ran as handed in)."""
    not_run: tuple[str, ...] = ()
    """The top-level statements that did not run, each 'line 40 (`for ...`): why'."""
    diagnoses: tuple[Diagnosis, ...] = ()
    salvage_seconds: float = 0.0
    """Time salvaging the definitions took in the child (0 when it did not salvage)."""


@dataclass(frozen=True)
class Figure:
    """An image shown in the report next to a check."""

    title: str
    """Caption shown under the image."""
    png: bytes
    """PNG bytes; reports embed them as data URIs."""


@dataclass(frozen=True)
class CheckResult:
    """The judged result of one `[[check]]` of a spec."""

    check_id: str
    """Stable id from the spec (unique within an assignment)."""
    name: str
    """Human title of the check."""
    probe: str
    """Probe that measured it."""
    status: Status
    points: float
    """Points awarded."""
    max_points: float
    hidden: bool
    """Hidden checks are not shown to students before the deadline."""
    expected: str = ""
    """What was expected, in words a student understands."""
    found: str = ""
    """What the submission produced."""
    hint: str = ""
    """A cheap hint towards the fix; empty when none applies."""
    seconds: float = 0.0
    """Time charged to the check in the child (grader.budget)."""
    timeout: float = 0.0
    """The check's time budget in seconds."""
    output: str = ""
    """Output the submission printed while this check ran (cut)."""
    figures: tuple[Figure, ...] = ()
    traceback: str = ""
    """The last frames of the student's own code that raised, innermost last ('' when none)."""


@dataclass(frozen=True)
class SubmissionResult:
    """Everything known about one graded submission."""

    assignment: str
    title: str
    submission: str
    """Display name of the submission (file or folder name)."""
    checks: tuple[CheckResult, ...]
    isolation: str
    """How the child was isolated, in a line for reports, e.g. 'strong: bubblewrap ...' or 'basic: ...'."""
    device: str
    """Device the child used, e.g. 'cpu' or 'cuda (NVIDIA H100)'."""
    seconds: float
    """Total time charged to grading: wall-clock time less the time spent waiting for a CPU (grader.budget)."""
    budget: float
    """The whole-submission time budget in seconds."""
    stdout: str = ""
    """Everything the submission printed (cut at the capture limit)."""
    stderr: str = ""
    load_error: str = ""
    """Why the submission could not be loaded, if it could not (syntax error, crash at import)."""
    notes: tuple[str, ...] = ()
    """Grader notices for the reader (e.g. output truncated, pretrained weights missing)."""
    ran: RunInfo = RunInfo()
    """How the submission's top-level code ran, and the root causes of what failed."""
    seeds: dict[str, int] = field(default_factory=dict)
    """Seeds used, by purpose, so that a run can be repeated."""
    graded_at: str = ""
    """ISO-8601 timestamp."""
    grader_version: str = ""
    isolation_level: Isolation = Isolation.STRONG
    """The isolation level of `isolation`, which reports read (the grader always sets it)."""
    late: Lateness | None = None
    """Set when the hand-in came after its due date: the score is its checks' points less the penalty."""

    @property
    def unsandboxed(self) -> bool:
        """Student code ran without the sandbox (the reports say so first)."""
        return self.isolation_level is Isolation.BASIC

    @property
    def score(self) -> float:
        """The checks' points, less the late penalty when there is one."""
        return round(self.earned * (1 - self.late.penalty), 4) if self.late else self.earned

    @property
    def earned(self) -> float:
        """The checks' points, before any late penalty."""
        return round(sum(c.points for c in self.checks), 4)

    @property
    def max_score(self) -> float:
        """Points of every check that could run here (SKIPPED checks count for nothing)."""
        return round(sum(c.max_points for c in self.checks if c.status is not Status.SKIPPED), 4)

    @property
    def fraction(self) -> float:
        return self.score / self.max_score if self.max_score else 0.0


# ------------------------------------------------------------------------------------ JSON

def result_to_dict(result: SubmissionResult) -> dict:
    """Every field of `result` as JSON-able data (figures as base64 PNG); `result_from_dict` inverts it."""
    import base64
    from dataclasses import asdict

    data = asdict(result)
    data["ran"]["status"] = result.ran.status.value
    data["isolation_level"] = result.isolation_level.value
    for check, original in zip(data["checks"], result.checks):
        check["status"] = original.status.value
        check["figures"] = [{"title": f.title, "png": base64.b64encode(f.png).decode("ascii")}
                            for f in original.figures]
    return data


def result_from_dict(data: dict) -> SubmissionResult:
    """The `SubmissionResult` that `result_to_dict` wrote."""
    import base64

    checks = tuple(
        CheckResult(**{**c, "status": Status(c["status"]),
                       "figures": tuple(Figure(f["title"], base64.b64decode(f["png"])) for f in c["figures"])})
        for c in data["checks"])
    ran = data.get("ran") or {}
    run_info = RunInfo(status=RunStatus(ran.get("status", RunStatus.AS_HANDED_IN.value)), summary=ran.get("summary", ""),
                       not_run=tuple(ran.get("not_run", ())), salvage_seconds=ran.get("salvage_seconds", 0.0),
                       diagnoses=tuple(Diagnosis(**d) for d in ran.get("diagnoses", ())))
    # a result stored before `isolation_level` was recorded: its description starts with the level's name
    level = data.get("isolation_level") or (Isolation.BASIC if data["isolation"].strip().lower().startswith("basic")
                                            else Isolation.STRONG)
    late = Lateness(**data["late"]) if data.get("late") else None
    return SubmissionResult(**{**data, "checks": checks, "notes": tuple(data["notes"]), "ran": run_info,
                               "isolation_level": Isolation(level), "late": late})


# ------------------------------------------------------------------------------------ a class

@dataclass(frozen=True)
class Student:
    """One student of a class, as a roster or an LMS export names them."""

    id: str
    """Stable key: the LMS user id (Canvas `ID`) when known, else the name the files carry."""
    name: str
    """Display name."""
    sis_id: str = ""
    login: str = ""
    section: str = ""


@dataclass(frozen=True)
class SimilarPair:
    """Two submissions whose code is near-identical once names, comments and layout are normalised."""

    first: str
    """Student id."""
    second: str
    similarity: float
    """0..1 (1: identical after normalisation)."""
    detail: str = ""
    """One line for the reviewer, e.g. which functions match."""


class EntryStatus(str, Enum):
    """What happened to one student in a batch."""

    GRADED = "graded"
    LOAD_ERROR = "load error"        # graded, but the submission could not be loaded (0 points)
    NOT_SUBMITTED = "not submitted"  # on the roster, nothing handed in
    PENDING = "pending"              # not graded yet (interrupted, or the grader itself failed on it)


@dataclass(frozen=True)
class ClassEntry:
    """One row of the gradebook."""

    student: Student
    status: EntryStatus
    result: SubmissionResult | None = None
    source: str = ""
    """Where the hand-in was found in the batch input (relative path), for the instructor."""
    message: str = ""
    """Why it was not graded, or the first line of its load error."""
    report: str = ""
    """Path of the student's report.html relative to the batch output folder ('' if none)."""
    content_hash: str = ""
    handin: str = ""
    """Absolute path of what was graded (a file or folder; under the output folder for archives), to regrade it."""


@dataclass(frozen=True)
class ClassResult:
    """A whole batch: every student, and what the instructor should look at."""

    assignment: str
    title: str
    checks: tuple[tuple[str, str, float, bool], ...]
    """(id, name, points, hidden) of every check of the spec, in spec order."""
    entries: tuple[ClassEntry, ...]
    unknown: tuple[str, ...] = ()
    """Files in the input that are not submissions, each with why."""
    unmatched: tuple[str, ...] = ()
    """Hand-ins (graded) whose student id is not on the roster, each with why."""
    refused: tuple[str, ...] = ()
    """Archive entries refused as unsafe, each with why."""
    similar: tuple[SimilarPair, ...] = ()
    seconds: float = 0.0
    """Wall-clock time of the run that produced this."""
    jobs: int = 1
    isolation: str = ""
    spec_digest: str = ""
    generated_at: str = ""
    kind: Kind = Kind.CODE
    """Code (autograded) or written (answers graded by hand in `grader serve`)."""

    @property
    def graded(self) -> tuple[ClassEntry, ...]:
        return tuple(e for e in self.entries if e.result is not None)

    @property
    def unsandboxed(self) -> bool:
        """Some hand-in's code ran without the sandbox."""
        return any(e.result.unsandboxed for e in self.graded)


def class_to_dict(result: ClassResult) -> dict:
    """A whole batch as JSON-able data (each result as `result_to_dict` writes it); `class_from_dict` inverts it."""
    from dataclasses import asdict

    data = asdict(result)
    data["entries"] = [{**asdict(e), "status": e.status.value, "result": result_to_dict(e.result) if e.result else None}
                       for e in result.entries]
    return data


def class_from_dict(data: dict) -> ClassResult:
    """The `ClassResult` that `class_to_dict` wrote."""
    entries = tuple(ClassEntry(**{**e, "student": Student(**e["student"]), "status": EntryStatus(e["status"]),
                                  "result": result_from_dict(e["result"]) if e["result"] else None})
                    for e in data["entries"])
    # a class.json written before `kind` was recorded: a written batch is the one whose checks are rubric answers
    kind = data.get("kind") or (Kind.WRITTEN if any(c.probe == "rubric" for e in entries if e.result
                                                    for c in e.result.checks) else Kind.CODE)
    return ClassResult(**{**data, "checks": tuple(tuple(c) for c in data["checks"]), "entries": entries,
                          "unknown": tuple(data["unknown"]), "unmatched": tuple(data["unmatched"]),
                          "refused": tuple(data["refused"]), "kind": Kind(kind),
                          "similar": tuple(SimilarPair(**s) for s in data["similar"])})
