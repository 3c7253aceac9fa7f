"""Shape probes: output shape, intermediate layer shapes, architecture hyper-parameters."""
from __future__ import annotations

from typing import Any

from grader.probes.base import (
    FIRST_ENTRY,
    JudgeContext,
    MeasureContext,
    MeasureError,
    Param,
    Probe,
    Verdict,
    failed,
    passed,
)


def _default_shapes(ctx: MeasureContext, batches: tuple[int, ...]) -> list[list[int]]:
    return [[b, ctx.input_channels, ctx.image_size, ctx.image_size] for b in batches]


def _seeded_input(shape: list[int], seed: int) -> Any:
    import torch

    return torch.randn(shape, generator=torch.Generator().manual_seed(seed))


def _fmt(shape: Any) -> str:
    return "[" + ", ".join(str(d) for d in shape) + "]"


# ---------------------------------------------------------------------------------- output_shape

def measure_output_shape(ctx: MeasureContext, params: dict[str, Any]) -> dict[str, Any]:
    """Forward seeded random batches of each shape; return the outputs (or the error per shape)."""
    import torch

    model = ctx.new_model().eval()
    runs = []
    for i, shape in enumerate(params["inputs"] or _default_shapes(ctx, (8, 1))):
        x = _seeded_input(shape, ctx.seed + i).to(ctx.device)
        try:
            with torch.no_grad():
                runs.append({"input": shape, "output": ctx.forward(model, x).detach().cpu()})
        except MeasureError:  # not a tensor: said once, with its own hint
            raise
        except Exception as exc:  # noqa: BLE001 - the student's error is the measurement
            runs.append({"input": shape, "error": ctx.describe(exc)})
    return {"runs": runs}


def judge_output_shape(ctx: JudgeContext) -> Verdict:
    expected_runs = ctx.expected["runs"]
    lines, problems, hint = [], 0, ""
    for want, got in zip(expected_runs, ctx.measured["runs"]):
        want_shape = list(want["output"].shape)
        if "error" in got:
            problems += 1
            lines.append(f"input {_fmt(got['input'])}: forward raised {got['error']}")
            hint = hint or "run the model on a batch of this shape yourself; print x.shape after each layer"
            continue
        got_shape = list(got["output"].shape)
        ok = got_shape == want_shape
        problems += not ok
        lines.append(f"input {_fmt(got['input'])} → output {_fmt(got_shape)}" + ("" if ok else f" (expected {_fmt(want_shape)})"))
        if not ok and not hint:
            if got_shape[:1] != want_shape[:1]:
                hint = ("the batch dimension changed: flatten with torch.flatten(x, 1) or "
                        "x.view(x.size(0), -1) instead of a hard-coded view(-1, ...)")
            elif got_shape[-1:] != want_shape[-1:]:
                hint = f"the last layer must output one score per class: out_features={want_shape[-1]}"
    expected = "; ".join(f"input {_fmt(w['input'])} → output {_fmt(w['output'].shape)}" for w in expected_runs)
    found = "; ".join(lines)
    return failed(expected, found, hint) if problems else passed(expected, found)


# ---------------------------------------------------------------------------------- layer_shapes

def measure_layer_shapes(ctx: MeasureContext, params: dict[str, Any]) -> dict[str, Any]:
    """Record (kind, output shape, module path, source line) of every layer operation of one forward
    pass, in call order (grader.probes.trace: nn.MaxPool2d and F.max_pool2d are the same)."""
    import torch

    from grader.probes.trace import trace_forward

    model = ctx.new_model().eval()
    shape = params["input"] or _default_shapes(ctx, (2,))[0]
    with torch.no_grad():
        calls, error = trace_forward(model, _seeded_input(shape, ctx.seed).to(ctx.device), ctx.forward, ctx.code)
    return {"input": shape, "calls": calls, "error": ctx.describe(error) if error else ""}


def _layer_sequence(measurement: dict[str, Any], types: list[str]) -> list[dict[str, Any]]:
    return [c for c in measurement["calls"] if c["type"] in types]


