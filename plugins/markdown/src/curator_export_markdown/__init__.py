"""curator-export plugin: Clean Markdown files.

This module is the plugin's entry point and stays cheap to import: the writer lives in
``curator_export_markdown.writer``, imported when a file is written (see its docstring for
the heading rule, image handling and escaping).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from curator_export import Format, hookimpl
from curator_export.distribution import version_attribute

if TYPE_CHECKING:
    from curator_export.render import Rendered, RenderRequest


def write_markdown(request: RenderRequest) -> Rendered:
    """Write one session (or a merged set) as CommonMark with GFM tables and pandoc divs."""
    from curator_export_markdown.writer import write_markdown as write

    return write(request)


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
            worker_modules=("curator_export_markdown.writer",),
        ),
    ]


@hookimpl
def curator_export_template_dirs() -> Sequence[Path]:
    """The ``single-file`` template, so ``--template single-file`` passes planning."""
    return [Path(__file__).parent / "themes"]


__getattr__ = version_attribute("curator-export-markdown", __name__)
