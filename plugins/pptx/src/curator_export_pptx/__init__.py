"""curator-export plugin: PowerPoint decks with python-pptx.

This module is the plugin"s entry point and stays cheap to import: the writer imports its
heavy libraries when it runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib.metadata import version

from curator_export import Format, hookimpl
from curator_export.errors import NotImplementedFormatError
from curator_export.render import RenderRequest

__version__ = version("curator-export-pptx")


def write_pptx(request: RenderRequest) -> bytes:
    raise NotImplementedFormatError(
        f"the pptx writer is not implemented yet (curator-export-pptx {__version__})"
    )


@hookimpl
def curator_export_formats() -> Sequence[Format]:
    return [
        Format(
            name="pptx",
            extension=".pptx",
            media_type="application/vnd.openxmlformats-officedocument.presentationml.presentation",
            aliases=("powerpoint", "ppt"),
            can_merge=True,
            description="An editable PowerPoint deck",
            writer=write_pptx,
        ),
    ]
