"""Failures stay small: invalid jobs fail at planning, and a writer that raises, kills its
worker, hangs, is busy or fills the disk costs its own export or task, never the batch.

The misbehaving writers are ``curator_export.testing_writers.chaos_write``, steered by
``CHAOS:`` markers in the Markdown of the sessions each test writes.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from curator_export.batch import BatchExportManager
from curator_export.branding import LOGO_MAX_BYTES
from curator_export.errors import ValidationError
from curator_export.model import (
    BatchExportJob,
    BatchExportOptions,
    Branding,
    ErrorKind,
    ExportStatus,
    NamingChoice,
    OnConflict,
)
from curator_export.output import TEMP_PREFIX, create_temporary
from curator_export.testing_writers import PARTIAL_BYTES, read_log

SERIAL = BatchExportOptions(parallel_exports=False)
POOL = BatchExportOptions(max_concurrent_jobs=2)


def job(out: Path, job_id: str = "j", sessions=("s1", "s2", "s3"), formats=("chaos",), **more):
    return BatchExportJob(
        job_id=job_id, session_ids=sessions, formats=formats, output_directory=out, **more
    )


def course_with(**bodies: str) -> dict[str, Any]:
    """Sessions with one slide item each, in keyword order: name -> Markdown."""
    return {name: (name.title(), [("slides", name.title(), body)]) for name, body in bodies.items()}


def by_export(result) -> dict[tuple[str, str], Any]:
    """(session ids joined by +, format) -> ExportResult, over every job."""
    return {
        ("+".join(e.session_ids), e.format): e for job in result.job_results for e in job.exports
    }


def every_file(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def temporaries(folder: Path) -> list[Path]:
    return sorted(folder.rglob(f"{TEMP_PREFIX}*"))


def alive(pid: int) -> bool:
    """Whether process ``pid`` exists and is not a zombie waiting to be reaped."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return False
    return "State:\tZ" not in status


def manifest(path: Path | None) -> dict[str, Any]:
    assert path is not None
    return json.loads(path.read_text(encoding="utf-8"))["batch_export_manifest"]


# -- 1. plan first ---------------------------------------------------------------------------


@pytest.fixture
def invalid_jobs(tmp_path: Path) -> dict[str, tuple[BatchExportJob, str]]:
    """One job per kind of planning error, with a fragment of the reason it must give."""
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    gif = tmp_path / "logo.gif"
    gif.write_bytes(b"GIF89a")
    huge = tmp_path / "huge.png"
    huge.write_bytes(b"\0" * (LOGO_MAX_BYTES + 1))
    out = tmp_path / "out"
    return {
        "missing": (
            job(out / "missing", "missing", ["s1", "nope", "s2"]),
            "session_ids: unknown session id(s) 'nope'",
        ),
        "format": (job(out / "format", "format", formats=["chaos", "pfd"]), "formats: "),
        "pattern": (
            job(
                out / "pattern",
                "pattern",
                naming_strategy=NamingChoice("custom", "{session_id}/{sesion}"),
            ),
            "naming_strategy: unknown placeholder {sesion}",
        ),
        "folder": (job(blocker / "out", "folder"), "output_directory: "),
        "logo": (
            job(out / "logo", "logo", branding_options=Branding(logo=str(gif))),
            "is not a PNG, JPEG or SVG file",
        ),
        "missing-logo": (
            job(
                out / "missing-logo",
                "missing-logo",
                branding_options=Branding(logo=str(tmp_path / "absent.png")),
            ),
            "cannot be read",
        ),
        "huge-logo": (
            job(out / "huge-logo", "huge-logo", branding_options=Branding(logo=str(huge))),
            "the limit is",
        ),
    }


