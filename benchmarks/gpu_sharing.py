"""Where a grading child's time goes on a GPU, and what N children sharing one GPU get out of it, with and
without CUDA MPS (benchmarks/gpu.py's `sharing` part; also runnable alone).

- phases: one fresh process, timed step by step: import torch, CUDA context, CIFAR-10 onto the GPU, the
  cifar_simplecnn reference trained with the `quick` protocol cold (cuDNN/cuBLAS start-up and the graph
  capture included), `quick` again warm, then `full` warm.
- concurrent: N processes prepare (import, context, data), wait at a barrier, then each trains `full`:
  the wall time from the barrier to the last finish against N times one process's `full` alone gives how
  much of the GPU's time-slicing (or MPS) turns into throughput.
- mps: the same N processes under an MPS control daemon this script starts and stops (when the machine
  has `nvidia-cuda-mps-control`), and one sandboxed child (the grader's bubblewrap command line) with
  the MPS pipe folder bound in, with and without the host's /dev/shm, to learn what the sandbox needs.

    python benchmarks/gpu_sharing.py --out DIR [--small] [--processes 8]
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
MPS_CONTROL = "nvidia-cuda-mps-control"


def phases(staged: Path, device: str, protocols: list[str], small: bool, barrier: Path | None) -> dict[str, Any]:
    """Run in a fresh process: seconds of each step (see the module's docstring)."""
    clock, marks = time.perf_counter(), {}

    def mark(name: str) -> None:
        nonlocal clock
        if device == "cuda" and name != "import_torch":  # synchronising would create the context
            torch.cuda.synchronize()
        now = time.perf_counter()
        marks[name] = round(now - clock, 3)
        clock = now

    import torch
    mark("import_torch")
    torch.zeros(1, device=device)
    mark("context")
    import runpy

    from grader.training.staged import load_staged
    from grader.training.train import get_protocol, predict, train_model
    tensors = load_staged(staged, device, dataset="cifar10")
    model_class = runpy.run_path(str(REPO / "reference" / "cifar_simplecnn" / "solution.py"))["SimpleCNN"]
    mark("data_to_device")
    if barrier is not None:
        (barrier / f"ready-{os.getpid()}").touch()
        while not (barrier / "go").exists():
            time.sleep(0.005)
        clock = time.perf_counter()
    started = time.time()
    engines = []
    for n, name in enumerate(protocols):
        protocol = get_protocol("cifar10", name)
        if small:
            protocol = dataclasses.replace(protocol, epochs=1, train_subset=1024)
        torch.manual_seed(0)
        model = model_class().to(device)
        engines.append(train_model(model, tensors, protocol, device=device).name)
        mark(f"train_{n}_{name}")
        predict(model, tensors, 10, device=device)
        mark(f"predict_{n}_{name}")
    return {"seconds": marks, "engines": engines, "started": started, "ended": time.time()}


def _spawn(staged: Path, device: str, protocols: list[str], small: bool, barrier: Path | None,
           env: dict[str, str]) -> subprocess.Popen:
    cmd = [sys.executable, __file__, "--phases", str(staged), "--device", device, "--protocols", ",".join(protocols)]
    cmd += ["--small"] if small else []
    cmd += ["--barrier", str(barrier)] if barrier else []
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO,
                            env={**os.environ, "PYTHONPATH": str(REPO), **env})


def _result(proc: subprocess.Popen, timeout: float) -> dict[str, Any]:
    out, err = proc.communicate(timeout=timeout)
    if proc.returncode != 0:
        return {"error": f"exit {proc.returncode}: {err[-1500:]}"}
    return json.loads(out.strip().splitlines()[-1])


def concurrent(staged: Path, device: str, n: int, small: bool, env: dict[str, str]) -> dict[str, Any]:
    """N processes train `full` at the same moment; wall from the barrier to the last end."""
    barrier = Path(tempfile.mkdtemp(prefix="gpu-barrier-"))
    procs = [_spawn(staged, device, ["full"], small, barrier, env) for _ in range(n)]
    deadline = time.monotonic() + 180
    while len(list(barrier.glob("ready-*"))) < n and time.monotonic() < deadline \
            and all(p.poll() is None for p in procs):
        time.sleep(0.01)
    go = time.time()
    (barrier / "go").touch()
    results = [_result(p, 300) for p in procs]
    ok = [r for r in results if "error" not in r]
    wall = max((r["ended"] for r in ok), default=go) - go
    trains = [r["seconds"]["train_0_full"] for r in ok]
    return {"processes": n, "finished": len(ok), "errors": [r["error"] for r in results if "error" in r][:2],
            "wall_seconds": round(wall, 2), "train_seconds_each": trains,
            "prepare_seconds_each": [round(sum(v for k, v in r["seconds"].items() if k in ("import_torch", "context",
                                                                                        "data_to_device")), 2)
                                     for r in ok]}


