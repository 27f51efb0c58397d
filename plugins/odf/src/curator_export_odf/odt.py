"""The odt writer: a render request as an OpenDocument text, the equivalent of the HTML page.

Outline: the title is the one level-1 heading, followed by a subtitle line (institution,
date). A single session's items are level-2 headings; a merged document starts with a table
of contents, and each session starts a new page with a level-2 heading, its items at level 3.
Each item's heading is followed by its label (``Slides``, ``Quiz`` ...); instructor notes
sit in a tinted section of their own. The institution name and logo are in the page header,
the title and "Page N of M" in the footer. See ``odt_blocks`` for the item content and
``odt_styles`` for the style sheet.
"""

from __future__ import annotations

from collections.abc import Iterable

import attrs
from odf.element import Element
from odf.opendocument import OpenDocumentText
from odf.opendocument import __version__ as odfpy_version

from curator_export.branding import contrast_warnings
from curator_export.labels import CONTENT_LABELS, DIV_LABELS, QUIZ_DIV_LABELS, language_of
from curator_export.model import ContentType
from curator_export.render import ParsedItem, ParsedSession, Rendered, RenderRequest
from curator_export_odf.build import E, add_text
from curator_export_odf.images import Picture, Pictures, frame
from curator_export_odf.metadata import add_metadata
from curator_export_odf.odt_blocks import FRAME_INSET, Context, DocumentNames, ItemBlocks
from curator_export_odf.odt_styles import Page, add_styles
from curator_export_odf.package import package_bytes
from curator_export_odf.theme import palette_for

__all__ = ["write_odt"]

LOGO_HEIGHT = 0.9


def write_odt(request: RenderRequest) -> Rendered:
    """Render the request as one ``.odt`` package (see the module docstring)."""
    from curator_export_odf import __version__

    warnings: list[str] = []
    document = OpenDocumentText()
    pictures = Pictures(document, warnings)
    page = Page()
    palette = palette_for(request)
    language = language_of(request)
    logo = pictures.logo(request.branding)
    add_styles(
        document,
        palette,
        page,
        language=language,
        header=_header(request, logo),
        footer=_footer(request),
    )
    add_metadata(document, request, language)
    for element in _body(request, pictures, page):
        document.text.addElement(element)
    for parsed in request.sessions:
        for item in parsed.items:
            warnings += item.document.warnings
    warnings += contrast_warnings(request.branding)
    data = package_bytes(
        document,
        created_at=request.created_at,
        generator=f"curator-export-odf/{__version__} odfpy/{odfpy_version}",
    )
    return Rendered(data=data, warnings=tuple(warnings))


def _header(request: RenderRequest, logo: Picture | None) -> Element | None:
    institution = request.branding.institution_name if request.branding else None
    if not institution and logo is None:
        return None
    header = E("text:p", {"text:style-name": "Header"})
    add_text(header, institution or "")
    if logo is not None:
        width, height = logo.fitted(6.0, LOGO_HEIGHT)
        header.addElement(E("text:tab"))
        header.addElement(
            frame(
                logo,
                width=width,
                height=height,
                description=f"{institution} logo" if institution else "Logo",
                attributes={
                    "draw:style-name": "Graphics",
                    "draw:name": "Logo",
                    "text:anchor-type": "as-char",
                },
            )
        )
    return header


def _footer(request: RenderRequest) -> Element:
    footer = E("text:p", {"text:style-name": "Footer"})
    add_text(footer, request.title)
    footer.addElement(E("text:tab"))
    footer.addText("Page ")
    footer.addElement(E("text:page-number", {"text:select-page": "current"}, text="1"))
    footer.addText(" of ")
    footer.addElement(E("text:page-count", {}, text="1"))
    return footer


@attrs.frozen
class _Place:
    """What every item of the document shares: its names, pictures and page."""

    names: DocumentNames
    pictures: Pictures
    page: Page