def test_invalid_jobs_fail_with_their_reason_and_the_others_run(
    store, host, tmp_path, invalid_jobs
):
    """With continue_on_error each invalid job fails at planning, naming the field; the
    valid job runs and the manifest records them all."""
    good = job(tmp_path / "out" / "good", "good")
    jobs = [good, *(found for found, _ in invalid_jobs.values())]
    result = BatchExportManager(store, host=host).execute_batch_export(jobs, SERIAL)
    results = {r.job_id: r for r in result.job_results}
    assert results["good"].success
    assert every_file(tmp_path / "out" / "good") == [
        result.manifest_path.name,
        "s1.chaos",
        "s2.chaos",
        "s3.chaos",
    ]
    for job_id, (_, reason) in invalid_jobs.items():
        failed = results[job_id]
        assert not failed.success
        assert failed.error is not None
        assert reason in failed.error, (job_id, failed.error)
        assert failed.exports == []
    assert "pfd" in results["format"].error
    assert "not a folder" in results["folder"].error
    assert results["missing"].error_kind is ErrorKind.NOT_FOUND
    assert results["format"].error_kind is ErrorKind.INVALID_JOB
    assert results["good"].error_kind is None
    assert (result.successful_jobs, result.failed_jobs) == (1, len(invalid_jobs))
    assert every_file(tmp_path / "out") == [
        f"good/{name}" for name in every_file(tmp_path / "out" / "good")
    ]
    # Nor an empty folder: an invalid job's output directory is checked, never created.
    assert [folder.name for folder in (tmp_path / "out").iterdir()] == ["good"]
    body = manifest(result.manifest_path)
    recorded = {j["job_id"]: j for j in body["jobs"]}
    assert "unknown session id(s) 'nope'" in recorded["missing"]["error_message"]
    assert recorded["missing"]["success"] is False


def test_without_continue_on_error_an_invalid_job_stops_everything(
    store, host, tmp_path, invalid_jobs, chaos_log
):
    """continue_on_error=false: every problem is reported at once, nothing runs or is written."""
    jobs = [job(tmp_path / "out" / "good", "good"), *(j for j, _ in invalid_jobs.values())]
    manager = BatchExportManager(store, host=host)
    with pytest.raises(ValidationError) as raised:
        manager.execute_batch_export(
            jobs, BatchExportOptions(parallel_exports=False, continue_on_error=False)
        )
    errors = raised.value.errors
    for job_id, (_, reason) in invalid_jobs.items():
        assert any(e.startswith(f"job {job_id!r}: ") and reason in e for e in errors), job_id
    assert not any("'good'" in e for e in errors)
    assert not chaos_log.exists()  # no writer ran
    assert every_file(tmp_path / "out") == []
    assert store.batch_history() == []


def test_planning_alone_writes_nothing(store, host, tmp_path, invalid_jobs):
    """plan() lists every output or problem without creating a folder or a file."""
    good = job(tmp_path / "out" / "good", "good", formats=["chaos", "plain"])
    plan = BatchExportManager(store, host=host).plan([good, *(j for j, _ in invalid_jobs.values())])
    assert sorted(plan.invalid_jobs) == sorted(invalid_jobs)
    assert [e.name.path.name for task in plan.tasks for e in task.exports] == [
        "s1.chaos",
        "s1.plain",
        "s2.chaos",
        "s2.plain",
        "s3.chaos",
        "s3.plain",
    ]
    assert not (tmp_path / "out").exists()


@pytest.fixture
def locked_folder(tmp_path: Path) -> Iterator[Path]:
    """A folder nobody can write into, root included (the immutable attribute)."""
    folder = tmp_path / "locked"
    folder.mkdir()
    chattr = shutil.which("chattr")
    if chattr is None or subprocess.run([chattr, "+i", folder], check=False).returncode:
        pytest.skip("chattr +i is not available: no folder is unwritable for root here")
    try:
        yield folder
    finally:
        subprocess.run([chattr, "-i", folder], check=True)


def test_an_unwritable_output_folder_fails_at_planning(store, host, tmp_path, locked_folder):
    """An existing folder that refuses writes fails its job before rendering, with the reason."""
    result = BatchExportManager(store, host=host).execute_batch_export(
        [job(locked_folder, "locked"), job(tmp_path / "fine", "fine")], SERIAL
    )
    locked, fine = result.job_results
    assert not locked.success
    assert locked.error is not None
    assert "output_directory: " in locked.error
    assert "permission denied" in locked.error
    assert list(locked_folder.iterdir()) == []
    assert fine.success
    # The first job's folder is locked: the manifest goes to the next job's instead.
    assert result.manifest_path is not None
    assert result.manifest_path.parent == tmp_path / "fine"
    assert manifest(result.manifest_path)["jobs"][0]["output_directory"] == "../locked"


