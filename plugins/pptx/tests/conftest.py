"""A kit for the PowerPoint writer's tests: requests, decks read back with python-pptx, and
an independent check that no text runs out of its frame.

The check measures text with real glyph widths (Pillow and the DejaVu fonts LibreOffice falls
back to here, wider than Calibri or Arial), wraps it word by word into each frame and adds up
line pitches and paragraph spacing; the writer only ever estimated, so the two can disagree.
"""

from __future__ import annotations

import functools
import io
import multiprocessing
import os
import re
from collections.abc import Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import attrs
import pytest
from lxml import etree
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE, PP_PLACEHOLDER

from curator_export.model import Session
from curator_export.render import ParsedSession, Rendered, RenderRequest
from curator_export.store.importers import read_source
from curator_export.testing import NO_CORPUS_REASON, RequestKit, find_corpus
from curator_export_pptx import write_pptx

EMU_PER_PT = 12700
A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
P = "{http://schemas.openxmlformats.org/presentationml/2006/main}"
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
MONO_FACES = ("consolas", "courier", "mono", "menlo", "monaco")
#: What a measured text may exceed its frame by (rounding of EMU and points).
TOLERANCE_PT = 1.0


class PptxKit(RequestKit):
    """Sessions, requests, and decks read back for the PowerPoint writer's tests."""

    format_name = "pptx"

    def write(self, *sessions: Session | ParsedSession, **options: Any) -> Rendered:
        return write_pptx(self.request(*sessions, **options))

    def deck(self, rendered: Rendered) -> Any:
        assert rendered.data.startswith(b"PK\x03\x04")
        return Presentation(io.BytesIO(rendered.data))

    # The checks below, as methods, so that test modules reach them through the fixture.

    @staticmethod
    def titles(presentation: Any) -> list[str]:
        return titles(presentation)

    @staticmethod
    def problems(presentation: Any) -> list[str]:
        return list(slide_problems(presentation))

    @staticmethod
    def notes(presentation: Any) -> list[str | None]:
        return notes_texts(presentation)

    @staticmethod
    def descriptions(presentation: Any) -> list[str]:
        return picture_descriptions(presentation)

    @staticmethod
    def parts(data: bytes) -> Mapping[str, Any]:
        return parts_xml(data)


@pytest.fixture
def kit() -> PptxKit:
    """Sessions, requests and decks read back for the PowerPoint writer's tests."""
    return PptxKit()


def titles(presentation: Any) -> list[str]:
    return [
        slide.shapes.title.text if slide.shapes.title is not None else ""
        for slide in presentation.slides
    ]


# -- measuring text -----------------------------------------------------------------------------


@functools.cache
def _font(kind: str, size: float) -> Any:
    from PIL import ImageFont

    names = {
        "regular": "DejaVuSans.ttf",
        "bold": "DejaVuSans-Bold.ttf",
        "mono": "DejaVuSansMono.ttf",
        "mono-bold": "DejaVuSansMono-Bold.ttf",
    }
    path = FONT_DIR / names[kind]
    if not path.is_file():
        return None
    # Measured at 10x so that rounding to whole pixels does not matter.
    return ImageFont.truetype(str(path), round(size * 10))


@functools.lru_cache(maxsize=200_000)
def text_width(text: str, size: float, *, bold: bool = False, mono: bool = False) -> float:
    """Width of ``text`` in points, in the DejaVu face LibreOffice uses here."""
    kind = ("mono" if mono else "") + ("-bold" if bold and mono else "bold" if bold else "")
    font = _font(kind or "regular", size)
    if font is None:  # no DejaVu: a generous estimate instead
        return len(text) * size * (0.62 if mono or bold else 0.56)
    return font.getlength(text) / 10


@attrs.frozen
class Piece:
    text: str
    size: float
    bold: bool
    mono: bool