def judge_layer_shapes(ctx: JudgeContext) -> Verdict:
    types = ctx.params["layer_types"]
    want = _layer_sequence(ctx.expected, types)
    got = _layer_sequence(ctx.measured, types)
    expected = " → ".join(f"{c['type']} {_fmt(c['shape'])}" for c in want)
    found = " → ".join(f"{c['type']} {_fmt(c['shape'] or [])}" for c in got) or "no such layers ran"
    for i, (w, g) in enumerate(zip(want, got), start=1):
        if (w["type"], w["shape"]) != (g["type"], g["shape"]):
            where = f"'{g['path']}'" if g.get("path") else g.get("line") or "forward"
            return failed(expected, f"layer {i} ({where}, {g['type']}) gave {_fmt(g['shape'] or [])}, "
                                    f"expected {w['type']} {_fmt(w['shape'])}. Sequence: {found}",
                          "compare each layer's output with the expected sequence; the first "
                          "mismatch is usually a wrong channel count or a missing pooling step")
    if ctx.measured["error"]:
        return failed(expected, f"the forward pass stopped with {ctx.measured['error']} after: {found}",
                      "the layers listed ran fine; the error is right after the last one")
    if len(got) != len(want):
        return failed(expected, f"{len(got)} layers ran, expected {len(want)}: {found}")
    return passed(expected, found)


# ---------------------------------------------------------------------------------- architecture

_HYPER = {
    "Conv2d": ("in_channels", "out_channels", "kernel_size", "stride", "padding"),
    "Linear": ("in_features", "out_features"),
    "MaxPool2d": ("kernel_size", "stride"),
    "AvgPool2d": ("kernel_size", "stride"),
    "BatchNorm2d": ("num_features",),
    "BatchNorm1d": ("num_features",),
    "Dropout": ("p",),
    "Dropout2d": ("p",),
}


_POSITIONAL = ("in_channels", "out_channels", "in_features", "out_features", "num_features")
_SHORT_TEXT = 120
"""Longer descriptions of one layer type are summarised (ResNet18's 20 Conv2d ran to 2,500 characters)."""


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def measure_architecture(ctx: MeasureContext, params: dict[str, Any]) -> dict[str, Any]:
    """List leaf layers with key hyper-parameters, in registration order, every module's type (to describe the
    container of a layer that differs), and parameter counts."""
    model = ctx.new_model()
    layers = []
    for name, module in model.named_modules():
        kind = type(module).__name__
        if name and kind in _HYPER:
            layers.append({"path": name, "type": kind,
                           **{k: _plain(getattr(module, k, None)) for k in _HYPER[kind]}})
    params_all = list(model.parameters())
    return {"layers": layers,
            "modules": [[name, type(module).__name__] for name, module in model.named_modules() if name],
            "parameters": sum(p.numel() for p in params_all),
            "trainable": sum(p.numel() for p in params_all if p.requires_grad)}


def _short(layer: dict[str, Any]) -> str:
    """'Linear(512, 10)', 'Conv2d(3, 64, kernel_size=7, stride=2, padding=3)': as torch prints a layer."""
    def value(v: Any) -> Any:
        return v[0] if isinstance(v, list) and v and all(x == v[0] for x in v) else v

    args = [str(value(layer[k])) if k in _POSITIONAL else f"{k}={value(layer[k])}" for k in _HYPER[layer["type"]]]
    return f"{layer['type']}({', '.join(args)})"


def _describe(layers: list[dict[str, Any]]) -> str:
    """Layers as text, runs of identical layers written once with '× n'."""
    runs: list[list[Any]] = []
    for text in map(_short, layers):
        if runs and runs[-1][0] == text:
            runs[-1][1] += 1
        else:
            runs.append([text, 1])
    return ", ".join(text if n == 1 else f"{text} × {n}" for text, n in runs)


