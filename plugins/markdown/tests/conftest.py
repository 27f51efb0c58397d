"""A small kit for the Markdown writer's tests: sessions, requests and written files."""

from __future__ import annotations

from typing import Any

import pytest

from curator_export.document import Document, parse
from curator_export.model import ContentType, Session
from curator_export.render import ParsedSession, Rendered
from curator_export.testing import RequestKit
from curator_export_markdown.writer import write_markdown


class MarkdownKit(RequestKit):
    """Sessions, requests and written Markdown for the writer's tests."""

    format_name = "markdown"
    default_type = ContentType.SLIDES

    def write(self, *sessions: Session | ParsedSession, **options: Any) -> Rendered:
        return write_markdown(self.request(*sessions, **options))

    def text(self, *sessions: Session | ParsedSession, **options: Any) -> str:
        return self.write(*sessions, **options).data.decode("utf-8")

    def item_text(self, body: str, **options: Any) -> str:
        """The file written for one item titled like its session (so no item heading)."""
        return self.text(self.session(("Session", body)), **options)

    def item_tree(self, body: str | Document) -> Document:
        """``body`` (Markdown or a tree) written and read back, without the file's title."""
        if isinstance(body, Document):
            session = self.session(("Session", ""))
            parsed = self.parsed(session, {session.items[0].id: body})
            text = self.text(parsed)
        else:
            text = self.item_text(body)
        document = parse(text)
        return Document(document.children[1:])


@pytest.fixture
def md() -> MarkdownKit:
    """Sessions, requests and written Markdown for the writer's tests."""
    return MarkdownKit()
