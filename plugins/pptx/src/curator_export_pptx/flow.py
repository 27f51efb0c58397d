"""A slide's blocks as a vertical flow of items, from top to bottom.

Consecutive text (paragraphs, list items, sub-headings) shares one text frame; code blocks,
tables, pictures and boxes (a lesson's callouts, objectives, key points) are items of their
own. :mod:`curator_export_pptx.measure` gives each its height and place.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import TypeAlias

import attrs

from curator_export.deck import NOTES_DIVS
from curator_export.document import (
    Block,
    BlockQuote,
    BulletList,
    CodeBlock,
    Div,
    Heading,
    HtmlBlock,
    Image,
    ListItem,
    OrderedList,
    Paragraph,
    Table,
    ThematicBreak,
    plain_text,
    walk,
)
from curator_export.labels import div_label
from curator_export.model import Asset
from curator_export_pptx.geometry import (
    BODY_PT,
    LABEL_PT,
    LEVEL_INDENT,
    PARAGRAPH_GAP_PT,
    SUBHEADING_PT,
)
from curator_export_pptx.ooxml import BULLETS
from curator_export_pptx.pictures import Picture, PictureSource
from curator_export_pptx.text import Run, clean, runs, strip_runs

#: Boxes drawn in the accent colour rather than the primary one.
ACCENT_BOXES = frozenset({"challenge", "caution", "discussion", "spoiler", "exercise"})


@attrs.frozen
class Para:
    """One paragraph of a text frame."""

    runs: tuple[Run, ...]
    size: float = BODY_PT
    margin: int = 0
    indent: int = 0
    bullet: str | None = None
    number: int | None = None
    #: Which list a numbered paragraph belongs to (numbering restarts per list and frame).
    list_key: int | None = None
    bold: bool = False
    color: str | None = None  # a theme colour slot
    space_before: float = PARAGRAPH_GAP_PT
    level: int = 0


@attrs.frozen
class TextItem:
    paras: tuple[Para, ...]
    offset: int = 0


@attrs.frozen
class CodeItem:
    text: str
    language: str = ""
    offset: int = 0


@attrs.frozen
class TableItem:
    table: Table
    offset: int = 0


@attrs.frozen
class PictureItem:
    picture: Picture
    alt: str
    title: str = ""
    offset: int = 0


@attrs.frozen
class BoxItem:
    kind: str
    items: tuple[Item, ...]
    offset: int = 0


Item: TypeAlias = TextItem | CodeItem | TableItem | PictureItem | BoxItem


class Flow:
    """Turns blocks into items; pictures come from one deck-wide :class:`PictureSource`."""

    def __init__(self, assets: Mapping[str, Asset], pictures: PictureSource, where: str) -> None:
        self.assets = assets
        self.pictures = pictures
        self.where = where
        self._lists = itertools.count(1)

    def items(
        self, blocks: Sequence[Block], *, offset: int = 0, in_box: bool = False
    ) -> list[Item]:
        out: list[Item] = []
        for block in blocks:
            out += self.block(block, offset, in_box)
        return _merged(out)

    def block(self, block: Block, offset: int, in_box: bool) -> list[Item]:
        match block:
            case Paragraph():
                return self.paragraph(block, offset)
            case Heading():
                text = strip_runs(runs(block.children, base=Run("", bold=True)))
                para = Para(
                    tuple(text), size=SUBHEADING_PT, bold=True, color="tx2", space_before=10.0
                )
                return [TextItem((para,), offset)] if text else []
            case BulletList() | OrderedList():
                return self.list(block, offset, 0)
            case CodeBlock():
                return [CodeItem(block.text, block.language, offset)]
            case Table():
                return [TableItem(block, offset)] if block.header else []
            case BlockQuote():
                return self.items(block.children, offset=offset + LEVEL_INDENT, in_box=in_box)
            case Div() if block.kind in NOTES_DIVS:
                return []  # the presenter's: speaker notes, never on the slide
            case Div():
                return self.div(block, offset, in_box)
            case HtmlBlock():
                text = clean(plain_text(block)).strip()
                return [TextItem((Para((Run(text),)),), offset)] if text else []
            case ThematicBreak():
                return []
        return []

    def paragraph(self, block: Paragraph, offset: int, para: Para | None = None) -> list[Item]:
        out: list[Item] = []
        text = strip_runs(runs(block.children))
        if text or para is not None:
            template = para or Para(())
            out.append(TextItem((attrs.evolve(template, runs=tuple(text)),), offset))
        for image in (node for node in walk(block) if isinstance(node, Image)):
            picture = self.pictures.picture(image.src, self.assets, self.where)
            if picture is None:
                alt = clean(image.alt).strip() or "image not included"
                out.append(TextItem((Para((Run(f"[Image: {alt}]", italic=True),)),), offset))
            else:
                out.append(
                    PictureItem(picture, clean(image.alt).strip(), clean(image.title), offset)
                )
        return out

    def list(self, block: BulletList | OrderedList, offset: int, depth: int) -> list[Item]:
        key = next(self._lists)
        margin = (depth + 1) * LEVEL_INDENT
        out: list[Item] = []
        for index, item in enumerate(block.items):
            number = block.start + index if isinstance(block, OrderedList) else None
            lead = Para(
                (),
                margin=margin,
                indent=-LEVEL_INDENT,
                bullet=None if number is not None else BULLETS[depth % len(BULLETS)],
                number=number,
                list_key=key if number is not None else None,
                space_before=PARAGRAPH_GAP_PT if index == 0 and depth == 0 else 2.0,
                level=depth,
            )
            out += self.list_item(item, offset, depth, lead)
        return out

    def list_item(self, item: ListItem, offset: int, depth: int, lead: Para) -> list[Item]:
        out: list[Item] = []
        children = list(item.children)
        prefix = (Run("☑ " if item.checked else "☐ "),) if item.checked is not None else ()
        first = children[0] if children else None
        if isinstance(first, Paragraph):
            children.pop(0)
            made = self.paragraph(first, offset, lead)
            head = made[0]
            assert isinstance(head, TextItem)
            para = head.paras[0]
            out += [TextItem((attrs.evolve(para, runs=prefix + para.runs),), offset), *made[1:]]
        else:
            out.append(TextItem((attrs.evolve(lead, runs=prefix),), offset))
        for child in children:
            if isinstance(child, BulletList | OrderedList):
                out += self.list(child, offset, depth + 1)
            elif isinstance(child, Paragraph):
                follow = Para((), margin=lead.margin, space_before=2.0, level=depth)
                out += self.paragraph(child, offset, follow)
            else:
                out += self.block(child, offset + lead.margin, in_box=True)
        return out

    def div(self, block: Div, offset: int, in_box: bool) -> list[Item]:
        label = div_label(block.kind)
        head: list[Item] = []
        if label:
            para = Para((Run(label),), size=LABEL_PT, bold=True, color="tx2", space_before=0.0)
            head.append(TextItem((para,), offset if in_box else 0))
        if in_box:  # a box in a box: its label, and its content indented
            return [*head, *self.items(block.children, offset=offset + LEVEL_INDENT, in_box=True)]
        inner = self.items(block.children, in_box=True)
        return [BoxItem(block.kind, tuple(_merged([*head, *inner])), offset)]


def _merged(items: list[Item]) -> list[Item]:
    """Neighbouring text items at one offset as one text frame."""
    out: list[Item] = []
    for item in items:
        last = out[-1] if out else None
        if isinstance(item, TextItem) and isinstance(last, TextItem) and last.offset == item.offset:
            out[-1] = TextItem(last.paras + item.paras, item.offset)
        else:
            out.append(item)
    return out
