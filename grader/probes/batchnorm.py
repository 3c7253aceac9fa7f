"""BatchNorm probes: where the BatchNorm layers sit, that their running statistics follow
train()/eval(), and that outputs depend on the batch only while training."""
from __future__ import annotations

from typing import Any

from grader.probes.base import (
    FIRST_ENTRY,
    JudgeContext,
    MeasureContext,
    Param,
    Probe,
    Verdict,
    failed,
    passed,
)

_BATCH = 8
_KEYS = {"Conv2d": ("out_channels",), "Linear": ("in_features", "out_features"),
         "BatchNorm1d": ("num_features",), "BatchNorm2d": ("num_features",), "BatchNorm3d": ("num_features",)}


def _images(ctx: MeasureContext, batch: int, seed: int) -> Any:
    import torch

    g = torch.Generator().manual_seed(seed)
    return torch.randn([batch, ctx.input_channels, ctx.image_size, ctx.image_size], generator=g).to(ctx.device)


def _batchnorms(model: Any) -> list[tuple[str, Any]]:
    """(path, module) of every BatchNorm layer (any dimension, subclasses included)."""
    from torch import nn

    return [(n, m) for n, m in model.named_modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]


def _kind(module: Any) -> str | None:
    """The torch.nn class among _KEYS that the module is (or subclasses), if any."""
    return next((c.__name__ for c in type(module).__mro__
                 if c.__name__ in _KEYS and c.__module__.startswith("torch.nn")), None)


def _is_bn(call: dict[str, Any]) -> bool:
    return call["type"].startswith("BatchNorm")


def _layer(call: dict[str, Any]) -> str:
    keys = _KEYS.get(call["type"], ())
    return f"'{call['path']}' {call['type']}({', '.join(str(call[k]) for k in keys)})"


# --------------------------------------------------------------------------- batchnorm_placement

def measure_batchnorm_placement(ctx: MeasureContext, params: dict[str, Any]) -> dict[str, Any]:
    """The sequence of Conv2d, Linear and BatchNorm calls in one eval forward pass (recorded when
    each layer is entered, so a layer that raises is listed too), and the BatchNorm layers defined."""
    import torch

    model = ctx.new_model().eval()
    calls: list[dict[str, Any]] = []

    def hook(path: str, kind: str):
        def record(module: Any, _inputs: Any) -> None:
            calls.append({"path": path, "type": kind, **{k: getattr(module, k, None) for k in _KEYS[kind]}})
        return record

    handles = [m.register_forward_pre_hook(hook(n, _kind(m))) for n, m in model.named_modules() if n and _kind(m)]
    error = ""
    try:
        with torch.no_grad():
            ctx.forward(model, _images(ctx, 2, ctx.seed))
    except Exception as exc:  # noqa: BLE001 - the student's error is part of the measurement
        error = ctx.describe(exc)
    for h in handles:
        h.remove()
    defined = [{"path": n, "type": type(m).__name__} for n, m in _batchnorms(model)]
    return {"calls": calls, "defined": defined, "error": error}


def _conv_problem(conv: dict[str, Any], norms: list[dict[str, Any]]) -> tuple[str, str]:
    """(problem, hint) for a Conv2d not followed by a matching BatchNorm2d."""
    channels = conv["out_channels"]
    where = f"Conv2d '{conv['path']}' ({channels} output channels)"
    if not norms:
        return (f"{where} is not followed by a BatchNorm2d before the next Conv2d or Linear layer",
                f"add nn.BatchNorm2d({channels}) right after this convolution: conv → BatchNorm2d → ReLU → MaxPool")
    bn = norms[0]
    if bn["type"] != "BatchNorm2d":
        return (f"{where} is followed by {_layer(bn)}, but a convolution's [N, C, H, W] output needs a "
                f"BatchNorm2d ({bn['type']} is for {'[N, C] or [N, C, L]' if bn['type'] == 'BatchNorm1d' else '5-D'} inputs)",
                f"use nn.BatchNorm2d({channels}) after a Conv2d; BatchNorm1d belongs after Linear layers")
    return (f"{where} is followed by {_layer(bn)}: expected num_features={channels}, found {bn['num_features']}",
            "a BatchNorm2d's num_features must equal the out_channels of the convolution before it")


