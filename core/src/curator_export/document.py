"""Markdown parsed once into a small typed tree that every format writer walks.

Writers never re-parse Markdown: they ``match`` on the node classes below, so a new format is a
walk over one tree, and every format sees the same structure (pandoc's reader/writer split).

The dialect is CommonMark plus GFM tables, strikethrough and task lists, YAML front matter, and
the pandoc extensions The Carpentries lessons use: fenced divs (``::: challenge``), bracketed
spans (``[term]{#id}``) and attributes after images and links (``![](fig.svg){alt='...'}``).
Raw HTML is kept twice: as written, and sanitized with nh3 for writers that emit HTML.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Iterator, Mapping
from functools import cache
from html.parser import HTMLParser
from typing import Any, Literal, TypeAlias

import attrs
import nh3
import yaml
from markdown_it import MarkdownIt
from markdown_it.common.utils import unescapeAll
from markdown_it.rules_block import StateBlock
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from markdown_it.tree import SyntaxTreeNode
from mdit_py_plugins.front_matter import front_matter_plugin

from curator_export.errors import DocumentError

__all__ = [
    "Alignment",
    "Attr",
    "Block",
    "BlockQuote",
    "BulletList",
    "Code",
    "CodeBlock",
    "Div",
    "Document",
    "Emphasis",
    "HardBreak",
    "Heading",
    "HtmlBlock",
    "HtmlInline",
    "Image",
    "Inline",
    "Link",
    "ListItem",
    "Node",
    "OrderedList",
    "Paragraph",
    "SoftBreak",
    "Span",
    "Strikethrough",
    "Strong",
    "Table",
    "TableCell",
    "Text",
    "ThematicBreak",
    "parse",
    "plain_text",
    "sanitize_html",
    "slugify",
    "walk",
]


@attrs.frozen
class Attr:
    """Pandoc attributes ``{#id .class key=value}``; pairs keep their source order."""

    id: str = ""
    classes: tuple[str, ...] = ()
    pairs: tuple[tuple[str, str], ...] = ()

    def get(self, key: str) -> str | None:
        """The value of ``key``, the last one when it is given twice (as pandoc does)."""
        found = None
        for name, value in self.pairs:
            if name == key:
                found = value
        return found


_NO_ATTR = Attr()


# Inline nodes.


@attrs.frozen
class Text:
    text: str


@attrs.frozen
class Code:
    """A code span."""

    text: str


@attrs.frozen
class Emphasis:
    children: tuple[Inline, ...]


@attrs.frozen
class Strong:
    children: tuple[Inline, ...]


@attrs.frozen
class Strikethrough:
    children: tuple[Inline, ...]


@attrs.frozen
class Link:
    """A link; reference links are already resolved, autolinks have their URL as text."""

    href: str
    children: tuple[Inline, ...]
    title: str = ""
    attr: Attr = _NO_ATTR


@attrs.frozen
class Image:
    """An image; ``children`` is its label as written, which pandoc makes a figure's caption.

    ``alt`` is the text of the label, unless a pandoc ``{alt="..."}`` attribute gives it
    (The Carpentries write ``![](fig.svg){alt='...'}``); that attribute is not kept in ``attr``.
    """

    src: str
    children: tuple[Inline, ...] = ()
    alt: str = ""
    title: str = ""
    attr: Attr = _NO_ATTR


@attrs.frozen
class Span:
    """A pandoc bracketed span ``[text]{#id .class}``, used for glossary anchors."""

    children: tuple[Inline, ...]
    attr: Attr = _NO_ATTR


@attrs.frozen
class SoftBreak:
    """A line break in the source that renders as a space."""


@attrs.frozen
class HardBreak:
    """A forced line break (two trailing spaces or a backslash)."""


@attrs.frozen
class HtmlInline:
    """One raw inline HTML tag: ``source`` as written, ``safe_html`` for HTML writers only.

    A tag and its closing tag are separate nodes with the text between them as ordinary
    inline nodes, so ``<kbd>Tab</kbd>`` still reads "Tab" to a writer that skips HTML.
    """

    source: str
    safe_html: str


Inline: TypeAlias = (
    Text
    | Code
    | Emphasis
    | Strong
    | Strikethrough
    | Link
    | Image
    | Span
    | SoftBreak
    | HardBreak
    | HtmlInline
)


# Block nodes.


@attrs.frozen
class Heading:
    """A heading; ``id`` is a pandoc-style slug, unique within its document."""

    level: int
    children: tuple[Inline, ...]
    id: str


@attrs.frozen
class Paragraph:
    children: tuple[Inline, ...]


@attrs.frozen
class ListItem:
    """One list item; ``checked`` is None unless the item starts with ``[ ]`` or ``[x]``."""

    children: tuple[Block, ...]
    checked: bool | None = None


@attrs.frozen
class BulletList:
    """A bullet list; when ``tight``, writers should not space the items' paragraphs apart."""

    items: tuple[ListItem, ...]
    tight: bool = True


@attrs.frozen
class OrderedList:
    items: tuple[ListItem, ...]
    start: int = 1
    tight: bool = True


Alignment: TypeAlias = Literal["left", "center", "right"] | None


@attrs.frozen
class TableCell:
    children: tuple[Inline, ...]


@attrs.frozen
class Table:
    """A GFM table; every row has one cell per column, and ``alignments`` one entry each."""

    header: tuple[TableCell, ...]
    rows: tuple[tuple[TableCell, ...], ...]
    alignments: tuple[Alignment, ...]


@attrs.frozen
class CodeBlock:
    """Fenced or indented code; ``text`` has no trailing newline.

    ``language`` is the first word of the info string (``python``, ``output``, ``error``...),
    ``info`` the whole of it; both are empty for indented code.
    """

    text: str
    language: str = ""
    info: str = ""


@attrs.frozen
class BlockQuote:
    children: tuple[Block, ...]


@attrs.frozen
class ThematicBreak:
    pass


@attrs.frozen
class Div:
    """A pandoc fenced div; ``kind`` is its first class (``challenge``, ``solution``...).

    ``attr.classes`` holds every class, ``kind`` included; ``kind`` is "" for ``::: {#id}``.
    """

    kind: str
    children: tuple[Block, ...]
    attr: Attr = _NO_ATTR


@attrs.frozen
class HtmlBlock:
    """Raw HTML: ``source`` as written, ``safe_html`` for HTML writers (see sanitize_html)."""

    source: str
    safe_html: str


Block: TypeAlias = (
    Heading
    | Paragraph
    | BulletList
    | OrderedList
    | Table
    | CodeBlock
    | BlockQuote
    | ThematicBreak
    | Div
    | HtmlBlock
)


@attrs.frozen
class Document:
    """A parsed text; ``warnings`` are problems worked around (an unclosed div...)."""

    children: tuple[Block, ...]
    front_matter: Mapping[str, Any] = attrs.field(factory=dict)
    warnings: tuple[str, ...] = ()


Node: TypeAlias = Document | Block | ListItem | TableCell | Inline


# Public functions.


def parse(markdown: str, *, source: str | None = None) -> Document:
    """Parse Markdown into a Document; ``source`` names the text in errors and warnings.

    Raises DocumentError when the front matter is not a valid YAML mapping.
    """
    name = source or "<markdown>"
    env: dict[str, Any] = {"source": name, "warnings": []}
    # A byte-order mark would hide the front matter's opening fence.
    tokens = _markdown().parse(markdown.removeprefix("\ufeff"), env)
    root = SyntaxTreeNode(tokens)
    front_matter: dict[str, Any] = {}
    nodes = root.children
    if nodes and nodes[0].type == "front_matter":
        front_matter = _front_matter(nodes[0].content, name)
        nodes = nodes[1:]
    builder = _Builder()
    return Document(
        children=tuple(builder.block(node) for node in nodes),
        front_matter=front_matter,
        warnings=tuple(env["warnings"]),
    )


def walk(node: Node) -> Iterator[Node]:
    """Yield ``node`` and every node below it, depth first, in document order."""
    yield node
    for child in _children(node):
        yield from walk(child)


def plain_text(node: Node) -> str:
    """All the text of a subtree: text, code, image alt text, link text, text of raw HTML."""
    match node:
        case Text(text=text) | Code(text=text) | CodeBlock(text=text):
            return text
        case Image():
            return node.alt
        case SoftBreak():
            return " "
        case HardBreak():
            return "\n"
        case HtmlInline(source=source):
            return _html_text(source)
        case HtmlBlock(source=source):
            return _html_text(source).strip()
        case ThematicBreak():
            return ""
        case BulletList() | OrderedList():
            return "\n".join(plain_text(item) for item in node.items)
        case Table():
            rows = (node.header, *node.rows)
            return "\n".join("\t".join(plain_text(cell) for cell in row) for row in rows)
        case Document() | BlockQuote() | Div() | ListItem():
            return "\n\n".join(plain_text(child) for child in node.children)
        case _:
            return "".join(plain_text(child) for child in _children(node))


def slugify(text: str) -> str:
    """A pandoc-style identifier: lowercase words joined by hyphens, starting with a letter.

    Pandoc's rule keeps the anchors that lesson cross-references already use working.
    """
    slug = re.sub(r"[^\w\s.-]", "", text.lower())
    slug = re.sub(r"\s+", "-", slug.strip())
    first_letter = re.search(r"[^\W\d_]", slug)
    return slug[first_letter.start() :] if first_letter else "section"


def sanitize_html(fragment: str) -> str:
    """Sanitize one fragment of raw HTML with nh3, keeping it a fragment.

    nh3 parses its input as a whole document: it closes the elements the fragment leaves open
    and drops closing tags of elements opened earlier. Content splits HTML across fragments
    (``<kbd>`` and ``</kbd>`` are separate inline nodes; ``<details>`` often wraps Markdown),
    so both are undone: the sanitized fragments, joined in order, nest as the source does.
    """
    clean = _cleaner().clean(fragment)
    balance = _tag_balance(fragment)
    while (end := _TRAILING_CLOSE.search(clean)) and balance[end["tag"]] > 0:
        balance[end["tag"]] -= 1
        clean = clean[: end.start()] + end["space"]
    closers = "".join(f"</{tag}>" * -count for tag, count in balance.items() if count < 0)
    return closers + clean


# Raw HTML.

_SAFE_TAGS = frozenset(
    {
        "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "details", "dl", "dt", "em",
        "hr", "i", "img", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "samp",
        "small", "span", "strong", "sub", "summary", "sup", "u", "ul", "var",
    }
)  # fmt: skip
_SAFE_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "img": {"src", "alt", "title", "width", "height"},
    "ol": {"start"},
    "span": {"class"},
}
_VOID_TAGS = frozenset({"br", "hr", "img"})
_TRAILING_CLOSE = re.compile(r"</(?P<tag>[a-z]+)>(?P<space>\s*)\Z")


