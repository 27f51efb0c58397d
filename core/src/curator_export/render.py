"""What a format writer receives, and what it may give back besides the file's bytes."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from curator_export.model import Audience, BatchExportJob, Branding, ContentItem, Session

if TYPE_CHECKING:
    from curator_export.document import Document


@attrs.frozen
class ParsedItem:
    """A content item with its Markdown parsed once, shared by every format of a task.

    The document is already filtered for the job's audience: for students, solutions are gone.
    """

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
    #: What ``include_metadata`` asks writers to record (generator, version, time, job id,
    #: session ids, content types), ready to put into meta tags or document properties.
    metadata: Mapping[str, Any] = attrs.field(factory=dict)
    created_at: datetime | None = None
    #: Where themes are looked up, most specific first (see ``curator_export.themes``).
    template_dirs: tuple[Path, ...] = ()

    @property
    def merged(self) -> bool:
        return len(self.sessions) > 1


@attrs.frozen
class Rendered:
    """A writer's output when ``bytes`` alone is not enough.

    ``companions`` are extra files written next to the main one (relative POSIX paths such as
    ``assets/fig-1a2b3c4d.png``); name them by content hash, since outputs of a batch that
    share a folder may share companions. ``warnings`` reach the export's result.
    """

    data: bytes
    companions: Mapping[str, bytes] = attrs.field(factory=dict)
    warnings: tuple[str, ...] = ()