def judge_batchnorm_placement(ctx: JudgeContext) -> Verdict:
    calls, error = ctx.measured["calls"], ctx.measured["error"]
    expected = ("after every Conv2d, before the next Conv2d or Linear layer, a BatchNorm2d whose "
                "num_features equals that convolution's out_channels; no BatchNorm after the last Linear layer")
    sequence = " → ".join(_layer(c) for c in calls)
    stopped = f"the forward pass stopped with {error}" if error else ""
    problems, hints = [], []
    for i, call in enumerate(calls):
        if call["type"] != "Conv2d":
            continue
        end = next((j for j in range(i + 1, len(calls)) if calls[j]["type"] in ("Conv2d", "Linear")), len(calls))
        norms = [c for c in calls[i + 1:end] if _is_bn(c)]
        if not any(c["type"] == "BatchNorm2d" and c["num_features"] == call["out_channels"] for c in norms):
            problem, hint = _conv_problem(call, norms)
            problems.append(problem)
            hints.append(hint)
    linears = [i for i, c in enumerate(calls) if c["type"] == "Linear"]
    after_classifier = [c for c in calls[linears[-1] + 1:] if _is_bn(c)] if linears else []
    if after_classifier:
        problems.append(f"{_layer(after_classifier[0])} runs after the last Linear layer "
                        f"'{calls[linears[-1]]['path']}', so it normalises the logits (the class scores)")
        hints.append("remove the BatchNorm after the classifier; BatchNorm2d belongs after each convolution")
    called = {c["path"] for c in calls}
    unused = [d for d in ctx.measured["defined"] if d["path"] not in called]
    if unused and not error:
        names = ", ".join(f"'{d['path']}' ({d['type']})" for d in unused)
        problems.append(f"{names} {'is' if len(unused) == 1 else 'are'} defined in __init__ but never used in forward")
        hints.append("call each BatchNorm layer in forward, right after its convolution")
    if not any(_is_bn(c) for c in calls) and not error:
        problems.insert(0, "no BatchNorm layer ran in the forward pass")
    if not any(c["type"] == "Conv2d" for c in calls):
        problems.append("no Conv2d layer ran" + (f" before {stopped}" if stopped else " in the forward pass"))
    elif stopped:
        problems.append(stopped)
    if problems:
        order = f". Layers in call order: {sequence}" if calls else ""
        return failed(expected, "; ".join(problems) + order, hints[0] if hints else "")
    return passed(expected, sequence)


# ----------------------------------------------------------------------- batchnorm_running_stats

def _stats(layers: list[tuple[str, Any]]) -> dict[str, Any]:
    return {n: (m.running_mean.detach().clone(), m.running_var.detach().clone())
            for n, m in layers if m.running_mean is not None and m.running_var is not None}


def _changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, float]:
    """Largest absolute change of each layer's running mean and variance (the smaller of the two,
    so a layer counts as changed only when both changed)."""
    return {n: min(float((after[n][0] - mean).abs().max()), float((after[n][1] - var).abs().max()))
            for n, (mean, var) in before.items()}


def measure_batchnorm_running_stats(ctx: MeasureContext, params: dict[str, Any]) -> dict[str, Any]:
    """One forward in train mode, then one after model.eval(): how much each BatchNorm layer's
    running statistics changed, and the training flags after eval()."""
    import torch

    model = ctx.new_model()
    layers = _batchnorms(model)
    x = _images(ctx, _BATCH, ctx.seed)
    before = _stats(layers)
    model.train()
    with torch.no_grad():
        ctx.forward(model, x)
    after_train = _stats(layers)
    model.eval()
    still_training = [n for n, m in layers if m.training]
    with torch.no_grad():
        ctx.forward(model, x)
    return {"layers": [{"path": n, "type": type(m).__name__, "tracks": n in before} for n, m in layers],
            "train_change": _changes(before, after_train), "eval_change": _changes(after_train, _stats(layers)),
            "model_training_after_eval": bool(model.training), "layers_training_after_eval": still_training}


def judge_batchnorm_running_stats(ctx: JudgeContext) -> Verdict:
    m = ctx.measured
    expected = ("a forward pass in train mode updates the running mean and variance of every BatchNorm "
                "layer; after model.eval() a forward pass changes none of them")
    if not m["layers"]:
        return failed(expected, "the model has no BatchNorm layer, so it keeps no running statistics",
                      "add nn.BatchNorm2d(out_channels) after each convolution")
    untracked = [layer["path"] for layer in m["layers"] if not layer["tracks"]]
    if untracked:
        return failed(expected, f"{', '.join(untracked)} keep no running statistics (track_running_stats=False)",
                      "create the layers as nn.BatchNorm2d(channels) with the default track_running_stats=True")
    frozen = [n for n, change in m["train_change"].items() if not change > 0]
    changed_in_eval = [n for n, change in m["eval_change"].items() if change != 0]
    problems, hint = [], ""
    if frozen:
        problems.append(f"the running statistics of {', '.join(frozen)} did not change in train mode")
        hint = "use each BatchNorm layer in forward, and keep the default momentum (0.1)"
    if changed_in_eval or m["model_training_after_eval"] or m["layers_training_after_eval"]:
        flags = [f"{p}.training" for p in m["layers_training_after_eval"]]
        parts = [f"the running statistics still changed ({', '.join(changed_in_eval)})"] if changed_in_eval else []
        if m["model_training_after_eval"]:
            parts.append("model.training is still True")
        elif flags:
            parts.append(f"{', '.join(flags)} {'is' if len(flags) == 1 else 'are'} still True")
        problems.append("after model.eval() " + " and ".join(parts))
        hint = ("don't override train() or eval(): nn.Module.eval() calls train(False), which must switch "
                "every submodule to evaluation mode")
    if problems:
        return failed(expected, "; ".join(problems), hint)
    return passed(expected, f"{len(m['layers'])} BatchNorm layers: running statistics updated in train mode, "
                            "unchanged after model.eval()")


