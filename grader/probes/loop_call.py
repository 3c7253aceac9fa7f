"""How the loop checks call the submission's `train_one_epoch` and `evaluate` (child side): with the brief's
arguments, by position, refusing a signature that cannot take them, and naming a criterion and optimizer taken in
the wrong order when the student's parameter names tell it ("'Adam' object is not callable" alone does not)."""
from __future__ import annotations

import inspect
import re
from typing import Any

from grader.probes.base import MeasureContext, MeasureError

SIGNATURES = {"train_one_epoch": "train_one_epoch(model, loader, criterion, optimizer, device=\"cpu\")",
              "evaluate": "evaluate(model, loader, device=\"cpu\")"}
BRIEF_ORDER = "(model, loader, criterion, optimizer, device)"
CRITERION_AT, OPTIMIZER_AT = 2, 3
"""Where the brief's train_one_epoch takes the criterion and the optimizer."""
_ROLES = {"optimizer": re.compile(r"optim|^opt$|^opt_"), "criterion": re.compile(r"crit|loss|cost")}


def call_entry(ctx: MeasureContext, name: str, *args: Any, **kwargs: Any) -> Any:
    """Call the submission's `name` as the brief does: a signature that cannot take the arguments is refused, and
    an exception that shows the criterion and optimizer swapped (by the parameters' names) is named as the swap."""
    function = ctx.namespace[name]
    order = _order_problem(name, function)
    hint = f"define it with exactly this signature: def {SIGNATURES[name]}"
    try:
        inspect.signature(function).bind(*args, **kwargs)
    except (TypeError, ValueError) as exc:
        raise MeasureError(f"{name} cannot be called as {SIGNATURES[name]}: {exc}" + (f". {order}" if order else ""),
                           hint) from None
    try:
        return function(*args, **kwargs)
    except Exception as exc:  # re-raised unless it shows the swap
        misuse = _misuse(exc, criterion=args[CRITERION_AT], optimizer=args[OPTIMIZER_AT]) if order else None
        if misuse is None:
            raise
        raise MeasureError(f"{order}: {misuse}", hint) from None


def _order_problem(name: str, function: Any) -> str:
    """The finding "train_one_epoch's parameters are (...); the brief's order is (...)" when the names of the
    parameters that receive the criterion and the optimizer say they are the other one; '' when names do not tell."""
    if name != "train_one_epoch":
        return ""
    try:
        parameters = list(inspect.signature(function).parameters.values())
    except (TypeError, ValueError):
        return ""
    positional = [p.name for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    at_criterion, at_optimizer = ([_role(p) for p in positional[CRITERION_AT:OPTIMIZER_AT + 1]] + ["", ""])[:2]
    if at_criterion != "optimizer" and at_optimizer != "criterion":
        return ""
    names = ", ".join(str(p.replace(annotation=p.empty, default=p.empty)) for p in parameters)
    return f"train_one_epoch's parameters are ({names}); the brief's order is {BRIEF_ORDER}"


def _role(parameter: str) -> str:
    return next((role for role, pattern in _ROLES.items() if pattern.search(parameter.lower())), "")


def _misuse(exc: Exception, criterion: Any, optimizer: Any) -> str | None:
    """What the exception shows the swap did, or None when it names neither the optimizer nor the criterion."""
    text = str(exc)
    raised = f"({type(exc).__name__}: {text})"
    if f"'{type(optimizer).__name__}' object is not callable" in text:
        return f"it called the optimizer as the loss {raised}"
    if f"'{type(optimizer).__name__}' object" in text:
        return f"it used the optimizer as the loss function {raised}"
    if f"'{type(criterion).__name__}' object" in text:
        return f"it used the loss function as the optimizer {raised}"
    return None
