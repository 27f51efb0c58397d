"""curator-export plugin: PDF documents rendered with WeasyPrint.

This module is the plugin's entry point and stays cheap to import: the writer imports its
heavy libraries when it runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import attrs

from curator_export import Format, hookimpl
from curator_export.distribution import version_attribute

if TYPE_CHECKING:
    from curator_export.render import Rendered, RenderRequest


#: Page sizes by the names users type (case-insensitive), as CSS ``@page`` sizes.
PAGE_SIZES = {"a4": "A4", "letter": "letter", "a5": "A5", "legal": "legal"}


def _page_size(value: str) -> str:
    return value.strip().lower()


def _check_page_size(instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    if value not in PAGE_SIZES:
        raise ValueError(f"unknown page size {value!r}; known: {', '.join(PAGE_SIZES)}")


@attrs.frozen
class PdfOptions:
    """Settings of the pdf format, set per job in ``format_options.pdf`` or with
    ``-O pdf.NAME=VALUE`` on the command line."""

    #: ``a4`` (the default), ``letter``, ``a5`` or ``legal``; slides of the ``presentation``
    #: template are laid out on the landscape page of this size.
    page_size: str = attrs.field(default="a4", converter=_page_size, validator=_check_page_size)
    #: A tagged PDF (PDF/UA-1: structure tree, language, alt text) for screen readers; turning
    #: it off renders faster and makes a smaller file that assistive technology cannot read.
    tagged: bool = True


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
            worker_modules=("curator_export_pdf.writer", "curator_export_html.page", "weasyprint"),
            options=PdfOptions,
        ),
    ]


__getattr__ = version_attribute("curator-export-pdf", __name__)
