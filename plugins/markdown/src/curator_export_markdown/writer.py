"""The Markdown writer: the document tree back into CommonMark, GFM tables and pandoc divs.

The output is meant to be read again: by people, by pandoc, Quarto and MyST, and by
``curator_export.document.parse``, which gives back the tree the writer walked (the round
trip), apart from the changes listed here.

Structure
    One ``# title`` opens the file. A single session's items become ``## item title``
    sections; in a merged file each session is a ``## session title`` section and its items
    ``###`` sections. A session holding a single item titled like the session (or like the
    file) gets no item heading: the item *is* the section. The headings of an item are then
    moved, all by the same number of levels, so that its highest one sits one level below
    its section heading (deeper levels stay deeper, none goes past 6): one ``#`` per file,
    and no skipped level unless the item skips one itself. Heading ids are not written (the
    parser does not read heading attributes); they are recomputed from the text, so an
    anchor may get a ``-1`` suffix when another heading of the file has the same text.

Images
    An image whose ``src`` is one of the session's assets is written as a companion file
    ``assets/<stem>-<8 hex of its sha256><ext>`` next to the Markdown file and the ``src``
    points there. With ``template_name == "single-file"`` the image is embedded as a
    ``data:`` URI instead and there are no companions. Remote images (``http``, ``https``,
    ``data:``) stay as they are; ``file:`` URLs, absolute local paths and other schemes are
    never written (they would leak or point at the author's disk): the image becomes its
    alt text, with a warning. A relative path that is not an asset is kept, with a warning.

Raw HTML
    Only ``safe_html`` (sanitized by core) is written, never the source. An HTML block
    whose sanitized form would no longer read as an HTML block becomes its text; a
    ``<pre>`` the source left open is closed at the end of its item.

Escaping
    Text is escaped wherever a character could start markup, so that it reads back as the
    very same text, and white space at the edges of lines is written as character
    references (readers would drop it). Always escaped: ``* [ ] ` | ~ { $ ^`` (the last
    ones for pandoc's strikeout, sub- and superscript and math, and template engines'
    ``{{``); ``_`` except inside a word; ``@`` starting a word (pandoc citations); a
    backslash before punctuation; ``&`` before an entity-like run; ``<`` before a tag-like
    character, as ``&lt;``, so no tag can appear even where raw HTML was dropped between
    two texts. At the start of a line: ``# > - + = : %`` and ordered list markers.
    Emphasis delimiters are chosen (``*`` or ``_``) so that they read back; where none
    can, ``<em>``, ``<strong>`` or ``<del>`` is written.

What does not read back exactly
    Besides heading levels, heading ids and image sources (above): inline HTML that would
    open an HTML block at the start of a line is left out (with a warning); adjacent code
    spans become one; a link or span inside a link's text is reduced to its content;
    empty paragraphs and emphasis are not written. None of these comes out of core's
    parser for real content; the tests check the whole lesson corpus reads back exactly.
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from enum import Enum
from pathlib import PurePath, PurePosixPath
from typing import Any, Literal
from urllib.parse import unquote, urlsplit

import attrs
import yaml
from markdown_it.common.normalize_url import normalizeLink, normalizeLinkText, validateLink
from markdown_it.common.utils import (
    isMdAsciiPunct,
    isPunctChar,
    isValidEntityCode,
    isWhiteSpace,
)
from markdown_it.rules_block.html_block import HTML_SEQUENCES

from curator_export.document import (
    Attr,
    Block,
    BlockQuote,
    BulletList,
    Code,
    CodeBlock,
    Div,
    Document,
    Emphasis,
    HardBreak,
    Heading,
    HtmlBlock,
    HtmlInline,
    Image,
    Inline,
    Link,
    ListItem,
    OrderedList,
    Paragraph,
    SoftBreak,
    Span,
    Strikethrough,
    Strong,
    Table,
    TableCell,
    Text,
    ThematicBreak,
    plain_text,
    walk,
)
from curator_export.model import Asset, Session
from curator_export.render import ParsedItem, ParsedSession, Rendered, RenderRequest

__all__ = ["SINGLE_FILE_TEMPLATE", "write_markdown"]

#: The template name that asks for images embedded as ``data:`` URIs: one self-contained file.
SINGLE_FILE_TEMPLATE = "single-file"

_EXTENSIONS = {
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/gif": ".gif",
    "image/svg+xml": ".svg",
    "image/webp": ".webp",
}
_MEDIA_TYPES = {extension: media for media, extension in _EXTENSIONS.items()} | {
    ".jpeg": "image/jpeg"
}
_IMAGE_MEDIA_TYPE = re.compile(r"image/[A-Za-z0-9.+-]+")
_SAFE_STEM = re.compile(r"[^A-Za-z0-9._-]+")
_SAFE_EXTENSION = re.compile(r"\.[a-z0-9]{1,10}")

# The pieces of pandoc attributes that core's parser reads back (see document._ATTR_ITEM).
_ATTR_NAME = re.compile(r"[\w:.-]+")
_DIV_NAME = re.compile(r"\w[\w.-]*")
# markdown-it's autolink rule; see _autolink for the other conditions.
_AUTOLINK = re.compile(r"[a-zA-Z][a-zA-Z0-9+.\-]{1,31}:[^<>\x00-\x20]*")
_ENTITY_LIKE = re.compile(r"&(?=#?[A-Za-z0-9]+;)")
_ORDERED_MARKER = re.compile(r"(\d{1,9})([.)])(?=[ \t]|\Z)")
_CLOSING_HASHES = re.compile(r"(?:(?<=[ \t])|\A)(#+)(?=[ \t]*\Z)")

# Characters that open inline markup wherever they are (``$ ^ ~`` for pandoc and MyST).
_ALWAYS_ESCAPED = frozenset("`*[]|~{$^")
# Characters that open a block at the start of a line: headings, quotes, lists, setext
# underlines and table delimiter rows (``- : =``), pandoc definition lists (``:``), MyST
# comments (``%``) and block breaks (``+``).
_LINE_START_ESCAPED = frozenset("#>-+=:%")
_TAG_START = re.compile(r"[A-Za-z/!?]")
_FENCE_LIKE = re.compile(r"(?m)(^[ \t]*)([:`~])(?=\2\2)")
_HTML_IMG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
_HTML_SRC = re.compile(r'\ssrc="([^"]*)"')

_CharClass = Literal["space", "punct", "word"]
_DELIMITED = (Emphasis, Strong, Strikethrough)


def write_markdown(request: RenderRequest) -> Rendered:
    """Write one request (a session, or a merged set) as a Markdown file and its images."""
    writer = _Writer(request)
    text = writer.document()
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:
        # Lone surrogates can only come from a broken store; never write invalid UTF-8.
        data = text.encode("utf-8", errors="replace")
        writer.warn("text with invalid characters (lone surrogates) was replaced by '?'")
    return Rendered(data=data, companions=dict(writer.companions), warnings=writer.warnings)


# Front matter.


def _yaml_value(value: Any) -> Any:
    """``value`` made of the types ``yaml.safe_dump`` knows (metadata may hold tuples, enums...)."""
    match value:
        case None | bool() | int() | float() | datetime() | date():
            return value
        case Enum():
            return _yaml_value(value.value)
        case str():
            return str(value)  # a str subclass (StrEnum) would not be representable
        case Mapping():
            return {str(key): _yaml_value(item) for key, item in value.items()}
        case set() | frozenset():
            return sorted((_yaml_value(item) for item in value), key=str)
        case list() | tuple():
            return [_yaml_value(item) for item in value]
        case PurePath():
            return value.as_posix()
    return str(value)


def _front_matter(request: RenderRequest) -> str:
    data: dict[str, Any] = {"title": request.title}
    data.update(
        (str(key), _yaml_value(value)) for key, value in request.metadata.items() if key != "title"
    )
    dumped = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, default_flow_style=False)
    return f"---\n{dumped}---"


# Character classes as markdown-it's emphasis rule sees them.


def _char_class(char: str) -> _CharClass:
    if not char or isWhiteSpace(ord(char)):
        return "space"
    if isMdAsciiPunct(ord(char)) or isPunctChar(char):
        return "punct"
    return "word"


def _can_open(marker: str, before: _CharClass, after: _CharClass) -> bool:
    left = after != "space" and (after != "punct" or before != "word")
    right = before != "space" and (before != "punct" or after != "word")
    return left and (marker != "_" or not right or before == "punct")


def _can_close(marker: str, before: _CharClass, after: _CharClass) -> bool:
    left = after != "space" and (after != "punct" or before != "word")
    right = before != "space" and (before != "punct" or after != "word")
    return right and (marker != "_" or not left or after == "punct")


def _first_class(nodes: Sequence[Inline], end: _CharClass) -> _CharClass:
    """The class of the first character ``nodes`` are written with (``end`` if none)."""
    if not nodes:
        return end
    match nodes[0]:
        case Text(text=text):
            # Escaping only puts punctuation before punctuation: the class is the text's.
            return _char_class(text[0])
        case SoftBreak():
            return "space"
    return "punct"  # every other inline starts with a markup character


def _last_class(nodes: Sequence[Inline], end: _CharClass) -> _CharClass:
    if not nodes:
        return end
    match nodes[-1]:
        case Text(text=text):
            return _char_class(text[-1])
        case SoftBreak() | HardBreak():
            return "space"
    return "punct"


# Small serializers.


def _escape_attr_value(value: str) -> str:
    # Values are double-quoted; core unescapes backslash-escaped punctuation in them.
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")


def _escape_link_part(text: str) -> str:
    """Backslashes and entity-like ``&`` escaped: destinations and titles are unescaped."""
    text = re.sub(r"\\(?=[!-/:-@\[-`{-~]|\Z)", r"\\\\", text)
    return _ENTITY_LIKE.sub(r"\\&", text)


def _destination(url: str) -> str:
    if not url:
        return "<>"
    if any(char.isspace() or ord(char) < 0x20 for char in url):
        inner = _escape_link_part(url).replace("<", "\\<").replace(">", "\\>")
        return "<" + re.sub(r"[\r\n]", " ", inner) + ">"
    escaped = _escape_link_part(url).replace("(", "\\(").replace(")", "\\)")
    return "\\" + escaped if escaped.startswith("<") else escaped


def _link_title(title: str) -> str:
    if not title:
        return ""
    # A line break inside a title could start a block on the next line: write it as an
    # entity, which titles decode.
    escaped = _escape_link_part(title).replace('"', '\\"').replace("\n", "&#10;")
    return f' "{escaped}"'


def _code_span(text: str) -> str:
    text = text.replace("\n", " ")
    if not text:
        return ""
    runs = {len(run) for run in re.findall(r"`+", text)}
    ticks = next(length for length in range(1, len(runs) + 2) if length not in runs)
    fence = "`" * ticks
    # CommonMark strips one space from each side when both are there (and keeps backticks
    # at the edges apart from the fence only with a space).
    padded = text[0] == "`" or text[-1] == "`" or (text[0] == text[-1] == " " and text.strip())
    return f"{fence} {text} {fence}" if padded else f"{fence}{text}{fence}"


def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def _prefix_lines(text: str, first: str, rest: str) -> str:
    """Every line of ``text`` after a prefix; blank lines get the prefix without its spaces."""
    lines = text.split("\n")
    out = []
    for number, line in enumerate(lines):
        prefix = first if number == 0 else rest
        out.append(prefix + line if line else prefix.rstrip())
    return "\n".join(out)


def _div_depth(blocks: Iterable[Block]) -> int:
    """How deeply divs nest inside ``blocks`` (1 for a div holding no div)."""
    depth = 0
    for block in blocks:
        for node in walk(block):
            if isinstance(node, Div):
                depth = max(depth, 1 + _div_depth(node.children))
    return depth


@attrs.frozen
class _Rendered:
    """A rendered block and what the block after it may do without a blank line between."""

    text: str
    block: Block
    # Whether the block can end the paragraph before it (so a tight list keeps it tight).
    interrupts_paragraph: bool = True
    # Whether the block ends by its own syntax, so that anything may follow on the next line.
    closed: bool = False


@attrs.define
class _Section:
    """What the blocks of one item need to know: its heading shift and its session's assets."""

    shift: int
    parsed: ParsedSession


