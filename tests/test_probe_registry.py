"""The probe registry finds its families itself and refuses a malformed or duplicate probe, naming the module and
the probe: adding a family is adding one file."""
from __future__ import annotations

import importlib
import sys
from dataclasses import replace
from pathlib import Path

import pytest

import grader.probes
from grader.probes import PROBES, ProbeError, families
from grader.probes.base import Param

NEW_FAMILY = '''
from grader.probes.base import JudgeContext, Probe, Verdict, passed


def judge_always(ctx: JudgeContext) -> Verdict:
    return passed("anything", "it is there")


FAMILY = (Probe(name="always_there", title="Always there", measure=None, judge=judge_always, needs_reference=False,
                default_points=0.0, summary="Passes whatever is handed in."),)
'''


def test_every_family_module_is_found_and_helpers_are_not_families() -> None:
    found = families()
    assert set(found) == {f"grader.probes.{name}" for name in (
        "batchnorm", "clinical", "featuremaps", "figure", "gradients", "handin", "loaders", "loop", "resnet",
        "shapes", "training", "transfer", "xray")}
    assert sum(len(f) for f in found.values()) == len(PROBES) == 30


def test_a_new_family_is_one_new_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "extra.py").write_text(NEW_FAMILY)
    monkeypatch.setattr(grader.probes, "__path__", [*grader.probes.__path__, str(tmp_path)])
    try:
        registry = grader.probes._registry()
        assert registry["always_there"].title == "Always there" and set(PROBES) < set(registry)
    finally:
        sys.modules.pop("grader.probes.extra", None)


@pytest.mark.parametrize("change, words", [
    ({"params": {"rtol": Param("float", default="tight")}}, "parameter 'rtol': default 'tight' is not a number"),
    ({"params": {"x": Param("colour")}}, "parameter 'x': unknown kind 'colour'"),
    ({"default_timeout": {"cpu": 30.0}}, "default_timeout must be positive seconds"),
    ({"default_timeout": -1.0}, "default_timeout must be positive seconds"),
    ({"measure": None}, "measures nothing in the child"),
    ({"judge": "judge_output_shape"}, "judge must be a function"),
    ({"name": "output shape"}, "a name that is a Python identifier"),
])
def test_a_malformed_probe_is_refused_with_its_module_and_name(change: dict, words: str,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    broken = replace(PROBES["output_shape"], **change)
    monkeypatch.setattr(grader.probes, "families", lambda: {"grader.probes.mine": (broken,)})
    with pytest.raises(ProbeError) as err:
        grader.probes._registry()
    assert str(err.value).startswith(f"grader.probes.mine: probe '{broken.name}': ") and words in str(err.value)


def test_the_registry_refuses_a_second_probe_of_the_same_name(monkeypatch: pytest.MonkeyPatch) -> None:
    twice = {"grader.probes.first": (PROBES["output_shape"],), "grader.probes.second": (PROBES["output_shape"],)}
    monkeypatch.setattr(grader.probes, "families", lambda: twice)
    with pytest.raises(ProbeError, match="grader.probes.second: probe 'output_shape' is already registered by "
                                         "grader.probes.first"):
        grader.probes._registry()


def test_the_registry_loads_in_a_fresh_interpreter_without_importing_back() -> None:
    """No family imports the registry (grader.probes) back: each needs only grader.probes.base and its peers."""
    for module in families():
        source = importlib.util.find_spec(module).origin
        text = Path(source).read_text()
        assert "from grader.probes import" not in text and "import grader.probes\n" not in text, module
