"""Probes for the chapter's project (`pneumonia_resnet50`): chest X-rays, normal vs pneumonia, ResNet50
transfer learning. The student defines `make_transforms()`, `make_datasets(root)` and
`make_criterion(train_dataset)` (and `build_model`, checked by the transfer probes).

The X-ray data is not on the grading machine, so the child writes a folder in the usual dataset's
layout, `root/{train,val,test}/{NORMAL,PNEUMONIA}/*.jpeg`: small grayscale JPEGs of several sizes,
imbalanced on purpose (3 pneumonia to 1 normal in the training split), and checks what the student's
code makes of it: the class mapping, which split gets the augmentation, 3-channel 224 × 224 tensors
with ImageNet's normalisation, and class weights from the training counts.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from grader.child.values import describe_value, type_name
from grader.probes.base import (
    JudgeContext,
    MeasureContext,
    MeasureError,
    Probe,
    Verdict,
    failed,
    passed,
)
from grader.training.data import IMAGENET_MEAN, IMAGENET_STD

COUNTS = {"train": {"NORMAL": 12, "PNEUMONIA": 36}, "val": {"NORMAL": 4, "PNEUMONIA": 4},
          "test": {"NORMAL": 8, "PNEUMONIA": 16}}
SIZE = 224


def write_xray_folder(root: Path, seed: int) -> None:
    """Grayscale JPEGs of varying sizes in ImageFolder's layout (COUNTS per split and class)."""
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(seed)
    for split, classes in COUNTS.items():
        for label, count in classes.items():
            folder = root / split / label
            folder.mkdir(parents=True, exist_ok=True)
            for i in range(count):
                height, width = int(rng.integers(180, 300)), int(rng.integers(200, 320))
                pixels = rng.integers(0, 256, (height, width), dtype=np.uint8)
                Image.fromarray(pixels, mode="L").save(folder / f"{label.lower()}-{split}-{i:03d}.jpeg")


def _folder(ctx: MeasureContext) -> Path:
    import tempfile

    root = Path(tempfile.mkdtemp(prefix="chest-xray-"))
    write_xray_folder(root, ctx.seed)
    return root


def _random(sample: Any, seed: int) -> Any:
    import torch

    torch.manual_seed(seed)
    return sample()


def _describe_output(make: Any) -> dict[str, Any]:
    """Shape, determinism over two seeds, and the normalisation of a transform's output."""
    import torch

    try:
        first, second = _random(make, 0), _random(make, 1)
    except Exception as exc:  # noqa: BLE001 - the student's transform failing on a grayscale image is the finding
        return {"type": "error", "error": f"{type(exc).__name__}: {str(exc)[:200]}"}
    if type(first) is not torch.Tensor:
        return {"type": type_name(first), "described": describe_value(first)}
    out: dict[str, Any] = {"type": "tensor", "shape": list(first.shape),
                           "dtype": str(first.dtype).replace("torch.", ""),
                           "random": not (first.shape == second.shape and torch.equal(first, second)),
                           "min": float(first.min()), "max": float(first.max())}
    if first.ndim == 3 and first.shape[0] == 3:
        mean, std = torch.tensor(IMAGENET_MEAN).view(3, 1, 1), torch.tensor(IMAGENET_STD).view(3, 1, 1)
        gray = first * std + mean  # the pixel values if ImageNet's normalisation was used
        out["imagenet"] = bool((gray - gray[0]).abs().max() < 1e-3)
        out["channels_equal"] = bool((first - first[0]).abs().max() < 1e-6)
    return out


def measure_transforms(ctx: MeasureContext, params: dict[str, Any]) -> dict[str, Any]:
    """make_transforms()' two transforms on one grayscale X-ray-sized image, each run under two seeds."""
    import numpy as np
    from PIL import Image

    transforms = ctx.namespace["make_transforms"]()
    if not isinstance(transforms, (tuple, list)) or len(transforms) != 2:
        raise MeasureError(f"make_transforms returned {type(transforms).__name__}, not (train_transform, "
                           "eval_transform)", "return train_transform, eval_transform")
    pixels = np.random.default_rng(ctx.seed).integers(0, 256, (260, 300), dtype=np.uint8)
    image = Image.fromarray(pixels, mode="L")
    return {"train": _describe_output(lambda: transforms[0](image)),
            "eval": _describe_output(lambda: transforms[1](image))}


