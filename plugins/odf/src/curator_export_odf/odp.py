"""The odp writer: the request's deck (``curator_export.deck``) as an OpenDocument
presentation, one ``draw:page`` per slide.

Every slide has its title in a title placeholder (``presentation:class="title"``, what
outline views and screen readers read). A content slide's blocks are stacked down the
body area, each given the height the deck measured for it (``block_lines`` with the writer's
:data:`~curator_export_odf.odp_styles.FIT`): runs of text (paragraphs, lists, headings,
callout labels) share one text frame, the first of them the outline placeholder; code,
tables and figures get frames of their own. A slide whose content is taller than the body
(a paragraph longer than a slide, which the deck cannot cut) gets all its type scaled down
so it fits. Speaker notes go on the slide's notes page, only when the slide has notes (the
deck gives none to students). The institution's name, logo and the slide number are on the
master page; the logo is also on the title slide.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

import attrs
from odf.element import Element
from odf.element import Text as TextNode
from odf.opendocument import OpenDocumentPresentation
from odf.opendocument import __version__ as odfpy_version

from curator_export.branding import contrast_warnings
from curator_export.deck import Slide, SlideKind, block_lines, build_deck
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
    TableCell,
    ThematicBreak,
    plain_text,
)
from curator_export.labels import div_label, language_of
from curator_export.model import Asset
from curator_export.render import Rendered, RenderRequest
from curator_export_odf.build import E, add_text
from curator_export_odf.images import Picture, Pictures, frame
from curator_export_odf.inlines import InlineWriter
from curator_export_odf.metadata import add_metadata
from curator_export_odf.odp_styles import (
    BODY,
    BODY_SIZE,
    CHARACTER_STYLES,
    CODE_SIZE,
    FIT,
    LINE,
    NOTES_SIZE,
    SECTION_TITLE,
    TABLE_SIZE,
    TITLE,
    TITLE_SLIDE_SUBTITLE,
    TITLE_SLIDE_TITLE,
    Box,
    StyleBook,
    add_master,
    notes_page,
    title_size,
)
from curator_export_odf.package import package_bytes
from curator_export_odf.styles import style
from curator_export_odf.theme import palette_for

__all__ = ["write_odp"]

_CODE_FRAMES = {"output": "gr_output", "error": "gr_error"}
#: The height of a line of code (14 pt type, 120 % line spacing), in cm.
_CODE_LINE = CODE_SIZE * 1.2 * 2.54 / 72


@attrs.frozen
class _Piece:
    """A block placed on a slide: ``kind`` is text, code, table or figure; ``lines`` is
    its share of the body; ``label`` is set for the label line of a callout."""

    kind: str
    block: Block | None
    lines: float
    label: str = ""


def write_odp(request: RenderRequest) -> Rendered:
    """Render the request's deck as one ``.odp`` package (see the module docstring)."""
    from curator_export_odf import __version__

    warnings: list[str] = []
    document = OpenDocumentPresentation()
    pictures = Pictures(document, warnings)
    palette = palette_for(request)
    language = language_of(request)
    book = StyleBook(document, palette)
    book.add_fixed(language)
    logo = pictures.logo(request.branding)
    deck = build_deck(request, FIT)
    add_master(document, book, institution=deck.institution, logo=logo)
    add_metadata(document, request, language)
    assets = {parsed.session.id: parsed.session.assets for parsed in request.sessions}
    writer = _SlideWriter(book, pictures, assets)
    for number, slide in enumerate(deck.slides, start=1):
        document.presentation.addElement(writer.page(slide, number, logo))
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