# -------------------------------------------------------------------- batchnorm_batch_dependence

def measure_batchnorm_batch_dependence(ctx: MeasureContext, params: dict[str, Any]) -> dict[str, Any]:
    """Eval: sample 0 in a batch of 8 vs alone. Train: sample 0 in a batch of 8 vs with the other
    7 samples replaced (both train passes start from the same seed, so dropout masks agree)."""
    import torch

    model = ctx.new_model()
    x = _images(ctx, _BATCH, ctx.seed)
    other = torch.cat([x[:1], _images(ctx, _BATCH - 1, ctx.seed + 1)])

    def first(batch: Any) -> Any:
        torch.manual_seed(ctx.seed)
        with torch.no_grad():
            return ctx.forward(model, batch)[:1].detach().cpu()

    model.eval()
    eval_batch, eval_alone = first(x), first(x[:1])
    model.train()
    train_batch, train_other = first(x), first(other)
    return {"eval": {"batch": eval_batch, "other": eval_alone},
            "train": {"batch": train_batch, "other": train_other}}


def _difference(pair: dict[str, Any], ctx: JudgeContext) -> tuple[str, bool]:
    """('largest difference …', whether it is beyond tolerance) between the two outputs of a pair."""
    import torch

    a, b = pair["batch"].double(), pair["other"].double()
    if a.shape != b.shape:
        return f"output shapes {list(a.shape)} and {list(b.shape)}", True
    diff = float((a - b).abs().max()) if a.numel() else 0.0
    return f"largest difference {diff:.3g}", not bool(torch.allclose(a, b, rtol=ctx.params["rtol"],
                                                                    atol=ctx.params["atol"]))


def judge_batchnorm_batch_dependence(ctx: JudgeContext) -> Verdict:
    eval_diff, eval_depends = _difference(ctx.measured["eval"], ctx)
    train_diff, train_depends = _difference(ctx.measured["train"], ctx)
    expected = ("in eval mode, one image's output is the same alone as in a batch; in train mode it "
                "changes with the rest of the batch (BatchNorm normalises with the batch's statistics)")
    problems, hint = [], ""
    if eval_depends:
        problems.append(f"eval mode: the first image's output changes when it is run alone instead of in a "
                        f"batch of {_BATCH} ({eval_diff}); a prediction must not depend "
                        "on which other images share the batch, so in eval mode BatchNorm must use its running "
                        "statistics")
        hint = "use nn.BatchNorm2d modules and don't override train() or eval()"
    if not train_depends:
        problems.append(f"train mode: the first image's output stays the same when the other {_BATCH - 1} "
                        f"images of the batch change ({train_diff}), so no layer "
                        "normalises with the batch's statistics; that is what stabilises training")
        hint = hint or "use nn.BatchNorm2d after each convolution in forward, with its default settings"
    if problems:
        return failed(expected, "; ".join(problems), hint)
    return passed(expected, f"eval mode: same output alone and in a batch ({eval_diff}); "
                            f"train mode: the output depends on the batch ({train_diff})")


FAMILY = (
    Probe(
        name="batchnorm_placement",
        summary=("Records the Conv2d, Linear and BatchNorm calls of one forward pass: a BatchNorm2d with matching "
                 "num_features must follow every Conv2d, and none the last Linear layer."),
        calls=(FIRST_ENTRY,), title="BatchNorm2d after each convolution",
        expects="a BatchNorm2d with matching num_features after every Conv2d",
        measure=measure_batchnorm_placement, judge=judge_batchnorm_placement, needs_reference=False,
        default_timeout=30.0),
    Probe(
        name="batchnorm_running_stats",
        summary=("Checks that a forward pass in train mode updates every BatchNorm layer's running mean and "
                 "variance, and that after model.eval() none changes."),
        calls=(FIRST_ENTRY,), title="BatchNorm running statistics follow train() and eval()",
        expects="running statistics updated in train mode and frozen after model.eval()",
        measure=measure_batchnorm_running_stats, judge=judge_batchnorm_running_stats, needs_reference=False,
        default_timeout=30.0),
    Probe(
        name="batchnorm_batch_dependence",
        summary=("Checks that in eval mode an image's output does not depend on the rest of its batch, and that in "
                 "train mode it does (BatchNorm uses the batch's statistics)."),
        calls=(FIRST_ENTRY,), title="Batch statistics in training, running statistics in eval",
        expects="outputs independent of the rest of the batch in eval mode, dependent on it in train mode",
        measure=measure_batchnorm_batch_dependence, judge=judge_batchnorm_batch_dependence,
        needs_reference=False, default_timeout=30.0,
        params={"rtol": Param("float", default=1e-4), "atol": Param("float", default=1e-5)}),
)
