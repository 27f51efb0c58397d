"""The batch engine end to end: real SQLite stores, real worker processes, real files.

Formats come from ``curator_export.testing_writers`` (registered by the ``host`` fixture):
``chaos`` and ``chaos2`` write the title and raw Markdown (or misbehave on markers),
``plain`` the plain text of the parsed, audience-filtered documents, ``request`` the render
request as JSON.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import sqlite3
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import attrs
import pytest

from curator_export import hookimpl
from curator_export.batch import BatchExportManager, progress_events
from curator_export.demo import create_demo
from curator_export.model import (
    BatchExportJob,
    BatchExportOptions,
    BatchProgress,
    BrandColors,
    Branding,
    ContentType,
    ErrorKind,
    ExportResult,
    ExportStatus,
    NamingChoice,
    OnConflict,
)
from curator_export.output import TEMP_PREFIX
from curator_export.store import SQLiteStore
from curator_export.testing_writers import SAMPLE_COURSE, read_log

SERIAL = BatchExportOptions(parallel_exports=False)
POOL = BatchExportOptions(max_concurrent_jobs=2)
FIXED_TIME = datetime(2026, 11, 29, 14, 30, 5, tzinfo=UTC)


def job(out: Path, job_id: str = "j", sessions=("s1", "s2", "s3"), formats=("chaos",), **more):
    return BatchExportJob(
        job_id=job_id, session_ids=sessions, formats=formats, output_directory=out, **more
    )


def files(folder: Path) -> dict[str, bytes]:
    """Every file below ``folder`` by relative path, without manifests."""
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and not path.name.startswith("batch_export_manifest_")
    }


def manifest(path: Path | None) -> dict[str, Any]:
    assert path is not None
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data["batch_export_manifest"]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# -- 1. plan first: one batched read ---------------------------------------------------------


def test_sessions_are_read_in_batches_and_never_all_held(store, host, tmp_path, monkeypatch):
    """Planning reads each job's sessions a chunk at a time and keeps none of their content;
    each batch of tasks to run reads its content again with one call and one query."""
    from curator_export import batch, planning

    monkeypatch.setattr(planning, "SESSION_CHUNK", 2)
    monkeypatch.setattr(batch, "CONTENT_CHUNK", 3)
    calls: list[list[str]] = []
    original = store.load_sessions

    def counting(ids, **options):
        calls.append(list(ids))
        return original(ids, **options)

    monkeypatch.setattr(store, "load_sessions", counting)
    statements: list[str] = []
    store._conn.set_trace_callback(statements.append)
    jobs = [
        job(tmp_path / "a", "a", ["s1", "s2", "s3"]),
        job(tmp_path / "b", "b", ["s2", "s3"], merge_sessions=True),
    ]
    manager = BatchExportManager(store, host=host)
    planned_without_content = []
    original_plan = batch.plan_batch

    def plan(*args, **options):
        made = original_plan(*args, **options)
        planned_without_content.extend(
            not session.items for task in made.tasks for session in task.sessions
        )
        return made

    monkeypatch.setattr(batch, "plan_batch", plan)
    result = manager.execute_batch_export(jobs, SERIAL)
    store._conn.set_trace_callback(None)
    assert result.total_files_created == 4
    assert planned_without_content == [True] * 5
    planning_reads = [["s1", "s2"], ["s3"], ["s2", "s3"]]
    dispatch_reads = [["s1", "s2", "s3"], ["s2", "s3"]]  # tasks a:s1 a:s2 a:s3, then b
    assert calls == planning_reads + dispatch_reads
    assert len([s for s in statements if "FROM content_items" in s]) == len(calls)
    assert "Lakes turn over" in (tmp_path / "a" / "s1.chaos").read_text()  # content came back


@pytest.mark.parametrize("options", [SERIAL, POOL], ids=["serial", "pool"])
def test_a_batch_spooled_to_disk_reports_what_one_in_memory_does(
    make_store, host, tmp_path, monkeypatch, options
):
    """The plan's tasks and the results live as records in spools; past their memory limit
    (here at once) in temporary files. Results, manifest and ledger are the same."""
    from curator_export import spool

    store = make_store()
    (tmp_path / "mem" / "a").mkdir(parents=True)
    (tmp_path / "disk" / "a").mkdir(parents=True)

    def run(where: str) -> tuple[list[Any], list[Any], int]:
        out = tmp_path / where
        (out / "a" / "s2.chaos").write_text("kept")  # settled at planning: on_conflict skip
        jobs = [
            job(out / "a", "a", ["s3", "s1", "s2"], formats=("chaos", "chaos2")),
            job(out / "b", "b", ["s2", "s1"]),
        ]
        manager = BatchExportManager(store, host=host)
        skip = attrs.evolve(options, on_conflict=OnConflict.SKIP)
        result = manager.execute_batch_export(jobs, skip)
        rows = [
            (job_result.job_id, e.format, e.session_ids, e.status, e.path.relative_to(out))
            for job_result in result.job_results
            for e in job_result.exports
        ]
        listed = [
            (entry["format"], entry["session_ids"], entry["status"])
            for listed_job in manifest(result.manifest_path)["jobs"]
            for entry in listed_job["exports"]
        ]
        again = manager.execute_batch_export(jobs, skip)
        return rows, listed, again.total_files_unchanged

    in_memory = run("mem")
    monkeypatch.setattr(spool, "MEMORY_LIMIT", 16)
    assert run("disk") == in_memory
    rows, listed, unchanged = in_memory
    assert [row[:4] for row in rows] == [
        ("a", "chaos", ("s3",), ExportStatus.SUCCEEDED),
        ("a", "chaos2", ("s3",), ExportStatus.SUCCEEDED),
        ("a", "chaos", ("s1",), ExportStatus.SUCCEEDED),
        ("a", "chaos2", ("s1",), ExportStatus.SUCCEEDED),
        ("a", "chaos", ("s2",), ExportStatus.SKIPPED),
        ("a", "chaos2", ("s2",), ExportStatus.SUCCEEDED),
        ("b", "chaos", ("s2",), ExportStatus.SUCCEEDED),
        ("b", "chaos", ("s1",), ExportStatus.SUCCEEDED),
    ]
    assert listed == [(fmt, list(ids), str(status)) for _, fmt, ids, status, _ in rows]
    assert unchanged == 7  # the ledger knew every file written


def test_a_naming_strategy_failing_half_way_leaves_none_of_its_jobs_outputs(
    store, host, register_plugin, tmp_path
):
    """Its job fails at planning as a whole, what it had named dropped; the others run."""
    from curator_export.records import NamingStrategy

    def third_fails(context):
        if context.session_id == "s3":
            raise RuntimeError("no name for s3")
        return context.session_id

    class PickyNaming:
        @hookimpl
        def curator_export_naming_strategies(self):
            return [NamingStrategy(name="picky", function=third_fails)]

    register_plugin(PickyNaming)
    jobs = [
        job(tmp_path / "a", "a", naming_strategy=NamingChoice("picky")),
        job(tmp_path / "b", "b", ["s2"]),
    ]
    manager = BatchExportManager(store, host=host)
    keep_going = attrs.evolve(SERIAL, continue_on_error=True)
    plan = manager.plan(jobs, keep_going)
    assert [task.task_id for task in plan.tasks] == ["b:s2"]
    assert plan.total_files == 1
    assert "no name for s3" in plan.invalid_jobs["a"][0]
    result = manager.execute_batch_export(jobs, keep_going)
    by_job = {job_result.job_id: job_result for job_result in result.job_results}
    assert by_job["a"].exports == []
    assert "no name for s3" in (by_job["a"].error or "")
    assert [e.status for e in by_job["b"].exports] == [ExportStatus.SUCCEEDED]
    assert not list((tmp_path / "a").glob("*.chaos"))


def test_a_session_changed_or_removed_after_planning(make_store, host, tmp_path):
    """Content read again to run a task may have changed: the output shows it as it is now
    and is not kept as unchanged later; a session that is gone fails its exports by name."""
    store = make_store(SAMPLE_COURSE)
    manager = BatchExportManager(store, host=host)

    def meddle(event: BatchProgress) -> None:
        if event.current_operation != "planned":
            return
        # Another program (an import) writes to the store meanwhile.
        with contextlib.closing(sqlite3.connect(store.path)) as other, other:
            other.execute(
                "UPDATE content_items SET body = 'Rewritten meanwhile' WHERE session_id = 's2'"
            )
            other.execute("DELETE FROM content_items WHERE session_id = 's3'")
            other.execute("DELETE FROM sessions WHERE id = 's3'")

    manager.with_progress_tracking(meddle)
    result = manager.execute_batch_export([job(tmp_path / "out")], SERIAL)
    exports = {export.session_ids[0]: export for export in result.job_results[0].exports}
    assert exports["s1"].status is ExportStatus.SUCCEEDED
    assert exports["s2"].status is ExportStatus.SUCCEEDED
    assert "Rewritten meanwhile" in (tmp_path / "out" / "s2.chaos").read_text()
    gone = exports["s3"]
    assert (gone.status, gone.error_kind) == (ExportStatus.FAILED, ErrorKind.NOT_FOUND)
    assert "'s3'" in (gone.error or "")
    # s2's key was made of the old content: the next run renders it again, in its place.
    again = manager.execute_batch_export([job(tmp_path / "out", sessions=["s1", "s2"])], SERIAL)
    statuses = {e.session_ids[0]: (e.status, e.path.name) for e in again.job_results[0].exports}
    assert statuses == {
        "s1": (ExportStatus.UNCHANGED, "s1.chaos"),
        "s2": (ExportStatus.SUCCEEDED, "s2.chaos"),
    }


def test_an_output_of_content_changed_after_planning_is_never_kept_as_unchanged(
    make_store, host, tmp_path
):
    """Its file shows the content as it was when it ran, not as planned: even when the
    content goes back to what was planned, the next run renders it again."""
    store = make_store(SAMPLE_COURSE)
    manager = BatchExportManager(store, host=host)
    with contextlib.closing(sqlite3.connect(store.path)) as reader:
        planned_bodies = reader.execute(
            "SELECT id, body FROM content_items WHERE session_id = 's2'"
        ).fetchall()

    def set_bodies(bodies: list[tuple[str, str]]) -> None:
        with contextlib.closing(sqlite3.connect(store.path)) as other, other:
            other.executemany(
                "UPDATE content_items SET body = ? WHERE id = ?",
                [(body, item_id) for item_id, body in bodies],
            )

    def meddle(event: BatchProgress) -> None:
        if event.current_operation == "planned":
            set_bodies([(item_id, "Rewritten meanwhile") for item_id, _ in planned_bodies])

    manager.with_progress_tracking(meddle)
    manager.execute_batch_export([job(tmp_path / "out", sessions=["s2"])], SERIAL)
    assert "Rewritten meanwhile" in (tmp_path / "out" / "s2.chaos").read_text()
    set_bodies(planned_bodies)  # back to what the first run planned with
    again = BatchExportManager(store, host=host).execute_batch_export(
        [job(tmp_path / "out", sessions=["s2"])], SERIAL
    )
    (export,) = again.job_results[0].exports
    assert export.status is ExportStatus.SUCCEEDED
    assert "Rewritten meanwhile" not in (tmp_path / "out" / "s2.chaos").read_text()


# -- 2. serial and process pool ----------------------------------------------------------------


def test_serial_and_process_pool_write_the_same_files(store, host, tmp_path, chaos_log):
    """The same jobs give the same files, byte for byte, in-process and in worker processes."""

    def jobs(out: Path) -> list[BatchExportJob]:
        return [
            job(out / "each", "each", formats=["chaos", "plain"]),
            job(out / "all", "all", ["s3", "s1"], ["chaos", "plain"], merge_sessions=True),
        ]

    manager = BatchExportManager(store, host=host)
    serial = manager.execute_batch_export(jobs(tmp_path / "serial"), SERIAL)
    serial_pids = {line["pid"] for line in read_log(chaos_log)}
    chaos_log.unlink()
    pooled = manager.execute_batch_export(jobs(tmp_path / "pool"), POOL)
    pool_pids = {line["pid"] for line in read_log(chaos_log)}

    assert serial.total_files_created == pooled.total_files_created == 8
    assert files(tmp_path / "serial") == files(tmp_path / "pool")
    assert sorted(files(tmp_path / "pool")) == [
        "all/all.chaos",
        "all/all.plain",
        "each/s1.chaos",
        "each/s1.plain",
        "each/s2.chaos",
        "each/s2.plain",
        "each/s3.chaos",
        "each/s3.plain",
    ]
    assert serial_pids == {os.getpid()}
    assert pool_pids
    assert os.getpid() not in pool_pids  # really rendered in other processes


def test_a_pool_starts_the_longest_tasks_first_and_serial_keeps_plan_order(
    make_store, host, tmp_path, chaos_log
):
    """Largest first keeps a pool busy to the end; --serial still runs in the given order."""
    long_text = "Rivers flow downhill. " * 5_000
    course = {
        **SAMPLE_COURSE,
        "s2": ("Rivers", [("slides", "Rivers", f"# Rivers\n\n{long_text}")]),
    }
    store = make_store(course, name="uneven")
    manager = BatchExportManager(store, host=host)
    manager.execute_batch_export([job(tmp_path / "serial")], SERIAL)
    started = [line["session_ids"] for line in read_log(chaos_log) if line["event"] == "start"]
    assert started == [["s1"], ["s2"], ["s3"]]
    chaos_log.unlink()
    one_worker = BatchExportOptions(max_concurrent_jobs=1)
    manager.execute_batch_export([job(tmp_path / "pool")], one_worker)
    started = [line["session_ids"] for line in read_log(chaos_log) if line["event"] == "start"]
    assert started[0] == ["s2"]
    assert sorted(map(tuple, started)) == [("s1",), ("s2",), ("s3",)]


def test_the_demo_course_through_the_markdown_writer_is_the_same_in_a_pool(tmp_path):
    """The demo course in the real Markdown format: same bytes and companions serial or pooled,
    and students get no solutions."""
    demo = create_demo(tmp_path / "demo")
    ids = [session.id for session in demo.sessions]

    def jobs(out: Path) -> list[BatchExportJob]:
        return [
            job(out, "students", ids, ["markdown"], include_metadata=False, audience="student"),
            job(out / "all", "all", ids, ["md"], include_metadata=False, merge_sessions=True),
        ]

    with SQLiteStore(demo.store_path) as store:
        manager = BatchExportManager(store)
        serial = manager.execute_batch_export(jobs(tmp_path / "serial"), SERIAL)
        pooled = manager.execute_batch_export(jobs(tmp_path / "pool"), POOL)
    assert serial.failed_jobs == pooled.failed_jobs == 0
    assert serial.total_files_created == len(ids) + 1
    made = files(tmp_path / "serial")
    assert made == files(tmp_path / "pool")
    assert [name for name in made if name.endswith(".md")] == ["all/all.md"] + [
        f"{session}.md" for session in sorted(ids)
    ]
    assert any(name.startswith("assets/") for name in made)  # companion files (figures)
    for session in ids:
        assert b"::: solution" not in made[f"{session}.md"]
    assert b"::: solution" in made["all/all.md"]  # instructors (the default) keep them


# -- 4. merge_sessions -------------------------------------------------------------------------


def test_merge_sessions_gives_one_file_per_format_in_session_order(store, host, tmp_path):
    """Merged: one file per format, sessions in the given order; else one per session."""
    manager = BatchExportManager(store, host=host)
    order = ["s3", "s1", "s2"]
    result = manager.execute_batch_export(
        [
            job(tmp_path / "merged", "course", order, ["chaos", "plain"], merge_sessions=True),
            job(tmp_path / "split", "split", order, ["chaos", "plain"]),
        ],
        SERIAL,
    )
    assert result.failed_jobs == 0
    assert sorted(files(tmp_path / "merged")) == ["course.chaos", "course.plain"]
    assert len(files(tmp_path / "split")) == 6
    text = (tmp_path / "merged" / "course.plain").read_text()
    positions = [text.index(f"## {session}: ") for session in order]
    assert positions == sorted(positions)
    raw = (tmp_path / "merged" / "course.chaos").read_text()
    assert raw.index("Wetlands store") < raw.index("Lakes turn") < raw.index("Rivers flow")
    (merged,) = [e for e in result.job_results[0].exports if e.format == "plain"]
    assert merged.session_ids == tuple(order)


# -- 5. content selection ---------------------------------------------------------------------


def test_a_worker_gets_the_job_with_only_its_own_sessions(store, host, tmp_path):
    """A task's job names only the task's sessions: a worker needs no other, and every task
    of a large job would otherwise carry all of its ids. A merged job's task has them all."""
    BatchExportManager(store, host=host).execute_batch_export(
        [
            job(tmp_path / "each", formats=["request"]),
            job(tmp_path / "merged", "m", formats=["request"], merge_sessions=True),
        ],
        POOL,
    )
    seen = {
        path.name: json.loads(path.read_text())["job_session_ids"]
        for folder in ("each", "merged")
        for path in (tmp_path / folder).glob("*.json")
        if not path.name.startswith("batch_export_manifest")
    }
    assert seen == {
        "s1.json": ["s1"],
        "s2.json": ["s2"],
        "s3.json": ["s3"],
        "m.json": ["s1", "s2", "s3"],
    }


