"""What every session store offers, and the records that travel in and out of one.

The batch engine and the CLI only see ``SessionStore`` (reading); importers only see
``SessionWriter`` (writing). Keeping the two apart lets an embedding application plug in a
read-only store of its own without implementing the import machinery.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from types import TracebackType
from typing import Any, Literal, Protocol, Self, runtime_checkable

import attrs

from curator_export.model import ContentType, Session

ImportKind = Literal["carpentries", "folder"]


def _as_dict(value: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return dict(value or {})


def _as_tuple(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(values)


@attrs.frozen
class SessionSummary:
    """One line of a session listing: enough to choose sessions without loading content."""

    id: str
    title: str
    course_id: str | None
    course_title: str | None
    position: int
    item_count: int
    content_types: tuple[ContentType, ...]  # distinct, in the order the items come
    content_hash: str = ""  # changes whenever anything of the session (items, assets) changes


@attrs.frozen
class CoursePage:
    """A lesson-level page that belongs to no session (a glossary, a setup guide)."""

    name: str  # the page's path in its source, e.g. "learners/reference.md"
    title: str
    body: str


@attrs.frozen
class Course:
    """A course (a Carpentries lesson): sessions point to it by ``id``."""

    id: str
    title: str
    source: str | None = None
    description: str | None = None
    metadata: Mapping[str, Any] = attrs.field(factory=dict, converter=_as_dict)
    pages: tuple[CoursePage, ...] = ()


class Change(enum.StrEnum):
    """What a write did to one row."""

    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


@attrs.frozen
class SessionChange:
    """What ``upsert_session`` did to a session, its items and its assets."""

    outcome: Change
    items_created: int = 0
    items_updated: int = 0
    items_unchanged: int = 0
    items_removed: int = 0
    assets_added: int = 0
    assets_removed: int = 0


@attrs.frozen
class ParsedImport:
    """What an importer read from its source, before anything is written."""

    source: str
    kind: ImportKind
    course: Course | None
    sessions: tuple[Session, ...]
    warnings: tuple[str, ...] = ()


@attrs.frozen
class ImportReport:
    """What one import did; ``changed`` is False when the store already held the source."""

    source: str
    kind: ImportKind
    course_id: str | None
    sessions_created: int = 0
    sessions_updated: int = 0
    sessions_unchanged: int = 0
    items_created: int = 0
    items_updated: int = 0
    items_unchanged: int = 0
    items_removed: int = 0
    assets_added: int = 0
    assets_removed: int = 0
    course_changed: bool = False  # the course row or its pages were created or rewritten
    warnings: tuple[str, ...] = attrs.field(default=(), converter=_as_tuple)

    @property
    def changed(self) -> bool:
        """Whether the import wrote anything at all."""
        return self.course_changed or any(
            (
                self.sessions_created,
                self.sessions_updated,
                self.items_created,
                self.items_updated,
                self.items_removed,
                self.assets_added,
                self.assets_removed,
            )
        )


@runtime_checkable
class SessionStore(Protocol):
    """Where sessions come from: what the batch engine and the CLI read through."""

    def list_sessions(self) -> list[SessionSummary]:
        """Every session, in course then position order."""
        ...

    def session_ids(self) -> list[str]:
        """Every session id, in the order of ``list_sessions``."""
        ...

    def load_sessions(self, ids: Sequence[str], *, with_assets: bool = True) -> list[Session]:
        """The sessions asked for, in that order, read in one batch.

        Raises ``SessionNotFoundError`` listing every id the store does not hold.
        """
        ...

    def close(self) -> None: ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


class SessionWriter(Protocol):
    """What importers write through; every write skips rows whose content is unchanged."""

    def transaction(self) -> AbstractContextManager[None]:
        """All writes inside happen together or not at all."""
        ...

    def upsert_course(self, course: Course) -> Change: ...

    def upsert_session(self, session: Session) -> SessionChange:
        """Write the session with its items and assets; items it no longer has are removed."""
        ...


@attrs.frozen
class BatchRecord:
    """One batch in the store's audit trail (``curator-export history``)."""

    batch_id: str
    started_at: datetime
    elapsed_seconds: float
    user: str
    status: str  # completed, failed or interrupted
    jobs: tuple[str, ...]
    options: Mapping[str, Any]
    files_created: int
    failed_jobs: int
    manifest_path: str