def _body(request: RenderRequest, pictures: Pictures, page: Page) -> list[Element]:
    names = DocumentNames()
    place = _Place(names, pictures, page)
    title = E("text:h", {"text:style-name": "Title", "text:outline-level": 1})
    add_text(title, request.title)
    elements = [title]
    subtitle = _subtitle(request)
    if subtitle:
        paragraph = E("text:p", {"text:style-name": "Subtitle"})
        add_text(paragraph, subtitle)
        elements.append(paragraph)
    item_level = 3 if request.merged else 2
    entries: list[tuple[int, str, str]] = []  # (level, text, bookmark) for the contents
    content: list[Element] = []
    for parsed in request.sessions:
        if request.merged:
            bookmark = names.unique(f"session-{parsed.session.id}")
            heading = E(
                "text:h",
                {"text:style-name": "Session_20_Heading", "text:outline-level": 2},
                E("text:bookmark", {"text:name": bookmark}),
            )
            add_text(heading, parsed.session.title)
            content.append(heading)
            entries.append((2, parsed.session.title, bookmark))
        for item in parsed.items:
            bookmark = names.unique(f"item-{item.item.id}")
            entries.append((item_level, item.item.title, bookmark))
            content += _item(parsed, item, item_level, bookmark, place)
    if request.merged:
        elements.append(_contents(entries))
    return elements + content


def _subtitle(request: RenderRequest) -> str:
    institution = request.branding.institution_name if request.branding else None
    date = request.created_at.date().isoformat() if request.created_at else ""
    return " \u00b7 ".join(part for part in (institution, date) if part)


def _item(
    parsed: ParsedSession, item: ParsedItem, level: int, bookmark: str, place: _Place
) -> list[Element]:
    names, pictures, page = place.names, place.pictures, place.page
    content_type = item.item.content_type
    heading = E(
        "text:h",
        {"text:style-name": f"Heading_20_{level}", "text:outline-level": level},
        E("text:bookmark", {"text:name": bookmark}),
    )
    add_text(heading, item.item.title)
    label = E("text:p", {"text:style-name": "Item_20_Label"})
    add_text(label, CONTENT_LABELS.get(content_type, content_type.value.replace("_", " ")))
    writer = ItemBlocks(
        item.document,
        names=names,
        prefix=bookmark,
        base_level=level + 1,
        assets=parsed.session.assets,
        pictures=pictures,
        source=f"session {parsed.session.id!r}, item {item.item.id!r}",
        div_labels=QUIZ_DIV_LABELS if content_type is ContentType.QUIZ else DIV_LABELS,
    )
    notes = content_type is ContentType.INSTRUCTOR_NOTES
    width = page.text_width - (FRAME_INSET if notes else 0.0)
    elements = [heading, label, *writer.blocks(item.document.children, Context(width=width))]
    if not notes:
        return elements
    # Instructor notes look like an instructor callout, the whole item framed.
    name = names.numbered("Instructor notes")
    return [writer.framed_section(name, "instructor", elements, page.text_width)]


def _contents(entries: Iterable[tuple[int, str, str]]) -> Element:
    """A table of contents of the sessions and items, filled in already (without page
    numbers, which only an office suite can know: updating the index adds them)."""
    source = E(
        "text:table-of-content-source",
        {"text:outline-level": 3, "text:use-index-marks": "false"},
        E("text:index-title-template", {"text:style-name": "Contents_20_Heading"}, text="Contents"),
    )
    for level in (1, 2, 3):
        source.addElement(
            E(
                "text:table-of-content-entry-template",
                {"text:outline-level": level, "text:style-name": f"Contents_20_{level}"},
                E("text:index-entry-link-start", {"text:style-name": "Internet_20_link"}),
                E("text:index-entry-text"),
                E("text:index-entry-link-end"),
                E(
                    "text:index-entry-tab-stop",
                    {"style:type": "right", "style:leader-char": "."},
                ),
                E("text:index-entry-page-number"),
            )
        )
    body = E(
        "text:index-body",
        {},
        E(
            "text:index-title",
            {"text:name": "Contents heading"},
            E("text:p", {"text:style-name": "Contents_20_Heading"}, text="Contents"),
        ),
    )
    for level, text, bookmark in entries:
        link = E(
            "text:a",
            {
                "xlink:type": "simple",
                "xlink:href": f"#{bookmark}",
                "text:style-name": "Internet_20_link",
                "text:visited-style-name": "Visited_20_Internet_20_Link",
            },
        )
        add_text(link, text)
        body.addElement(E("text:p", {"text:style-name": f"Contents_20_{level}"}, link))
    return E(
        "text:table-of-content",
        {"text:name": "Contents", "text:protected": "true"},
        source,
        body,
    )
