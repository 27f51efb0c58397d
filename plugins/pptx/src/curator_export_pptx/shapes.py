"""Laid-out items as native, editable shapes: text frames, code boxes, tables, pictures."""

from __future__ import annotations

import copy
import io
from typing import Any

from pptx.dml.color import RGBColor
from pptx.enum.dml import MSO_THEME_COLOR
from pptx.enum.shapes import MSO_SHAPE
from pptx.oxml.ns import qn
from pptx.text.text import _Run
from pptx.util import Pt

from curator_export.labels import div_label
from curator_export_pptx import ooxml
from curator_export_pptx.flow import (
    ACCENT_BOXES,
    BoxItem,
    CodeItem,
    Para,
    PictureItem,
    TableItem,
    TextItem,
)
from curator_export_pptx.geometry import (
    CODE_INSET,
    CODE_PT,
    INSET_X,
    INSET_Y,
    TABLE_PT,
    line_pitch,
)
from curator_export_pptx.measure import BOX_BAR, Layout, Placed, code_lines
from curator_export_pptx.text import Run, runs, strip_runs

CODE_FONT = "Consolas"
_THEME = {
    "tx1": MSO_THEME_COLOR.TEXT_1,
    "tx2": MSO_THEME_COLOR.TEXT_2,
    "accent1": MSO_THEME_COLOR.ACCENT_1,
    "accent3": MSO_THEME_COLOR.ACCENT_3,
}
#: Code boxes by language: fill, outline (None: no outline), text.
_CODE_STYLES = {
    "output": ("FFFFFF", "9CA3AF", "1F2937"),
    "error": ("FEF2F2", "F87171", "7F1D1D"),
    "warning": ("FFFBEB", "F59E0B", "78350F"),
}
_CODE_DEFAULT = ("F3F4F6", None, "111827")


def render(slide: Any, placed_layout: Layout, placeholder: Any) -> None:
    """Every placed item on ``slide``; the first top-level text goes into the layout's body
    ``placeholder`` (so it shows in the outline), which is removed when nothing uses it."""
    unused = placeholder
    for placed in placed_layout.placed:
        if isinstance(placed.item, TextItem) and unused is not None:
            _text(slide, placed, placed_layout, unused)
            unused = None
        else:
            _item(slide, placed, placed_layout)
    if unused is not None:
        unused._element.getparent().remove(unused._element)


def _item(slide: Any, placed: Placed, placed_layout: Layout) -> None:
    item = placed.item
    if isinstance(item, TextItem):
        _text(slide, placed, placed_layout, None)
    elif isinstance(item, CodeItem):
        _code(slide, placed, item, placed_layout.scale)
    elif isinstance(item, TableItem):
        _table(slide, placed, item, placed_layout)
    elif isinstance(item, PictureItem):
        _picture(slide, placed, item, placed_layout)
    elif isinstance(item, BoxItem):
        _box(slide, placed, item)
        for child in placed.children:
            _item(slide, child, placed_layout)


def _text(slide: Any, placed: Placed, placed_layout: Layout, placeholder: Any) -> None:
    item = placed.item
    assert isinstance(item, TextItem)
    box = placed.box
    if placeholder is not None:
        shape = placeholder
        shape.left, shape.top, shape.width, shape.height = box.left, box.top, box.width, box.height
    else:
        shape = slide.shapes.add_textbox(box.left, box.top, box.width, box.height)
    frame = shape.text_frame
    ooxml.body_format(frame, insets=(INSET_X, INSET_Y, INSET_X, INSET_Y))
    starts: dict[int, int] = {}
    for para in item.paras:
        if para.list_key is not None and para.number is not None:
            starts.setdefault(para.list_key, para.number)
    scale = placed_layout.scale
    for index, para in enumerate(item.paras):
        paragraph = frame.paragraphs[0] if index == 0 else frame.add_paragraph()
        size = para.size * scale
        ooxml.paragraph_format(
            paragraph,
            margin=para.margin,
            indent=para.indent,
            level=para.level,
            bullet=para.bullet,
            number=starts.get(para.list_key) if para.list_key is not None else None,
            space_before_pt=para.space_before * scale if index else 0.0,
            pitch_pt=line_pitch(size),
        )
        _runs(paragraph, para.runs, size, para)
    if placed_layout.overflows:
        ooxml.shrink_on_overflow(frame, scale)


def _runs(
    paragraph: Any, items: tuple[Run, ...] | list[Run], size: float, para: Para | None
) -> None:
    for item in items:
        if item.is_break:
            paragraph.add_line_break()
            continue
        run = paragraph.add_run()
        run.text = item.text
        font = run.font
        font.size = Pt(size)
        if item.bold or (para is not None and para.bold):
            font.bold = True
        if item.italic:
            font.italic = True
        if item.strike:
            run._r.get_or_add_rPr().set("strike", "sngStrike")
        if para is not None and para.color in _THEME:
            font.color.theme_color = _THEME[para.color]
        if item.code:
            code_font(run)
        if item.link:
            run.hyperlink.address = item.link
    if not paragraph.runs:  # an empty paragraph still has the paragraph's type size
        paragraph.font.size = Pt(size)


