"""A render request as a deck of slides, for every writer that makes presentations.

PowerPoint, OpenDocument presentations and slide-page PDFs lay out the same deck, so the rules
live here once: a title slide; slides content cut at ``---`` and at ``#``/``##`` headings
(the heading becomes the slide's title), and at boxes that carry such a heading of their own
(a lesson's ``callout``) or that stand alone (``keypoints``); the other content types as
sections with a header slide each, a quiz's questions one per slide, followed by their
answer for instructors only; instructor notes as speaker notes (``instructor`` boxes inside
the content too); a section header per session in merged decks. Content too long for one
slide continues on "... (cont.)" slides, cut between blocks, list items, table rows, code
lines or sentences, measured with the writer's geometry (:class:`SlideFit`); a heading is
never left at the bottom of a slide, away from what it introduces.
"""

from __future__ import annotations

import enum
import math
import re
from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar

import attrs

from curator_export.document import (
    Block,
    BlockQuote,
    BulletList,
    CodeBlock,
    Div,
    Heading,
    HtmlBlock,
    Image,
    Inline,
    ListItem,
    OrderedList,
    Paragraph,
    Table,
    TableCell,
    Text,
    ThematicBreak,
    plain_text,
    walk,
)
from curator_export.labels import content_label
from curator_export.model import Audience, ContentType
from curator_export.render import ParsedItem, ParsedSession, RenderRequest

T = TypeVar("T")

CONTINUED = " (cont.)"
#: Boxes that get a slide of their own, titled with this label, when they carry no heading.
OWN_SLIDE_DIVS = {"keypoints": "Key Points"}
#: Boxes whose text is for the presenter: speaker notes, never shown on a slide.
NOTES_DIVS = frozenset({"instructor"})
_SOLUTION_KINDS = frozenset({"solution"})
#: Headings a solution box opens with that the "Answer: ..." title already says.
_ANSWER_HEADINGS = frozenset({"solution", "solutions", "answer", "answers"})
_SENTENCE_END = re.compile(r"(?<=[.!?;:])(?=\s)")


class SlideKind(enum.StrEnum):
    TITLE = "title"  # the deck's first slide
    SECTION = "section"  # a session of a merged deck, or a worksheet, quiz or guide
    CONTENT = "content"


@attrs.frozen
class Slide:
    kind: SlideKind
    title: str
    blocks: tuple[Block, ...] = ()
    subtitle: str = ""
    #: Speaker notes (plain text, paragraphs separated by blank lines); never for students.
    notes: str = ""
    session_id: str | None = None
    continued: bool = False


@attrs.frozen
class Deck:
    title: str
    slides: tuple[Slide, ...]
    institution: str | None = None


@attrs.frozen
class SlideFit:
    """How much body text a content slide holds, in the writer's geometry and type sizes.

    Everything is counted in body lines: a slide holds ``lines`` of them, ``chars_per_line``
    characters wide. Code is set smaller: ``code_line_height`` is the height of one code
    line as a fraction of a body line, ``code_chars_per_line`` how many code characters fit.
    """

    lines: int = 13
    chars_per_line: int = 64
    code_chars_per_line: int = 72
    #: Lines an image takes (writers scale images into that height). A lone figure that
    #: does not fit goes on a slide with at least half of that left: writers must then draw
    #: it smaller, into the room the slide's other blocks leave.
    image_lines: int = 9
    code_line_height: float = 1.0
    #: Table text: characters across the whole table width (0: as body text), and the
    #: height of one line of a cell as a fraction of a body line.
    table_chars_per_line: int = 0
    table_line_height: float = 1.0