class _Writer:
    def __init__(self, request: RenderRequest) -> None:
        self.request = request
        self.embed = request.template_name == SINGLE_FILE_TEMPLATE
        self.companions: dict[str, bytes] = {}
        self.div_depth = 0  # how many divs the block being written is in
        self.in_link = False  # whether a link's text is being written
        self.in_table = False  # whether a table cell is being written
        self.open_markers: list[str] = []  # the emphasis delimiters around what is written
        self._warnings: dict[str, None] = {}
        self._asset_names: dict[tuple[str, str], str] = {}
        self._asset_index: dict[str, dict[str, Asset]] = {}
        self.section = _Section(0, ParsedSession(session=Session(id="", title=""), items=()))

    @property
    def warnings(self) -> tuple[str, ...]:
        return tuple(self._warnings)

    def warn(self, message: str) -> None:
        self._warnings.setdefault(message)

    # The file.

    def document(self) -> str:
        request = self.request
        parts: list[str] = []
        if request.include_metadata:
            parts.append(_front_matter(request))
        parts.append(self.title_heading(1, request.title))
        if request.merged:
            for parsed in request.sessions:
                parts.append(self.title_heading(2, parsed.session.title))
                parts.extend(self.items(parsed, 2, (parsed.session.title,)))
        elif request.sessions:
            parsed = request.sessions[0]
            parts.extend(self.items(parsed, 1, (parsed.session.title, request.title)))
        text = "\n\n".join(part for part in parts if part)
        # Line ends and NUL as CommonMark reads them, so the file says what it will be read as.
        text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\0", "\ufffd")
        return text.rstrip("\n") + "\n"

    def title_heading(self, level: int, title: str) -> str:
        return self.heading(Heading(level, (Text(" ".join(title.split())),), ""), level)

    def items(self, parsed: ParsedSession, level: int, same_titles: Sequence[str]) -> list[str]:
        """The items of a session below a heading of ``level``, each in its section."""
        sole = len(parsed.items) == 1 and parsed.items[0].item.title in same_titles
        parts: list[str] = []
        for item in parsed.items:
            section_level = level if sole else level + 1
            if not sole:
                parts.append(self.title_heading(section_level, item.item.title))
            parts.append(self.item(item, parsed, section_level))
        return parts

    def item(self, item: ParsedItem, parsed: ParsedSession, section_level: int) -> str:
        self.section = _Section(_heading_shift(item.document, section_level), parsed)
        return self.blocks(item.document.children)

    # Blocks.

    def blocks(self, blocks: Sequence[Block], *, tight: bool = False) -> str:
        return _join(self.rendered_blocks(blocks), tight=tight)

    def rendered_blocks(
        self, blocks: Sequence[Block], *, alternate_first: bool = False
    ) -> list[_Rendered]:
        """The blocks rendered; ``alternate_first``: a list first gets the other marker."""
        rendered: list[_Rendered] = []
        alternate = alternate_first
        for block in blocks:
            # A list right after a list of its kind (as written: a block that writes nothing
            # does not separate them) would join it, unless its marker differs.
            if rendered:
                previous = rendered[-1].block
                same_kind = isinstance(block, BulletList | OrderedList) and type(block) is type(
                    previous
                )
                alternate = not alternate if same_kind else False
            result = self.block(block, alternate)
            if result is not None:
                rendered.append(result)
        return rendered

    def block(self, block: Block, alternate: bool) -> _Rendered | None:
        match block:
            case Heading():
                return _Rendered(self.heading(block, block.level + self.section.shift), block)
            case Paragraph():
                text = self.inlines(block.children, line_start=True, edges=True)
                return _Rendered(text, block, interrupts_paragraph=False) if text else None
            case BulletList():
                return self.bullet_list(block, "+" if alternate else "-")
            case OrderedList():
                return self.ordered_list(block, ")" if alternate else ".")
            case Table():
                table = self.table(block)
                return _Rendered(table, block) if table is not None else None
            case CodeBlock():
                return _Rendered(self.code_block(block), block, closed=True)
            case BlockQuote():
                return _Rendered(_prefix_lines(self.blocks(block.children), "> ", "> "), block)
            case ThematicBreak():
                # Not "---": after a paragraph line that would be a setext heading.
                return _Rendered("***", block, closed=True)
            case Div():
                return _Rendered(self.div(block), block, closed=True)
            case HtmlBlock():
                return self.html_block(block)
        raise AssertionError(f"no Markdown for block {block!r}")

    def heading(self, heading: Heading, level: int) -> str:
        level = min(6, max(1, level))
        text = self.inlines(heading.children, one_line=True, edges=True)
        # A "#" run at the end (or alone) would be read as the optional closing sequence.
        text = _CLOSING_HASHES.sub(r"\\\1", text)
        if text.startswith("#"):
            text = "\\" + text  # not needed by CommonMark, but "# # x" reads like a typo
        return "#" * level + (" " + text if text else "")

    def bullet_list(self, block: BulletList, marker: str) -> _Rendered:
        items = [self.list_item(item, marker, block.tight) for item in block.items]
        text = ("\n" if block.tight else "\n\n").join(items)
        return _Rendered(text, block, interrupts_paragraph=_first_item_written(items, marker))

    def ordered_list(self, block: OrderedList, delimiter: str) -> _Rendered:
        items = [
            self.list_item(item, f"{block.start + number}{delimiter}", block.tight)
            for number, item in enumerate(block.items)
        ]
        text = ("\n" if block.tight else "\n\n").join(items)
        # Only a list starting at 1 may interrupt a paragraph.
        interrupts = block.start == 1 and _first_item_written(items, f"{block.start}{delimiter}")
        return _Rendered(text, block, interrupts_paragraph=interrupts)

    def list_item(self, item: ListItem, marker: str, tight: bool) -> str:
        children = item.children
        if item.checked is None:
            # "- - -" would be a thematic break: a bullet list opening a bullet item takes
            # the other marker.
            rendered = self.rendered_blocks(children, alternate_first=marker == "-")
        else:
            # The checkbox opens the item's first paragraph (made up if there is none).
            box = "[x]" if item.checked else "[ ]"
            if children and isinstance(children[0], Paragraph):
                first, children = children[0], children[1:]
            else:
                first = Paragraph(())
            # After the checkbox, the paragraph does not start a line.
            text = f"{box} {self.inlines(first.children, edges=True)}"
            rendered = [
                _Rendered(text.rstrip(), first, interrupts_paragraph=False),
                *self.rendered_blocks(children),
            ]
        body = _join(rendered, tight=tight)
        if not body:
            return marker
        indent = " " * (len(marker) + 1)
        if self.div_depth and isinstance(rendered[0].block, Div | CodeBlock):
            # Core's scan for the end of a div does not see a fence after a list marker
            # (it would miss the code block, or take the inner div's closing fence for the
            # outer one's): inside a div, such a block starts on the line after the marker.
            return marker + "\n" + _prefix_lines(body, indent, indent)
        return _prefix_lines(body, marker + " ", indent)

    def table(self, table: Table) -> str | None:
        columns = max(len(table.alignments), len(table.header))
        if not columns:
            return None
        # Every row gets one cell per column (core's tables already have them).
        rows = [
            [self.cell(cell) for cell in row[:columns]] + [""] * (columns - len(row))
            for row in (table.header, *table.rows)
        ]
        widths = [
            max(3, *(_display_width(row[column]) for row in rows)) for column in range(columns)
        ]
        alignments = list(table.alignments) + [None] * (columns - len(table.alignments))
        delimiters = []
        for width, alignment in zip(widths, alignments, strict=True):
            match alignment:
                case "left":
                    delimiters.append(":" + "-" * (width - 1))
                case "right":
                    delimiters.append("-" * (width - 1) + ":")
                case "center":
                    delimiters.append(":" + "-" * (width - 2) + ":")
                case _:
                    delimiters.append("-" * width)

        def line(cells: Sequence[str]) -> str:
            padded = (
                cell + " " * (width - _display_width(cell))
                for cell, width in zip(cells, widths, strict=True)
            )
            return "| " + " | ".join(padded) + " |"

        return "\n".join([line(rows[0]), line(delimiters), *(line(row) for row in rows[1:])])

    def cell(self, cell: TableCell) -> str:
        # GFM splits rows on unescaped pipes before reading the inlines and then drops the
        # backslash of every "\|", even inside code spans and link destinations: every pipe
        # gets exactly one backslash here (text leaves them alone in cells, as "\\|" would
        # end the cell for GitHub's reader).
        self.in_table = True
        try:
            text = self.inlines(cell.children, one_line=True, edges=True)
        finally:
            self.in_table = False
        return text.replace("|", "\\|")

    def code_block(self, block: CodeBlock) -> str:
        info = _escape_link_part(re.sub(r"[\r\n]+", " ", block.info).strip())
        # Backticks in the info string end a backtick fence's opening: use tildes then.
        char = "~" if "`" in info else "`"
        runs = [len(run) for run in re.findall(re.escape(char) + "+", block.text)]
        fence = char * max(3, *(run + 1 for run in runs)) if runs else char * 3
        body = block.text + "\n" if block.text else ""
        if info.startswith(char):
            info = " " + info  # or it would lengthen the fence
        return f"{fence}{info}\n{body}{fence}"

    def div(self, div: Div) -> str:
        # Outer fences are longer than inner ones, as MyST needs (pandoc does not mind).
        fence = ":" * (2 + _div_depth([div]))
        attr = div.attr
        if div.kind and attr.classes[:1] != (div.kind,):
            attr = attrs.evolve(attr, classes=(div.kind, *attr.classes))
        plain = attr.classes == (div.kind,) and not attr.id and not attr.pairs
        spec = div.kind if plain and _DIV_NAME.fullmatch(div.kind) else self.attributes(attr)
        self.div_depth += 1
        try:
            body = self.blocks(div.children)
        finally:
            self.div_depth -= 1
        return f"{fence} {spec}\n\n{body}\n\n{fence}" if body else f"{fence} {spec}\n\n{fence}"

    def html_block(self, block: HtmlBlock) -> _Rendered | None:
        safe = self.html_images(block.safe_html).strip()
        if not safe:
            return None
        # Core's scan for the end of a div reads every line, HTML too: a line looking like a
        # div or code fence would mislead it. In HTML a character reference is that very
        # character.
        safe = _FENCE_LIKE.sub(lambda line: f"{line[1]}&#{ord(line[2])};", safe)
        first = safe.partition("\n")[0]
        # The first of markdown-it's HTML block kinds whose opening matches decides.
        kind = next((kind for kind in HTML_SEQUENCES if kind[0].search(first) is not None), None)
        if kind is not None:
            opening, closing, interrupts = kind
            if closing.pattern == "^$":
                # Ends at the first blank line: the sanitized HTML must not hold one.
                if not re.search(r"\n[ \t]*\n", safe):
                    return _Rendered(safe, block, interrupts_paragraph=interrupts)
            elif closing.search(safe):
                return _Rendered(safe, block, closed=True)
            elif (start := opening.search(first)) is not None and start.lastindex:
                # A <pre> the source left open ran to the end of its item: close it there.
                return _Rendered(f"{safe}</{start[1]}>", block, closed=True)
        # Sanitizing took away what made it an HTML block: write its text, as text.
        paragraphs = []
        for chunk in re.split(r"\n[ \t]*\n", plain_text(block)):
            inlines: list[Inline] = []
            for line in chunk.split("\n"):
                if line := line.strip():
                    inlines.extend((SoftBreak(), Text(line)) if inlines else (Text(line),))
            if inlines:
                paragraphs.append(self.inlines(inlines, line_start=True, edges=True))
        if not paragraphs:
            return None
        return _Rendered("\n\n".join(paragraphs), block, interrupts_paragraph=False)

    # Inlines.

    def inlines(
        self,
        nodes: Sequence[Inline],
        *,
        line_start: bool = False,
        one_line: bool = False,
        edges: bool = False,
        before: str = " ",
        after: str = " ",
    ) -> str:
        """Inline nodes as Markdown.

        ``line_start``: they open a line; ``one_line``: a heading or table cell; ``edges``:
        they are a whole paragraph, heading or cell, whose outer spaces the reader drops;
        ``before``/``after``: the characters around them.
        """
        return self.render_prepared(
            self.prepare(nodes, one_line),
            line_start=line_start,
            one_line=one_line,
            edges=edges,
            before=before,
            after=after,
        )

    def prepare(self, nodes: Sequence[Inline], one_line: bool) -> list[Inline]:
        """The nodes as they will be written: links and images that cannot be written as
        such reduced to their text, HTML that sanitizing emptied dropped, neighbouring
        texts (and code spans) merged."""
        result: list[Inline] = []

        def add_text(text: str) -> None:
            # A line break in a text node (a built tree, an alt text) is a soft break.
            for number, line in enumerate(re.split(r"\r\n?|\n", text)):
                if number:
                    add(Text(" ") if one_line else SoftBreak())
                add(Text(line))

        def add(node: Inline) -> None:
            if isinstance(node, Text) and result and isinstance(result[-1], Text):
                result[-1] = Text(result[-1].text + node.text)
            elif isinstance(node, Code) and result and isinstance(result[-1], Code):
                # Two code spans cannot touch (their backticks would run together).
                result[-1] = Code(result[-1].text + node.text)
            elif not (isinstance(node, Text) and not node.text):
                result.append(node)

        for node in nodes:
            match node:
                case HtmlInline() | Emphasis() | Strong() | Strikethrough() | Code() if (
                    _writes_nothing(node)
                ):
                    continue  # so that what is around it is written as neighbours
                case SoftBreak() | HardBreak() if one_line:
                    add(Text(" "))
                case Link() if not validateLink(normalizeLink(node.href)):
                    self.warn(f"link to {node.href!r} not written: its scheme is not allowed")
                    for child in self.prepare(node.children, one_line):
                        add(child)
                case Link() | Span() if self.in_link:
                    # Links cannot nest, and core's reader takes a span in a link's text for
                    # one: either is reduced to its content.
                    if isinstance(node, Span):
                        self.warn("a bracketed span inside a link's text lost its attributes")
                    for child in self.prepare(node.children, one_line):
                        add(child)
                case Image():
                    src = self.image_src(node.src)
                    if src is None:
                        add_text(node.alt)
                    else:
                        add(attrs.evolve(node, src=src))
                case Text(text=text):
                    add_text(text)
                case _:
                    add(node)
        return result

    def render_prepared(
        self,
        nodes: Sequence[Inline],
        *,
        line_start: bool,
        one_line: bool,
        edges: bool,
        before: str,
        after: str,
    ) -> str:
        out = ""
        at_line_start = first_line = line_start
        delimited_last = False
        for number, node in enumerate(nodes):
            following = nodes[number + 1 :]
            match node:
                case Text(text=text):
                    # Readers drop white space at the edges of lines (or make a hard break of
                    # it): there it is written as character references, which they keep.
                    lead = trail = ""
                    if at_line_start or (edges and not out):
                        stripped = text.lstrip()
                        lead, text = text[: len(text) - len(stripped)], stripped
                    if (edges and not following) or (
                        following and isinstance(following[0], SoftBreak | HardBreak)
                    ):
                        stripped = text.rstrip()
                        text, trail = stripped, text[len(stripped) :]
                    piece = _entities(lead) + _escape_text(
                        text,
                        pipes=not self.in_table,
                        line_start=at_line_start and not lead,
                        before=out[-1:] or before,
                        link_follows=bool(following) and isinstance(following[0], Link | Span),
                    )
                    piece += _entities(trail)
                case SoftBreak() | HardBreak() if not following or (
                    at_line_start and isinstance(node, SoftBreak)
                ):
                    # A soft break opening a line would make a blank line (a new paragraph);
                    # a break ending the text is dropped by readers (or, as a backslash, read
                    # as one).
                    piece = ""
                case SoftBreak():
                    piece = "\n"
                case HardBreak():
                    piece = "\\\n"
                case Code(text=text):
                    piece = _code_span(text)
                case Emphasis() | Strong() | Strikethrough():
                    # Only a delimiter (of the node before, or around these nodes) can end
                    # the output with an unescaped "*", "_" or "~".
                    touching = (out[-1] if delimited_last else "") if out else before
                    after_class = _first_class(following, _char_class(after))
                    piece = self.delimited(
                        node, out[-1:] or before, touching, after_class, one_line
                    )
                case Link():
                    piece = self.link(node, one_line)
                case Image():
                    piece = self.image(node, one_line)
                case Span():
                    label = self.inlines(node.children, one_line=one_line, before="[", after="]")
                    piece = f"[{label}]{self.attributes(node.attr)}"
                case HtmlInline(safe_html=safe):
                    # Tags only; a line break inside a tag is a space in HTML, and keeping
                    # it would start a line the source did not have.
                    piece = re.sub(r"\s*\n\s*", " ", self.html_images(safe))
                    alone = not following or isinstance(following[0], SoftBreak | HardBreak)
                    if at_line_start and _opens_html_block(piece, first_line, alone):
                        self.warn(f"inline HTML {piece!r} at the start of a line left out")
                        piece = ""
            out += piece
            if piece:
                delimited_last = isinstance(node, _DELIMITED)
                at_line_start = piece.endswith("\n")
                first_line = first_line and "\n" not in piece
        return out

    def delimited(
        self,
        node: Emphasis | Strong | Strikethrough,
        last: str,
        touching: str,
        after: _CharClass,
        one_line: bool,
    ) -> str:
        """Emphasis, strong emphasis or strikethrough with delimiters that read back so.

        ``last`` is the character written just before, ``touching`` that character if it
        is a delimiter, ``after`` the class of the character that will follow.
        """
        content = self.prepare(node.children, one_line)
        if not content:
            return ""
        candidates: tuple[str, ...]
        match node:
            case Emphasis():
                candidates, tag = ("*", "_"), "em"
            case Strong():
                candidates, tag = ("**", "__"), "strong"
            case Strikethrough():
                candidates, tag = ("~~",), "del"
        before = _char_class(last)
        first, final = _first_class(content, "space"), _last_class(content, "space")
        for delimiter in candidates:
            marker = delimiter[0]
            # A delimiter touching another run of the same character would merge with it.
            if touching == marker:
                continue
            # Inside a delimiter of the same character, an opener that could also close
            # would close that one instead.
            if marker in self.open_markers and _can_close(marker, before, first):
                continue
            if _can_open(marker, before, first) and _can_close(marker, final, after):
                self.open_markers.append(marker)
                try:
                    inner = self.render_prepared(
                        content,
                        line_start=False,
                        one_line=one_line,
                        edges=False,
                        before=marker,
                        after=marker,
                    )
                finally:
                    self.open_markers.pop()
                if not inner:
                    return ""  # everything inside was left out
                # Text never starts or ends with an unescaped delimiter: only a nested node
                # at the edge can, and it would merge with this one's delimiter.
                merges = (inner[0] == marker and isinstance(content[0], _DELIMITED)) or (
                    inner[-1] == marker and isinstance(content[-1], _DELIMITED)
                )
                if not merges:
                    return f"{delimiter}{inner}{delimiter}"
        # No delimiter reads back here (e.g. inside a word next to punctuation): the tags
        # mean the same, and these are on the sanitizer's list.
        inner = self.render_prepared(
            content, line_start=False, one_line=one_line, edges=False, before=">", after="<"
        )
        return f"<{tag}>{inner}</{tag}>"

    def link(self, link: Link, one_line: bool) -> str:
        autolink = _autolink(link)
        if autolink is not None:
            return autolink
        self.in_link = True
        try:
            label = self.inlines(link.children, one_line=one_line, before="[", after="]")
        finally:
            self.in_link = False
        title = _link_title(link.title)
        attributes = self.attributes(link.attr) if link.attr != Attr() else ""
        return f"[{label}]({_destination(link.href)}{title}){attributes}"

    def image(self, image: Image, one_line: bool) -> str:
        label = self.inlines(image.children, one_line=one_line, before="[", after="]")
        attr = image.attr
        if image.alt != "".join(plain_text(child) for child in image.children):
            # The alt text came from a pandoc attribute (``![](fig.svg){alt='...'}``).
            attr = attrs.evolve(attr, pairs=(("alt", image.alt), *attr.pairs))
        attributes = self.attributes(attr) if attr != Attr() else ""
        return f"![{label}]({_destination(image.src)}{_link_title(image.title)}){attributes}"

    def attributes(self, attr: Attr) -> str:
        parts: list[str] = []
        if attr.id:
            if _ATTR_NAME.fullmatch(attr.id):
                parts.append(f"#{attr.id}")
            else:
                self.warn(f"attribute id {attr.id!r} cannot be written in Markdown; left out")
        for name in attr.classes:
            if _ATTR_NAME.fullmatch(name):
                parts.append(f".{name}")
            else:
                self.warn(f"class {name!r} cannot be written in Markdown; left out")
        for key, value in attr.pairs:
            if _ATTR_NAME.fullmatch(key):
                parts.append(f'{key}="{_escape_attr_value(value)}"')
            else:
                self.warn(f"attribute {key!r} cannot be written in Markdown; left out")
        return "{" + " ".join(parts) + "}"

    # Images.

    def html_images(self, safe_html: str) -> str:
        """Sanitized HTML with its ``<img>`` sources handled like Markdown images."""

        def image(tag: re.Match[str]) -> str:
            source = _HTML_SRC.search(tag[0])
            if source is None:
                return tag[0]
            src = self.image_src(html.unescape(source[1]))
            if src is None:
                return ""  # the warning names it; nothing of a local path is written
            quoted = html.escape(src, quote=True)
            return tag[0][: source.start(1)] + quoted + tag[0][source.end(1) :]

        # nh3 writes every attribute double-quoted, its value escaped.
        return _HTML_IMG.sub(image, safe_html)

    def image_src(self, src: str) -> str | None:
        """Where the written image points, or None when it must not be written at all."""
        asset = self.find_asset(src)
        if asset is not None:
            return self.embedded(asset) if self.embed else self.companion(asset, src)
        parts = urlsplit(src)
        scheme = parts.scheme.lower()
        if scheme in ("http", "https") or (not scheme and src.startswith("//")):
            return src  # a file on the web: a Markdown file may point there
        if scheme == "data" and validateLink(src):
            return src  # already embedded
        if scheme == "file" or len(scheme) == 1 or src.startswith(("/", "\\")):
            self.warn(f"image {src!r} is a local file outside the course; written as its alt text")
            return None
        if scheme:
            self.warn(f"image {src!r} has an unsupported scheme; written as its alt text")
            return None
        self.warn(f"image {src!r} is not among the session's files; the link may not resolve")
        return src

    def find_asset(self, src: str) -> Asset | None:
        session = self.section.parsed.session
        index = self._asset_index.get(session.id)
        if index is None:
            # Assets are keyed as written; the tree holds sources as markdown-it normalized
            # them (percent-encoded).
            index = {}
            for key, asset in session.assets.items():
                index.setdefault(normalizeLink(key), asset)
            index.update(session.assets)
            self._asset_index[session.id] = index
        return index.get(src) or index.get(unquote(src))

    def companion(self, asset: Asset, src: str) -> str:
        digest = hashlib.sha256(asset.data).hexdigest()
        key = (digest, src)
        if key in self._asset_names:
            return self._asset_names[key]
        path = PurePosixPath(unquote(urlsplit(src).path) or asset.path)
        stem = _SAFE_STEM.sub("-", path.stem).strip("-.")[:64] or "image"
        extension = path.suffix.lower()
        if not _SAFE_EXTENSION.fullmatch(extension):
            extension = _EXTENSIONS.get(asset.media_type, "")
        name = f"assets/{stem}-{digest[:8]}{extension}"
        if self.companions.get(name, asset.data) != asset.data:
            name = f"assets/{stem}-{digest}{extension}"  # eight hex digits collided
        self.companions[name] = asset.data
        self._asset_names[key] = name
        return name

    def embedded(self, asset: Asset) -> str:
        media_type = asset.media_type
        if not _IMAGE_MEDIA_TYPE.fullmatch(media_type):
            suffix = PurePosixPath(asset.path).suffix.lower()
            media_type = _MEDIA_TYPES.get(suffix, "application/octet-stream")
        return f"data:{media_type};base64,{base64.b64encode(asset.data).decode('ascii')}"


