"""Everything about grading on a GPU that needs a GPU, in one run of a few minutes (run by gpu.sh).

Parts, each timed and written to OUT/gpu-<date>.json as soon as it ends (a failing part is recorded
and the run goes on; parts that would overrun --deadline are skipped and say so):

1. environment: GPU, driver, torch, bubblewrap, the isolation level the grader gets.
2. chapter_vs_protocol: the chapter's own loop (section 8.3.3: a Dataset with ToTensor + Normalize,
   DataLoader batch 64, shuffle, `.item()` every step) against the grader's `full` protocol (uint8
   data on the GPU, the step replayed from a CUDA graph), same model (the cifar_simplecnn
   reference), same 5 epochs; and the grader's engine forced eager, to show what the graph gives.
   Ratio target: >= 20x, and <= 2 s for the grader's 5 epochs.
3. sharing: where a grading child's time goes on the GPU, and N processes sharing it with and without
   CUDA MPS (benchmarks/gpu_sharing.py).
4. tests: `pytest -m gpu tests/test_gpu.py` (strong sandbox on the GPU, fork-server children,
   the memory hog, the eager fallback).
5. record: every training protocol of every assignment recorded on this device through the real CLI
   (`grader reference record --metrics-only`, strong isolation), into a copy of reference/; the
   metrics.json files are copied to OUT.
6. class: N distinct cifar_simplecnn hand-ins (correct, wrong, hostile, a GPU-memory hog, a GPU
   spinner) graded with every check plus a hidden `full`-protocol check in the strong sandbox, once per
   job count in `--jobs` (e.g. 8,12,16): wall time, submissions per minute, the extrapolation to 300,
   and whether every correct hand-in kept every point (benchmarks/gpu_class.py).

    python benchmarks/gpu.py --out DIR [--small] [--jobs 8,12] [--deadline 420]

--small runs every part on the CPU with tiny sizes: a dry run of the code paths, not a measurement.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any, Callable

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
SUBMISSIONS = REPO / "tests" / "submissions"
RECORDINGS = {  # assignment → (protocol, seeds)
    "mnist_simplecnn": [("quick", 3), ("full", 3)],
    "cifar_simplecnn": [("quick", 3), ("high_lr", 3), ("full", 3)],
    "batchnorm_cnn": [("quick", 3), ("high_lr", 3), ("full", 3)],
    "training_loop": [("quick", 3)],
    "resnet18_cifar": [("small", 3), ("full", 3)],
}


class Run:
    """The figures of this run, written to disk after every part."""

    def __init__(self, out: Path, args: argparse.Namespace) -> None:
        self.out, self.deadline = out, time.monotonic() + args.deadline
        self.path = out / f"gpu-{dt.date.today().isoformat()}{'-small' if args.small else ''}.json"
        self.figures: dict[str, Any] = {"started": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                                        "mode": "small (CPU dry run)" if args.small else "gpu", "parts": {}}

    def left(self) -> float:
        """Seconds to the deadline."""
        return self.deadline - time.monotonic()

    def part(self, name: str, needs: float, work: Callable[[], dict[str, Any]]) -> None:
        left = self.left()
        if left < needs:
            self.figures["parts"][name] = {"status": "skipped", "why": f"{left:.0f} s left of the deadline, "
                                                                     f"the part needs about {needs:.0f} s"}
        else:
            start = time.perf_counter()
            try:
                self.figures["parts"][name] = {"status": "ok", **work()}
            except Exception as exc:  # noqa: BLE001 - a failed part is a figure too; the run goes on
                self.figures["parts"][name] = {"status": "failed", "error": f"{type(exc).__name__}: {exc}",
                                               "traceback": traceback.format_exc()[-4000:]}
            self.figures["parts"][name]["seconds"] = round(time.perf_counter() - start, 1)
        print(f"== {name}: {json.dumps(self.figures['parts'][name], indent=1)[:3000]}", flush=True)
        self.path.write_text(json.dumps(self.figures, indent=2) + "\n")


def _sh(*cmd: str, timeout: float = 600, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=REPO,
                          env={**os.environ, **(env or {})})


def environment(device: str) -> dict[str, Any]:
    import torch

    from grader.execute.gpu import gpu_info
    from grader.execute.sandbox import bwrap_command, detect

    info = gpu_info()
    smi = _sh("nvidia-smi", "--query-gpu=name,driver_version,memory.total", "--format=csv,noheader") \
        if shutil.which("nvidia-smi") else None
    bwrap = _sh(bwrap_command(), "--version") if shutil.which(bwrap_command()) else None
    return {"device": device, "gpu": info.name if info else None,
            "gpu_memory_gib": round(info.total_bytes / 2**30, 1) if info else None,
            "nvidia_smi": smi.stdout.strip() if smi else None, "torch": torch.__version__,
            "python": platform.python_version(), "cpus": os.cpu_count(),
            "bubblewrap": bwrap.stdout.strip() if bwrap else None, "isolation": detect("auto").description,
            "ld_library_path": os.environ.get("LD_LIBRARY_PATH", "")}


def _reference_model() -> Any:
    import runpy

    return runpy.run_path(str(REPO / "reference" / "cifar_simplecnn" / "solution.py"))["SimpleCNN"]


def _chapter_loop(images: Any, labels: Any, device: str, epochs: int) -> dict[str, Any]:
    """Section 8.3.3 as the chapter writes it (CIFAR-10 variant), over the same images, timed."""
    import torch
    from PIL import Image
    from torch import nn, optim
    from torch.utils.data import DataLoader, Dataset
    from torchvision import transforms

    class ChapterCIFAR10(Dataset):
        """torchvision.datasets.CIFAR10's __getitem__ (PIL image, then the transform) over numpy arrays."""

        def __init__(self, transform: Any) -> None:
            self.data, self.targets, self.transform = images.permute(0, 2, 3, 1).numpy(), labels.tolist(), transform

        def __len__(self) -> int:
            return len(self.targets)

        def __getitem__(self, i: int) -> tuple[Any, int]:
            return self.transform(Image.fromarray(self.data[i])), self.targets[i]

    transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))])
    trainloader = DataLoader(ChapterCIFAR10(transform), batch_size=64, shuffle=True)
    torch.manual_seed(0)
    model = _reference_model()().to(device)
    criterion = nn.CrossEntropyLoss()
    optimizer = optim.Adam(model.parameters(), lr=0.001)
    _sync(device)
    start = time.perf_counter()
    losses = []
    for _ in range(epochs):
        running_loss = 0.0
        for batch_images, batch_labels in trainloader:
            batch_images, batch_labels = batch_images.to(device), batch_labels.to(device)
            optimizer.zero_grad()
            loss = criterion(model(batch_images), batch_labels)
            loss.backward()
            optimizer.step()
            running_loss += loss.item()
        losses.append(round(running_loss / len(trainloader), 4))
    _sync(device)
    return {"seconds": round(time.perf_counter() - start, 2), "epochs": epochs, "mean_losses": losses}


