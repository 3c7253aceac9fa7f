"""Root causes of what failed in a hand-in, each with a one-line fix: no network, a missing dataset
or package, Colab-only code, argparse or sys.exit at import, CUDA on a CPU grader, a removed API,
a syntax error, top-level code that runs too long, a name set by a line that did not run.

Parent side, pure: reads what the child reported (exception names, messages, tracebacks) and never
runs student code. One diagnosis per root cause, however many checks it broke. A cause is decided from evidence,
not from the exception's type alone (a download inside a function the grader calls cannot move under a main
guard), and a code line is offered as a fix only when grader.judge.suggest has checked it on the student's source.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from grader.contract import ChildReport, TopLevelFailure
from grader.judge.suggest import UNREADABLE, bound_only_under_main_guard, takes, why_not
from grader.results import Diagnosis, RunInfo, RunStatus, message_line

GUARDS = {False: 'put it under `if __name__ == "__main__":`',
          True: "tag that cell `skip-grading` (a notebook's kernel runs as `__main__`, so `if __name__ == "
                "\"__main__\":` does not skip anything there)"}
"""How to keep top-level work from running when the grader loads the file, for a .py (False) and a notebook."""
CALLED = "move it out of the functions the grader calls"
"""The same, for work done inside a function the grader called (a main guard cannot help there)."""
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
    SIGNALLED_GRADER = "signalled the grader"
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
    """With `{line}`: the suggested code line, offered only when checked; else `unchecked` is the fix."""
    line: str = ""
    unchecked: str = ""


def _rule(cause: Cause, pattern: str, explain: str, fix: str, line: str = "", unchecked: str = "") -> _Rule:
    return _Rule(cause, re.compile(pattern, re.IGNORECASE | re.DOTALL), explain, fix, line, unchecked)


_CUDA = ("use `{line}` and `.to(device)` instead of `.cuda()` or `\"cuda\"`",
         'device = torch.device("cuda" if torch.cuda.is_available() else "cpu")',
         "choose the device with `torch.cuda.is_available()` and move tensors with `.to(device)` instead of "
         "`.cuda()` or `\"cuda\"`")
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
          "your code asks for a GPU, but the grader runs on the CPU", *_CUDA),
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
          "`{0}` is used without being imported", "add the import at the top of the file, e.g. `{line}`", "{2}",
          "import `{0}` at the top of the file"),
    _rule(Cause.INPUT, r"EOFError",
          "your code waits for keyboard input, and the grader types nothing", "remove `input()`, or {guard}"),
    _rule(Cause.SIGNALLED_GRADER, r"grading server was killed",
          "your code killed the process that runs it (`os.kill(os.getppid(), ...)`, or a signal sent to every "
          "process it could find)", "send signals only to processes your own code started"),
)


def _exception_text(exception: str, message: str) -> str:
    """'Exception: first line of its message', without the message's own closing colon (a cause follows one)."""
    first = message_line(message)
    return f"{exception}: {first}" if exception and first else first or exception


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


@dataclass(frozen=True)
class Found:
    """A root cause in parts: its kind, why it happened, and its fix."""

    cause: str
    explain: str
    fix: str


def _fix(rule: _Rule, groups: tuple[str, ...], guard: str, source: str | None) -> str:
    """The rule's fix; one that holds a code line only when the line is checked on the student's source."""
    if not rule.line:
        return rule.fix.format(*groups, guard=guard)
    line = rule.line.format(*groups)
    if why_not(source, line):
        return rule.unchecked.format(*groups, guard=guard)
    return rule.fix.format(*groups, guard=guard, line=line)


def _explained(exception: str, message: str, traceback: str, guard: str, source: str | None) -> Found | None:
    """The cause the rules recognise in one exception (None when none does)."""
    found = _match(_exception_text(exception, message), "" if exception == "NameError" else traceback)
    if found is None:
        return None
    rule, groups = found
    return Found(rule.cause.value, rule.explain.format(*groups), _fix(rule, groups, guard, source))