class _SlideWriter:
    def __init__(
        self, book: StyleBook, pictures: Pictures, assets: Mapping[str, Mapping[str, Asset]]
    ) -> None:
        self.book = book
        self.pictures = pictures
        self.assets = assets
        self.session_id: str | None = None
        self.size = BODY_SIZE
        self.frames = 0
        self.inlines = InlineWriter(CHARACTER_STYLES, image=lambda image: None)

    # -- pages --------------------------------------------------------------------------

    def page(self, slide: Slide, number: int, logo: Picture | None) -> Element:
        self.session_id = slide.session_id
        page = E(
            "draw:page",
            {
                "draw:name": f"Slide {number}",
                "draw:style-name": "dp_slide",
                "draw:master-page-name": "Default",
            },
        )
        match slide.kind:
            case SlideKind.TITLE:
                shapes = self.title_slide(slide, logo)
            case SlideKind.SECTION:
                shapes = self.section_slide(slide)
            case _:
                shapes = self.content_slide(slide)
        for shape in shapes:
            page.addElement(shape)
        if slide.notes.strip():
            page.addElement(notes_page(number, *self.notes(slide.notes)))
        return page

    def title_frame(self, title: str, box: Box, *, centred: bool) -> Element:
        role = "title_center" if centred else "title"
        size = title_size(title) + (4 if centred else 0)
        paragraph = E("text:p", {"text:style-name": self.book.paragraph(role, size)})
        add_text(paragraph, title)
        return E(
            "draw:frame",
            {
                "presentation:style-name": "Default-title",
                "presentation:class": "title",
                "draw:name": "Title",
                "draw:text-style-name": self.book.paragraph(role, size),
                **box.attributes(),
            },
            E("draw:text-box", {}, paragraph),
        )

    def title_slide(self, slide: Slide, logo: Picture | None) -> list[Element]:
        shapes = [self.title_frame(slide.title, TITLE_SLIDE_TITLE, centred=True)]
        if slide.subtitle.strip():
            box = E("draw:text-box")
            for line in slide.subtitle.splitlines():
                paragraph = E("text:p", {"text:style-name": self.book.paragraph("subtitle", 20)})
                add_text(paragraph, line)
                box.addElement(paragraph)
            shapes.append(
                E(
                    "draw:frame",
                    {
                        "presentation:style-name": "Default-subtitle",
                        "presentation:class": "subtitle",
                        "draw:name": "Subtitle",
                        **TITLE_SLIDE_SUBTITLE.attributes(),
                    },
                    box,
                )
            )
        if logo is not None:
            width, height = logo.fitted(8.0, 2.6)
            shapes.append(
                frame(
                    logo,
                    width=width,
                    height=height,
                    description="Logo",
                    attributes={
                        "draw:style-name": "gr_plain",
                        "draw:name": "Title logo",
                        **Box((28.0 - width) / 2, 1.3, width, height).attributes(),
                    },
                )
            )
        return shapes

    def section_slide(self, slide: Slide) -> list[Element]:
        rule = Box(SECTION_TITLE.x, SECTION_TITLE.y + SECTION_TITLE.height + 0.2, 6.0, 0.18)
        return [
            self.title_frame(slide.title, SECTION_TITLE, centred=False),
            E(
                "draw:rect",
                {"draw:style-name": "gr_rule", "draw:name": "Rule", **rule.attributes()},
            ),
        ]

    def notes(self, notes: str) -> list[Element]:
        style = self.book.paragraph("notes", NOTES_SIZE)
        paragraphs = []
        for block in notes.strip().split("\n\n"):
            for line in block.splitlines():
                if line.strip():
                    paragraph = E("text:p", {"text:style-name": style})
                    add_text(paragraph, line.strip())
                    paragraphs.append(paragraph)
        return paragraphs

    # -- content slides -----------------------------------------------------------------

    def content_slide(self, slide: Slide) -> list[Element]:
        shapes = [self.title_frame(slide.title, TITLE, centred=False)]
        pieces = list(_pieces(slide.blocks))
        heights, scale = _heights(pieces)
        self.size = BODY_SIZE * scale
        y = BODY.y
        run: list[_Piece] = []
        run_height = 0.0
        outline_written = False
        for piece, lines in zip(pieces, heights, strict=True):
            height = lines * LINE * scale
            if piece.kind == "text":
                run.append(piece)
                run_height += height
                continue
            if run:
                box = Box(BODY.x, y, BODY.width, run_height)
                shapes.append(self.text_frame(run, box, outline=not outline_written))
                outline_written, y, run, run_height = True, y + run_height, [], 0.0
            box = Box(BODY.x, y, BODY.width, height)
            shapes += self.block_frame(piece, box, scale)
            y += height
        if run:
            box = Box(BODY.x, y, BODY.width, run_height)
            shapes.append(self.text_frame(run, box, outline=not outline_written))
        return shapes

    def text_frame(self, pieces: Sequence[_Piece], box: Box, *, outline: bool) -> Element:
        text_box = E("draw:text-box")
        for element in self.text_elements(pieces):
            text_box.addElement(element)
        self.frames += 1
        if outline:
            attributes = {
                "presentation:style-name": "Default-outline1",
                "presentation:class": "outline",
                "draw:name": "Content",
            }
        else:
            attributes = {"draw:style-name": "gr_text", "draw:name": f"Text {self.frames}"}
        return E("draw:frame", attributes | box.attributes(), text_box)

    def text_elements(self, pieces: Iterable[_Piece]) -> list[Element]:
        elements: list[Element] = []
        for piece in pieces:
            if piece.label:
                paragraph = E("text:p", {"text:style-name": self.paragraph_style("label")})
                add_text(paragraph, piece.label)
                elements.append(paragraph)
            elif piece.block is not None:
                elements += self.text_block(piece.block)
        return elements

    def paragraph_style(self, role: str, *, last: bool = False) -> str:
        return self.book.paragraph(role, round(self.size * 2) / 2, last=last)

    def text_block(self, block: Block) -> list[Element]:
        match block:
            case Heading():
                paragraph = E("text:p", {"text:style-name": self.paragraph_style("heading")})
                self.inlines.write(paragraph, block.children)
                return [paragraph]
            case Paragraph():
                paragraph = E("text:p", {"text:style-name": self.paragraph_style("body")})
                self.inlines.write(paragraph, block.children)
                return [paragraph]
            case BulletList() | OrderedList():
                return [self.list_block(block, last=True)]
            case HtmlBlock():
                paragraph = E("text:p", {"text:style-name": self.paragraph_style("body")})
                add_text(paragraph, plain_text(block))
                return [paragraph]
            case CodeBlock():
                paragraph = E("text:p", {"text:style-name": self.paragraph_style("code")})
                add_text(paragraph, block.text)
                return [paragraph]
            case Table():
                return [self.table_as_text(row) for row in (block.header, *block.rows)]
            case Div() | BlockQuote():
                return [element for child in block.children for element in self.text_block(child)]
            case ThematicBreak():
                return []
        raise AssertionError(f"the odp writer has no case for {type(block).__name__}")

    def table_as_text(self, row: Sequence[TableCell]) -> Element:
        paragraph = E("text:p", {"text:style-name": self.paragraph_style("list")})
        for index, cell in enumerate(row):
            if index:
                add_text(paragraph, " | ")
            self.inlines.write(paragraph, cell.children)
        return paragraph

    def list_block(self, block: BulletList | OrderedList, *, last: bool) -> Element:
        ordered = isinstance(block, OrderedList)
        element = E("text:list", {"text:style-name": "L_number" if ordered else "L_bullet"})
        for index, item in enumerate(block.items):
            attributes: dict[str, int] = {}
            if isinstance(block, OrderedList) and index == 0 and block.start != 1:
                attributes["text:start-value"] = max(block.start, 0)
            entry = E("text:list-item", attributes)
            final = last and index == len(block.items) - 1
            for child in self.list_item(item, last=final):
                entry.addElement(child)
            element.addElement(entry)
        return element

    def list_item(self, item: ListItem, *, last: bool) -> list[Element]:
        elements: list[Element] = []
        for position, child in enumerate(item.children):
            final = last and position == len(item.children) - 1
            if isinstance(child, BulletList | OrderedList):
                elements.append(self.list_block(child, last=final))
                continue
            style = self.paragraph_style(
                "code" if isinstance(child, CodeBlock) else "list",
                last=final and not isinstance(child, CodeBlock),
            )
            paragraph = E("text:p", {"text:style-name": style})
            if isinstance(child, Paragraph | Heading):
                self.inlines.write(paragraph, child.children)
            elif isinstance(child, CodeBlock):
                add_text(paragraph, child.text)
            else:
                add_text(paragraph, plain_text(child))
            elements.append(paragraph)
        if not elements or elements[0].tagName != "text:p":
            elements.insert(0, E("text:p", {"text:style-name": self.paragraph_style("list")}))
        if item.checked is not None:
            first = elements[0]
            box = "\u2611 " if item.checked else "\u2610 "
            if first.firstChild is not None:
                first.insertBefore(TextNode(box), first.firstChild)
            else:
                first.addText(box)
        return elements

    # -- frames of their own ------------------------------------------------------------

    def block_frame(self, piece: _Piece, box: Box, scale: float) -> list[Element]:
        block = piece.block
        self.frames += 1
        if isinstance(block, CodeBlock):
            style = self.book.paragraph("code", round(CODE_SIZE * scale * 2) / 2)
            paragraph = E("text:p", {"text:style-name": style})
            add_text(paragraph, block.text)
            # As tall as its lines (wrapped as the deck counts them) and padding need.
            lines = sum(
                max(1, math.ceil(len(line) / FIT.code_chars_per_line))
                for line in block.text.splitlines() or [""]
            )
            height = min(box.height - 0.35 * LINE, lines * _CODE_LINE * scale + 0.45)
            inner = Box(box.x, box.y + 0.1 * LINE, box.width, height)
            return [
                E(
                    "draw:frame",
                    {
                        "draw:style-name": _CODE_FRAMES.get(block.language, "gr_code"),
                        "draw:name": f"Code {self.frames}",
                        **inner.attributes(),
                    },
                    E("draw:text-box", {}, paragraph),
                )
            ]
        if isinstance(block, Table):
            return [self.table(block, box, scale)]
        if isinstance(block, Paragraph):
            return self.figure(block, box)
        return []

    def table(self, table: Table, box: Box, scale: float) -> Element:
        size = round(TABLE_SIZE * scale * 2) / 2
        element = E("table:table", {"table:name": f"Table {self.frames}"})
        for number, width in enumerate(_column_widths(table, box.width), start=1):
            name = f"co_{self.frames}_{number}"
            self.book.document.automaticstyles.addElement(
                style(name, "table-column", column={"style:column-width": f"{width:.3f}cm"})
            )
            element.addElement(E("table:table-column", {"table:style-name": name}))
        rows = (table.header, *table.rows)
        for index, row in enumerate(rows):
            role = "head" if index == 0 else "cell"
            row_element = E("table:table-row")
            for cell in row:
                paragraph = E("text:p", {"text:style-name": self.book.paragraph(role, size)})
                self.inlines.write(paragraph, cell.children)
                row_element.addElement(
                    E(
                        "table:table-cell",
                        {"table:style-name": f"ce_{role}", "office:value-type": "string"},
                        paragraph,
                    )
                )
            element.addElement(row_element)
        # As tall as rows of one line: the office suite makes a row as tall as its text
        # (the deck measured the wrapped text into this block's height) but would stretch
        # every row to fill a taller frame.
        one_line = FIT.table_line_height * LINE * scale + 0.25
        height = min(box.height - 0.4 * LINE * scale, one_line * len(rows))
        return E(
            "draw:frame",
            {
                "draw:style-name": "gr_plain",
                "draw:name": f"Table {self.frames}",
                **Box(box.x, box.y, box.width, height).attributes(),
            },
            element,
        )

    def figure(self, paragraph: Paragraph, box: Box) -> list[Element]:
        """The images of a paragraph side by side, scaled into the box, with the paragraph's
        other text as a caption line below them."""
        images = [node for node in paragraph.children if isinstance(node, Image)]
        rest = [node for node in paragraph.children if not isinstance(node, Image)]
        caption = "".join(plain_text(node) for node in rest).strip()
        image_height = box.height - (LINE if caption else 0.2)
        slot = box.width / max(len(images), 1)
        shapes: list[Element] = []
        assets = self.assets.get(self.session_id or "", {})
        for index, image in enumerate(images):
            picture = self.pictures.find(
                image.src, assets, f"session {self.session_id!r}, slide image"
            )
            if picture is None:
                caption = " ".join(part for part in (image.alt, caption) if part)
                continue
            # Drawings fill their space; photos grow at most twice their size.
            grow = 100.0 if picture.vector else 2.0
            width, height = picture.fitted(slot - 0.3, image_height, grow=grow)
            x = box.x + index * slot + (slot - width) / 2
            shapes.append(
                frame(
                    picture,
                    width=width,
                    height=height,
                    description=image.alt,
                    title=image.title,
                    attributes={
                        "draw:style-name": "gr_plain",
                        "draw:name": f"Image {self.frames}-{index + 1}",
                        **Box(x, box.y, width, height).attributes(),
                    },
                )
            )
        if caption:
            text = E("text:p", {"text:style-name": self.paragraph_style("caption")})
            add_text(text, caption)
            # Below the images; in their place when none could be shown.
            top = box.y + box.height - LINE if shapes else box.y
            caption_box = Box(box.x, top, box.width, LINE)
            shapes.append(
                E(
                    "draw:frame",
                    {
                        "draw:style-name": "gr_text",
                        "draw:name": f"Caption {self.frames}",
                        **caption_box.attributes(),
                    },
                    E("draw:text-box", {}, text),
                )
            )
        return shapes


