"""curator-export plugin: Clean Markdown files.

This module is the plugin"s entry point and stays cheap to import: the writer imports its
heavy libraries when it runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib.metadata import version

from curator_export import Format, hookimpl
from curator_export.errors import NotImplementedFormatError
from curator_export.render import RenderRequest

__version__ = version("curator-export-markdown")


def write_markdown(request: RenderRequest) -> bytes:
    raise NotImplementedFormatError(
        f"the markdown writer is not implemented yet (curator-export-markdown {__version__})"
    )


@hookimpl
def curator_export_formats() -> Sequence[Format]:
    return [
        Format(
            name="markdown",
            extension=".md",
            media_type="text/markdown",
            aliases=("md",),
            can_merge=True,
            description="Normalized CommonMark Markdown",
            writer=write_markdown,
        ),
    ]