@cache
def _cleaner() -> nh3.Cleaner:
    return nh3.Cleaner(
        tags=set(_SAFE_TAGS),
        attributes={tag: set(names) for tag, names in _SAFE_ATTRIBUTES.items()},
        url_schemes={"http", "https", "mailto"},
    )


@cache
def _text_cleaner() -> nh3.Cleaner:
    # No tag survives; script and style lose their content too, the rest keeps its text.
    return nh3.Cleaner(tags=set())


def _html_text(source: str) -> str:
    return html.unescape(_text_cleaner().clean(source))


class _TagCounter(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.balance: Counter[str] = Counter()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SAFE_TAGS and tag not in _VOID_TAGS:
            self.balance[tag] += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in _SAFE_TAGS and tag not in _VOID_TAGS:
            self.balance[tag] -= 1


def _tag_balance(fragment: str) -> Counter[str]:
    """Per allowed tag, how many more times the fragment opens it than it closes it."""
    counter = _TagCounter()
    counter.feed(fragment)
    counter.close()
    return counter.balance


# Pandoc attributes.

_ATTR_ITEM = re.compile(
    r"""\s*(?:
        \#(?P<id>[\w:.-]+)
      | \.(?P<cls>[\w:.-]+)
      | (?P<key>[\w:.-]+)=(?:
            "(?P<dq>(?:[^"\\]|\\.)*)" | '(?P<sq>(?:[^'\\]|\\.)*)' | (?P<bare>[^\s"'{}]+)
        )
    )(?=[\s}])""",
    re.VERBOSE | re.DOTALL,
)
_ATTR_END = re.compile(r"\s*\}")
_BACKSLASH_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")


def _parse_attributes(text: str, pos: int = 0) -> tuple[Attr, int] | None:
    """Parse ``{#id .class key="value"}`` starting at ``text[pos]``: the Attr and its end."""
    if not text.startswith("{", pos):
        return None
    pos += 1
    ident = ""
    classes: list[str] = []
    pairs: list[tuple[str, str]] = []
    while not (end := _ATTR_END.match(text, pos)):
        item = _ATTR_ITEM.match(text, pos)
        if item is None:
            return None
        if item["id"]:
            ident = item["id"]
        elif item["cls"]:
            classes.append(item["cls"])
        else:
            value = next(v for v in (item["dq"], item["sq"], item["bare"]) if v is not None)
            pairs.append((item["key"], _BACKSLASH_ESCAPE.sub(r"\1", value)))
        pos = item.end()
    return Attr(ident, tuple(classes), tuple(pairs)), end.end()


# The markdown-it parser and its extra rules.


@cache
def _markdown() -> MarkdownIt:
    # The commonmark preset nests at most 20 deep and silently drops anything deeper;
    # divs inside lists inside divs get there, so allow the default preset's 100.
    md = MarkdownIt("commonmark", {"maxNesting": 100}).enable(["table", "strikethrough"])
    md.use(front_matter_plugin)
    # A div fence interrupts a paragraph or a list, so that the fence scan and the parse agree.
    md.block.ruler.before(
        "fence", "fenced_div", _div_rule, {"alt": ["paragraph", "reference", "blockquote", "list"]}
    )
    md.inline.ruler.after("link", "bracketed_span", _span_rule)
    md.inline.ruler.push("inline_attributes", _inline_attributes_rule)
    # before text_join: escaped hyphens (`\\-`) are still text_special tokens there, left alone
    md.core.ruler.before("text_join", "dashes", _dashes_rule)
    return md


_EM_DASH = re.compile(r"(?<!-)---(?!-)")
_EN_DASH = re.compile(r"(?<!-)--(?!-)")


def _dashes_rule(state: StateCore) -> None:
    """``---`` and ``--`` in prose as the em and en dashes they stand for, as pandoc reads
    them (lessons are written for pandoc); code and raw HTML keep their hyphens."""
    for token in state.tokens:
        if token.type != "inline" or not token.children:
            continue
        for child in token.children:
            if child.type == "text" and "--" in child.content:
                child.content = _EN_DASH.sub("\u2013", _EM_DASH.sub("\u2014", child.content))


_DIV_CLOSE = re.compile(r":{3,}[ \t]*\Z")
_DIV_OPEN = re.compile(r":{3,}[ \t]*(?P<rest>[^:\s].*?)[ \t]*\Z")
_DIV_NAME = re.compile(r"(?P<name>\w[\w.-]*)[ \t]*:*\Z")
_DIV_ATTR_TAIL = re.compile(r"[ \t]*:*\Z")
# List and quote markers a code fence may follow on its line ("- ```python").
_CONTAINER_MARKERS = re.compile(r"\A(?:[ \t]*(?:[-+*]|\d{1,9}[.)])[ \t]+|[ \t]*>[ \t]?)+")
_CODE_FENCE = re.compile(r"(?P<marker>`{3,}|~{3,})(?P<info>.*)\Z")


def _div_opener(line: str) -> Attr | None:
    """The attributes of a pandoc div opening fence, or None if ``line`` is not one."""
    opening = _DIV_OPEN.match(line)
    if opening is None:
        return None
    rest = opening["rest"]
    if name := _DIV_NAME.match(rest):
        return Attr(classes=(name["name"],))
    parsed = _parse_attributes(rest)
    if parsed is None or not _DIV_ATTR_TAIL.match(rest, parsed[1]):
        return None
    return parsed[0]


def _line_text(state: StateBlock, line: int) -> str:
    return state.src[state.bMarks[line] + state.tShift[line] : state.eMarks[line]]


def _find_div_close(state: StateBlock, first: int, end: int) -> tuple[int, bool]:
    """The line of the fence closing a div whose content starts at ``first``, and whether
    there is one: a bare fence of any length closes the innermost open div (pandoc), and
    nothing inside a code fence or an indented code block is a fence.
    """
    depth = 0
    code_fence = ""
    for line in range(first, end):
        text = _line_text(state, line)
        if text and state.sCount[line] < state.blkIndent:
            return line, False  # the list item or block quote holding the div ends here
        if code_fence:
            closing = text.rstrip()
            if closing.startswith(code_fence) and closing == closing[0] * len(closing):
                code_fence = ""
        elif state.sCount[line] - state.blkIndent >= 4:
            continue
        elif fence := _CODE_FENCE.match(_CONTAINER_MARKERS.sub("", text, count=1)):
            if not (fence["marker"][0] == "`" and "`" in fence["info"]):
                code_fence = fence["marker"]
        elif _DIV_CLOSE.match(text):
            if depth == 0:
                return line, True
            depth -= 1
        elif _div_opener(text) is not None:
            depth += 1
    return end, False


def _div_rule(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    if state.is_code_block(start_line):
        return False
    attr = _div_opener(_line_text(state, start_line))
    if attr is None:
        return False
    if silent:
        return True
    close_line, closed = _find_div_close(state, start_line + 1, end_line)
    kind = attr.classes[0] if attr.classes else ""
    if not closed:
        state.env.setdefault("warnings", []).append(
            f"{state.env.get('source', '<markdown>')}:{start_line + 1}:"
            f" fenced div {kind!r} is never closed;"
            " it ends where its enclosing block ends"
        )
    old_parent, old_line_max = state.parentType, state.lineMax
    state.parentType = "div"
    # Lazy paragraph continuation must never run past the closing fence.
    state.lineMax = close_line
    opening = state.push("div_open", "div", 1)
    opening.map = [start_line, close_line + closed]
    opening.meta["attr"] = attr
    state.md.block.tokenize(state, start_line + 1, close_line)
    state.push("div_close", "div", -1)
    state.parentType, state.lineMax = old_parent, old_line_max
    state.line = close_line + closed
    return True


def _span_rule(state: StateInline, silent: bool) -> bool:
    if state.src[state.pos] != "[":
        return False
    label_end = state.md.helpers.parseLinkLabel(state, state.pos, False)
    if label_end < 0:
        return False
    parsed = _parse_attributes(state.src[: state.posMax], label_end + 1)
    if parsed is None:
        return False
    if not silent:
        old_max = state.posMax
        state.pos, state.posMax = state.pos + 1, label_end
        state.push("span_open", "span", 1).meta["attr"] = parsed[0]
        state.md.inline.tokenize(state)
        state.push("span_close", "span", -1)
        state.posMax = old_max
    state.pos = parsed[1]
    return True


def _inline_attributes_rule(state: StateInline, silent: bool) -> bool:
    # Pandoc puts attributes right after an image or a link: ![](fig.svg){alt='...'}.
    if state.pending or not state.tokens or state.tokens[-1].type not in ("image", "link_close"):
        return False
    target = _opening_token(state.tokens)
    if "attr" in target.meta:
        return False
    parsed = _parse_attributes(state.src[: state.posMax], state.pos)
    if parsed is None:
        return False
    if not silent:
        target.meta["attr"] = parsed[0]
    state.pos = parsed[1]
    return True


def _opening_token(tokens: list[Token]) -> Token:
    """The token that opens the last token of ``tokens`` (itself if it is not a closing one)."""
    depth = 0
    for token in reversed(tokens):
        depth += token.nesting
        if depth >= 0:
            return token
    raise AssertionError("unbalanced markdown-it inline tokens")


# From markdown-it's syntax tree to ours.


def _front_matter(text: str, name: str) -> dict[str, Any]:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        # +2: YAML counts from 0, and the opening `---` is line 1 of the file.
        where = f" at line {mark.line + 2}" if mark is not None else ""
        problem = getattr(error, "problem", None) or str(error)
        raise DocumentError(f"{name}: front matter is not valid YAML{where}: {problem}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise DocumentError(
            f"{name}: front matter must be a YAML mapping of keys to values,"
            f" not a {type(data).__name__}"
        )
    return {str(key): value for key, value in data.items()}


_TASK_MARKER = re.compile(r"\[([ xX])\](?:[ \t]+|\Z)")
_ALIGNMENTS: dict[str, Alignment] = {
    "text-align:left": "left",
    "text-align:center": "center",
    "text-align:right": "right",
}


class _Builder:
    """Converts one document; it remembers the heading ids already given."""

    def __init__(self) -> None:
        self.ids: set[str] = set()

    def unique_id(self, text: str) -> str:
        base = slugify(text)
        candidate, number = base, 0
        while candidate in self.ids:
            number += 1
            candidate = f"{base}-{number}"
        self.ids.add(candidate)
        return candidate

    def blocks(self, nodes: list[SyntaxTreeNode]) -> tuple[Block, ...]:
        return tuple(self.block(node) for node in nodes)

    def block(self, node: SyntaxTreeNode) -> Block:
        match node.type:
            case "paragraph":
                return Paragraph(_inline_children(node))
            case "heading":
                children = _inline_children(node)
                text = "".join(plain_text(child) for child in children)
                return Heading(int(node.tag[1:]), children, self.unique_id(text))
            case "bullet_list":
                return BulletList(self.list_items(node), _is_tight(node))
            case "ordered_list":
                start = int(node.attrs.get("start", 1))
                return OrderedList(self.list_items(node), start, _is_tight(node))
            case "fence":
                info = unescapeAll(node.info).strip()
                return CodeBlock(_strip_newline(node.content), _language(info), info)
            case "code_block":
                return CodeBlock(_strip_newline(node.content))
            case "blockquote":
                return BlockQuote(self.blocks(node.children))
            case "hr":
                return ThematicBreak()
            case "div":
                attr: Attr = node.meta["attr"]
                kind = attr.classes[0] if attr.classes else ""
                return Div(kind, self.blocks(node.children), attr)
            case "html_block":
                return HtmlBlock(node.content, sanitize_html(node.content))
            case "table":
                return _table(node)
        raise AssertionError(f"no tree node for markdown-it block {node.type!r}")

    def list_items(self, node: SyntaxTreeNode) -> tuple[ListItem, ...]:
        return tuple(_task_item(self.blocks(item.children)) for item in node.children)


def _is_tight(node: SyntaxTreeNode) -> bool:
    # markdown-it hides the paragraphs of tight lists rather than marking the list.
    return not any(
        child.type == "paragraph" and not child.hidden
        for item in node.children
        for child in item.children
    )


def _task_item(children: tuple[Block, ...]) -> ListItem:
    match children:
        case (Paragraph(children=(Text(text=text), *rest)), *blocks):
            if marker := _TASK_MARKER.match(text):
                remaining = text[marker.end() :]
                inlines = ((Text(remaining),) if remaining else ()) + tuple(rest)
                return ListItem((Paragraph(inlines), *blocks), marker[1] != " ")
    return ListItem(children)


def _table(node: SyntaxTreeNode) -> Table:
    rows = [row for section in node.children for row in section.children]
    header, *body = (
        tuple(TableCell(_inline_children(cell)) for cell in row.children) for row in rows
    )
    alignments = tuple(
        _ALIGNMENTS.get(str(cell.attrs.get("style", ""))) for cell in rows[0].children
    )
    return Table(header, tuple(body), alignments)


def _language(info: str) -> str:
    # "python", "{.python}" (pandoc) and "{r, echo=FALSE}" (R Markdown) all name a language.
    first = re.match(r"\{?\s*\.?([^\s{},]+)", info)
    return first[1] if first else ""


def _strip_newline(text: str) -> str:
    return text.removesuffix("\n")


def _inline_children(node: SyntaxTreeNode) -> tuple[Inline, ...]:
    """The inline content of a paragraph, heading or table cell (held by one inline node)."""
    return _inlines(node.children[0].children) if node.children else ()


def _inlines(nodes: list[SyntaxTreeNode]) -> tuple[Inline, ...]:
    result: list[Inline] = []
    for node in nodes:
        item = _inline(node)
        # Emphasis delimiters leave empty or split text tokens behind in markdown-it's stream.
        if isinstance(item, Text):
            if not item.text:
                continue
            if result and isinstance(result[-1], Text):
                result[-1] = Text(result[-1].text + item.text)
                continue
        result.append(item)
    return tuple(result)


def _inline(node: SyntaxTreeNode) -> Inline:
    match node.type:
        case "text":
            return Text(node.content)
        case "softbreak":
            return SoftBreak()
        case "hardbreak":
            return HardBreak()
        case "code_inline":
            return Code(node.content)
        case "em":
            return Emphasis(_inlines(node.children))
        case "strong":
            return Strong(_inlines(node.children))
        case "s":
            return Strikethrough(_inlines(node.children))
        case "link":
            return Link(
                href=str(node.attrs["href"]),
                children=_inlines(node.children),
                title=str(node.attrs.get("title", "")),
                attr=node.meta.get("attr", _NO_ATTR),
            )
        case "image":
            return _image(node)
        case "span":
            return Span(_inlines(node.children), node.meta["attr"])
        case "html_inline":
            return HtmlInline(node.content, sanitize_html(node.content))
    raise AssertionError(f"no tree node for markdown-it inline {node.type!r}")


def _image(node: SyntaxTreeNode) -> Image:
    children = _inlines(node.children)
    attr: Attr = node.meta.get("attr", _NO_ATTR)
    alt = attr.get("alt")
    if alt is None:
        alt = "".join(plain_text(child) for child in children)
    else:
        # The alt text now lives in its own field; a writer copying attributes would repeat it.
        attr = attrs.evolve(attr, pairs=tuple(p for p in attr.pairs if p[0] != "alt"))
    return Image(
        src=str(node.attrs["src"]),
        children=children,
        alt=alt,
        title=str(node.attrs.get("title", "")),
        attr=attr,
    )


def _children(node: Node) -> tuple[Node, ...]:
    match node:
        case BulletList() | OrderedList():
            return node.items
        case Table():
            return node.header + tuple(cell for row in node.rows for cell in row)
        case (
            Document()
            | Heading()
            | Paragraph()
            | ListItem()
            | TableCell()
            | BlockQuote()
            | Div()
            | Emphasis()
            | Strong()
            | Strikethrough()
            | Link()
            | Image()
            | Span()
        ):
            return node.children
    return ()