def _column_widths(table: Table, width: float) -> list[float]:
    """Column widths sharing ``width`` by the length of each column's longest cell (from
    4 to 36 characters), the proportions the deck measures the table's rows with, plus two
    characters each for the cell's padding."""
    weights = []
    for column in range(max(len(table.header), 1)):
        cells = [row[column] for row in (table.header, *table.rows) if column < len(row)]
        longest = max((len(plain_text(cell)) for cell in cells), default=4)
        weights.append(min(max(longest, 4), 36) + 2)
    total = sum(weights)
    return [width * weight / total for weight in weights]


def _heights(pieces: Sequence[_Piece]) -> tuple[list[float], float]:
    """The lines each piece gets, and the scale of the slide's type.

    A slide the deck filled past its height holds a figure it lets shrink (to half its
    height at most) or a paragraph it could not cut: figures give up room first, then all
    the type is scaled down until the content fits the body.
    """
    heights = [piece.lines for piece in pieces]
    overflow = sum(heights) - FIT.lines
    figures = [index for index, piece in enumerate(pieces) if piece.kind == "figure"]
    room = sum(heights[index] / 2 for index in figures)
    if overflow > 0 and room > 0:
        taken = min(overflow, room)
        for index in figures:
            heights[index] -= taken * (heights[index] / 2) / room
        overflow -= taken
    total = sum(heights)
    scale = FIT.lines / total if overflow > 1e-9 and total else 1.0
    return heights, scale


def _pieces(blocks: Iterable[Block]) -> Iterable[_Piece]:
    """A slide's blocks as pieces to stack, callouts and quotations opened up: their label
    (one line, as the deck counts it) and their children."""
    for block in blocks:
        if isinstance(block, Div | BlockQuote):
            # A quotation's extra line is space; a div's is its label.
            label = div_label(block.kind) if isinstance(block, Div) and block.kind else ""
            yield _Piece("text", None, 1.0, label=label)
            yield from _pieces(block.children)
            continue
        lines = block_lines(block, FIT)
        if isinstance(block, CodeBlock):
            yield _Piece("code", block, lines)
        elif isinstance(block, Table):
            yield _Piece("table", block, lines)
        elif isinstance(block, Paragraph) and any(isinstance(n, Image) for n in block.children):
            yield _Piece("figure", block, lines)
        else:
            yield _Piece("text", block, lines)
