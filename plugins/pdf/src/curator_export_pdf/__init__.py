"""curator-export plugin: PDF documents rendered with WeasyPrint.

This module is the plugin"s entry point and stays cheap to import: the writer imports its
heavy libraries when it runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib.metadata import version

from curator_export import Format, hookimpl
from curator_export.errors import NotImplementedFormatError
from curator_export.render import RenderRequest

__version__ = version("curator-export-pdf")


def write_pdf(request: RenderRequest) -> bytes:
    raise NotImplementedFormatError(
        f"the pdf writer is not implemented yet (curator-export-pdf {__version__})"
    )


@hookimpl
def curator_export_formats() -> Sequence[Format]:
    return [
        Format(
            name="pdf",
            extension=".pdf",
            media_type="application/pdf",
            aliases=("portable-document",),
            can_merge=True,
            description="A print-ready, tagged PDF",
            writer=write_pdf,
        ),
    ]
