"""A small kit for the HTML writer's tests: sessions, requests, pages and their outline."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import attrs
import pytest

from curator_export.model import (
    Asset,
    Audience,
    BatchExportJob,
    Branding,
    ContentItem,
    ContentType,
    Session,
)
from curator_export.render import ParsedSession, Rendered, RenderRequest
from curator_export.selection import parse_session
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


class HtmlKit:
    """Builds sessions and render requests the way core hands them to the writer."""

    def asset(self, path: str, data: bytes, media_type: str = "image/png") -> Asset:
        return Asset(path, media_type, hashlib.sha256(data).hexdigest(), data)

    def session(
        self,
        *items: tuple[str, str] | tuple[str, str, ContentType],
        title: str = "Session",
        session_id: str = "s1",
        assets: Sequence[Asset] = (),
    ) -> Session:
        """A session with ``(title, Markdown body[, content type])`` items."""
        return Session(
            id=session_id,
            title=title,
            items=tuple(
                ContentItem(
                    id=f"{session_id}-{number}",
                    session_id=session_id,
                    content_type=item[2] if len(item) == 3 else ContentType.WORKSHEET,
                    title=item[0],
                    body=item[1],
                    position=number,
                )
                for number, item in enumerate(items, start=1)
            ),
            assets={asset.path: asset for asset in assets},
        )

    def request(
        self,
        *sessions: Session | ParsedSession,
        title: str | None = None,
        template_name: str | None = None,
        branding: Branding | None = None,
        audience: Audience = Audience.INSTRUCTOR,
        include_metadata: bool = False,
        metadata: Mapping[str, Any] | None = None,
        template_dirs: Sequence[Path] = (),
    ) -> RenderRequest:
        parsed = tuple(
            parse_session(session, None, audience) if isinstance(session, Session) else session
            for session in sessions
        )
        ids = tuple(item.session.id for item in parsed)
        job = BatchExportJob(
            job_id="job-1",
            session_ids=ids,
            formats=("html",),
            output_directory=Path("out"),
            merge_sessions=len(ids) > 1,
            template_name=template_name,
            include_metadata=include_metadata,
        )
        return RenderRequest(
            job=job,
            format="html",
            title=title if title is not None else parsed[0].session.title,
            sessions=parsed,
            branding=branding,
            template_name=template_name,
            audience=audience,
            include_metadata=include_metadata,
            metadata=dict(metadata or {}),
            template_dirs=tuple(template_dirs),
        )

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
