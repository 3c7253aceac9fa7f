"""How the grading child is isolated: bubblewrap namespaces where available, else plain limits.

The *strong* level runs the child in bubblewrap with new mount, PID, network, IPC and UTS
namespaces: the child sees only the Python installation, the grader package, the submission, the
staged training data (no test labels) and its own scratch folders — never the reference
solutions, the specs or the original data root — has no network, and every process it starts
dies with it. Run as root, the child also drops to user `nobody`. The *basic* level (no usable
bubblewrap) still has a process group, resource limits, a scrubbed environment and a fresh
working directory, and every report says which level was used.
"""
from __future__ import annotations

import functools
import os
import shutil
import site
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from grader.child.forked_kernel import KERNEL_SWITCH
from grader.contract import Limits
from grader.files import PACKAGE_PARENT
from grader.results import Isolation

NOBODY = 65534
WORKER_UID_BASE = 2_000_000_000
"""The first of the user ids executors lease for their children (grader.execute.uids), so that the per-user
process limit of one child (a fork bomb) cannot starve another's."""

CHILD_ROOT = Path("/grading")
"""Where the strong level mounts the child's folders."""
SYSTEM_DIRS = ("/usr", "/etc", "/opt/conda", "/lib", "/lib64", "/bin", "/sbin")
"""Folders of the system every strongly isolated child sees read-only at their own paths."""
FRESH_DIRS = ("/tmp", "/dev")
"""Folders the sandbox creates empty (tmpfs, devices)."""


class IsolationUnavailable(RuntimeError):
    """Strong isolation was required but cannot be had on this machine."""


@dataclass(frozen=True)
class Mount:
    host: Path
    child: Path
    writable: bool = False


@dataclass(frozen=True)
class Sandbox:
    level: Isolation
    """STRONG or BASIC."""
    description: str
    """One line for reports."""
    uid: int = NOBODY
    """The user the child runs as when the grader runs as root (strong level)."""

    @property
    def strong(self) -> bool:
        return self.level is Isolation.STRONG

    @property
    def python(self) -> str:
        """The interpreter as the child runs it."""
        return _child_python() if self.strong else sys.executable

    @property
    def drops_root(self) -> bool:
        """Whether the child runs as `uid` (so its writable folders must belong to `uid`)."""
        return self.strong and os.geteuid() == 0

    def child_path(self, host: Path, mounts: list[Mount]) -> Path:
        """Where the child sees a host path (identity at the basic level)."""
        for m in mounts:
            if host == m.host or m.host in host.parents:
                return m.child / host.relative_to(m.host) if self.strong else host
        raise ValueError(f"{host} is not mounted into the child")

    def command(self, argv: list[str], mounts: list[Mount], *, cwd: Path, gpu: bool) -> list[str]:
        """The command line that starts `argv` inside the sandbox."""
        if not self.strong:
            return argv
        cmd = [bwrap_command(), "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
               "--die-with-parent", "--new-session", "--proc", "/proc", "--dev", "/dev",
               "--perms", "1777", "--tmpfs", "/tmp",  # and a /dev/shm of its own, where a DataLoader's worker
               "--perms", "1777", "--tmpfs", "/dev/shm"]  # processes (num_workers=2) pass their batches
        for system_dir in SYSTEM_DIRS[:3]:
            if Path(system_dir).is_dir() and not _is_hidden(Path(system_dir)):
                cmd += ["--ro-bind", system_dir, system_dir]
        for link in ("lib", "lib64", "bin", "sbin"):
            target = Path("/" + link)
            if target.is_symlink():
                cmd += ["--symlink", os.readlink(target), str(target)]
            elif target.is_dir():
                cmd += ["--ro-bind", str(target), str(target)]
        if gpu:
            for dev in sorted(Path("/dev").glob("nvidia*")):
                cmd += ["--dev-bind", str(dev), str(dev)]
            cmd += ["--ro-bind", "/sys", "/sys"]
            for lib in gpu_library_dirs():
                if not any(Path(d) in [lib, *lib.parents] for d in ("/usr", "/etc", "/opt/conda", "/lib", "/lib64")):
                    cmd += ["--ro-bind", str(lib), str(lib)]
        created: set[Path] = set()
        bound = [*_python_mounts(), *mounts]
        for m in bound:
            for parent in reversed(m.child.parents):
                if parent != Path("/") and parent not in created and not _is_system(parent):
                    cmd += ["--perms", "0755", "--dir", str(parent)]
                    created.add(parent)
            cmd += ["--bind" if m.writable else "--ro-bind", str(m.host), str(m.child)]
            created.add(m.child)
        cmd += _masks([*(Mount(Path(d), Path(d)) for d in (*SYSTEM_DIRS, *gpu_library_dirs())), *bound])
        cmd += ["--chdir", str(cwd)]
        if os.geteuid() == 0:
            cmd += ["/usr/bin/setpriv", f"--reuid={self.uid}", f"--regid={self.uid}", "--clear-groups"]
        else:
            cmd.insert(1, "--unshare-user")
        return cmd + argv