def _heading_shift(document: Document, section_level: int) -> int:
    """How many levels to move an item's headings so the highest is just below its section."""
    levels = [node.level for node in walk(document) if isinstance(node, Heading)]
    return section_level + 1 - min(levels) if levels else 0


def _opens_html_block(tag: str, first_line: bool, alone: bool) -> bool:
    """Whether inline HTML at the start of a line would be read as an HTML block there."""
    for opening, _, interrupts in HTML_SEQUENCES:
        if interrupts and opening.search(tag):
            return True
    # The last kind (any complete tag alone on its line) cannot interrupt a paragraph.
    return first_line and alone and HTML_SEQUENCES[-1][0].search(tag) is not None


def _writes_nothing(node: Inline) -> bool:
    match node:
        case HtmlInline(safe_html=text) | Code(text=text) | Text(text=text):
            return not text
        case Emphasis() | Strong() | Strikethrough():
            return all(_writes_nothing(child) for child in node.children)
    return False


def _first_item_written(items: Sequence[str], marker: str) -> bool:
    # A list whose first item is empty (as written) cannot interrupt a paragraph; under a
    # paragraph line a lone "-" would even underline it as a heading.
    return bool(items) and items[0].partition("\n")[0] != marker


def _join(rendered: Sequence[_Rendered], *, tight: bool) -> str:
    """Blocks one after another: a blank line between them, unless ``tight`` and possible."""
    out: list[str] = []
    for number, result in enumerate(rendered):
        if number:
            touch = tight and _may_touch(rendered[number - 1], result)
            out.append("\n" if touch else "\n\n")
        out.append(result.text)
    return "".join(out)


