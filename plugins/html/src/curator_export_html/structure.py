"""The outline of a page: sessions, items and slides, with their headings and ids.

The page's ``h1`` is the request's title. A single session's items are ``h2`` sections; in a
merged page each session is an ``h2`` section and its items ``h3``. An item's own headings
start one level below its section heading. Slides are also cut into one chunk per slide
(at ``##`` headings and thematic breaks) for themes that show one slide at a time.
"""

from __future__ import annotations

import attrs
from markupsafe import Markup

from curator_export.deck import split_slides
from curator_export.labels import QUIZ_DIV_LABELS, content_label
from curator_export.model import ContentType
from curator_export.render import ParsedItem, ParsedSession, RenderRequest
from curator_export_html.nodes import ItemWriter, PageIds


@attrs.frozen
class ItemSection:
    id: str
    heading_id: str
    title: str
    level: int
    content_type: str
    label: str
    html: Markup
    #: One chunk per slide for slides items; empty for the other types.
    slides: tuple[Markup, ...] = ()


@attrs.frozen
class SessionSection:
    id: str
    heading_id: str
    title: str
    level: int
    items: tuple[ItemSection, ...]


def build_sections(
    request: RenderRequest, ids: PageIds, warnings: list[str]
) -> tuple[SessionSection, ...]:
    """Every session of the request as a section, written in page order."""
    level = 2 if request.merged else 1
    sections = []
    for parsed in request.sessions:
        section_id = ids.unique(f"session-{parsed.session.id}")
        sections.append(
            SessionSection(
                id=section_id,
                heading_id=ids.unique(f"{section_id}-title"),
                title=parsed.session.title,
                level=level,
                items=tuple(_item(parsed, item, level + 1, ids, warnings) for item in parsed.items),
            )
        )
    return tuple(sections)


def _item(
    parsed: ParsedSession, item: ParsedItem, level: int, ids: PageIds, warnings: list[str]
) -> ItemSection:
    content_type = item.item.content_type
    section_id = ids.unique(item.item.id)
    heading_id = ids.unique(f"{section_id}-title")
    writer = ItemWriter(
        item.document,
        ids=ids,
        prefix=section_id,
        base_level=min(level + 1, 6),
        assets=parsed.session.assets,
        warnings=warnings,
        source=f"session {parsed.session.id!r}, item {item.item.id!r}",
        div_labels=QUIZ_DIV_LABELS if content_type is ContentType.QUIZ else None,
    )
    slides: tuple[Markup, ...] = ()
    if content_type is ContentType.SLIDES:
        slides = tuple(writer.blocks(chunk) for chunk in split_slides(item.document.children))
        html = Markup("\n").join(slides)
    else:
        html = writer.blocks(item.document.children)
    return ItemSection(
        id=section_id,
        heading_id=heading_id,
        title=item.item.title,
        level=level,
        content_type=content_type.value,
        label=content_label(content_type),
        html=html,
        slides=slides,
    )
