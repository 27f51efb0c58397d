"""Who may talk to the service: the token on every request, and no cross-site writes.

With a token configured, every request carries it, as ``Authorization: Bearer TOKEN`` (API
clients) or as the cookie that the login form sets (the page: a browser sends it with
``fetch``, ``EventSource`` and download links alike). Without one (loopback only), a web
page of another site must still not start batches in the user's browser: requests that
change something must come from the service's own origin and carry JSON, which a
cross-site form cannot send.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable
from http.cookies import SimpleCookie
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

COOKIE = "curator_export_token"
#: Reachable without the token: the login form and what it needs.
OPEN_PATHS = frozenset({"/login", "/static/app.css"})
#: Posted as a form (the login), not as JSON.
FORM_PATHS = frozenset({"/login"})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def token_matches(given: str | None, token: str) -> bool:
    """Compare in constant time, so the comparison does not leak the token."""
    return given is not None and hmac.compare_digest(given.encode(), token.encode())


def request_token(headers: Headers) -> str | None:
    authorization = headers.get("authorization", "")
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() == "bearer" and value:
        return value.strip()
    cookie = SimpleCookie()
    try:
        cookie.load(headers.get("cookie", ""))
    except Exception:  # a malformed cookie header is no token
        return None
    morsel = cookie.get(COOKIE)
    return morsel.value if morsel is not None else None


def same_origin(headers: Headers) -> bool:
    """An ``Origin`` header, when there is one, names this service's own host."""
    origin = headers.get("origin")
    if origin is None:
        return True  # not a browser's cross-origin request (curl, scripts, same-origin GET)
    return urlsplit(origin).netloc == headers.get("host")


class AccessMiddleware:
    """Refuses requests without the token (when one is set) and cross-origin writes."""

    def __init__(self, app: ASGIApp, token: str | None, open_paths: Iterable[str] = ()) -> None:
        self.app = app
        self.token = token
        self.open_paths = OPEN_PATHS | frozenset(open_paths)
        self.form_paths = FORM_PATHS

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        method = scope["method"]
        path = scope["path"]
        response: Response | None = None
        guarded = self.token is not None and path not in self.open_paths
        if guarded and not token_matches(request_token(headers), self.token or ""):
            response = _unauthorized(path)
        if response is None and method not in SAFE_METHODS:
            if not same_origin(headers):
                response = JSONResponse({"detail": "cross-origin requests are refused"}, 403)
            elif path not in self.form_paths and _has_body(headers) and not _is_json(headers):
                response = JSONResponse({"detail": "send the request body as JSON"}, 415)
        if response is not None:
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


def _has_body(headers: Headers) -> bool:
    return headers.get("content-length", "0") != "0" or "transfer-encoding" in headers


def _is_json(headers: Headers) -> bool:
    return headers.get("content-type", "").split(";")[0].strip().lower() == "application/json"


def _unauthorized(path: str) -> Response:
    if path == "/" or not path.startswith("/api/"):
        from curator_export_web.page import login_page

        return login_page(status_code=401)
    return JSONResponse(
        {"detail": "a token is required: Authorization: Bearer TOKEN"},
        status_code=401,
        headers={"WWW-Authenticate": "Bearer"},
    )
