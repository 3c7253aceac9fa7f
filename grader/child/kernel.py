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

from grader.contract import (
    ChildView,
    ContractError,
    Event,
    Loaded,
    LoadError,
    TopLevelFailure,
    decode_event,
    encode_event,
)

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


def _relay_events(fifo: Path, channel: Any) -> None:
    """Forward the kernel's events to the parent (which validates them as it does a .py child's)."""
    with open(fifo, encoding="utf-8") as events:
        for line in events:
            try:
                event = decode_event(line)
            except ContractError:
                continue  # not ours; the parent notices missing results
            channel.send(event)


def _failure(number: int, source: str, ename: str, evalue: str, traceback: str, budget: bool = False) -> dict[str, Any]:
    """A failed cell, in the fields of the parent's TopLevelFailure."""
    from grader.submission.notebook import first_line

    return {"cell": number, "where": f"cell {number}", "source": first_line(source), "exception": ename,
            "message": evalue, "traceback": traceback, "budget": budget}


def _summary(failure: dict[str, Any]) -> str:
    """'cell 4 (`class SimpleCNN(nn.Module):`) raised NameError: ...'."""
    said = f"{failure['exception']}: {failure['message']}" if failure["message"] else failure["exception"]
    return f"{failure['where']} (`{failure['source']}`) raised {said}"


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
    from nbclient.exceptions import (
        CellExecutionError,
        CellTimeoutError,
        DeadKernelError,
    )

    from grader.submission.notebook import graded_cells

    ran: dict[int, tuple[int, str]] = {}
    for number, cell in graded_cells(notebook):
        try:
            client.execute_cell(cell, number - 1)
        except CellExecutionError as exc:
            ran[cell.get("execution_count") or 0] = (number, cell.source)
            traceback = "\n".join(_plain(line) for out in cell.outputs if out.get("output_type") == "error"
                                  for line in out.get("traceback", []))
            return _failure(number, cell.source, exc.ename, _plain(str(exc.evalue)), _numbered(traceback, ran))
        except CellTimeoutError:
            _interrupt(client)
            return _failure(number, cell.source, "TimeoutError",
                            f"the cell ran longer than the {cell_timeout:.0f} s per-cell limit and was interrupted "
                            f"(tag long training cells `skip-grading`)", "", budget=True)
        except DeadKernelError:
            failure = _failure(number, cell.source, "DeadKernelError",
                               "the kernel died (out of memory, or the cell called exit?)", "")
            failure["dead"] = True
            return failure
        ran[cell.get("execution_count") or 0] = (number, cell.source)
    return {}


def _numbered(traceback: str, ran: dict[int, tuple[int, str]]) -> str:
    """IPython's traceback with its 'Cell In[3], line 5' (an execution count) as the report numbers cells:
    'cell 4 (`def evaluate(model, loader):`), line 5'."""
    from grader.submission.notebook import first_line

    def cell(match: re.Match[str]) -> str:
        number, source = ran.get(int(match[1]), (0, ""))
        return f"cell {number} (`{first_line(source)}`)" if number else match[0]

    return re.sub(r"Cell In\[(\d+)\]", cell, traceback)


def _kernel_env(view: ChildView, runtime: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": view.lib, "JUPYTER_RUNTIME_DIR": str(runtime),
            "IPYTHONDIR": str(runtime.parent / ".ipython"), "JUPYTER_PLATFORM_DIRS": "1"}


