"""curator-export plugin: HTML pages (self-contained, themed, branded).

This module is the plugin"s entry point and stays cheap to import: the writer imports its
heavy libraries when it runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib.metadata import version

from curator_export import Format, hookimpl
from curator_export.errors import NotImplementedFormatError
from curator_export.render import RenderRequest

__version__ = version("curator-export-html")


def write_html(request: RenderRequest) -> bytes:
    raise NotImplementedFormatError(
        f"the html writer is not implemented yet (curator-export-html {__version__})"
    )


@hookimpl
def curator_export_formats() -> Sequence[Format]:
    return [
        Format(
            name="html",
            extension=".html",
            media_type="text/html",
            aliases=("htm", "webpage"),
            can_merge=True,
            description="A self-contained HTML page",
            writer=write_html,
        ),
    ]
