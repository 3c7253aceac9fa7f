"""Training-loop probes (section 8.3.3): the student's `train_one_epoch(model, loader, criterion, optimizer,
device="cpu") -> float` and `evaluate(model, loader, device="cpu") -> float`, run on the grader's model,
real MNIST batches and the grader's instrumented criterion and optimizer (grader.probes.spies).

`train_steps` compares the weights after 1, 2 and 3 steps with the reference loop's (recorded), and
names the bug from the call log; `train_loss` the returned loss; `loop_modes` train/eval mode,
no_grad and the move to the device; `evaluate_counts` the accuracy over every sample and an untouched
model; `loop_test_accuracy` (hidden) trains the chapter's SimpleCNN for one epoch with the student's loop.
"""
from __future__ import annotations

from typing import Any

from grader.probes.base import (
    JudgeContext,
    MeasureContext,
    MeasureError,
    Param,
    Probe,
    Verdict,
    failed,
    passed,
)
from grader.probes.loop_call import call_entry
from grader.probes.loop_log import CHAPTER_LOOP, loop_bug
from grader.probes.training import judge_test_accuracy

LR = 1e-3
"""The chapter's Adam learning rate."""
STEP_BATCH = 16
COMPARED_NUMEL = 65_536
"""Weights compared after each step: every tensor up to this size (all but fc1's 401,408 weights, which a
loop bug changes like every other layer), to keep expected.pt small."""

# ------------------------------------------------------------------------------------ parent side

def prepare_fixtures(_build_reference: Any, params: dict[str, Any]) -> dict[str, Any]:
    """Seeded weights of the grader's MNIST models."""
    from grader.training.models import seeded_state

    return {name: seeded_state(name, params["weights_seed"]) for name in ("mnist_cnn", "mnist_bn_dropout")}


# ------------------------------------------------------------------------------------- child side

def _model(ctx: MeasureContext, name: str) -> Any:
    from grader.training.models import build

    return build(name, ctx.inputs[name], ctx.device).train()


def _train_slice(ctx: MeasureContext, count: int) -> tuple[Any, Any]:
    """The first `count` staged training images (normalised as the chapter does) and their labels."""
    import numpy as np
    import torch

    from grader.training.staged import load_first_images

    if ctx.staged_dir is None:
        raise MeasureError("no training data was made available to the grading process")
    labels = np.load(ctx.staged_dir / "train_labels.npy", mmap_mode="r", allow_pickle=False)[:count]
    images = load_first_images(ctx.staged_dir, dataset=ctx.dataset, count=count, split="train")
    return images, torch.from_numpy(np.array(labels))


def _train(ctx: MeasureContext, model: Any, loader: Any, log: Any, lenient: bool = True) -> Any:
    """The submission's train_one_epoch with the grader's instruments; `lenient`: a swapped criterion call is
    put right (only the steps check, which names that bug, refuses it)."""
    import torch

    from grader.probes.spies import ForwardWatch, SpyCriterion, instrument_optimizer

    handle = ForwardWatch(model, log, ctx.device)
    optimizer = instrument_optimizer(torch.optim.Adam(model.parameters(), lr=LR), log)
    try:
        return call_entry(ctx, "train_one_epoch", model, loader, SpyCriterion(log, lenient), optimizer,
                          device=ctx.device)
    finally:
        handle.remove()


def measure_train_steps(ctx: MeasureContext, params: dict[str, Any]) -> dict[str, Any]:
    """Weights after an epoch of 1, 2 and 3 batches (a fresh seeded model each), and the call log."""
    from grader.probes.spies import Batches, CallLog

    images, labels = _train_slice(ctx, 3 * STEP_BATCH)
    runs = []
    for steps in (1, 2, 3):
        model, log = _model(ctx, "mnist_cnn"), CallLog()
        loader = Batches(images[:steps * STEP_BATCH], labels[:steps * STEP_BATCH], STEP_BATCH)
        _train(ctx, model, loader, log, lenient=False)
        runs.append({"params": [p.detach().cpu() for p in model.parameters() if p.numel() <= COMPARED_NUMEL],
                     "log": log.kinds()})
    return {"runs": runs}


