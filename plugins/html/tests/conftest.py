"""A small kit for the HTML writer's tests: sessions, requests, pages and their outline."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import attrs
import pytest

from curator_export.model import (
    Session,
)
from curator_export.render import ParsedSession, Rendered
from curator_export.testing import RequestKit
from curator_export_html import write_html


@attrs.define
class Element:
    tag: str
    attrs: dict[str, str | None]
    text: str = ""


class Outline(HTMLParser):
    """Every element of a page with its attributes, and the text of headings and title."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []
        self.open: list[Element] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, dict(attrs))
        self.elements.append(element)
        if tag in ("title", "h1", "h2", "h3", "h4", "h5", "h6", "a", "summary", "p"):
            self.open.append(element)

    def handle_endtag(self, tag: str) -> None:
        if self.open and self.open[-1].tag == tag:
            self.open.pop()

    def handle_data(self, data: str) -> None:
        for element in self.open:
            element.text += data

    def all(self, tag: str) -> list[Element]:
        return [element for element in self.elements if element.tag == tag]

    def headings(self) -> list[tuple[int, str]]:
        return [
            (int(element.tag[1]), element.text.strip())
            for element in self.elements
            if element.tag in ("h1", "h2", "h3", "h4", "h5", "h6")
        ]

    def ids(self) -> list[str]:
        return [str(element.attrs["id"]) for element in self.elements if "id" in element.attrs]


class HtmlKit(RequestKit):
    """Sessions, requests and written pages for the HTML writer's tests."""

    format_name = "html"

    def write(self, *sessions: Session | ParsedSession, **options: Any) -> Rendered:
        return write_html(self.request(*sessions, **options))

    def page(self, *sessions: Session | ParsedSession, **options: Any) -> str:
        return self.write(*sessions, **options).data.decode("utf-8")

    def outline(self, html: str) -> Outline:
        """The page parsed with html.parser: elements, headings, ids."""
        return Outline(html)

    def item_page(self, body: str, **options: Any) -> str:
        """The page of one session holding one worksheet item with ``body``."""
        return self.page(self.session(("Item", body)), **options)


@pytest.fixture
def kit() -> HtmlKit:
    """Sessions, requests and written pages for the HTML writer's tests."""
    return HtmlKit()
