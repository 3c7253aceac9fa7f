"""The answers of a written assignment's hand-in: a Markdown file where each answer follows a heading that starts
with the question's id (`## 1a` or `## 1a. Explain how ...`), or a notebook whose answer cells carry the id as a
cell tag (or start with such a heading). `extract_answers` finds each answer or says why there is none; they are
graded in `grader serve` (grader.classroom.manual), never automatically: the keyword hint only helps the reader.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from grader.spec.written import Question, WrittenSpec
from grader.submission.notebook import notebook_cells

MAX_HANDIN_BYTES = 1 << 20
"""A hand-in larger than this is not read (an answer sheet is a few kilobytes)."""
HANDIN_SUFFIXES = (".md", ".ipynb")


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
