"""Where things go on a slide, and how much text fits there, in EMU and points.

Text is measured with the advance widths of DejaVu Sans (regular and bold), character by
character, and wrapped at word boundaries: DejaVu is what LibreOffice falls back to when a
deck's font is missing, and it is wider than Calibri, Arial or Helvetica, so text measured
this way fits wherever the deck is shown. Fonts known to be wider still (Verdana) and fonts
not known at all are measured wider by a factor. Body text uses an exact line pitch
(1.2 × its size) so that a paragraph's height does not depend on the face the viewer uses.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Sequence

import attrs

from curator_export.deck import SlideFit

EMU_PER_INCH = 914400
EMU_PER_PT = 12700

#: Advance widths, in ems, of the printable ASCII characters (space to tilde) in DejaVu Sans.
_REGULAR = (
    0.32, 0.40, 0.46, 0.84, 0.64, 0.95, 0.78, 0.27, 0.39, 0.39, 0.50, 0.84, 0.32, 0.36, 0.32, 0.34,
    0.64, 0.64, 0.64, 0.64, 0.64, 0.64, 0.64, 0.64, 0.64, 0.64, 0.34, 0.34, 0.84, 0.84, 0.84, 0.53,
    1.00, 0.68, 0.69, 0.70, 0.77, 0.63, 0.58, 0.77, 0.75, 0.29, 0.29, 0.66, 0.56, 0.86, 0.75, 0.79,
    0.60, 0.79, 0.69, 0.63, 0.61, 0.73, 0.68, 0.99, 0.69, 0.61, 0.69, 0.39, 0.34, 0.39, 0.84, 0.50,
    0.50, 0.61, 0.63, 0.55, 0.63, 0.62, 0.35, 0.63, 0.63, 0.28, 0.28, 0.58, 0.28, 0.97, 0.63, 0.61,
    0.63, 0.63, 0.41, 0.52, 0.39, 0.63, 0.59, 0.82, 0.59, 0.59, 0.52, 0.64, 0.34, 0.64, 0.84,
)  # fmt: skip
#: The same in DejaVu Sans Bold.
_BOLD = (
    0.35, 0.46, 0.52, 0.84, 0.70, 1.00, 0.87, 0.31, 0.46, 0.46, 0.52, 0.84, 0.38, 0.42, 0.38, 0.37,
    0.70, 0.70, 0.70, 0.70, 0.70, 0.70, 0.70, 0.70, 0.70, 0.70, 0.40, 0.40, 0.84, 0.84, 0.84, 0.58,
    1.00, 0.77, 0.76, 0.73, 0.83, 0.68, 0.68, 0.82, 0.84, 0.37, 0.37, 0.77, 0.64, 1.00, 0.84, 0.85,
    0.73, 0.85, 0.77, 0.72, 0.68, 0.81, 0.77, 1.10, 0.77, 0.72, 0.73, 0.46, 0.37, 0.46, 0.84, 0.50,
    0.50, 0.67, 0.72, 0.59, 0.72, 0.68, 0.44, 0.72, 0.71, 0.34, 0.34, 0.67, 0.34, 1.04, 0.71, 0.69,
    0.72, 0.72, 0.49, 0.60, 0.48, 0.71, 0.65, 0.92, 0.65, 0.65, 0.58, 0.71, 0.37, 0.71, 0.84,
)  # fmt: skip
#: Other characters: accented letters and punctuation, and wide (CJK, emoji) ones.
_OTHER = {"regular": 0.66, "bold": 0.73, "mono": 0.61}
_WIDE = 1.0
#: Every character of a monospace face (Consolas 0.55, Menlo 0.6, DejaVu Sans Mono 0.602).
MONO_EM = 0.61
#: Average width of prose characters in DejaVu Sans, for the deck's characters per line.
PROSE_EM = 0.5
#: How much wider than DejaVu Sans a body font sets text (1.0: as wide or narrower). A
#: font not listed is taken as 8 % wider.
_AS_WIDE_AS_DEJAVU = (
    "calibri", "carlito", "arial", "helvetica", "liberation sans", "arimo", "cambria",
    "times new roman", "times", "liberation serif", "source sans pro", "segoe ui", "roboto",
    "lato", "open sans", "noto sans", "dejavu sans", "dejavu serif", "tahoma", "trebuchet ms",
    "gill sans", "garamond", "palatino", "book antiqua",
)  # fmt: skip
FONT_FACTORS = dict.fromkeys(_AS_WIDE_AS_DEJAVU, 1.0) | {"georgia": 1.03, "verdana": 1.06}
UNKNOWN_FONT_FACTOR = 1.08
#: Measured text is taken this much wider still: kerning and hinting differ between viewers.
SLACK = 1.02


def char_em(char: str, style: str) -> float:
    """The width of ``char`` in ems; ``style`` is regular, bold or mono."""
    code = ord(char)
    if code >= 0x1100 and _is_wide(code):
        return _WIDE * (1.2 if style == "mono" else 1.0)
    if style == "mono":
        return MONO_EM
    if 32 <= code < 127:
        return (_BOLD if style == "bold" else _REGULAR)[code - 32]
    return _OTHER[style]


def _is_wide(code: int) -> bool:
    return (
        0x1100 <= code <= 0x115F
        or 0x2E80 <= code <= 0xA4CF
        or 0xAC00 <= code <= 0xD7A3
        or 0xF900 <= code <= 0xFAFF
        or 0xFE30 <= code <= 0xFE4F
        or 0xFF00 <= code <= 0xFF60
        or 0xFFE0 <= code <= 0xFFE6
        or code >= 0x1F000
    )


@attrs.frozen
class Metrics:
    """How wide the deck's fonts set text, relative to DejaVu Sans."""

    body_factor: float = 1.0
    heading_factor: float = 1.0

    @classmethod
    def for_fonts(cls, heading: str | None, body: str | None) -> Metrics:
        return cls(font_factor(body), font_factor(heading))

    @property
    def prose_em(self) -> float:
        return PROSE_EM * self.body_factor


