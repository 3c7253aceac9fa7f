"""Feature-map probes (exercise 2c): `feature_maps(model, images)` returns the activations of a
model's first Conv2d, `plot_feature_maps(maps)` draws them, one panel per channel.

The grader builds the model itself (grader.training.models, weights seeded in the parent) and feeds it the
first real CIFAR-10 test images. Besides the submission's answer, the child records the grader's
own candidates on the same model and images (the first conv's output before and after its ReLU,
after pooling, the second conv's output): the parent judges against the *reference's* recorded
candidates and uses the child's only to name a mistake ("you returned the maps before the ReLU").
"""
from __future__ import annotations

from typing import Any

from grader.child.values import describe_value
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
from grader.spec.table import SpecError

_STAGE_WORDS = {
    "conv": "the first Conv2d's output before the ReLU",
    "relu": "the first Conv2d's output after the ReLU",
    "pool": "the maps after the pooling layer that follows the first Conv2d",
    "conv2": "the second Conv2d's output",
    "conv2_relu": "the second Conv2d's output after its ReLU",
}
_HOOK_DICTS = ("_forward_hooks", "_forward_pre_hooks", "_backward_hooks", "_backward_pre_hooks")


def target_stage(params: dict[str, Any]) -> str:
    return "relu" if params["after_relu"] else "conv"


def fmt_shape(shape: Any) -> str:
    return "[" + ", ".join(str(d) for d in shape) + "]"


# ------------------------------------------------------------------------------------ parent side

def prepare_fixture(_build_reference: Any, params: dict[str, Any]) -> dict[str, Any]:
    """Parent side: seeded weights for the grader's model named by the check's `model`."""
    from grader.training.models import seeded_state

    try:
        return {"state_dict": seeded_state(params["model"], params["weights_seed"])}
    except KeyError as exc:
        raise SpecError(f"check parameter 'model': {exc.args[0]}") from None


# ------------------------------------------------------------------------------------- child side

def model_and_images(ctx: MeasureContext, params: dict[str, Any], count: int) -> tuple[Any, Any]:
    """The grader's model with the parent's weights, and the first `count` test images."""
    import torch

    from grader.training.models import build
    from grader.training.staged import load_first_images

    if ctx.staged_dir is None:
        raise MeasureError("no test images were made available to the grading process")
    # Full float32 convolutions on a GPU too, to compare with a reference recorded on a CPU.
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cuda.matmul.allow_tf32 = False
    model = build(params["model"], ctx.inputs["state_dict"], ctx.device)
    images = load_first_images(ctx.staged_dir, dataset=ctx.dataset, count=count).to(ctx.device)
    return model, images


def first_conv_stages(model: Any, images: Any) -> dict[str, Any]:
    """The grader's own candidates, from one hooked forward pass: the first Conv2d's output
    (before and after a ReLU), the first pooling output after it, the second Conv2d's output."""
    import torch
    import torch.nn.functional as F
    from torch import nn

    convs = [m for m in model.modules() if isinstance(m, nn.Conv2d)]
    calls: list[tuple[Any, Any]] = []
    handles = [m.register_forward_hook(lambda module, _inputs, output: calls.append((module, output)))
               for m in model.modules() if not any(True for _ in m.children())]
    try:
        with torch.no_grad():
            model(images)
    finally:
        for h in handles:
            h.remove()
    first = next(i for i, (m, _) in enumerate(calls) if m is convs[0])
    stages = {"conv": calls[first][1], "relu": F.relu(calls[first][1])}
    pool = next((out for m, out in calls[first + 1:] if "Pool" in type(m).__name__), None)
    if pool is not None:
        stages["pool"] = pool
    if len(convs) > 1:
        second = next(out for m, out in calls if m is convs[1])
        stages.update(conv2=second, conv2_relu=F.relu(second))
    return {k: v.detach().cpu() for k, v in stages.items()}


