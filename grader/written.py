"""Written assignments: questions answered in prose (the chapter's conceptual exercises), graded by hand
against a rubric.

A written spec is an assignment.toml with `kind = "written"`: each `[[question]]` has an id (its heading in
the hand-in), points, a word limit and rubric items (points, positive or negative, and a description; optional
keywords). A hand-in is a Markdown file where each answer follows a heading that starts with the question's
id (`## 1a` or `## 1a. Explain how ...`), or a notebook whose answer cells carry the id as a cell tag (or start
with such a heading). `extract_answers` finds each answer or says why there is none; the answers are graded in
`grader serve` (grader.classroom.manual), never automatically: the keyword hint only helps the reader.
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomllib

from grader.probes.base import SpecError

MAX_HANDIN_BYTES = 1 << 20
"""A hand-in larger than this is not read (an answer sheet is a few kilobytes)."""
HANDIN_SUFFIXES = (".md", ".ipynb")
_TOP_KEYS = {"schema_version", "kind", "name", "title", "description", "question"}
_QUESTION_KEYS = {"id", "title", "points", "max_words", "rubric"}
_ITEM_KEYS = {"id", "points", "description", "keywords"}
def _without_comments(text: str) -> str:
    """The text without HTML comments (the starters' placeholders are not part of an answer), in linear time."""
    parts, at = [], 0
    while (start := text.find("<!--", at)) != -1:
        parts.append(text[at:start])
        end = text.find("-->", start + 4)
        if end == -1:
            return "".join(parts)
        at = end + 3
    return "".join(parts) + text[at:]


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

    def question(self, question_id: str) -> Question:
        return next(q for q in self.questions if q.id == question_id)


@dataclass(frozen=True)
class Answer:
    question: str
    text: str
    """The answer as handed in ('' when missing or empty)."""
    problem: str = ""
    """Why the answer is missing, empty or too long ('' when it is fine)."""

    @property
    def words(self) -> int:
        return len(self.text.split())


def is_written(path: Path) -> bool:
    """Whether the assignment.toml at `path` is a written assignment (without validating the rest)."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8")).get("kind") == "written"
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return False


def _require(path: Path, where: str, table: dict[str, Any], key: str, kind: type | tuple[type, ...]) -> Any:
    if key not in table:
        raise SpecError(f"{path}: {where}: missing key '{key}'")
    value = table[key]
    if not isinstance(value, kind) or isinstance(value, bool):
        raise SpecError(f"{path}: {where}: key '{key}' has the wrong type: {value!r}")
    return value


def _unknown(path: Path, where: str, table: dict[str, Any], allowed: set[str]) -> None:
    if extra := set(table) - allowed:
        raise SpecError(f"{path}: {where}: unknown key {sorted(extra)}; allowed: {sorted(allowed)}")


def _question(path: Path, raw: Any, index: int) -> Question:
    where = f"question #{index + 1}"
    if not isinstance(raw, dict):
        raise SpecError(f"{path}: {where}: must be a table ([[question]])")
    _unknown(path, where, raw, _QUESTION_KEYS)
    qid = _require(path, where, raw, "id", str)
    where = f"question #{index + 1} ({qid})"
    items = []
    for n, item in enumerate(_require(path, where, raw, "rubric", list)):
        spot = f"{where}, rubric item #{n + 1}"
        if not isinstance(item, dict):
            raise SpecError(f"{path}: {spot}: must be a table ([[question.rubric]])")
        _unknown(path, spot, item, _ITEM_KEYS)
        keywords = item.get("keywords", [])
        if not isinstance(keywords, list) or not all(isinstance(k, str) for k in keywords):
            raise SpecError(f"{path}: {spot}: key 'keywords' must be a list of strings")
        items.append(RubricItem(_require(path, spot, item, "id", str), float(_require(path, spot, item, "points",
                                (int, float))), _require(path, spot, item, "description", str), tuple(keywords)))
    if len({i.id for i in items}) != len(items) or not items:
        raise SpecError(f"{path}: {where}: rubric items need unique ids, and at least one")
    points, max_words = _require(path, where, raw, "points", (int, float)), _require(path, where, raw, "max_words", int)
    if points <= 0 or max_words <= 0:
        raise SpecError(f"{path}: {where}: 'points' and 'max_words' must be positive")
    return Question(qid, _require(path, where, raw, "title", str), float(points), max_words, tuple(items))


def load_written(path: Path) -> WrittenSpec:
    """Read and validate a written assignment.toml; a `SpecError` names the file, the question and the key."""
    data = path.read_bytes()
    try:
        raw = tomllib.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise SpecError(f"{path}: not valid TOML: {exc}") from None
    _unknown(path, "top level", raw, _TOP_KEYS)
    questions = tuple(_question(path, q, i) for i, q in enumerate(_require(path, "top level", raw, "question", list)))
    if len({q.id for q in questions}) != len(questions) or not questions:
        raise SpecError(f"{path}: top level: questions need unique ids, and at least one")
    return WrittenSpec(_require(path, "top level", raw, "name", str), _require(path, "top level", raw, "title", str),
                       questions, path, hashlib.sha256(data).hexdigest(), raw.get("description", ""))


def _heading_id(line: str) -> str:
    """The first word of a Markdown heading, lower-cased without trailing punctuation ('' if not a heading)."""
    match = re.match(r"^\s{0,3}#{1,6}\s+(\S+)", line)
    return match.group(1).rstrip(".:)").lower() if match else ""


def _sections(markdown: str, ids: set[str]) -> dict[str, str]:
    """Text under each heading whose first word is a question id, up to the next heading of a question."""
    sections: dict[str, list[str]] = {}
    current = None
    for line in markdown.splitlines():
        heading = _heading_id(line)
        if heading in ids:
            current = heading
            sections.setdefault(current, [])
        elif current is not None:
            sections[current].append(line)
    return {qid: "\n".join(lines).strip() for qid, lines in sections.items()}


def notebook_cells(raw: bytes) -> list[tuple[str, str, list[str]]]:
    """(cell type, source text, tags) of each cell of a notebook; ValueError for anything that is not one."""
    try:
        cells = json.loads(raw)["cells"]
        if not isinstance(cells, list):
            raise TypeError
        read = []
        for cell in cells:
            source = cell.get("source", "")
            if isinstance(source, list) and all(isinstance(s, str) for s in source):
                source = "".join(source)
            metadata = cell.get("metadata") or {}
            tags = metadata.get("tags", []) if isinstance(metadata, dict) else []
            if not isinstance(source, str) or not isinstance(tags, list):
                raise TypeError
            read.append((str(cell.get("cell_type", "")), source, [str(t) for t in tags]))
        return read
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError):
        raise ValueError("not a readable Jupyter notebook (the JSON does not parse, or its cells are not "
                         "notebook cells)") from None


def _notebook_sections(raw: bytes, ids: set[str]) -> dict[str, str]:
    """Answers of a notebook: markdown cells tagged with a question id, else headed by one."""
    cells = [(source, tags) for kind, source, tags in notebook_cells(raw) if kind == "markdown"]
    answers: dict[str, list[str]] = {}
    for source, tags in cells:
        tagged = {t.lower() for t in tags} & ids
        if tagged:
            answers.setdefault(sorted(tagged)[0], []).append(source)
    found = {qid: "\n\n".join(parts).strip() for qid, parts in answers.items()}
    headed = _sections("\n\n".join(source for source, _ in cells), ids)
    return {**headed, **found}


def extract_answers(spec: WrittenSpec, path: Path) -> list[Answer]:
    """Each question's answer in the hand-in at `path` (.md or .ipynb), in spec order; ValueError when the file
    cannot be read at all (too large, not UTF-8, a broken notebook)."""
    size = path.stat().st_size
    if size > MAX_HANDIN_BYTES:
        raise ValueError(f"the hand-in is {size / 2**20:.1f} MB, over the {MAX_HANDIN_BYTES >> 20} MB an answer "
                         "sheet may be: it was not read")
    raw = path.read_bytes()
    ids = {q.id.lower() for q in spec.questions}
    if path.suffix == ".ipynb":
        sections = _notebook_sections(raw, ids)
    else:
        try:
            sections = _sections(raw.decode("utf-8-sig"), ids)
        except UnicodeDecodeError:
            raise ValueError("the hand-in is not UTF-8 text: save it as Markdown (.md)") from None
    answers = []
    for q in spec.questions:
        text = sections.get(q.id.lower())
        text = None if text is None else _without_comments(text).strip()
        if text is None:
            problem = (f"no answer: the hand-in has no heading '## {q.id}'"
                       + (f" and no cell tagged '{q.id}'" if path.suffix == ".ipynb" else ""))
            answers.append(Answer(q.id, "", problem))
        elif not text:
            answers.append(Answer(q.id, "", f"the answer under '{q.id}' is empty"))
        else:
            answer = Answer(q.id, text)
            if answer.words > q.max_words:
                answer = Answer(q.id, text, f"{answer.words} words, over the limit of {q.max_words}")
            answers.append(answer)
    return answers


def mentioned(question: Question, text: str) -> list[str]:
    """Ids of the rubric items whose keywords the text mentions (a hint for the reader, nothing more)."""
    lowered = text.lower()
    return [i.id for i in question.rubric if any(k.lower() in lowered for k in i.keywords)]
