"""Handing in from a terminal or a notebook: `grader submit FILE --to PERSONAL_URL --assignment NAME` and
`from grader import submit`. The personal link's token is sent as a bearer token; the server answers with the
hand-in's facts (or why it was refused), and `--wait` follows it until it is graded.

Exit codes: 0 accepted (and graded, with --wait), 1 refused (rate limit, locked, not open yet, unknown
assignment, a file the course does not take: the message says which and when it is possible again) or, with
--wait, the grader failed on it, 2 a set-up problem (no such file, a link that is not (or no longer) one of the
course's, a server that cannot be reached)."""
from __future__ import annotations

import json
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

WAIT_SECONDS = 1800.0
POLL_SECONDS = 1.0


class SetupProblem(Exception):
    """The hand-in never reached a course server (exit 2)."""


@dataclass(frozen=True)
class Link:
    base: str
    token: str

    @classmethod
    def parse(cls, url: str) -> "Link":
        """A personal link `https://host[/prefix]/s/TOKEN`."""
        parts = urllib.parse.urlsplit(url.strip())
        path = parts.path.rstrip("/")
        prefix, marker, token = path.rpartition("/s/")
        if parts.scheme not in ("http", "https") or not marker or not token or "/" in token:
            raise SetupProblem(f"{url!r} is not a personal link of a course (it looks like https://host/s/TOKEN)")
        return cls(f"{parts.scheme}://{parts.netloc}{prefix}", token)


def _request(link: Link, path: str, data: bytes | None = None, headers: dict[str, str] | None = None
             ) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(link.base + path, data=data, method="POST" if data is not None else "GET",
                                     headers={"Authorization": f"Bearer {link.token}", "Accept": "application/json",
                                              **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        try:
            return exc.code, json.loads(exc.read() or b"{}")
        except ValueError:
            return exc.code, {"status": "refused", "message": f"the server answered {exc.code} {exc.reason}"}
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise SetupProblem(f"the course server at {link.base} cannot be reached: {exc}") from None


def hand_in(path: Path, link: Link, assignment: str) -> tuple[int, dict[str, Any]]:
    """Send the file; (HTTP status, the server's facts)."""
    if not path.is_file():
        raise SetupProblem(f"{path} is not a file")
    quoted = urllib.parse.quote(assignment, safe="")
    return _request(link, f"/a/{quoted}/handins", path.read_bytes(),
                    {"X-Filename": urllib.parse.quote(path.name), "Content-Type": "application/octet-stream"})


def follow(link: Link, facts: dict[str, Any], on_change: Any = lambda facts: None) -> dict[str, Any]:
    """Poll a hand-in until it is graded or failed (or WAIT_SECONDS pass)."""
    deadline, said = time.monotonic() + WAIT_SECONDS, None
    while facts.get("status") in ("queued", "grading") and time.monotonic() < deadline:
        time.sleep(POLL_SECONDS)
        status, facts = _request(link, facts["url"])
        if status != 200:
            raise SetupProblem(f"the hand-in's page answered {status}: {facts.get('message', '')}")
        if (facts.get("status"), (facts.get("queue") or {}).get("ahead")) != said:
            said = (facts.get("status"), (facts.get("queue") or {}).get("ahead"))
            on_change(facts)
    return facts


def describe(facts: dict[str, Any], base: str) -> str:
    """One line a student reads."""
    if facts.get("status") == "refused":
        return f"refused: {facts.get('message', '')}"
    line = f"hand-in {facts.get('submission')} of {facts.get('assignment')}: {facts.get('status')}"
    if facts.get("queue"):
        q = facts["queue"]
        line += f" ({q['ahead']} ahead, about {q['estimate_seconds']} s)"
    if facts.get("score") is not None:
        line += f", score {facts['score']:g} / {facts['max_score']:g}"
    if facts.get("late"):
        line += f", late by {facts['late']['days']} day(s): -{facts['late']['penalty']:.0%}"
    if facts.get("message"):
        line += f" — {facts['message']}"
    return line + f"\n{base}{facts.get('report_url') or facts.get('url', '')}"


def _summary(facts: dict[str, Any], base: str) -> dict[str, Any]:
    """The JSON `--json` prints: the facts a script needs, with absolute URLs."""
    keys = ("submission", "status", "score", "max_score", "late", "message", "assignment", "queue", "retry_at")
    found = {k: facts.get(k) for k in keys}
    found["report_url"] = base + facts["report_url"] if facts.get("report_url") else None
    found["url"] = base + facts["url"] if facts.get("url") else None
    return found


@click.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--to", "url", required=True, metavar="PERSONAL_URL", help="Your personal link from the course staff.")
@click.option("--assignment", required=True, help="The assignment's name, as the course's page lists it.")
@click.option("--wait", is_flag=True, help="Wait until it is graded and show the score.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (submission, status, score, ...).")
def submit(file: Path, url: str, assignment: str, wait: bool, as_json: bool) -> None:
    """Hand FILE in to a course server (exit 0 accepted, 1 refused, 2 set-up problem)."""
    try:
        link = Link.parse(url)
        status, facts = hand_in(file, link, assignment)
        if status == 202 and wait:
            facts = follow(link, facts, on_change=(lambda f: None) if as_json else
                           (lambda f: f["status"] in ("queued", "grading") and
                            click.echo(describe(f, link.base).splitlines()[0], err=True)))
    except SetupProblem as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    if status == 401:  # not a link of this course: a set-up problem, not a refusal of this hand-in
        click.echo(f"error: {facts.get('message', 'the link was refused')}", err=True)
        sys.exit(2)
    if status not in (202, 200):
        facts = {**facts, "status": "refused"}
    click.echo(json.dumps(_summary(facts, link.base)) if as_json else describe(facts, link.base))
    sys.exit(0 if facts.get("status") in ("queued", "grading", "graded") else 1)