def test_max_concurrent_jobs_must_be_at_least_one():
    """max_concurrent_jobs = 0 is refused when the options are made."""
    with pytest.raises(ValueError, match="max_concurrent_jobs"):
        BatchExportOptions(max_concurrent_jobs=0)


# -- 3. isolation ----------------------------------------------------------------------------


@pytest.mark.parametrize("options", [SERIAL, POOL], ids=["serial", "pool"])
def test_a_writer_that_raises_fails_only_that_export(make_store, host, tmp_path, options):
    """The broken format of one session fails; its other format and other sessions are made."""
    store = make_store(course_with(s1="one", s2="two CHAOS:RAISE@chaos2", s3="three"))
    result = BatchExportManager(store, host=host).execute_batch_export(
        [
            job(tmp_path / "a", "a", formats=["chaos", "chaos2"]),
            job(tmp_path / "b", "b", ["s1", "s3"], ["chaos2"]),
        ],
        options,
    )
    exports = by_export(result)
    broken = exports["s2", "chaos2"]
    assert broken.status is ExportStatus.FAILED
    assert broken.error_kind is ErrorKind.WRITER_ERROR
    assert broken.error is not None
    assert broken.error.startswith("ValueError: chaos: the chaos2 writer broke")
    assert broken.attempts == 1
    assert broken.sha256 is None
    assert broken.size is None
    assert not (tmp_path / "a" / "s2.chaos2").exists()
    assert exports["s2", "chaos"].status is ExportStatus.SUCCEEDED
    assert "two CHAOS:RAISE@chaos2" in (tmp_path / "a" / "s2.chaos").read_text()
    a, b = result.job_results
    assert (a.success, a.files_created) == (False, 5)
    assert (b.success, b.files_created) == (True, 2)
    assert (result.successful_jobs, result.failed_jobs) == (1, 1)
    assert temporaries(tmp_path) == []


def test_figures_staged_before_a_worker_died_come_with_the_recovered_output(
    make_store, host, tmp_path, chaos_log
):
    """Outputs wait staged for the parent to commit them; a worker killed after staging one
    (and its figures) loses neither: both are committed, and no staged file is left."""
    store = make_store(course_with(s1="one CHAOS:CRASH@chaos", s2="two"))
    result = BatchExportManager(store, host=host).execute_batch_export(
        [job(tmp_path / "out", sessions=["s1", "s2"], formats=["figures", "chaos"])],
        BatchExportOptions(max_concurrent_jobs=1),
    )
    exports = by_export(result)
    assert exports["s1", "chaos"].error_kind is ErrorKind.CRASHED
    recovered = exports["s1", "figures"]
    assert recovered.status is ExportStatus.SUCCEEDED
    assert "recovered" in recovered.warnings[0]
    out = tmp_path / "out"
    assert recovered.sha256 == hashlib.sha256((out / "s1.figures").read_bytes()).hexdigest()
    assert (out / "assets" / "s1.txt").read_text() == "the figure of s1\n"
    assert (out / "assets" / "shared.txt").is_file()
    assert exports["s2", "figures"].status is ExportStatus.SUCCEEDED
    assert exports["s2", "chaos"].status is ExportStatus.SUCCEEDED
    assert temporaries(out) == []