def grade_notebook(view: ChildView, job_path: str, channel: Any) -> None:
    """Execute the notebook, report how far it got, then run the checks in its kernel."""
    import threading

    import nbformat
    from jupyter_client.manager import AsyncKernelManager

    from grader.child.forked_kernel import fork_wanted, start_forked_kernel

    notebook, timeout = nbformat.read(view.submission, as_version=4), view.job.limits.cell_timeout
    runtime = Path(os.environ.get("HOME", "/tmp")) / ".jupyter-runtime"
    runtime.mkdir(parents=True, exist_ok=True)
    env = _kernel_env(view, runtime)
    if fork_wanted():  # before nbclient makes an event loop, a ZMQ context or a thread
        manager = start_forked_kernel(runtime, env, [PRELOAD, HISTORY], view.channel_fd)
    else:
        manager = AsyncKernelManager(kernel_name="python3", transport="ipc", ip=str(runtime / "kernel-ipc"))
    client = _client_class()(notebook, km=manager, timeout=timeout, kernel_name="python3",
                             resources={"metadata": {"path": os.getcwd()}}, extra_arguments=[PRELOAD])
    with client.setup_kernel(env=env, cwd=os.getcwd()):
        failure = _run_cells(client, notebook, timeout)
        if failure:
            print(f"\n[grader] {_summary(failure)}\n{failure['traceback']}", file=sys.stderr, flush=True)
        if failure.pop("dead", False):
            channel.send(LoadError(message=f"the notebook's kernel died: {_summary(failure)}"))
            return
        if failure:
            salvaged = _salvage(client, notebook, failure, view) if view.job.salvage else {}
            failure.pop("cell")
            channel.send(TopLevelFailure.from_dict({**failure, **salvaged, "salvaged": bool(salvaged)}))
        channel.send(Loaded())
        client.timeout = None  # each check has its own deadline, enforced by the parent
        fifo = _fifo()
        relay = threading.Thread(target=_relay_events, args=(fifo, channel), daemon=True)
        relay.start()
        _execute(client, notebook, f"import grader.child.kernel as _cnn_grader_kernel\n"
                                   f"_cnn_grader_kernel.run_checks({job_path!r}, {str(fifo)!r})")
        relay.join(timeout=5)


PRELOAD = "--IPKernelApp.exec_lines=['import torch as _cnn_grader_torch', 'del _cnn_grader_torch']"
"""The kernel imports torch as it starts, as the worker does before a `.py` hand-in: the student's `import torch`
then costs nothing, and is never cut off half-way by the per-cell or salvage time limits on a loaded machine (a
torch import interrupted half-way fails every later one with "Trying to override a python impl for
DispatchKey.Meta"). No name is left bound: a notebook that forgets `import torch` still fails as it would.
(A kernel forked from the fork server has torch imported already: the line then costs nothing.)"""

HISTORY = "--HistoryManager.hist_file=:memory:"
"""What nbclient adds to a kernel it starts (no history database on disk); a forked kernel is given it too."""

SALVAGE_SECONDS = 60.0
"""Seconds the salvage cell may run in the kernel (each definition has its own, shorter limit)."""


def _fifo() -> Path:
    import tempfile

    fifo = Path(tempfile.mkdtemp(prefix="cnn-grader-events-")) / "events"
    os.mkfifo(fifo, 0o600)
    return fifo


def _execute(client: Any, notebook: Any, source: str) -> None:
    """Run one grader cell in the student's kernel; its failure is printed, never raised."""
    import nbformat

    cell = nbformat.v4.new_code_cell(source)
    notebook.cells.append(cell)
    try:
        client.execute_cell(cell, len(notebook.cells) - 1)
    except Exception as exc:  # noqa: BLE001 - what the grader cell reported stands
        print(f"[grader] a grading cell stopped: {type(exc).__name__}: {_plain(str(exc))[:500]}",
              file=sys.stderr, flush=True)


def _salvage(client: Any, notebook: Any, failure: dict[str, Any], view: ChildView) -> dict[str, Any]:
    """Run the definitions of the cells from the failed one on, in the kernel (grader.child.salvage);
    the salvaged event's report fields."""
    from grader.submission.notebook import graded_cells

    plan = Path(os.environ.get("HOME", "/tmp")) / "salvage-plan.json"
    result = plan.with_name("salvage-result.json")
    plan.write_text(json.dumps({
        "failed_cell": failure["cell"], "entry": list(view.job.entry), "result": str(result),
        "cells": [[number, cell.source] for number, cell in graded_cells(notebook) if number >= failure["cell"]]}))
    client.timeout = SALVAGE_SECONDS
    _execute(client, notebook, f"import grader.child.kernel as _cnn_grader_kernel\n"
                               f"_cnn_grader_kernel.salvage_cells({str(plan)!r})")
    try:
        report = json.loads(result.read_text())
    except (OSError, ValueError):
        report = {"skipped": [{"where": failure["where"], "source": failure["source"],
                               "reason": "salvaging the cells after it did not finish"}]}
    return report if isinstance(report, dict) else {}