def _feature_maps(ctx: MeasureContext, model: Any, images: Any) -> Any:
    """Call the submission's feature_maps; insist on a plain tensor."""
    import torch

    maps = ctx.namespace["feature_maps"](model, images)
    if type(maps) is not torch.Tensor:
        raise MeasureError(f"feature_maps returned {describe_value(maps)}, not a torch.Tensor",
                           "return the activations as one tensor [images, channels, height, width] "
                           "(no .numpy(), list, tuple or nn.Parameter)")
    return maps


# --------------------------------------------------------------------- feature maps: measure, shape

def measure_feature_maps(ctx: MeasureContext, params: dict[str, Any]) -> dict[str, Any]:
    """The submission's maps for the grader's model and images, and the grader's candidates."""
    model, images = model_and_images(ctx, params, params["images"])
    stages = first_conv_stages(model, images)
    maps = _feature_maps(ctx, model, images)
    return {"maps": maps.detach().cpu(), "stages": stages}


def _shape_hint(shape: list[int], stage_shapes: dict[str, list[int]], want: list[int]) -> str:
    stage = next((name for name, cand in stage_shapes.items() if cand == shape), "")
    if stage and shape != want:
        return f"{fmt_shape(shape)} is the shape of {_STAGE_WORDS[stage]}"
    if shape == want[1:]:
        return "keep the batch dimension: return the maps of every image, [images, channels, height, width]"
    return "return the first Conv2d's output for all images, [images, channels, height, width]"


def measure_feature_map_shape(ctx: MeasureContext, params: dict[str, Any]) -> dict[str, Any]:
    """Shape and dtype of the submission's maps, and the shapes of the grader's candidates."""
    measured = measure_feature_maps(ctx, params)
    return {"shape": list(measured["maps"].shape), "dtype": str(measured["maps"].dtype).replace("torch.", ""),
            "stages": {name: list(t.shape) for name, t in measured["stages"].items()}}


def judge_feature_map_shape(ctx: JudgeContext) -> Verdict:
    want, want_dtype = ctx.expected["stages"][target_stage(ctx.params)], ctx.expected["dtype"]
    shape, dtype = ctx.measured["shape"], ctx.measured["dtype"]
    expected = f"a {want_dtype} tensor of shape {fmt_shape(want)} (images, channels, height, width)"
    if shape != want:
        return failed(expected, f"a tensor of shape {fmt_shape(shape)}", _shape_hint(shape, ctx.measured["stages"], want))
    if dtype != want_dtype:
        return failed(expected, f"shape {fmt_shape(shape)} but dtype {dtype}",
                      "return the activations as the model computes them, without converting them")
    return passed(expected, f"a {dtype} tensor of shape {fmt_shape(shape)}")


# ---------------------------------------------------------------------------- feature maps: values

def _close(a: Any, b: Any, params: dict[str, Any]) -> bool:
    import torch

    return (a.shape == b.shape and a.dtype.is_floating_point
            and bool(torch.allclose(a.double(), b.double(), rtol=params["rtol"], atol=params["atol"])))


def _same_stage(maps: Any, stages: dict[str, Any], target: str, params: dict[str, Any]) -> str:
    """The candidate (other than the target) the maps equal, or ''."""
    return next((name for name, cand in stages.items() if name != target and _close(maps, cand, params)), "")


def _channel_order(maps: Any, want: Any, params: dict[str, Any]) -> list[int] | None:
    """j for each channel i of `maps` such that maps[:, i] equals want[:, j], if the channels are
    a reordering of `want`'s; else None."""
    if maps.shape != want.shape or maps.dim() != 4:
        return None
    order: list[int] = []
    for i in range(maps.shape[1]):
        j = next((j for j in range(want.shape[1]) if j not in order and _close(maps[:, i], want[:, j], params)), None)
        if j is None:
            return None
        order.append(j)
    return order