def test_a_worker_that_dies_fails_only_its_task(make_store, host, tmp_path, chaos_log):
    """SIGKILL or exit() in a writer fails that task as crashed; the pool goes on."""
    store = make_store(
        course_with(
            s1="one",
            s2="two CHAOS:PARTIAL@chaos2 CHAOS:CRASH@chaos2",
            s3="three CHAOS:EXIT",
            s4="four",
        )
    )
    result = BatchExportManager(store, host=host).execute_batch_export(
        [job(tmp_path / "out", sessions=["s1", "s2", "s3", "s4"], formats=["chaos", "chaos2"])],
        BatchExportOptions(max_concurrent_jobs=1),  # one worker: replaced after each death
    )
    exports = by_export(result)
    killed = exports["s2", "chaos2"]
    assert (killed.status, killed.error_kind) == (ExportStatus.FAILED, ErrorKind.CRASHED)
    assert killed.error is not None
    assert "SIGKILL" in killed.error
    # chaos of s2 was finished (atomically) before the worker died: it is kept and counted.
    recovered = exports["s2", "chaos"]
    assert recovered.status is ExportStatus.SUCCEEDED
    assert recovered.path is not None
    assert recovered.path.read_text().startswith("# S2")
    assert "recovered" in recovered.warnings[0]
    for fmt in ("chaos", "chaos2"):
        exited = exports["s3", fmt]
        assert (exited.status, exited.error_kind) == (ExportStatus.FAILED, ErrorKind.CRASHED)
        assert "exit code 3" in (exited.error or "")
        for session in ("s1", "s4"):
            assert exports[session, fmt].status is ExportStatus.SUCCEEDED
    assert every_file(tmp_path / "out") == [
        result.manifest_path.name,
        "s1.chaos",
        "s1.chaos2",
        "s2.chaos",
        "s4.chaos",
        "s4.chaos2",
    ]
    assert temporaries(tmp_path / "out") == []  # the dead worker's half-written file is gone
    pids = {tuple(line["session_ids"]): line["pid"] for line in read_log(chaos_log)}
    assert len({pids["s2",], pids["s3",], pids["s4",]}) == 3  # a new worker after each death
    assert not alive(pids["s2",])
    assert not alive(pids["s3",])


def test_a_worker_dying_among_bundled_quick_tasks_costs_only_its_task(
    make_store, host, tmp_path, chaos_log
):
    """Quick sessions go to the worker several at a time; one that kills its worker fails
    alone: its bundle runs again task by task (what the first attempt staged is replaced),
    and every other output is in place once, with its own bytes."""
    marker = "CHAOS:CRASH@chaos2 "
    # Longest first, as a pool takes them: s01, s02 ... s40; s20 is in the middle of a bundle.
    bodies = {f"s{n:02d}": "x" * (400 - 5 * n) for n in range(1, 41)}
    bodies["s20"] = marker + "x" * (300 - len(marker))
    store = make_store(course_with(**bodies))
    result = BatchExportManager(store, host=host).execute_batch_export(
        [job(tmp_path / "out", sessions=list(bodies), formats=["chaos", "chaos2"])],
        BatchExportOptions(max_concurrent_jobs=1),
    )
    exports = by_export(result)
    assert len(result.job_results[0].exports) == len(exports) == 80
    killed = exports["s20", "chaos2"]
    assert (killed.status, killed.error_kind) == (ExportStatus.FAILED, ErrorKind.CRASHED)
    assert "SIGKILL" in (killed.error or "")
    assert "recovered" in exports["s20", "chaos"].warnings[0]
    out = tmp_path / "out"
    for (session, fmt), export in exports.items():
        if (session, fmt) == ("s20", "chaos2"):
            continue
        assert export.status is ExportStatus.SUCCEEDED, (session, fmt)
        title, body = (out / f"{session}.{fmt}").read_text().split("\n", 1)
        assert (title, body.strip()) == (f"# {session.title()}", bodies[session].strip())
    assert len(every_file(out)) == 79 + 1  # and the manifest
    assert temporaries(out) == []
    # s20 ran twice, in a bundle and then alone, each time in a worker it killed.
    attempts = [
        line["pid"]
        for line in read_log(chaos_log)
        if line["session_ids"] == ["s20"] and line["format"] == "chaos2"
    ]
    assert len(set(attempts)) == len(attempts) == 2
    assert not any(alive(pid) for pid in attempts)


def test_a_hanging_export_times_out_and_its_worker_is_stopped(
    make_store, host, tmp_path, chaos_log
):
    """A writer that never returns fails as timeout; its worker is gone; the rest are made."""
    store = make_store(course_with(s1="one", s2="two CHAOS:PARTIAL CHAOS:HANG", s3="three"))
    result = BatchExportManager(store, host=host).execute_batch_export(
        [job(tmp_path / "out")], BatchExportOptions(max_concurrent_jobs=2, export_timeout=0.5)
    )
    exports = by_export(result)
    hung = exports["s2", "chaos"]
    assert (hung.status, hung.error_kind) == (ExportStatus.FAILED, ErrorKind.TIMEOUT)
    assert "timeout" in (hung.error or "")
    assert exports["s1", "chaos"].status is ExportStatus.SUCCEEDED
    assert exports["s3", "chaos"].status is ExportStatus.SUCCEEDED
    (started,) = [line for line in read_log(chaos_log) if line["session_ids"] == ["s2"]]
    assert not alive(started["pid"])
    assert temporaries(tmp_path / "out") == []
    assert not (tmp_path / "out" / "s2.chaos").exists()


