"""Gradient probes: every parameter learns, and outputs/gradients match the reference's when the
reference weights are loaded into the submission."""
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
    logit_loss,
    passed,
)

_BATCH = 4


def _batch(ctx: MeasureContext, seed: int) -> tuple[Any, Any]:
    import torch

    g = torch.Generator().manual_seed(seed)
    x = torch.randn([_BATCH, ctx.input_channels, ctx.image_size, ctx.image_size], generator=g)
    y = torch.randint(0, ctx.num_classes, (_BATCH,), generator=g)
    return x, y


def _loss_backward(ctx: MeasureContext, model: Any, x: Any, y: Any) -> Any:
    """Forward, a loss on whatever logits [batch, k] the model gives (their width is output_shape's to judge),
    backward; returns the output. Errors become student messages."""
    out = ctx.forward(model, x.to(ctx.device))
    loss = logit_loss(out, y, "no loss to take gradients of")
    if not loss.requires_grad:
        raise MeasureError("the output is not connected to the model's parameters (no gradient can flow)",
                           "don't call .detach(), .data, .item() or torch.no_grad() inside forward")
    loss.backward()
    return out


# --------------------------------------------------------------------------------- gradient_flow

def measure_gradient_flow(ctx: MeasureContext, params: dict[str, Any]) -> dict[str, Any]:
    """Backward one seeded batch; return every trainable parameter's gradient (None if absent)."""
    model = ctx.new_model().train()
    x, y = _batch(ctx, ctx.seed)
    _loss_backward(ctx, model, x, y)
    return {"grads": [{"name": n, "grad": None if p.grad is None else p.grad.detach().cpu()}
                      for n, p in model.named_parameters() if p.requires_grad]}


def judge_gradient_flow(ctx: JudgeContext) -> Verdict:
    import torch

    grads = ctx.measured["grads"]
    expected = "every trainable parameter gets a finite, non-zero gradient from one training step"
    if not grads:
        return failed(expected, "the model has no trainable parameters",
                      "layers must be attributes of the module (or in nn.Sequential/nn.ModuleList) to be registered")
    missing = [g["name"] for g in grads if g["grad"] is None]
    bad = [g["name"] for g in grads if g["grad"] is not None and not bool(torch.isfinite(g["grad"]).all())]
    zero = [g["name"] for g in grads if g["grad"] is not None and not bool(g["grad"].ne(0).any())]
    problems = []
    if missing:
        problems.append(f"no gradient for {', '.join(missing)} (not used in forward?)")
    if bad:
        problems.append(f"NaN/inf gradient for {', '.join(bad)}")
    if zero:
        problems.append(f"all-zero gradient for {', '.join(zero)}")
    if problems:
        return failed(expected, "; ".join(problems),
                      "every layer defined in __init__ should be used in forward, with no NaN-producing operations")
    return passed(expected, f"{len(grads)} parameter tensors, all with finite non-zero gradients")


# --------------------------------------------------------------------------- reference_gradients

def prepare_reference_gradients(build_reference: Any, params: dict[str, Any]) -> dict[str, Any]:
    """Parent side: seeded reference weights to load into the submission."""
    import torch

    torch.manual_seed(params["weights_seed"])
    model = build_reference()
    return {"state_dict": {k: v.detach().clone() for k, v in model.state_dict().items()}}


def _load_reference(model: Any, state: dict[str, Any]) -> tuple[str, list[str]]:
    """Load by name if the names match, else by order and shape. Returns (how, own names in
    reference order)."""
    import torch

    own = model.state_dict()
    if list(own) == list(state) or set(own) == set(state):
        try:
            model.load_state_dict(state, strict=True)
            return "by name", list(state)
        except RuntimeError:
            pass
    ref_items, own_items = list(state.items()), list(own.items())
    if len(ref_items) != len(own_items):
        raise MeasureError(
            f"the model has {len(own_items)} weight tensors, the reference has {len(ref_items)}: "
            "the reference weights cannot be loaded", "use the layers the assignment asks for, and no others")
    for (rname, rt), (oname, ot) in zip(ref_items, own_items):
        if rt.shape != ot.shape:
            raise MeasureError(
                f"weight '{oname}' has shape {list(ot.shape)} where the reference's '{rname}' has "
                f"{list(rt.shape)}: the reference weights cannot be loaded",
                "the layers must be defined in the same order and with the same sizes as in the brief")
    with torch.no_grad():
        model.load_state_dict({oname: rt for (oname, _), (_, rt) in zip(own_items, ref_items)}, strict=True)
    return "by order and shape", [oname for oname, _ in own_items]