def font_factor(family: str | None) -> float:
    return FONT_FACTORS.get((family or "").strip().lower(), UNKNOWN_FONT_FACTOR)


#: Line pitch as a multiple of the font size.
LINE_PITCH = 1.2
#: Default insets of a text frame (python-pptx and PowerPoint: 0.1 in left and right,
#: 0.05 in top and bottom).
INSET_X = 91440
INSET_Y = 45720

BODY_PT = 20.0
CODE_PT = 14.0
TABLE_PT = 16.0
SUBHEADING_PT = 22.0
LABEL_PT = 16.0
#: Space between two paragraphs of one text frame, and between two shapes.
PARAGRAPH_GAP_PT = 6.0
SHAPE_GAP = int(0.1 * EMU_PER_INCH)
#: Indentation of one list level.
LEVEL_INDENT = int(0.35 * EMU_PER_INCH)
#: Padding inside a box (callout, objectives...) and inside a code block.
BOX_PAD = int(0.12 * EMU_PER_INCH)
CODE_INSET = int(0.1 * EMU_PER_INCH)


def inches(value: float) -> int:
    return round(value * EMU_PER_INCH)


def pt_to_emu(value: float) -> int:
    return round(value * EMU_PER_PT)


@attrs.frozen
class Box:
    left: int
    top: int
    width: int
    height: int

    @property
    def bottom(self) -> int:
        return self.top + self.height

    @property
    def right(self) -> int:
        return self.left + self.width


