"""Spec validation: every error names the file, the check and the key."""
from pathlib import Path

import pytest

from grader.api import unavailable
from grader.spec import Kind, SpecError, load_spec, load_written, parse_spec
from grader.spec.catalog import spec_kind

GOOD_HEAD = '''schema_version = 1
name = "x"
title = "X"
dataset = "cifar10"
entry = "SimpleCNN"
[budgets]
cpu = 60
cuda = 30
'''


def parse(text: str):
    return parse_spec(text.encode(), Path("x/assignment.toml"))


def test_real_specs_load():
    paths = sorted(Path(__file__).resolve().parents[1].glob("assignments/*/assignment.toml"))
    assert len(paths) >= 10, paths  # the chapter's ten assignments: a glob that finds nothing checks nothing
    for path in paths:
        if spec_kind(path) is Kind.WRITTEN:
            assert load_written(path).questions
            continue
        spec = load_spec(path)
        assert spec.checks and spec.budgets["cpu"] > 0


def test_defaults_filled_and_timeouts_per_device():
    spec = parse(GOOD_HEAD + '[[check]]\nprobe = "test_accuracy"\npoints = 2\ntimeout = { cpu = 100, cuda = 20 }\n')
    check = spec.checks[0]
    assert check.params["protocol"] == "quick" and check.params["min_fraction_of_reference"] == 0.9
    assert check.timeout == {"cpu": 100.0, "cuda": 20.0}


@pytest.mark.parametrize("check, words", [
    ('probe = "no_such_probe"\npoints = 1', ["check #1", "unknown probe 'no_such_probe'", "output_shape"]),
    ('probe = "output_shape"\npoints = 1\nrtol = 0.1', ["check #1 (output_shape)", "unknown key 'rtol'"]),
    ('probe = "output_shape"', ["check #1 (output_shape)", "missing key 'points'"]),
    ('probe = "output_shape"\npoints = "two"', ["key 'points' must be int or float", "'two'"]),
    ('probe = "output_shape"\npoints = 1\ninputs = [3, 32]', ["check #1", "must be a list of shapes"]),
    ('probe = "output_shape"\npoints = 1\nhidden = "yes"', ["key 'hidden' must be bool"]),
    ('probe = "output_shape"\npoints = 1\ntimeout = { gpu = 3 }', ["unknown device class ['gpu']"]),
    ('probe = "output_shape"\npoints = 1\ndevices = ["gpu"]', ["key 'devices' must be a non-empty list", "'gpu'"]),
    ('probe = "output_shape"\npoints = 1\ndevices = []', ["key 'devices' must be a non-empty list"]),
])
def test_bad_checks_are_named(check, words):
    with pytest.raises(SpecError) as err:
        parse(GOOD_HEAD + "[[check]]\n" + check + "\n")
    message = str(err.value)
    assert message.startswith("x/assignment.toml: ")
    for w in words:
        assert w in message


def test_a_check_for_one_device_class_is_skipped_on_the_other_with_why():
    spec = parse(GOOD_HEAD + '[[check]]\nprobe = "output_shape"\npoints = 1\n'
                             '[[check]]\nid = "full"\nprobe = "test_accuracy"\npoints = 2\ndevices = ["cuda"]\n')
    assert spec.check("output_shape").devices == ("cpu", "cuda") and spec.check("full").devices == ("cuda",)
    assert unavailable(list(spec.checks), "cuda", Path("data")) == {}
    assert unavailable(list(spec.checks), "cpu", Path("data")) == {
        "full": "the assignment runs this check only on cuda, and this grading ran on cpu"}


def test_duplicate_ids_and_versions_and_toml():
    dup = GOOD_HEAD + '[[check]]\nprobe = "output_shape"\npoints = 1\n' * 2
    with pytest.raises(SpecError, match="duplicate check id 'output_shape'"):
        parse(dup)
    with pytest.raises(SpecError, match="newer than this grader"):
        parse(GOOD_HEAD.replace("schema_version = 1", "schema_version = 9"))
    with pytest.raises(SpecError, match="not valid TOML"):
        parse("name = ")
    with pytest.raises(SpecError, match="unknown dataset 'imagenet'"):
        parse(GOOD_HEAD.replace('"cifar10"', '"imagenet"') + '[[check]]\nprobe = "output_shape"\npoints = 1\n')