def _pieces(paragraph: Any, default_size: float, scale: float) -> list[Piece | None]:
    """The runs of a paragraph as pieces of text; None for a line break."""
    pieces: list[Piece | None] = []
    for child in paragraph:
        if child.tag == f"{A}br":
            pieces.append(None)
        elif child.tag in (f"{A}r", f"{A}fld"):
            r_pr = child.find(f"{A}rPr")
            size = (
                int(r_pr.get("sz")) / 100 if r_pr is not None and r_pr.get("sz") else default_size
            )
            bold = r_pr is not None and r_pr.get("b") == "1"
            latin = r_pr.find(f"{A}latin") if r_pr is not None else None
            face = (latin.get("typeface") or "").lower() if latin is not None else ""
            pieces.append(
                Piece(
                    child.findtext(f"{A}t") or "",
                    size * scale,
                    bold,
                    any(mono in face for mono in MONO_FACES),
                )
            )
    return pieces


def paragraph_lines(pieces: list[Piece | None], width: float) -> int:
    """Lines the pieces take wrapped word by word (and inside words longer than a line)."""
    lines, used = 1, 0.0
    for piece in pieces:
        if piece is None:
            lines, used = lines + 1, 0.0
            continue
        for word in re.findall(r"\s+|\S+", piece.text):
            w = text_width(word, piece.size, bold=piece.bold, mono=piece.mono)
            if word.isspace():
                used += w
                continue
            if used and used + w > width:
                lines, used = lines + 1, 0.0
            while w > width:  # a word wider than the line breaks inside itself
                lines += 1
                w -= width
            used += w
    return lines


def _pt_value(parent: Any, tag: str) -> float | None:
    node = parent.find(f"{A}{tag}/{A}spcPts") if parent is not None else None
    return int(node.get("val")) / 100 if node is not None else None


def text_height(tx_body: Any, width_emu: int, default_size: float) -> float:
    """Points the paragraphs of a text body take in a frame ``width_emu`` wide."""
    body_pr = tx_body.find(f"{A}bodyPr")
    autofit = body_pr.find(f"{A}normAutofit") if body_pr is not None else None
    scale = int(autofit.get("fontScale", "100000")) / 100000 if autofit is not None else 1.0
    total = 0.0
    for index, paragraph in enumerate(tx_body.iter(f"{A}p")):
        p_pr = paragraph.find(f"{A}pPr")
        margin = int(p_pr.get("marL", "0")) if p_pr is not None else 0
        pieces = _pieces(paragraph, default_size, scale)
        sizes = [piece.size for piece in pieces if piece is not None] or [default_size * scale]
        end = paragraph.find(f"{A}endParaRPr")
        if (
            not [piece for piece in pieces if piece is not None]
            and end is not None
            and end.get("sz")
        ):
            sizes = [int(end.get("sz")) / 100 * scale]
        pitch = _pt_value(p_pr, "lnSpc") or max(sizes) * 1.2
        before = (_pt_value(p_pr, "spcBef") or 0.0) if index else 0.0
        lines = paragraph_lines(pieces, (width_emu - margin) / EMU_PER_PT)
        total += before + lines * pitch + (_pt_value(p_pr, "spcAft") or 0.0)
    return total


def _insets(body_pr: Any) -> tuple[int, int, int, int]:
    def value(name: str, default: int) -> int:
        return int(body_pr.get(name, default)) if body_pr is not None else default

    return value("lIns", 91440), value("tIns", 45720), value("rIns", 91440), value("bIns", 45720)


def _default_size(shape: Any) -> float:
    """The type size a placeholder inherits: from its layout placeholder, the master's, then
    the master's text styles; 18 pt for other shapes."""
    if not shape.is_placeholder:
        return 18.0
    holder = shape
    for _ in range(2):  # slide -> layout -> master placeholder
        try:
            holder = holder._base_placeholder
        except (AttributeError, KeyError):
            holder = None
        if holder is None:
            break
        found = holder._element.xpath("./p:txBody/a:lstStyle/a:lvl1pPr/a:defRPr/@sz")
        if found:
            return int(found[0]) / 100
    kind = shape.placeholder_format.type
    style = (
        "titleStyle"
        if kind in (PP_PLACEHOLDER.TITLE, PP_PLACEHOLDER.CENTER_TITLE)
        else "bodyStyle"
        if kind in (PP_PLACEHOLDER.BODY, PP_PLACEHOLDER.OBJECT, PP_PLACEHOLDER.SUBTITLE)
        else "otherStyle"
    )
    master = shape.part.slide_layout.slide_master._element
    found = master.xpath(f"./p:txStyles/p:{style}/a:lvl1pPr/a:defRPr/@sz")
    return int(found[0]) / 100 if found else 18.0