def measure_train_loss(ctx: MeasureContext, params: dict[str, Any]) -> dict[str, Any]:
    """What one epoch of three unequal batches (16, 16, 8) returns, and each batch's loss."""
    from grader.probes.spies import Batches, CallLog, plain_number

    images, labels = _train_slice(ctx, 40)
    log = CallLog()
    returned = _train(ctx, _model(ctx, "mnist_cnn"), Batches(images, labels, STEP_BATCH), log)
    return {"returned": plain_number(returned), "losses": [d["loss"] for d in log.details("criterion")],
            "batches": [d["batch"] for d in log.details("criterion")]}


def measure_loop_modes(ctx: MeasureContext, params: dict[str, Any]) -> dict[str, Any]:
    """evaluate, then train_one_epoch, then evaluate again, on a model with BatchNorm and Dropout: the
    model's mode, autograd and where each batch came from at every forward."""
    from grader.probes.spies import Batches, CallLog, ForwardWatch

    images, labels = _train_slice(ctx, 32)
    model = _model(ctx, "mnist_bn_dropout")
    phases = {}
    for phase in ("evaluate", "train_one_epoch", "evaluate_after_training"):
        log = CallLog()
        loader = Batches(images, labels, STEP_BATCH)
        if phase == "train_one_epoch":
            _train(ctx, model, loader, log)
        else:
            handle = ForwardWatch(model, log, ctx.device)
            try:
                call_entry(ctx, "evaluate", model, loader, device=ctx.device)
            finally:
                handle.remove()
        phases[phase] = log.details("forward")
    return {"phases": phases}


def measure_evaluate_counts(ctx: MeasureContext, params: dict[str, Any]) -> dict[str, Any]:
    """evaluate on 37 images in batches of 16, 16 and 5, with the model handed over in training mode;
    the grader's own count of correct predictions, and what evaluate changed in the model."""
    import torch

    from grader.probes.spies import Batches, plain_number

    images, labels = _train_slice(ctx, 37)
    model = _model(ctx, "mnist_bn_dropout").eval()
    with torch.no_grad():
        hits = model(images.to(ctx.device)).argmax(1).cpu().eq(labels)
    before = {k: v.detach().clone() for k, v in model.state_dict().items()}
    returned = call_entry(ctx, "evaluate", model.train(), Batches(images, labels, STEP_BATCH), device=ctx.device)
    changed = [k for k, v in model.state_dict().items() if not torch.equal(v, before[k])]
    return {"returned": plain_number(returned), "correct": int(hits.sum()), "total": len(labels),
            "per_batch": [int(h.sum()) for h in hits.split(STEP_BATCH)], "batch_size": STEP_BATCH,
            "changed": changed}


def measure_loop_test_accuracy(ctx: MeasureContext, params: dict[str, Any]) -> dict[str, Any]:
    """One epoch of the student's loop on the chapter's SimpleCNN (seeded), a seeded DataLoader over the
    protocol's training images, Adam 1e-3; the grader predicts the unlabeled test images."""
    import dataclasses
    import time

    import torch
    from torch.utils.data import DataLoader, TensorDataset

    from grader.probes.spies import CallLog, SpyCriterion
    from grader.training.staged import load_staged
    from grader.training.train import get_protocol, predict

    if ctx.staged_dir is None:
        raise MeasureError("no training data was made available to the grading process")
    protocol = get_protocol(ctx.dataset, params["protocol"])
    protocol = dataclasses.replace(protocol, seed=protocol.seed + ctx.seed)
    data = load_staged(ctx.staged_dir, "cpu", dataset=ctx.dataset)
    generator = torch.Generator().manual_seed(protocol.seed)
    chosen = torch.randperm(len(data.train_labels), generator=generator)[:protocol.train_subset]
    dataset = TensorDataset(data.normalise(data.train_images[chosen]), data.train_labels[chosen])
    loader = DataLoader(dataset, batch_size=protocol.batch_size, shuffle=True, generator=generator)
    model = _model(ctx, "mnist_cnn")
    ctx.progress(f"one epoch of your train_one_epoch ({protocol.description})")
    start = time.perf_counter()
    call_entry(ctx, "train_one_epoch", model, loader, SpyCriterion(CallLog()),
               torch.optim.Adam(model.parameters(), lr=protocol.lr), device=ctx.device)
    predictions = predict(model, data, 10, device=ctx.device)
    return {"protocol": protocol.name, "seed": protocol.seed, "predictions": predictions,
            "engine": "with your train_one_epoch", "train_seconds": round(time.perf_counter() - start, 3)}