def test_content_types_limit_what_a_job_exports(store, host, tmp_path):
    """Only items of the listed types reach the writer; a session with none is skipped."""
    result = BatchExportManager(store, host=host).execute_batch_export(
        [
            job(
                tmp_path / "out",
                formats=["request"],
                content_types=(ContentType.SLIDES, ContentType.QUIZ),
            ),
            job(
                tmp_path / "quiz", "quiz", ["s1", "s2"], ["plain"], content_types=[ContentType.QUIZ]
            ),
        ],
        SERIAL,
    )
    titles = {
        session: json.loads((tmp_path / "out" / f"{session}.json").read_text())["item_titles"]
        for session in ("s1", "s2", "s3")
    }
    assert titles == {"s1": ["Lakes", "Lake quiz"], "s2": ["Rivers"], "s3": ["Wetlands"]}
    quiz_results = {e.session_ids: e for e in result.job_results[1].exports}
    assert quiz_results["s2",].status is ExportStatus.SKIPPED
    assert "no content" in quiz_results["s2",].warnings[0]
    assert sorted(files(tmp_path / "quiz")) == ["s1.plain"]
    assert result.job_results[1].success  # a deliberate skip is not a failure


def test_students_never_see_instructor_notes_or_solutions(store, host, tmp_path):
    """audience=student drops instructor notes and ::: solution blocks; instructors keep them."""
    BatchExportManager(store, host=host).execute_batch_export(
        [
            job(tmp_path / "student", "student", ["s1"], ["plain"], audience="student"),
            job(tmp_path / "teacher", "teacher", ["s1"], ["plain"]),
        ],
        SERIAL,
    )
    student = (tmp_path / "student" / "s1.plain").read_text()
    teacher = (tmp_path / "teacher" / "s1.plain").read_text()
    assert "Lakes turn over twice a year." in student
    assert "What turns over?" in student
    assert "INSTRUCTOR-NOTE" not in student
    assert "Teaching lakes" not in student
    assert "SECRET-SOLUTION" not in student
    assert "INSTRUCTOR-NOTE" in teacher
    assert "SECRET-SOLUTION" in teacher


