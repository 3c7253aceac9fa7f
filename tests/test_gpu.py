"""Grading on a GPU: the CUDA-graph training engine and its eager fallback, the strong sandbox with the
GPU bound in, fork-server children that each make their own CUDA context, and a class sharing one GPU
with a submission that grabs all its memory. Run on a GPU machine by benchmarks/gpu.sh; skipped here.

The first tests need no GPU: which recording judges a submission, that every training protocol has a GPU
recording with its provenance, the default job count on a GPU, the guard without NVML, the regrade rule."""
from __future__ import annotations

import json
import shutil
import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from conftest import REPO, SUBMISSIONS, run_cli
from torch import nn

from grader.execute.gpu import GpuGuard, memory_use
from grader.probes.training import recording_for

GPU = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU (benchmarks/gpu.sh runs these)")
CIFAR_REFERENCE = REPO / "reference" / "cifar_simplecnn" / "solution.py"


def test_accuracy_is_judged_against_the_recording_of_the_same_device_class() -> None:
    metrics = {"protocols": {"full": {"cpu": {"accuracy_mean": 0.66, "device": "cpu"},
                                      "cuda": {"accuracy_mean": 0.69, "device": "cuda (H100)"}},
                             "quick": {"cpu": {"accuracy_mean": 0.63, "device": "cpu"}}}}
    assert recording_for(metrics, "full", "cuda")["accuracy_mean"] == 0.69
    assert recording_for(metrics, "full", "cpu")["accuracy_mean"] == 0.66
    fallback = recording_for(metrics, "quick", "cuda")
    assert fallback["accuracy_mean"] == 0.63 and fallback["recorded_on_other_device"]
    assert recording_for(metrics, "high_lr", "cpu") is None


def test_every_training_protocol_has_a_gpu_recording_with_its_provenance() -> None:
    """Each protocol a check trains with (but `transfer`, which needs the ImageNet weights) and each one recorded
    has a GPU recording of 3 seeds or more, in the strong sandbox, saying where and with what it was made."""
    from grader.spec import catalog

    for spec in catalog.list_assignments():
        path = REPO / "reference" / spec.name / "metrics.json"
        recorded = json.loads(path.read_text())["protocols"] if path.is_file() else {}
        trained = {c.params["protocol"] for c in spec.checks if c.params.get("protocol", "transfer") != "transfer"}
        for protocol in trained | set(recorded):
            gpu = recorded.get(protocol, {}).get("cuda")
            assert gpu, f"{spec.name}: protocol {protocol!r} has no GPU recording in {path}"
            assert gpu["device"].startswith("cuda (NVIDIA") and gpu["isolation"] == "strong", (spec.name, protocol)
            assert len(gpu["seeds"]) >= 3 and len(gpu["accuracies"]) == len(gpu["seeds"]), (spec.name, protocol)
            assert all(gpu.get(k) for k in ("torch", "dataset_fingerprint", "recorded_at", "train_seconds_mean"))


@pytest.mark.parametrize("cores, on_cpu, on_gpu", [(2, 2, 2), (16, 8, 12), (64, 8, 12)])
def test_a_batch_on_a_gpu_defaults_to_more_jobs(monkeypatch: pytest.MonkeyPatch, cores: int, on_cpu: int,
                                                on_gpu: int) -> None:
    from grader.classroom.batch import default_jobs

    monkeypatch.setattr("os.cpu_count", lambda: cores)
    assert (default_jobs("cpu"), default_jobs("cuda")) == (on_cpu, on_gpu)


@pytest.mark.skipif(memory_use() is not None, reason="NVML is present here")
def test_guard_without_nvml_never_kills_or_flags() -> None:
    guard = GpuGuard(1 << 30)
    assert guard.poll({1}) == "" and not guard.contended


