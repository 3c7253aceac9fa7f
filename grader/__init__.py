"""cnn-grader: an autograder for the PyTorch CNN chapter's exercises."""
__version__ = "0.2.0"


def check(assignment: str, **options: object) -> None:
    """Check this notebook's current definitions against `assignment`'s visible checks and show
    the result inline (see `grader.inline.check`)."""
    from grader.inline import check as run_check

    run_check(assignment, **options)


def submit(assignment: str, *, to: str, **options: object) -> dict:
    """Hand this notebook in to a course server, from the notebook (see `grader.inline.submit`)."""
    from grader.inline import submit as hand_in

    return hand_in(assignment, to=to, **options)
