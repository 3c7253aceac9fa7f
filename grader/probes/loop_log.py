"""What a training loop's call log (the criterion, backward, zero_grad and step calls the spies saw, in order)
says is wrong with it: parent side, for the messages of the loop checks."""
from __future__ import annotations

CHAPTER_LOOP = ("the chapter's order for each batch: optimizer.zero_grad(), outputs = model(images), "
                "loss = criterion(outputs, labels), loss.backward(), optimizer.step()")


def loop_bug(kinds: list[str]) -> tuple[str, str]:
    """(what the call log shows is wrong, hint) for a loop whose weights differ from the reference's."""
    count = {k: kinds.count(k) for k in ("forward", "criterion", "backward", "zero_grad", "step")}
    if not count["forward"]:
        return "train_one_epoch never called the model", "iterate over the loader: for images, labels in loader: ..."
    if not count["criterion"]:
        return ("the criterion passed to train_one_epoch is never called: the loss comes from somewhere else "
                "(e.g. F.nll_loss)"), "compute loss = criterion(outputs, labels) with the criterion you are given"
    if not count["backward"]:
        return "loss.backward() is never called on the criterion's loss, so no gradient is computed", CHAPTER_LOOP
    if not count["step"]:
        return "optimizer.step() is never called, so the weights never change", CHAPTER_LOOP
    if not count["zero_grad"]:
        return ("optimizer.zero_grad() is never called, so each batch's gradients are added to the earlier "
                "batches' (gradients accumulate)"), CHAPTER_LOOP
    batches = _per_batch(kinds)
    for events in batches:
        if "backward" in events and "step" in events and \
                events.index("backward") < _last(events, "zero_grad") < _last(events, "step"):
            return ("optimizer.zero_grad() is called after loss.backward() and before optimizer.step(), "
                    "erasing the gradients the step needs"), CHAPTER_LOOP
        if "step" in events and "backward" in events and events.index("step") < events.index("backward"):
            if "zero_grad" in events and events.index("zero_grad") < events.index("step"):
                return ("optimizer.step() is called before loss.backward() and after zero_grad(), so it never has a "
                        "gradient to apply: nothing is learned"), CHAPTER_LOOP
            return ("optimizer.step() is called before loss.backward(), so each step uses the previous batch's "
                    "gradients"), CHAPTER_LOOP
    if count["step"] != len(batches) or count["backward"] != len(batches):
        return (f"for {len(batches)} batches the loop called backward {count['backward']} and step "
                f"{count['step']} times"), "one backward and one step per batch"
    return "the weights differ from the reference loop's", CHAPTER_LOOP


def _per_batch(kinds: list[str]) -> list[list[str]]:
    """The log cut at each forward (events before the first forward go to the first batch)."""
    batches: list[list[str]] = [[]]
    for kind in kinds:
        if kind == "forward" and "forward" in batches[-1]:
            batches.append([])
        batches[-1].append(kind)
    return batches


def _last(events: list[str], kind: str) -> int:
    return max((i for i, k in enumerate(events) if k == kind), default=-1)
