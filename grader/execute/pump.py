"""The parent's message loop: read a running child's measurement channel and its output, feed the
session, and kill the child when a budget runs out or it breaks the contract."""
from __future__ import annotations

import os
import selectors
import time
from pathlib import Path
from typing import IO, Any, Protocol

from grader.contract import ContractError, OutcomeKind, decode_event
from grader.contract.tensors import load_tensors
from grader.execute.gpu import POLL_SECONDS, GpuGuard
from grader.execute.session import Session
from grader.processes import process_tree

MAX_LINE = 64 << 20
"""Largest channel message accepted (bytes)."""
READ_BYTES = 1 << 20
"""Bytes read from a child's pipe at a time."""


class ChildProcess(Protocol):
    """A running grading child as the parent drives it."""

    stdout: IO[bytes]
    stderr: IO[bytes]
    server_lost: bool
    """The fork server it was forked from died while it ran (a submission can kill its parent process)."""

    @property
    def returncode(self) -> int | None: ...

    @property
    def clock_root(self) -> int:
        """Pid whose process tree is charged for the child's time (grader.budget)."""

    def wait(self, timeout: float) -> None:
        """Wait up to `timeout` seconds for it to exit."""

    def kill(self) -> None:
        """Kill it and every process it started; close the streams."""


def pump(proc: ChildProcess, read_fd: int, session: Session, out_dir: Path, gpu: GpuGuard | None = None) -> None:
    """Read the child's streams until it is done, dies, misses a deadline, or (with `gpu`) holds more
    than its share of the GPU's memory."""
    selector = selectors.DefaultSelector()
    selector.register(proc.stdout, selectors.EVENT_READ, session.stdout)
    selector.register(proc.stderr, selectors.EVENT_READ, session.stderr)
    selector.register(read_fd, selectors.EVENT_READ, "channel")
    pending = bytearray()
    channel_open = True

    def tensors(name: str) -> dict[str, Any]:
        # The child names the file in its own view; only a file in our out dir is read.
        return load_tensors(out_dir / Path(name).name) if name else {}

    while channel_open and not session.done:
        session.clock.sample()
        wait = 1.0
        for mark, budget, what in session.budgets():
            charge = session.clock.since(mark)
            if charge.over(budget):
                proc.kill()
                session.time_out(what, charge.describe(budget))
                return
            wait = min(wait, charge.remaining(budget))
        if gpu is not None:
            if gpu.due():
                reason = gpu.poll(process_tree(proc.clock_root))
                session.report.gpu_contended |= gpu.contended
                if reason:
                    proc.kill()
                    session.stop(OutcomeKind.CRASHED, reason)
                    return
            wait = min(wait, POLL_SECONDS)
        for key, _ in selector.select(timeout=max(wait, 0.01)):
            chunk = os.read(key.fd if key.data == "channel" else key.fileobj.fileno(), READ_BYTES)
            if key.data != "channel":
                if chunk:
                    key.data.add(chunk)
                else:
                    selector.unregister(key.fileobj)
                continue
            if not chunk:
                channel_open = False
                break
            pending += chunk
            if len(pending) > MAX_LINE:
                proc.kill()
                session.stop(OutcomeKind.CRASHED, "the grading process sent an oversized message (tampering?)")
                return
            while b"\n" in pending:
                line, _, rest = bytes(pending).partition(b"\n")
                pending = bytearray(rest)
                try:
                    session.handle(decode_event(line), tensors)
                except (ContractError, ValueError, OSError, RuntimeError) as exc:
                    proc.kill()
                    session.stop(OutcomeKind.CRASHED, f"the grader could not read the measurement ({str(exc)[:160]}); "
                                                      "did the submission tamper with torch or the grader's pipes?")
                    return
    _drain(proc, selector, seconds=1.0 if session.done else 5.0)
    if gpu is not None:  # a neighbour's hog may have been stopped after this child's last look
        gpu.poll(set())
        session.report.gpu_contended |= gpu.contended
    if not session.done:
        session.died(proc.returncode, server_lost=proc.server_lost)
    selector.close()


def _drain(proc: ChildProcess, selector: selectors.BaseSelector, seconds: float) -> None:
    """After the channel closes: collect remaining output and the exit status (bounded)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end and any(k.data != "channel" for k in selector.get_map().values()):
        for key, _ in selector.select(timeout=0.2):
            if key.data == "channel":
                selector.unregister(key.fileobj)
                continue
            chunk = os.read(key.fileobj.fileno(), READ_BYTES)
            if chunk:
                key.data.add(chunk)
            else:
                selector.unregister(key.fileobj)
    proc.wait(max(0.1, end - time.monotonic()))
    if proc.returncode is None:
        proc.kill()