def judge_feature_map_values(ctx: JudgeContext) -> Verdict:
    target = target_stage(ctx.params)
    want, maps, stages = ctx.expected["stages"][target], ctx.measured["maps"], ctx.measured["stages"]
    expected = (f"{_STAGE_WORDS[target]}, shape {fmt_shape(want.shape)}, equal to the reference's "
                f"(rtol={ctx.params['rtol']:g}, atol={ctx.params['atol']:g})")
    if _close(maps, want, ctx.params):
        return passed(expected, f"the maps of {want.shape[0]} images match")
    stage = _same_stage(maps, stages, target, ctx.params)
    if stage in ("conv", "relu"):
        got, asked = ("before", "after") if stage == "conv" else ("after", "before")
        return failed(expected, f"you returned the maps {got} the ReLU; this assignment asks for {asked}",
                      "apply torch.relu to the convolution's output" if asked == "after"
                      else "return the convolution's output itself, without the ReLU")
    if stage:
        return failed(expected, f"you returned {_STAGE_WORDS[stage]}, shape {fmt_shape(maps.shape)}",
                      "take the output of the first nn.Conv2d in model.modules(), not of a later layer")
    if list(maps.shape) != list(want.shape):
        return Verdict(0.0, expected, f"shape {fmt_shape(maps.shape)}, expected {fmt_shape(want.shape)}: the values "
                                      "cannot be compared",
                       _shape_hint(list(maps.shape), {k: list(v.shape) for k, v in stages.items()}, list(want.shape)),
                       charged_by="feature_map_shape")
    order = _channel_order(maps, stages[target], ctx.params)
    if order is not None and order != sorted(order):
        moved = [f"your channel {i} is channel {j}" for i, j in enumerate(order) if i != j]
        return failed(expected, "the right maps with the channels in another order: " + ", ".join(moved[:4])
                      + (f" (and {len(moved) - 4} more)" if len(moved) > 4 else ""),
                      "keep the channels in the convolution's order: don't sort or shuffle them")
    diff = float((maps.double() - want.double()).abs().max()) if maps.dtype.is_floating_point else float("nan")
    return failed(expected, f"the values differ from the reference's: largest difference {diff:.3g}",
                  "use the first nn.Conv2d of model.modules() (a forward hook, or call it on the images), "
                  "and don't normalise or rescale the maps")


# ------------------------------------------------------------------------------------ side effects

def _hook_counts(model: Any) -> dict[str, int]:
    import torch.nn.modules.module as module_globals

    counts = {name or "(the model)": sum(len(getattr(m, d, {})) for d in _HOOK_DICTS)
              for name, m in model.named_modules()}
    counts["(all modules: a global hook)"] = sum(len(getattr(module_globals, "_global" + d, {}))
                                                 for d in _HOOK_DICTS)
    return counts


def _snapshot(model: Any, images: Any) -> dict[str, Any]:
    return {"state": {k: v.detach().clone() for k, v in model.state_dict(keep_vars=True).items()},
            "requires_grad": {n: p.requires_grad for n, p in model.named_parameters()},
            "hooks": _hook_counts(model), "images": images.detach().clone(),
            "images_requires_grad": images.requires_grad}


def measure_side_effects(ctx: MeasureContext, params: dict[str, Any]) -> dict[str, Any]:
    """Call feature_maps and list what it changed on the model and the images."""
    import torch

    model, images = model_and_images(ctx, params, params["images"])
    before = _snapshot(model, images)
    maps = _feature_maps(ctx, model, images)
    after = _snapshot(model, images)
    state_after = after["state"]
    return {
        "changed": [k for k, v in before["state"].items()
                    if k not in state_after or not torch.equal(v, state_after[k])],
        "requires_grad": [f"{n} ({flag} → {after['requires_grad'].get(n)})"
                          for n, flag in before["requires_grad"].items() if after["requires_grad"].get(n) != flag],
        "grads": [n for n, p in model.named_parameters() if p.grad is not None],
        "hooks": [n for n, c in after["hooks"].items() if c > before["hooks"].get(n, 0)],
        "images_changed": not torch.equal(before["images"], after["images"])
        or before["images_requires_grad"] != after["images_requires_grad"],
        "returns_graph": maps.requires_grad,
    }


