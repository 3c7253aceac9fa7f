"""`grader probes`: the catalogue of probes for assignment authors, read from the registry, through the real CLI; every
probe has a summary and every example [[check]] block passes the spec validator."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

import grader.probes
from grader.probes import PROBES, ProbeError
from grader.probes.base import FIRST_ENTRY
from grader.spec import parse_spec
from grader.spec.probe_catalogue import ENTRY_KINDS, catalogue

ROOT = Path(__file__).resolve().parents[1]


def _grader(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "140"}
    return subprocess.run([sys.executable, "-m", "grader", *args], capture_output=True, text=True, env=env,
                          timeout=120, cwd=ROOT)


@pytest.fixture(scope="module")
def listed() -> list[dict]:
    run = _grader("probes", "--json")
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def test_the_table_lists_every_probe_with_what_it_needs() -> None:
    run = _grader("probes")
    assert run.returncode == 0, run.stderr
    for name in PROBES:
        assert name in run.stdout
    assert "What it measures" in run.stdout and "pretrained weights" in run.stdout and "metrics.json" in run.stdout


def test_one_probe_in_full_with_its_example() -> None:
    run = _grader("probes", "output_shape")
    assert run.returncode == 0, run.stderr
    out = run.stdout
    assert "output_shape: Output shape" in out and PROBES["output_shape"].summary.split()[0] in out
    assert "inputs" in out and "a list of shapes" in out and "measure (in the child)" in out
    assert "reference recording: expected.pt" in out and "trains: no" in out
    assert '[[check]]' in out and 'probe = "output_shape"' in out


def test_an_unknown_probe_is_a_usage_error_that_names_the_close_one() -> None:
    run = _grader("probes", "outptu_shape")
    assert run.returncode == 2 and run.stdout == ""
    assert "no probe 'outptu_shape'" in run.stderr and "did you mean 'output_shape'?" in run.stderr


def test_json_lists_every_registered_probe_with_the_registry_parameters(listed: list[dict]) -> None:
    assert sorted(p["name"] for p in listed) == sorted(PROBES)
    for entry in listed:
        probe = PROBES[entry["name"]]
        assert entry["summary"] == probe.summary and entry["summary"].strip()
        assert [(p["name"], p["kind"], p["default"], p["required"], p["half"] == "measure") for p in entry["params"]] \
            == [(n, p.kind, p.default, p.required, p.measure) for n, p in probe.params.items()]
        assert entry["calls"] == list(probe.calls) and entry["also_uses"] == list(probe.also_uses)
        assert entry["applies_to"] and entry["trains"] in ("", "steps", "epochs")
        assert entry["needs_data"] is probe.needs_data and entry["pretrained"] is probe.pretrained
        assert entry["reference_file"] == ("metrics.json" if probe.trains else
                                           "expected.pt" if probe.needs_reference else "")
    one = json.loads(_grader("probes", "reference_gradients", "--json").stdout)
    assert one == next(p for p in listed if p["name"] == "reference_gradients")


def test_what_the_catalogue_says_of_the_probes_authors_ask_about(listed: list[dict]) -> None:
    by_name = {p["name"]: p for p in listed}
    assert by_name["output_shape"]["applies_to"] == ["model"] and by_name["output_shape"]["calls"] == [FIRST_ENTRY]
    assert by_name["loop_modes"]["applies_to"] == ["training loop", "evaluation loop"]
    assert by_name["test_accuracy"]["trains"] == "epochs" and by_name["test_accuracy"]["needs_data"]
    assert by_name["transfer_accuracy"]["pretrained"] and by_name["xray_clinical"]["pretrained"]
    assert by_name["xray_clinical"]["trains"] == "epochs"  # fine-tunes, though judged without metrics.json
    assert by_name["runs_as_handed_in"]["applies_to"] == ["the whole file"]
    known = set(ENTRY_KINDS)
    assert all(set(p["calls"]) | set(p["also_uses"]) <= known for p in listed), "give each new name a kind"


@pytest.mark.parametrize("info", catalogue(), ids=lambda info: info.name)
def test_each_example_block_validates(info) -> None:
    """The example, in an assignment.toml whose entry lists what the probe calls, passes the spec validator with
    the example's parameters (defaults written out) and its `needs`."""
    named = [n for n in (*info.calls, *info.also_uses) if n != FIRST_ENTRY]
    entry = (["Model"] if FIRST_ENTRY in info.calls and "build_model" not in named else []) + named or ["Model"]
    spec = (f'schema_version = 1\nname = "example"\ntitle = "Example"\ndataset = "cifar10"\nentry = {json.dumps(entry)}\n'
            f"[budgets]\ncpu = 60\ncuda = 60\n\n{info.example}")
    check = parse_spec(spec.encode(), Path("assignment.toml")).checks[0]
    assert check.probe == info.name and check.params == {
        n: p.default for n, p in PROBES[info.name].params.items()}
    assert set(check.needs) >= {n for n in info.calls if n != FIRST_ENTRY}


def test_a_probe_without_a_summary_is_refused_when_the_registry_loads(monkeypatch: pytest.MonkeyPatch) -> None:
    for change, words in (({"summary": " "}, "needs a summary"), ({"calls": ()}, "calls must name"),
                          ({"training": "epochs"}, None), ({"training": "lots"}, "training must be one of")):
        broken = replace(PROBES["output_shape"], **change)
        monkeypatch.setattr(grader.probes, "families", lambda b=broken: {"grader.probes.mine": (b,)})
        if words is None:
            assert grader.probes._registry()["output_shape"] is broken
            continue
        with pytest.raises(ProbeError, match=f"grader.probes.mine: probe 'output_shape': .*{words}"):
            grader.probes._registry()
