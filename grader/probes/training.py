"""Training probe: accuracy on the real test set after the grader's own seeded protocol.

The child trains and returns predictions for the unlabeled test images; only the parent holds the
labels, so accuracy cannot be faked without actually classifying the images.
"""
from __future__ import annotations

import dataclasses
import time
from typing import Any, Callable

from grader.probes.base import (
    FIRST_ENTRY,
    JudgeContext,
    MeasureContext,
    MeasureError,
    Param,
    Probe,
    Verdict,
)
from grader.results import Status


def train_for_predictions(ctx: MeasureContext, params: dict[str, Any],
                          build: Callable[[], tuple[Any, Any]], verb: str = "training") -> dict[str, Any]:
    """Train the model that `build()` returns (with its optimizer, or None for the protocol's
    Adam) under the check's protocol; predictions for the unlabeled test images."""
    import torch

    from grader.training.staged import load_staged
    from grader.training.train import get_protocol, train_and_predict

    if ctx.staged_dir is None:
        raise MeasureError("no training data was made available to the grading process")
    protocol = get_protocol(ctx.dataset, params["protocol"])
    protocol = dataclasses.replace(protocol, seed=protocol.seed + ctx.seed)
    data = load_staged(ctx.staged_dir, ctx.device, dataset=ctx.dataset)
    model, optimizer = build()
    _needs_logits(ctx, model, data)
    ctx.progress(f"{verb} with the '{protocol.name}' protocol ({protocol.description})")
    start = time.perf_counter()
    try:
        predictions, engine = train_and_predict(
            model, data, protocol, device=ctx.device, optimizer=optimizer,
            on_epoch=lambda epoch, loss: ctx.progress(f"epoch {epoch}: mean loss {loss:.4f}"))
    except (TypeError, ValueError) as exc:  # the protocol's own student-facing checks
        raise MeasureError(str(exc)) from None
    return {"protocol": protocol.name, "seed": protocol.seed, "predictions": predictions.cpu(),
            "engine": engine.describe(torch.device(ctx.device)),
            "train_seconds": round(time.perf_counter() - start, 3)}


def _needs_logits(ctx: MeasureContext, model: Any, data: Any) -> None:
    """The recipe's loss and predictions need logits [batch, k] with k ≥ the dataset's classes (an extra output is
    a class no image has, never right); anything else is the output_shape check's to charge."""
    import torch

    model.eval()
    with torch.no_grad():
        out = ctx.forward(model, data.normalise(data.test_images[:2]).to(ctx.device))
    if out.ndim != 2 or out.shape[0] != 2 or out.shape[1] < ctx.num_classes:
        raise MeasureError(f"output shape {list(out.shape)} for a batch of 2, not logits [batch, k] with k ≥ "
                           f"{ctx.num_classes}: the training recipe cannot run", "return one score per class for "
                           "each image", owner="output_shape")


def measure_test_accuracy(ctx: MeasureContext, params: dict[str, Any]) -> dict[str, Any]:
    return train_for_predictions(ctx, params, lambda: (ctx.new_model(), None))


def accuracy(predictions: Any, labels: Any) -> float:
    """Share of correct predictions; raises ValueError on a malformed prediction tensor."""
    import torch

    if type(predictions) is not torch.Tensor or predictions.dtype != torch.int64 or predictions.shape != labels.shape:
        raise ValueError(f"predictions must be an int64 tensor of shape {list(labels.shape)}")
    return float((predictions == labels).double().mean())


def recording_for(metrics: dict[str, Any] | None, protocol: str, device_class: str) -> dict[str, Any] | None:
    """The reference's recording of `protocol` on `device_class`, else on another class of device
    (then marked with 'recorded_on_other_device'), else None."""
    recordings = (metrics or {}).get("protocols", {}).get(protocol) or {}
    if device_class in recordings:
        return recordings[device_class]
    other = next(iter(recordings.values()), None)
    return None if other is None else {**other, "recorded_on_other_device": True}


def judge_test_accuracy(ctx: JudgeContext) -> Verdict:
    protocol = ctx.params["protocol"]
    recorded = recording_for(ctx.reference_metrics, protocol, ctx.device_class)
    if recorded is None:
        return Verdict(0.0, "a recorded reference accuracy", f"no reference metrics for protocol '{protocol}'",
                       f"the instructor must run: grader reference record <assignment> --protocol {protocol}",
                       status=Status.ERROR)
    try:
        acc = accuracy(ctx.measured["predictions"], ctx.labels)
    except ValueError as exc:
        return Verdict(0.0, "one class prediction per test image", str(exc), status=Status.ERROR)
    ref = recorded["accuracy_mean"]
    full_at = ctx.params["min_fraction_of_reference"] * ref
    floor = ctx.params["floor_fraction_of_reference"] * ref
    fraction = 1.0 if acc >= full_at else max(0.0, (acc - floor) / (full_at - floor)) if full_at > floor else 0.0
    where = f"recorded on {recorded['device']}" + (
        f", not on {ctx.device_class}: record it there for exact thresholds"
        if recorded.get("recorded_on_other_device") else "")
    expected = (f"test accuracy ≥ {full_at:.1%} after the '{protocol}' protocol for full points "
                f"(reference {ref:.1%} ± {recorded['accuracy_std']:.1%}, {where}; partial credit above {floor:.1%})")
    engine = ctx.measured.get("engine")
    found = f"test accuracy {acc:.1%} on {len(ctx.labels):,} test images" + (
        f" (trained {engine})" if isinstance(engine, str) else "")
    hint = "" if fraction == 1.0 else ("the model trains but learns less than the reference: compare "
                                        "the layer sizes and activations with the brief")
    return Verdict(round(fraction, 4), expected, found, hint)


FAMILY = (
    Probe(
        name="test_accuracy",
        summary=("Trains the model with the grader's own seeded recipe (`protocol`) and scores its predictions on "
                 "the real test set against the reference's recorded accuracy (full marks from "
                 "`min_fraction_of_reference`, none below `floor_fraction_of_reference`)."),
        calls=(FIRST_ENTRY,), training="epochs", title="Test accuracy after training",
        expects="a test accuracy close to the reference's after the grader's training recipe", measure=measure_test_accuracy,
        judge=judge_test_accuracy, needs_reference=False, needs_data=True, trains=True, default_timeout={"cpu": 240.0, "cuda": 90.0},
        params={"protocol": Param("str", default="quick", measure=True),
                "min_fraction_of_reference": Param("float", default=0.9),
                "floor_fraction_of_reference": Param("float", default=0.5)}),
)
