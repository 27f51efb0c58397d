"""Inline nodes (text, emphasis, code, links, images, raw tags) as ODF paragraph content.

Text documents and presentations write inline content the same way, into ``text:p``,
``text:h`` or ``text:span``; only the names of the character styles and what becomes of an
image differ, so both are given to :class:`InlineWriter`. Raw inline HTML is never copied:
the text between a tag and its closing tag is ordinary inline content already, and the few
tags that mean a character style (``<kbd>``, ``<em>``, ``<sub>`` ...) get that style.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from html.parser import HTMLParser

import attrs
from odf.element import Element

from curator_export.document import (
    Code,
    Emphasis,
    HardBreak,
    HtmlInline,
    Image,
    Inline,
    Link,
    SoftBreak,
    Span,
    Strikethrough,
    Strong,
    Text,
)
from curator_export_odf.build import E, add_text

__all__ = ["CharacterStyles", "InlineWriter", "link_scheme", "raw_images"]

_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")
_SAFE_SCHEMES = frozenset({"http", "https", "mailto"})
_WHITE_SPACE = re.compile(r"[ \t\n\r]+")
_TAG = re.compile(r"<\s*(/?)\s*([A-Za-z][A-Za-z0-9]*)")


@attrs.frozen
class CharacterStyles:
    """Names of the character (``text`` family) styles the writer uses."""

    emphasis: str = "Emphasis"
    strong: str = "Strong_20_Emphasis"
    code: str = "Source_20_Text"
    strikethrough: str = "Strikethrough"
    subscript: str = "Subscript"
    superscript: str = "Superscript"
    link: str = "Internet_20_link"
    visited_link: str = "Visited_20_Internet_20_Link"
    missing_image: str = "Emphasis"

    def for_tag(self, tag: str) -> str | None:
        """The style a raw HTML tag stands for, if any."""
        return {
            "kbd": self.code,
            "code": self.code,
            "samp": self.code,
            "var": self.emphasis,
            "em": self.emphasis,
            "i": self.emphasis,
            "strong": self.strong,
            "b": self.strong,
            "del": self.strikethrough,
            "s": self.strikethrough,
            "sub": self.subscript,
            "sup": self.superscript,
        }.get(tag)


class _Images(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[Image] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            values = {name: value or "" for name, value in attrs}
            self.found.append(
                Image(
                    src=values.get("src", ""),
                    alt=values.get("alt", ""),
                    title=values.get("title", ""),
                )
            )


def raw_images(safe_html: str) -> list[Image]:
    """The ``<img>`` tags of sanitized raw HTML as image nodes."""
    parser = _Images()
    parser.feed(safe_html)
    parser.close()
    return parser.found


def link_scheme(href: str) -> str:
    """The scheme of a URL as a browser reads it (control characters and spaces ignored)."""
    match = _SCHEME.match(re.sub(r"[\x00-\x20\x7f]", "", href))
    return match[1].lower() if match else ""


class InlineWriter:
    """Appends inline nodes to an element.

    ``image`` gives the element showing an image (None when it is left out: its alt text is
    written instead); ``internal_link`` maps an ``#id`` of the source to a bookmark name
    (None: not a target here); ``bookmark`` gives the bookmark name of a source id the
    first time it is written (None afterwards).
    """

    def __init__(
        self,
        styles: CharacterStyles,
        *,
        image: Callable[[Image], Element | None],
        internal_link: Callable[[str], str | None] = lambda ident: None,
        bookmark: Callable[[str], str | None] = lambda ident: None,
    ) -> None:
        self.styles = styles
        self.image = image
        self.internal_link = internal_link
        self.bookmark = bookmark

    def write(self, parent: Element, inlines: Iterable[Inline]) -> None:
        # Raw tags open and close character styles across the nodes between them.
        targets: list[tuple[str, Element]] = [("", parent)]
        for inline in inlines:
            if isinstance(inline, HtmlInline):
                self._raw_tag(inline, targets)
            else:
                self.inline(targets[-1][1], inline)

    def inline(self, parent: Element, inline: Inline) -> None:
        match inline:
            case Text(text=text):
                # White space in Markdown text is a single space wherever it is.
                add_text(parent, _WHITE_SPACE.sub(" ", text))
            case Code(text=text):
                span = self.span(parent, self.styles.code)
                add_text(span, text)
            case Emphasis(children=children):
                self.write(self.span(parent, self.styles.emphasis), children)
            case Strong(children=children):
                self.write(self.span(parent, self.styles.strong), children)
            case Strikethrough(children=children):
                self.write(self.span(parent, self.styles.strikethrough), children)
            case Link():
                self.link(parent, inline)
            case Image():
                shown = self.image(inline)
                if shown is not None:
                    parent.addElement(shown)
                else:
                    span = self.span(parent, self.styles.missing_image)
                    add_text(span, inline.alt or "(image not included)")
            case Span(children=children, attr=attr):
                name = self.bookmark(attr.id) if attr.id else None
                if name:
                    parent.addElement(E("text:bookmark", {"text:name": name}))
                self.write(parent, children)
            case SoftBreak():
                add_text(parent, " ")
            case HardBreak():
                parent.addElement(E("text:line-break"))
            case HtmlInline():
                self.write(parent, [inline])

    def span(self, parent: Element, style: str) -> Element:
        span = E("text:span", {"text:style-name": style})
        parent.addElement(span)
        return span

    def link(self, parent: Element, link: Link) -> None:
        href = link.href.strip()
        if href.startswith("#"):
            target = self.internal_link(href[1:])
            href = f"#{target}" if target else ""
        elif link_scheme(href) not in _SAFE_SCHEMES:
            # Relative links point into the lesson's web site, which is not beside this
            # file, and other schemes are unsafe: keep the text only.
            href = ""
        if not href:
            self.write(parent, link.children)
            return
        attributes = {
            "xlink:type": "simple",
            "xlink:href": href,
            "text:style-name": self.styles.link,
            "text:visited-style-name": self.styles.visited_link,
        }
        if link.title:
            attributes["office:title"] = link.title
        anchor = E("text:a", attributes)
        parent.addElement(anchor)
        self.write(anchor, link.children)

    def _raw_tag(self, inline: HtmlInline, targets: list[tuple[str, Element]]) -> None:
        match = _TAG.match(inline.source)
        if match is None:
            return
        closing, tag = match[1] == "/", match[2].lower()
        if tag == "br" and not closing:
            targets[-1][1].addElement(E("text:line-break"))
            return
        if tag == "img":
            for image in raw_images(inline.safe_html):
                self.inline(targets[-1][1], image)
            return
        style = self.styles.for_tag(tag)
        if style is None:
            return
        if not closing:
            targets.append((tag, self.span(targets[-1][1], style)))
        elif len(targets) > 1 and targets[-1][0] == tag:
            targets.pop()
