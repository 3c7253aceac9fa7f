"""Transfer-learning probes: a pretrained network's feature extractor stays frozen, a new last
layer learns, the optimizer holds exactly the trainable parameters, and fine-tuning from the
real pretrained weights reaches the reference's accuracy.

The submission defines `build_model(weights=None)` (a torchvision classifier with a new head) and
`make_optimizer(model)`. Which classifier is a check parameter (`architecture`: vgg16, resnet18,
resnet50; see BACKBONES): it names the pretrained layers that must stay frozen and the head that is
replaced. The structural checks build the model with random weights (nothing is downloaded); only the
accuracy check loads the ImageNet weights from the torch hub cache.
"""
from __future__ import annotations

import inspect
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.probes.base import (
    JudgeContext,
    MeasureContext,
    MeasureError,
    Param,
    Probe,
    Verdict,
    failed,
    logit_loss,
    passed,
)
from grader.probes.training import judge_test_accuracy, train_for_predictions
from grader.spec.table import SpecError

_STEP_BATCH = 2
"""Images in the one training step of the frozen/new-head checks (VGG16 has 138M parameters)."""


@dataclass(frozen=True)
class Backbone:
    """A torchvision classifier as a transfer-learning assignment uses it."""

    name: str
    """As messages write it, e.g. 'ResNet18'."""
    weights: str
    """Its weights enum in torchvision.models, e.g. 'ResNet18_Weights'."""
    frozen: tuple[str, ...]
    """Module prefixes whose parameters must stay frozen (the pretrained feature extractor)."""
    frozen_words: str
    head: str
    """The replaced last layer's module path."""
    replace_head: str
    """How the brief replaces it (for hints); {size} is the expected nn.Linear."""
    freeze: str
    """How the brief freezes the pretrained layers (for hints)."""


_RESNET = ("conv1", "bn1", "layer1", "layer2", "layer3", "layer4")
BACKBONES = {
    "vgg16": Backbone("VGG16", "VGG16_Weights", ("features",), "model.features", "classifier.6",
                      "model.classifier[6] = {size}",
                      "for p in model.features.parameters(): p.requires_grad = False"),
    **{name.lower(): Backbone(name, f"{name}_Weights", _RESNET, "the pretrained layers (conv1 … layer4)", "fc",
                              "model.fc = {size}", "for param in model.parameters(): param.requires_grad = False, "
                                                   "before replacing model.fc")
       for name in ("ResNet18", "ResNet50")},
}


def backbone(params: dict[str, Any]) -> Backbone:
    """The check's `architecture` (a torchvision.models function name listed in BACKBONES)."""
    try:
        return BACKBONES[params["architecture"]]
    except KeyError:
        raise SpecError(f"check parameter 'architecture' must be one of {', '.join(BACKBONES)}, "
                        f"found {params['architecture']!r}") from None


# ------------------------------------------------------------------------------- child helpers

def build_student_model(ctx: MeasureContext, params: dict[str, Any], weights: Any = None) -> Any:
    """`build_model(weights=weights)`, seeded, on the grading device."""
    build = ctx.namespace["build_model"]
    try:
        inspect.signature(build).bind(weights=weights)
    except TypeError:
        raise MeasureError("build_model does not take a `weights` argument; the grader calls "
                           "build_model(weights=None), and build_model(weights=<ImageNet weights>) to fine-tune",
                           "define it as def build_model(weights=None): and pass weights on to "
                           f"torchvision.models.{params['architecture']}(weights=weights)") from None
    except ValueError:  # no signature to inspect (a builtin or C callable): just call it
        pass
    return ctx.new_model("build_model", weights=weights)