def diagnose(exception: str, message: str, traceback: str = "", where: str = "", *, notebook: bool = False,
             source: str | None = None) -> Diagnosis:
    """The root cause of one exception raised at the top level (`where`: e.g. "line 36 (`trainset = ...`)");
    `source`: the student's file, on which a suggested code line is checked (none is offered without it)."""
    guard = GUARDS[notebook]
    said = _exception_text(exception, message)
    opening = f"{where} raised {said}" if where else said
    if exception == "SyntaxError":
        python2 = " (Python 2's `print x` is `print(x)` in Python 3)" if "'print'" in message else ""
        return Diagnosis(Cause.SYNTAX.value, opening, f"fix that line{python2}; until it parses, the block that holds it "
                                                      "cannot run")
    found = _explained(exception, message, traceback, guard, source)
    if found is None:
        if exception == "SystemExit":
            return Diagnosis(Cause.EXIT.value, f"{where or 'your file'} ended the program (SystemExit {message or ''})".strip(),
                             f"remove `sys.exit()`/`exit()` from the top level, or {guard}")
        return Diagnosis(Cause.OTHER.value, opening, f"top-level code runs when the grader loads your file: {guard}")
    return Diagnosis(found.cause, f"{opening}: {found.explain}", found.fix)


def _failure_diagnosis(failure: TopLevelFailure, import_budget: float, notebook: bool, source: str | None
                       ) -> Diagnosis:
    where, guard = f"{failure.where} (`{failure.source}`)", GUARDS[notebook]
    if failure.budget:
        limit = "the per-cell limit" if notebook else f"the {import_budget:.0f} s import budget"
        return Diagnosis(Cause.TOO_SLOW.value, f"{where} was still running when {limit} ran out (training at the top level?)",
                         f"{guard}: the grader trains your model itself")
    if failure.ends_program:
        return Diagnosis(Cause.EXIT.value, f"{where} ends the program while the grader imports your file",
                         f"remove it, or {guard}")
    return diagnose(failure.exception, failure.message, failure.traceback, where, notebook=notebook, source=source)


def not_run_diagnosis(name: str, statement: str, source: str | None = None) -> Diagnosis:
    """A name the graded code needs, set by a top-level statement that did not run (an import that failed, or
    a line that raised); a plain value is suggested in its place only where it suits how the code uses the name."""
    if re.search(r"\(`(import|from) ", statement):
        return Diagnosis(Cause.NOT_RUN.value, f"the name `{name}` comes from {statement}, an import that failed",
                         f"the import's own error is explained above: once it imports, `{name}` is defined")
    summary = f"the name `{name}` was set by {statement}, which did not run"
    shown, line = re.search(r"\(`(.*)`\)$", statement), f"{name} = 10"
    why = why_not(source, line, shown.group(1) if shown else "")
    if not why:
        return Diagnosis(Cause.NOT_RUN.value, summary, f"set `{name}` with a plain value (e.g. `{line}`) in a line of "
                                                       "its own, or pass it as an argument with a default")
    fits = f", to a value that suits how it is used ({why})" if why != UNREADABLE else ""
    return Diagnosis(Cause.NOT_RUN.value, summary, f"set `{name}` in a line that runs when the grader loads your file"
                                                   f"{fits}")


def _skipped_diagnoses(failure: TopLevelFailure, notebook: bool, source: str | None) -> list[Diagnosis]:
    """Root causes the grader recognises among the definitions that raised while salvaging (a failed import,
    a download); a plain error there is a consequence of the first failure, not a cause of its own."""
    found = []
    for skipped in failure.skipped:
        if skipped.reason.startswith("raised "):
            exception, _, message = skipped.reason[len("raised "):].partition(": ")
            cause = diagnose(exception, message, "", f"{skipped.where} (`{skipped.source}`)", notebook=notebook,
                             source=source)
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
             check_diagnoses: list[Diagnosis] = (), source: str | None = None) -> RunInfo:
    """How the file ran, from what the child reported, with every root cause found (`source`: the student's
    file, on which suggested code lines are checked)."""
    failure = report.failure
    if report.load_error and failure is None:
        exception, _, message = (report.load_traceback.strip().splitlines() or [report.load_error])[-1].partition(": ")
        if not message or " " in exception:
            exception, message = "", report.load_error
        diagnoses = unique([diagnose(exception, message, report.load_traceback, notebook=notebook, source=source),
                            *check_diagnoses])
        return RunInfo(RunStatus.NOT_LOADED, f"Your submission could not be loaded: {report.load_error}", (), diagnoses)
    if failure is None:
        return RunInfo(diagnoses=unique(list(check_diagnoses)))
    first = _failure_diagnosis(failure, import_budget, notebook, source)
    diagnoses = unique([first, *_skipped_diagnoses(failure, notebook, source), *check_diagnoses])
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


@dataclass(frozen=True)
class CheckCause:
    """The root cause behind a check's error: its diagnosis, for the report's top, and the clause that explains
    the check's own 'your code raised …' line, so the exception is said once."""

    diagnosis: Diagnosis
    explain: str