def _outline(layers: list[dict[str, Any]], types: list[str]) -> str:
    """The layers in order; where that is long, each type described, or counted where its description is long:
    '20 Conv2d (conv1 … layer4.1.conv2)'."""
    if len(text := _describe(layers)) <= 3 * _SHORT_TEXT:
        return text
    parts = []
    for kind in types:
        of = [l for l in layers if l["type"] == kind]
        text = _describe(of)
        parts.append(text if len(text) <= _SHORT_TEXT else f"{len(of)} {kind} ({of[0]['path']} … {of[-1]['path']})")
    return ", ".join(p for p in parts if p)


def _container(path: str, modules: list[list[str]], layers: list[dict[str, Any]]) -> str:
    """'fc is Sequential(Dropout, Linear(512, 256), ReLU)': the module at `path` and its children ('' when that is
    long: a whole network's features)."""
    kinds, by_path = dict(modules), {l["path"]: l for l in layers}
    children = [child for child, _ in modules if child.rpartition(".")[0] == path]
    text = f"{path} is {kinds.get(path, 'a module')}(" + ", ".join(
        _short(by_path[c]) if c in by_path else kinds[c] for c in children) + ")"
    return text if path in kinds and len(text) <= _SHORT_TEXT else ""


def _differences(want: list[dict[str, Any]], got: list[dict[str, Any]], measured: dict[str, Any]
                 ) -> tuple[list[str], str]:
    """What differs among the layers of one type ('fc is Sequential(...), not Linear(512, 10)', "no Linear(120, 84)
    ('fc2')"), and the fix where one layer became several ('replace fc by one nn.Linear(512, 10)')."""
    from difflib import SequenceMatcher

    codes = SequenceMatcher(a=list(map(_short, want)), b=list(map(_short, got)), autojunk=False).get_opcodes()
    missing = [want[i] for tag, i1, i2, _, _ in codes if tag in ("replace", "delete") for i in range(i1, i2)]
    extra = [got[j] for tag, _, _, j1, j2 in codes if tag in ("replace", "insert") for j in range(j1, j2)]
    parts, hint, described = [], "", set()
    for container in dict.fromkeys(l["path"].rpartition(".")[0] for l in extra if "." in l["path"]):
        text = _container(container, measured.get("modules", []), measured["layers"])
        if not text:
            continue
        described.add(container)
        replaced = [w for w in missing if container == w["path"] or container.endswith("." + w["path"])]
        parts.append(f"{text}, not {_short(replaced[0])}" if replaced else text)
        if replaced:
            missing.remove(replaced[0])
            hint = hint or f"replace {container} by one nn.{_short(replaced[0])}"
    parts += [f"{_short(l)} ('{l['path']}')" for l in extra if l["path"].rpartition(".")[0] not in described]
    return parts + [f"no {_short(l)} ('{l['path']}')" for l in missing], hint


def _layer_hint(kind: str, key: str, index: int, count: int, want: Any) -> str:
    if kind == "Conv2d" and key == "in_channels" and index == 0:
        return f"the first Conv2d reads the image, so in_channels must be the number of image channels ({want})"
    if kind == "Conv2d" and key == "in_channels":
        return "a Conv2d's in_channels must equal the previous Conv2d's out_channels"
    if kind == "Linear" and key == "out_features" and index == count - 1:
        return f"the last Linear layer gives one score per class: out_features={want}"
    if kind == "Linear" and key == "in_features" and index == 0:
        return "the first Linear layer's in_features is channels × height × width of the flattened feature map"
    return ""


def _count_hint(want: list[dict[str, Any]], got: list[dict[str, Any]], types: list[str]) -> str:
    fewer = [k for k in types if sum(l["type"] == k for l in got) < sum(l["type"] == k for l in want)]
    if fewer:
        return ("add the missing layers, each defined as an attribute (or inside nn.Sequential) in __init__: a layer "
                "created in forward is not counted")
    return "remove the layers the brief's model does not have"


