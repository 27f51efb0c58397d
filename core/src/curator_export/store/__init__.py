"""Where sessions live: the ``SessionStore`` protocol and the SQLite store.

``import_path`` imports a Markdown folder or a Carpentries lesson; the importers themselves
live in ``curator_export.store.importers``.
"""

from curator_export.store.base import (
    BatchRecord,
    Change,
    Course,
    CoursePage,
    ImportKind,
    ImportReport,
    ParsedImport,
    SessionChange,
    SessionStore,
    SessionSummary,
    SessionWriter,
)
from curator_export.store.importers import import_path
from curator_export.store.sqlite import SQLiteStore

__all__ = [
    "BatchRecord",
    "Change",
    "Course",
    "CoursePage",
    "ImportKind",
    "ImportReport",
    "ParsedImport",
    "SQLiteStore",
    "SessionChange",
    "SessionStore",
    "SessionSummary",
    "SessionWriter",
    "import_path",
]