_GLUED = re.compile(r"\b(\w+)\s*\+\s*(['\"])([^'\"/\\][^'\"]*)\2")


def _glued_path(message: str, cause: str, source: str | None) -> Found | None:
    """A missing path that the student's code built as `name + 'part'` with no separator (in the line that raised,
    else anywhere in their file), and that ends in that part: the evidence that the part was glued to the folder's
    name instead of joined under it."""
    missing = re.search(r"No such file or directory: '([^']*)'", message)
    if missing is None:
        return None
    path = missing.group(1).rstrip("/")
    glued = next((m for text in (message, source or "") for m in _GLUED.finditer(text)
                  if path.endswith(m.group(3).rstrip("/"))), None)
    if glued is None:
        return None
    name, part = glued.group(1), glued.group(3)
    return Found(cause, f"`{name} + {part!r}` glues {part!r} to the end of the folder's name without a path "
                        f"separator, so it names {missing.group(1)!r}, a path beside `{name}`, not inside it",
                 f"join with a separator: os.path.join({name}, {part!r}) (or Path({name}) / {part!r})")


_FRAME = re.compile(r'File "[^"]*", line \d+, in (\w+)')
_WEIGHTS = re.compile(r"load_state_dict_from_url|torch[/\\]hub\.py|download\.pytorch\.org/models")
_BUILDER = re.compile(r"([\w.]+)\(\s*(?:pretrained|weights)\s*=")


def _download_in_call(message: str, traceback: str, source: str | None) -> Found:
    """A download inside a function the grader called (the first of the student's frames): a main guard cannot
    help there; the data comes from the paths the grader passes, the weights from the `weights` argument."""
    frame = _FRAME.search(traceback)
    function = frame.group(1) if frame else ""
    called = f"`{function}`, which the grader calls," if frame else "a function the grader calls"
    if not _WEIGHTS.search(traceback + message):
        return Found(Cause.NO_NETWORK.value, f"{called} downloads data, and the grader has no network",
                     "read the data from the paths the grader passes your functions (such as `root`): it puts the "
                     "files there, so nothing is downloaded")
    builder = _BUILDER.search(message)
    make = f"`{builder.group(1)}(weights=weights)`" if builder else "`weights=weights` for the torchvision model"
    explain = f"{called} downloads pretrained weights, and the grader has no network"
    if frame and takes(source, function, "weights"):
        return Found(Cause.NO_NETWORK.value, explain,
                     f"pass on the `weights` argument {function} is given: {make}; the grader calls {function}() "
                     "for its checks, where nothing is downloaded, and passes the ImageNet weights itself to fine-tune")
    return Found(Cause.NO_NETWORK.value, explain,
                 f"build the model as the brief's signature of {function or 'the function'} says, without "
                 f"downloading: pass on its `weights` argument where the brief gives it one ({make}), else "
                 "`weights=None`")


def check_diagnosis(message: str, traceback: str, failure: TopLevelFailure | None, source: str | None = None
                    ) -> CheckCause | None:
    """The root cause behind a check's error, when it is one the report explains once for all checks. The error
    was raised inside a function the grader called, so no fix may be to move it under a main guard."""
    name = re.search(r"NameError: name '(\w+)' is not defined", message)
    if name and failure is not None and name.group(1) in failure.not_run:
        found = not_run_diagnosis(name.group(1), failure.not_run[name.group(1)], source)
        return CheckCause(found, found.summary)
    guarded = bound_only_under_main_guard(source, name.group(1)) if name else 0
    if guarded:
        found = Diagnosis(Cause.NOT_RUN.value, f"`{name.group(1)}` is set only under `if __name__ == \"__main__\":` "
                          f"(line {guarded}), which does not run when the grader imports your file and calls your "
                          "functions", f"set `{name.group(1)}` at the top level of your file, outside the main guard")
        return CheckCause(found, found.summary)
    exception, _, rest = message.partition(": ")
    found = _explained(exception, rest, traceback, CALLED, source)
    if found is None or found.cause == Cause.OTHER.value:
        return None
    if found.cause == Cause.NO_NETWORK.value:
        found = _download_in_call(message, traceback, source)
    elif found.cause == Cause.MISSING_DATA.value:
        found = _glued_path(message, found.cause, source) or Found(
            found.cause, found.explain, "the grader calls your functions where your files are not: read only the "
            "paths they are given (such as `root`), write under /tmp, and load no file of your own machine")
    return CheckCause(Diagnosis(found.cause, f"{_exception_text(exception, rest)}: {found.explain}", found.fix),
                      found.explain)
