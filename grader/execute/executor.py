"""Where grading runs. An executor takes a job (grader.contract.ChildJob) and returns the child's
report; everything else — judging, the store, reports, exit codes — stays with the caller, so a
result is the same whichever executor measured it.

- `OneOffChild`: a new sandboxed interpreter per submission (`grader grade`).
- `ForkServerChild`: children forked by a preloaded sandboxed server (`grader batch`, one per worker).
- `grader.execute.cluster`: a Dask cluster (local processes, a scheduler address, Slurm and
  other HPC schedulers through dask-jobqueue), each Dask worker with its own fork server.
"""
from __future__ import annotations

from typing import Callable, Protocol

from grader.contract import ChildJob, ChildReport
from grader.execute.forkserver import ForkServer, ForkServerError
from grader.execute.launch import run_child
from grader.execute.sandbox import Sandbox
from grader.execute.session import EventFn
from grader.execute.uids import UidLease, leased


class Executor(Protocol):
    """Runs jobs; `run` never raises for anything a submission does (only for a failure of its own)."""

    description: str

    def run(self, job: ChildJob, on_event: EventFn) -> ChildReport: ...

    def close(self) -> None: ...


class ClusterError(RuntimeError):
    """A cluster cannot be used, or could not grade a hand-in (its workers died, or differ from the batch)."""


ExecutorFactory = Callable[[int], Executor]
"""Batch worker slot → the executor that slot grades with."""


class OneOffChild:
    """A new sandboxed interpreter per job."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self.description = "one-off children"

    def run(self, job: ChildJob, on_event: EventFn) -> ChildReport:
        sandbox, lease = leased(self.sandbox)
        try:
            return run_child(job, sandbox, on_event)
        finally:
            if lease is not None:
                lease.release()

    def close(self) -> None:
        pass


class ForkServerChild:
    """Children forked by one preloaded server (started on the first job, restarted when it breaks);
    a job the server broke down on is measured again in a one-off child. The server and its children run as a
    user leased for as long as the server lives (grader.execute.uids)."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self.server: ForkServer | None = None
        self.lease: UidLease | None = None
        self.description = "fork servers"

    def run(self, job: ChildJob, on_event: EventFn) -> ChildReport:
        if self.server is not None and not self.server.serves(job):
            self.close()
        if self.server is None:
            sandbox, self.lease = leased(self.sandbox)
            self.server = ForkServer(sandbox, device=job.device, staged_dir=job.staged_dir,
                                     torch_hub=job.torch_hub, limits=job.limits)
        try:
            return run_child(job, self.server.sandbox, on_event, server=self.server)
        except ForkServerError:
            return run_child(job, self.server.sandbox, on_event)

    def close(self) -> None:
        if self.server is not None:
            self.server.close()
            self.server = None
        if self.lease is not None:
            self.lease.release()
            self.lease = None


def local_pool(sandbox: Sandbox, *, fork_server: bool) -> ExecutorFactory:
    """The local batch pool: each slot grades in `sandbox`, as a user of its own (fork server or one-off children)."""
    def factory(slot: int) -> Executor:
        return ForkServerChild(sandbox) if fork_server else OneOffChild(sandbox)
    return factory
