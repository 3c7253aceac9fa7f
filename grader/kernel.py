"""Notebook submissions, inside the isolated child: execute the notebook in a real IPython kernel
(nbclient, IPC transport, so no network is needed), then run the probes *in that kernel* on the
notebook's namespace. The kernel writes its events as JSON lines to a FIFO; the driver relays them
to the parent's channel, and relays printed output to its own stdout/stderr, which the parent
captures as for a `.py` submission.

Cells are run in order, as Jupyter's "Run All" does: tagged `skip-grading` cells are skipped, a
cell that raises or runs past the per-cell limit stops execution, and checks whose names were never
defined are reported as errors caused by that cell.
"""
from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path
from typing import Any

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def _plain(text: str) -> str:
    return _ANSI.sub("", text)


def _client_class() -> type:
    """NotebookClient subclass, built lazily so `.py` grading never imports nbclient."""
    from nbclient import NotebookClient

    class RelayingClient(NotebookClient):
        """Writes what the notebook prints to our own stdout/stderr as it arrives."""

        def output(self, outs: list, msg: dict[str, Any], display_id: str | None, cell_index: int) -> Any:
            if msg["msg_type"] == "stream":
                content = msg["content"]
                stream = sys.stderr if content.get("name") == "stderr" else sys.stdout
                stream.write(content.get("text", ""))
                stream.flush()
                return None
            return super().output(outs, msg, display_id, cell_index)

    return RelayingClient


def _relay_events(fifo: Path, channel: Any, failure: dict[str, Any]) -> None:
    """Forward the kernel's events to the parent; a check whose names were never defined because
    a cell failed becomes an error that names that cell."""
    with open(fifo, encoding="utf-8") as events:
        for line in events:
            try:
                event = json.loads(line)
                name = event.pop("event")
            except (ValueError, TypeError, KeyError, AttributeError):
                continue  # not ours; the parent notices missing results
            if name == "missing" and failure:
                name, event = "error", {
                    "check": event.get("check"),
                    "message": f"{', '.join(map(str, event.get('names', [])))} never got defined because "
                               f"{failure['summary']}",
                    "traceback": failure["traceback"]}
            channel.send(name, **event)


def _failure(number: int, source: str, ename: str, evalue: str, traceback: str) -> dict[str, Any]:
    from grader.notebook import first_line

    where = f"cell {number} (`{first_line(source)}`)"
    return {"cell": number, "first_line": first_line(source), "error": f"{ename}: {evalue}".strip(": "),
            "summary": f"{where} raised {ename}: {evalue}" if evalue else f"{where} raised {ename}",
            "traceback": traceback}


def _interrupt(client: Any, attempts: int = 50) -> None:
    """Interrupt the running cell and wait until the kernel runs code again (a kernel aborts the
    requests that queued up behind a failed cell)."""
    import time

    import nbformat
    from jupyter_core.utils import run_sync

    from nbclient.exceptions import CellTimeoutError

    run_sync(client.km.interrupt_kernel)()
    probe = nbformat.v4.new_code_cell("'cnn-grader: ready'")
    timeout, client.timeout = client.timeout, 5
    try:
        for _ in range(attempts):
            client.execute_cell(probe, 0)
            if probe.outputs:
                return
            time.sleep(0.1)
    except CellTimeoutError:
        pass  # the cell ignores interrupts: the checks will run into their own deadlines
    finally:
        client.timeout = timeout


def _run_cells(client: Any, notebook: Any, cell_timeout: float) -> dict[str, Any]:
    """Execute the graded cells in order; the failure that stopped execution ({} if none)."""
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    from grader.notebook import graded_cells

    for number, cell in graded_cells(notebook):
        try:
            client.execute_cell(cell, number - 1)
        except CellExecutionError as exc:
            traceback = "\n".join(_plain(line) for out in cell.outputs if out.get("output_type") == "error"
                                  for line in out.get("traceback", []))
            return _failure(number, cell.source, exc.ename, _plain(str(exc.evalue)), traceback)
        except CellTimeoutError:
            _interrupt(client)
            return _failure(number, cell.source, "TimeoutError",
                            f"the cell ran longer than the {cell_timeout:.0f} s per-cell limit and was interrupted "
                            f"(tag long training cells `skip-grading`)", "")
        except DeadKernelError:
            failure = _failure(number, cell.source, "DeadKernelError",
                               "the kernel died (out of memory, or the cell called exit?)", "")
            failure["dead"] = True
            return failure
    return {}


