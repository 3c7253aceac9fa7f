"""The student's IPython kernel, forked from the grading child instead of started as a new interpreter: the
kernel begins with what the fork server already imported (torch above all), so a notebook costs about what a
`.py` file does. It is still one kernel per hand-in, in the hand-in's own sandboxed process tree, and a real
ipykernel (IPKernelApp) that nbclient drives over ZMQ, as `python -m ipykernel_launcher` would be.

The fork happens before the driver creates an event loop, a ZMQ context or a thread. The forked process is
made to look like a fresh kernel process (its own session, a fresh interpreter's signal handlers, no channel
fd, the kernel's environment, sys.argv and sys.path), and a jupyter_client KernelManager adopts it: its
provisioner polls, signals and kills the forked pid, so interrupts, per-cell timeouts and a kernel that dies
behave as before. GRADER_NOTEBOOK_KERNEL=launch (in the grader's environment) starts the kernel the old way.
"""
from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path
from queue import Empty
from typing import Any

import zmq
from jupyter_client.asynchronous import AsyncKernelClient

IOPUB_PROBE_SECONDS = 0.02
"""How long the client waits for the kernel's first IOPub message before it asks again (jupyter_client: 0.2 s)."""
RECONNECT_MS = 5
"""How soon the client's sockets try again to connect to a kernel that has not bound its sockets yet (ZMQ: 100)."""

KERNEL_SWITCH = "GRADER_NOTEBOOK_KERNEL"
"""Environment variable: 'launch' starts each notebook's kernel as a new interpreter (the comparison baseline)."""


def fork_wanted() -> bool:
    """Fork the kernel unless the grader was told to launch it, or forking would not be safe here: a thread
    already running (torch's intra-op pool, a ZMQ context's) or CUDA already initialised would be broken in
    the forked kernel."""
    if os.environ.get(KERNEL_SWITCH, "fork") == "launch":
        return False
    if len(os.listdir("/proc/self/task")) > 1:
        return False
    torch = sys.modules.get("torch")
    return not (torch is not None and torch.cuda.is_initialized())


