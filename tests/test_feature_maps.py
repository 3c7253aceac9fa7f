"""Exercise 2c (`feature_maps`): every file in tests/submissions/feature_maps/ graded by the real
CLI in the real sandbox, with exact statuses, points and key words of the messages; the figure
check shows the student's figure and the reference's in the HTML report."""
from __future__ import annotations

import base64
import io
import re
from pathlib import Path

import pytest
from conftest import SUBMISSIONS, grade, run_cli
from PIL import Image

P, F, E, M = "passed", "failed", "error", "missing"
ORDER = ["shape", "values", "side_effects", "figure", "other_model"]
POINTS = dict(zip(ORDER, [1, 3, 1, 2, 1]))

# outcome file → statuses of shape, values, side_effects, figure, other_model (hidden)
CORPUS = {
    "correct": [P, P, P, P, P],
    "correct_hook_style": [P, P, P, P, P],
    "second_conv_layer": [F, F, P, P, F],
    "after_pooling": [F, F, P, P, F],
    "before_relu": [P, F, P, P, F],
    "channels_shuffled": [P, F, P, P, F],
    "too_few_panels": [P, P, P, F, P],
    "panels_column_major": [P, P, P, F, P],
    "mutates_model": [P, P, F, P, P],
    "hook_left_registered": [P, P, F, P, P],
    "returns_attached_graph": [P, P, F, P, P],
    "hardcoded_conv1": [P, P, P, P, E],
    "plt_show_returns_none": [P, P, P, F, P],
    "missing_function": [P, P, P, M, P],
    "returns_numpy": [F, F, F, P, F],
    "first_image_only": [F, E, P, P, E],  # the values cannot be compared: the shape check charged it
}

# outcome file → check id → words its message must contain
MESSAGES = {
    "second_conv_layer": {"shape": ["[2, 32, 16, 16] is the shape of the second Conv2d"],
                          "values": ["second Conv2d's output after its ReLU"]},
    "after_pooling": {"values": ["after the pooling layer"], "other_model": ["after the pooling layer", "[2, 8, 16, 16]"]},
    "before_relu": {"values": ["before the ReLU; this assignment asks for after"]},
    "channels_shuffled": {"values": ["channels in another order", "your channel 0 is channel"]},
    "too_few_panels": {"figure": ["8 image panels", "expected 16"]},
    "panels_column_major": {"figure": ["panel 1 shows channel 4"]},
    "mutates_model": {"side_effects": ["requires_grad changed on conv1.weight (True → False)", "torch.no_grad()"]},
    "hook_left_registered": {"side_effects": ["a hook is still registered on 'conv1'", "handle.remove()"]},
    "returns_attached_graph": {"side_effects": ["require grad", "detach()"]},
    "hardcoded_conv1": {"other_model": ["no attribute 'conv1'", "line 9 of hardcoded_conv1.py"]},
    "plt_show_returns_none": {"figure": ["returned None, not a matplotlib Figure", "return fig"]},
    "missing_function": {"figure": ["plot_feature_maps is not defined", "plot_featuremaps"]},
    "returns_numpy": {"shape": ["feature_maps returned a numpy array of shape [", "], not a torch.Tensor"]},
    "first_image_only": {"shape": ["keep the batch dimension"],
                         "values": ["cannot be compared", "'Shape and type of the feature maps' already lost its points"],
                         "other_model": ["'Shape and type of the feature maps' already lost its points"]},
}


def _figure_section(html: str) -> str:
    """The HTML of the figure check's details card."""
    start = html.index("id <code>figure</code>")
    return html[start:html.index("</section>", start)]


def _embedded_pngs(section: str) -> list[Image.Image]:
    return [Image.open(io.BytesIO(base64.b64decode(data)))
            for data in re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', section)]


@pytest.mark.parametrize("outcome", sorted(CORPUS))
def test_feature_maps_corpus(outcome: str, tmp_path: Path, needs_data: Path) -> None:
    graded = grade("feature_maps", SUBMISSIONS / "feature_maps" / f"{outcome}.py", tmp_path)
    want = dict(zip(ORDER, CORPUS[outcome]))
    assert graded.statuses() == want
    assert graded.results["score"] == sum(POINTS[c] for c, s in want.items() if s == P)
    outputs = {t["extra_data"]["check_id"]: t["output"] for t in graded.results["tests"]}
    for check_id, words in MESSAGES.get(outcome, {}).items():
        for word in words:
            assert word in outputs[check_id], (check_id, word, outputs[check_id])
    if want["figure"] != M:  # the student's figure and the reference's, pass or fail
        section = _figure_section(graded.html)
        images = _embedded_pngs(section)
        assert len(images) == 2 and "Reference figure" in section
        assert all(max(image.size) <= 1600 for image in images)


def test_values_check_follows_after_relu_param(tmp_path: Path, needs_data: Path) -> None:
    spec_dir = tmp_path / "feature_maps"
    spec_dir.mkdir()
    spec = (SUBMISSIONS.parents[1] / "assignments" / "feature_maps" / "assignment.toml").read_text()
    (spec_dir / "assignment.toml").write_text(spec.replace("after_relu = true", "after_relu = false"))
    before = grade(str(spec_dir), SUBMISSIONS / "feature_maps" / "before_relu.py", tmp_path / "b", "--only", "values")
    assert before.statuses() == {"values": P}
    after = grade(str(spec_dir), SUBMISSIONS / "feature_maps" / "correct.py", tmp_path / "a", "--only", "values")
    assert after.statuses() == {"values": F}
    assert "after the ReLU; this assignment asks for before" in after.results["tests"][0]["output"]


def test_validate_feature_maps(needs_data: Path) -> None:
    proc = run_cli("validate", "feature_maps")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "valid: reference scored 8/8" in proc.stdout
