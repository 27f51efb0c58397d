"""One content item's document tree as ODF text: headings, paragraphs, lists, tables,
code, figures, quotations and callouts.

Headings move below the item's own heading with no level skipped (as on the HTML page).
Fenced divs become named ``text:section``s with a tinted background and a label paragraph
(``Challenge``, ``Solution``, ``Instructor note`` ...). ODF lets a list item hold only
paragraphs, headings and lists: a table or callout inside a list item goes into a frame in
the item's paragraph, and a div's children are written into the list directly.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

import attrs
from odf.element import Element
from odf.element import Text as TextNode
from odf.namespaces import TEXTNS
from odf.text import P

from curator_export.document import (
    Block,
    BlockQuote,
    BulletList,
    CodeBlock,
    Div,
    Document,
    Heading,
    HtmlBlock,
    Image,
    ListItem,
    OrderedList,
    Paragraph,
    SoftBreak,
    Span,
    Table,
    Text,
    ThematicBreak,
    plain_text,
    walk,
)
from curator_export.labels import DIV_LABELS, div_label
from curator_export.model import Asset
from curator_export_odf.build import E, add_text
from curator_export_odf.images import Pictures, frame
from curator_export_odf.inlines import InlineWriter, raw_images
from curator_export_odf.odt_styles import CHARACTER_STYLES, callout_kind
from curator_export_odf.styles import style

__all__ = ["Context", "DocumentNames", "ItemBlocks"]

#: The width a callout's frame (padding and rule) takes from its content, in cm.
FRAME_INSET = 0.65
#: The deepest outline level ODF has.
MAX_LEVEL = 10
#: Figures are never taller than this (cm), so one fits on a page with its caption.
MAX_FIGURE_HEIGHT = 12.0
_LIST_INDENT = 0.635
_IN_LIST_ITEM = frozenset({"text:p", "text:h", "text:list"})
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9_.-]+")
_CODE_STYLES = {"output": "Code_20_Output", "error": "Code_20_Error"}


class DocumentNames:
    """Names that must be unique in the whole document: bookmarks, sections, tables, frames."""

    def __init__(self) -> None:
        self.used: set[str] = set()
        self.counters: dict[str, int] = {}

    def unique(self, base: str) -> str:
        base = _UNSAFE_NAME.sub("-", base).strip("-") or "section"
        candidate, number = base, 0
        while candidate in self.used:
            number += 1
            candidate = f"{base}-{number}"
        self.used.add(candidate)
        return candidate

    def numbered(self, prefix: str) -> str:
        """``prefix 1``, ``prefix 2`` ... (section, table and frame names users see)."""
        number = self.counters.get(prefix, 0) + 1
        self.counters[prefix] = number
        return self.unique(f"{prefix} {number}").replace("-", " ")


@attrs.frozen
class Context:
    """Where blocks are written: the paragraph style, the width they get, in a list or not."""

    paragraph_style: str = "Text_20_body"
    width: float = 17.0
    in_list: bool = False


class ItemBlocks:
    """Writes the blocks of one item (see the module docstring)."""

    def __init__(
        self,
        document: Document,
        *,
        names: DocumentNames,
        prefix: str,
        base_level: int,
        assets: Mapping[str, Asset],
        pictures: Pictures,
        source: str,
        div_labels: Mapping[str, str] = DIV_LABELS,
    ) -> None:
        self.names = names
        self.assets = assets
        self.pictures = pictures
        self.source = source
        self.div_labels = div_labels
        self.base_level = base_level
        self.last_level = base_level - 1
        levels = [node.level for node in walk(document) if isinstance(node, Heading)]
        self.shift = base_level - min(levels) if levels else 0
        # Known before writing, so that a link may point forward to a heading.
        self.targets: dict[str, str] = {}
        for node in walk(document):
            ident = _node_id(node)
            if ident and ident not in self.targets:
                self.targets[ident] = names.unique(f"{prefix}-{ident}")
        self.written: set[str] = set()
        self.width = Context().width
        self.inlines = InlineWriter(
            CHARACTER_STYLES,
            image=self.inline_image,
            internal_link=self.targets.get,
            bookmark=self.bookmark,
        )

    # -- names and levels -------------------------------------------------------------

    def bookmark(self, ident: str) -> str | None:
        """The bookmark of a source id, the first time it is written."""
        if ident in self.targets and ident not in self.written:
            self.written.add(ident)
            return self.targets[ident]
        return None

    def heading_level(self, level: int) -> int:
        wanted = max(self.base_level, min(level + self.shift, MAX_LEVEL))
        self.last_level = min(wanted, self.last_level + 1)
        return self.last_level

    # -- blocks -----------------------------------------------------------------------

    def blocks(self, blocks: Iterable[Block], context: Context) -> list[Element]:
        return [element for block in blocks for element in self.block(block, context)]

    def block(self, block: Block, context: Context) -> list[Element]:
        match block:
            case Heading():
                return [self.heading(block)]
            case Paragraph():
                return self.paragraph(block, context)
            case BulletList() | OrderedList():
                return [self.list_block(block, context)]
            case CodeBlock():
                style = _CODE_STYLES.get(block.language, "Preformatted_20_Text")
                code = E("text:p", {"text:style-name": style})
                add_text(code, block.text)
                return [code]
            case Table():
                return self.framed([self.table(block, context)], context)
            case BlockQuote():
                return self.blocks(
                    block.children, attrs.evolve(context, paragraph_style="Quotations")
                )
            case ThematicBreak():
                return [E("text:p", {"text:style-name": "Horizontal_20_Line"})]
            case Div():
                return self.div(block, context)
            case HtmlBlock():
                # Its text, then its images (the tags themselves are never copied).
                elements = []
                text = plain_text(block)
                if text:
                    paragraph = E("text:p", {"text:style-name": context.paragraph_style})
                    add_text(paragraph, text)
                    elements.append(paragraph)
                images = raw_images(block.safe_html)
                return elements + (self.figure(images, context) if images else [])
        raise AssertionError(f"the odt writer has no case for {type(block).__name__}")

    def heading(self, heading: Heading) -> Element:
        level = self.heading_level(heading.level)
        element = E(
            "text:h",
            {"text:style-name": f"Heading_20_{level}", "text:outline-level": level},
        )
        name = self.bookmark(heading.id)
        if name:
            element.addElement(E("text:bookmark", {"text:name": name}))
        self.inlines.write(element, heading.children)
        return element

    def paragraph(self, paragraph: Paragraph, context: Context) -> list[Element]:
        self.width = context.width
        images = [node for node in paragraph.children if isinstance(node, Image)]
        if images and all(_blank(node) for node in paragraph.children if node not in images):
            return self.figure(images, context)
        element = E("text:p", {"text:style-name": context.paragraph_style})
        self.inlines.write(element, paragraph.children)
        return [element]

    def figure(self, images: Sequence[Image], context: Context) -> list[Element]:
        """A paragraph of images alone: centred, with the label as caption when it says more
        than the alt text (pandoc makes such an image a figure)."""
        self.width = context.width / len(images)
        figure = E("text:p", {"text:style-name": "Figure"})
        self.inlines.write(figure, images)
        elements = [figure]
        for image in images:
            caption = plain_text(Paragraph(image.children)).strip()
            if caption and caption != image.alt.strip():
                paragraph = E("text:p", {"text:style-name": "Caption"})
                self.inlines.write(paragraph, image.children)
                elements.append(paragraph)
        return elements

    def inline_image(self, image: Image) -> Element | None:
        picture = self.pictures.find(image.src, self.assets, self.source)
        if picture is None:
            return None
        width, height = picture.fitted(max(self.width - 0.2, 1.0), MAX_FIGURE_HEIGHT)
        return frame(
            picture,
            width=width,
            height=height,
            description=image.alt,
            title=image.title,
            attributes={
                "draw:style-name": "Graphics",
                "draw:name": self.names.numbered("Image"),
                "text:anchor-type": "as-char",
            },
        )

    def list_block(self, block: BulletList | OrderedList, context: Context) -> Element:
        style = "Numbering_20_123" if isinstance(block, OrderedList) else "List_20_Bullet"
        element = E("text:list", {"text:style-name": style})
        inner = Context(
            paragraph_style="List_20_Tight" if block.tight else "List_20_Loose",
            width=max(context.width - _LIST_INDENT, 4.0),
            in_list=True,
        )
        for index, item in enumerate(block.items):
            attributes: dict[str, str | int] = {}
            if isinstance(block, OrderedList) and index == 0 and block.start != 1:
                attributes["text:start-value"] = max(block.start, 0)
            entry = E("text:list-item", attributes)
            for child in self.list_item(item, inner):
                entry.addElement(child)
            element.addElement(entry)
        if not context.in_list:
            _space_after(element)
        return element

    def list_item(self, item: ListItem, context: Context) -> list[Element]:
        children = self.blocks(item.children, context)
        if not children or children[0].tagName != "text:p":
            children.insert(0, E("text:p", {"text:style-name": context.paragraph_style}))
        if item.checked is not None:
            box = "\u2611 " if item.checked else "\u2610 "
            first = children[0]
            if first.firstChild is not None:
                first.insertBefore(TextNode(box), first.firstChild)
            else:
                first.addText(box)
        return children

    def framed(self, elements: list[Element], context: Context) -> list[Element]:
        """``elements`` as they are, or in a frame of a paragraph inside a list item."""
        if not context.in_list or all(e.tagName in _IN_LIST_ITEM for e in elements):
            return elements
        box = E("draw:text-box", {"fo:min-height": "0.5cm"})
        for element in elements:
            box.addElement(element)
        holder = E(
            "draw:frame",
            {
                "draw:style-name": "Graphics",
                "draw:name": self.names.numbered("Frame"),
                "text:anchor-type": "as-char",
                "svg:width": f"{context.width:.3f}cm",
            },
            box,
        )
        return [E("text:p", {"text:style-name": context.paragraph_style}, holder)]

    def table(self, table: Table, context: Context) -> Element:
        name = self.names.numbered("Table")
        columns = max(len(table.header), 1)
        style_name = _UNSAFE_NAME.sub("_", name)
        element = E("table:table", {"table:name": name, "table:style-name": style_name})
        self.table_styles(style_name, context.width, columns)
        element.addElement(
            E(
                "table:table-column",
                {
                    "table:style-name": f"{style_name}.A",
                    "table:number-columns-repeated": columns,
                },
            )
        )
        cell_width = context.width / columns - 0.2
        header = E(
            "table:table-header-rows",
            {},
            self.row(table.header, table, heading=True, cell_width=cell_width),
        )
        element.addElement(header)
        for row in table.rows:
            element.addElement(self.row(row, table, heading=False, cell_width=cell_width))
        return element

    def table_styles(self, name: str, width: float, columns: int) -> None:
        automatic = self.pictures.document.automaticstyles
        automatic.addElement(
            style(
                name,
                "table",
                table={
                    "style:width": f"{width:.3f}cm",
                    "table:align": "margins",
                    "fo:margin-top": "0.1cm",
                    "fo:margin-bottom": "0.3cm",
                },
            )
        )
        automatic.addElement(
            style(
                f"{name}.A",
                "table-column",
                column={"style:column-width": f"{width / columns:.3f}cm"},
            )
        )

    def row(
        self, cells: Sequence[object], table: Table, *, heading: bool, cell_width: float
    ) -> Element:
        row = E("table:table-row")
        self.width = cell_width
        for column, cell in enumerate(cells):
            align = table.alignments[column] if column < len(table.alignments) else None
            if heading:
                paragraph_style = "Table_20_Heading"
            else:
                paragraph_style = {"center": "Table_20_Center", "right": "Table_20_Right"}.get(
                    align or "", "Table_20_Contents"
                )
            paragraph = E("text:p", {"text:style-name": paragraph_style})
            self.inlines.write(paragraph, getattr(cell, "children", ()))
            row.addElement(
                E(
                    "table:table-cell",
                    {
                        "table:style-name": "Table_20_Head_20_Cell" if heading else "Table_20_Cell",
                        "office:value-type": "string",
                    },
                    paragraph,
                )
            )
        return row

    def div(self, div: Div, context: Context) -> list[Element]:
        children: list[Element] = []
        if div.kind:
            label = E("text:p", {"text:style-name": f"Callout_20_Label_{callout_kind(div.kind)}"})
            name = self.bookmark(div.attr.id) if div.attr.id else None
            if name:
                label.addElement(E("text:bookmark", {"text:name": name}))
            add_text(label, div_label(div.kind, self.div_labels))
            children.append(label)
        if context.in_list:
            return children + self.blocks(div.children, context)
        if not div.kind:
            return children + self.blocks(div.children, context)
        # A named section (what pandoc makes of a div) with a frame around it.
        inner = attrs.evolve(context, width=context.width - FRAME_INSET)
        children += self.blocks(div.children, inner)
        name = self.names.numbered(div_label(div.kind, self.div_labels))
        return [self.framed_section(name, div.kind, children, context.width)]

    def framed_section(
        self, name: str, kind: str, children: Sequence[Element], width: float
    ) -> Element:
        """A named section holding a table of one cell, tinted and ruled for ``kind``,
        that holds ``children``: ODF sections have neither borders nor padding."""
        table_style = _UNSAFE_NAME.sub("_", f"{name} frame")
        self.table_styles(table_style, width, 1)
        cell = E(
            "table:table-cell",
            {
                "table:style-name": f"Callout_20_Frame_{callout_kind(kind)}",
                "office:value-type": "string",
            },
        )
        for child in children:
            cell.addElement(child)
        table = E(
            "table:table",
            {"table:name": f"{name} frame", "table:style-name": table_style},
            E("table:table-column", {"table:style-name": f"{table_style}.A"}),
            E("table:table-row", {"table:style-name": "Callout_20_Row"}, cell),
        )
        return E("text:section", {"text:name": name}, table)


def _space_after(element: Element) -> None:
    """Give the last paragraph of a tight list the space a paragraph has after it."""
    paragraphs = element.getElementsByType(P)
    if paragraphs and paragraphs[-1].getAttrNS(TEXTNS, "style-name") == "List_20_Tight":
        paragraphs[-1].setAttrNS(TEXTNS, "style-name", "List_20_Tight_20_Last")


def _blank(node: object) -> bool:
    return isinstance(node, SoftBreak) or (isinstance(node, Text) and not node.text.strip())


def _node_id(node: object) -> str:
    match node:
        case Heading(id=ident):
            return ident
        case Div() | Span():
            return node.attr.id
    return ""