def _kernel_env(job: dict[str, Any], runtime: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": job["lib"], "JUPYTER_RUNTIME_DIR": str(runtime),
            "IPYTHONDIR": str(runtime.parent / ".ipython"), "JUPYTER_PLATFORM_DIRS": "1"}


def grade_notebook(job: dict[str, Any], job_path: str, channel: Any) -> None:
    """Execute the notebook, report how far it got, then run the checks in its kernel."""
    import tempfile
    import threading

    import nbformat
    from jupyter_client.manager import AsyncKernelManager

    notebook = nbformat.read(job["submission"], as_version=4)
    runtime = Path(os.environ.get("HOME", "/tmp")) / ".jupyter-runtime"
    runtime.mkdir(parents=True, exist_ok=True)
    manager = AsyncKernelManager(kernel_name="python3", transport="ipc", ip=str(runtime / "kernel-ipc"))
    client = _client_class()(notebook, km=manager, timeout=job["cell_timeout"], kernel_name="python3",
                             resources={"metadata": {"path": os.getcwd()}})
    with client.setup_kernel(env=_kernel_env(job, runtime), cwd=os.getcwd()):
        failure = _run_cells(client, notebook, job["cell_timeout"])
        if failure:
            channel.send("cell_error", **{k: v for k, v in failure.items() if k != "dead"})
            print(f"\n[grader] {failure['summary']}\n{failure['traceback']}", file=sys.stderr, flush=True)
        if failure.get("dead"):
            channel.send("load_error", message=f"the notebook's kernel died: {failure['summary']}", traceback="")
            return
        channel.send("loaded", defined=[])
        fifo = Path(tempfile.mkdtemp(prefix="cnn-grader-events-")) / "events"
        os.mkfifo(fifo, 0o600)
        relay = threading.Thread(target=_relay_events, args=(fifo, channel, failure), daemon=True)
        relay.start()
        client.timeout = None  # each check has its own deadline, enforced by the parent
        grading = nbformat.v4.new_code_cell(
            f"import grader.kernel as _cnn_grader_kernel\n_cnn_grader_kernel.run_checks({job_path!r}, {str(fifo)!r})")
        notebook.cells.append(grading)
        try:
            client.execute_cell(grading, len(notebook.cells) - 1)
        except Exception as exc:  # noqa: BLE001 - the checks already reported what they could
            print(f"[grader] the grading cell stopped: {type(exc).__name__}: {_plain(str(exc))[:500]}",
                  file=sys.stderr, flush=True)
        relay.join(timeout=5)


class _FifoChannel:
    """The kernel side of the channel: JSON lines into the driver's FIFO."""

    def __init__(self, path: str) -> None:
        self._file, self._dumps = open(path, "w", encoding="utf-8"), json.dumps

    def send(self, event: str, **fields: Any) -> None:
        self._file.write(self._dumps({"event": event, **fields}, default=str) + "\n")
        self._file.flush()

    def close(self) -> None:
        self._file.close()


def run_checks(job_path: str, fifo: str) -> None:
    """Runs inside the student's kernel: every check's measure half on the kernel's namespace."""
    import torch
    from IPython import get_ipython

    from grader.worker import run_check

    job = json.loads(Path(job_path).read_text())
    torch.set_num_threads(job["threads"])
    channel, namespace = _FifoChannel(fifo), get_ipython().user_ns
    try:
        for check in job["checks"]:
            run_check(channel, check, job, namespace, torch.save, torch.load)
    finally:
        channel.close()
