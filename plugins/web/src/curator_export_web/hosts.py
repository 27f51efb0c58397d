"""Which ``Host`` a loopback service answers to: the defence against DNS rebinding.

A page of another site can point its own DNS name at 127.0.0.1 and so reach a loopback
service from the user's browser; the ``Host`` header then names that site, not this
machine. Starlette's ``TrustedHostMiddleware`` does the same check, but the releases this
distribution allows (``starlette>=0.40``) cut the header at the first colon until Starlette
fixed it (Kludex/starlette#3357), so ``[::1]:8750`` (the service on IPv6 loopback) came out
as ``[`` and was refused. The header is parsed here instead, brackets and all.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable

from starlette.datastructures import Headers
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Receive, Scope, Send

#: Host names a loopback service answers to, as ``host_name`` returns them.
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")

#: ``[IPv6]`` or a name or IPv4 address, then an optional ``:port`` (RFC 9110's ``Host``).
_HOST = re.compile(r"(?:\[(?P<ipv6>[0-9A-Fa-f:.]+)\]|(?P<name>[A-Za-z0-9._-]+))(?::\d{1,5})?")


def host_name(header: str | None) -> str | None:
    """The host of a ``Host`` header without its port, lower case, IPv6 without brackets
    (``[::1]:8750`` -> ``::1``); None for a missing or malformed header."""
    if header is None:
        return None
    match = _HOST.fullmatch(header.strip())
    if match is None:
        return None
    if match["ipv6"] is not None:
        try:
            return str(ipaddress.IPv6Address(match["ipv6"]))
        except ValueError:
            return None
    return match["name"].lower()


def normalized(host: str) -> str:
    """A configured host the way ``host_name`` reports headers: ``[::1]`` -> ``::1``."""
    name = host_name(host if ":" not in host or host.startswith("[") else f"[{host}]")
    return name if name is not None else host.lower()


class LoopbackHostMiddleware:
    """Answers 400 to a request whose ``Host`` is not one of the allowed names."""

    def __init__(self, app: ASGIApp, allowed: Iterable[str] = LOOPBACK_NAMES) -> None:
        self.app = app
        self.allowed = frozenset(normalized(host) for host in allowed)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":  # the service has no websocket routes
            name = host_name(Headers(scope=scope).get("host"))
            if name not in self.allowed:
                response = PlainTextResponse("Invalid host header", status_code=400)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
