"""curator-export web service: the seed's two commands over HTTP, and a page that uses them.

``create_app(ServiceConfig(...))`` returns a Starlette application; ``serve(config)`` runs it
with uvicorn (what ``curator-export serve`` does). The names resolve on first use, so that
importing this package costs nothing until the app is built.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from curator_export_web.app import create_app
    from curator_export_web.config import ServiceConfig
    from curator_export_web.server import serve

__all__ = ["ServiceConfig", "create_app", "serve"]

_WHERE = {
    "create_app": "curator_export_web.app",
    "ServiceConfig": "curator_export_web.config",
    "serve": "curator_export_web.server",
}


def __getattr__(name: str) -> Any:
    if name == "__version__":
        from importlib.metadata import version

        return version("curator-export-web")
    if name in _WHERE:
        import importlib

        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