def judge_architecture(ctx: JudgeContext) -> Verdict:
    types = ctx.params["layer_types"]
    want = [l for l in ctx.expected["layers"] if l["type"] in types]
    got = [l for l in ctx.measured["layers"] if l["type"] in types]
    expected = f"{_outline(want, types)}; {ctx.expected['parameters']:,} parameters"
    counts = lambda ls: {t: sum(l["type"] == t for l in ls) for t in types}  # noqa: E731
    if counts(want) != counts(got):
        parts, hints, differences = [], [], 0
        for kind in types:
            w_of, g_of = [l for l in want if l["type"] == kind], [l for l in got if l["type"] == kind]
            if list(map(_short, w_of)) == list(map(_short, g_of)):
                parts.append(f"{len(g_of)} {kind} as expected" if g_of else "")
                continue
            found, hint = _differences(w_of, g_of, ctx.measured)
            differences += len(found)
            more = f"; … ({len(found) - 2} more)" if len(found) > 2 else ""
            parts.append(f"{len(g_of)} {kind}" + (f" (expected {len(w_of)})" if len(g_of) != len(w_of) else "")
                         + f": {'; '.join(found[:2])}{more}")
            hints.append(hint)
        hint = "; ".join(h for h in hints if h) or (
            "the layers differ throughout: build the network the brief describes (see Expected)" if differences > 6
            else _count_hint(want, got, types))
        return failed(expected, "; ".join(p for p in parts if p), hint)
    problems, hint = [], ""
    for kind in types:
        w_of, g_of = [l for l in want if l["type"] == kind], [l for l in got if l["type"] == kind]
        for i, (w, g) in enumerate(zip(w_of, g_of)):
            for key in _HYPER[kind]:
                if w[key] != g[key]:
                    problems.append(f"{kind} #{i + 1} ('{g['path']}'): {key}={g[key]}, expected {w[key]}")
                    hint = hint or _layer_hint(kind, key, i, len(w_of), w[key])
    matched = " and ".join(f"{n} {t}" for t, n in counts(got).items() if n)
    found = f"{matched or 'no such layers'}, as expected; {ctx.measured['parameters']:,} parameters"
    if problems:
        return failed(expected, "; ".join(problems), hint)
    if ctx.measured["parameters"] != ctx.expected["parameters"]:
        return failed(expected, found + f" (expected {ctx.expected['parameters']:,})",
                      "the layers match, so an extra layer or a bias setting adds parameters")
    return passed(expected, found)


FAMILY = (
    Probe(
        name="output_shape",
        summary=("Forwards seeded random batches (the dataset's image shape at several batch sizes, or `inputs`) and"
                 " compares the output's shape with the reference's: logits [batch, classes] for every batch."),
        calls=(FIRST_ENTRY,),
        title="Output shape", expects="logits of shape [batch, classes] for every input batch size", measure=measure_output_shape, judge=judge_output_shape,
        params={"inputs": Param("shapes", default=[], measure=True)}, default_timeout=30.0),
    Probe(
        name="layer_shapes",
        summary=("Traces one forward pass at the level of operations (nn.MaxPool2d and F.max_pool2d alike) and "
                 "compares the output shape of each layer of `layer_types` with the reference's, in order."),
        calls=(FIRST_ENTRY,),
        title="Intermediate layer shapes", expects="each layer's output has the shape the brief describes", measure=measure_layer_shapes,
        judge=judge_layer_shapes, default_timeout=30.0,
        params={"input": Param("shape", default=[], measure=True),
                "layer_types": Param("strings", default=["Conv2d", "MaxPool2d", "AvgPool2d", "Linear"])}),
    Probe(
        name="architecture",
        summary=("Lists the model's layers of `layer_types` with their hyper-parameters (channels, kernel, stride, "
                 "padding, features) and parameter counts, and compares them with the reference's."),
        calls=(FIRST_ENTRY,),
        title="Layers and hyper-parameters", expects="the layers and sizes the brief describes", measure=measure_architecture,
        judge=judge_architecture, default_timeout=30.0,
        params={"layer_types": Param("strings", default=["Conv2d", "Linear"], choices=tuple(_HYPER))}),
)