def _may_touch(previous: _Rendered, current: _Rendered) -> bool:
    """Whether ``current`` may follow ``previous`` on the next line (in a tight list item)
    and still read back as its own block."""
    if isinstance(previous.block, Paragraph):
        return current.interrupts_paragraph
    if isinstance(previous.block, Heading) or previous.closed:
        return True
    # After a list, quote, table or HTML block the next line could continue it, unless it
    # opens a block that ends them.
    if isinstance(current.block, Heading | CodeBlock | ThematicBreak | Div):
        return True
    lists = BulletList | OrderedList
    if not isinstance(previous.block, lists | BlockQuote):
        return False
    if _ends_in_paragraph(previous.block):
        # The next line would be a lazy continuation of that paragraph.
        return isinstance(current.block, lists) and current.interrupts_paragraph
    # Only a quote right after a quote would join it.
    return not isinstance(previous.block, BlockQuote) or not isinstance(current.block, BlockQuote)


def _ends_in_paragraph(block: Block) -> bool:
    """Whether the last block inside ``block`` may be a paragraph (or text like one)."""
    match block:
        case BulletList() | OrderedList():
            last = block.items[-1].children if block.items else ()
            return bool(last) and _ends_in_paragraph(last[-1])
        case BlockQuote():
            return bool(block.children) and _ends_in_paragraph(block.children[-1])
        case Heading() | CodeBlock() | ThematicBreak() | Div():
            return False
    return True  # a paragraph, or (to be safe) a table or HTML block