def test_a_student_export_of_instructor_notes_alone_writes_nothing(make_store, host, tmp_path):
    """A session of instructor notes only gives students no file, and says why."""
    store = make_store({"notes": ("Notes", [("instructor_notes", "Notes", "Only for us.")])})
    result = BatchExportManager(store, host=host).execute_batch_export(
        [job(tmp_path / "out", sessions=["notes"], formats=["plain"], audience="student")], SERIAL
    )
    (export,) = result.job_results[0].exports
    assert export.status is ExportStatus.SKIPPED
    assert files(tmp_path / "out") == {}


# -- 6. metadata, template and branding ---------------------------------------------------------


def make_theme(folder: Path, name: str, base: str | None = None) -> Path:
    (folder / name).mkdir(parents=True)
    (folder / name / "theme.json").write_text(json.dumps({"base": base}))
    return folder


def test_metadata_template_and_branding_reach_the_writer(store, host, tmp_path):
    """include_metadata hands writers generator, time, ids and types; off, nothing."""
    branding = Branding(institution_name="My University", colors=BrandColors(primary="#1E3A8A"))
    themes = make_theme(tmp_path / "themes", "academic")
    BatchExportManager(store, host=host).execute_batch_export(
        [
            job(
                tmp_path / "on",
                "with-meta",
                ["s1", "s2"],
                ["request"],
                merge_sessions=True,
                template_name="academic",
                branding_options=branding,
                content_types=[ContentType.SLIDES, ContentType.WORKSHEET],
            ),
            job(tmp_path / "off", "no-meta", ["s1"], ["request"], include_metadata=False),
        ],
        attrs.evolve(SERIAL, template_dirs=[themes]),
    )
    on = json.loads((tmp_path / "on" / "with-meta.json").read_text())
    metadata = on["metadata"]
    assert metadata["generator"].startswith("curator-export ")
    assert datetime.fromisoformat(metadata["created"]).tzinfo is not None
    assert metadata["job_id"] == "with-meta"
    assert metadata["session_ids"] == ["s1", "s2"]
    assert metadata["content_types"] == ["slides", "worksheet"]
    assert on["include_metadata"] is True
    assert on["template_name"] == "academic"
    assert on["branding"]["institution_name"] == "My University"
    assert on["branding"]["colors"]["primary"] == "#1E3A8A"
    assert on["merged"] is True
    off = json.loads((tmp_path / "off" / "s1.json").read_text())
    assert off["include_metadata"] is False
    assert off["metadata"] == {}