@attrs.frozen
class Geometry:
    """The places of a deck's slides (from its template) and the type sizes of the body."""

    width: int
    height: int
    title: Box
    body: Box
    title_pt: float = 32.0
    metrics: Metrics = Metrics()

    def fit(self) -> SlideFit:
        """The deck's :class:`SlideFit` for this body box, in body lines of ``BODY_PT``."""
        pitch = BODY_PT * LINE_PITCH
        usable = (self.body.height - 2 * INSET_Y) / EMU_PER_PT
        text_width = self.body.width - 2 * INSET_X
        code_width = self.body.width - 2 * CODE_INSET
        em = self.metrics.prose_em
        # deck.py counts characters with ceil(len / width): leave room for word wrapping.
        return SlideFit(
            lines=max(int(usable // pitch), 4),
            chars_per_line=max(int(chars_per_line(text_width, BODY_PT, em) * 0.94), 12),
            code_chars_per_line=max(chars_per_line(code_width, CODE_PT, MONO_EM), 12),
            image_lines=max(int(usable // pitch * 0.6), 3),
            code_line_height=CODE_PT / BODY_PT,
            table_chars_per_line=max(int(chars_per_line(self.body.width, TABLE_PT, em) * 0.94), 12),
            table_line_height=TABLE_PT / BODY_PT,
        )


#: The 16:9 widescreen slide of the built-in template (13.333 × 7.5 in).
WIDESCREEN = Geometry(
    width=12192000,
    height=6858000,
    title=Box(inches(0.6), inches(0.3), inches(10.9), inches(1.1)),
    body=Box(inches(0.6), inches(1.55), inches(12.13), inches(5.25)),
)


def chars_per_line(width_emu: int, size_pt: float, em: float) -> int:
    """How many characters ``em`` wide, of ``size_pt``, fit in ``width_emu``."""
    return max(int(width_emu / EMU_PER_PT / (size_pt * em)), 1)


#: A run of text to measure: its text and style (regular, bold or mono).
Piece = tuple[str, str]


def wrapped_lines(
    pieces: Sequence[Piece], width_emu: int, size_pt: float, factor: float = 1.0
) -> int:
    """Lines the pieces take, wrapped at spaces into ``width_emu`` (a word longer than a line
    breaks inside itself); a newline starts a new line. ``factor`` widens proportional text."""
    limit = width_emu / EMU_PER_PT / size_pt  # in ems
    total = 0
    for words in _word_widths(tuple(pieces), factor):
        count, used = 1, 0.0
        for ink, space in words:
            if used and used + ink > limit:
                count, used = count + 1, 0.0
            if ink > limit:
                count += math.ceil(ink / limit) - 1
                used = ink % limit
            else:
                used += ink
            used += space
        total += count
    return total


@functools.lru_cache(maxsize=8192)
def _word_widths(
    pieces: tuple[Piece, ...], factor: float
) -> tuple[tuple[tuple[float, float], ...], ...]:
    """Per line of the pieces, each word's width and the width of the spaces after it, in
    ems. They do not depend on the size or the width of the frame, so a paragraph measured
    again (at a smaller type size, or a title tried at several sizes) is not measured
    character by character again. The writer empties the cache at the start of every deck
    (:func:`forget_measurements`): it saves work within a deck, not between decks."""
    chars: list[str] = []
    widths: list[float] = []
    for text, style in pieces:
        scale = SLACK * (1.0 if style == "mono" else factor)
        for char in text:
            chars.append(char)
            widths.append(char_em(char, style) * scale)
    text = "".join(chars)
    lines = []
    start = 0
    for line in text.split("\n"):
        words = []
        for word in _WORD.finditer(line):
            ink = sum(widths[start + word.start(1) : start + word.end(1)])
            space = sum(widths[start + word.start(2) : start + word.end(2)])
            words.append((ink, space))
        lines.append(tuple(words))
        start += len(line) + 1
    return tuple(lines)


_WORD = re.compile(r"(\S+)(\s*)")


def forget_measurements() -> None:
    """Empty the cache of measured words (a new deck starts)."""
    _word_widths.cache_clear()


def line_pitch(size_pt: float) -> float:
    return size_pt * LINE_PITCH
