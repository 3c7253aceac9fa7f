"""Messy real-world hand-ins (tests/submissions/real_world/: written after public student code, each file's
first line names its source; MANIFEST.json says what each is) graded as a class by `grader batch`, the real
CLI, in the real sandbox, notebooks in a real kernel: exact statuses and points, how each file ran, and the
root causes the student reads. Then the acceptance cases of salvaging: a correct model wrapped in a failing
download and training loop, and every reference rewritten in the functional and the all-modules style."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, SUBMISSIONS, data_root, grade, spec_copy

from grader.probes import PROBES
from grader.spec import load_spec

REAL = SUBMISSIONS / "real_world"
STATUS = {"P": "passed", "H": "partial", "F": "failed", "E": "error", "M": "missing", "S": "skipped"}
SALVAGED, CLEAN = "salvaged", "ran as handed in"

# file stem → (status of each non-training check in spec order, how the file ran, root causes in order)
CASES = {
    "batchnorm_cnn": {
        "batchnorm1d_dataiter_next": ("FFFEEEE", SALVAGED, ["no network"]),
        "bn_after_relu_download_and_train": ("PPPPPPF", SALVAGED, ["no network"]),
        "colab_drive_imagefolder_sequential": ("PPPPPPP", SALVAGED, ["Colab-only code", "missing data file"]),
        "d_drive_missing_bn2": ("PFFPPPF", SALVAGED, ["missing data file"]),
        "functional_cuda_in_init": ("EEEEEEE", SALVAGED, ["GPU requested on a CPU grader"]),
        "main_guard_functional_argparse": ("PPPPPPP", CLEAN, []),
        "vscode_cells_compare_plain_vs_bn": ("PPPPPPP", SALVAGED, ["missing data file"]),
    },
    "cifar_simplecnn": {
        "blitz_tutorial_style_dataiter_next": ("PPPPP", SALVAGED, ["no network"]),
        "colab_giant_cell_seaborn_style": ("PPPPP", SALVAGED, ["removed API", "no network"]),
        "early_download_then_cuda_model": ("PPPPP", SALVAGED, ["no network"]),
        "fstring_placeholder_syntax_error": ("PPPPP", SALVAGED, ["syntax error", "no network"]),
        "main_guard_done_right": ("PPPPP", CLEAN, []),
        "nameerror_trainloader_after_class": ("PPPPP", SALVAGED, ["top-level code failed"]),
        "sanity_train_random_tensors_then_exit": ("PPPPP", SALVAGED, ["top-level code too slow"]),
        "torchsummary_and_sys_exit": ("PPPPP", SALVAGED, ["missing package", "missing data file"]),
        "vscode_cells_crlf_windows_path": ("PPPPP", SALVAGED, ["missing data file"]),
        "wrong_in_channels_transform_nameerror": ("FFFEF", SALVAGED, ["top-level code failed"]),
    },
    "feature_maps": {
        "argparse_checkpoint_after_pool": ("FFPPE", SALVAGED, ["command-line arguments", "no network"]),
        "colab_conv1_direct_before_relu": ("PFPPE", SALVAGED, ["Colab-only code", "missing data file"]),
        "cv2_functional_conv2d": ("PPPPP", SALVAGED, ["missing package"]),
        "giant_cell_train_then_visualize": ("PPPPP", SALVAGED, ["no network"]),
        "hook_saveoutput_seaborn_white": ("PPPPP", SALVAGED, ["removed API", "no network", "missing data file"]),
        "main_guard_done_right": ("PPPPP", CLEAN, []),
        "notebook_main_guard_untagged": ("PPPPP", SALVAGED, ["no network"]),
        "vscode_cells_crlf_hook_left_registered": ("PPFPP", SALVAGED, ["top-level code failed"]),
    },
    "mnist_simplecnn": {
        "argparse_required_data_dir": ("PPPPP", SALVAGED, ["command-line arguments"]),
        "colab_drive_mount_then_model": ("PPPPP", SALVAGED, ["Colab-only code", "missing data file"]),
        "download_and_train_at_top_level": ("PPPPP", SALVAGED, ["no network"]),
        "load_state_dict_predict_cv2": ("PPPPP", SALVAGED, ["missing package"]),
        "notebook_windows_path_functional": ("PPPPP", SALVAGED, ["missing data file"]),
        "one_giant_cell_wrong_flatten": ("PFFPF", SALVAGED, ["no network"]),
        "python2_print_in_train_helper": ("PPPPP", SALVAGED, ["syntax error"]),
        "vscode_cells_tqdm_cuda_in_forward": ("FPFEE", SALVAGED, ["no network", "GPU requested on a CPU grader"]),
    },
    "vgg16_transfer": {
        "colab_add_module_head": ("PFPFP", SALVAGED, ["Colab-only code", "missing data file"]),
        "enum_class_weights_model_fc_torchsummary": ("EEEEE", SALVAGED, ["missing package", "no network"]),
        # two defects: `model = build_model()` at the top level, and build_model's own download (not its weights)
        "ignores_weights_pretrained_true_sys_exit": ("EEEEE", SALVAGED, ["no network", "no network"]),
        "kaggle_imagefolder_sequential_head": ("PPPPP", SALVAGED, ["missing data file"]),
        "optimizer_all_params_cuda_toplevel": ("PPPPF", SALVAGED, ["GPU requested on a CPU grader", "no network"]),
        "pretrained_true_download_at_top": ("PPPPP", SALVAGED, ["no network"]),
        "vscode_cells_tqdm_features_frozen": ("PPPPP", SALVAGED, ["no network"]),
    },
    "training_loop": {
        "chat_uos_tensor_count_without_no_grad": ("PPPHP", CLEAN, []),  # issue 25: a 0-dim tensor accepted
        "colab_nll_loss_instead_of_criterion": ("EFFPP", SALVAGED, ["missing data file", "missing data file"]),
        "homework_week9_no_modes_running_loss_reset": ("FPPFF", SALVAGED, ["missing package"]),
        "kuangliu_progress_bar_from_local_utils": ("PEEEE", SALVAGED, ["missing package",
                                                                      "needs a line that did not run"]),
        "lucinnnal_enumerate_argparse_main_guard": ("PPPPP", CLEAN, []),
        "own_parameter_order_percent_accuracy": ("FFFFF", CLEAN, []),  # issue 25: named as a swap
        "quickstart_zero_grad_after_step_download_at_top": ("PPPPP", SALVAGED, ["no network"]),
        "tqdm_progress_bar_train_eval": ("PPPPP", SALVAGED, ["no network"]),
        "udacity_for_else_model_forward_home_data_dir": ("PPPPP", SALVAGED, ["no network", "missing package"]),
        "udacity_part5_topk_mean_of_batch_accuracies": ("HPPPF", SALVAGED, ["no network"]),
        "udacity_part5_fashion_mnist_tensor_accuracy": ("FPPPP", SALVAGED, ["no network"]),
        "blitz_cifar10_per_class_loop_swapped_args": ("FFFEE", SALVAGED, ["no network"]),
    },
    "resnet18_cifar": {
        "blitz_resnet18_weights_none_1000_head": ("FFPP", SALVAGED, ["no network"]),  # gradients flow through 1000 logits
        "forward_returns_logits_and_loss": ("FFPE", CLEAN, []),  # gradient_flow: the tuple is output_shape's
        "haolpku_download_at_top_fc_replaced": ("PPPP", SALVAGED, ["no network"]),
        "kang346_pretrained_true_wrapper_colab": ("EEPE", SALVAGED, ["Colab-only code",
                                                                                   "missing package", "no network"]),
        "len_classes_bound_only_under_main": ("EEPE", CLEAN, ["needs a line that did not run"]),
    },
    "resnet18_transfer": {
        "car_classifier_layer3_layer4_unfrozen": ("PFFFP", CLEAN, []),
        "pytorch_tutorial_ants_bees_two_way_head": ("FFPFP", SALVAGED, ["missing data file"]),  # a step runs on 2 logits
        "thaoducphung_pretrained_true_in_build_model": ("EEEEE", CLEAN, ["no network"]),
        # issue 25: the ResNet18 in self.resnet is found there (as new_head finds resnet.fc), all frozen
        "transfermodel_freeze_all_but_last_two_colab": ("PPPPP", SALVAGED, ["missing data file"]),
    },
    "pneumonia_resnet50": {  # clinical_metrics, SKIPPED without the X-rays and weights, is no test in results.json
        # issue 25: one transform for all splits: datasets names the transforms check, which charges it
        "grayscale_half_norm_unweighted_plot_at_top": ("PFEPPF", SALVAGED, ["missing data file"]),
        "lung_dataset_root_plus_train_hardcoded_weights": ("EFEEEF", SALVAGED, ["missing data file", "no network",
                                                                              "missing data file"]),
        "pneumoxai_single_logit_bce_kaggle": ("FPPPFF", SALVAGED, ["missing data file"]),  # the ResNet50 in self.model
        "transfer_tutorial_len_class_names_kaggle": ("EPPEEP", SALVAGED, ["missing data file",
                                                                          "needs a line that did not run"]),
    },
}
NO_MODEL_STYLES = {"training_loop", "resnet18_cifar", "resnet18_transfer", "pneumonia_resnet50"}
"""Assignments whose model the student does not write (the grader brings it, or it is torchvision's): no reference
model to rewrite in the other two styles."""
# what a student reads at the top of the report, for one file of each root cause
WORDS = {
    "blitz_tutorial_style_dataiter_next": "the grader has no network, so nothing can be downloaded",
    "colab_drive_mount_then_model": "Colab-only code: `google.colab` exists only on Google Colab",
    "load_state_dict_predict_cv2": "the grader does not have the package `cv2`",
    "argparse_required_data_dir": "argparse read the command line while the grader imported your file",
    "functional_cuda_in_init": "your code asks for a GPU, but the grader runs on the CPU",
    "hook_saveoutput_seaborn_white": "matplotlib renamed its seaborn styles: 'seaborn-white' no longer exists",
    "python2_print_in_train_helper": "Python 2's `print x` is `print(x)` in Python 3",
    "sanity_train_random_tensors_then_exit": "was still running when the 30 s import budget ran out",
    "notebook_windows_path_functional": "does not exist (or may not be written) where the grader runs it",
    "notebook_main_guard_untagged": "a notebook's kernel runs as `__main__`",
}

# issue 25's message audit (docs/audit-issue25-after.md): file stem → "summary" or a check id → (words what the student
# reads there must contain, words it must no longer contain: the false or unlocated sentences the audit found before)
MESSAGES = {
    "blitz_resnet18_weights_none_1000_head": {
        "gradient_flow": (["62 parameter tensors, all with finite non-zero gradients"],
                          ["cannot compute a cross-entropy loss", "the output must be [batch, 10]"]),
    },
    "forward_returns_logits_and_loss": {
        "output_shape": (["forward returned a tuple of (a tensor of shape [8, 10], None), not a plain torch.Tensor",
                          "return the logits tensor itself"], ["builtins.tuple", "MeasureError", "forward raised"]),
        "structure": (["build_model() returned a ResNet18, not a torchvision ResNet"], ["submission.ResNet18"]),
        "gradient_flow": (["Not measured: 'Output shape' already lost its points for this"], []),
    },
    "kang346_pretrained_true_wrapper_colab": {
        "summary": (["(line 4 of cell 6 (`class ResNetCIFAR10(nn.Module):`): `self.resnet = models.resnet18(",
                     "`build_model`, which the grader calls, downloads pretrained weights"],
                    ["download outside the file you hand in"]),
        "output_shape": (["line 4 of cell 6", "downloads pretrained weights", "else `weights=None`",
                          "cell 6 (`class ResNetCIFAR10(nn.Module):`), line 13, in build_model"],
                         ["skip-grading", "__main__", "name resolution>. URLError", "not run"]),
    },
    "len_classes_bound_only_under_main": {
        "output_shape": (["line 18 of len_classes_bound_only_under_main.py", "Traceback: your code only",
                          "len_classes_bound_only_under_main.py, line 18, in build_model",
                          "`classes` is set only under `if __name__ == \"__main__\":` (line 33)",
                          "set `classes` at the top level of your file, outside the main guard"], ["shows where"]),
    },
    "car_classifier_layer3_layer4_unfrozen": {
        "architecture": (["20 Conv2d as expected; 2 Linear (expected 1): model.fc is Sequential(Dropout(p=0.5), ",
                          "Linear(256, 10)), not Linear(512, 10)", "replace model.fc by one nn.Linear(512, 10)"],
                         ["define each layer as an attribute", "Conv2d(in_channels=64, out_channels=64"]),
        "frozen_layers": (["model.layer3 and model.layer4 are still trainable (requires_grad=True)"],
                          ["without the pretrained layers"]),
    },
    "pytorch_tutorial_ants_bees_two_way_head": {
        "architecture": (["Linear #1 ('fc'): out_features=2, expected 10"], ["Conv2d(in_channels=64, out_channels=64"]),
        "frozen_layers": (["all 60 parameter tensors of the pretrained layers (conv1 … layer4) are frozen"],
                          ["cannot take a training step", "the output must be"]),
        "new_head": (["fc is nn.Linear(512, 2)"], ["cannot take a training step"]),
    },
    "thaoducphung_pretrained_true_in_build_model": {
        "summary": (["`build_model`, which the grader calls, downloads pretrained weights",
                     "pass on the `weights` argument build_model is given: `torchvision.models.resnet18(weights="],
                    ["__main__", "download outside the file you hand in"]),
        "frozen_layers": (["(line 7 of thaoducphung_pretrained_true_in_build_model.py: `model = torchvision.models.",
                           "resnet18(weights=weights)"],
                          ["name resolution>. URLError", "__main__"]),
    },
    "transfermodel_freeze_all_but_last_two_colab": {
        "architecture": (["20 Conv2d and 1 Linear, as expected"], ["Conv2d(in_channels=64, out_channels=64"]),
        "frozen_layers": (["(conv1 … layer4), in resnet, are frozen and unchanged"], ["without the pretrained layers"]),
    },
    "grayscale_half_norm_unweighted_plot_at_top": {
        "transforms": (["gives [1, 224, 224], not [3, 224, 224] (and a one-channel Normalize, not ImageNet's three "
                        "means and stds)", "transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])"], []),
        "datasets": (["Not measured: 'Transforms for grayscale X-rays' already lost its points for this"],
                     ["does not augment", "give the training dataset the training transform"]),
    },
    "lung_dataset_root_plus_train_hardcoded_weights": {
        "summary": (["Fix: pass on the `weights` argument build_model is given: `models.resnet50(weights=weights)`"],
                    ["Sensitivity, specificity"]),
        "datasets": (["`root + 'train'` glues 'train' to the end of the folder's name", "os.path.join(root, 'train')"],
                     ["read only the paths they are given"]),
        "new_head": (["(line 35 of lung_dataset_root_plus_train_hardcoded_weights.py: `resnet = models.resnet50(",
                      "`build_model`, which the grader calls, downloads pretrained weights"],
                     ["__main__", "skip-grading", "name resolution>. URLError"]),
    },
    "pneumoxai_single_logit_bce_kaggle": {
        "frozen_backbone": (["all 159 parameter tensors of the pretrained layers (conv1 … layer4), in model, are"],
                            ["without the pretrained layers"]),
        "new_head": (["model.fc is nn.Linear(2048, 1)"], ["cannot take a training step"]),
    },
    "transfer_tutorial_len_class_names_kaggle": {
        "summary": (["your code uses it as `len(class_names)`"], ["class_names = 10"]),
        "output_shape": (["(line 6 of cell 5 (`def build_model(weights=None):`): `model_conv.fc = nn.Linear(",
                          "which did not run"],
                         ["class_names = 10"]),
    },
    "udacity_part5_fashion_mnist_tensor_accuracy": {
        "summary": (["Error downloading train-images-idx3-ubyte.gz: the grader has no network"], ["::"]),
        "loaders": (["make_loaders loads FashionMNIST, not MNIST", "line 6 of cell 3",
                     "load MNIST from the `root` make_loaders is given: datasets.MNIST(root, train=True"],
                    ["the grader has no network", "the grader brings the data", "skip-grading", "::"]),
        "evaluate": (["0.1351 = 5/37", "returned as a 0-dim tensor", ".item()"], ["a tensor, not a Python float"]),
    },
    "blitz_cifar10_per_class_loop_swapped_args": {
        "loaders": (["make_loaders loads CIFAR10, not MNIST", "datasets.MNIST(root"],
                    ["the grader has no network", "skip-grading", "__main__"]),
        "steps": (["train_one_epoch's parameters are (model, train_loader, optimizer, criterion, device)",
                   "the brief's order is (model, loader, criterion, optimizer, device)",
                   'def train_one_epoch(model, loader, criterion, optimizer, device="cpu")'], ["shows where"]),
        "evaluate": (["IndexError: index 16 is out of bounds", "line 12 of cell 5", "`label = labels[i]`",
                      "cell 5 (`def evaluate(model, loader, device=\"cpu\"):`), line 12, in evaluate"],
                     ["shows where", "not run"]),
    },
}
NEVER = ["builtins.", "MeasureError", "submission.", "cannot compute a cross-entropy loss",
         "cannot take a training step", "the traceback under 'output'", "/work/", "/root/"]
"""Read nowhere in the graded class's results.json of a hand-in that MESSAGES pins (the audit's internal names and
false sentences)."""


def static_checks(assignment: str) -> list[str]:
    spec = load_spec(REPO / "assignments" / assignment / "assignment.toml")
    return [c.id for c in spec.checks if not PROBES[c.probe].trains]


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory: pytest.TempPathFactory, needs_data: Path):
    """assignment → the output folder of one `grader batch` over its real-world hand-ins, the reference solution
    (as `reference`) and, where the assignment has a model, the reference in the other styles (`functional`,
    `modules`); run once, on first use."""
    done: dict[str, Path] = {}

    def batch(assignment: str) -> Path:
        if assignment not in done:
            handins, out = tmp_path_factory.mktemp(f"{assignment}-in"), tmp_path_factory.mktemp(assignment)
            styles = [] if assignment in NO_MODEL_STYLES else list((SUBMISSIONS / "styles" / assignment).iterdir())
            for path in [*(REAL / assignment).iterdir(), *styles]:
                shutil.copy(path, handins / path.name)
            shutil.copy(REPO / "reference" / assignment / "solution.py", handins / "reference.py")
            proc = subprocess.run([sys.executable, "-m", "grader", "batch", assignment, str(handins), "--out",
                                   str(out), "--jobs", "2", "--only", ",".join(static_checks(assignment))],
                                  capture_output=True, text=True, timeout=900, cwd=REPO,
                                  env={**os.environ, "GRADER_DATA": str(data_root())})
            assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
            done[assignment] = out
        return done[assignment]
    return batch


def _results(out: Path, student: str) -> dict:
    return json.loads((out / "students" / student / "results.json").read_text())


SLOW = {"vgg16_transfer", "cifar_simplecnn", "resnet18_cifar", "resnet18_transfer", "pneumonia_resnet50"}
"""Their classes take 40-60 s to grade: `make test-slow` runs them; the default suite runs the other three."""


def _by_speed(assignment: str, *rest: str) -> object:
    return pytest.param(assignment, *rest, marks=[pytest.mark.slow] if assignment in SLOW else [])


@pytest.mark.parametrize("assignment,stem", [_by_speed(a, s) for a, files in CASES.items() for s in files])
def test_real_world_handin(assignment: str, stem: str, graded_class) -> None:
    codes, ran, causes = CASES[assignment][stem]
    folder = graded_class(assignment) / "students" / stem
    results = _results(graded_class(assignment), stem)
    statuses = [t["extra_data"]["status"] for t in results["tests"]]
    assert statuses == [STATUS[c] for c in codes]
    earned = {"passed": lambda t: t["max_score"], "partial": lambda t: t["score"]}
    assert results["score"] == sum(earned[t["extra_data"]["status"]](t) for t in results["tests"]
                                   if t["extra_data"]["status"] in earned)
    assert all(0 < t["score"] < t["max_score"] for t in results["tests"] if t["extra_data"]["status"] == "partial")
    assert (results["extra_data"]["ran"], results["extra_data"]["causes"]) == (ran, causes), results["output"]
    report = (folder / "instructor.html").read_text()
    if ran == SALVAGED:
        assert "How your file ran: salvaged" in report and "What did not run" in report
    if stem in WORDS:
        assert WORDS[stem] in results["output"]


@pytest.mark.parametrize("assignment,stem", [_by_speed(a, s) for a, files in CASES.items() for s in files
                                             if s in MESSAGES])
def test_real_world_messages(assignment: str, stem: str, graded_class) -> None:
    """What the audit read as right stays so: each pinned place says its words and none of the old false ones."""
    results = _results(graded_class(assignment), stem)
    read = {"summary": results["output"], **{t["extra_data"]["check_id"]: t["output"] for t in results["tests"]}}
    for where, (said, unsaid) in MESSAGES[stem].items():
        assert [words for words in said if words not in read[where]] == [], (where, read[where])
        assert [words for words in unsaid if words in read[where]] == [], (where, read[where])
    assert [words for words in NEVER if any(words in text for text in read.values())] == []

def test_the_corpus_covers_every_file_and_assignment() -> None:
    """Every real-world file has an expected outcome, and every assignment with a model a reference in both other
    styles."""
    with_model = set(CASES) - NO_MODEL_STYLES
    assert {p.name for p in (SUBMISSIONS / "styles").iterdir()} == with_model
    assert all({p.name for p in (SUBMISSIONS / "styles" / a).iterdir()} == {"functional.py", "modules.py"}
               for a in with_model)
    on_disk = {(p.parent.name, p.stem) for p in REAL.glob("*/*") if p.suffix in (".py", ".ipynb")}
    assert on_disk == {(a, s) for a, files in CASES.items() for s in files}
    assert len(on_disk) >= 30 and sum(1 for p in REAL.glob("*/*.ipynb")) >= 12


WRAPPED = """

