"""Grading on a Dask cluster: `--cluster local:N` (a LocalCluster of N worker processes),
`--cluster tcp://HOST:PORT` (a running scheduler), `--cluster slurm|pbs|sge|lsf` (dask-jobqueue,
configured from Dask's own jobqueue config or a `--cluster-config FILE`).

Each hand-in is one task (grader.execute.cluster_task); each Dask worker grades with sandboxed fork servers
of its own. Workers must share with the submitting machine, at the same paths: the grader install
(same version), the staged data (`~/.cache/cnn-grader/staged`, or under `XDG_CACHE_HOME`) and the
torch hub cache (pretrained weights).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import dask
from distributed import Client, KilledWorker

from grader.contract import ChildJob, ChildReport
from grader.execute.cluster_task import (
    PLUGIN,
    GraderPlugin,
    grade_package,
    pack,
    unpack_report,
)
from grader.execute.executor import ClusterError
from grader.execute.session import EventFn

SCHEDULERS = ("slurm", "pbs", "sge", "lsf")
"""dask-jobqueue cluster kinds `--cluster` accepts."""
START_TIMEOUT = 300.0
"""Seconds to wait for the first worker of a cluster."""


class DaskExecutor:
    """Sends each job to the cluster and waits for its report (thread-safe: one per batch slot)."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.description = f"Dask cluster at {client.scheduler.address}"

    def run(self, job: ChildJob, on_event: EventFn) -> ChildReport:
        package = pack(job)
        resources = {"GPU": 1} if job.device.startswith("cuda") else None
        future = self.client.submit(grade_package, package, key=package.key, resources=resources, pure=False)
        try:
            text, tensors = future.result()
        except KilledWorker:
            raise ClusterError("the Dask workers grading this hand-in died twice (out of memory, or killed); "
                               "it was not graded") from None
        return unpack_report(text, tensors)

    def close(self) -> None:
        pass


class DaskCluster:
    """A Dask client on the cluster `--cluster` names, with the grader's plugin on every worker.
    `slots` is how many hand-ins it grades at once; `executor(slot)` is the batch's executor factory."""

    def __init__(self, where: str, *, isolation: str, workers: int, config: Path | None = None) -> None:
        self.cluster: Any = None
        # a task whose worker died is tried once more elsewhere, then reported (KilledWorker)
        with dask.config.set({"distributed.scheduler.allowed-failures": 1}):
            if where.startswith("local:"):
                from distributed import LocalCluster

                self.cluster = LocalCluster(n_workers=_count(where), threads_per_worker=1, processes=True,
                                            dashboard_address=None, host="127.0.0.1")
                self.slots = _count(where)
            elif where in SCHEDULERS:
                self.cluster = _jobqueue_cluster(where, config)
                self.cluster.scale(jobs=workers)
                self.slots = workers
            elif where.startswith(("tcp://", "tls://")):
                self.slots = 0
            else:
                raise ClusterError(f"unknown --cluster '{where}': give local:N, tcp://HOST:PORT or one of "
                                   f"{', '.join(SCHEDULERS)}")
            try:
                self.client = Client(self.cluster or where, timeout=30)
            except OSError as exc:
                self.close()
                raise ClusterError(f"cannot reach the Dask scheduler at {where}: {exc}") from None
        try:
            self.client.wait_for_workers(1, timeout=START_TIMEOUT)
        except TimeoutError:
            self.close()
            raise ClusterError(f"no Dask worker joined {where} within {START_TIMEOUT:.0f} s") from None
        self.client.register_plugin(GraderPlugin(isolation), name=PLUGIN)
        if not self.slots:
            self.slots = sum(self.client.nthreads().values())
        self.description = f"{where} ({self.slots} at a time)"

    def executor(self, slot: int) -> DaskExecutor:
        return DaskExecutor(self.client)

    def close(self) -> None:
        for thing in (getattr(self, "client", None), self.cluster):
            if thing is not None:
                thing.close()

    def __enter__(self) -> "DaskCluster":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _count(where: str) -> int:
    try:
        count = int(where.split(":", 1)[1])
    except ValueError:
        count = 0
    if count < 1:
        raise ClusterError(f"--cluster {where}: the number of workers must be a positive integer (local:2)")
    return count


def _jobqueue_cluster(kind: str, config: Path | None) -> Any:
    """A dask-jobqueue cluster of `kind`, configured by Dask's jobqueue config (updated from `config`,
    a YAML file with the same layout: `jobqueue: {slurm: {cores: 1, memory: 4GB, ...}}`)."""
    import yaml

    try:
        import dask_jobqueue
    except ImportError:
        raise ClusterError("--cluster slurm needs dask-jobqueue: pip install dask-jobqueue") from None
    if config is not None:
        try:
            loaded = yaml.safe_load(config.read_text())
        except OSError as exc:
            raise ClusterError(f"cannot read --cluster-config {config}: {exc}") from None
        except yaml.YAMLError as exc:
            where = getattr(exc, "problem_mark", None)
            raise ClusterError(f"--cluster-config {config} is not YAML" + (f" (line {where.line + 1}: "
                               f"{getattr(exc, 'problem', '')})" if where else "")) from None
        if not isinstance(loaded, dict) or not isinstance(loaded.get("jobqueue", {}).get(kind), dict):
            raise ClusterError(f"--cluster-config {config} must hold a 'jobqueue: {kind}:' section (Dask's layout)")
        dask.config.update(dask.config.config, loaded, priority="new")
    cls = getattr(dask_jobqueue, f"{kind.upper()}Cluster")
    try:
        return cls()
    except ValueError as exc:
        raise ClusterError(f"dask-jobqueue cannot start a {kind} cluster: {exc} (set it in --cluster-config FILE "
                           f"under jobqueue: {kind}:)") from None