def build_deck(request: RenderRequest, fit: SlideFit | None = None) -> Deck:
    """The slides of ``request``, in order, with no slide holding more than ``fit`` allows."""
    fit = fit or SlideFit()
    institution = request.branding.institution_name if request.branding else None
    date = request.created_at.date().isoformat() if request.created_at else ""
    title = Slide(
        SlideKind.TITLE,
        request.title,
        subtitle="\n".join(part for part in (institution, date) if part),
        session_id=request.sessions[0].session.id if not request.merged else None,
    )
    slides = [title]
    for parsed in request.sessions:
        notes = _notes(parsed) if request.audience is Audience.INSTRUCTOR else []
        body, leftover = _attach_notes(_session_slides(parsed, request.audience, fit), notes)
        if request.audience is not Audience.INSTRUCTOR:
            body = [attrs.evolve(slide, notes="") for slide in body]
        if request.merged:
            session = parsed.session
            slides.append(
                Slide(SlideKind.SECTION, session.title, notes=leftover, session_id=session.id)
            )
        else:
            slides[0] = attrs.evolve(title, notes=leftover)
        slides += body
    return Deck(title=request.title, slides=tuple(slides), institution=institution)


def _session_slides(parsed: ParsedSession, audience: Audience, fit: SlideFit) -> list[Slide]:
    slides: list[Slide] = []
    session_id = parsed.session.id
    for item in parsed.items:
        kind = item.item.content_type
        title = item.item.title
        if kind is ContentType.INSTRUCTOR_NOTES:
            continue  # speaker notes, attached by the caller
        if kind is ContentType.SLIDES:
            slides += _content_slides(item.document.children, title, session_id, fit)
            continue
        label = content_label(kind)
        header = title if label.casefold() in title.casefold() else f"{label}: {title}"
        slides.append(Slide(SlideKind.SECTION, header, session_id=session_id))
        if kind is ContentType.QUIZ:
            slides += _quiz_slides(item, audience, session_id, fit)
        else:
            slides += _content_slides(item.document.children, title, session_id, fit)
    return slides


def _is_slide_heading(block: Block) -> bool:
    return isinstance(block, Heading) and block.level <= 2


def _own_slide(block: Block) -> bool:
    """Whether a box makes a slide of its own: it opens with a slide heading, or its kind
    stands alone (key points)."""
    if not isinstance(block, Div) or block.kind in NOTES_DIVS:
        return False
    opens_with_heading = bool(block.children) and _is_slide_heading(block.children[0])
    return opens_with_heading or block.kind in OWN_SLIDE_DIVS


def split_slides(blocks: Sequence[Block]) -> list[tuple[Block, ...]]:
    """Blocks cut into slides: a new slide at each ``#``/``##`` heading and thematic break,
    and around each box that has a slide of its own (see :func:`_own_slide`)."""
    chunks: list[list[Block]] = [[]]
    for block in blocks:
        if isinstance(block, ThematicBreak):
            chunks.append([])
            continue
        current = chunks[-1]
        lone_heading = len(current) == 1 and _is_slide_heading(current[0])
        own = _own_slide(block) and not lone_heading  # "## Key points" + its box: one slide
        if (own or _is_slide_heading(block) or _own_slide_chunk(current)) and current:
            chunks.append([])
        chunks[-1].append(block)
    return [tuple(chunk) for chunk in chunks if chunk]


def _own_slide_chunk(chunk: Sequence[Block]) -> bool:
    return len(chunk) == 1 and _own_slide(chunk[0])


def _content_slides(
    blocks: Sequence[Block], fallback_title: str, session_id: str, fit: SlideFit
) -> list[Slide]:
    slides: list[Slide] = []
    section = fallback_title  # the title of the last slide heading: later chunks continue it
    for chunk in split_slides(blocks):
        body, continued = chunk, False
        if _is_slide_heading(chunk[0]):
            title = section = plain_text(chunk[0]).strip() or fallback_title
            body = chunk[1:]
        elif _own_slide_chunk(chunk):
            box = chunk[0]
            assert isinstance(box, Div)
            if box.children and _is_slide_heading(box.children[0]):
                title = plain_text(box.children[0]).strip() or fallback_title
                body = (attrs.evolve(box, children=box.children[1:]),)
            else:
                title = OWN_SLIDE_DIVS[box.kind]
        elif slides:
            title, continued = section, True
        else:
            title = section
        slides += _fitted(title, body, session_id, fit, continued=continued)
    return slides