@pytest.mark.parametrize("contended, message, regraded", [
    (True, "RuntimeError: cuDNN error: CUDNN_STATUS_INTERNAL_ERROR", True),
    (True, "OutOfMemoryError: CUDA out of memory. Tried to allocate 20.00 MiB", True),
    (False, "OutOfMemoryError: CUDA out of memory. Tried to allocate 20.00 MiB", False),
    (True, "ValueError: the student's own error", False),
])
def test_a_gpu_failure_beside_a_hog_is_regraded_once(contended: bool, message: str, regraded: bool) -> None:
    """The regrade rule on a real child (CPU): a check that failed on the GPU while a neighbour held more than
    its share is measured again; without contention, or for an error of the submission's own, it is not."""
    from grader import api
    from grader.contract import CheckOutcome, ChildReport, OutcomeKind
    from grader.spec import catalog
    from grader.submission.load import load_submission

    spec = catalog.find_assignment("cifar_simplecnn")
    grading = api.prepare_grading(spec, api.GradeOptions(device="cpu", isolation="auto", only=("output_shape",)))
    submission = load_submission(CIFAR_REFERENCE, spec.entry)
    first = ChildReport(outcomes={"output_shape": CheckOutcome(kind=OutcomeKind.ERROR, message=message)},
                        gpu_contended=contended)
    try:
        report = api._regrade_contended(grading, submission, first, None)
    finally:
        shutil.rmtree(submission.directory, ignore_errors=True)
    assert (report is not first) == regraded
    if regraded:
        assert report.outcomes["output_shape"].kind is OutcomeKind.MEASURED
        assert any("Graded twice" in note for note in report.notes)


class CifarCNN(nn.Module):
    """The chapter's CIFAR-10 SimpleCNN; `sync` makes forward call `.item()` (cannot be captured)."""

    def __init__(self, sync: bool = False) -> None:
        super().__init__()
        self.conv1, self.conv2 = nn.Conv2d(3, 16, 3, padding=1), nn.Conv2d(16, 32, 3, padding=1)
        self.fc1, self.fc2 = nn.Linear(32 * 8 * 8, 128), nn.Linear(128, 10)
        self.sync = sync

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        if self.sync and x.mean().item() > 1e9:
            x = x * 0
        return self.fc2(F.relu(self.fc1(x.flatten(1))))