@pytest.mark.parametrize("options", [SERIAL, POOL], ids=["serial", "pool"])
def test_transient_errors_are_retried_and_attempts_recorded(
    make_store, host, tmp_path, chaos_log, options
):
    """TransientError and EAGAIN are retried up to max_retries; attempts are counted."""
    store = make_store(
        course_with(
            s1="busy twice CHAOS:TRANSIENT=2",
            s2="busy for good CHAOS:TRANSIENT=9",
            s3="eagain once CHAOS:EAGAIN=1",
            s4="broken CHAOS:RAISE",
        )
    )
    result = BatchExportManager(store, host=host).execute_batch_export(
        [job(tmp_path / "out", sessions=["s1", "s2", "s3", "s4"])],
        options,  # max_retries defaults to 2
    )
    exports = by_export(result)
    assert (exports["s1", "chaos"].status, exports["s1", "chaos"].attempts) == (
        ExportStatus.SUCCEEDED,
        3,
    )
    gave_up = exports["s2", "chaos"]
    assert (gave_up.status, gave_up.attempts) == (ExportStatus.FAILED, 3)
    assert gave_up.error_kind is ErrorKind.WRITER_ERROR
    assert "TransientError" in (gave_up.error or "")
    assert (exports["s3", "chaos"].status, exports["s3", "chaos"].attempts) == (
        ExportStatus.SUCCEEDED,
        2,
    )
    assert exports["s4", "chaos"].attempts == 1  # a plain error is not retried
    attempts = [(line["session_ids"][0], line["attempt"]) for line in read_log(chaos_log)]
    assert attempts.count(("s2", 3)) == 1
    assert ("s2", 4) not in attempts
    assert "busy twice" in (tmp_path / "out" / "s1.chaos").read_text()
    body = manifest(result.manifest_path)
    recorded = {e["session_ids"][0]: e["attempts"] for e in body["jobs"][0]["exports"]}
    assert recorded == {"s1": 3, "s2": 3, "s3": 2, "s4": 1}


def test_no_retries_when_max_retries_is_zero(make_store, host, tmp_path):
    """max_retries=0: a transient error fails at once."""
    store = make_store(course_with(s1="busy CHAOS:TRANSIENT=1"))
    result = BatchExportManager(store, host=host).execute_batch_export(
        [job(tmp_path / "out", sessions=["s1"])],
        BatchExportOptions(parallel_exports=False, max_retries=0),
    )
    (export,) = result.job_results[0].exports
    assert (export.status, export.attempts) == (ExportStatus.FAILED, 1)


def test_a_full_disk_stops_the_batch_early(make_store, host, tmp_path, chaos_log):
    """DiskFullError fails its export as disk_full and nothing after it starts."""
    store = make_store(course_with(s1="one", s2="two CHAOS:DISKFULL@chaos", s3="three", s4="four"))
    result = BatchExportManager(store, host=host).execute_batch_export(
        [job(tmp_path / "out", sessions=["s1", "s2", "s3", "s4"], formats=["chaos", "chaos2"])],
        SERIAL,
    )
    exports = by_export(result)
    full = exports["s2", "chaos"]
    assert (full.status, full.error_kind) == (ExportStatus.FAILED, ErrorKind.DISK_FULL)
    assert "the disk is full" in (full.error or "")
    later = exports["s2", "chaos2"]
    assert (later.status, later.error_kind) == (ExportStatus.CANCELLED, ErrorKind.DISK_FULL)
    assert later.attempts == 0
    for session in ("s3", "s4"):
        for fmt in ("chaos", "chaos2"):
            assert exports[session, fmt].status is ExportStatus.CANCELLED
    started = [(line["session_ids"][0], line["format"]) for line in read_log(chaos_log)]
    assert sorted(set(started)) == [("s1", "chaos"), ("s1", "chaos2"), ("s2", "chaos")]
    assert every_file(tmp_path / "out") == [result.manifest_path.name, "s1.chaos", "s1.chaos2"]
    body = manifest(result.manifest_path)
    assert body["status"] != "completed"
    kinds = [e["error_kind"] for e in body["jobs"][0]["exports"]]
    assert kinds.count("disk_full") == 2


