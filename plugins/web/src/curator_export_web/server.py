"""Serving the app with uvicorn; a stop (Ctrl-C, SIGTERM) cancels running batches first.

uvicorn waits for open connections before it runs the app's shutdown, and an event stream
stays open while its batch runs: so the stop signal cancels every batch at once (their
streams then end with the batch), and the app's shutdown waits for each batch to finish
its cleanup (temporary files removed, the manifest marked interrupted).
"""

from __future__ import annotations

from types import FrameType

import uvicorn

from curator_export.plugins import PluginHost
from curator_export_web.app import WebService, create_app
from curator_export_web.config import ServiceConfig

#: Seconds uvicorn waits for open requests once batches are cancelled.
GRACEFUL_SECONDS = 15


class CancellingServer(uvicorn.Server):
    """A uvicorn server whose stop signal first cancels the service's batches."""

    def __init__(self, config: uvicorn.Config, service: WebService) -> None:
        super().__init__(config)
        self.service = service

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        self.service.batches.begin_stop()
        super().handle_exit(sig, frame)


def make_server(
    config: ServiceConfig, *, host: PluginHost | None = None, log_level: str = "info"
) -> CancellingServer:
    """The server for ``config`` (``port`` 0 picks a free port: see ``bound_port``);
    raises ``ServiceConfigError`` when it must not start this way."""
    config.check_exposure()
    app = create_app(config, host=host)
    uv_config = uvicorn.Config(
        app,
        host=config.host,
        port=config.port,
        log_level=log_level,
        timeout_graceful_shutdown=GRACEFUL_SECONDS,
        proxy_headers=False,  # nothing in front of it is trusted to say who the client is
        server_header=False,
    )
    return CancellingServer(uv_config, app.state.service)


def bound_port(server: uvicorn.Server) -> int:
    """The port a started server listens on (the chosen one when asked for port 0)."""
    for listener in server.servers:
        for sock in listener.sockets:
            port: int = sock.getsockname()[1]
            return port
    raise RuntimeError("the server is not listening")


def serve(
    config: ServiceConfig, *, host: PluginHost | None = None, log_level: str = "info"
) -> None:
    """Run the service until Ctrl-C or SIGTERM."""
    make_server(config, host=host, log_level=log_level).run()