def test_branding_plugin_supplies_the_default_branding(store, host, register_plugin, tmp_path):
    """A curator_export_branding plugin brands jobs that bring no branding of their own."""

    class Institution:
        @hookimpl
        def curator_export_branding(self, job):
            return Branding(institution_name=f"Acme for {job.job_id}")

    register_plugin(Institution)
    BatchExportManager(store, host=host).execute_batch_export(
        [job(tmp_path / "out", "weekly", ["s1"], ["request"])], SERIAL
    )
    data = json.loads((tmp_path / "out" / "s1.json").read_text())
    assert data["branding"]["institution_name"] == "Acme for weekly"


# -- 7. existing files ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "case",
    [
        (OnConflict.RENAME, ExportStatus.SUCCEEDED, None, True, "s1-2.chaos"),
        (OnConflict.OVERWRITE, ExportStatus.SUCCEEDED, None, False, "s1.chaos"),
        (OnConflict.SKIP, ExportStatus.SKIPPED, None, True, None),
        (OnConflict.ERROR, ExportStatus.FAILED, ErrorKind.CONFLICT, True, None),
    ],
    ids=lambda case: str(case[0]),
)
def test_existing_files_follow_on_conflict(store, host, tmp_path, chaos_log, case):
    """A file already there is kept (renamed beside, skipped, or an error) unless overwrite."""
    policy, status, kind, old_kept, new_name = case
    out = tmp_path / "out"
    out.mkdir()
    (out / "s1.chaos").write_bytes(b"precious")
    result = BatchExportManager(store, host=host).execute_batch_export(
        [job(out, sessions=["s1", "s2"])],
        BatchExportOptions(parallel_exports=False, on_conflict=policy),
    )
    first = result.job_results[0].exports[0]
    assert first.status is status
    assert first.error_kind is kind
    assert ((out / "s1.chaos").read_bytes() == b"precious") is old_kept
    if new_name:
        assert first.path == out / new_name
        assert (out / new_name).read_text().startswith("# Lake Ecology")
    else:  # nothing rendered for it at all
        assert [line["session_ids"] for line in read_log(chaos_log)] == [["s2"], ["s2"]]
    assert result.job_results[0].success is (policy is not OnConflict.ERROR)
    assert (out / "s2.chaos").is_file()
    assert not list(out.glob(f"{TEMP_PREFIX}*"))


