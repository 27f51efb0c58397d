"""Test helpers of the upload plugin: a proxy that breaks chosen requests to a store the way
a network or an overloaded store does (installed with the package so test modules, which
cannot import each other, share it)."""

from __future__ import annotations

import http.client
import threading
import urllib.parse
from collections import Counter
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

#: What the proxy does with a request: pass it on, answer 503 without passing it on, or pass
#: it on and answer 504 instead of the store's reply (the store did the work, the client
#: hears of a gateway timeout, as behind a load balancer that gave up waiting).
FORWARD, FAIL, LOSE_REPLY = "forward", "fail", "lose-reply"

Rule = Callable[[str, str, int], str]  # (method, path, how many times this was asked) -> action


class FlakyProxy:
    """An HTTP proxy to ``target``; ``rule`` decides per request, ``seen`` counts them."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.rule: Rule = lambda method, path, count: FORWARD
        self.seen: Counter[tuple[str, str]] = Counter()
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        assert isinstance(host, str)  # an AF_INET server: (host, port)
        return f"http://{host}:{port}"

    def puts(self, path_part: str) -> int:
        """How many PUT requests of a path containing ``path_part`` arrived."""
        return sum(
            n for (method, path), n in self.seen.items() if method == "PUT" and path_part in path
        )

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                pass

            def _any(self) -> None:
                path = urllib.parse.unquote(self.path.split("?", 1)[0])
                with proxy.lock:
                    proxy.seen[(self.command, path)] += 1
                    count = proxy.seen[(self.command, path)]
                action = proxy.rule(self.command, path, count)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if action == FAIL:
                    self._error(503, b"SlowDown")
                    return
                connection = http.client.HTTPConnection(*proxy.target, timeout=30)
                headers = {k: v for k, v in self.headers.items() if k.lower() != "connection"}
                connection.request(self.command, self.path, body=body, headers=headers)
                reply = connection.getresponse()
                data = reply.read()
                connection.close()
                if action == LOSE_REPLY:
                    self._error(504, b"GatewayTimeout")
                    return
                self.send_response(reply.status)
                for key, value in reply.getheaders():
                    if key.lower() not in ("connection", "transfer-encoding", "content-length"):
                        self.send_header(key, value)
                # A HEAD reply has no body but tells the object's length.
                length = reply.getheader("Content-Length") if self.command == "HEAD" else None
                self.send_header("Content-Length", length or str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)

            def _error(self, status: int, code: bytes) -> None:
                payload = b"<Error><Code>" + code + b"</Code><Message>injected</Message></Error>"
                self.send_response(status)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _any

        return Handler