# ------------------------------------------------------------------------------------ judge side

def _same_weights(mine: list[Any], reference: list[Any], steps: int) -> bool:
    """The weights the reference loop reaches, up to float noise. Another CPU or kernel rounds differently, and
    Adam's step moves a weight by about lr whatever the size of its gradient, so a gradient of about zero whose
    sign the rounding flips moves its weight by up to 2 × lr a step: on one machine 62 of 20,234 weights after 3
    steps. A loop that differs (a missing or misplaced zero_grad, step or backward) moves most of them."""
    import torch

    if len(mine) != len(reference) or any(a.shape != b.shape for a, b in zip(mine, reference)):
        return False
    off = sum(int((~torch.isclose(a, b, rtol=1e-4, atol=1e-5)).sum()) for a, b in zip(mine, reference))
    worst = max((float((a - b).abs().max()) for a, b in zip(mine, reference) if a.numel()), default=0.0)
    return off <= sum(a.numel() for a in mine) // 100 and worst <= 2 * LR * steps + 1e-5


def judge_train_steps(ctx: JudgeContext) -> Verdict:
    expected = "the same weights as the reference loop after 1, 2 and 3 training steps (Adam, lr 1e-3)"
    for steps, (mine, ref) in enumerate(zip(ctx.measured["runs"], ctx.expected["runs"]), start=1):
        if not _same_weights(mine["params"], ref["params"], steps):
            found, hint = loop_bug(ctx.measured["runs"][-1]["log"])
            return failed(expected, f"after {steps} step{'s' * (steps > 1)}: {found}", hint)
    return passed(expected, "the weights match the reference loop's after 1, 2 and 3 steps")


def judge_train_loss(ctx: JudgeContext) -> Verdict:
    returned, losses, sizes = ctx.measured["returned"], ctx.measured["losses"], ctx.measured["batches"]
    expected = "a Python float: the mean of the per-batch losses (running_loss / len(loader))"
    if not losses:
        return failed(expected, "the criterion was never called", "compute loss = criterion(outputs, labels)")
    mean = sum(losses) / len(losses)
    if returned["type"] == "tensor" and returned.get("requires_grad"):  # the brief rules it out: not accepted
        right = returned["value"] is not None and abs(returned["value"] - mean) <= 1e-5 * max(1.0, abs(mean))
        return failed(expected, "a tensor that still holds the autograd graph (requires_grad=True): the loop "
                                "accumulates `loss` instead of `loss.item()`"
                                + (", though its value is the right mean" if right else ""),
                      "running_loss += loss.item() keeps a number; += loss keeps every batch's graph in memory")
    value, came_as = _number(returned)
    if value is None:
        return failed(expected, f"{came_as}, not a Python float",
                      "return running_loss / len(loader) with running_loss summed from loss.item()")
    candidates = [(losses[-1], "the last batch's loss, not the mean over the epoch"),
                  (sum(losses), "the sum of the batch losses: divide by the number of batches, len(loader)"),
                  (sum(loss * n for loss, n in zip(losses, sizes)) / sum(sizes),
                   "the mean loss per image (weighted by batch size); the brief asks for the mean of the per-batch "
                   "losses, running_loss / len(loader)"),
                  (sum(losses) / sum(sizes), "the sum of the batch losses divided by the number of images; divide "
                                             "by the number of batches, len(loader)")]
    if abs(value - mean) <= 1e-5 * max(1.0, abs(mean)):
        return _accepted(expected, f"{value:.4f}, the mean of the {len(losses)} batch losses", came_as)
    what = next((words for candidate, words in candidates if abs(value - candidate) <= 1e-5 * max(1.0, abs(candidate))),
                f"{value:.4f}; the mean of the batch losses is {mean:.4f}")
    return failed(expected, what, "sum loss.item() over the batches and divide by len(loader)")


