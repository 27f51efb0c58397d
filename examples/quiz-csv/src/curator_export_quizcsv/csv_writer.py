"""The quiz-csv writer: the quiz questions of a request, one CSV row each.

Questions come from the parsed document tree, found by the same rule as the quiz slides of
every presentation format (``curator_export.deck.quiz_questions``): each ``challenge`` box of
a quiz item, or, in a quiz written without boxes, each piece between ``#``/``##`` headings.
Their text is written as plain text: ordered lists keep their numbers (answers say "4."),
links keep their address, code stays as written; markup is dropped.

The file is RFC 4180 CSV (CRLF after every row, fields quoted when they need it) in UTF-8,
with a byte-order mark unless ``bom = false``.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterable, Sequence

import attrs

from curator_export.deck import quiz_questions
from curator_export.document import (
    Block,
    BlockQuote,
    BulletList,
    CodeBlock,
    Div,
    Emphasis,
    Heading,
    Inline,
    Link,
    ListItem,
    OrderedList,
    Paragraph,
    Span,
    Strikethrough,
    Strong,
    Table,
    ThematicBreak,
    plain_text,
)
from curator_export.errors import NothingToExportError
from curator_export.model import Audience, ContentType
from curator_export.render import RenderRequest
from curator_export_quizcsv import QuizCsvOptions

# --8<-- [start:rows]
HEADER = (
    "session_id",
    "session_title",
    "question_number",
    "question_title",
    "question_text",
    "answer_text",
)


@attrs.frozen
class QuizRow:
    """One question: ``number`` counts the questions of its session from 1."""

    session_id: str
    session_title: str
    number: int
    title: str
    question: str
    answer: str  # "" for students, and for a question without a solution

    def cells(self) -> tuple[str | int, ...]:
        return (
            self.session_id,
            self.session_title,
            self.number,
            self.title,
            self.question,
            self.answer,
        )


def quiz_rows(request: RenderRequest) -> list[QuizRow]:
    """The questions of every quiz item of the request's sessions, in teaching order."""
    rows = []
    for parsed in request.sessions:
        number = 0
        for item in parsed.items:
            if item.item.content_type is not ContentType.QUIZ:
                continue
            for question in quiz_questions(item.document.children):
                number += 1
                # Students' documents hold no solutions already; checking the audience as
                # well keeps answers out even of a tree that some other plugin built.
                answer = question.answer if request.audience is Audience.INSTRUCTOR else ()
                rows.append(
                    QuizRow(
                        session_id=parsed.session.id,
                        session_title=parsed.session.title,
                        number=number,
                        title=question.title,
                        question=blocks_text(question.blocks),
                        answer=blocks_text(answer),
                    )
                )
    return rows


# --8<-- [end:rows]


# --8<-- [start:write]
def write(request: RenderRequest) -> bytes:
    """The CSV file; raises ``NothingToExportError`` (the export is skipped, with the reason
    as its warning) when the sessions have no quiz questions: an empty question bank is not
    worth a file that importers would refuse."""
    options = request.options if request.options is not None else QuizCsvOptions()
    rows = quiz_rows(request)
    if not rows:
        sessions = ", ".join(parsed.session.id for parsed in request.sessions)
        raise NothingToExportError(f"no quiz questions in {sessions}")
    text = io.StringIO(newline="")
    writer = csv.writer(text, delimiter=options.delimiter, lineterminator="\r\n")
    writer.writerow(HEADER)
    for row in rows:
        cells = row.cells()
        writer.writerow(_guarded(cells) if options.escape_formulas else cells)
    data = text.getvalue().encode("utf-8")
    return codecs.BOM_UTF8 + data if options.bom else data


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _guarded(cells: Iterable[str | int]) -> list[str | int]:
    """Text that a spreadsheet would run as a formula, made plain text with a leading ``'``
    (OWASP's advice against CSV injection)."""
    return [
        f"'{cell}" if isinstance(cell, str) and cell.startswith(_FORMULA_STARTS) else cell
        for cell in cells
    ]


# --8<-- [end:write]


# -- the tree as plain text ---------------------------------------------------------------


def blocks_text(blocks: Sequence[Block], separator: str = "\n\n") -> str:
    """Blocks as plain text, separated by blank lines."""
    return separator.join(text for block in blocks if (text := block_text(block)))


def block_text(block: Block) -> str:
    """One block as plain text: list items on lines of their own, numbered in ordered lists,
    nested ones indented; code as written; quotes marked with ``>``."""
    match block:
        case Paragraph(children=children) | Heading(children=children):
            return inline_text(children).strip()
        case BulletList(items=items, tight=tight):
            return "\n".join(_item_text(item, "- ", tight) for item in items)
        case OrderedList(items=items, start=start, tight=tight):
            return "\n".join(
                _item_text(item, f"{number}. ", tight) for number, item in enumerate(items, start)
            )
        case CodeBlock(text=text):
            return text
        case Table(header=header, rows=rows):
            return "\n".join(
                " | ".join(inline_text(cell.children).strip() for cell in row)
                for row in (header, *rows)
            )
        case BlockQuote(children=children):
            return "\n".join(f"> {line}".rstrip() for line in blocks_text(children).split("\n"))
        case Div(children=children):
            return blocks_text(children)
        case ThematicBreak():
            return ""
        case _:  # raw HTML: its text
            return plain_text(block).strip()


def _item_text(item: ListItem, marker: str, tight: bool) -> str:
    box = {None: "", True: "[x] ", False: "[ ] "}[item.checked]
    text = blocks_text(item.children, "\n" if tight else "\n\n")
    indent = " " * len(marker)
    lines = text.split("\n") if text else [""]
    rest = [f"{indent}{line}" if line else "" for line in lines[1:]]
    return "\n".join([f"{marker}{box}{lines[0]}", *rest])


def inline_text(nodes: Iterable[Inline]) -> str:
    """Inline nodes as plain text; a link keeps its address after its text."""
    parts = []
    for node in nodes:
        match node:
            case Link(href=href, children=children):
                label = inline_text(children)
                shown = not href or href.startswith("#") or href in (label, f"mailto:{label}")
                parts.append(label if shown else f"{label} ({href})")
            case Emphasis(children=children) | Strong(children=children):
                parts.append(inline_text(children))
            case Strikethrough(children=children) | Span(children=children):
                parts.append(inline_text(children))
            case _:
                parts.append(plain_text(node))
    return "".join(parts)
