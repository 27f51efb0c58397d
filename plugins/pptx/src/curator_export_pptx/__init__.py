"""curator-export plugin: editable, branded PowerPoint decks made with python-pptx.

This module is the plugin's entry point and stays cheap to import: python-pptx, Pillow and
CairoSVG load in ``curator_export_pptx.writer`` when a deck is written.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import attrs

from curator_export import Format, hookimpl
from curator_export.distribution import version_attribute

if TYPE_CHECKING:
    from curator_export.render import Rendered, RenderRequest


#: Files an institution's template may be: a presentation or a PowerPoint template.
TEMPLATE_SUFFIXES = (".pptx", ".potx")


def _template_path(value: str | Path | None) -> str | None:
    if value is None or str(value).strip() == "":
        return None
    return str(Path(str(value).strip()).expanduser())


def _check_template(
    instance: object, attribute: attrs.Attribute[str | None], value: str | None
) -> None:
    if value is None:
        return
    path = Path(value)
    if path.suffix.lower() not in TEMPLATE_SUFFIXES:
        raise ValueError(f"template {value!r} must be a .pptx or .potx file")
    if not path.is_file():
        raise ValueError(f"template {value!r} does not exist or is not a file")
    with path.open("rb") as file:
        if file.read(4) != b"PK\x03\x04":
            raise ValueError(f"template {value!r} is not a PowerPoint file (not a ZIP package)")


@attrs.frozen
class PptxOptions:
    """Settings of the pptx format, set per job in ``format_options.pptx`` or with
    ``-O pptx.NAME=VALUE`` on the command line."""

    #: An institution's own ``.pptx`` or ``.potx``: its slide masters, layouts and theme are
    #: used (the title slide, section header and "Title and Content" layouts), its sample
    #: slides dropped. None: the built-in widescreen template in the job's theme and brand.
    template: str | None = attrs.field(
        default=None, converter=_template_path, validator=_check_template
    )


def write_pptx(request: RenderRequest) -> Rendered:
    """Write one deck (see ``curator_export_pptx.writer``); python-pptx loads here."""
    from curator_export_pptx.writer import write_pptx as write

    return write(request)


@hookimpl
def curator_export_formats() -> Sequence[Format]:
    return [
        Format(
            name="pptx",
            extension=".pptx",
            media_type="application/vnd.openxmlformats-officedocument.presentationml.presentation",
            aliases=("powerpoint", "ppt"),
            can_merge=True,
            description="An editable, branded PowerPoint deck",
            writer=write_pptx,
            worker_modules=("curator_export_pptx.writer",),
            options=PptxOptions,
        ),
    ]


__getattr__ = version_attribute("curator-export-pptx", __name__)