def _sync(device: str) -> None:
    import torch

    if device == "cuda":
        torch.cuda.synchronize()


def chapter_vs_protocol(device: str, small: bool, data_root: Path, cache: Path) -> dict[str, Any]:
    import dataclasses

    import torch

    from grader.training import data
    from grader.training.staged import load_staged
    from grader.training.train import _optimizer, get_protocol, predict, train_model

    staged = data.stage("cifar10", data_root, cache)
    train = data.load_split("cifar10", data_root, train=True)
    protocol = get_protocol("cifar10", "full")
    if small:
        protocol = dataclasses.replace(protocol, epochs=1, train_subset=2048)
    subset = slice(None) if protocol.train_subset is None else slice(protocol.train_subset)
    chapter = _chapter_loop(train.images[subset], train.labels[subset], device, protocol.epochs)

    start = time.perf_counter()
    tensors = load_staged(staged.directory, device, dataset="cifar10")
    _sync(device)
    load_seconds = time.perf_counter() - start
    runs = {}
    for label, eager in (("graph", False), ("eager", True)):
        torch.manual_seed(0)
        model = _reference_model()().to(device)
        optimizer = _optimizer(list(model.parameters()), protocol.lr, torch.device(device)) if eager else None
        _sync(device)
        start = time.perf_counter()
        engine = train_model(model, tensors, protocol, device=device, optimizer=optimizer)
        _sync(device)
        seconds = time.perf_counter() - start
        start = time.perf_counter()
        predictions = predict(model, tensors, 10, device=device)
        runs[label] = {"train_seconds": round(seconds, 3), "engine": engine.describe(torch.device(device)),
                       "predict_seconds": round(time.perf_counter() - start, 3),
                       "accuracy": round((predictions == staged.test_labels).double().mean().item(), 4)}
    grader = runs["graph"]["train_seconds"]
    return {"protocol": protocol.description + (" (small: 1 epoch, 2,048 images)" if small else ""),
            "chapter_loop": chapter, "grader_load_to_device_seconds": round(load_seconds, 3),
            "grader_graph": runs["graph"], "grader_eager": runs["eager"],
            "ratio_chapter_over_grader": round(chapter["seconds"] / grader, 1),
            "ratio_eager_over_graph": round(runs["eager"]["train_seconds"] / grader, 1),
            "targets": {"ratio_at_least": 20, "grader_seconds_at_most": 2.0},
            "targets_met": chapter["seconds"] / grader >= 20 and grader <= 2.0}