def _transform_problems(name: str, got: dict[str, Any], random: bool) -> list[tuple[str, str]]:
    if got["type"] == "error":
        one_channel = "broadcast shape [3" in got["error"]
        return [(f"the {name} transform fails on a grayscale image ({got['error']})",
                 "transforms.Grayscale(num_output_channels=3) first: Normalize has 3 means, the X-ray 1 channel"
                 if one_channel else "try the transform on a grayscale PIL image")]
    if got["type"] != "tensor":
        return [(f"the {name} transform returns {got['described']}", "end it with ToTensor() and Normalize(...)")]
    problems = []
    if got["shape"] != [3, SIZE, SIZE]:
        one_channel = got["shape"][:1] == [1]
        hint = ("transforms.Grayscale(num_output_channels=3) turns the X-ray into the 3 channels ResNet50 expects, "
                f"then transforms.Normalize({list(IMAGENET_MEAN)}, {list(IMAGENET_STD)})"
                if one_channel else f"crop or resize to {SIZE} × {SIZE}")
        values = ("no Normalize" if got["min"] >= 0 and got["max"] <= 1 else
                  "a one-channel Normalize, not ImageNet's three means and stds") if one_channel else ""
        problems.append((f"the {name} transform gives {got['shape']}, not [3, {SIZE}, {SIZE}]"
                         + (f" (and {values})" if values else ""), hint))
    elif not got.get("imagenet"):
        values = "[0, 1]: no Normalize" if got["min"] >= 0 and got["max"] <= 1 else "another normalisation"
        problems.append((f"the {name} transform's values are {values}; the pretrained ResNet50 expects ImageNet's",
                         f"transforms.Normalize({list(IMAGENET_MEAN)}, {list(IMAGENET_STD)})"))
    if got["random"] != random:
        problems.append((f"the {name} transform is {'deterministic: no augmentation' if random else 'random'}",
                         "augment the training images only (e.g. RandomHorizontalFlip, RandomRotation); "
                         "evaluation must see the same tensor every time"))
    return problems


def judge_transforms(ctx: JudgeContext) -> Verdict:
    expected = (f"(train_transform, eval_transform): float [3, {SIZE}, {SIZE}] from a grayscale image, ImageNet's "
                "normalisation; the training one random (augmentation), the evaluation one deterministic")
    problems = _transform_problems("training", ctx.measured["train"], True) + \
        _transform_problems("evaluation", ctx.measured["eval"], False)
    if not problems:
        return passed(expected, f"both give [3, {SIZE}, {SIZE}] with ImageNet's normalisation; only training "
                                "augments")
    return Verdict(0.5 if len(problems) == 1 else 0.0, expected, "; ".join(p for p, _ in problems),
                   "; ".join(dict.fromkeys(h for _, h in problems)))


def _student_transforms(ctx: MeasureContext) -> tuple[Any, Any] | None:
    """make_transforms()' (train, eval) pair, or None where it is not defined or gives no such pair (the
    transforms check says why)."""
    make = ctx.namespace.get("make_transforms")
    try:
        transforms = make() if callable(make) else None
    except Exception:  # noqa: BLE001 - the transforms check charges it; here the datasets are judged without it
        return None
    ok = isinstance(transforms, (tuple, list)) and len(transforms) == 2 and all(map(callable, transforms))
    return (transforms[0], transforms[1]) if ok else None


def _transform_used(dataset: Any, transforms: tuple[Any, Any] | None) -> str | None:
    """Which of make_transforms()' transforms the dataset applies, told by their tensors for its first image
    under two seeds: 'train', 'eval', 'both' (the two give the same tensors), 'other'; None when it cannot be told."""
    import torch

    def tensors(sample: Any) -> list[Any] | None:
        try:
            out = [_random(sample, seed) for seed in (0, 1)]
        except Exception:  # noqa: BLE001 - the student's transform failing is the other checks' finding
            return None
        return out if all(type(t) is torch.Tensor for t in out) else None

    got = tensors(lambda: dataset[0][0])
    if transforms is None or got is None:
        return None
    image = dataset.loader(dataset.samples[0][0])
    same = [name for name, transform in zip(("train", "eval"), transforms)
            if (out := tensors(lambda t=transform: t(image))) is not None
            and all(a.shape == b.shape and torch.equal(a, b) for a, b in zip(got, out))]
    return "both" if len(same) == 2 else same[0] if same else "other"