def test_fail_fast_stops_at_the_first_failure(make_store, host, tmp_path, chaos_log):
    """continue_on_error=false: after the first failed export no new task starts."""
    store = make_store(course_with(s1="one", s2="two CHAOS:RAISE", s3="three"))
    result = BatchExportManager(store, host=host).execute_batch_export(
        [job(tmp_path / "out")],
        BatchExportOptions(parallel_exports=False, continue_on_error=False),
    )
    exports = by_export(result)
    assert exports["s1", "chaos"].status is ExportStatus.SUCCEEDED
    assert exports["s2", "chaos"].error_kind is ErrorKind.WRITER_ERROR
    assert exports["s3", "chaos"].status is ExportStatus.CANCELLED
    assert {line["session_ids"][0] for line in read_log(chaos_log)} == {"s1", "s2"}
    assert manifest(result.manifest_path)["status"] == "failed"


# -- 7. no torn files ------------------------------------------------------------------------


def test_a_failing_writer_never_touches_the_file_it_would_replace(make_store, host, tmp_path):
    """on_conflict=overwrite and a writer that raises: the old file keeps its bytes."""
    store = make_store(course_with(s1="one CHAOS:RAISE"))
    out = tmp_path / "out"
    out.mkdir()
    (out / "s1.chaos").write_bytes(b"precious")
    result = BatchExportManager(store, host=host).execute_batch_export(
        [job(out, sessions=["s1"])],
        BatchExportOptions(parallel_exports=False, on_conflict=OnConflict.OVERWRITE),
    )
    assert result.failed_jobs == 1
    assert (out / "s1.chaos").read_bytes() == b"precious"
    assert temporaries(out) == []


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_stale_temporaries_of_a_killed_run_are_removed_by_the_next(store, host, tmp_path):
    """A temporary file left by a dead process goes at the next run; a live writer's stays."""
    out = tmp_path / "out"
    out.mkdir()
    path, descriptor = create_temporary(out)
    os.write(descriptor, PARTIAL_BYTES)
    os.close(descriptor)
    ours = f"{TEMP_PREFIX}{os.getpid()}-"
    stale = path.with_name(path.name.replace(ours, f"{TEMP_PREFIX}{_dead_pid()}-", 1))
    path.rename(stale)
    live, descriptor = create_temporary(out)  # "being written" by this very process
    os.close(descriptor)
    result = BatchExportManager(store, host=host).execute_batch_export([job(out)], SERIAL)
    assert result.total_files_created == 3
    assert temporaries(out) == [live]
    assert not stale.exists()


def test_a_batch_cut_short_by_an_exception_leaves_no_staged_file(make_store, host, tmp_path):
    """Ctrl-C raised inside the parent (here by an export callback) stops the batch at once:
    files staged for results nobody will hear of are removed, committed ones stay whole."""
    store = make_store(course_with(**{f"s{n}": f"body {n} CHAOS:SLOW=0.2" for n in range(1, 9)}))
    manager = BatchExportManager(store, host=host)

    def interrupt(result) -> None:
        time.sleep(1.0)  # meanwhile the workers finish (and stage) the tasks in flight
        raise KeyboardInterrupt

    manager.with_export_tracking(interrupt)
    sessions = [f"s{n}" for n in range(1, 9)]
    with pytest.raises(KeyboardInterrupt):
        manager.execute_batch_export(
            [job(tmp_path / "out", sessions=sessions, formats=["chaos", "figures"])],
            BatchExportOptions(max_concurrent_jobs=2),
        )
    out = tmp_path / "out"
    assert temporaries(out) == []
    for path in out.glob("s*.*"):
        assert path.read_text().startswith("# S")  # whatever was committed is complete