def measure_reference_gradients(ctx: MeasureContext, params: dict[str, Any]) -> dict[str, Any]:
    """Load the parent's reference weights, run one seeded batch, return output and gradients
    keyed by the reference's parameter names."""
    model = ctx.new_model()
    state = ctx.inputs["state_dict"]
    how, own_names = _load_reference(model, state)
    model.eval()  # deterministic: no dropout, BatchNorm uses the loaded running statistics
    x, y = _batch(ctx, ctx.seed + 1)
    out = _loss_backward(ctx, model, x, y)
    own_params = dict(model.named_parameters())
    grads = {}
    for ref_name, own_name in zip(state, own_names):
        p = own_params.get(own_name)
        if p is not None:
            grads[ref_name] = None if p.grad is None else p.grad.detach().cpu()
    return {"loaded": how, "output": out.detach().cpu(), "grads": grads}


def _max_diff(a: Any, b: Any) -> float:
    return float((a.double() - b.double()).abs().max()) if a.numel() else 0.0


def judge_reference_gradients(ctx: JudgeContext) -> Verdict:
    import torch

    rtol, atol = ctx.params["rtol"], ctx.params["atol"]
    want, got = ctx.expected, ctx.measured
    expected = (f"with the reference weights loaded, outputs and all gradients equal the reference's "
                f"(rtol={rtol:g}, atol={atol:g})")
    hint = ("the layer sizes fit, so the computation differs: check the order of convolution, ReLU "
            "and pooling, that fc1 is followed by a ReLU, and that fc2 has no activation")

    def close(a: Any, b: Any) -> bool:
        return a.shape == b.shape and bool(torch.allclose(a.double(), b.double(), rtol=rtol, atol=atol))

    if not close(got["output"], want["output"]):
        if got["output"].shape != want["output"].shape:
            return failed(expected, f"output shape {list(got['output'].shape)}, expected {list(want['output'].shape)}")
        return failed(expected, f"outputs differ (weights loaded {got['loaded']}): largest difference "
                                f"{_max_diff(got['output'], want['output']):.3g}", hint)
    wrong = []
    for name, ref_grad in want["grads"].items():
        g = got["grads"].get(name)
        if ref_grad is None:
            continue
        if g is None:
            wrong.append(f"{name}: no gradient")
        elif not close(g, ref_grad):
            wrong.append(f"{name}: largest difference {_max_diff(g, ref_grad):.3g}")
    if wrong:
        return failed(expected, "outputs match but gradients differ: " + "; ".join(wrong), hint)
    return passed(expected, f"outputs and {len(want['grads'])} gradients match (weights loaded {got['loaded']})")


FAMILY = (
    Probe(
        name="gradient_flow",
        summary=("Backpropagates a cross-entropy loss on one seeded batch and checks that every trainable parameter "
                 "gets a finite, non-zero gradient (a detached or unused layer does not)."),
        calls=(FIRST_ENTRY,),
        title="Gradient flow", expects="every trainable parameter gets a finite, non-zero gradient", measure=measure_gradient_flow,
        judge=judge_gradient_flow, needs_reference=False, default_timeout=30.0),
    Probe(
        name="reference_gradients",
        summary=("Loads the reference's seeded weights into the submission (same parameter names and shapes) and "
                 "compares outputs and gradients on one batch within `rtol`/`atol`: the same computation, not only "
                 "the same layers."),
        calls=(FIRST_ENTRY,),
        title="Same outputs and gradients as the reference", expects="with the reference weights loaded, the same outputs and gradients as the reference",
        measure=measure_reference_gradients, judge=judge_reference_gradients,
        prepare=prepare_reference_gradients, default_timeout=30.0,
        params={"rtol": Param("float", default=1e-4), "atol": Param("float", default=1e-5),
                "weights_seed": Param("int", default=1234)}),
)