# --- what real hand-ins keep at the top level (the CIFAR-10 tutorial's download and training loop) ---
import torchvision
import torchvision.transforms as transforms

transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))])
trainset = torchvision.datasets.CIFAR10(root="./data", train=True, download=True, transform=transform)
trainloader = torch.utils.data.DataLoader(trainset, batch_size=4, shuffle=True, num_workers=2)
net = SimpleCNN()
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(net.parameters(), lr=0.001, momentum=0.9)
for epoch in range(10):
    for inputs, labels in trainloader:
        optimizer.zero_grad()
        loss = criterion(net(inputs), labels)
        loss.backward()
        optimizer.step()
print("Finished Training")
"""
CLEAN_CHECK = '\n[[check]]\nid = "clean"\nprobe = "runs_as_handed_in"\npoints = 1\n'


def _wrapped_and_alone(tmp_path: Path, only: str) -> tuple:
    spec = spec_copy(tmp_path, "cifar_simplecnn", append=CLEAN_CHECK)
    solution = REPO / "reference" / "cifar_simplecnn" / "solution.py"
    wrapped = tmp_path / "handin.py"
    wrapped.write_text(solution.read_text() + WRAPPED)
    return (grade(str(spec), wrapped, tmp_path / "wrapped", "--only", only),
            grade(str(spec), solution, tmp_path / "alone", "--only", only))


def _line(path_text: str, start: str) -> int:
    return next(n for n, line in enumerate(path_text.splitlines(), start=1) if line.startswith(start))


def test_a_correct_model_in_a_failing_file_scores_what_it_scores_alone(tmp_path: Path) -> None:
    wrapped, alone = _wrapped_and_alone(tmp_path, ",".join(static_checks("cifar_simplecnn") + ["clean"]))
    assert alone.results["score"] == 9 and wrapped.results["score"] == 8
    assert {k: v for k, v in wrapped.statuses().items() if k != "clean"} == \
        {k: v for k, v in alone.statuses().items() if k != "clean"}
    assert wrapped.statuses()["clean"] == "failed" and alone.statuses()["clean"] == "passed"
    output, text = wrapped.results["output"], (tmp_path / "handin.py").read_text()
    assert "How your file ran: salvaged." in output
    assert (f"line {_line(text, 'trainset =')} (`trainset = torchvision.datasets.CIFAR10(root=\"./data\", train=True, "
            "...`) raised URLError") in output and "the grader has no network" in output
    assert "Your definitions were graded without your top-level code" in output
    assert "How your file ran: salvaged" in wrapped.html
    loop = f"line {_line(text, 'for epoch')} (`for epoch in range(10):`)"
    assert f"{loop}: top-level code (not a definition)" in wrapped.html


@pytest.mark.slow
def test_with_every_check_a_wrapped_model_scores_what_it_scores_alone(tmp_path: Path, needs_data: Path) -> None:
    spec = load_spec(REPO / "assignments" / "cifar_simplecnn" / "assignment.toml")
    wrapped, alone = _wrapped_and_alone(tmp_path, ",".join([c.id for c in spec.checks] + ["clean"]))
    assert wrapped.results["score"] == alone.results["score"] - 1 == 10


@pytest.mark.parametrize("assignment", [_by_speed(a) for a in sorted(CASES)])
def test_every_reference_scores_the_same_in_the_functional_and_the_modules_style(assignment: str, graded_class) -> None:
    out = graded_class(assignment)
    reference = _results(out, "reference")
    assert reference["score"] == sum(t["max_score"] for t in reference["tests"]) > 0
    statuses = lambda results: [t["extra_data"]["status"] for t in results["tests"]]  # noqa: E731
    for style in () if assignment in NO_MODEL_STYLES else ("functional", "modules"):
        other = _results(out, style)
        assert statuses(other) == statuses(reference), (style, other["tests"])
        assert other["score"] == reference["score"], style