def _optimizer(ctx: MeasureContext, model: Any) -> Any:
    """The student's make_optimizer(model); where the assignment asks for none, the grader's Adam over the
    trainable parameters (None when nothing is trainable)."""
    import torch

    if "make_optimizer" not in ctx.entry:
        trainable = [p for p in model.parameters() if p.requires_grad]
        return torch.optim.Adam(trainable, lr=1e-3) if trainable else None
    optimizer = ctx.namespace["make_optimizer"](model)
    if not isinstance(optimizer, torch.optim.Optimizer):
        raise MeasureError(f"make_optimizer(model) returned a {type(optimizer).__name__}, "
                           "not a torch.optim.Optimizer", "return e.g. torch.optim.Adam(params, lr=1e-3)")
    return optimizer


def _train_step(ctx: MeasureContext, model: Any, optimizer: Any) -> bool:
    """One step on seeded 32×32 images with the student's optimizer, on whatever logits [batch, k] the model gives
    (their width is output_shape's to judge). False when no step was possible because nothing trainable reaches
    the output."""
    import torch

    g = torch.Generator().manual_seed(ctx.seed)
    x = torch.randn([_STEP_BATCH, ctx.input_channels, ctx.image_size, ctx.image_size], generator=g)
    y = torch.randint(0, ctx.num_classes, (_STEP_BATCH,), generator=g)
    model.train()
    loss = logit_loss(ctx.forward(model, x.to(ctx.device)), y, "no training step can be taken")
    if not loss.requires_grad or optimizer is None:
        return False
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return True


def backbone_path(model: Any, net: Backbone) -> str | None:
    """Where the pretrained layers sit in the model: '' when it is the torchvision classifier itself, 'resnet.' when
    a wrapper module holds it as self.resnet (the shallowest module that has every one of them as a child); None
    when no module does."""
    for path, module in model.named_modules():
        if set(net.frozen) <= set(dict(module.named_children())):
            return f"{path}." if path else ""
    return None


def _head(model: Any, params: dict[str, Any]) -> tuple[str, Any]:
    """The new last layer: the backbone's head (in a wrapper too) when it is a Linear, else the last Linear."""
    from torch import nn

    net = backbone(params)
    head = f"{backbone_path(model, net) or ''}{net.head}"
    modules = dict(model.named_modules())
    if isinstance(modules.get(head), nn.Linear):
        return head, modules[head]
    linears = [(name, m) for name, m in modules.items() if isinstance(m, nn.Linear)]
    if not linears:
        raise MeasureError("the model has no nn.Linear layer",
                           "replace the last layer: " + net.replace_head.format(size="nn.Linear(...)"))
    return linears[-1]


def _by_layer(names: list[str]) -> str:
    """'30 tensors (features.0 … features.28: 13 layers; classifier.0, classifier.3)': grouped by
    layer, never 30 names."""
    groups: dict[str, list[str]] = {}
    for layer in dict.fromkeys(n.rpartition(".")[0] or n for n in names):
        groups.setdefault(layer.partition(".")[0], []).append(layer)
    parts = [f"{ls[0]} … {ls[-1]}: {len(ls)} layers" if len(ls) > 4 else ", ".join(ls) for ls in groups.values()]
    return f"{len(names)} tensor{'' if len(names) == 1 else 's'} ({'; '.join(parts)})"


def _layer_of(name: str, path: str) -> str:
    """The top layer of the backbone at `path` that parameter `name` belongs to ('model.layer3' for
    'model.layer3.0.conv1.weight' at 'model.'); '' for a parameter outside it."""
    rest = name[len(path):] if name.startswith(path) else ""
    return f"{path}{rest.partition('.')[0]}" if "." in rest else ""


def _pretrained_layers(names: list[str], tensors: list[dict[str, Any]]) -> list[str]:
    """The pretrained layers that `names` (some of `tensors`) belong to, by name ('model.layer3'); a layer they
    cover only in part says how much ('layer4 (3 of its 15 tensors)')."""
    chosen = set(names)
    total = Counter(t["layer"] for t in tensors)
    hit = Counter(t["layer"] for t in tensors if t["name"] in chosen)
    return [layer if hit[layer] == total[layer] else f"{layer} ({hit[layer]} of its {total[layer]} tensors)"
            for layer in hit]


