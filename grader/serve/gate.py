"""Who may use the workspace: whoever opened the URL `grader serve` printed, with its random token (as Jupyter
does). The token in the URL becomes an HttpOnly, SameSite=Strict cookie, and the page is reloaded without it.
Every POST must come from the same origin, carry the server's CSRF token in its form, and stay under a size
limit; bodies are read here, never by a parser that would buffer an unbounded upload.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

COOKIE_PREFIX = "cnn_grader_"
"""The cookie is named after a digest of the token, so two workspaces on one host keep their own."""
MAX_FORM_BYTES = 64 * 1024
"""A form of the workspace (a comment, a reason) is a few kilobytes; anything larger is refused (413)."""


class Refused(Exception):
    """A request refused with an HTTP status and a message for the page."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Secrets:
    token: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(24))

    @property
    def cookie(self) -> str:
        return COOKIE_PREFIX + hashlib.sha256(self.token.encode()).hexdigest()[:12]


def same_secret(given: str | None, wanted: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), wanted.encode())


def refusal_page(status: int, message: str) -> HTMLResponse:
    from html import escape

    return HTMLResponse(f"<!doctype html><title>cnn-grader: refused</title><h1>{status}</h1><p>{escape(message)}</p>",
                        status_code=status)


class Gate:
    """ASGI middleware: the token check in front of every route."""

    def __init__(self, app: ASGIApp, keys: Secrets, opened_by: str = "`grader serve`") -> None:
        self.app, self.keys, self.opened_by = app, keys, opened_by

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        response: Response | None = None
        if same_secret(request.query_params.get("token"), self.keys.token):
            rest = urlencode([(k, v) for k, v in request.query_params.multi_items() if k != "token"])
            response = RedirectResponse(request.url.path + (f"?{rest}" if rest else ""), status_code=303)
            response.set_cookie(self.keys.cookie, self.keys.token, httponly=True, samesite="strict")
        elif not same_secret(request.cookies.get(self.keys.cookie), self.keys.token):
            response = refusal_page(403, f"This page opens only from the URL that {self.opened_by} printed (it "
                                         "carries a token); open that URL again.")
        elif request.method == "POST" and not same_origin(request):
            response = refusal_page(403, "A form from another site was refused (cross-site request).")
        if response is not None:
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


def same_origin(request: Request) -> bool:
    """False when the browser says the request comes from another origin (Origin, or Sec-Fetch-Site)."""
    origin = request.headers.get("origin")
    if origin is not None and origin != f"{request.url.scheme}://{request.url.netloc}":
        return False
    return request.headers.get("sec-fetch-site", "same-origin") in ("same-origin", "none")


async def read_form(request: Request, keys: Secrets) -> dict[str, list[str]]:
    """The POSTed form (urlencoded), after the size limit and the CSRF token; Refused otherwise."""
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > MAX_FORM_BYTES):
        raise Refused(413, f"The form is larger than the {MAX_FORM_BYTES // 1024} KB this workspace accepts.")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            raise Refused(413, f"The form is larger than the {MAX_FORM_BYTES // 1024} KB this workspace accepts.")
    try:
        form = parse_qs(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
    except UnicodeDecodeError:
        raise Refused(400, "The form is not UTF-8.") from None
    if not same_secret(next(iter(form.get("csrf", [])), None), keys.csrf):
        raise Refused(403, "The form's CSRF token is missing or wrong: reload the page and try again.")
    return form