@attrs.frozen
class QuizQuestion:
    """One question of a quiz item, as every writer that lists questions sees it."""

    number: int  # 1-based, within its item
    title: str  # its heading, else "Question N"
    blocks: tuple[Block, ...]  # what asks it, without its solutions
    #: Its ``solution`` boxes' content without an opening "Solution" heading; empty when it
    #: has none, and always for students (their documents hold no solutions any more).
    answer: tuple[Block, ...] = ()


def _is_challenge(block: Block) -> bool:
    return isinstance(block, Div) and block.kind == "challenge"


def quiz_questions(blocks: Sequence[Block]) -> list[QuizQuestion]:
    """The questions of a quiz item's blocks: its ``challenge`` boxes, or, when it has none,
    its pieces cut as slides are (at ``#``/``##`` headings and ``---``)."""
    challenges = [b.children for b in blocks if isinstance(b, Div) and _is_challenge(b)]
    questions = []
    for number, chunk in enumerate(challenges or split_slides(blocks), start=1):
        title, body = f"Question {number}", chunk
        if body and isinstance(body[0], Heading):
            title, body = plain_text(body[0]).strip() or title, body[1:]
        answer = tuple(
            child
            for block in body
            if isinstance(block, Div) and _is_solution(block)
            for child in _without_answer_heading(block.children)
        )
        question = tuple(block for block in body if not _is_solution(block))
        questions.append(QuizQuestion(number, title, question, answer))
    return questions


def _quiz_slides(
    item: ParsedItem, audience: Audience, session_id: str, fit: SlideFit
) -> list[Slide]:
    """One slide per question (see :func:`quiz_questions`), its answer on the next slide for
    instructors; text outside the ``challenge`` boxes of a quiz that has them comes first."""
    blocks = item.document.children
    intro = [block for block in blocks if not _is_challenge(block)]
    has_challenges = len(intro) < len(blocks)
    slides = _content_slides(intro, item.item.title, session_id, fit) if has_challenges else []
    for question in quiz_questions(blocks):
        slides += _fitted(question.title, question.blocks, session_id, fit)
        if question.answer and audience is Audience.INSTRUCTOR:
            slides += _fitted(f"Answer: {question.title}", question.answer, session_id, fit)
    return slides


def _is_solution(block: Block) -> bool:
    return isinstance(block, Div) and block.kind in _SOLUTION_KINDS


def _without_answer_heading(blocks: Sequence[Block]) -> Sequence[Block]:
    """A solution's blocks without an opening "Solution" heading (the slide title says it)."""
    first = blocks[0] if blocks else None
    if isinstance(first, Heading) and plain_text(first).strip().casefold() in _ANSWER_HEADINGS:
        return blocks[1:]
    return blocks


# -- speaker notes ------------------------------------------------------------------------


@attrs.frozen
class _NotesPart:
    heading: str  # "" for text before the first heading
    text: str


def _notes(parsed: ParsedSession) -> list[_NotesPart]:
    """The session's instructor notes cut at their headings."""
    parts: list[_NotesPart] = []
    for item in parsed.items:
        if item.item.content_type is not ContentType.INSTRUCTOR_NOTES:
            continue
        heading, lines = "", list[str]()
        for block in item.document.children:
            if isinstance(block, Heading):
                if lines or heading:
                    parts.append(_NotesPart(heading, "\n\n".join(lines)))
                heading, lines = plain_text(block).strip(), []
            else:
                text = block_text(block)
                if text:
                    lines.append(text)
        if lines or heading:
            parts.append(_NotesPart(heading, "\n\n".join(lines)))
    return parts


