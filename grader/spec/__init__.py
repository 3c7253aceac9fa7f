"""Assignments: the specs instructors write (code and written), the one way their TOML is validated, where the
assignments and their reference solutions are found."""
from grader.results import Kind
from grader.spec.code import (
           DATASETS,
           DEVICE_CLASSES,
           AssignmentSpec,
           Check,
           load_spec,
           parse_spec,
)
from grader.spec.table import SpecError
from grader.spec.written import Question, RubricItem, WrittenSpec, load_written

__all__ = ["DATASETS", "DEVICE_CLASSES", "AssignmentSpec", "Check", "Kind", "Question", "RubricItem", "SpecError",
           "WrittenSpec", "load_spec", "load_written", "parse_spec"]