class _FifoChannel:
    """The kernel side of the channel: event lines into the driver's FIFO."""

    def __init__(self, path: str) -> None:
        self._file = open(path, "wb")

    def send(self, event: Event) -> None:
        self._file.write(encode_event(event))
        self._file.flush()

    def close(self) -> None:
        self._file.close()


def _graded_sources(path: str) -> list[tuple[int, str]]:
    """(cell number, source) of the notebook's graded cells."""
    import nbformat

    from grader.submission.notebook import graded_cells

    return [(number, cell.source) for number, cell in graded_cells(nbformat.read(path, as_version=4))]


def run_checks(job_path: str, fifo: str) -> None:
    """Runs inside the student's kernel: every check's measure half on the kernel's namespace."""
    import torch
    from IPython import get_ipython

    from grader.child.frames import StudentCode, notebook_cells
    from grader.child.measure import run_check

    view = ChildView.from_json(Path(job_path).read_text())
    torch.set_num_threads(view.job.limits.threads)
    inputs = torch.load(view.inputs, weights_only=True) if view.inputs else {}
    shell = get_ipython()
    channel, namespace = _FifoChannel(fifo), shell.user_ns
    code = StudentCode(view.submission_dir, notebook_cells(
        _graded_sources(view.submission), lambda source: shell.compile.get_code_name(source, shell.transform_cell(source), 0)))
    try:
        for check in view.job.checks:
            run_check(channel, check, view, namespace, inputs, torch.save, code)
    finally:
        channel.close()


def salvage_cells(plan_path: str) -> None:
    """Inside the student's kernel, after a cell failed: run the definitions of that cell (after the
    failing line, when the traceback tells it) and of the graded cells after it; write the report
    where the plan says. The plan: {"failed_cell", "cells": [[number, source], ...], "entry", "result"}."""
    import linecache

    from IPython import get_ipython

    from grader.child.salvage import (
        SalvageReport,
        ends_program,
        failing_line,
        first_line,
        parse_leniently,
        run_definitions,
        skip_unparsed,
        statement_at,
        statements,
    )

    shell = get_ipython()
    plan = json.loads(Path(plan_path).read_text(encoding="utf-8"))
    line = failing_line(getattr(sys, "last_traceback", None))
    todo, failed, report = [], None, SalvageReport()
    for number, source in plan["cells"]:
        python, filename = shell.transform_cell(source), f"<cell {number}>"
        linecache.cache[filename] = (len(python), None, python.splitlines(keepends=True), filename)
        where = f"cell {number}, line {{line}}"
        try:
            tree, removed = parse_leniently(python, filename)
        except SyntaxError as exc:
            report.skip(where.format(line=exc.lineno or 1), first_line(source), f"does not parse: SyntaxError: {exc.msg}")
            continue
        found = statements(tree, python, filename, where)
        skip_unparsed(removed, python, where, report)
        index = statement_at([s.node for s in found], line) if number == plan["failed_cell"] and line else None
        if index is not None:
            failed = found[index]
            if ends_program(failed.node):
                break
            found = found[index + 1:]
        todo += found
    ran = run_definitions(todo, shell.user_ns, module_name="__main__", failed=failed, protected=set(plan["entry"]))
    ran.skipped[:0] = report.skipped
    ran.not_run.update({name: where for name, where in report.not_run.items() if name not in shell.user_ns})
    where = {"where": failed.where, "source": failed.source} if failed is not None else {}
    with open(plan["result"], "w", encoding="utf-8") as out:
        json.dump({**ran.to_json(), **where, "ends_program": failed is not None and ends_program(failed.node)}, out)