# -- 8. progress -------------------------------------------------------------------------------


def test_progress_reaches_the_callback_and_progress_sinks(
    make_store, host, register_plugin, tmp_path
):
    """Callback and sink plugin get the same events: one per export, counts rising, an ETA."""
    course = dict(SAMPLE_COURSE)
    course["s2"] = ("Rivers", [("slides", "Rivers", "Rivers CHAOS:RAISE@chaos2")])
    store = make_store(course)
    sunk: list[BatchProgress] = []

    class Sink:
        @hookimpl
        def curator_export_progress(self, event):
            sunk.append(event)

    register_plugin(Sink)
    manager = BatchExportManager(store, host=host)
    events = progress_events(manager)
    manager.execute_batch_export(
        [job(tmp_path / "a", "a", formats=["chaos", "chaos2"]), job(tmp_path / "b", "b", ["s1"])],
        POOL,
    )
    assert events == sunk
    assert events[0].current_operation == "planned"
    assert (events[0].total_jobs, events[0].total_files) == (2, 7)
    per_export = [e for e in events if e.current_operation not in ("planned", "finished")]
    assert len(per_export) == 7
    assert sum("failed" in e.current_operation for e in per_export) == 1
    done = [e.completed_files + e.failed_files for e in events]
    assert done == sorted(done)
    assert [e.completed_jobs for e in events] == sorted(e.completed_jobs for e in events)
    assert all(e.current_job_id in ("a", "b") for e in per_export)
    for event in events[1:]:  # something has finished: an ETA from the observed rate
        assert event.estimated_completion is not None
        assert event.estimated_remaining_seconds is not None
        assert event.estimated_remaining_seconds >= 0
    last = events[-1]
    assert last.current_operation == "finished"
    assert last.progress_percent == 100.0
    assert (last.completed_jobs, last.completed_files, last.failed_files) == (2, 6, 1)
    assert last.errors_encountered == 1


def test_export_tracking_sees_each_result_as_it_is_recorded(make_store, host, tmp_path):
    """with_export_tracking gets every ExportResult, failures with their reason, before the
    progress event that counts it; a callback that raises stops nothing."""
    course = dict(SAMPLE_COURSE)
    course["s2"] = ("Rivers", [("slides", "Rivers", "Rivers CHAOS:RAISE@chaos")])
    seen: list[tuple[str, int]] = []
    manager = BatchExportManager(make_store(course), host=host)
    events = progress_events(manager)
    manager.with_export_tracking(lambda result: seen.append((str(result.status), len(events))))
    manager.with_export_tracking(lambda result: 1 / 0)
    result = manager.execute_batch_export([job(tmp_path / "a", "a")], SERIAL)
    exports = result.job_results[0].exports
    assert [export.session_ids for export in exports] == [("s1",), ("s2",), ("s3",)]  # planned
    assert sorted(status for status, _ in seen) == ["failed", "succeeded", "succeeded"]
    failed = next(export for export in exports if export.status is ExportStatus.FAILED)
    assert failed.error
    # each result arrives before the event that counts it (events[0] is "planned")
    assert [count for _, count in seen] == [1, 2, 3]


@pytest.mark.parametrize("parallel", [False, True], ids=["serial", "pool"])
def test_a_file_is_in_place_and_complete_when_its_result_is_reported(
    store, host, tmp_path, parallel
):
    """Workers stage files and the parent commits them in groups; what a callback hears of
    is already at its final name, with the bytes the result describes, figures included."""
    checked: list[str] = []

    def check(result: ExportResult) -> None:
        assert result.path is not None
        assert result.sha256 == sha256(result.path)
        assert all(companion.is_file() for companion in result.companions)
        assert not list(result.path.parent.glob(f"{TEMP_PREFIX}*{result.path.name}"))
        checked.append(result.path.name)

    manager = BatchExportManager(store, host=host).with_export_tracking(check)
    options = BatchExportOptions(parallel_exports=parallel, max_concurrent_jobs=2)
    result = manager.execute_batch_export([job(tmp_path / "out", formats=("figures",))], options)
    assert result.total_files_created == 3
    assert sorted(checked) == ["s1.figures", "s2.figures", "s3.figures"]
    assert not list((tmp_path / "out").rglob(f"{TEMP_PREFIX}*"))


