"""What a format writer receives, and what it may give back besides the file's bytes."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import attrs

from curator_export.model import Audience, BatchExportJob, Branding, ContentItem, Session

if TYPE_CHECKING:
    from curator_export.document import Document

T = TypeVar("T")


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


class SharedWork:
    """What the formats of one task compute once and share: the PDF writer reuses the page
    the HTML writer built for the same sessions instead of building it again.

    Keys are chosen by the writers; a key must name everything its value depends on beyond
    the task itself (the task fixes the sessions, job, branding and template).
    """

    def __init__(self) -> None:
        self._values: dict[str, Any] = {}

    def get(self, key: str, make: Callable[[], T]) -> T:
        """The value stored under ``key``, made by ``make()`` on first use (not kept if it
        raises, so a retry makes it again)."""
        if key not in self._values:
            self._values[key] = make()
        return self._values[key]  # type: ignore[no-any-return]


@attrs.frozen
class RenderRequest:
    """One output file to render: one session, or several for a merged job."""

    #: The job, its ``session_ids`` narrowed to the sessions of this request's task.
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
    #: The format's own settings: an instance of its ``Format.options`` class, or None.
    options: Any = None
    #: Work shared by the formats of this task (see ``SharedWork``).
    shared: SharedWork = attrs.field(factory=SharedWork, eq=False, repr=False)

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
