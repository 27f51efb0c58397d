"""The document tree of one content item as HTML fragments, escaped and self-contained.

Every text is escaped with markupsafe; raw HTML only ever reaches the page as core's
sanitized ``safe_html``, re-serialized here so that its images are embedded or dropped like
Markdown images. Nothing written here makes the page fetch anything when it is opened:
an image is a ``data:`` URI from the session's assets, or its alt text with a warning.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable, Mapping
from html.parser import HTMLParser
from posixpath import normpath
from urllib.parse import unquote

from markupsafe import Markup, escape

from curator_export.document import (
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
    Text,
    ThematicBreak,
    walk,
)
from curator_export.labels import DIV_LABELS, div_label
from curator_export.model import Asset

_SAFE_SCHEMES = frozenset({"http", "https", "mailto"})
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")
_EMBEDDABLE_DATA = re.compile(r"data:image/(png|jpeg|gif|webp|svg\+xml)[;,]", re.IGNORECASE)
_UNSAFE_ID = re.compile(r"[^A-Za-z0-9_-]+")
_TOKEN = re.compile(r"[^A-Za-z0-9_-]+")


def link_scheme(href: str) -> str:
    """The scheme of a URL as a browser reads it (control characters and spaces ignored)."""
    compact = re.sub(r"[\x00-\x20\x7f]", "", href)
    match = _SCHEME.match(compact)
    return match[1].lower() if match else ""


def safe_href(href: str) -> bool:
    """Whether a link may stay a link: http(s), mailto, relative paths and #anchors."""
    return link_scheme(href) in _SAFE_SCHEMES or link_scheme(href) == ""