def test_a_broken_progress_callback_does_not_stop_the_batch(store, host, tmp_path):
    """A callback that raises is logged; every file is still written."""

    def broken(event: BatchProgress) -> None:
        raise RuntimeError("display gone")

    manager = BatchExportManager(store, host=host).with_progress_tracking(broken)
    result = manager.execute_batch_export([job(tmp_path / "out")], SERIAL)
    assert result.total_files_created == 3


def test_after_export_and_after_batch_hooks_see_finished_files(
    make_store, host, register_plugin, tmp_path
):
    """after_export gets each made file (complete, in place); after_batch the final result."""
    course = dict(SAMPLE_COURSE)
    course["s2"] = ("Rivers", [("slides", "Rivers", "CHAOS:RAISE")])
    store = make_store(course)
    seen: list[tuple[str, Path, bool, ExportStatus]] = []
    batches: list[Any] = []

    class Audit:
        @hookimpl
        def curator_export_after_export(self, job, result):
            complete = result.path.is_file() and sha256(result.path) == result.sha256
            seen.append((job.job_id, result.path, complete, result.status))

        @hookimpl
        def curator_export_after_batch(self, result):
            batches.append((result, result.manifest_path.is_file()))

    register_plugin(Audit)
    result = BatchExportManager(store, host=host).execute_batch_export(
        [job(tmp_path / "out")], POOL
    )
    assert sorted(path.name for _, path, _, _ in seen) == ["s1.chaos", "s3.chaos"]
    assert all(complete for _, _, complete, _ in seen)
    assert {status for _, _, _, status in seen} == {ExportStatus.SUCCEEDED}
    assert batches == [(result, True)]


def test_after_export_annotations_reach_the_manifest_and_unchanged_files_are_shown(
    store, host, register_plugin, tmp_path
):
    """What after_export returns is in each export's manifest entry under the plugin's name;
    a second run's unchanged files reach the hook too, and after_batch gets the jobs."""
    seen: list[tuple[str, ExportStatus]] = []
    batch_jobs: list[Any] = []

    class Stamp:
        @hookimpl
        def curator_export_after_export(self, job, result):
            seen.append((result.path.name, result.status))
            return {"status": str(result.status), "size": result.size}

        @hookimpl
        def curator_export_after_batch(self, result, jobs):
            batch_jobs.append([j.job_id for j in jobs])

    register_plugin(Stamp, name="stamp")
    out = tmp_path / "out"
    for expected in ("succeeded", "unchanged"):
        result = BatchExportManager(store, host=host).execute_batch_export([job(out)], SERIAL)
        body = json.loads(result.manifest_path.read_text())["batch_export_manifest"]
        exports = body["jobs"][0]["exports"]
        assert len(exports) == 3
        for export in exports:
            assert export["annotations"] == {
                "stamp": {"status": expected, "size": export["file_size"]}
            }
        assert all(
            e.annotations["stamp"]["status"] == expected for e in result.job_results[0].exports
        )
    assert sorted(status for _, status in seen) == ["succeeded"] * 3 + ["unchanged"] * 3
    assert batch_jobs == [["j"], ["j"]]


# -- 9. results --------------------------------------------------------------------------------


def test_results_describe_every_file_written(store, host, tmp_path):
    """Each ExportResult names its file, whose size and sha256 match; the job succeeded."""
    result = BatchExportManager(store, host=host).execute_batch_export(
        [job(tmp_path / "out", formats=["chaos", "plain"])], POOL
    )
    (job_result,) = result.job_results
    assert job_result.success
    assert job_result.files_created == 6
    assert (result.total_jobs, result.successful_jobs, result.failed_jobs) == (1, 1, 0)
    assert result.total_files_created == 6
    assert result.elapsed_time > 0
    assert result.started_at is not None
    for export in job_result.exports:
        assert export.status is ExportStatus.SUCCEEDED
        assert export.path is not None
        assert export.path.parent == tmp_path / "out"
        assert export.path.name == f"{export.session_ids[0]}.{export.format}"
        assert export.size == export.path.stat().st_size > 0
        assert export.sha256 == sha256(export.path)
        assert export.duration_seconds >= 0
        assert export.attempts == 1
        assert export.error is None
        assert export.error_kind is None
    assert {e.session_ids for e in job_result.exports} == {("s1",), ("s2",), ("s3",)}


# -- 10. manifest ------------------------------------------------------------------------------


