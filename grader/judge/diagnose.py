"""Root causes of what failed in a hand-in, each with a one-line fix: no network, a missing dataset
or package, Colab-only code, argparse or sys.exit at import, CUDA on a CPU grader, a removed API,
a syntax error, top-level code that runs too long, a name set by a line that did not run.

Parent side, pure: reads what the child reported (exception names, messages, tracebacks) and never
runs student code. One diagnosis per root cause, however many checks it broke.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from grader.contract import ChildReport, TopLevelFailure
from grader.results import Diagnosis, RunInfo, RunStatus, message_line

GUARDS = {False: 'put it under `if __name__ == "__main__":`',
          True: "tag that cell `skip-grading` (a notebook's kernel runs as `__main__`, so `if __name__ == "
                "\"__main__\":` does not skip anything there)"}
"""How to keep top-level work from running when the grader loads the file, for a .py (False) and a notebook."""
IMPORTS = {"nn": "import torch.nn as nn", "F": "import torch.nn.functional as F", "torch": "import torch",
           "np": "import numpy as np", "plt": "import matplotlib.pyplot as plt", "optim": "import torch.optim as optim",
           "transforms": "from torchvision import transforms", "datasets": "from torchvision import datasets",
           "torchvision": "import torchvision", "models": "from torchvision import models"}
PIP_NAMES = {"cv2": "opencv-python-headless", "sklearn": "scikit-learn", "PIL": "pillow", "skimage": "scikit-image",
             "yaml": "pyyaml", "torchsummary": "torchsummary", "torchinfo": "torchinfo", "tqdm": "tqdm"}


class Cause(str, Enum):
    """The kinds of root cause the grader recognises."""

    SYNTAX = "syntax error"
    NO_NETWORK = "no network"
    MISSING_DATA = "missing data file"
    MISSING_PACKAGE = "missing package"
    COLAB = "Colab-only code"
    ARGPARSE = "command-line arguments"
    EXIT = "sys.exit"
    CUDA = "GPU requested on a CPU grader"
    REMOVED_API = "removed API"
    MISSING_IMPORT = "missing import"
    INPUT = "keyboard input"
    TOO_SLOW = "top-level code too slow"
    NOT_RUN = "needs a line that did not run"
    OTHER = "top-level code failed"


@dataclass(frozen=True)
class _Rule:
    cause: Cause
    pattern: re.Pattern[str]
    """Matched against 'ExceptionName: message' plus the traceback."""
    explain: str
    fix: str


def _rule(cause: Cause, pattern: str, explain: str, fix: str) -> _Rule:
    return _Rule(cause, re.compile(pattern, re.IGNORECASE | re.DOTALL), explain, fix)


_CUDA_FIX = ("use `device = torch.device(\"cuda\" if torch.cuda.is_available() else \"cpu\")` and `.to(device)` "
             "instead of `.cuda()` or `\"cuda\"`")
RULES = (
    _rule(Cause.COLAB, r"No module named '(google\.colab|google)'|drive\.mount",
          "Colab-only code: `google.colab` exists only on Google Colab",
          "remove the Google Drive mount, or {guard}; the grader brings its own data"),
    _rule(Cause.REMOVED_API, r"No module named 'torch\._six'",
          "`torch._six` was removed from PyTorch", "use `math.inf` and `collections.abc` instead of `torch._six`"),
    _rule(Cause.MISSING_PACKAGE, r"ModuleNotFoundError: No module named '([^']+)'",
          "the grader does not have the package `{0}`", "if `{0}` is a file of your own (`{0}.py`), hand it in "
          "beside this one, as a folder or a zip; otherwise remove the import of `{0}` if your code does not need "
          "it (instructors can allow a package by installing it into the grader's Python environment: "
          "`pip install {1}`, which the sandbox sees read-only)"),
    _rule(Cause.NO_NETWORK, r"URLError|gaierror|Name or service not known|Temporary failure in name resolution|"
          r"Network is unreachable|ConnectionError|HTTPError|urlopen|Error downloading",
          "the grader has no network, so nothing can be downloaded (no data, no pretrained weights)",
          "download outside the file you hand in, or {guard}; the grader brings the data and weights it needs"),
    _rule(Cause.MISSING_DATA, r"FileNotFoundError|Dataset not found|Couldn't find any class folder|No such file or directory|"
          r"Found no valid file|PermissionError",
          "your code reads or writes a file or folder that does not exist (or may not be written) where the grader "
          "runs it", "{guard}: the grader brings its own data and never reads yours"),
    _rule(Cause.ARGPARSE, r"argparse|the following arguments are required|unrecognized arguments",
          "argparse read the command line while the grader imported your file, and the grader passes no arguments",
          'parse arguments under `if __name__ == "__main__":` (or give every argument a default)'),
    _rule(Cause.CUDA, r"Torch not compiled with CUDA|Found no NVIDIA driver|no CUDA GPUs are available|CUDA driver|"
          r"CUDA error|deserialize object on a CUDA device|cuda\.is_available\(\) is False",
          "your code asks for a GPU, but the grader runs on the CPU", _CUDA_FIX),
    _rule(Cause.REMOVED_API, r"has no attribute 'next'",
          "`dataiter.next()` was removed from PyTorch's data loaders", "write `next(dataiter)` instead"),
    _rule(Cause.REMOVED_API, r"'(seaborn[^']*)' is not a valid package style",
          "matplotlib renamed its seaborn styles: '{0}' no longer exists",
          "use `plt.style.use('seaborn-v0_8')` (or drop the style)"),
    _rule(Cause.REMOVED_API, r"module 'numpy' has no attribute '(float|int|bool|object|str|long)'",
          "`np.{0}` was removed from NumPy", "write `{0}` (the Python type) or `np.{0}64`"),
    _rule(Cause.REMOVED_API, r"has no attribute 'ANTIALIAS'",
          "`Image.ANTIALIAS` was removed from Pillow", "use `Image.LANCZOS`"),
    _rule(Cause.MISSING_IMPORT, r"NameError: name '(nn|F|torch|np|plt|optim|transforms|datasets|torchvision|models)' "
          r"is not defined",
          "`{0}` is used without being imported", "add the import at the top of the file, e.g. `{2}`"),
    _rule(Cause.INPUT, r"EOFError",
          "your code waits for keyboard input, and the grader types nothing", "remove `input()`, or {guard}"),
)


def _exception_text(exception: str, message: str) -> str:
    first = message_line(message)
    return f"{exception}: {first}" if first else exception


def _match(*texts: str) -> tuple[_Rule, tuple[str, ...]] | None:
    """The first rule matching the first text that any rule matches (the exception itself before its traceback)."""
    for text in texts:
        for rule in RULES:
            found = rule.pattern.search(text)
            if found:
                groups = tuple(g for g in found.groups() if g) or ("",)
                top = groups[0].split(".")[0]
                return rule, (*groups, PIP_NAMES.get(top, top), IMPORTS.get(top, ""))
    return None


def diagnose(exception: str, message: str, traceback: str = "", where: str = "", *, notebook: bool = False) -> Diagnosis:
    """The root cause of one exception (`where`: e.g. "line 36 (`trainset = ...`)")."""
    guard = GUARDS[notebook]
    said = _exception_text(exception, message)
    opening = f"{where} raised {said}" if where else said
    if exception == "SyntaxError":
        python2 = " (Python 2's `print x` is `print(x)` in Python 3)" if "'print'" in message else ""
        return Diagnosis(Cause.SYNTAX.value, opening, f"fix that line{python2}; until it parses, the block that holds it "
                                                      "cannot run")
    found = _match(said, "" if exception == "NameError" else traceback)
    if found is None:
        if exception == "SystemExit":
            return Diagnosis(Cause.EXIT.value, f"{where or 'your file'} ended the program (SystemExit {message or ''})".strip(),
                             f"remove `sys.exit()`/`exit()` from the top level, or {guard}")
        return Diagnosis(Cause.OTHER.value, opening, f"top-level code runs when the grader loads your file: {guard}")
    rule, groups = found
    return Diagnosis(rule.cause.value, f"{opening}: {rule.explain.format(*groups)}", rule.fix.format(*groups, guard=guard))


def _failure_diagnosis(failure: TopLevelFailure, import_budget: float, notebook: bool) -> Diagnosis:
    where, guard = f"{failure.where} (`{failure.source}`)", GUARDS[notebook]
    if failure.budget:
        limit = "the per-cell limit" if notebook else f"the {import_budget:.0f} s import budget"
        return Diagnosis(Cause.TOO_SLOW.value, f"{where} was still running when {limit} ran out (training at the top level?)",
                         f"{guard}: the grader trains your model itself")
    if failure.ends_program:
        return Diagnosis(Cause.EXIT.value, f"{where} ends the program while the grader imports your file",
                         f"remove it, or {guard}")
    return diagnose(failure.exception, failure.message, failure.traceback, where, notebook=notebook)


def not_run_diagnosis(name: str, statement: str) -> Diagnosis:
    """A name the graded code needs, set by a top-level statement that did not run (an import that failed, or
    a line that raised)."""
    if re.search(r"\(`(import|from) ", statement):
        return Diagnosis(Cause.NOT_RUN.value, f"the name `{name}` comes from {statement}, an import that failed",
                         f"the import's own error is explained above: once it imports, `{name}` is defined")
    return Diagnosis(Cause.NOT_RUN.value, f"the name `{name}` was set by {statement}, which did not run",
                     f"set `{name}` with a plain value (e.g. `{name} = 10`) in a line of its own, or pass it as an "
                     "argument with a default")


def _skipped_diagnoses(failure: TopLevelFailure, notebook: bool) -> list[Diagnosis]:
    """Root causes the grader recognises among the definitions that raised while salvaging (a failed import,
    a download); a plain error there is a consequence of the first failure, not a cause of its own."""
    found = []
    for skipped in failure.skipped:
        if skipped.reason.startswith("raised "):
            exception, _, message = skipped.reason[len("raised "):].partition(": ")
            cause = diagnose(exception, message, "", f"{skipped.where} (`{skipped.source}`)", notebook=notebook)
            if cause.cause != Cause.OTHER.value:
                found.append(cause)
    return found


def unique(diagnoses: list[Diagnosis]) -> tuple[Diagnosis, ...]:
    """One diagnosis per root cause (the first), in order."""
    seen: dict[tuple[str, str], Diagnosis] = {}
    for d in diagnoses:
        seen.setdefault((d.cause, d.fix), d)
    return tuple(seen.values())


def run_info(report: ChildReport, *, import_budget: float, notebook: bool,
             check_diagnoses: list[Diagnosis] = ()) -> RunInfo:
    """How the file ran, from what the child reported, with every root cause found."""
    failure = report.failure
    if report.load_error and failure is None:
        exception, _, message = (report.load_traceback.strip().splitlines() or [report.load_error])[-1].partition(": ")
        if not message or " " in exception:
            exception, message = "", report.load_error
        diagnoses = unique([diagnose(exception, message, report.load_traceback, notebook=notebook), *check_diagnoses])
        return RunInfo(RunStatus.NOT_LOADED, f"Your submission could not be loaded: {report.load_error}", (), diagnoses)
    if failure is None:
        return RunInfo(diagnoses=unique(list(check_diagnoses)))
    first = _failure_diagnosis(failure, import_budget, notebook)
    diagnoses = unique([first, *_skipped_diagnoses(failure, notebook), *check_diagnoses])
    stopped = "interrupted by the time budget" if failure.budget else f"raised {failure.exception}"
    not_run = (f"{failure.where} (`{failure.source}`): {stopped}, so it did not finish",) + tuple(
        f"{s.where} (`{s.source}`): {s.reason}" for s in failure.skipped) + (
        (f"… and {failure.more_skipped} more",) if failure.more_skipped else ())
    if report.load_error:
        return RunInfo(RunStatus.NOT_LOADED, "Nothing that the checks need was defined, so your submission could "
                                             "not be graded.", not_run, diagnoses)
    if not report.salvaged:
        return RunInfo(RunStatus.STOPPED, "Execution stopped there, as with Jupyter's Run All: the cells after it "
                                          "were not run, and what ran before it was graded.", not_run, diagnoses)
    if failure.ends_program:
        return RunInfo(RunStatus.SALVAGED, "Nothing after it was run; what your file defined before it was graded.",
                       not_run, diagnoses)
    if failure.exception == "SyntaxError" and not notebook:
        rest = "the block that does not parse was left out, and the rest of the file ran for its"
    else:
        rest = ("the cells after it" if notebook else "the lines after it") + " ran for their"
    return RunInfo(RunStatus.SALVAGED, f"Your definitions were graded without your top-level code: {rest} "
                                       "definitions only (imports, functions, classes, simple assignments).",
                   not_run, diagnoses, failure.seconds)


def check_diagnosis(message: str, traceback: str, failure: TopLevelFailure | None, *, notebook: bool) -> Diagnosis | None:
    """The root cause behind a check's error, when it is one the report explains once for all checks."""
    name = re.search(r"NameError: name '(\w+)' is not defined", message)
    if name and failure is not None and name.group(1) in failure.not_run:
        return not_run_diagnosis(name.group(1), failure.not_run[name.group(1)])
    exception, _, rest = message.partition(": ")
    found = diagnose(exception, rest, traceback, notebook=notebook)
    if found.cause == Cause.MISSING_DATA.value:  # raised inside a function the grader called, not at the top level
        return Diagnosis(found.cause, found.summary, "the grader calls your functions where your files are not: "
                         "read only the paths they are given (such as `root`), write under /tmp, and load no file "
                         "of your own machine")
    return None if found.cause in (Cause.OTHER.value, Cause.EXIT.value, Cause.SYNTAX.value) else found
