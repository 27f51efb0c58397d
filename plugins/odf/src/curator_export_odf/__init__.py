"""curator-export plugin: OpenDocument text and presentations with odfpy.

This module is the plugin"s entry point and stays cheap to import: the writer imports its
heavy libraries when it runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib.metadata import version

from curator_export import Format, hookimpl
from curator_export.errors import NotImplementedFormatError
from curator_export.render import RenderRequest

__version__ = version("curator-export-odf")


def write_odt(request: RenderRequest) -> bytes:
    raise NotImplementedFormatError(
        f"the odt writer is not implemented yet (curator-export-odf {__version__})"
    )


def write_odp(request: RenderRequest) -> bytes:
    raise NotImplementedFormatError(
        f"the odp writer is not implemented yet (curator-export-odf {__version__})"
    )


@hookimpl
def curator_export_formats() -> Sequence[Format]:
    return [
        Format(
            name="odt",
            extension=".odt",
            media_type="application/vnd.oasis.opendocument.text",
            aliases=("opendocument", "opendocument-text"),
            can_merge=True,
            description="An OpenDocument text document",
            writer=write_odt,
        ),
        Format(
            name="odp",
            extension=".odp",
            media_type="application/vnd.oasis.opendocument.presentation",
            aliases=("opendocument-presentation",),
            can_merge=True,
            description="An OpenDocument presentation",
            writer=write_odp,
        ),
    ]