class PageIds:
    """The ids of one page, unique across every session and item merged into it."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def unique(self, base: str) -> str:
        base = _UNSAFE_ID.sub("-", base).strip("-") or "section"
        if not base[0].isalpha():
            base = f"s-{base}"
        candidate, number = base, 0
        while candidate in self.used:
            number += 1
            candidate = f"{base}-{number}"
        self.used.add(candidate)
        return candidate


class ItemWriter:
    """Writes one item's tree; its headings go below ``base_level`` with no level skipped.

    Ids are prefixed with ``prefix`` so that two items' "introduction" headings differ, and
    links to ``#id`` inside the item follow their target's new id.
    """

    def __init__(
        self,
        document: Document,
        *,
        ids: PageIds,
        prefix: str,
        base_level: int,
        assets: Mapping[str, Asset],
        warnings: list[str],
        source: str,
        div_labels: Mapping[str, str] | None = None,
    ) -> None:
        self.ids = ids
        self.assets = assets
        self.warnings = warnings
        self.source = source
        self.div_labels = {**DIV_LABELS, **(div_labels or {})}
        self.base_level = base_level
        self.last_level = base_level - 1
        levels = [node.level for node in walk(document) if isinstance(node, Heading)]
        self.shift = base_level - min(levels) if levels else 0
        # Known before writing, so that a link may point forward to a heading.
        self.targets: dict[str, str] = {}
        for node in walk(document):
            source_id = _node_id(node)
            if source_id and source_id not in self.targets:
                self.targets[source_id] = ids.unique(f"{prefix}-{source_id}")
        self.written: set[str] = set()

    # Ids and headings.

    def anchor(self, source_id: str) -> str:
        """The page id of a node: its precomputed target the first time, a fresh one after."""
        if source_id in self.targets and source_id not in self.written:
            self.written.add(source_id)
            return self.targets[source_id]
        return self.ids.unique(source_id)

    def heading_level(self, level: int) -> int:
        # Shifted below the item's own heading, and never deeper than one below the last
        # heading, so the page outline has no gaps even where the source skips a level.
        wanted = max(self.base_level, min(level + self.shift, 6))
        self.last_level = min(wanted, self.last_level + 1)
        return self.last_level

    # Blocks.

    def blocks(self, blocks: Iterable[Block]) -> Markup:
        return Markup("\n").join(self.block(block) for block in blocks)

    def block(self, block: Block) -> Markup:
        match block:
            case Heading():
                level = self.heading_level(block.level)
                ident = self.anchor(block.id)
                return Markup('<h{0} id="{1}">{2}</h{0}>').format(
                    level, ident, self.inlines(block.children)
                )
            case Paragraph():
                return Markup("<p>{}</p>").format(self.inlines(block.children))
            case BulletList():
                return Markup("<ul>\n{}\n</ul>").format(self.list_items(block.items, block.tight))
            case OrderedList():
                start = Markup(' start="{}"').format(block.start) if block.start != 1 else ""
                return Markup("<ol{}>\n{}\n</ol>").format(
                    start, self.list_items(block.items, block.tight)
                )
            case Table():
                return self.table(block)
            case CodeBlock():
                language = _TOKEN.sub("-", block.language).strip("-")
                css = Markup(' class="language-{}"').format(language) if language else ""
                # tabindex: keyboard users must be able to scroll a wide block sideways.
                return Markup('<pre tabindex="0"><code{}>{}</code></pre>').format(css, block.text)
            case BlockQuote():
                return Markup("<blockquote>\n{}\n</blockquote>").format(self.blocks(block.children))
            case ThematicBreak():
                return Markup("<hr>")
            case Div():
                return self.div(block)
            case HtmlBlock():
                return self.raw_html(block.safe_html)
        raise AssertionError(f"the html writer has no case for {type(block).__name__}")

    def list_items(self, items: Iterable[ListItem], tight: bool) -> Markup:
        written = []
        for item in items:
            parts = []
            if item.checked is not None:
                label = "done" if item.checked else "not done"
                box = "\u2611" if item.checked else "\u2610"
                parts.append(
                    Markup('<span class="task" role="img" aria-label="{}">{}</span> ').format(
                        label, box
                    )
                )
            for child in item.children:
                if tight and isinstance(child, Paragraph):
                    parts.append(self.inlines(child.children))
                else:
                    parts.append(self.block(child))
            written.append(Markup("<li>{}</li>").format(Markup("\n").join(parts)))
        return Markup("\n").join(written)

    def table(self, table: Table) -> Markup:
        def style(column: int) -> Markup:
            align = table.alignments[column] if column < len(table.alignments) else None
            return Markup(' class="align-{}"').format(align) if align else Markup("")

        head = Markup("").join(
            Markup('<th scope="col"{}>{}</th>').format(style(n), self.inlines(cell.children))
            for n, cell in enumerate(table.header)
        )
        rows = Markup("\n").join(
            Markup("<tr>{}</tr>").format(
                Markup("").join(
                    Markup("<td{}>{}</td>").format(style(n), self.inlines(cell.children))
                    for n, cell in enumerate(row)
                )
            )
            for row in table.rows
        )
        return Markup(
            '<div class="table-wrap" tabindex="0"><table>\n<thead><tr>{}</tr></thead>\n'
            "<tbody>\n{}\n</tbody>\n</table></div>"
        ).format(head, rows)

    def div(self, div: Div) -> Markup:
        ident = Markup(' id="{}"').format(self.anchor(div.attr.id)) if div.attr.id else ""
        classes = " ".join(
            _TOKEN.sub("-", name) for name in (div.kind and f"div-{div.kind}", *div.attr.classes)
        ).strip()
        body = self.blocks(div.children)
        if not div.kind:
            return Markup('<div{} class="{}">\n{}\n</div>').format(ident, classes, body)
        label = div_label(div.kind, self.div_labels)
        if div.kind == "solution":
            # A solution stays hidden until the reader asks for it.
            return Markup('<details{} class="{}">\n<summary>{}</summary>\n{}\n</details>').format(
                ident, classes, label, body
            )
        # role="note": a callout inside the main content, not a complementary landmark.
        return Markup(
            '<aside{} class="{}" role="note" aria-label="{}">\n'
            '<p class="div-label">{}</p>\n{}\n</aside>'
        ).format(ident, classes, label, label, body)

    # Inlines.

    def inlines(self, inlines: Iterable[Inline]) -> Markup:
        return Markup("").join(self.inline(inline) for inline in inlines)

    def inline(self, inline: Inline) -> Markup:
        match inline:
            case Text():
                return escape(inline.text)
            case Code():
                return Markup("<code>{}</code>").format(inline.text)
            case Emphasis():
                return Markup("<em>{}</em>").format(self.inlines(inline.children))
            case Strong():
                return Markup("<strong>{}</strong>").format(self.inlines(inline.children))
            case Strikethrough():
                return Markup("<del>{}</del>").format(self.inlines(inline.children))
            case Link():
                return self.link(inline)
            case Image():
                return self.image(inline.src, inline.alt, inline.title)
            case Span():
                attr = inline.attr
                ident = Markup(' id="{}"').format(self.anchor(attr.id)) if attr.id else ""
                names = " ".join(_TOKEN.sub("-", name) for name in attr.classes)
                css = Markup(' class="{}"').format(names) if names else ""
                return Markup("<span{}{}>{}</span>").format(
                    ident, css, self.inlines(inline.children)
                )
            case SoftBreak():
                return Markup("\n")
            case HardBreak():
                return Markup("<br>\n")
            case HtmlInline():
                return self.raw_html(inline.safe_html)
        raise AssertionError(f"the html writer has no case for {type(inline).__name__}")

    def link(self, link: Link) -> Markup:
        text = self.inlines(link.children)
        href = link.href.strip()
        if not safe_href(href):
            self.warnings.append(
                f"{self.source}: link to {href[:80]!r} dropped (scheme not allowed), text kept"
            )
            return text
        if href.startswith("#") and unquote(href[1:]) in self.targets:
            href = "#" + self.targets[unquote(href[1:])]
        title = Markup(' title="{}"').format(link.title) if link.title else ""
        return Markup('<a href="{}"{}>{}</a>').format(href, title, text)

    def image(self, src: str, alt: str, title: str = "") -> Markup:
        data_uri = self.embedded(src)
        if data_uri is None:
            return Markup('<span class="missing-image">{}</span>').format(
                alt or "(image not included)"
            )
        title_attr = Markup(' title="{}"').format(title) if title else ""
        return Markup('<img src="{}" alt="{}"{}>').format(data_uri, alt, title_attr)

    def embedded(self, src: str) -> str | None:
        """The ``data:`` URI of an image, or None (with a warning) when it is not embeddable.

        Remote, ``file:`` and absolute sources are never fetched or referenced: opening the
        page must not reach the network or the author's disk.
        """
        src = src.strip()
        if _EMBEDDABLE_DATA.match(src):
            return src
        asset = self.asset(src)
        if asset is not None:
            encoded = base64.b64encode(asset.data).decode("ascii")
            return f"data:{asset.media_type};base64,{encoded}"
        if link_scheme(src) or src.startswith(("/", "\\")):
            reason = "remote or local-file images are not fetched"
        else:
            reason = "it is not one of the session's files"
        self.warnings.append(
            f"{self.source}: image {src[:80]!r} left out ({reason}); alt text kept"
        )
        return None

    def asset(self, src: str) -> Asset | None:
        if src in self.assets:
            return self.assets[src]
        if link_scheme(src) or src.startswith(("/", "\\")):
            return None
        key = normpath(unquote(re.split(r"[#?]", src, maxsplit=1)[0]))
        return self.assets.get(key)

    def raw_html(self, safe_html: str) -> Markup:
        rewriter = _RawHtml(self)
        rewriter.feed(safe_html)
        rewriter.close()
        return Markup("".join(rewriter.out))


def _node_id(node: object) -> str:
    match node:
        case Heading(id=ident):
            return ident
        case Div() | Span():
            return node.attr.id
    return ""


class _RawHtml(HTMLParser):
    """Re-serializes sanitized HTML, embedding or dropping its images like Markdown's."""

    def __init__(self, writer: ItemWriter) -> None:
        super().__init__(convert_charrefs=True)
        self.writer = writer
        self.out: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "img":
            self.out.append(self.writer.image(values.get("src", ""), values.get("alt", "")))
            return
        if tag == "a" and "href" in values and not safe_href(values["href"]):
            del values["href"]
        written = "".join(
            str(Markup(' {}="{}"').format(name, value)) for name, value in values.items()
        )
        self.out.append(f"<{tag}{written}>")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag != "img":
            self.out.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        self.out.append(str(escape(data)))
