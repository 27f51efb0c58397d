"""What of a session goes into an export: content types, audience, and parsing once.

Students never see instructor notes or solutions; the filtering happens here, in core, once
per task, so no writer can forget it.
"""

from __future__ import annotations

from collections.abc import Iterable

import attrs

from curator_export.document import (
    Block,
    BlockQuote,
    BulletList,
    Div,
    Document,
    ListItem,
    OrderedList,
    parse,
)
from curator_export.model import Audience, ContentItem, ContentType, Session
from curator_export.render import ParsedItem, ParsedSession

#: Fenced divs that only instructors see.
INSTRUCTOR_ONLY_DIVS = frozenset({"solution", "instructor"})


def selected_items(
    session: Session, content_types: Iterable[ContentType] | None, audience: Audience
) -> tuple[ContentItem, ...]:
    """The session's items of the wanted types that this audience may see, in order."""
    wanted = set(content_types) if content_types is not None else set(ContentType)
    if audience is Audience.STUDENT:
        wanted.discard(ContentType.INSTRUCTOR_NOTES)
    return tuple(item for item in session.items if item.content_type in wanted)


def without_divs(document: Document, kinds: frozenset[str]) -> Document:
    """The document with every fenced div of these kinds removed, however deeply nested."""
    return attrs.evolve(document, children=_blocks(document.children, kinds))


def _blocks(blocks: tuple[Block, ...], kinds: frozenset[str]) -> tuple[Block, ...]:
    kept: list[Block] = []
    for block in blocks:
        match block:
            case Div(kind=kind) if kind in kinds:
                continue
            case Div() | BlockQuote():
                kept.append(attrs.evolve(block, children=_blocks(block.children, kinds)))
            case BulletList() | OrderedList():
                items = tuple(
                    ListItem(children=_blocks(item.children, kinds), checked=item.checked)
                    for item in block.items
                )
                kept.append(attrs.evolve(block, items=items))
            case _:
                kept.append(block)
    return tuple(kept)


def parse_session(
    session: Session, content_types: Iterable[ContentType] | None, audience: Audience
) -> ParsedSession:
    """Parse the selected items of a session once, filtered for the audience."""
    parsed = []
    for item in selected_items(session, content_types, audience):
        document = parse(item.body, source=f"session {session.id!r}, item {item.id!r}")
        if audience is Audience.STUDENT:
            document = without_divs(document, INSTRUCTOR_ONLY_DIVS)
        parsed.append(ParsedItem(item=item, document=document))
    return ParsedSession(session=session, items=tuple(parsed))
