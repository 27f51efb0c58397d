"""curator-export plugin: HTML pages (self-contained, themed, branded).

This module is the plugin's entry point and stays cheap to import: jinja2 and the writer's
modules are imported when a page is written, not when the plugin is listed.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from curator_export import Format, hookimpl
from curator_export.distribution import version_attribute

if TYPE_CHECKING:
    from curator_export.render import Rendered, RenderRequest


#: The built-in themes: professional, academic, minimal, presentation.
THEMES_DIR = Path(__file__).parent / "themes"


def write_html(request: RenderRequest) -> Rendered:
    """Render one self-contained HTML page (see ``curator_export_html.page``)."""
    return shared_page(request)


def shared_page(request: RenderRequest) -> Rendered:
    """The request's page, built once per task: other formats of the task (the PDF) start
    from the same page, so it is rendered once however many formats ask for it."""
    from curator_export_html.page import write_html as write

    return request.shared.get("curator_export_html.page", lambda: write(request))


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
            worker_modules=("curator_export_html.page",),
        ),
    ]


@hookimpl
def curator_export_template_dirs() -> Sequence[Path]:
    return [THEMES_DIR]


__getattr__ = version_attribute("curator-export-html", __name__)
