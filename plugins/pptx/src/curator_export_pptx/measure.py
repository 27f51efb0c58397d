"""Heights and places of a slide's items, and type made smaller where they do not fit.

Text is wrapped word by word with the deck's :class:`~curator_export_pptx.geometry.Metrics`
and stacked at an exact line pitch, so a frame's height is known before the viewer lays it
out. Pictures are flexible: they take what the text leaves, between half and all of their
usual height (never more than 1.5 times their natural size). When even that does not fit,
all type is set smaller, step by step; below the last step the frames shrink on overflow.
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from curator_export.document import Table
from curator_export_pptx.flow import BoxItem, CodeItem, Item, Para, PictureItem, TableItem, TextItem
from curator_export_pptx.geometry import (
    BOX_PAD,
    CODE_INSET,
    CODE_PT,
    EMU_PER_PT,
    INSET_X,
    INSET_Y,
    PROSE_EM,
    SHAPE_GAP,
    TABLE_PT,
    Box,
    Metrics,
    Piece,
    char_em,
    inches,
    line_pitch,
    wrapped_lines,
)
from curator_export_pptx.text import Run, clean, runs, strip_runs

#: Bar at the left edge of a box.
BOX_BAR = inches(0.06)
#: Table cell margins (PowerPoint's defaults).
CELL_X = inches(0.1)
CELL_Y = inches(0.05)
#: Pixels to EMU at the natural 96 dpi.
EMU_PER_PX = 9525
#: A picture may be shown at most this much larger than its natural size ...
MAX_UPSCALE = 1.5
#: ... and, to make room for text, as small as this part of its usual height.
MIN_PICTURE = 0.5
#: Type is made smaller in these steps, down to the last, before shrink-on-overflow is set.
SCALES = (1.0, 0.95, 0.9, 0.85, 0.8, 0.75, 0.7, 0.65, 0.6)


def pt(value: float) -> int:
    return round(value * EMU_PER_PT)


def code_lines(text: str) -> list[str]:
    return [clean(line.expandtabs(4)) for line in text.split("\n")] or [""]


@attrs.frozen
class Placed:
    """An item and the box it fills (a picture is centred in its box at its own size)."""

    item: Item
    box: Box
    children: tuple[Placed, ...] = ()


@attrs.frozen
class Layout:
    placed: tuple[Placed, ...]
    scale: float
    #: Whether even the smallest type did not fit: text frames shrink on overflow then.
    overflows: bool
    measure: Measure


@attrs.frozen
class Measure:
    """Heights of items in the deck's metrics; ``image_height`` is a picture's usual height."""

    metrics: Metrics
    image_height: int

    # -- text ---------------------------------------------------------------------------------

    def pieces(self, items: Sequence[Run], *, bold: bool = False) -> list[Piece]:
        """Runs as pieces of text to measure, each in its style."""
        return [
            (run.text, "mono" if run.code else "bold" if run.bold or bold else "regular")
            for run in items
        ]

    def lines(self, items: Sequence[Run], width: int, size: float, *, bold: bool = False) -> int:
        return wrapped_lines(self.pieces(items, bold=bold), width, size, self.metrics.body_factor)

    def para_height(self, para: Para, width: int, scale: float, first: bool) -> float:
        """Points a paragraph takes in a frame ``width`` wide (insets not counted)."""
        size = para.size * scale
        lines = self.lines(para.runs, width - para.margin, size, bold=para.bold)
        return (0.0 if first else para.space_before * scale) + lines * line_pitch(size)

    def text_height(self, item: TextItem, width: int, scale: float) -> int:
        inner = width - 2 * INSET_X
        points = sum(
            self.para_height(para, inner, scale, index == 0)
            for index, para in enumerate(item.paras)
        )
        return 2 * INSET_Y + pt(points)

    def code_height(self, item: CodeItem, width: int, scale: float) -> int:
        size = CODE_PT * scale
        lines = wrapped_lines(
            [("\n".join(code_lines(item.text)), "mono")], width - 2 * CODE_INSET, size
        )
        return 2 * CODE_INSET + pt(lines * line_pitch(size))

    # -- tables -------------------------------------------------------------------------------

    def column_widths(self, table: Table, width: int) -> list[int]:
        """Column widths by the width of their longest cell, within reason."""
        cells = _cell_runs(table)
        weights = []
        for column in range(len(table.header)):
            longest = max(
                (
                    sum(
                        char_em(char, style)
                        for text, style in self.pieces(row[column], bold=number == 0)
                        for char in text
                    )
                    for number, row in enumerate(cells)
                    if column < len(row)
                ),
                default=0.0,
            )
            # In average characters (PROSE_EM wide), between 4 and 36 of them.
            weights.append(min(max(longest / PROSE_EM, 4.0), 36.0))
        total = sum(weights) or 1.0
        widths = [int(width * weight / total) for weight in weights]
        widths[-1] += width - sum(widths)
        return widths

    def row_heights(self, table: Table, width: int, scale: float) -> list[int]:
        size = TABLE_PT * scale
        widths = self.column_widths(table, width)
        heights = []
        for number, row in enumerate(_cell_runs(table)):
            lines = max(
                (
                    self.lines(cell, widths[column] - 2 * CELL_X, size, bold=number == 0)
                    for column, cell in enumerate(row[: len(widths)])
                ),
                default=1,
            )
            heights.append(2 * CELL_Y + pt(lines * line_pitch(size)))
        return heights

    # -- pictures -----------------------------------------------------------------------------

    def picture_size(self, item: PictureItem, width: int, height: int) -> tuple[int, int]:
        """The picture's size within ``width`` × ``height``, its proportions kept."""
        natural_w = item.picture.width_px * EMU_PER_PX
        natural_h = item.picture.height_px * EMU_PER_PX
        factor = min(width / natural_w, height / natural_h, MAX_UPSCALE)
        return max(int(natural_w * factor), 1), max(int(natural_h * factor), 1)

    # -- any item -----------------------------------------------------------------------------

    def height(self, item: Item, width: int, scale: float, pictures: float) -> int:
        """``item``'s height; ``pictures`` is the part of their usual height pictures get."""
        match item:
            case TextItem():
                return self.text_height(item, width, scale)
            case CodeItem():
                return self.code_height(item, width, scale)
            case TableItem():
                return sum(self.row_heights(item.table, width, scale))
            case PictureItem():
                return self.picture_size(item, width, int(self.image_height * pictures))[1]
            case BoxItem():
                inner = width - 2 * BOX_PAD - BOX_BAR
                heights = [
                    self.height(child, inner - child.offset, scale, pictures)
                    for child in item.items
                ]
                return 2 * BOX_PAD + sum(heights) + SHAPE_GAP * max(len(heights) - 1, 0)
        raise AssertionError(type(item))

    def layout(self, items: Sequence[Item], body: Box) -> Layout:
        """Items stacked from the top of ``body``: pictures smaller first, then type smaller,
        until they fit; room left over goes to the pictures."""
        attempts = [(1.0, 1.0), (1.0, MIN_PICTURE)] + [(s, MIN_PICTURE) for s in SCALES[1:]]
        for scale, pictures in attempts:
            heights = [
                self.height(item, body.width - item.offset, scale, pictures) for item in items
            ]
            total = sum(heights) + SHAPE_GAP * max(len(items) - 1, 0)
            if total <= body.height:
                break
        overflows = total > body.height
        spare = max(body.height - total, 0)
        flexible = [i for i, item in enumerate(items) if isinstance(item, PictureItem)]
        for count, index in enumerate(flexible):
            item = items[index]
            assert isinstance(item, PictureItem)
            share = spare // (len(flexible) - count)
            width = body.width - item.offset
            grown = self.picture_size(item, width, heights[index] + share)[1]
            grown = max(grown, heights[index])
            spare -= grown - heights[index]
            heights[index] = grown
        placed, top = [], body.top
        for item, height in zip(items, heights, strict=True):
            box = Box(body.left + item.offset, top, body.width - item.offset, height)
            placed.append(self._place(item, box, scale, pictures))
            top += height + SHAPE_GAP
        return Layout(tuple(placed), scale, overflows, self)

    def _place(self, item: Item, box: Box, scale: float, pictures: float) -> Placed:
        if not isinstance(item, BoxItem):
            return Placed(item, box)
        left = box.left + BOX_PAD + BOX_BAR
        inner = box.width - 2 * BOX_PAD - BOX_BAR
        children, top = [], box.top + BOX_PAD
        for child in item.items:
            width = inner - child.offset
            height = self.height(child, width, scale, pictures)
            children.append(
                self._place(child, Box(left + child.offset, top, width, height), scale, pictures)
            )
            top += height + SHAPE_GAP
        return Placed(item, box, tuple(children))


def _cell_runs(table: Table) -> list[list[list[Run]]]:
    return [
        [strip_runs(runs(cell.children)) for cell in row] for row in (table.header, *table.rows)
    ]