@pytest.fixture(scope="module")
def cifar_on_gpu(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    from grader.training import data
    from grader.training.staged import load_staged

    staged = data.stage("cifar10", data.resolve_data_root(None), tmp_path_factory.mktemp("staged"))
    return staged, load_staged(staged.directory, "cuda", dataset="cifar10")


@GPU
@pytest.mark.gpu
def test_graph_replays_the_eager_step(cifar_on_gpu) -> None:  # noqa: ANN001
    """Same seed, same model: the CUDA-graph engine ends where eager steps on the same device end, up to the
    order in which the GPU's convolution kernels sum (after 64 steps on an H100: 2.4e-4 on one run, 1.5e-3 on 4
    of 4,608 weights on another, so each tensor is compared as a whole); a stale or repeated batch would put
    them far apart."""
    from grader.training.train import _optimizer, get_protocol, train_model

    _, tensors = cifar_on_gpu
    protocol = replace(get_protocol("cifar10", "quick"), epochs=1, train_subset=4096)
    runs = []
    for eager in (False, True):
        torch.manual_seed(0)
        model = CifarCNN().cuda()
        optimizer = _optimizer(list(model.parameters()), protocol.lr, torch.device("cuda")) if eager else None
        engine = train_model(model, tensors, protocol, device="cuda", optimizer=optimizer)
        assert engine.name == ("eager" if eager else "cuda-graph")
        runs.append([p.detach().clone() for p in model.parameters()])
    for graphed, eager in zip(*runs):
        assert float((graphed - eager).norm() / eager.norm()) < 1e-2


@GPU
@pytest.mark.gpu
def test_predictions_on_the_gpu_from_images_staged_on_the_cpu(cifar_on_gpu) -> None:  # noqa: ANN001
    """The training_loop probe trains through a DataLoader over CPU tensors, then predicts on the GPU."""
    from grader.training.staged import load_staged
    from grader.training.train import predict

    staged, on_gpu = cifar_on_gpu
    model = CifarCNN().cuda()
    on_cpu = load_staged(staged.directory, "cpu", dataset="cifar10")
    assert torch.equal(predict(model, on_cpu, 10, device="cuda"), predict(model, on_gpu, 10, device="cuda"))


@GPU
@pytest.mark.gpu
def test_a_model_that_syncs_in_forward_falls_back_to_eager_and_still_learns(cifar_on_gpu) -> None:  # noqa: ANN001
    from grader.training.train import get_protocol, train_and_predict

    staged, tensors = cifar_on_gpu
    torch.manual_seed(0)
    predictions, engine = train_and_predict(CifarCNN(sync=True), tensors, get_protocol("cifar10", "quick"),
                                            device="cuda")
    assert engine.name == "eager" and "could not be captured in a CUDA graph" in engine.why
    assert (predictions == staged.test_labels).double().mean().item() > 0.55


def _graded(out: Path) -> dict[str, dict]:
    with sqlite3.connect(f"file:{out / 'grades.sqlite'}?mode=ro", uri=True) as db:
        rows = db.execute("SELECT result, score, max_score FROM results").fetchall()
    return {r["submission"]: {**r, "score": score, "max_score": top}
            for r, score, top in ((json.loads(result), score, top) for result, score, top in rows)}


@GPU
@pytest.mark.gpu
def test_strong_sandbox_grades_on_the_gpu_with_a_cuda_graph(tmp_path: Path) -> None:
    proc = run_cli("grade", "cifar_simplecnn", str(CIFAR_REFERENCE), "--out", str(tmp_path), "--device", "cuda",
                   "--isolation", "strong", timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    results = json.loads((tmp_path / "results.json").read_text())
    assert results["score"] == sum(t["max_score"] for t in results["tests"]), proc.stdout[-3000:]
    report = (tmp_path / "report.html").read_text()
    assert "strong: bubblewrap" in report and "NVIDIA" in report
    assert "replayed from a CUDA graph" in json.dumps(results)


@GPU
@pytest.mark.gpu
def test_a_class_shares_the_gpu_and_a_memory_hog_costs_its_neighbours_nothing(tmp_path: Path) -> None:
    """Four children on one GPU (fork server): the hog is stopped at its share, the others keep every point;
    a model that cannot be captured trains eagerly and keeps its points too."""
    class_dir = tmp_path / "class"
    class_dir.mkdir()
    for n in range(4):
        shutil.copy(CIFAR_REFERENCE, class_dir / f"student{n}_solution.py")
        (class_dir / f"student{n}_solution.py").open("a").write(f"\n# student {n}\n")
    shutil.copy(SUBMISSIONS / "gpu" / "memory_hog.py", class_dir / "hog_memory_hog.py")
    shutil.copy(SUBMISSIONS / "gpu" / "item_in_forward.py", class_dir / "debugger_item_in_forward.py")
    out = tmp_path / "out"
    proc = run_cli("batch", "cifar_simplecnn", str(class_dir), "--out", str(out), "--jobs", "4", "--device", "cuda",
                   "--isolation", "strong", timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    graded = _graded(out)
    assert len(graded) == 6, sorted(graded)
    hog = next(r for name, r in graded.items() if "memory_hog" in name)
    assert any("over its share" in c["found"] for c in hog["checks"]), json.dumps(hog["checks"], indent=1)[:3000]
    for name, result in graded.items():
        if "memory_hog" not in name:
            lost = [(c["check_id"], c["status"], c["found"], c["output"][-1500:]) for c in result["checks"]
                    if c["status"] != "passed"]
            assert result["score"] == result["max_score"], (name, lost, result["notes"], result["stderr"][-2000:])
            assert "shared by several grading processes" in result["device"]
    debugger = next(r for name, r in graded.items() if "item_in_forward" in name)
    accuracy = next(c for c in debugger["checks"] if c["check_id"] == "test_accuracy")
    assert "eager steps" in accuracy["found"] and "could not be captured" in accuracy["found"]