def _attach_notes(slides: list[Slide], notes: Sequence[_NotesPart]) -> tuple[list[Slide], str]:
    """Notes whose heading is a slide's title go on the first slide of that title; the rest
    (text before any heading, headings that name no slide) is returned to go elsewhere."""
    titles = {slide.title.casefold() for slide in slides if slide.kind is SlideKind.CONTENT}
    by_title: dict[str, list[str]] = {}
    leftover: list[str] = []
    for part in notes:
        key = part.heading.casefold()
        if key and key in titles:
            by_title.setdefault(key, []).append(part.text)
        else:
            leftover.append(f"{part.heading}\n\n{part.text}" if part.heading else part.text)
    attached: list[Slide] = []
    for slide in slides:
        texts = (
            by_title.pop(slide.title.casefold(), None) if slide.kind is SlideKind.CONTENT else None
        )
        attached.append(attrs.evolve(slide, notes=_join(slide.notes, *texts)) if texts else slide)
    return attached, _join(*leftover)


def _join(*texts: str) -> str:
    return "\n\n".join(text.strip() for text in texts if text.strip())


def block_text(block: Block) -> str:
    """A block as plain text for speaker notes: list items on lines of their own."""
    if isinstance(block, BulletList | OrderedList):
        return "\n".join(f"- {block_text_items(item.children)}" for item in block.items)
    if isinstance(block, CodeBlock):
        return block.text
    if isinstance(block, Div | BlockQuote):
        return _join(*(block_text(child) for child in block.children))
    return plain_text(block).strip()


def block_text_items(blocks: Iterable[Block]) -> str:
    return " ".join(block_text(block) for block in blocks)


# -- fitting content onto slides --------------------------------------------------------


def _fitted(
    title: str,
    blocks: Sequence[Block],
    session_id: str,
    fit: SlideFit,
    *,
    continued: bool = False,
) -> list[Slide]:
    """``blocks`` on as many slides as they need, the later ones titled "... (cont.)".

    ``instructor`` boxes become the speaker notes of the first slide. A heading that would
    end a slide moves to the next one, with the block it introduces.
    """
    visible = [block for block in blocks if not _is_notes(block)]
    notes = _join(*(block_text(block) for block in blocks if _is_notes(block)))
    pages: list[list[Block]] = [[]]
    used = 0.0
    for block in _pieces(visible, fit):
        size = block_lines(block, fit)
        if pages[-1] and used + size > fit.lines and _shrinkable(block, fit.lines - used, fit):
            pages[-1].append(block)  # a figure shrinks into the rest of the slide
            used = float(fit.lines)
            continue
        if pages[-1] and used + size > fit.lines:
            carried: list[Block] = []
            while pages[-1] and isinstance(pages[-1][-1], Heading) and len(pages[-1]) > 1:
                carried.insert(0, pages[-1].pop())
            pages.append(carried)
            used = sum(block_lines(kept, fit) for kept in carried)
        pages[-1].append(block)
        used += size
    base = title.removesuffix(CONTINUED)
    return [
        Slide(
            SlideKind.CONTENT,
            base + CONTINUED if index or continued else title,
            blocks=tuple(page),
            notes=notes if index == 0 else "",
            session_id=session_id,
            continued=bool(index) or continued,
        )
        for index, page in enumerate(pages)
    ]


def _shrinkable(block: Block, room: float, fit: SlideFit) -> bool:
    """Whether ``block`` is a lone figure that may be drawn smaller to fill ``room`` lines
    (at least half its usual height) rather than start a slide of its own."""
    if not isinstance(block, Paragraph) or len(_images(block)) != 1:
        return False
    words = "".join(plain_text(n) for n in block.children if not isinstance(n, Image))
    return not words.strip() and room >= fit.image_lines / 2


def _is_notes(block: Block) -> bool:
    return isinstance(block, Div) and block.kind in NOTES_DIVS


def _pieces(blocks: Sequence[Block], fit: SlideFit, budget: float | None = None) -> Iterable[Block]:
    """Blocks, with any block taller than ``budget`` (a slide) cut into pieces that fit."""
    limit = fit.lines if budget is None else budget
    for block in blocks:
        if block_lines(block, fit) <= limit:
            yield block
        else:
            yield from _cut(block, fit, limit)