def _is_system(path: Path) -> bool:
    return str(path) in SYSTEM_DIRS


def _masks(bound: list[Mount]) -> list[str]:
    """bubblewrap arguments laying an empty folder over every folder of specs or references (the bundled ones
    where GRADER_ASSIGNMENTS or GRADER_REFERENCE moved them, an assignment pack's) that a bound folder would show
    the child: a pack kept under /usr or in a site-packages stays out of its reach."""
    from grader.spec.packs import PACKS_ENV, bundled_root  # the catalog imports the probes (torch): when starting

    bundled = bundled_root()
    named = [Path(p) for p in os.environ.get(PACKS_ENV, "").split(":") if p]
    args: list[str] = []
    for folder in {f.resolve() for f in (bundled.assignments, bundled.reference, *named) if f.is_dir()}:
        for m in bound:
            host = m.host.resolve()
            if host == folder or host in folder.parents:
                args += ["--tmpfs", str(m.child / folder.relative_to(host))]
    return args


def _is_hidden(path: Path) -> bool:
    """True if mounting `path` would expose the grader's own repository."""
    return path == PACKAGE_PARENT or path in PACKAGE_PARENT.parents


@functools.lru_cache(maxsize=1)
def _python_mounts() -> tuple[Mount, ...]:
    """The interpreter, its standard library and its site-packages, read-only: at the same paths, except
    those under a folder the sandbox makes afresh (a virtualenv under /tmp), which go under CHILD_ROOT so
    that the child's /tmp is empty wherever the grader is installed."""
    roots = {Path(p).resolve() for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)}
    roots |= {Path(p).resolve() for p in [*site.getsitepackages(), site.getusersitepackages()] if Path(p).is_dir()}
    roots = {r for r in roots if not _is_hidden(r) and not str(r).startswith(("/usr/", "/etc/"))}
    kept = sorted(r for r in roots if not any(o in r.parents for o in roots))
    fresh = [Path(d) for d in FRESH_DIRS]
    return tuple(Mount(r, CHILD_ROOT / "python" / str(i) if any(f in r.parents for f in fresh) else r)
                 for i, r in enumerate(kept))


def _child_python() -> str:
    """The interpreter's path as a strongly isolated child sees it (through a venv's own path, so the
    venv's site-packages are found)."""
    executable = Path(sys.executable).absolute()
    for m in _python_mounts():
        for base in (Path(sys.prefix).absolute(), m.host):
            if base.resolve() == m.host and base in executable.parents:
                return str(m.child / executable.relative_to(base))
    return str(executable)


def gpu_library_dirs() -> list[Path]:
    """The folders on $LD_LIBRARY_PATH (where a GPU machine often keeps the NVIDIA driver's libraries)."""
    return [Path(d) for d in os.environ.get("LD_LIBRARY_PATH", "").split(":") if d and Path(d).is_dir()]


def bwrap_command() -> str:
    """The bubblewrap program: $CNN_GRADER_BWRAP (a path or a name on PATH), else `bwrap`."""
    return os.environ.get("CNN_GRADER_BWRAP") or "bwrap"