@attrs.frozen
class Frame:
    """A shape's box (its own, or its layout placeholder's), name and type size."""

    shape: Any
    left: int
    top: int
    width: int
    height: int
    size: float

    @property
    def name(self) -> str:
        return str(self.shape.name)


#: Boxes and type sizes of layout placeholders, by (layout part, placeholder index).
Inherited = dict[tuple[str, int], tuple[int, int, int, int, float]]


def frames(slide: Any, cache: Inherited) -> list[Frame]:
    """The slide's shapes with their boxes; placeholders that inherit their box and type
    size from a layout are looked up once per layout (python-pptx's lookup is slow)."""
    found = []
    layout = str(slide.slide_layout.part.partname)
    for shape in slide.shapes:
        xfrm = shape._element.xpath("./p:spPr/a:xfrm | ./p:xfrm")
        if shape.is_placeholder:
            key = (layout, shape.placeholder_format.idx)
            if key not in cache:
                cache[key] = (shape.left, shape.top, shape.width, shape.height,
                              _default_size(shape))  # fmt: skip
            left, top, width, height, size = cache[key]
            if xfrm and shape.left is not None:
                left, top, width, height = shape.left, shape.top, shape.width, shape.height
        elif shape.left is None:
            continue
        else:
            left, top, width, height, size = shape.left, shape.top, shape.width, shape.height, 18.0
        if left is None:
            continue
        found.append(Frame(shape, left, top, width, height, size))
    return found


def frame_problem(frame: Frame) -> str | None:
    """Why the text of a frame does not fit it, or None."""
    tx_body = frame.shape._element.find(f"{P}txBody")
    if tx_body is None or not "".join(tx_body.itertext()).strip():
        return None
    left, top, right, bottom = _insets(tx_body.find(f"{A}bodyPr"))
    needed = text_height(tx_body, frame.width - left - right, frame.size)
    room = (frame.height - top - bottom) / EMU_PER_PT
    if needed > room + TOLERANCE_PT:
        return f"{frame.name!r} needs {needed:.0f} pt, has {room:.0f} pt"
    return None


def table_problem(shape: Any) -> str | None:
    """Why a table grows past its frame (rows grow to fit their text), or None."""
    table = shape._element.find(f".//{A}tbl")
    widths = [int(col.get("w")) for col in table.iter(f"{A}gridCol")]
    total = 0.0
    for row in table.iter(f"{A}tr"):
        needed = 0.0
        for cell, width in zip(row.iter(f"{A}tc"), widths, strict=False):
            left, top, right, bottom = _cell_margins(cell.find(f"{A}tcPr"))
            text = text_height(cell.find(f"{A}txBody"), width - left - right, 18.0)
            needed = max(needed, text + (top + bottom) / EMU_PER_PT)
        total += max(needed, int(row.get("h")) / EMU_PER_PT)
    room = shape.height / EMU_PER_PT
    if total > room + TOLERANCE_PT:
        return f"{shape.name!r} grows to {total:.0f} pt, has {room:.0f} pt"
    return None


def _cell_margins(tc_pr: Any) -> tuple[int, int, int, int]:
    names = (("marL", 91440), ("marT", 45720), ("marR", 91440), ("marB", 45720))
    values = [
        int(tc_pr.get(name, default)) if tc_pr is not None else default for name, default in names
    ]
    return values[0], values[1], values[2], values[3]


def _decorative(shape: Any) -> bool:
    return bool(shape._element.xpath(".//*[local-name()='decorative'][@val='1']"))


