"""Probes for section 8.4 (`resnet18_cifar`): the student's `build_model()` is torchvision's ResNet18 with
a 10-way head, and `make_transform()` is the chapter's CIFAR-10 transform.

Both are judged against the reference's recorded measurement (expected.pt): the structure (block type,
blocks per stage, parameter count, head) and the transform's output on the first real CIFAR-10 test
images. The known torchvision ResNets are named when a submission builds another one.
"""
from __future__ import annotations

from typing import Any

from grader.child.values import describe_value, type_name
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
from grader.training.data import IMAGENET_MEAN, IMAGENET_STD

KNOWN = {("BasicBlock", (2, 2, 2, 2)): "resnet18", ("BasicBlock", (3, 4, 6, 3)): "resnet34",
         ("Bottleneck", (3, 4, 6, 3)): "resnet50", ("Bottleneck", (3, 4, 23, 3)): "resnet101"}


def measure_resnet_structure(ctx: MeasureContext, params: dict[str, Any]) -> dict[str, Any]:
    """Class, block type and blocks per stage, parameter count and head of build_model()'s model."""
    from torch import nn
    from torchvision.models import ResNet

    model = ctx.new_model("build_model")
    kind = type_name(model)
    if not isinstance(model, ResNet):
        return {"resnet": False, "class": kind, "described": describe_value(model)}
    stages = [getattr(model, f"layer{i}") for i in range(1, 5)]
    fc = model.fc
    return {"resnet": True, "class": kind, "block": type(stages[0][0]).__name__, "blocks": [len(s) for s in stages],
            "parameters": sum(p.numel() for p in model.parameters()),
            "head": [fc.in_features, fc.out_features] if isinstance(fc, nn.Linear) else type(fc).__name__}


def judge_resnet_structure(ctx: JudgeContext) -> Verdict:
    got, want = ctx.measured, ctx.expected
    net = KNOWN.get((want["block"], tuple(want["blocks"])), "the reference ResNet")
    expected = (f"torchvision's {net}: {want['block']}, {want['blocks']} blocks per stage, "
                f"{want['parameters']:,} parameters, head nn.Linear({want['head'][0]}, {want['head'][1]})")
    if not got["resnet"]:
        return failed(expected, f"build_model() returned {got['described']}, not a torchvision ResNet",
                      f"return torchvision.models.{net}(num_classes={want['head'][1]})")
    built = KNOWN.get((got["block"], tuple(got["blocks"])))
    if (got["block"], got["blocks"]) != (want["block"], want["blocks"]):
        name = f"torchvision's {built}" if built else "a ResNet"
        return failed(expected, f"{name}: {got['block']}, {got['blocks']} blocks per stage",
                      f"use torchvision.models.{net}, as in the chapter")
    if got["head"] != want["head"]:
        return failed(expected, f"the head is {got['head']} (in, out features), expected {want['head']}",
                      f"build it with one output per class: torchvision.models.{net}(num_classes={want['head'][1]})")
    if got["parameters"] != want["parameters"]:
        return failed(expected, f"{got['parameters']:,} parameters", "use torchvision's model unchanged")
    return passed(expected, f"{net} with {got['parameters']:,} parameters and a {got['head'][1]}-way head")


def measure_transform_output(ctx: MeasureContext, params: dict[str, Any]) -> dict[str, Any]:
    """make_transform() applied to the first `images` real CIFAR-10 test images (as PIL images)."""
    import numpy as np
    import torch
    from PIL import Image

    if ctx.staged_dir is None:
        raise MeasureError("no test images were made available to the grading process")
    raw = np.load(ctx.staged_dir / "test_images.npy", mmap_mode="r", allow_pickle=False)[:params["images"]]
    transform = ctx.namespace["make_transform"]()
    outputs = [transform(Image.fromarray(np.ascontiguousarray(image.transpose(1, 2, 0)))) for image in raw]
    if not all(type(o) is torch.Tensor for o in outputs):
        raise MeasureError(f"the transform returns {describe_value(outputs[0])}, not a tensor",
                           "end the Compose with transforms.ToTensor() and transforms.Normalize(...)")
    shapes = {tuple(o.shape) for o in outputs}
    if len(shapes) != 1:
        raise MeasureError(f"the transform returns tensors of different shapes {sorted(shapes)}",
                           "resize every image to the same size: transforms.Resize(32)")
    return {"output": torch.stack(outputs)}


def judge_transform_output(ctx: JudgeContext) -> Verdict:
    import torch

    got, want = ctx.measured["output"], ctx.expected["output"]
    expected = (f"the chapter's transform: a float tensor {list(want.shape[1:])} per image, values in "
                f"[{float(want.min()):.0f}, {float(want.max()):.0f}] "
                "(Resize(32), ToTensor, Normalize((0.5,)*3, (0.5,)*3))")
    if got.shape != want.shape:
        return failed(expected, f"tensors of shape {list(got.shape[1:])}",
                      "transforms.Resize(32) keeps CIFAR-10's 32 × 32" if got.shape[-1] != want.shape[-1]
                      else "keep the 3 colour channels")
    if got.dtype == want.dtype and torch.allclose(got, want, atol=1e-5):
        return passed(expected, f"the same {list(got.shape[1:])} tensors as the reference's transform")
    low, high = float(got.min()), float(got.max())
    imagenet = (torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1), torch.tensor(IMAGENET_STD).view(1, 3, 1, 1))
    unit = (want * 0.5 + 0.5).clamp(0, 1)
    if torch.allclose(got, unit, atol=1e-5):
        found = "values in [0, 1]: ToTensor without Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))"
    elif torch.allclose(got, (unit - imagenet[0]) / imagenet[1], atol=1e-4):
        found = "ImageNet's normalisation (mean 0.485, 0.456, 0.406); the chapter normalises with 0.5 for every channel"
    else:
        found = f"values in [{low:.3f}, {high:.3f}] that differ from the chapter's transform's"
    return failed(expected, found, "transforms.Compose([transforms.Resize(32), transforms.ToTensor(), "
                                   "transforms.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))])")


FAMILY = (
    Probe(name="resnet_structure",
          summary=("Compares build_model()'s network with the reference's: torchvision ResNet class, block type, "
                   "blocks per stage, parameter count and the head's width."),
          calls=("build_model",), title="torchvision's ResNet18 with a 10-way head",
          expects="torchvision's ResNet with the reference's blocks, parameters and head",
          measure=measure_resnet_structure, judge=judge_resnet_structure, default_timeout=60.0),
    Probe(name="transform_output",
          summary=("Applies make_transform() to the first `images` real CIFAR-10 test images and compares the "
                   "tensors with the reference transform's."),
          calls=("make_transform",), title="The chapter's CIFAR-10 transform",
          expects="the reference transform's tensors on real CIFAR-10 images",
          measure=measure_transform_output, judge=judge_transform_output, needs_data=True,
          params={"images": Param("int", default=8, measure=True)}, default_timeout=60.0),
)
