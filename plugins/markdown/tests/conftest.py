"""A small kit for the Markdown writer's tests: sessions, requests and written files."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from curator_export.document import Document, parse
from curator_export.model import Asset, BatchExportJob, ContentItem, ContentType, Session
from curator_export.render import ParsedItem, ParsedSession, Rendered, RenderRequest
from curator_export_markdown.writer import write_markdown


class MarkdownKit:
    """Builds sessions and render requests the way core hands them to the writer."""

    def asset(self, path: str, data: bytes, media_type: str = "image/png") -> Asset:
        """An image of a session, keyed by ``path`` as the Markdown writes it."""
        return Asset(path, media_type, hashlib.sha256(data).hexdigest(), data)

    def session(
        self,
        *items: tuple[str, str],
        title: str = "Session",
        session_id: str = "s1",
        assets: Sequence[Asset] = (),
    ) -> Session:
        """A session with ``(title, Markdown body)`` items."""
        return Session(
            id=session_id,
            title=title,
            items=tuple(
                ContentItem(
                    id=f"{session_id}/{number}",
                    session_id=session_id,
                    content_type=ContentType.SLIDES,
                    title=item_title,
                    body=body,
                    position=number,
                )
                for number, (item_title, body) in enumerate(items, start=1)
            ),
            assets={item.path: item for item in assets},
        )

    def parsed(
        self, session: Session, documents: Mapping[str, Document] | None = None
    ) -> ParsedSession:
        """The session parsed once, as core does; ``documents`` replaces items' trees by id."""
        documents = documents or {}
        return ParsedSession(
            session=session,
            items=tuple(
                ParsedItem(item=item, document=documents.get(item.id) or parse(item.body))
                for item in session.items
            ),
        )

    def request(
        self,
        *sessions: Session | ParsedSession,
        title: str | None = None,
        include_metadata: bool = False,
        metadata: Mapping[str, Any] | None = None,
        template_name: str | None = None,
    ) -> RenderRequest:
        parsed = tuple(
            self.parsed(session) if isinstance(session, Session) else session
            for session in sessions
        )
        ids = tuple(item.session.id for item in parsed)
        job = BatchExportJob(
            job_id="job-1",
            session_ids=ids,
            formats=("markdown",),
            output_directory=Path("out"),
            merge_sessions=len(ids) > 1,
            template_name=template_name,
            include_metadata=include_metadata,
        )
        return RenderRequest(
            job=job,
            format="markdown",
            title=title if title is not None else parsed[0].session.title,
            sessions=parsed,
            template_name=template_name,
            include_metadata=include_metadata,
            metadata=dict(metadata or {}),
        )

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