def slide_problems(presentation: Any) -> Iterator[str]:
    """Every text frame that overflows, shape off the slide, or two shapes on top of each
    other (boxes drawn behind their content excepted), slide by slide."""
    width, height = presentation.slide_width, presentation.slide_height
    cache: Inherited = {}
    for number, slide in enumerate(presentation.slides, start=1):
        title = slide.shapes.title
        where = f"slide {number} ({title.text if title is not None else ''!r})"
        solid = []
        for frame in frames(slide, cache):
            shape = frame.shape
            if (
                frame.left < 0
                or frame.top < 0
                or frame.left + frame.width > width
                or frame.top + frame.height > height
            ):
                yield f"{where}: {frame.name!r} lies partly off the slide"
            if shape.has_table:
                problem = table_problem(shape)
            elif shape.has_text_frame:
                problem = frame_problem(frame)
            else:
                problem = None
            if problem:
                yield f"{where}: {problem}"
            if not _decorative(shape):
                solid.append(frame)
        for first, second in _pairs(solid):
            if _overlap(first, second):
                yield f"{where}: {first.name!r} and {second.name!r} overlap"


def _pairs(frames: list[Frame]) -> Iterator[tuple[Frame, Frame]]:
    for index, first in enumerate(frames):
        for second in frames[index + 1 :]:
            yield first, second


def _overlap(first: Frame, second: Frame) -> bool:
    across = first.left < second.left + second.width and second.left < first.left + first.width
    down = first.top < second.top + second.height and second.top < first.top + first.height
    return across and down


def notes_texts(presentation: Any) -> list[str | None]:
    """Each slide's speaker notes, None where the slide has no notes page at all."""
    return [
        slide.notes_slide.notes_text_frame.text if slide.has_notes_slide else None
        for slide in presentation.slides
    ]


def picture_descriptions(presentation: Any) -> list[str]:
    return [
        shape._element.xpath("./p:nvPicPr/p:cNvPr/@descr")[0]
        for slide in presentation.slides
        for shape in slide.shapes
        if shape.shape_type == MSO_SHAPE_TYPE.PICTURE
    ]


def parts_xml(data: bytes) -> Mapping[str, Any]:
    """Every XML part of a package, parsed, by its name in the ZIP."""
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as package:
        return {
            name: etree.fromstring(package.read(name))
            for name in package.namelist()
            if name.endswith((".xml", ".rels"))
        }


# -- the shared lesson corpus, rendered once per test session ---------------------------------

#: The lessons of the shared corpus that the acceptance tests render.
LESSONS = ("shell-novice", "python-novice-inflammation")


@attrs.frozen
class LessonDecks:
    """One corpus lesson as decks: each episode alone, and all merged."""

    name: str
    sessions: tuple[ParsedSession, ...]
    episodes: Mapping[str, Rendered]
    merged: Rendered

    def all(self) -> list[tuple[str, Rendered]]:
        named = [(f"{session_id}.pptx", deck) for session_id, deck in self.episodes.items()]
        return [*named, (f"{self.name}.pptx", self.merged)]


def render_lessons(corpus: Path, names: tuple[str, ...]) -> dict[str, LessonDecks]:
    """Every episode of these lessons and each lesson merged, for instructors (everything),
    in two worker processes, the merged ones first."""
    kit = PptxKit()
    requests: dict[tuple[str, str | None], RenderRequest] = {}
    for name in names:
        sessions = read_source(corpus / "carpentries" / name).sessions
        requests[name, None] = kit.request(*sessions, title=name)
        for session in sessions:
            requests[name, session.id] = kit.request(session)
    if (os.cpu_count() or 1) < 2:
        rendered = {key: write_pptx(request) for key, request in requests.items()}
    else:
        context = multiprocessing.get_context("forkserver")
        with ProcessPoolExecutor(2, mp_context=context) as pool:
            futures = {key: pool.submit(write_pptx, request) for key, request in requests.items()}
            rendered = {key: future.result() for key, future in futures.items()}
    return {
        name: LessonDecks(
            name=name,
            sessions=requests[name, None].sessions,
            episodes={
                parsed.session.id: rendered[name, parsed.session.id]
                for parsed in requests[name, None].sessions
            },
            merged=rendered[name, None],
        )
        for name in names
    }


@pytest.fixture(scope="session")
def corpus_decks() -> dict[str, LessonDecks]:
    """Both corpus lessons as decks, made once per test session."""
    corpus = find_corpus(Path(__file__))
    if corpus is None:
        pytest.skip(NO_CORPUS_REASON)
    return render_lessons(corpus, LESSONS)