def _cut(block: Block, fit: SlideFit, budget: float) -> Iterable[Block]:
    """``block`` cut into consecutive pieces of at most ``budget`` lines each (a single list
    item, table row, code line or sentence taller than that stays whole)."""
    room = budget - _overhead(block, fit)
    if isinstance(block, BulletList | OrderedList):
        start = block.start if isinstance(block, OrderedList) else 1
        for index, group in _groups(block.items, lambda item: _items_lines([item], fit), room):
            if isinstance(block, OrderedList):
                yield attrs.evolve(block, items=tuple(group), start=start + index)
            else:
                yield attrs.evolve(block, items=tuple(group))
    elif isinstance(block, CodeBlock):
        lines = block.text.splitlines()
        for _, line_run in _groups(lines, lambda line: _code_lines(line, fit), room):
            yield attrs.evolve(block, text="\n".join(line_run))
    elif isinstance(block, Table):
        widths = _column_chars(block, fit)
        room -= _row_lines(block.header, widths, fit)
        for _, row_run in _groups(block.rows, lambda row: _row_lines(row, widths, fit), room):
            yield attrs.evolve(block, rows=tuple(row_run))
    elif isinstance(block, Div | BlockQuote):
        children = list(_pieces(block.children, fit, room))
        for _, child_run in _groups(children, lambda child: block_lines(child, fit), room):
            yield attrs.evolve(block, children=tuple(child_run))
    elif isinstance(block, Paragraph) and not _images(block):
        yield from _cut_paragraph(block, fit, room)
    else:
        yield block  # an image, a heading: the writer scales it to fit


def _overhead(block: Block, fit: SlideFit) -> float:
    """What ``block_lines`` adds to a block's content: spacing, padding, a box's label."""
    if isinstance(block, BulletList | OrderedList | Paragraph | HtmlBlock):
        return 0.4
    if isinstance(block, CodeBlock):
        return 0.8
    if isinstance(block, Table):
        return 0.6
    if isinstance(block, Div | BlockQuote):
        return 1.0
    return 0.0


def _groups(
    items: Sequence[T], size_of: Callable[[T], float], budget: float
) -> Iterable[tuple[int, list[T]]]:
    """Consecutive runs of ``items`` whose sizes fit ``budget``; yields (first index, run)."""
    limit = max(budget, 1.0)
    run: list[T] = []
    first, used = 0, 0.0
    for index, item in enumerate(items):
        size = float(size_of(item))
        if run and used + size > limit:
            yield first, run
            run, first, used = [], index, 0.0
        run.append(item)
        used += size
    if run:
        yield first, run


