"""A written assignment's assignment.toml (`kind = "written"`): questions answered in prose, graded by hand
against a rubric (the chapter's conceptual exercises).

Each `[[question]]` has an id (its heading in the hand-in), points, a word limit and rubric items (points,
positive or negative, and a description; optional keywords that the grading page points out in an answer).
The answers are read by grader.classroom.answers and graded in `grader serve`, never automatically.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from grader.results import Kind
from grader.spec.code import check_schema_version
from grader.spec.table import NUMBER, SpecError, Table, read_toml

_TOP_KEYS = {"schema_version", "kind", "name", "title", "description", "question"}
_QUESTION_KEYS = {"id", "title", "points", "max_words", "rubric"}
_ITEM_KEYS = {"id", "points", "description", "keywords"}


@dataclass(frozen=True)
class RubricItem:
    id: str
    points: float
    """Added to the question's score when applied (negative: a deduction)."""
    description: str
    keywords: tuple[str, ...] = ()
    """Words whose presence in an answer the grading page points out (a reading aid, never a decision)."""


@dataclass(frozen=True)
class Question:
    id: str
    title: str
    points: float
    max_words: int
    rubric: tuple[RubricItem, ...]

    def item(self, item_id: str) -> RubricItem:
        return next(i for i in self.rubric if i.id == item_id)


@dataclass(frozen=True)
class WrittenSpec:
    name: str
    title: str
    questions: tuple[Question, ...]
    path: Path
    digest: str
    description: str = ""
    kind: Kind = Kind.WRITTEN

    def question(self, question_id: str) -> Question:
        return next(q for q in self.questions if q.id == question_id)


def _item(table: Table) -> RubricItem:
    table.only(_ITEM_KEYS)
    return RubricItem(table.require("id", str), float(table.require("points", NUMBER)),
                      table.require("description", str), tuple(table.strings("keywords", [])))


def _question(table: Table) -> Question:
    table.only(_QUESTION_KEYS)
    qid = table.require("id", str)
    table = Table(table.path, f"{table.where} ({qid})", table.values, table.name, table.source, table.span)
    items = [_item(t) for t in table.tables("rubric", lambda n, raw: f"{table.where}, rubric item #{n + 1}")]
    if len({i.id for i in items}) != len(items):
        raise table.error("rubric items need unique ids", "rubric")
    max_words = table.require("max_words", int)
    if max_words <= 0:
        raise table.error(f"key 'max_words' must be positive, found {max_words!r}", "max_words")
    return Question(qid, table.require("title", str), table.positive("points"), max_words, tuple(items))


def load_written(path: Path) -> WrittenSpec:
    """Read and validate a written assignment.toml; a `SpecError` names the file, the question, the key and its
    line."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SpecError(f"{path}: cannot read spec: {exc.strerror}") from None
    return parse_written(data, path)


def parse_written(data: bytes, path: Path) -> WrittenSpec:
    """Validate the bytes of a written assignment's spec read from `path`."""
    top = read_toml(path, data)
    top.only(_TOP_KEYS)
    if "schema_version" in top:
        check_schema_version(top)
    if top.require("kind", str) != Kind.WRITTEN.value:
        raise top.error(f"key 'kind' of a written assignment must be '{Kind.WRITTEN.value}'", "kind")
    questions = tuple(_question(t) for t in top.tables("question", lambda n, raw: f"question #{n + 1}"))
    if len({q.id for q in questions}) != len(questions):
        raise top.error("questions need unique ids", "question")
    return WrittenSpec(top.require("name", str), top.require("title", str), questions, path,
                       hashlib.sha256(data).hexdigest(), top.get("description", str, ""))
