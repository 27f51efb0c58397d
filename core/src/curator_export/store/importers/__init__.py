"""Importers: turn a folder of Markdown files or a Carpentries lesson into stored sessions.

An importer only reads and checks its source (``read_folder``, ``read_lesson``) and returns a
``ParsedImport``; ``write_import`` then writes it in one transaction, so an invalid source
leaves the store untouched and a re-import of the same source changes nothing.
"""

from __future__ import annotations

import os
from pathlib import Path

from curator_export.errors import ImportSourceError
from curator_export.store.base import Change, ImportReport, ParsedImport, SessionWriter
from curator_export.store.importers.carpentries import is_lesson, read_lesson
from curator_export.store.importers.markdown_folder import read_folder

__all__ = ["import_path", "is_lesson", "read_folder", "read_lesson", "read_source", "write_import"]


def read_source(path: str | os.PathLike[str]) -> ParsedImport:
    """Read a lesson (a folder with ``config.yaml`` and ``episodes/``) or a Markdown folder."""
    folder = Path(path)
    if not folder.exists():
        raise ImportSourceError(f"{folder}: no such folder")
    if not folder.is_dir():
        raise ImportSourceError(
            f"{folder}: not a folder; import a folder of Markdown files or a Carpentries lesson"
        )
    return read_lesson(folder) if is_lesson(folder) else read_folder(folder)


def write_import(store: SessionWriter, parsed: ParsedImport) -> ImportReport:
    """Write what an importer read, all or nothing, and count what changed."""
    with store.transaction():
        course = store.upsert_course(parsed.course) if parsed.course else Change.UNCHANGED
        changes = [store.upsert_session(session) for session in parsed.sessions]
    outcomes = [change.outcome for change in changes]
    return ImportReport(
        source=parsed.source,
        kind=parsed.kind,
        course_id=parsed.course.id if parsed.course else None,
        sessions_created=outcomes.count(Change.CREATED),
        sessions_updated=outcomes.count(Change.UPDATED),
        sessions_unchanged=outcomes.count(Change.UNCHANGED),
        items_created=sum(change.items_created for change in changes),
        items_updated=sum(change.items_updated for change in changes),
        items_unchanged=sum(change.items_unchanged for change in changes),
        items_removed=sum(change.items_removed for change in changes),
        assets_added=sum(change.assets_added for change in changes),
        assets_removed=sum(change.assets_removed for change in changes),
        course_changed=course is not Change.UNCHANGED,
        warnings=parsed.warnings,
    )


def import_path(store: SessionWriter, path: str | os.PathLike[str]) -> ImportReport:
    """Import a Carpentries lesson or a Markdown folder (detected) into ``store``.

    Raises ``ImportSourceError`` (``ImportValidationError`` listing every invalid file) before
    anything is written.
    """
    return write_import(store, read_source(path))