def _some(names: list[str], shown: int = 3) -> str:
    return ", ".join(names[:shown]) + (f" and {len(names) - shown} more" if len(names) > shown else "")


def judge_side_effects(ctx: JudgeContext) -> Verdict:
    m = ctx.measured
    checks = [
        (m["changed"], lambda v: f"the model's weights changed: {_some(v)}",
         "never write to the model's parameters: compute the maps from a forward pass only"),
        (m["requires_grad"], lambda v: f"requires_grad changed on {_some(v)}",
         "use `with torch.no_grad():` instead of changing requires_grad"),
        (m["grads"], lambda v: f".grad was left on {_some(v)}",
         "don't call backward(): the maps need a forward pass only"),
        (m["hooks"], lambda v: f"a hook is still registered on {_some([repr(n) for n in v])}",
         "keep the handle that register_forward_hook returns and call handle.remove() (in a finally: block)"),
        (m["images_changed"], lambda v: "the images tensor was changed in place",
         "work on a copy (or out-of-place operations) rather than changing the images you are given"),
        (m["returns_graph"], lambda v: "the returned maps require grad (still attached to the autograd graph)",
         "compute the maps under `with torch.no_grad():` or return maps.detach()"),
    ]
    problems = [(describe(value), hint) for value, describe, hint in checks if value]
    expected = ("the model (weights, requires_grad, .grad, hooks) and the images are left as they were, and the "
                "returned maps do not require grad")
    if problems:
        return failed(expected, "; ".join(p for p, _ in problems), problems[0][1])
    return passed(expected, "nothing changed, and the maps are detached")


# ------------------------------------------------------------------------------------ registration

FIXTURE = {"model": Param("str", default="simple_cnn", measure=True), "weights_seed": Param("int", default=1234)}
"""Parameters of every check on the grader's own model (seeded weights)."""


_MAPS = {**FIXTURE, "images": Param("int", default=2, measure=True), "after_relu": Param("bool", default=True)}
_VALUES = {**_MAPS, "rtol": Param("float", default=1e-4), "atol": Param("float", default=1e-5)}
_EXPECTS = "the activations of the model's first nn.Conv2d (the first in model.modules()), for any model"

FAMILY = (
    Probe(
        name="feature_map_shape",
        summary=("Calls feature_maps(model, images) on the grader's seeded `model` and real test images and checks "
                 "the result's shape and dtype: the first Conv2d's maps [images, channels, height, width]."),
        calls=("feature_maps",), title="Shape and type of the feature maps",
        expects="a float32 tensor [images, channels, height, width] from the model's first Conv2d",
        measure=measure_feature_map_shape, judge=judge_feature_map_shape, params=_MAPS, prepare=prepare_fixture,
        needs_data=True, default_timeout=30.0),
    Probe(
        name="feature_map_values",
        summary=("Compares feature_maps(model, images)'s values with the reference's (after the ReLU when "
                 "`after_relu`), and names the stage returned instead (before the ReLU, after pooling, the second "
                 "conv)."),
        calls=("feature_maps",), title="Feature maps of the first convolutional layer", expects=_EXPECTS,
        measure=measure_feature_maps, judge=judge_feature_map_values, params=_VALUES, prepare=prepare_fixture,
        needs_data=True, default_timeout=30.0),
    Probe(
        name="feature_map_side_effects",
        summary=("Checks that feature_maps leaves the model's weights, mode and hooks and the input images "
                 "unchanged, and returns maps detached from the graph."),
        calls=("feature_maps",), title="Model and images left unchanged",
        expects="feature_maps leaves the model and the images as they were and returns detached maps",
        measure=measure_side_effects, judge=judge_side_effects, needs_reference=False,
        params={**FIXTURE, "images": Param("int", default=2, measure=True)}, prepare=prepare_fixture,
        needs_data=True, default_timeout=30.0),
)
