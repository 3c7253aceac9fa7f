"""One grading child as the parent follows it: the events it sent (grader.contract), the check that
is running, the budgets that run (charged time, grader.budget) and the outcomes collected.
No processes and no I/O here: grader.execute.pump feeds it."""
from __future__ import annotations

import signal
from typing import Any, Callable

from grader.budget import ChargedClock, Mark
from grader.contract import (
    CheckError,
    CheckOutcome,
    CheckStarted,
    ChildJob,
    ChildReport,
    ContractError,
    Done,
    Event,
    Hello,
    Loaded,
    LoadError,
    Measured,
    MeasureFailed,
    Missing,
    OutcomeKind,
    Progress,
    TopLevelFailure,
)
from grader.contract.tensors import restore_tensors

SALVAGE_SECONDS = 30.0
"""Charged seconds a .py child gets, beyond its import budget, to salvage its definitions."""
EventFn = Callable[[str, str, str], None]
"""Called with ('start' | 'progress' | 'end', check id, message or outcome kind)."""


class Capture:
    """Keeps the first `limit` bytes of a stream and counts the rest."""

    def __init__(self, limit: int) -> None:
        self.limit, self.kept, self.dropped = limit, bytearray(), 0

    def add(self, chunk: bytes) -> None:
        room = max(self.limit - len(self.kept), 0)
        if room:
            self.kept += chunk[:room]
        self.dropped += max(len(chunk) - room, 0)

    def text(self, start: int = 0) -> str:
        return bytes(self.kept[start:]).decode("utf-8", "replace")


SERVER_KILLED = "the grading server was killed while the submission ran"
"""What a child's report says when its fork server died before the child was done (grader.judge.diagnose names it)."""


