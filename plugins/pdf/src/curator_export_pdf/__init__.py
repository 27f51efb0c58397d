"""curator-export plugin: PDF documents rendered with WeasyPrint.

This module is the plugin's entry point and stays cheap to import: the writer imports its
heavy libraries when it runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib.metadata import version

from curator_export import Format, hookimpl
from curator_export.render import Rendered, RenderRequest

__version__ = version("curator-export-pdf")


def write_pdf(request: RenderRequest) -> Rendered:
    """Render one tagged PDF (see ``curator_export_pdf.writer``); WeasyPrint loads here."""
    from curator_export_pdf.writer import write_pdf as write

    return write(request)


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