def tests(out: Path, select: str) -> dict[str, Any]:
    import xml.etree.ElementTree as ET

    junit = out / "gpu-tests.xml"
    proc = _sh(sys.executable, "-m", "pytest", "-q", "-m", "gpu or not gpu", "tests/test_gpu.py", "-p",
               "no:cacheprovider", f"--junitxml={junit}", "--durations=0", *(["-k", select] if select else []),
               timeout=420)
    cases = []
    if junit.is_file():
        for case in ET.parse(junit).iter("testcase"):
            outcome = next((c.tag for c in case if c.tag in ("failure", "error", "skipped")), "passed")
            detail = next((c.get("message", "")[:600] for c in case if c.tag in ("failure", "error", "skipped")), "")
            cases.append({"test": case.get("name"), "outcome": outcome, "seconds": float(case.get("time", 0)),
                          "detail": detail})
    return {"returncode": proc.returncode, "summary": proc.stdout.strip().splitlines()[-1:] or [""], "cases": cases,
            "output_tail": proc.stdout[-2500:] + proc.stderr[-1500:]}


def record(device: str, small: bool, references: Path, out: Path, only: str) -> dict[str, Any]:
    """Record every protocol (the assignments in parallel, each one's protocols in turn)."""
    plan = {"cifar_simplecnn": [("high_lr", 1)], "training_loop": [("quick", 1)]} if small else RECORDINGS
    plan = {a: p for a, p in plan.items() if not only or a in only.split(",")}
    env = {"GRADER_REFERENCE": str(references)}
    procs = {}
    start = time.perf_counter()
    for assignment, protocols in plan.items():
        script = " && ".join(
            f"{sys.executable} -m grader reference record {assignment} --protocol {protocol} --seeds {seeds} "
            f"--device {device} --isolation strong --metrics-only" for protocol, seeds in protocols)
        procs[assignment] = subprocess.Popen(["bash", "-c", script], cwd=REPO, env={**os.environ, **env},
                                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    logs = {a: p.communicate(timeout=900)[0] for a, p in procs.items()}
    wall = time.perf_counter() - start
    recorded = {}
    for assignment in plan:
        metrics_file = references / assignment / "metrics.json"
        shutil.copy(metrics_file, out / f"{assignment}-metrics.json")
        metrics = json.loads(metrics_file.read_text())
        recorded[assignment] = {p: {k: r.get(k) for k in ("accuracy_mean", "accuracy_std", "train_seconds_mean",
                                                          "device", "isolation", "engine")}
                                for p, by_device in metrics["protocols"].items()
                                for d, r in by_device.items() if d == device}
    return {"wall_seconds": round(wall, 1), "recorded": recorded,
            "returncodes": {a: p.returncode for a, p in procs.items()},
            "log_tails": {a: text[-1200:] for a, text in logs.items()}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--small", action="store_true", help="a CPU dry run with tiny sizes")
    parser.add_argument("--jobs", default="12", help="grading processes sharing the GPU in the class part; "
                        "comma-separated job counts grade the class once with each")
    parser.add_argument("--tests", default="", help="run only the GPU tests that match this pytest -k expression")
    parser.add_argument("--class-size", type=int, default=64, help="hand-ins in the class part")
    parser.add_argument("--deadline", type=float, default=450, help="seconds the whole run may take")
    parser.add_argument("--record", default="", help="comma-separated assignments to record (default: all)")
    parser.add_argument("--processes", type=int, default=8, help="processes sharing the GPU in the sharing part")
    parser.add_argument("--parts", default="environment,chapter_vs_protocol,sharing,tests,record,class",
                        help="comma-separated, run in this order")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    from benchmarks.gpu_class import classes
    from benchmarks.gpu_sharing import sharing
    from grader.training import data

    device = "cpu" if args.small else "cuda"
    data_root = data.resolve_data_root(None)
    work = Path(tempfile.mkdtemp(prefix="gpu-bench-"))
    references = work / "reference"
    shutil.copytree(REPO / "reference", references)
    run = Run(args.out, args)
    parts = {"environment": (5, lambda: environment(device)),
             "chapter_vs_protocol": (60, lambda: chapter_vs_protocol(device, args.small, data_root, work / "staged")),
             "tests": (100, lambda: tests(args.out, args.tests)),
             "sharing": (60, lambda: sharing(data.stage("cifar10", data_root, work / "staged").directory, device,
                                             2 if args.small else args.processes, args.small)),
             "record": (90, lambda: record(device, args.small, references, args.out, args.record)),
             "class": (60, lambda: classes(device, args.small, [int(n) for n in args.jobs.split(",")],
                                           8 if args.small else args.class_size, args.out, references, run.left()))}
    for name in args.parts.split(","):  # in the order given: put first what this run must not miss
        needs, work_fn = parts[name]
        run.part(name, needs, work_fn)
    print(f"figures → {run.path}")


if __name__ == "__main__":
    main()