def _autolink(link: Link) -> str | None:
    """``<url>`` when that reads back as this very link, else None."""
    if link.title or link.attr != Attr() or len(link.children) != 1:
        return None
    match link.children[0]:
        case Text(text=text) if text == link.href and _AUTOLINK.fullmatch(text):
            if normalizeLink(text) == text and normalizeLinkText(text) == text:
                return f"<{text}>"
    return None


def _entities(text: str) -> str:
    # Control characters have no valid reference (readers make them U+FFFD): kept as is.
    return "".join(f"&#{ord(char)};" if isValidEntityCode(ord(char)) else char for char in text)


def _escape_text(
    text: str, *, pipes: bool, line_start: bool, before: str, link_follows: bool
) -> str:
    """Text escaped so that it reads back as this text (see the module docstring)."""
    out: list[str] = []
    length = len(text)
    if line_start and (number := _ORDERED_MARKER.match(text)):
        # "1. " or "1) " would open an ordered list.
        out.append(number[1] + "\\" + number[2])
        start = number.end()
    else:
        start = 0
    for index in range(start, length):
        char = text[index]
        previous = text[index - 1] if index else before
        following = text[index + 1] if index + 1 < length else ""
        if char == "|" and not pipes:
            out.append(char)
        elif char in _ALWAYS_ESCAPED or (index == 0 and line_start and char in _LINE_START_ESCAPED):
            out.append("\\" + char)
        elif char == "\\":
            # Only before punctuation (or whatever comes next) is a backslash an escape.
            escape = not following or isMdAsciiPunct(ord(following))
            out.append("\\\\" if escape else "\\")
        elif char == "_":
            # Inside a word an underscore cannot open or close emphasis (snake_case).
            inside_word = previous.isalnum() and following.isalnum()
            out.append("_" if inside_word else "\\_")
        elif char == "<":
            out.append("&lt;" if not following or _TAG_START.match(following) else "<")
        elif char == "&":
            out.append("\\&" if _ENTITY_LIKE.match(text, index) else "&")
        elif char == "@":
            # A pandoc citation starts a word with "@".
            out.append("@" if previous.isalnum() else "\\@")
        elif char == "!" and not following and link_follows:
            out.append("\\!")  # "!" and the link after it would make an image
        elif char == "-" and "-" in (previous, following):
            out.append("\\-")  # two or three hyphens read back as a dash
        else:
            out.append(char)
    return "".join(out)