class ForkedProcess:
    """The forked kernel, with the part of subprocess.Popen's interface that jupyter_client's LocalProvisioner
    uses (poll, wait, send_signal, kill, terminate, and no pipes)."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int) -> None:
        self.pid, self.returncode = pid, None

    def _reaped(self, flags: int) -> int | None:
        if self.returncode is None:
            try:
                pid, status = os.waitpid(self.pid, flags)
            except ChildProcessError:  # reaped elsewhere: it is gone all the same
                pid, status = self.pid, 0
            if pid:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def poll(self) -> int | None:
        return self._reaped(os.WNOHANG)

    def wait(self, timeout: float | None = None) -> int | None:
        return self._reaped(0)

    def send_signal(self, signum: int) -> None:
        if self.poll() is None:
            os.kill(self.pid, signum)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)


class PromptClient(AsyncKernelClient):
    """jupyter_client's kernel client, ready as soon as the kernel answers on both channels. jupyter_client's own
    asks again only after 200 ms when the kernel's first IOPub messages were published before the subscription
    reached it (almost always, with a kernel this quick to start), and then waits for 200 ms of IOPub silence;
    nbclient only reads the IOPub messages of the cell it runs, so neither wait is needed. Its sockets connect while
    the forked kernel is still starting, and try again every few milliseconds until it listens (ZMQ: every 100)."""

    def start_channels(self, *args: Any, **kwargs: Any) -> None:
        self.context.setsockopt(zmq.RECONNECT_IVL, RECONNECT_MS)  # the default for the sockets made from now on
        super().start_channels(*args, **kwargs)

    async def wait_for_ready(self, timeout: float | None = None) -> None:
        deadline = time.monotonic() + (timeout if timeout is not None else float("inf"))
        while True:
            self.kernel_info()
            try:
                reply = await self.shell_channel.get_msg(timeout=1)
            except Empty:
                reply = None
            if reply is not None and reply["msg_type"] == "kernel_info_reply":
                try:
                    await self.iopub_channel.get_msg(timeout=IOPUB_PROBE_SECONDS)
                except Empty:
                    pass
                else:
                    self._handle_kernel_info_reply(reply)
                    return
            if not await self.is_alive():
                raise RuntimeError("Kernel died before replying to kernel_info")
            if time.monotonic() > deadline:
                raise RuntimeError(f"Kernel didn't respond in {timeout:.0f} seconds")


def start_forked_kernel(runtime: Path, env: dict[str, str], arguments: list[str], channel_fd: int) -> Any:
    """Write a connection file (IPC transport under `runtime`), fork a kernel process that serves it with
    `arguments` (IPKernelApp options) and `env`, and return an AsyncKernelManager that has adopted it."""
    import uuid

    from jupyter_client.connect import write_connection_file
    from jupyter_client.session import new_id_bytes

    connection_file = str(runtime / f"kernel-{uuid.uuid4()}.json")
    write_connection_file(connection_file, ip=str(runtime / "kernel-ipc"), transport="ipc", key=new_id_bytes())
    argv = ["-f", connection_file, *arguments]
    pid = os.fork()
    if pid == 0:
        _serve(argv, {**env, "JPY_PARENT_PID": str(os.getppid())}, channel_fd)
    return _adopting_manager(connection_file, ForkedProcess(pid))


def _adopting_manager(connection_file: str, process: ForkedProcess) -> Any:
    """An AsyncKernelManager whose kernel is `process` (nbclient then only connects a client to it)."""
    from jupyter_client.manager import AsyncKernelManager
    from jupyter_client.provisioning import LocalProvisioner

    manager = AsyncKernelManager(kernel_name="python3", transport="ipc", connection_file=connection_file,
                                 client_factory=PromptClient)
    manager.load_connection_file(connection_file)
    manager._connection_file_written = True  # so that cleaning up removes it, as for a kernel it started
    provisioner = LocalProvisioner(kernel_id=str(process.pid), kernel_spec=manager.kernel_spec, parent=manager)
    provisioner.process, provisioner.pid, provisioner.pgid = process, process.pid, process.pid
    provisioner.connection_info = manager.get_connection_info()
    manager.provisioner = provisioner
    return manager


def _fresh_signals() -> None:
    """Signal handlers as a new interpreter has them (the zygote and the worker set their own), no timer."""
    signal.setitimer(signal.ITIMER_REAL, 0)
    for signum in signal.valid_signals():
        try:
            signal.signal(signum, signal.SIG_DFL)
        except (OSError, ValueError):
            pass  # SIGKILL, SIGSTOP
    signal.signal(signal.SIGINT, signal.default_int_handler)
    for ignored in (signal.SIGPIPE, signal.SIGXFSZ):
        signal.signal(ignored, signal.SIG_IGN)


def _kernel_path(path: list[str], lib: str) -> list[str]:
    """sys.path as `python -m ipykernel_launcher` with PYTHONPATH=`lib` has it once IPython added the working
    directory ('' before site-packages; the worker runs with -I, whose safe_path stops IPython adding it)."""
    path = [lib, *(p for p in path if p not in ("", lib))] if lib else [p for p in path if p]
    at = next((i for i, p in enumerate(path) if os.path.basename(p) in ("site-packages", "dist-packages")), 0)
    return [*path[:at], "", *path[at:]]


def _serve(argv: list[str], env: dict[str, str], channel_fd: int) -> None:
    """In the forked process: become the kernel process `python -m ipykernel_launcher <argv>` would be and serve
    until the kernel shuts down; never returns."""
    code = 1
    try:
        os.setsid()  # its own process group, which interrupts signal, as jupyter_client's launcher does
        _fresh_signals()
        os.close(channel_fd)  # the student's code never gets the worker's channel to the parent
        os.environ.clear()
        os.environ.update(env)
        sys.dont_write_bytecode = bool(env.get("PYTHONDONTWRITEBYTECODE"))
        sys.path[:] = _kernel_path(sys.path, env.get("PYTHONPATH", ""))
        from importlib.util import find_spec

        from ipykernel.kernelapp import IPKernelApp

        sys.argv = [getattr(find_spec("ipykernel_launcher"), "origin", "ipykernel_launcher"), *argv]
        IPKernelApp.launch_instance(argv=argv)
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:  # noqa: BLE001 - whatever happens, the kernel must not return into the worker
        import traceback

        traceback.print_exc()
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:  # noqa: BLE001 - a student may have replaced or closed the stream
                pass
        os._exit(code)