def judge_loop_modes(ctx: JudgeContext) -> Verdict:
    phases = ctx.measured["phases"]
    expected = ("train_one_epoch runs the model in training mode, evaluate in eval mode under torch.no_grad(); "
                "both move each batch to `device`")
    problems: list[tuple[str, str]] = []
    train, evals = phases["train_one_epoch"], phases["evaluate"] + phases["evaluate_after_training"]
    if any(not f["training"] for f in train):
        problems.append(("train_one_epoch ran the model in eval mode after evaluate() had switched it",
                         "call model.train() at the start of train_one_epoch"))
    if any(f["training"] for f in evals):
        problems.append(("evaluate ran the model in training mode (Dropout active, BatchNorm statistics updated)",
                         "call model.eval() at the start of evaluate"))
    if any(f["grad"] for f in evals):
        problems.append(("evaluate ran with autograd on", "wrap evaluate's loop in `with torch.no_grad():`"))
    if not train or not evals:
        problems.append(("the model was never called" + (" in train_one_epoch" if not train else " in evaluate"),
                         "iterate over the loader and call the model on each batch"))
    moved = [("train_one_epoch", train), ("evaluate", evals)]
    unmoved = [name for name, forwards in moved if forwards and not all(f["moved"] for f in forwards)]
    if unmoved:
        problems.append((f"{' and '.join(unmoved)} passed the loader's batches to the model without moving them "
                         f"to `device`", "images, labels = images.to(device), labels.to(device)"))
    if not problems:
        return passed(expected, "training mode in train_one_epoch; eval mode and no_grad in evaluate; batches moved")
    mode_problems = sum(1 for found, _ in problems if "moving" not in found)
    fraction = 0.5 if (mode_problems == 0) != (len(problems) == mode_problems) else 0.0
    return Verdict(fraction, expected, "; ".join(found for found, _ in problems),
                   "; ".join(hint for _, hint in problems))


def judge_evaluate_counts(ctx: JudgeContext) -> Verdict:
    m = ctx.measured
    returned, correct, total = m["returned"], m["correct"], m["total"]
    expected = (f"the share of correct predictions over all {total} images (batches of 16, 16 and 5), a number "
                "in [0, 1], with the model's weights and statistics unchanged")
    problems, hints = [], []
    value, came_as = _number(returned)
    if value is None:
        problems.append(f"evaluate returned {came_as}, not a Python float")
        hints.append("return correct / total as a float")
    elif abs(value - correct / total) > 1e-6:
        batches = len(m["per_batch"])
        candidates = [(correct / (batches * m["batch_size"]),
                       f"correct / (number of batches × batch size) = {correct}/{batches * m['batch_size']}: the last "
                       f"batch holds only {total - (batches - 1) * m['batch_size']} images",
                       "count the images: total += labels.size(0)"),
                      (sum(c / n for c, n in zip(m["per_batch"], _sizes(total, m["batch_size"]))) / batches,
                       "the mean of the per-batch accuracies, which over-weights the short last batch",
                       "add up correct predictions and images over all batches, divide once at the end"),
                      (float(correct), f"the count of correct predictions ({correct}), not the share",
                       "divide by the number of images"),
                      (100 * correct / total, "a percentage; the brief asks for a number in [0, 1]",
                       "return correct / total, not 100 * correct / total")]
        matches = [(words, hint) for cand, words, hint in candidates if abs(value - cand) < 1e-6]
        what = matches[0] if len(matches) == 1 else None
        if len(matches) > 1:  # e.g. no correct prediction in the short last batch: two bugs give the same value
            what = ("one of these, which give the same value here: " + "; or ".join(w for w, _ in matches),
                    "; or ".join(h for _, h in matches))
        if what is None:
            changed_hint = " (the model ran in training mode: Dropout changed its predictions)" if m["changed"] else ""
            what = (f"{value:.4f}; the model classifies {correct} of {total} correctly = {correct / total:.4f}"
                    + changed_hint, "compare each prediction (outputs.argmax(1)) with its label and count")
        problems.append(what[0])
        hints.append(what[1])
    if m["changed"]:
        problems.append(f"evaluate changed the model: {', '.join(m['changed'][:4])}")
        hints.append("call model.eval() and use torch.no_grad(); evaluate must not train")
    if not problems:
        return _accepted(expected, f"{value:.4f} = {correct}/{total}, the model left unchanged", came_as)
    return failed(expected, "; ".join(problems), "; ".join(hints))