def measure_datasets(ctx: MeasureContext, params: dict[str, Any]) -> dict[str, Any]:
    """make_datasets(root) on the generated folder: each dataset's type, classes, size, which of make_transforms()'
    transforms it applies, and whether the same sample comes out differently under two seeds (augmented)."""
    from torchvision.datasets import ImageFolder

    datasets = ctx.namespace["make_datasets"](str(_folder(ctx)))
    if not isinstance(datasets, (tuple, list)) or len(datasets) != 3:
        raise MeasureError(f"make_datasets returned {type(datasets).__name__}, not (train, val, test)",
                           "return train_dataset, val_dataset, test_dataset")
    transforms = _student_transforms(ctx)
    described = []
    for dataset in datasets:
        if not isinstance(dataset, ImageFolder):
            described.append({"type": type_name(dataset), "described": describe_value(dataset)})
            continue
        sample = _describe_output(lambda d=dataset: d[0][0])
        described.append({"type": "ImageFolder", "classes": list(dataset.classes),
                          "class_to_idx": dict(dataset.class_to_idx), "length": len(dataset),
                          "folder": Path(dataset.root).name, "random": sample.get("random"),
                          "uses": _transform_used(dataset, transforms)})
    return {"datasets": described}


_WHICH = {"train": "training", "eval": "evaluation"}


def _transform_problem(split: str, got: dict[str, Any]) -> tuple[str, str] | None:
    """What is wrong with the transform make_datasets gave this split: judged by which of make_transforms()' two
    it is, else (neither, or make_transforms unusable) by whether it augments."""
    wanted = "train" if split == "train" else "eval"
    hint = "give the training dataset the training transform" if split == "train" else \
        "give val and test the evaluation transform"
    if got.get("uses") in ("train", "eval") and got["uses"] != wanted:
        return f"the {split} dataset uses the {_WHICH[got['uses']]} transform", hint
    if got.get("uses") in (None, "other") and got["random"] is not None and got["random"] != (split == "train"):
        return f"the {split} dataset {'does not augment' if split == 'train' else 'augments'}", hint
    return None


def judge_datasets(ctx: JudgeContext) -> Verdict:
    expected = ("(train, val, test) ImageFolder datasets of root/train, root/val, root/test: classes NORMAL → 0, "
                "PNEUMONIA → 1; train with the training transform from make_transforms(), val and test with its "
                "evaluation one")
    problems, measured = [], ctx.measured["datasets"]
    for (split, counts), got in zip(COUNTS.items(), measured):
        if got["type"] != "ImageFolder":
            problems.append((f"the {split} dataset is {got['described']}", "datasets.ImageFolder(os.path.join(root, "
                                                                         f"'{split}'), transform=...)"))
            continue
        if got["folder"] != split or got["length"] != sum(counts.values()):
            problems.append((f"the {split} dataset reads {got['folder']!r} ({got['length']} images)",
                             f"datasets.ImageFolder(os.path.join(root, '{split}'), ...)"))
        if got["class_to_idx"] != {"NORMAL": 0, "PNEUMONIA": 1}:
            problems.append((f"the {split} dataset's classes are {got['class_to_idx']}",
                             "let ImageFolder find the classes from the folder names"))
        if problem := _transform_problem(split, got):
            problems.append(problem)
    if problems:
        return failed(expected, "; ".join(p for p, _ in problems), "; ".join(dict.fromkeys(h for _, h in problems)))
    if any(got.get("uses") == "both" for got in measured):
        return Verdict(0.0, expected, "the splits and classes are right, but make_transforms() gives the same images "
                                      "for training and evaluation, so which split gets which cannot be told",
                       "make the training transform augment and the evaluation one not", charged_by="xray_transforms")
    return passed(expected, "three ImageFolder datasets with the right splits and classes; train with the training "
                            "transform, val and test with the evaluation transform")