@functools.lru_cache(maxsize=1)
def _bwrap_problem() -> str:
    """Why bubblewrap cannot be used here ('' when it can)."""
    if not shutil.which(bwrap_command()):
        return f"bubblewrap ({bwrap_command()}) is not installed"
    if os.geteuid() == 0 and not Path("/usr/bin/setpriv").exists():
        return "setpriv (util-linux) is missing, needed to drop root"
    probe = [bwrap_command(), "--unshare-pid", "--unshare-net", "--ro-bind", "/", "/", "--proc", "/proc", "true"]
    if os.geteuid() != 0:
        probe.insert(1, "--unshare-user")
    try:
        result = subprocess.run(probe, capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"bubblewrap failed to start: {exc}"
    return "" if result.returncode == 0 else f"bubblewrap cannot create namespaces here: {result.stderr.strip()[:200]}"


def detect(preference: str = "auto") -> Sandbox:
    """The best isolation this machine offers. `preference`: 'auto', 'strong' (fail if
    unavailable) or 'basic'."""
    if preference not in Isolation.requests():
        raise ValueError(f"unknown isolation level '{preference}' ({', '.join(Isolation.requests())})")
    problem = _bwrap_problem() if preference != Isolation.BASIC else "basic isolation was requested"
    if not problem:
        who = "as an unprivileged user" if os.geteuid() == 0 else "in a user namespace"
        return Sandbox(Isolation.STRONG, f"strong: bubblewrap mount/PID/network namespaces, {who}, resource limits; "
                                 "no access to reference solutions, specs or test labels")
    if preference == Isolation.STRONG:
        raise IsolationUnavailable(
            f"strong isolation is unavailable: {problem}. Without it, student code runs with your files (the "
            "reference solutions included) and your network. Install bubblewrap (Debian/Ubuntu: apt-get install "
            "bubblewrap), or pass --isolation basic to accept that student code can read the instructor's files.")
    return Sandbox(Isolation.BASIC, f"basic: process group, resource limits, scrubbed environment; NOT sandboxed "
                            f"from your files or network ({problem})")


def rlimits_for(limits: Limits, cpu_seconds: int | None, use_cuda: bool) -> dict[str, int]:
    """The resource limits of a grading child, by RLIMIT_* name (no CPU limit when `cpu_seconds`
    is None)."""
    values = {"FSIZE": limits.file_size_bytes, "CORE": 0,
              # Root ignores this limit; under strong isolation the child drops to `nobody`, where it holds.
              "NPROC": limits.max_processes}
    if not use_cuda:
        values["AS"] = limits.memory_bytes
    if cpu_seconds is not None:
        values["CPU"] = cpu_seconds
    return values


def child_env(home: Path, threads: int, device: str, torch_home: Path | None) -> dict[str, str]:
    """The scrubbed environment of a grading child (`home`, `torch_home`: paths as the child sees them)."""
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8",
        # getpass.getuser() reads these before the password database, which has no entry for a batch worker's
        # uid (torch's compile caches name their folders after the user on import, from Adam on a GPU)
        "USER": "student", "LOGNAME": "student",
        "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1", "PYTHONUNBUFFERED": "1",
        "OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads),
        # OpenMP threads waiting at a barrier sleep after a short spin instead of spinning for long: on a busy
        # machine a long spin burns the CPU share the thread they wait for needs (grader.budget)
        "GOMP_SPINCOUNT": "20000",
        "MPLBACKEND": "Agg", "MPLCONFIGDIR": str(home / ".matplotlib"), "TMPDIR": "/tmp",
        # `!pip install` in a notebook fails at once instead of retrying a network it cannot reach.
        "PIP_NO_INDEX": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    }
    if torch_home is not None:
        env["TORCH_HOME"] = str(torch_home)
    if KERNEL_SWITCH in os.environ:  # how notebook kernels start, for comparisons (grader.child.forked_kernel)
        env[KERNEL_SWITCH] = os.environ[KERNEL_SWITCH]
    if device.startswith("cuda"):
        env.update({k: os.environ[k] for k in ("CUDA_VISIBLE_DEVICES",) if k in os.environ})
        if gpu_library_dirs():
            env["LD_LIBRARY_PATH"] = ":".join(map(str, gpu_library_dirs()))
    return env
