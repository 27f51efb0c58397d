"""What a format writer receives: parsed content and everything that shapes the output."""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs

from curator_export.model import Audience, BatchExportJob, Branding, ContentItem, Session

if TYPE_CHECKING:
    from curator_export.document import Document


@attrs.frozen
class ParsedItem:
    """A content item with its Markdown parsed once, shared by every format of a task."""

    item: ContentItem
    document: Document


@attrs.frozen
class ParsedSession:
    session: Session
    items: tuple[ParsedItem, ...]


@attrs.frozen
class RenderRequest:
    """One output file to render: one session, or several for a merged job."""

    job: BatchExportJob
    format: str
    title: str
    sessions: tuple[ParsedSession, ...]
    branding: Branding | None = None
    template_name: str | None = None
    audience: Audience = Audience.INSTRUCTOR
    include_metadata: bool = True

    @property
    def merged(self) -> bool:
        return len(self.sessions) > 1
