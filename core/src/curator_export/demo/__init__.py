"""The sample course of ``curator-export demo``: original text written for this project.

The course lives beside this module as a folder of Markdown files with front matter (the
format ``curator-export import`` reads), so the demo exercises the real importer.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import attrs

from curator_export.model import BatchExportJob, BatchExportOptions, NamingChoice, OnConflict
from curator_export.store import ImportReport, SessionSummary, SQLiteStore, import_path

STORE_NAME = "curator.db"
EXPORTS_FOLDER = "exports"
#: The demo's own output folder is rewritten on every run instead of filling up with -2 copies.
DEMO_OPTIONS = BatchExportOptions(on_conflict=OnConflict.OVERWRITE)


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


def demo_jobs(demo: DemoCourse, formats: list[str], mergeable: list[str]) -> list[BatchExportJob]:
    """Every session in every format, named by title, plus the whole course merged."""
    ids = [session.id for session in demo.sessions]
    exports = demo.directory / EXPORTS_FOLDER
    course_title = next((s.course_title for s in demo.sessions if s.course_title), "course")
    jobs = [
        BatchExportJob(
            job_id="sessions",
            session_ids=ids,
            formats=formats,
            output_directory=exports / "sessions",
            naming_strategy=NamingChoice("content"),
        )
    ]
    if mergeable:
        jobs.append(
            BatchExportJob(
                job_id="complete-course",
                session_ids=ids,
                formats=mergeable,
                output_directory=exports / "complete-course",
                naming_strategy=NamingChoice("content"),
                merge_sessions=True,
                title=f"{course_title}: Complete Course",
            )
        )
    return jobs
