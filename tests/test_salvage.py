"""grader.child.salvage on real source: which statements run after a top-level failure, which are skipped
and why, and which names are forgotten because a statement that did not run would have changed them."""
from __future__ import annotations

import ast
import textwrap

import pytest

from grader.child import salvage


def _salvage_after_failure(source: str, failing_line: int, entry: set[str] = frozenset({"Model"})) -> tuple[dict, salvage.SalvageReport]:
    """Run `source` as handed in up to the statement at `failing_line` (as the worker's import did),
    then salvage the rest."""
    source = textwrap.dedent(source)
    found = salvage.statements(ast.parse(source), source, "<student>")
    index = salvage.statement_at([s.node for s in found], failing_line)
    namespace: dict = {"__name__": "submission"}
    exec(compile(ast.Module(body=[s.node for s in found[:index]], type_ignores=[]), "<student>", "exec"), namespace)
    todo = [] if salvage.ends_program(found[index].node) else found[index + 1:]
    report = salvage.run_definitions(todo, namespace, module_name="submission", failed=found[index], protected=entry)
    return namespace, report


def test_definitions_after_a_failed_download_run_and_top_level_work_does_not() -> None:
    namespace, report = _salvage_after_failure('''
        import math
        trainset = download("cifar")          # line 3: the failure
        classes = ("plane", "car")
        SIZE = 32 * 32
        SCALE = math.sqrt(SIZE)
        class Model:
            layers = len(classes)
        def train(model):
            return model
        model = Model()
        history = train(model)
        for epoch in range(10):
            print(epoch)
        if __name__ == "__main__":
            train(Model())
        ''', 3)
    assert namespace["Model"].layers == 2 and namespace["SCALE"] == 32.0 and callable(namespace["train"])
    for name in ("trainset", "model", "history", "epoch"):
        assert name not in namespace
    reasons = {s["where"]: s["reason"] for s in report.skipped}
    assert reasons == {"line 11": "calls your own Model()", "line 12": "calls your own train()",
                       "line 13": "top-level code (not a definition)"}
    assert report.not_run["trainset"] == 'line 3 (`trainset = download("cifar")          # line 3: the failure`)'
    assert report.ran == 5


def test_a_name_set_by_a_line_that_did_not_run_is_named_in_the_error() -> None:
    namespace, report = _salvage_after_failure('''
        trainset = open("/no/such/file")
        NUM_CLASSES = len(trainset.classes)
        class Model:
            def out(self):
                return NUM_CLASSES
        ''', 2)
    assert report.not_run["NUM_CLASSES"] == "line 3 (`NUM_CLASSES = len(trainset.classes)`)"
    assert report.skipped[0]["reason"].startswith("needs trainset, which line 2")
    with pytest.raises(NameError):
        namespace["Model"]().out()


def test_an_entry_the_skipped_code_would_have_changed_is_not_graded() -> None:
    """Failing on purpose must not let an earlier, better definition be graded."""
    for change in ("Model = make_broken()", "Model.out = lambda self: 'broken'", "setattr(Model, 'out', None)",
                   "del Model", "exec('Model = 1')"):
        namespace, report = _salvage_after_failure(f'''
            class Model:
                def out(self):
                    return "right"
            def make_broken():
                return None
            raise RuntimeError("on purpose")
            {change}
            ''', 7)
        assert "Model" not in namespace, change
        assert report.not_run["Model"].startswith("line 8"), change


def test_nothing_after_an_explicit_exit_runs() -> None:
    namespace, report = _salvage_after_failure('''
        import sys
        sys.exit(0)
        class Model:
            pass
        ''', 3)
    assert "Model" not in namespace and report.ran == 0


def test_failed_imports_and_try_blocks() -> None:
    namespace, report = _salvage_after_failure('''
        raise SystemExit(2)
        import no_such_package_xyz
        try:
            import cv2_not_here
        except ImportError:
            cv2_not_here = None
        from math import pi
        ''', 2)
    assert namespace["cv2_not_here"] is None and namespace["pi"] > 3
    assert report.skipped == [{"where": "line 3", "source": "import no_such_package_xyz",
                               "reason": "raised ModuleNotFoundError: No module named 'no_such_package_xyz'"}]
    assert report.not_run == {"no_such_package_xyz": "line 3 (`import no_such_package_xyz`)"}


def test_a_definition_that_hangs_is_skipped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(salvage, "STATEMENT_SECONDS", 0.5)
    namespace, report = _salvage_after_failure('''
        import time
        raise RuntimeError
        STUCK = time.sleep(30)
        class Model:
            pass
        ''', 3)
    assert "Model" in namespace and "STUCK" not in namespace
    assert report.skipped[0]["reason"].startswith("took longer than")


@pytest.mark.parametrize("guard", ['if __name__ == "__main__":', "if '__main__' == __name__:"])
def test_main_guards_are_recognised(guard: str) -> None:
    assert salvage.is_main_guard(ast.parse(f"{guard}\n    pass").body[0])
    assert not salvage.is_main_guard(ast.parse("if x == 1:\n    pass").body[0])