def _number(returned: dict[str, Any]) -> tuple[float | None, str]:
    """(the value, '') for a Python number; (the value, what it is) for a 0-dim tensor or numpy scalar, accepted with
    a note (the value is what the exercise teaches); (None, what it is) for anything else."""
    kind, value, shape = returned["type"], returned["value"], returned.get("shape")
    if kind in ("float", "int"):
        return value, ""
    if value is None or shape != []:
        return None, returned.get("described") or f"a {kind}" + (f" of shape {shape}" if shape else "")
    if kind in ("tensor", "numpy.ndarray"):
        graph = " still holding the autograd graph" if returned.get("requires_grad") else ""
        return value, f"a 0-dim {'tensor' if kind == 'tensor' else 'numpy array'}{graph}"
    return value, f"a {kind}"


def _accepted(expected: str, found: str, came_as: str) -> Verdict:
    """A passed verdict, with a note when the number came as `came_as` (a 0-dim tensor or numpy scalar)."""
    if not came_as:
        return passed(expected, found)
    return Verdict(1.0, expected, f"{found}; returned as {came_as}, not the Python float the brief asks for (accepted: "
                                  "the value is right)", "return a Python float: .item() turns a 0-dim tensor or a "
                                                        "numpy scalar into one")


def _sizes(total: int, batch_size: int) -> list[int]:
    return [min(batch_size, total - start) for start in range(0, total, batch_size)]


_FIXTURES = {"weights_seed": Param("int", default=8)}

FAMILY = (
    Probe(name="train_steps",
          summary=("Runs train_one_epoch on the chapter's MNIST SimpleCNN for 1, 2 and 3 batches with the grader's "
                   "instrumented criterion and optimizer, compares the weights with the reference loop's, and names "
                   "the bug from the call order (zero_grad, backward, step)."),
          calls=("train_one_epoch",), training="steps", title="Training steps match the reference loop",
          expects=CHAPTER_LOOP, measure=measure_train_steps, judge=judge_train_steps,
          prepare=prepare_fixtures, needs_data=True, params=_FIXTURES, default_timeout=60.0),
    Probe(name="train_loss",
          summary=("Checks that train_one_epoch returns the mean of the per-batch losses as a Python float."),
          calls=("train_one_epoch",), training="steps", title="train_one_epoch returns the mean loss",
          expects="the mean of the per-batch losses as a float", measure=measure_train_loss,
          judge=judge_train_loss, prepare=prepare_fixtures, needs_data=True, needs_reference=False,
          params=_FIXTURES, default_timeout=60.0),
    Probe(name="loop_modes",
          summary=("Checks that train_one_epoch calls model.train(), evaluate calls model.eval() under "
                   "torch.no_grad(), and both move every batch to the device."),
          calls=("train_one_epoch", "evaluate"), training="steps",
          title="Training and evaluation modes, batches on the device",
          expects="model.train() / model.eval() + torch.no_grad(), batches moved to the device",
          measure=measure_loop_modes, judge=judge_loop_modes, prepare=prepare_fixtures, needs_data=True,
          needs_reference=False, params=_FIXTURES, default_timeout=60.0),
    Probe(name="evaluate_counts",
          summary=("Checks that evaluate returns the accuracy over every image (a last, smaller batch included) and "
                   "leaves the model's weights unchanged."),
          calls=("evaluate",), title="evaluate counts every image and changes nothing",
          expects="the accuracy over every image, model untouched", measure=measure_evaluate_counts,
          judge=judge_evaluate_counts, prepare=prepare_fixtures, needs_data=True, needs_reference=False,
          params=_FIXTURES, default_timeout=60.0),
    Probe(name="loop_test_accuracy",
          summary=("Trains the chapter's MNIST SimpleCNN for one epoch with the submission's train_one_epoch and "
                   "scores the test accuracy against the reference loop's recorded one."),
          calls=("train_one_epoch",), training="epochs", title="Test accuracy after one epoch of your training loop",
          expects="a test accuracy close to the reference loop's after one epoch",
          measure=measure_loop_test_accuracy, judge=judge_test_accuracy, prepare=prepare_fixtures,
          needs_data=True, needs_reference=False, trains=True, default_timeout={"cpu": 240.0, "cuda": 90.0},
          params={**_FIXTURES, "protocol": Param("str", default="quick", measure=True),
                  "min_fraction_of_reference": Param("float", default=0.9),
                  "floor_fraction_of_reference": Param("float", default=0.5)}),
)
