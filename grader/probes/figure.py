"""The feature-map figure probe: `plot_feature_maps` returns a matplotlib Figure with one imshow
panel per channel of the first convolutional layer's maps, in order. Measured in the child (the
panels' arrays and a PNG of the figure), judged in the parent against the grader's own maps."""
from __future__ import annotations

import io
from typing import Any

from grader.child.values import describe_value
from grader.probes.base import JudgeContext, MeasureContext, Param, Probe, Verdict
from grader.probes.featuremaps import (
    FIXTURE,
    first_conv_stages,
    fmt_shape,
    model_and_images,
    prepare_fixture,
    target_stage,
)
from grader.results import Figure

_MAX_PANELS = 256
_MAX_PANEL_VALUES = 1 << 20
_MAX_PNG_BYTES = 8 << 20
_MAX_PNG_PIXELS = 1600


def _png(fig: Any) -> Any:
    """The figure as PNG bytes in a uint8 tensor, at most _MAX_PNG_PIXELS on its longer side."""
    import torch

    dpi = min(100.0, _MAX_PNG_PIXELS / max(*fig.get_size_inches(), 0.01))
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return torch.frombuffer(bytearray(buffer.getvalue()), dtype=torch.uint8)


def _panel(ax: Any) -> dict[str, Any]:
    """How many images an axes shows, and the array of the first one (if not too large)."""
    import numpy as np
    import torch

    images = ax.get_images()
    panel: dict[str, Any] = {"count": len(images)}
    if images:
        array = np.ma.getdata(images[0].get_array())
        panel["shape"] = list(array.shape)
        if array.size <= _MAX_PANEL_VALUES and np.issubdtype(array.dtype, np.number):
            panel["array"] = torch.from_numpy(np.array(array, dtype=np.float32))
    return panel


def measure_figure(ctx: MeasureContext, params: dict[str, Any]) -> dict[str, Any]:
    """Call plot_feature_maps on the grader's maps of image 0; read back the panels; render it."""
    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure as MplFigure

    model, images = model_and_images(ctx, params, 1)
    maps = first_conv_stages(model, images)[target_stage(params)][0]  # [C, H, W]
    plt.close("all")
    returned = ctx.namespace["plot_feature_maps"](maps.clone())
    if not isinstance(returned, MplFigure):
        drawn = plt.gcf() if plt.get_fignums() else None
        png = _png(drawn) if drawn is not None else None
        plt.close("all")
        return {"maps": maps, "returned": describe_value(returned), "png": png}
    axes = returned.axes
    measurement = {"maps": maps, "returned": "Figure", "panels": [_panel(ax) for ax in axes[:_MAX_PANELS]],
                   "png": _png(returned)}
    plt.close("all")
    return measurement


def _figure_bytes(value: Any) -> bytes | None:
    """PNG bytes from a measured uint8 tensor, or None if it is not a plausible PNG."""
    import torch

    if type(value) is not torch.Tensor or value.dtype != torch.uint8 or value.dim() != 1 \
            or value.numel() > _MAX_PNG_BYTES:
        return None
    data = value.numpy().tobytes()
    return data if data.startswith(b"\x89PNG\r\n\x1a\n") else None


def _shows(panel: Any, channel: Any) -> bool:
    """The panel shows the channel up to a positive affine rescale (correlation > 0.99)."""
    import torch

    a, b = panel.double().flatten(), channel.double().flatten()
    if not bool(torch.isfinite(a).all()):
        return False
    if float(b.std()) < 1e-12:  # a constant channel (e.g. all zero after the ReLU): any constant panel
        return float(a.std()) <= 1e-6 * max(float(a.abs().max()), 1.0)
    if float(a.std()) < 1e-12:
        return False
    return float(torch.corrcoef(torch.stack([a, b]))[0, 1]) > 0.99


def _panel_problem(panels: list[dict[str, Any]], want: Any) -> tuple[str, str]:
    """(what is wrong, hint) with the image panels, or ('', '') when panel i shows channel i."""
    channels = want.shape[0]
    crowded = next((i for i, p in enumerate(panels) if p["count"] > 1), None)
    if crowded is not None:
        return (f"axes {crowded} shows {panels[crowded]['count']} images",
                "draw each channel in its own axes (plt.subplots(rows, cols)), one imshow per axes")
    shown = [p for p in panels if p["count"]]
    if len(shown) != channels:
        return (f"{len(shown)} image panel{'s' if len(shown) != 1 else ''} (axes with an imshow), "
                f"expected {channels}, one per channel",
                "make a grid with at least as many axes as channels and call imshow once per channel; "
                "remove or turn off the spare axes")
    size = list(want.shape[1:])
    for i, p in enumerate(shown):
        if p.get("shape") != size or "array" not in p:
            return (f"panel {i} shows an array of shape {fmt_shape(p.get('shape', []))}, expected {fmt_shape(size)}",
                    "pass the 2-D channel maps[i] to imshow (with a cmap), not an RGB image or a resized copy")
        if not _shows(p["array"], want[i]):
            other = next((j for j in range(channels) if _shows(p["array"], want[j])), None)
            return ((f"panel {i} shows channel {other}" if other is not None
                     else f"panel {i} does not show any channel of the maps"),
                    "draw channel i in panel i, in channel order, from the maps you are given")
    return "", ""


def judge_figure(ctx: JudgeContext) -> Verdict:
    want = ctx.expected["maps"]
    returned = ctx.measured["returned"]
    own = "Your figure" if returned == "Figure" else "What your function drew (the open figure; it was not returned)"
    figures = tuple(Figure(title, png) for title, png in (
        (own, _figure_bytes(ctx.measured.get("png"))),
        ("Reference figure", _figure_bytes(ctx.expected.get("png")))) if png is not None)
    expected = (f"a matplotlib Figure with {want.shape[0]} image panels (imshow), panel i showing channel i "
                f"of the {fmt_shape(want.shape)} maps")
    if returned != "Figure":
        hint = ("plt.show() returns None: end the function with `return fig`" if returned == "None"
                else "return the Figure itself (fig from plt.subplots, or ax.figure)")
        return Verdict(0.0, expected, f"plot_feature_maps returned {returned}, not a matplotlib Figure", hint,
                       figures=figures)
    problem, hint = _panel_problem(ctx.measured["panels"], want)
    if problem:
        return Verdict(0.0, expected, problem, hint, figures=figures)
    return Verdict(1.0, expected, f"{want.shape[0]} panels, panel i shows channel i", figures=figures)


FAMILY = (
    Probe(
        name="feature_map_figure",
        summary=("Calls plot_feature_maps(maps) on the grader's maps of one image and checks that it returns a "
                 "matplotlib Figure with one imshow panel per channel, in channel order."),
        calls=("plot_feature_maps",), title="Figure: one panel per channel",
        expects="plot_feature_maps returns a matplotlib Figure with one imshow panel per channel, in order",
        measure=measure_figure, judge=judge_figure,
        params={**FIXTURE, "after_relu": Param("bool", default=True, measure=True)}, prepare=prepare_fixture,
        needs_data=True, default_timeout=30.0),
)
