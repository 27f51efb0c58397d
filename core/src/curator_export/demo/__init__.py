"""The sample course of ``curator-export demo``: original text written for this project.

The course lives beside this module as a folder of Markdown files with front matter (the
format ``curator-export import`` reads), so the demo exercises the real importer.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import attrs

from curator_export.store import ImportReport, SessionSummary, SQLiteStore, import_path

STORE_NAME = "curator.db"


@attrs.frozen
class DemoCourse:
    directory: Path
    store_path: Path
    report: ImportReport
    sessions: tuple[SessionSummary, ...]


def course_folder() -> resources.abc.Traversable:
    return resources.files(__name__) / "course"


def create_demo(directory: Path) -> DemoCourse:
    """Create ``directory`` with a store holding the sample course; running it again is safe."""
    directory.mkdir(parents=True, exist_ok=True)
    store_path = directory / STORE_NAME
    with resources.as_file(course_folder()) as source, SQLiteStore(store_path) as store:
        report = import_path(store, source)
        sessions = tuple(
            summary for summary in store.list_sessions() if summary.course_id == report.course_id
        )
    return DemoCourse(directory=directory, store_path=store_path, report=report, sessions=sessions)