def measure_class_weights(ctx: MeasureContext, params: dict[str, Any]) -> dict[str, Any]:
    """make_criterion(train_dataset) for an ImageFolder of the generated training split (12 NORMAL,
    36 PNEUMONIA): the loss's class and its weights."""
    from torch import nn
    from torchvision.datasets import ImageFolder

    dataset = ImageFolder(str(_folder(ctx) / "train"))
    criterion = ctx.namespace["make_criterion"](dataset)
    if not isinstance(criterion, nn.Module):
        raise MeasureError(f"make_criterion returned a {type(criterion).__name__}, not a loss module",
                           "return nn.CrossEntropyLoss(weight=class_weights)")
    weight = getattr(criterion, "weight", None)
    return {"type": type(criterion).__name__,
            "weight": None if weight is None else [float(w) for w in weight.detach().cpu().reshape(-1)],
            "counts": [COUNTS["train"]["NORMAL"], COUNTS["train"]["PNEUMONIA"]]}


def judge_class_weights(ctx: JudgeContext) -> Verdict:
    m = ctx.measured
    normal, pneumonia = m["counts"]
    expected = (f"nn.CrossEntropyLoss with class weights from the training counts ({normal} NORMAL, {pneumonia} "
                f"PNEUMONIA): inversely proportional, so NORMAL weighs {pneumonia / normal:g} times PNEUMONIA")
    hint = "counts = torch.bincount(torch.tensor(train_dataset.targets)); weight = counts.sum() / (2 * counts)"
    if m["type"] != "CrossEntropyLoss":
        return failed(expected, f"a {m['type']}", "use nn.CrossEntropyLoss(weight=...)")
    if m["weight"] is None:
        return failed(expected, "no class weights (weight=None): the rarer NORMAL class counts as much as "
                                "PNEUMONIA", hint)
    if len(m["weight"]) != 2 or min(m["weight"]) <= 0:
        return failed(expected, f"weights {m['weight']}", "one positive weight per class, in class_to_idx order")
    ratio = m["weight"][0] / m["weight"][1]
    if abs(ratio - pneumonia / normal) < 0.01 * pneumonia / normal:
        return passed(expected, f"weights {[round(w, 4) for w in m['weight']]}: NORMAL {ratio:g} × PNEUMONIA")
    if abs(ratio - normal / pneumonia) < 0.01:
        return failed(expected, f"weights {[round(w, 4) for w in m['weight']]}: proportional to the counts, not to "
                                "their inverse (the common class gets the larger weight)", hint)
    return failed(expected, f"weights {[round(w, 4) for w in m['weight']]} (NORMAL {ratio:.3g} × PNEUMONIA)", hint)


FAMILY = (
    Probe(name="xray_transforms",
          summary=("Runs make_transforms()' (train, eval) pair on a grayscale X-ray-sized image: 3-channel 224 × 224"
                   " tensors with ImageNet's normalisation, the training one random, the evaluation one "
                   "deterministic."),
          calls=("make_transforms",), title="Transforms for grayscale X-rays",
          expects="3-channel 224 × 224 tensors with ImageNet's normalisation; augmentation for training only",
          measure=measure_transforms, judge=judge_transforms, needs_reference=False, default_timeout=60.0),
    Probe(name="xray_datasets",
          summary=("Calls make_datasets(root) on a generated root/{train,val,test}/{NORMAL,PNEUMONIA} folder: three "
                   "ImageFolder datasets, the class mapping, and the augmentation on the training split only."),
          calls=("make_datasets",), also_uses=("make_transforms",), title="ImageFolder datasets of the three splits",
          expects="train/val/test ImageFolder datasets with the right transforms",
          measure=measure_datasets, judge=judge_datasets, needs_reference=False, default_timeout=60.0),
    Probe(name="class_weights",
          summary=("Calls make_criterion(train_dataset) on an imbalanced generated training split and checks for a "
                   "CrossEntropyLoss weighted by the inverse class counts."),
          calls=("make_criterion",), title="Class weights against the imbalance",
          expects="CrossEntropyLoss weighted by the inverse class counts", measure=measure_class_weights,
          judge=judge_class_weights, needs_reference=False, default_timeout=60.0),
)