def _cut_paragraph(paragraph: Paragraph, fit: SlideFit, budget: float) -> Iterable[Paragraph]:
    """A paragraph taller than a slide as several, cut between sentences (or words)."""
    width = fit.chars_per_line
    # Cutting text wastes part of a line at each end: keep a little room.
    limit = max(int(max(budget, 1.0) * width) - width // 2, 1)
    atoms: list[Inline] = []
    for inline in paragraph.children:
        if isinstance(inline, Text):
            for sentence in _SENTENCE_END.split(inline.text):
                atoms += [Text(part) for part in _word_runs(sentence, limit)]
        else:
            atoms.append(inline)
    piece: list[Inline] = []
    size = 0
    for atom in atoms:
        length = len(plain_text(atom))
        if piece and size + length > limit:
            yield Paragraph(_stripped(piece))
            piece, size = [], 0
        piece.append(atom)
        size += length
    if piece:
        yield Paragraph(_stripped(piece))


def _word_runs(text: str, limit: int) -> list[str]:
    """``text`` in runs of whole words of at most ``limit`` characters (a longer word alone)."""
    if len(text) <= limit:
        return [text]
    runs: list[str] = []
    current = ""
    for word in re.findall(r"\s*\S+", text):
        if current and len(current) + len(word) > limit:
            runs.append(current)
            current = ""
        current += word
    return [*runs, current] if current else runs


def _stripped(inlines: list[Inline]) -> tuple[Inline, ...]:
    """Inlines of a new paragraph: no space at its start or end."""
    if inlines and isinstance(inlines[0], Text):
        inlines[0] = Text(inlines[0].text.lstrip())
    if inlines and isinstance(inlines[-1], Text):
        inlines[-1] = Text(inlines[-1].text.rstrip())
    return tuple(inline for inline in inlines if not (isinstance(inline, Text) and not inline.text))


def _images(block: Block) -> list[Image]:
    return [node for node in walk(block) if isinstance(node, Image)]


def block_lines(block: Block, fit: SlideFit) -> float:
    """About how many body lines ``block`` takes on a slide (spacing included)."""
    if isinstance(block, Paragraph):
        images = _images(block)
        if images:
            words = "".join(plain_text(n) for n in block.children if not isinstance(n, Image))
            text = _wrapped(words, fit.chars_per_line) + 0.4 if words.strip() else 0.0
            return float(fit.image_lines * len(images)) + text
        return _wrapped(plain_text(block), fit.chars_per_line) + 0.4
    if isinstance(block, Heading):
        return _wrapped(plain_text(block), fit.chars_per_line) + 0.6
    if isinstance(block, BulletList | OrderedList):
        return _items_lines(block.items, fit) + 0.4
    if isinstance(block, CodeBlock):
        return sum(_code_lines(line, fit) for line in block.text.splitlines() or [""]) + 0.8
    if isinstance(block, Table):
        widths = _column_chars(block, fit)
        return sum(_row_lines(row, widths, fit) for row in (block.header, *block.rows)) + 0.6
    if isinstance(block, Div | BlockQuote):
        return sum(block_lines(child, fit) for child in block.children) + 1.0
    if isinstance(block, HtmlBlock):
        return _wrapped(plain_text(block), fit.chars_per_line) + 0.4
    return 1.0


def _code_lines(line: str, fit: SlideFit) -> float:
    return _wrapped(line.expandtabs(4), fit.code_chars_per_line) * fit.code_line_height


def _items_lines(items: Sequence[ListItem], fit: SlideFit, depth: int = 0) -> float:
    width = max(fit.chars_per_line - 4 * (depth + 1), 12)
    total = 0.0
    for item in items:
        for child in item.children:
            if isinstance(child, BulletList | OrderedList):
                total += _items_lines(child.items, fit, depth + 1)
            elif isinstance(child, Paragraph) and not _images(child):
                total += _wrapped(plain_text(child), width)
            else:
                total += block_lines(child, fit)
    return total


def _column_chars(table: Table, fit: SlideFit) -> list[int]:
    """Characters across each column: the table's width shared by the length of each
    column's longest cell (within 4 and 36), less two for the cell's margins."""
    total = fit.table_chars_per_line or fit.chars_per_line
    weights = []
    for column in range(len(table.header)):
        cells = [row[column] for row in (table.header, *table.rows) if column < len(row)]
        longest = max((len(plain_text(cell)) for cell in cells), default=4)
        weights.append(min(max(longest, 4), 36))
    share = sum(weights) or 1
    return [max(total * weight // share - 2, 4) for weight in weights]


def _row_lines(row: Sequence[TableCell], widths: Sequence[int], fit: SlideFit) -> float:
    lines = max(
        (_wrapped(plain_text(cell), width) for cell, width in zip(row, widths, strict=False)),
        default=1,
    )
    return lines * fit.table_line_height + 0.3


def _wrapped(text: str, width: int) -> int:
    """Lines ``text`` takes ``width`` characters wide; hard line breaks start new lines."""
    lines = text.strip().split("\n")
    return sum(max(1, math.ceil(len(line.strip()) / max(width, 1))) for line in lines)


__all__ = [
    "CONTINUED",
    "NOTES_DIVS",
    "OWN_SLIDE_DIVS",
    "Deck",
    "Slide",
    "SlideFit",
    "SlideKind",
    "block_lines",
    "block_text",
    "build_deck",
    "split_slides",
]
