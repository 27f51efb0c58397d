"""curator-export plugin: OpenDocument text and presentations with odfpy.

This module is the plugin's entry point and stays cheap to import: odfpy and the writers'
modules (``odt``, ``odp``) are imported when a file is written, not when plugins are listed.
Both writers return valid ODF 1.2 packages (see ``curator_export_odf.package``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from curator_export import Format, hookimpl
from curator_export.distribution import version_attribute

if TYPE_CHECKING:
    from curator_export.render import Rendered, RenderRequest


def write_odt(request: RenderRequest) -> Rendered:
    """Write an OpenDocument text, the equivalent of the HTML page (see ``odt``)."""
    from curator_export_odf.odt import write_odt as write

    return write(request)


def write_odp(request: RenderRequest) -> Rendered:
    """Write an OpenDocument presentation, the equivalent of the deck (see ``odp``)."""
    from curator_export_odf.odp import write_odp as write

    return write(request)


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
            worker_modules=("curator_export_odf.odt",),
        ),
        Format(
            name="odp",
            extension=".odp",
            media_type="application/vnd.oasis.opendocument.presentation",
            aliases=("opendocument-presentation",),
            can_merge=True,
            description="An OpenDocument presentation",
            writer=write_odp,
            worker_modules=("curator_export_odf.odp",),
        ),
    ]


__getattr__ = version_attribute("curator-export-odf", __name__)
