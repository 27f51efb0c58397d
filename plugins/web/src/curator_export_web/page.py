"""The page at ``/`` and the login form: static files, served with a strict policy.

The page is plain HTML, CSS and a little JavaScript in ``static/`` (no build step). The
content security policy allows only the service's own scripts and styles, so that a
session title shown on the page can never run as code.
"""

from __future__ import annotations

from html import escape
from importlib import resources
from pathlib import Path

from starlette.responses import HTMLResponse, Response

STATIC = Path(str(resources.files("curator_export_web") / "static"))
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
        " object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}

_LOGIN = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in · curator-export</title>
<link rel="stylesheet" href="/static/app.css">
</head>
<body>
<main class="login">
<h1>curator-export</h1>
<p>This server asks for its access token.</p>
{error}
<form method="post" action="/login">
<label for="token">Access token</label>
<input id="token" name="token" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
</form>
</main>
</body>
</html>
"""


def index_page() -> Response:
    html = (STATIC / "index.html").read_text(encoding="utf-8")
    return HTMLResponse(html, headers=SECURITY_HEADERS)


def login_page(status_code: int = 200, error: str | None = None) -> Response:
    message = f'<p class="error" role="alert">{escape(error)}</p>' if error else ""
    return HTMLResponse(
        _LOGIN.format(error=message), status_code=status_code, headers=SECURITY_HEADERS
    )