class Mps:
    """An MPS control daemon in a private folder (started and stopped here)."""

    def __init__(self) -> None:
        self.binary = shutil.which(MPS_CONTROL) or next(
            (str(p) for p in Path("/usr/local/nvidia/bin").glob(MPS_CONTROL)), None)
        root = Path(tempfile.mkdtemp(prefix="mps-"))
        root.chmod(0o755)
        self.pipe, self.log = root / "pipe", root / "log"
        for folder in (self.pipe, self.log):
            folder.mkdir()
            folder.chmod(0o777)
        self.env = {"CUDA_MPS_PIPE_DIRECTORY": str(self.pipe), "CUDA_MPS_LOG_DIRECTORY": str(self.log)}

    def control(self, command: str) -> str:
        proc = subprocess.run([self.binary], input=command + "\n", capture_output=True, text=True, timeout=20,
                              env={**os.environ, **self.env})
        return (proc.stdout + proc.stderr).strip()

    def start(self) -> str:
        proc = subprocess.run([self.binary, "-d"], capture_output=True, text=True, timeout=20,
                              env={**os.environ, **self.env})
        time.sleep(0.5)
        return f"exit {proc.returncode} {proc.stdout.strip()} {proc.stderr.strip()}".strip()

    def logs(self) -> dict[str, str]:
        return {p.name: p.read_text(errors="replace")[-1200:] for p in sorted(self.log.glob("*.log"))}

    def stop(self) -> str:
        return self.control("quit")


def sandboxed_probe(mps: Mps, share_dev_shm: bool) -> dict[str, Any]:
    """One tiny CUDA program in the grader's strong sandbox, the MPS pipe folder bound in."""
    from grader.execute.sandbox import Mount, detect, gpu_library_dirs

    sandbox = detect("strong")
    mounts = [Mount(mps.pipe, mps.pipe, True)] + ([Mount(Path("/dev/shm"), Path("/dev/shm"), True)]
                                                    if share_dev_shm else [])
    program = "import torch; x = torch.ones(1 << 20, device='cuda'); print('sum', float((x * 2).sum()))"
    cmd = sandbox.command([sandbox.python, "-c", program], mounts, cwd=Path("/tmp"), gpu=True)
    env = {"PATH": "/usr/bin:/bin", "HOME": "/tmp", **mps.env,
           "LD_LIBRARY_PATH": ":".join(map(str, gpu_library_dirs()))}
    before = mps.logs()
    start = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60, env=env)
        outcome = {"returncode": proc.returncode, "stdout": proc.stdout[-300:], "stderr": proc.stderr[-800:]}
    except subprocess.TimeoutExpired:
        outcome = {"returncode": None, "stderr": "timed out after 60 s"}
    after = mps.logs()
    return {**outcome, "seconds": round(time.perf_counter() - start, 2), "share_dev_shm": share_dev_shm,
            "new_log_lines": {name: text[len(before.get(name, "")):][-600:] if text.startswith(before.get(name, ""))
                              else text[-600:] for name, text in after.items()},
            "server_list": mps.control("get_server_list")}


def sharing(staged: Path, device: str, n: int, small: bool) -> dict[str, Any]:
    """Every measurement of the module's docstring, as one dict of figures."""
    figures: dict[str, Any] = {"phases_cold_then_warm": _result(_spawn(staged, device, ["quick", "quick", "full"],
                                                                       small, None, {}), 300)}
    solo = concurrent(staged, device, 1, small, {})
    figures["solo_full"] = solo
    shared = concurrent(staged, device, n, small, {})
    figures["time_sliced"] = {**shared, "throughput_gain_over_one_at_a_time":
                              _gain(solo, shared)}
    mps = Mps()
    if device != "cuda" or mps.binary is None:
        figures["mps"] = {"status": "unavailable", "why": f"no GPU ({device})" if device != "cuda"
                          else f"{MPS_CONTROL} is not on this machine"}
        return figures
    figures["mps"] = {"binary": mps.binary, "start": mps.start()}
    try:
        under_mps = concurrent(staged, device, n, small, mps.env)
        figures["mps"]["concurrent"] = {**under_mps, "throughput_gain_over_one_at_a_time": _gain(solo, under_mps)}
        figures["mps"]["server_list"] = mps.control("get_server_list")
        figures["mps"]["sandboxed"] = [sandboxed_probe(mps, share) for share in (False, True)]
        figures["mps"]["logs"] = mps.logs()
    finally:
        figures["mps"]["stop"] = mps.stop()
    return figures


def _gain(solo: dict[str, Any], shared: dict[str, Any]) -> float | None:
    """N × one process's `full` alone, over the wall time of N at once."""
    if not solo["train_seconds_each"] or not shared["finished"] or not shared["wall_seconds"]:
        return None
    return round(shared["finished"] * solo["train_seconds_each"][0] / shared["wall_seconds"], 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--small", action="store_true")
    parser.add_argument("--processes", type=int, default=8)
    parser.add_argument("--phases", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--device", default="cuda", help=argparse.SUPPRESS)
    parser.add_argument("--protocols", default="full", help=argparse.SUPPRESS)
    parser.add_argument("--barrier", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phases:
        print(json.dumps(phases(args.phases, args.device, args.protocols.split(","), args.small, args.barrier)))
        return
    from grader.training import data

    device = "cpu" if args.small else "cuda"
    staged = data.stage("cifar10", data.resolve_data_root(None), Path(tempfile.mkdtemp(prefix="gpu-staged-")))
    figures = sharing(staged.directory, device, 2 if args.small else args.processes, args.small)
    print(json.dumps(figures, indent=1))
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "gpu-sharing.json").write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
