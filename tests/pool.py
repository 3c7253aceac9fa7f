"""One sandboxed fork-server pool for the whole test session: the tests that only grade a hand-in get from it what
`grader grade --out` writes (the same `api.grade_with`, the same sandbox, the same report files), without starting
a new interpreter that imports torch, and a one-off child that imports it again, for every grading (6 s against
0.2 s on this project's 2-core machine). The tests of the command line itself run `grader` (conftest.run_cli).

A server kept between tests holds processes of its own: `idle_pids` says which (each server as it stood idle),
so that a leak check still sees every process a hand-in left behind."""
from __future__ import annotations

import json
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from grader import api
from grader.contract import Limits
from grader.execute.executor import ForkServerChild
from grader.policy import HiddenPolicy
from grader.processes import process_tree
from grader.report.formats import write_submission
from grader.spec.catalog import find_assignment

KEPT = 3
"""Servers kept at once (each holds torch in memory); the least recently used one is stopped."""


@dataclass(frozen=True)
class Options:
    """What `grader grade` options a test passes (the ones the pool understands)."""

    only: tuple[str, ...] = ()
    isolation: str = "strong"
    cell_timeout: float = Limits.cell_timeout

    @classmethod
    def parse(cls, extra: tuple[str, ...]) -> Options:
        values = dict(zip(extra[::2], extra[1::2]))
        unknown = set(values) - {"--only", "--isolation", "--cell-timeout"}
        if unknown or len(extra) % 2:
            raise ValueError(f"the pool does not take {sorted(unknown) or extra}: use conftest.run_cli")
        return cls(tuple(filter(None, values.get("--only", "").split(","))), values.get("--isolation", "strong"),
                   float(values.get("--cell-timeout", Limits.cell_timeout)))


class GradingPool:
    def __init__(self) -> None:
        self._servers: OrderedDict[tuple, ForkServerChild] = OrderedDict()
        self._idle: dict[tuple, set[int]] = {}

    def grade(self, assignment: str, submission: Path, out: Path, *extra: str, data_root: Path | None = None
              ) -> tuple[dict, str]:
        """Grade as `grader grade ASSIGNMENT SUBMISSION --out OUT EXTRA...` does: the results.json and report.html
        it writes into `out`, returned as (results as JSON data, report HTML)."""
        options = Options.parse(extra)
        grading = api.prepare_grading(find_assignment(assignment), api.GradeOptions(
            data_root=data_root, isolation=options.isolation, only=options.only,
            limits=Limits(cell_timeout=options.cell_timeout)))
        key = (grading.sandbox, grading.device, str(grading.staged.directory if grading.staged else ""),
               options.cell_timeout)
        server = self._server(key, grading)
        result = api.grade_with(grading, submission, executor=server)
        self._remember_idle(key, server)
        written = write_submission(HiddenPolicy.ALL.apply(result), out)
        return json.loads(written["results"].read_text()), written["html"].read_text()

    def _server(self, key: tuple, grading: api.Grading) -> ForkServerChild:
        if key in self._servers:
            self._servers.move_to_end(key)
            return self._servers[key]
        if len(self._servers) >= KEPT:
            old, server = self._servers.popitem(last=False)
            server.close()
            self._idle.pop(old, None)
        self._servers[key] = ForkServerChild(grading.sandbox)
        return self._servers[key]

    def _remember_idle(self, key: tuple, server: ForkServerChild) -> None:
        """The server's own processes, right after a grading: the server itself, nothing a hand-in started
        (every child's processes are killed when it ends)."""
        proc = server.server.proc if server.server is not None else None
        self._idle[key] = set(process_tree(proc.pid)) if proc is not None and proc.poll() is None else set()

    def idle_pids(self) -> set[int]:
        return set().union(*self._idle.values()) if self._idle else set()

    def close(self) -> None:
        for server in self._servers.values():
            server.close()
        self._servers.clear()
        self._idle.clear()


POOL = GradingPool()