def test_manifest_records_the_batch_beside_the_first_jobs_files(make_store, host, tmp_path):
    """Seed keys and more; relative paths and sha256 match the files; failures are there too."""
    course = dict(SAMPLE_COURSE)
    course["s2"] = ("Rivers", [("slides", "Rivers", "Rivers CHAOS:RAISE@chaos2")])
    store = make_store(course)
    manager = BatchExportManager(store, host=host, clock=lambda: FIXED_TIME)
    jobs = [
        job(tmp_path / "first", "first", ["s1", "s2"], ["chaos", "chaos2"]),
        job(tmp_path / "second", "second", ["s3"], ["plain"]),
    ]
    result = manager.execute_batch_export(jobs, POOL)
    folder = tmp_path / "first"
    assert result.manifest_path == folder / "batch_export_manifest_20261129_143005.json"
    body = manifest(result.manifest_path)
    for key in ("created_at", "total_jobs", "successful_jobs", "failed_jobs", "jobs"):
        assert key in body
    assert body["schema_version"] == 1
    assert body["status"] == "failed"
    assert (body["total_jobs"], body["successful_jobs"], body["failed_jobs"]) == (2, 1, 1)
    assert body["options"]["max_concurrent_jobs"] == 2
    assert body["options"]["on_conflict"] == "rename"
    assert "testformats" in body["plugins"]
    assert body["plugins"]["naming"].startswith("curator-export-naming")
    first, second = body["jobs"]
    assert (first["job_id"], first["success"], first["files_created"]) == ("first", False, 3)
    assert first["formats"] == ["chaos", "chaos2"]
    assert first["session_ids"] == ["s1", "s2"]
    assert (second["job_id"], second["success"], second["files_created"]) == ("second", True, 1)
    made = [e for j in body["jobs"] for e in j["exports"] if e["success"]]
    assert len(made) == 4
    for export in made:
        path = folder / export["output_path"]
        assert not Path(export["output_path"]).is_absolute()
        assert path.is_file()
        assert export["file_size"] == path.stat().st_size
        assert export["sha256"] == sha256(path)
        assert export["error_message"] is None
    assert second["exports"][0]["output_path"] == "../second/s3.plain"
    assert first["total_size"] == sum(e["file_size"] for e in first["exports"] if e["success"])
    (broken,) = [e for e in first["exports"] if not e["success"]]
    assert (broken["format"], broken["session_ids"]) == ("chaos2", ["s2"])
    assert broken["error_kind"] == "writer_error"
    assert "ValueError: chaos" in broken["error_message"]
    assert broken["output_path"] == "s2.chaos2"
    assert not (folder / "s2.chaos2").exists()

    before = result.manifest_path.read_bytes()
    again = manager.execute_batch_export(jobs, POOL)  # the same second: never overwritten
    assert again.manifest_path == folder / "batch_export_manifest_20261129_143005_2.json"
    assert result.manifest_path.read_bytes() == before
    assert manifest(again.manifest_path)["batch_id"] != body["batch_id"]


def test_no_manifest_when_it_is_turned_off(store, host, tmp_path):
    """create_manifest=false writes only the outputs."""
    result = BatchExportManager(store, host=host).execute_batch_export(
        [job(tmp_path / "out")], BatchExportOptions(parallel_exports=False, create_manifest=False)
    )
    assert result.manifest_path is None
    assert sorted(path.name for path in (tmp_path / "out").iterdir()) == [
        "s1.chaos",
        "s2.chaos",
        "s3.chaos",
    ]


# -- 11. archives ------------------------------------------------------------------------------


def test_archives_hold_each_jobs_files_and_are_reproducible(store, host, tmp_path):
    """One <job_id>.zip per job, sorted relative entries, no loose files, the same bytes twice."""
    options = BatchExportOptions(max_concurrent_jobs=2, compress_output=True)

    def run(out: Path):
        jobs = [
            job(
                out / "week",
                "week",
                ["s2", "s1"],
                ["plain", "chaos"],
                naming_strategy=NamingChoice("custom", "{session_id}/{format}"),
                include_metadata=False,
            ),
            job(out / "extra", "extra", ["s3"], ["chaos"], include_metadata=False),
        ]
        return BatchExportManager(store, host=host).execute_batch_export(jobs, options)

    first = run(tmp_path / "one")
    run(tmp_path / "two")
    week = tmp_path / "one" / "week" / "week.zip"
    assert first.archive_paths == [week, tmp_path / "one" / "extra" / "extra.zip"]
    with zipfile.ZipFile(week) as archive:
        names = archive.namelist()
        assert names == ["s1/chaos.chaos", "s1/plain.plain", "s2/chaos.chaos", "s2/plain.plain"]
        assert archive.testzip() is None
        content = {name: archive.read(name) for name in names}
    assert content["s1/chaos.chaos"].startswith(b"# Lake Ecology")
    left = sorted(p.relative_to(tmp_path / "one").as_posix() for p in (tmp_path / "one").rglob("*"))
    assert left == [  # no loose file, and no sub-folder they left empty
        "extra",
        "extra/extra.zip",
        "week",
        f"week/{first.manifest_path.name}",
        "week/week.zip",
    ]
    for name in ("week/week.zip", "extra/extra.zip"):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes()
    body = manifest(first.manifest_path)
    assert body["archives"] == ["week.zip", "../extra/extra.zip"]
    by_path = {e["output_path"]: e for e in body["jobs"][0]["exports"]}
    for name, data in content.items():  # the manifest's checksums are those of the entries
        assert by_path[name]["sha256"] == hashlib.sha256(data).hexdigest()


def test_archives_take_companion_files_along(store, host, tmp_path):
    """Figures written beside the outputs go into each job's archive, shared ones too."""
    out = tmp_path / "out"
    result = BatchExportManager(store, host=host).execute_batch_export(
        [
            job(out, "first", ["s1", "s2"], ["figures"]),
            job(out, "second", ["s3"], ["figures"]),
        ],
        BatchExportOptions(parallel_exports=False, compress_output=True, create_manifest=False),
    )
    assert result.failed_jobs == 0
    assert sorted(p.name for p in out.iterdir()) == ["first.zip", "second.zip"]
    with zipfile.ZipFile(out / "first.zip") as archive:
        assert archive.namelist() == [
            "assets/s1.txt",
            "assets/s2.txt",
            "assets/shared.txt",
            "s1.figures",
            "s2.figures",
        ]
        assert archive.read("assets/s2.txt") == b"the figure of s2\n"
    with zipfile.ZipFile(out / "second.zip") as archive:
        assert archive.namelist() == ["assets/s3.txt", "assets/shared.txt", "s3.figures"]
    (export, *_) = result.job_results[0].exports
    assert export.warnings == ("companions written",)


# -- 12. cancelling (in-process; the CLI's signals are in test_batch_cli) ---------------------


