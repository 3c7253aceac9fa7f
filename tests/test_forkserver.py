"""The fork server: a forked child grades exactly as a one-off child does, and a hostile submission
cannot harm the server or the submissions graded after it in the same server."""
from __future__ import annotations

import json
import subprocess
import sys
from contextlib import closing

import pytest
from conftest import REPO, SUBMISSIONS, data_root, nobody_processes

from grader import api
from grader.execute.executor import ForkServerChild
from grader.spec import catalog

CIFAR = SUBMISSIONS / "cifar_simplecnn"
HOSTILE = SUBMISSIONS / "forkserver"
STATIC = ("output_shape", "architecture", "layer_shapes", "gradient_flow", "reference_gradients")


@pytest.fixture(scope="module")
def grading() -> api.Grading:
    return api.prepare_grading(catalog.find_assignment("cifar_simplecnn"),
                               api.GradeOptions(only=STATIC, data_root=data_root()))


def _server(grading: api.Grading) -> closing[ForkServerChild]:
    return closing(ForkServerChild(grading.sandbox))


def _outcome(result) -> list[tuple[str, float]]:
    return [(c.status.value, c.points) for c in result.checks]


FRESH_VS_FORKED = ["correct_attributes", "wrong_in_channels", "syntax_error", "os_exit_at_import", "stdout_flood",
                   "monkeypatch_torch", "tensor_subclass_lies", "fork_grandchild", "reads_secrets", "detached_output"]


def test_forked_children_grade_like_fresh_ones(grading: api.Grading) -> None:
    with _server(grading) as server:
        for name in FRESH_VS_FORKED:
            fresh = api.grade_with(grading, CIFAR / f"{name}.py")
            forked = api.grade_with(grading, CIFAR / f"{name}.py", executor=server)
            assert _outcome(forked) == _outcome(fresh), name
            assert [c.found for c in forked.checks] == [c.found for c in fresh.checks], name
        assert server.server.starts == 1
    assert not nobody_processes()


def test_hostile_submissions_cannot_harm_the_server_or_the_next_submission(grading: api.Grading) -> None:
    correct = CIFAR / "correct_attributes.py"
    with _server(grading) as server:
        killed = api.grade_with(grading, HOSTILE / "kills_server.py", executor=server)
        after_kill = api.grade_with(grading, correct, executor=server)
        starts_after_kill = server.server.starts
        stopped = api.grade_with(grading, HOSTILE / "stops_server.py", executor=server)
        after_stop = api.grade_with(grading, correct, executor=server)
        starts_after_stop = server.server.starts
        spy = api.grade_with(grading, HOSTILE / "leaves_spy.py", executor=server)
        after_spy = api.grade_with(grading, correct, executor=server)
        tmp_report = api.grade_with(grading, HOSTILE / "reports_tmp.py", executor=server)
    full = [("passed", p) for p in (2.0, 2.0, 1.0, 1.0, 2.0)]
    # Killing the server takes its sandbox and the submission down: no point, an honest error.
    assert killed.score == 0 and {c.status.value for c in killed.checks} == {"error"}
    assert killed.load_error == "the grading server was killed while the submission ran"
    assert starts_after_kill == 2 and _outcome(after_kill) == full
    # A stopped server cannot answer: it is replaced; the submission itself was measured normally.
    assert _outcome(stopped) == full
    assert starts_after_stop == 3 and _outcome(after_stop) == full
    # The spy is killed with its submission; it could not read the server, nor touch what came next.
    assert "cannot read the server's mem: PermissionError" in spy.stdout
    assert "cannot read the server's environ: PermissionError" in spy.stdout
    assert _outcome(spy) == full and _outcome(after_spy) == full
    assert "tmp holds: []" in tmp_report.stdout
    assert not nobody_processes(), "a process survived the server"


def test_a_batch_workers_child_can_ask_who_it_runs_as(grading: api.Grading) -> None:
    """The leased uid a server's children run as has no passwd entry; getpass.getuser() (torch's compile caches call
    it) still works."""
    with closing(ForkServerChild(grading.sandbox)) as server:
        result = api.grade_with(grading, HOSTILE / "asks_who_runs_it.py", executor=server)
    assert _outcome(result) == [("passed", p) for p in (2.0, 2.0, 1.0, 1.0, 2.0)], [c.found for c in result.checks]


CUDNN_PRELOAD = """import json, os
import torch  # as the server has it, before it opens cuDNN
from grader.child.zygote import preload_cudnn
threads = len(os.listdir('/proc/self/task'))
opened = preload_cudnn()
print(json.dumps({"opened": opened, "threads_added": len(os.listdir('/proc/self/task')) - threads,
                  "cuda_initialized": torch.cuda.is_initialized(),
                  "mapped": sorted({line.split()[-1].rsplit('/', 1)[-1] for line in open('/proc/self/maps')
                                    if 'libcudnn_' in line})}))
"""


def test_a_gpu_server_opens_cudnns_libraries_without_touching_cuda() -> None:
    """A fork server for a CUDA device opens cuDNN's sub-libraries before it forks (each child would open them on
    its first convolution), and nothing else: no thread started, no CUDA initialised (a context must never be
    inherited through fork). Runs wherever torch ships cuDNN, a GPU or not."""
    proc = subprocess.run([sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {str(REPO)!r})\n" + CUDNN_PRELOAD],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    seen = json.loads(proc.stdout.splitlines()[-1])
    if not seen["opened"]:
        pytest.skip("this torch build has no cuDNN (libcudnn.so is not loaded with torch)")
    assert any(name.startswith("libcudnn_engines") for name in seen["opened"]), seen["opened"]
    assert set(seen["opened"]) <= set(seen["mapped"])
    assert seen["threads_added"] == 0 and seen["cuda_initialized"] is False