def _and(words: list[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def _count(names: list[str]) -> str:
    return f"{len(names)} tensor{'' if len(names) == 1 else 's'}"


# ---------------------------------------------------------------------------------- frozen_layers

def measure_frozen_layers(ctx: MeasureContext, params: dict[str, Any]) -> dict[str, Any]:
    """requires_grad of every pretrained parameter after build_model(), and whether it changed in one
    training step with the student's optimizer; the pretrained layers are found in a wrapper module too."""
    import torch

    net = backbone(params)
    model = build_student_model(ctx, params)
    path = backbone_path(model, net)
    if path is None:
        missing = f"a `{net.frozen[0]}` part" if len(net.frozen) == 1 else \
            f"the pretrained layers ({', '.join(net.frozen)})"
        raise MeasureError(f"build_model() returned a {type(model).__name__} without {missing}",
                           f"return torchvision.models.{params['architecture']}(weights=weights) with a new head")
    layers = {f"{path}{name}" for name in net.frozen}
    named = [(n, p) for n, p in model.named_parameters() if _layer_of(n, path) in layers]
    trainable = [p.requires_grad for _, p in named]
    before = [p.detach().clone() for _, p in named]
    stepped = _train_step(ctx, model, _optimizer(ctx, model))
    return {"stepped": stepped, "path": path,
            "tensors": [{"name": n, "layer": _layer_of(n, path), "trainable": t,
                         "changed": not torch.equal(b, p.detach())}
                        for (n, p), t, b in zip(named, trainable, before)]}


def judge_frozen_layers(ctx: JudgeContext) -> Verdict:
    tensors, stepped, net = ctx.measured["tensors"], ctx.measured["stepped"], backbone(ctx.params)
    expected = (f"every parameter of {net.frozen_words} has requires_grad=False after build_model() and "
                "is unchanged after one training step with your optimizer")
    trainable = [t["name"] for t in tensors if t["trainable"]]
    changed = [t["name"] for t in tensors if t["changed"]]
    problems = []
    if trainable:
        layers = _pretrained_layers(trainable, tensors)
        both = " and changed in one training step" if changed == trainable else ""
        problems.append(f"{_and(layers)} {'is' if len(layers) == 1 else 'are'} still trainable (requires_grad=True)"
                        f"{both}: {_count(trainable)}")
    if changed and changed != trainable:
        problems.append(f"{_and(_pretrained_layers(changed, tensors))} changed in one training step: {_count(changed)}")
    if problems:
        return failed(expected, "; ".join(problems), _frozen_hint(ctx.measured, trainable, net))
    step = "in one training step" if stepped else \
        "(no training step was possible: nothing trainable reaches the output)"
    inside = f", in {ctx.measured['path'][:-1]}," if ctx.measured.get("path") else ""
    return passed(expected, f"all {len(tensors)} parameter tensors of {net.frozen_words}{inside} are frozen and "
                            f"unchanged {step}")


def _frozen_hint(measured: dict[str, Any], trainable: list[str], net: Backbone) -> str:
    """Freeze the feature extractor as the brief does; where only some pretrained layers were left trainable
    (fine-tuning the last blocks), name them."""
    if not trainable:
        return "they are frozen but still change: does forward or make_optimizer modify the weights?"
    if len(trainable) == len(measured["tensors"]):
        return f"freeze the pretrained feature extractor in build_model: {net.freeze}"
    layers = _and(_pretrained_layers(trainable, measured["tensors"]))
    return (f"the brief trains only the new head: leave {layers} frozen (don't set requires_grad=True on "
            "pretrained layers)")


# --------------------------------------------------------------------------------------- new_head

def measure_new_head(ctx: MeasureContext, params: dict[str, Any]) -> dict[str, Any]:
    """The last Linear layer's size, whether it is trainable, and whether one step changes it."""
    import torch

    model = build_student_model(ctx, params)
    path, layer = _head(model, params)
    weights = list(layer.parameters())
    trainable = all(p.requires_grad for p in weights)
    before = [p.detach().clone() for p in weights]
    stepped = _train_step(ctx, model, _optimizer(ctx, model))
    return {"path": path, "in_features": layer.in_features, "out_features": layer.out_features,
            "trainable": trainable, "stepped": stepped,
            "changed": all(not torch.equal(b, p.detach()) for b, p in zip(before, weights))}


def judge_new_head(ctx: JudgeContext) -> Verdict:
    want, got = ctx.expected, ctx.measured
    size = f"nn.Linear({want['in_features']}, {want['out_features']})"
    expected = f"the last layer ({want['path']}) is a new {size}, trainable, and one training step with your optimizer changes it"
    found = f"{got['path']} is nn.Linear({got['in_features']}, {got['out_features']})"
    if got["out_features"] != want["out_features"]:
        start = "replace the ImageNet head (1000 classes) by a new layer with" if got["out_features"] == 1000 else \
            "give the new layer"
        return failed(expected, found, f"{start} one output per class: "
                                       f"{backbone(ctx.params).replace_head.format(size=size)}")
    if got["in_features"] != want["in_features"]:
        return failed(expected, found, f"keep {backbone(ctx.params).name}'s layers and replace only its last "
                                       f"layer by {size}")
    if not got["trainable"]:
        return failed(expected, f"{found}, but it is frozen (requires_grad=False)",
                      "freeze the pretrained layers before replacing the last one (a new nn.Linear is "
                      "trainable), not after")
    if not got["changed"]:
        return failed(expected, f"{found} and trainable, but one training step did not change it",
                      "make_optimizer must include the new layer's parameters, with a learning rate above 0")
    return passed(expected, f"{found}, trainable, changed by one training step")


# ------------------------------------------------------------------------------- optimizer_params

def measure_optimizer_params(ctx: MeasureContext, params: dict[str, Any]) -> dict[str, Any]:
    """Which of the model's parameters the optimizer holds (by identity), and how many others."""
    model = build_student_model(ctx, params)
    optimizer = _optimizer(ctx, model)
    names = {id(p): n for n, p in model.named_parameters()}
    held = [p for group in optimizer.param_groups for p in group["params"]]
    return {"in_optimizer": list(dict.fromkeys(names[id(p)] for p in held if id(p) in names)),
            "foreign": len({id(p) for p in held if id(p) not in names}),
            "trainable": [n for n, p in model.named_parameters() if p.requires_grad]}


def judge_optimizer_params(ctx: JudgeContext) -> Verdict:
    held, trainable, foreign = ctx.measured["in_optimizer"], ctx.measured["trainable"], ctx.measured["foreign"]
    expected = "make_optimizer(model) optimizes exactly the model's trainable parameters (requires_grad=True)"
    held_set, trainable_set = set(held), set(trainable)
    extra = [n for n in held if n not in trainable_set]
    missing = [n for n in trainable if n not in held_set]
    problems, hint = [], "build it from the trainable parameters: [p for p in model.parameters() if p.requires_grad]"
    if extra:
        problems.append(f"in the optimizer but frozen: {_by_layer(extra)}")
    if missing:
        problems.append(f"trainable but not in the optimizer: {_by_layer(missing)}")
    if foreign:
        problems.append(f"in the optimizer but not parameters of the model it was given: {foreign} "
                        f"tensor{'' if foreign == 1 else 's'}")
        hint = "use the `model` argument's parameters; don't build another model inside make_optimizer"
    if not trainable:
        hint = "nothing in the model is trainable: the new last layer must keep requires_grad=True"
    summary = f"trainable: {_by_layer(trainable)}" if trainable else "the model has no trainable parameters"
    if problems:
        return failed(expected, f"{summary}; " + "; ".join(problems), hint)
    return passed(expected, f"{summary}; the optimizer holds exactly those")


# ------------------------------------------------------------------------------ transfer_accuracy

def imagenet_weights(params: dict[str, Any]) -> Any:
    import torchvision.models

    return getattr(torchvision.models, backbone(params).weights).IMAGENET1K_V1


def weights_missing(params: dict[str, Any], data_root: Path | None = None) -> str:
    """Parent side: '' when the backbone's ImageNet weights are in the torch hub cache (TORCH_HOME
    aware), else which file to put where (`data_root`: unused, as Probe.unavailable passes it)."""
    import torch

    weights = imagenet_weights(params)
    path = Path(torch.hub.get_dir()) / "checkpoints" / Path(weights.url).name
    if path.is_file():
        return ""
    return (f"the pretrained {backbone(params).name} ImageNet weights are not on this machine: download "
            f"{weights.url} ({weights.meta['_file_size']:.0f} MB) to {path}, readable by every user (torchvision's "
            f"cache; setting TORCH_HOME moves it to $TORCH_HOME/hub/checkpoints)")


def measure_transfer_accuracy(ctx: MeasureContext, params: dict[str, Any]) -> dict[str, Any]:
    """Fine-tune build_model(ImageNet weights) with the student's optimizer under the protocol;
    return predictions for the unlabeled test images (the parent scores them)."""

    def build() -> tuple[Any, Any]:
        model = build_student_model(ctx, params, imagenet_weights(params))
        return model, _optimizer(ctx, model)

    return train_for_predictions(ctx, params, build, verb="fine-tuning")


_ARCHITECTURE = {"architecture": Param("str", default="vgg16", measure=True)}

FAMILY = (
    Probe(
        name="frozen_layers", title="Feature extractor frozen",
        summary=("Builds build_model() with random weights for `architecture` and checks that every pretrained layer"
                 " has requires_grad=False and does not change in one training step."),
        expects="every pretrained parameter is frozen and does not change in training",
        measure=measure_frozen_layers, judge=judge_frozen_layers, needs_reference=False, default_timeout=60.0,
        params=_ARCHITECTURE, calls=("build_model",), also_uses=("make_optimizer",), training="steps"),
    Probe(
        name="new_head", title="New trainable last layer",
        summary=("Checks that build_model() replaces the last layer with a trainable one of one output per class (as"
                 " the reference does) and that one training step changes it."),
        expects="a new, trainable last layer with one output per class that training changes",
        measure=measure_new_head, judge=judge_new_head, default_timeout=60.0, params=_ARCHITECTURE,
        calls=("build_model",), also_uses=("make_optimizer",), training="steps"),
    Probe(
        name="optimizer_params", title="Optimizer over the trainable parameters",
        summary=("Checks that make_optimizer(model) holds exactly the model's trainable parameters (none of the "
                 "frozen ones, all of the new head's)."),
        expects="the optimizer holds exactly the trainable parameters",
        measure=measure_optimizer_params, judge=judge_optimizer_params, needs_reference=False,
        default_timeout=60.0, params=_ARCHITECTURE, calls=("build_model", "make_optimizer")),
    Probe(
        name="transfer_accuracy", title="Test accuracy after fine-tuning from ImageNet weights",
        summary=("Fine-tunes build_model(weights=ImageNet weights) under `protocol` and scores the real test "
                 "accuracy against the reference's recording; SKIPPED where the weights are not in the cache."),
        expects="a test accuracy close to the reference's after fine-tuning the pretrained network",
        measure=measure_transfer_accuracy, judge=judge_test_accuracy, needs_reference=False,
        needs_data=True, trains=True, unavailable=weights_missing, default_timeout={"cpu": 900.0, "cuda": 120.0},
        params={**_ARCHITECTURE, "protocol": Param("str", default="transfer", measure=True),
                "min_fraction_of_reference": Param("float", default=0.9),
                "floor_fraction_of_reference": Param("float", default=0.5)},
        calls=("build_model",), also_uses=("make_optimizer",), training="epochs", pretrained=True),
)