def test_cancel_stops_the_batch_and_marks_it_interrupted(make_store, host, tmp_path, chaos_log):
    """cancel() after the first file: nothing new starts, the manifest and history say so.

    The first file is reported once it is committed, while the slow second one renders; that
    one runs to its end (an in-process task cannot be stopped), the third never starts.
    """
    course = dict(SAMPLE_COURSE)
    course["s2"] = ("Rivers", [("slides", "Rivers", "Rivers CHAOS:SLOW=0.8")])
    store = make_store(course)
    manager = BatchExportManager(store, host=host)

    def stop_after_first(event: BatchProgress) -> None:
        if event.completed_files == 1:
            manager.cancel()

    manager.with_progress_tracking(stop_after_first)
    result = manager.execute_batch_export(
        [job(tmp_path / "out")],
        BatchExportOptions(parallel_exports=False, compress_output=True),
    )
    statuses = [(e.session_ids, e.status, e.error_kind) for e in result.job_results[0].exports]
    assert statuses == [
        (("s1",), ExportStatus.SUCCEEDED, None),
        (("s2",), ExportStatus.SUCCEEDED, None),
        (("s3",), ExportStatus.CANCELLED, ErrorKind.INTERRUPTED),
    ]
    logged = [line["session_ids"] for line in read_log(chaos_log)]
    assert logged == [["s1"], ["s1"], ["s2"], ["s2"]]
    assert manifest(result.manifest_path)["status"] == "interrupted"
    assert result.archive_paths == []  # no archive of a batch cut short
    assert sorted(files(tmp_path / "out")) == ["s1.chaos", "s2.chaos"]
    assert store.batch_history(1)[0].status == "interrupted"


# -- 14. history -------------------------------------------------------------------------------


def test_every_batch_is_recorded_in_the_store(make_store, host, tmp_path):
    """The store keeps each batch: id, user, status, counts, manifest; newest first."""
    course = dict(SAMPLE_COURSE)
    course["bad"] = ("Broken", [("slides", "Broken", "CHAOS:RAISE")])
    store = make_store(course)
    manager = BatchExportManager(store, host=host)
    good = manager.execute_batch_export([job(tmp_path / "good", "good")], SERIAL)
    bad = manager.execute_batch_export([job(tmp_path / "bad", "bad", ["s1", "bad"])], SERIAL)
    newest, oldest = store.batch_history(10)
    assert (newest.status, newest.jobs, newest.files_created, newest.failed_jobs) == (
        "failed",
        ("bad",),
        1,
        1,
    )
    assert (oldest.status, oldest.jobs, oldest.files_created, oldest.failed_jobs) == (
        "completed",
        ("good",),
        3,
        0,
    )
    assert newest.manifest_path == str(bad.manifest_path)
    assert oldest.manifest_path == str(good.manifest_path)
    assert manifest(bad.manifest_path)["batch_id"] == newest.batch_id
    assert newest.user
    assert newest.options["parallel_exports"] is False
    assert newest.started_at >= oldest.started_at


# -- the asyncio variant ---------------------------------------------------------------------


def test_async_batch_does_not_block_the_event_loop(make_store, host, tmp_path, chaos_log):
    """A concurrent asyncio task keeps ticking while a slow writer renders."""
    store = make_store({"slow": ("Slow", [("slides", "Slow", "CHAOS:SLOW=0.5")])})
    manager = BatchExportManager(store, host=host)
    ticks: list[float] = []

    async def ticker() -> None:
        while True:
            ticks.append(datetime.now().timestamp())
            await asyncio.sleep(0.01)

    async def main():
        ticking = asyncio.create_task(ticker())
        try:
            return await manager.execute_batch_export_async(
                [job(tmp_path / "out", sessions=["slow"])], SERIAL
            )
        finally:
            ticking.cancel()

    result = asyncio.run(main())
    assert result.total_files_created == 1
    start, end = (line["time"] for line in read_log(chaos_log))
    assert any(start < tick < end for tick in ticks)


def test_cancelling_the_async_batch_cancels_the_batch(make_store, host, tmp_path, chaos_log):
    """Cancelling the awaiting task stops the batch: later sessions never start."""
    course = {f"s{n}": (f"S{n}", [("slides", "Slow", "CHAOS:SLOW=0.3")]) for n in range(1, 5)}
    store = make_store(course)
    manager = BatchExportManager(store, host=host)
    out = tmp_path / "out"

    async def main() -> None:
        batch = asyncio.create_task(
            manager.execute_batch_export_async([job(out, sessions=list(course))], SERIAL)
        )
        while not any(line["event"] == "end" for line in read_log(chaos_log)):
            await asyncio.sleep(0.02)
        batch.cancel()
        with pytest.raises(asyncio.CancelledError):
            await batch
        for _ in range(500):  # the batch thread goes on to the end: wait for its record
            if store.batch_history(1):
                return
            await asyncio.sleep(0.02)

    asyncio.run(main())
    (path,) = out.glob("batch_export_manifest_*.json")
    assert manifest(path)["status"] == "interrupted"
    started = {line["session_ids"][0] for line in read_log(chaos_log)}
    assert "s4" not in started
    assert len(files(out)) < 4


def test_unknown_template_fails_at_planning_listing_the_known_ones(store, host, tmp_path):
    """A misspelled template is refused before anything renders, naming the known themes."""
    themes = make_theme(tmp_path / "themes", "academic")
    make_theme(themes, "campus", base="academic")
    result = BatchExportManager(store, host=host).execute_batch_export(
        [job(tmp_path / "out", "typo", ["s1"], ["request"], template_name="acdemic")],
        attrs.evolve(SERIAL, template_dirs=[themes]),
    )
    (job_result,) = result.job_results
    assert job_result.error is not None
    assert "unknown template 'acdemic'" in job_result.error
    assert "academic, campus" in job_result.error
    assert not (tmp_path / "out" / "s1.json").exists()