class Session:
    """One child being driven: its output, deadlines and collected outcomes."""

    def __init__(self, job: ChildJob, on_event: EventFn) -> None:
        self.job, self.on_event = job, on_event
        limits = job.limits
        self.stdout, self.stderr = Capture(limits.output_bytes), Capture(limits.output_bytes)
        self.report = ChildReport(outcomes={})
        self.pending = [c.id for c in job.checks]
        self.current: str | None = None
        self.clock = ChargedClock(lambda: [])
        """Replaced by the child's own clock once it runs (grader.budget: load does not count)."""
        self.started = self.current_started = self.clock.mark()
        self.current_stdout_at = 0
        self.loaded = False
        self.done = False
        self.notebook = job.main_file.endswith(".ipynb")
        self.load_timeout = limits.notebook_timeout if self.notebook else \
            max(limits.load_timeout, job.import_budget + SALVAGE_SECONDS)

    def watch(self, clock: ChargedClock) -> None:
        """Charge the budgets with `clock` from now on."""
        self.clock, self.started = clock, clock.mark()

    def _elapsed(self) -> float:
        return round(self.clock.since(self.current_started).charged, 3)

    def handle(self, event: Event, tensors: Callable[[str], dict[str, Any]]) -> None:
        """Take one event (ContractError when it does not fit where the child is)."""
        if isinstance(event, LoadError):
            self.report.load_error, self.report.load_traceback = event.message, event.traceback
        elif isinstance(event, Loaded):
            self.loaded = True
        elif isinstance(event, TopLevelFailure):
            if not self.loaded and self.report.failure is None:
                self.report.failure = event
        elif isinstance(event, CheckStarted) and event.check in self.pending and self.current is None:
            self.current, self.current_started = event.check, self.clock.mark()
            self.current_stdout_at = len(self.stdout.kept)
            self.on_event("start", event.check, "")
        elif isinstance(event, Progress) and event.check == self.current:
            self.on_event("progress", event.check, event.message)
        elif isinstance(event, (Measured, MeasureFailed, CheckError, Missing)) and event.check == self.current:
            self._finish(event.check, self._outcome(event, tensors))
        elif isinstance(event, Done):
            self.done = True
        elif not isinstance(event, Hello):
            raise ContractError(f"'{event.name}' does not fit here (running check: {self.current or 'none'})")

    def _outcome(self, event: Event, tensors: Callable[[str], dict[str, Any]]) -> CheckOutcome:
        outcome = CheckOutcome(kind=OutcomeKind(event.name), seconds=self._elapsed(),
                               output=self.stdout.text(self.current_stdout_at))
        if isinstance(event, Measured):
            try:
                outcome.data = restore_tensors(event.data, tensors(event.tensors))
            except KeyError as exc:
                raise ContractError(f"a measurement refers to a tensor that was not sent ({exc})") from None
        elif isinstance(event, MeasureFailed):
            outcome.message, outcome.hint, outcome.owner = event.found, event.hint, event.owner
        elif isinstance(event, CheckError):
            outcome.message, outcome.traceback, outcome.frames = event.message, event.traceback, event.frames
        elif isinstance(event, Missing):
            outcome.message, outcome.data = f"not defined: {', '.join(event.names)}", {"missing": list(event.names)}
        return outcome

    def _finish(self, check_id: str, outcome: CheckOutcome) -> None:
        self.report.outcomes[check_id] = outcome
        self.pending.remove(check_id)
        self.current = None
        self.on_event("end", check_id, outcome.kind.value)

    def budgets(self) -> list[tuple[Mark, float, str]]:
        """(mark it counts from, charged seconds allowed, what it is for) of every running budget."""
        running = [(self.started, self.job.budget, "the submission's total time budget")]
        if not self.loaded:
            what = "running the notebook's cells" if self.notebook else "importing the submission"
            running.append((self.started, self.load_timeout, f"the time limit for {what}"))
        elif self.current is not None:
            timeout = next(c.timeout for c in self.job.checks if c.id == self.current)
            running.append((self.current_started, timeout, "the time limit for this check"))
        return running

    def stop(self, kind: OutcomeKind, message: str) -> None:
        """The child is gone: the running check gets `kind`, the rest are not run."""
        if self.current is not None:
            self._finish(self.current, CheckOutcome(kind=kind, message=message, seconds=self._elapsed(),
                                                    output=self.stdout.text(self.current_stdout_at)))
        for check_id in list(self.pending):
            reason = f"not run: {message}" if self.loaded or self.report.load_error else message
            self.report.outcomes[check_id] = CheckOutcome(
                kind=OutcomeKind.TIMEOUT if kind is OutcomeKind.TIMEOUT else OutcomeKind.NOT_RUN, message=reason)
        self.pending.clear()

    def time_out(self, what: str, how: str) -> None:
        """The child was killed at a deadline: say which budget ran out and by how much."""
        self.stop(OutcomeKind.TIMEOUT, f"{what} ran out: {how}")
        if not self.loaded:
            self.report.load_error = (
                f"running the notebook's cells took too long ({how}); tag training cells `skip-grading` so that "
                "grading does not run them" if self.notebook else
                f"importing the submission took too long ({how}); top-level training code must be under "
                "`if __name__ == \"__main__\":`")

    def died(self, returncode: int | None, server_lost: bool = False) -> None:
        """The child ended before it said it was done. When its fork server died meanwhile (the submission can kill
        its parent process, which takes the child down a moment later), nothing it measured counts: how much it
        got through first is a race, and grading must not depend on one."""
        if server_lost:
            self.pending, self.current = [c.id for c in self.job.checks], None
            self.report.outcomes.clear()
            self.stop(OutcomeKind.CRASHED, f"{SERVER_KILLED} (did it signal its parent process?)")
            self.report.load_error = self.report.load_error or SERVER_KILLED
            return
        last_error = self.stderr.text().strip().splitlines()[-1:] or [""]
        self.stop(OutcomeKind.CRASHED, describe_exit(returncode)
                  + (f"; its last error output: {last_error[0][:200]}" if last_error[0] else ""))
        if not self.loaded and not self.report.load_error:
            self.report.load_error = describe_exit(returncode) + " while being imported"

    def finish_report(self) -> ChildReport:
        """The report, with the output kept and the time charged."""
        report = self.report
        report.stdout, report.stderr = self.stdout.text(), self.stderr.text()
        for name, cap in (("stdout", self.stdout), ("stderr", self.stderr)):
            if cap.dropped:
                report.notes.append(f"The submission wrote {cap.dropped + len(cap.kept):,} bytes to {name}; "
                                    f"only the first {len(cap.kept):,} are kept.")
        self.clock.sample()
        report.seconds = self.clock.since(self.started).charged
        return report


def describe_exit(returncode: int | None) -> str:
    if returncode is None:
        return "the grading process stopped answering"
    if returncode < 0:
        sig = signal.Signals(-returncode).name
        extra = {"SIGKILL": " (killed: most likely the memory limit or a runaway process)",
                 "SIGXCPU": " (CPU-time limit exceeded)", "SIGXFSZ": " (file-size limit exceeded)",
                 "SIGSEGV": " (crashed)"}.get(sig, "")
        return f"the grading process was ended by {sig}{extra}"
    return f"the grading process exited with code {returncode} (the submission called exit/os._exit?)"