def code_font(run: Any) -> None:
    run.font.name = CODE_FONT
    latin = run._r.get_or_add_rPr().find(qn("a:latin"))
    latin.set("pitchFamily", "49")  # fixed pitch, modern: substitutes pick a monospace face
    latin.set("charset", "0")


def _code(slide: Any, placed: Placed, item: CodeItem, scale: float) -> None:
    box = placed.box
    shape = slide.shapes.add_textbox(box.left, box.top, box.width, box.height)
    shape.name = f"Code {shape.shape_id - 1}"
    fill, outline, ink = _CODE_STYLES.get(item.language.lower(), _CODE_DEFAULT)
    shape.fill.solid()
    shape.fill.fore_color.rgb = RGBColor.from_string(fill)
    if outline:
        shape.line.color.rgb = RGBColor.from_string(outline)
        shape.line.width = Pt(1)
    frame = shape.text_frame
    ooxml.body_format(frame, insets=(CODE_INSET, CODE_INSET, CODE_INSET, CODE_INSET))
    size = CODE_PT * scale
    # Every line of a code box is the same paragraph but for its text: the first line with
    # text and the first empty one are made with python-pptx, the others are copies of them
    # (python-pptx's property machinery cost more than the rest of a code box).
    made: dict[bool, Any] = {}
    tx_body = frame._txBody
    for index, line in enumerate(code_lines(item.text)):
        model = made.get(bool(line))
        if model is not None:
            copied = copy.deepcopy(model)
            tx_body.append(copied)
            if line:
                _Run(copied.r_lst[0], None).text = line
            continue
        paragraph = frame.paragraphs[0] if index == 0 else frame.add_paragraph()
        ooxml.paragraph_format(paragraph, pitch_pt=line_pitch(size))
        if line:
            run = paragraph.add_run()
            run.text = line
            run.font.size = Pt(size)
            run.font.color.rgb = RGBColor.from_string(ink)
            code_font(run)
        else:
            paragraph.font.size = Pt(size)
        made[bool(line)] = paragraph._p


def _table(slide: Any, placed: Placed, item: TableItem, placed_layout: Layout) -> None:
    box, source, scale = placed.box, item.table, placed_layout.scale
    rows = (source.header, *source.rows)
    widths = placed_layout.measure.column_widths(source, box.width)
    heights = placed_layout.measure.row_heights(source, box.width, scale)
    frame = slide.shapes.add_table(
        len(rows), len(widths), box.left, box.top, box.width, sum(heights)
    )
    table = frame.table
    for column, width in enumerate(widths):
        table.columns[column].width = width
    size = TABLE_PT * scale
    for number, row in enumerate(rows):
        table.rows[number].height = heights[number]
        for column in range(len(widths)):
            cell = table.cell(number, column)
            paragraph = cell.text_frame.paragraphs[0]
            align = source.alignments[column] if column < len(source.alignments) else None
            ooxml.paragraph_format(paragraph, pitch_pt=line_pitch(size), align=_align(align))
            content = strip_runs(runs(row[column].children)) if column < len(row) else []
            _runs(paragraph, content, size, None)


def _align(name: str | None) -> str | None:
    return {"center": "ctr", "right": "r", "left": "l"}.get(name or "")


def _picture(slide: Any, placed: Placed, item: PictureItem, placed_layout: Layout) -> None:
    box = placed.box
    width, height = placed_layout.measure.picture_size(item, box.width, box.height)
    left = box.left + (box.width - width) // 2
    picture = slide.shapes.add_picture(io.BytesIO(item.picture.data), left, box.top, width, height)
    picture.name = f"Picture {picture.shape_id - 1}"
    # python-pptx puts the image's file name in descr: the alt text replaces it.
    ooxml.describe(picture, item.alt, decorative=not item.alt, title=item.title)


def _box(slide: Any, placed: Placed, item: BoxItem) -> None:
    box = placed.box
    color = MSO_THEME_COLOR.ACCENT_3 if item.kind in ACCENT_BOXES else MSO_THEME_COLOR.ACCENT_1
    label = div_label(item.kind) if item.kind else "Box"
    background = slide.shapes.add_shape(
        MSO_SHAPE.RECTANGLE, box.left, box.top, box.width, box.height
    )
    background.name = f"{label} box"
    background.fill.solid()
    background.fill.fore_color.theme_color = color
    background.fill.fore_color.brightness = 0.88
    background.line.fill.background()
    _unstyled(background)
    ooxml.describe(background, "", decorative=True)
    bar = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, box.left, box.top, BOX_BAR, box.height)
    bar.name = f"{label} bar"
    bar.fill.solid()
    bar.fill.fore_color.theme_color = color
    bar.line.fill.background()
    _unstyled(bar)
    ooxml.describe(bar, "", decorative=True)


def _unstyled(shape: Any) -> None:
    """No theme style on a plain rectangle: the style's effect is a shadow in LibreOffice
    even when the shape says it has none."""
    style = shape._element.find(qn("p:style"))
    if style is not None:
        shape._element.remove(style)
