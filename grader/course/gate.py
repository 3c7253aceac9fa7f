"""Who a student's request comes from, and what a request may cost, decided before any handler runs: a personal
link's token (at least 192 bits, stored only hashed) opens a session (an HttpOnly cookie holding a random id,
stored only hashed, with its own CSRF token for the page's forms); `grader submit` and the notebook's `submit()`
send the link's token as a bearer instead. Wrong tokens are rate-limited per client, bodies are read under a size
limit and a deadline (a 1 GB or a trickling upload is cut off before anything is stored)."""
from __future__ import annotations

import asyncio
import collections
import hashlib
import secrets
import threading
import time
from dataclasses import dataclass

from starlette.requests import Request

from grader.course.intake import Refusal
from grader.course.store import CourseStore
from grader.serve.gate import same_origin, same_secret

WRONG_TOKENS_PER_MINUTE = 20
UPLOAD_SECONDS = 120.0
"""The most an upload may take, whatever its size."""
IDLE_SECONDS = 10.0
"""The longest pause between two pieces of an upload."""


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_token() -> str:
    """A personal link's token: 192 random bits, URL-safe."""
    return secrets.token_urlsafe(24)


@dataclass(frozen=True)
class Caller:
    """A student's request, authenticated."""

    student: str
    csrf: str
    """The session's CSRF token ('' for a bearer request, which carries no ambient cookie to forge)."""


class Limiter:
    """At most `limit` events per key in any `window` seconds (in memory: a restart forgets, which only helps)."""

    def __init__(self, limit: int, window: float = 60.0) -> None:
        self.limit, self.window = limit, window
        self._events: dict[str, collections.deque[float]] = collections.defaultdict(collections.deque)
        self._lock = threading.Lock()

    def hit(self, key: str) -> float:
        """Count one event; seconds until the key may try again (0: not limited)."""
        now = time.monotonic()
        with self._lock:
            events = self._events[key]
            while events and events[0] <= now - self.window:
                events.popleft()
            if len(events) >= self.limit:
                return events[0] + self.window - now
            events.append(now)
            return 0.0


class StudentGate:
    """Sessions and bearer tokens for the students' side of a course server."""

    def __init__(self, store: CourseStore, cookie: str) -> None:
        self.store, self.cookie = store, cookie
        self.wrong = Limiter(WRONG_TOKENS_PER_MINUTE)

    def _check_wrong_rate(self, request: Request) -> None:
        wait = self.wrong.hit(request.client.host if request.client else "?")
        if wait:
            raise Refusal(429, f"too many wrong links from your address: try again in {wait:.0f} s")

    def open_link(self, request: Request, token: str, at: str) -> tuple[str, str]:
        """(student, session id) for a personal link's token; Refusal (404) for a wrong one."""
        student = self.store.student_by_token(digest(token))
        if student is None:
            self._check_wrong_rate(request)
            raise Refusal(404, "this link is not (or no longer) a personal link of this course: use the newest link "
                               "the course staff sent you")
        session = secrets.token_urlsafe(32)
        self.store.new_session(digest(session), student, secrets.token_urlsafe(24), at)
        return student, session

    def caller(self, request: Request) -> Caller | None:
        """The student a request comes from (a session cookie or a bearer token), or None."""
        authorization = request.headers.get("authorization", "")
        if authorization.lower().startswith("bearer "):
            student = self.store.student_by_token(digest(authorization[7:].strip()))
            if student is None:
                self._check_wrong_rate(request)
                raise Refusal(401, "this is not (or no longer) a personal link of this course: use the newest link "
                                   "the course staff sent you")
            return Caller(student, "")
        session = request.cookies.get(self.cookie)
        found = self.store.session(digest(session)) if session else None
        return Caller(*found) if found else None

    def require(self, request: Request) -> Caller:
        caller = self.caller(request)
        if caller is None:
            raise Refusal(401, "open your personal link first (the course staff sent it to you): it signs you in "
                               "on this browser")
        return caller

    @staticmethod
    def check_form(request: Request, caller: Caller) -> None:
        """A request that changes something, sent with a cookie, must come from our own page: same origin and
        the session's CSRF token (a bearer request needs neither)."""
        if caller.csrf and (not same_origin(request) or
                            not same_secret(request.headers.get("x-csrf-token"), caller.csrf)):
            raise Refusal(403, "the request was refused: it did not come from your hand-in page (reload the page "
                               "and try again)")


async def read_body(request: Request, limit: int) -> bytes:
    """The request's body, refused (413) past `limit` bytes and (408) when it takes too long or stalls."""
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > limit):
        raise Refusal(413, f"the file is larger than the {limit / (1 << 20):g} MB a hand-in may be")
    body, deadline = bytearray(), time.monotonic() + UPLOAD_SECONDS
    chunks = request.stream().__aiter__()
    while True:
        wait = min(IDLE_SECONDS, deadline - time.monotonic())
        try:
            chunk = await asyncio.wait_for(chunks.__anext__(), timeout=max(wait, 0.01))
        except StopAsyncIteration:
            return bytes(body)
        except asyncio.TimeoutError:
            raise Refusal(408, "the upload was too slow and was stopped: nothing was stored; try again") from None
        body += chunk
        if len(body) > limit:
            raise Refusal(413, f"the file is larger than the {limit / (1 << 20):g} MB a hand-in may be")
