"""A small kit for the PDF writer's tests: sessions, requests, and PDFs read back with pypdf."""

from __future__ import annotations

import io
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from curator_export.model import (
    Audience,
    BatchExportJob,
    Branding,
    ContentItem,
    ContentType,
    Session,
)
from curator_export.render import Rendered, RenderRequest
from curator_export.selection import parse_session
from curator_export_pdf import write_pdf


class PdfKit:
    """Builds sessions and render requests the way core hands them to the writer."""

    def session(
        self, *items: tuple[str, str], title: str = "Session", session_id: str = "s1"
    ) -> Session:
        """A session with ``(title, Markdown body)`` worksheet items."""
        return Session(
            id=session_id,
            title=title,
            items=tuple(
                ContentItem(
                    id=f"{session_id}-{number}",
                    session_id=session_id,
                    content_type=ContentType.WORKSHEET,
                    title=item[0],
                    body=item[1],
                    position=number,
                )
                for number, item in enumerate(items, start=1)
            ),
        )

    def request(
        self,
        *sessions: Session,
        title: str | None = None,
        branding: Branding | None = None,
        include_metadata: bool = False,
        metadata: Mapping[str, Any] | None = None,
    ) -> RenderRequest:
        parsed = tuple(parse_session(session, None, Audience.INSTRUCTOR) for session in sessions)
        ids = tuple(item.session.id for item in parsed)
        job = BatchExportJob(
            job_id="job-1",
            session_ids=ids,
            formats=("pdf",),
            output_directory=Path("out"),
            merge_sessions=len(ids) > 1,
            include_metadata=include_metadata,
        )
        return RenderRequest(
            job=job,
            format="pdf",
            title=title if title is not None else parsed[0].session.title,
            sessions=parsed,
            branding=branding,
            include_metadata=include_metadata,
            metadata=dict(metadata or {}),
        )

    def write(self, *sessions: Session, **options: Any) -> Rendered:
        return write_pdf(self.request(*sessions, **options))

    def reader(self, rendered: Rendered) -> PdfReader:
        assert rendered.data.startswith(b"%PDF-")
        return PdfReader(io.BytesIO(rendered.data))

    def pages_text(self, reader: PdfReader) -> list[str]:
        return [page.extract_text() or "" for page in reader.pages]


@pytest.fixture
def kit() -> PdfKit:
    """Sessions, requests and PDFs read back for the PDF writer's tests."""
    return PdfKit()
