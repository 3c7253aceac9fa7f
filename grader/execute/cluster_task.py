"""One submission as a Dask task, and the worker's side of it (grader.execute.cluster is the
submitting side).

A task carries one submission — the job's JSON (grader.contract), the submission's files as bytes
and the prepared tensors — and returns the child's report as the contract's JSON plus a tensor file,
which the submitting machine validates as it does a local child's. Each Dask worker keeps one
sandboxed fork server per thread (`GraderPlugin`). Tasks are keyed by their content, so the same
submission in flight is graded once; the scheduler retries a task whose worker died once, then
reports it (the batch leaves that student pending, never half-graded). The store, reports and exit
codes stay with the caller.
"""
from __future__ import annotations

import hashlib
import queue
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from distributed import WorkerPlugin, get_worker

from grader import __version__
from grader.contract import PROTOCOL, ChildJob, ChildReport
from grader.contract.tensors import (
    load_tensors,
    restore_tensors,
    split_tensors,
    tensor_bytes,
)
from grader.execute.executor import ClusterError, ForkServerChild
from grader.execute.sandbox import detect

PLUGIN = "cnn-grader"


@dataclass(frozen=True)
class JobPackage:
    """One submission as a task carries it."""

    job: str
    """ChildJob JSON (its submission_dir is replaced on the worker)."""
    files: dict[str, bytes]
    """Path relative to the submission folder → content."""
    inputs: bytes
    """torch.save bytes of the job's prepared tensors (b'' when none)."""
    version: str = __version__
    protocol: int = PROTOCOL

    @property
    def key(self) -> str:
        digest = hashlib.sha256(self.job.encode() + self.inputs)
        for name in sorted(self.files):
            digest.update(name.encode() + b"\0" + hashlib.sha256(self.files[name]).digest())
        return f"cnn-grader-{digest.hexdigest()[:32]}"


def pack(job: ChildJob) -> JobPackage:
    files = {str(p.relative_to(job.submission_dir)): p.read_bytes()
             for p in sorted(job.submission_dir.rglob("*")) if p.is_file() and not p.is_symlink()}
    return JobPackage(job=job.to_json(), files=files, inputs=tensor_bytes(job.inputs) if job.inputs else b"")


class GraderPlugin(WorkerPlugin):
    """Dask worker plugin: the worker's fork servers (one per worker thread), in a sandbox of the level the
    batch asked for, started with the worker and stopped with it."""

    name = PLUGIN

    def __init__(self, isolation: str) -> None:
        self.isolation = isolation
        self.problem = ""

    def setup(self, worker: Any) -> None:
        self.executors: queue.Queue[ForkServerChild] = queue.Queue()
        try:
            sandbox = detect(self.isolation)
        except RuntimeError as exc:
            self.problem = f"worker {worker.address}: {exc}"
            return
        for _ in range(worker.state.nthreads):
            self.executors.put(ForkServerChild(sandbox))  # each leases a user of its own

    def teardown(self, worker: Any) -> None:
        while not self.executors.empty():
            self.executors.get().close()


def grade_package(package: JobPackage) -> tuple[str, bytes]:
    """The task, on a worker: measure one submission with this worker's fork server; the report's JSON and
    its tensors."""
    if (package.version, package.protocol) != (__version__, PROTOCOL):
        raise ClusterError(f"this Dask worker runs cnn-grader {__version__} (protocol {PROTOCOL}), the batch "
                           f"{package.version} (protocol {package.protocol}): install the same version everywhere")
    plugin: GraderPlugin = get_worker().plugins[PLUGIN]
    if plugin.problem:
        raise ClusterError(plugin.problem)
    executor = plugin.executors.get()
    try:
        with tempfile.TemporaryDirectory(prefix="cnn-grader-task-") as folder:
            for name, content in package.files.items():
                path = Path(folder, name)
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(content)
            job = replace(ChildJob.from_json(package.job), submission_dir=Path(folder),
                          inputs=load_tensors(package.inputs) if package.inputs else {})
            report = executor.run(job, lambda kind, check, message: None)
    finally:
        plugin.executors.put(executor)
    tensors: dict[str, Any] = {}
    for outcome in report.outcomes.values():
        outcome.data = split_tensors(outcome.data, tensors)
    return report.to_json(), tensor_bytes(tensors) if tensors else b""


def unpack_report(text: str, tensors: bytes) -> ChildReport:
    """A report from a worker, validated like anything from a child."""
    report = ChildReport.from_json(text)
    found = load_tensors(tensors) if tensors else {}
    for outcome in report.outcomes.values():
        outcome.data = restore_tensors(outcome.data, found)
    return report
