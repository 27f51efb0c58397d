"""The dask executor on real clusters: a scheduler and two workers on 127.0.0.1 (one killed
mid-batch), and the in-process local cluster (cancel, a task that keeps killing workers)."""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest

from curator_export.batch import BatchExportManager
from curator_export.errors import UnknownNameError
from curator_export.model import (
    BatchExportJob,
    BatchExportOptions,
    BatchExportResult,
    ErrorKind,
    ExportStatus,
)
from curator_export.testing_writers import read_log

pytestmark = pytest.mark.slow

OPTIONS = BatchExportOptions(max_concurrent_jobs=2)


def job(out: Path, sessions: list[str], formats: tuple[str, ...]) -> BatchExportJob:
    return BatchExportJob(
        job_id="j", session_ids=tuple(sessions), formats=formats, output_directory=out
    )


def exports(result: BatchExportResult) -> list:
    return [export for job_result in result.job_results for export in job_result.exports]


def in_background(
    manager: BatchExportManager, jobs, options=OPTIONS
) -> tuple[threading.Thread, list]:
    """Run a batch in a thread; the list gets its result."""
    results: list[BatchExportResult] = []
    thread = threading.Thread(
        target=lambda: results.append(manager.execute_batch_export(jobs, OPTIONS)), daemon=True
    )
    thread.start()
    return thread, results


def wait_for_files(folder: Path, suffix: str, count: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while len(list(folder.glob(f"*{suffix}"))) < count:
        assert time.monotonic() < deadline, f"fewer than {count} {suffix} files in {folder}"
        time.sleep(0.05)


def busy_with_chaos(log: list[dict], pid: int) -> bool:
    """Whether process ``pid`` has started a chaos export that it has not finished."""
    started = [tuple(line["session_ids"]) for line in log if line["pid"] == pid]
    ended = {
        tuple(line["session_ids"]) for line in log if line["pid"] == pid and line["event"] == "end"
    }
    return any(sessions not in ended for sessions in started)


def assert_complete(out: Path, result: BatchExportResult, planned: list[Path]) -> None:
    """Every planned file exists once, as the manifest says, parses, and nothing else is left."""
    manifest = json.loads(Path(result.manifest_path).read_text(encoding="utf-8"))
    recorded = {
        out / entry["output_path"]: (entry["file_size"], entry["sha256"])
        for job_entry in manifest["batch_export_manifest"]["jobs"]
        for entry in job_entry["exports"]
    }
    assert sorted(recorded) == sorted(planned)
    for export in exports(result):
        assert export.status is ExportStatus.SUCCEEDED, export
        data = export.path.read_bytes()
        assert (len(data), hashlib.sha256(data).hexdigest()) == recorded[export.path]
        assert recorded[export.path] == (export.size, export.sha256)
        if export.path.suffix == ".html":
            HTMLParser().feed(data.decode("utf-8"))
            assert data.rstrip().endswith(b"</html>")
        else:
            assert b"# Session" in data
    assert sorted(export.path for export in exports(result)) == sorted(planned)
    outputs = sorted(p for p in out.iterdir() if p.is_file() and p.suffix != ".json")
    assert outputs == sorted(planned), "a file was written twice or under another name"
    assert not list(out.rglob(".curator-tmp-*")), "temporary files remain"


def test_a_killed_worker_loses_no_output_and_writes_none_twice(
    cluster, host, course_store, tmp_path, chaos_log
):
    """SIGKILL one of two workers mid-batch: its tasks run again on the other, and every
    planned file exists exactly once, complete, as the manifest records it."""
    store = course_store(10, "CHAOS:SLOW=0.5@chaos")
    out = tmp_path / "out"
    # html is written before the slow chaos format: a worker killed in a task's chaos step
    # leaves that task's html behind, which the re-run must replace, not refuse.
    jobs = [job(out, store.session_ids(), ("html", "chaos", "markdown"))]
    manager = BatchExportManager(
        store, host=host, executor="dask", executor_options={"scheduler": cluster.address}
    )
    planned = [e.name.path for t in manager.plan(jobs, OPTIONS).tasks for e in t.exports]
    thread, results = in_background(manager, jobs)
    wait_for_files(out, ".md", 2)
    # Kill the worker while it is inside a task's slow chaos step, after that task's html.
    victim = cluster.workers[0].pid
    deadline = time.monotonic() + 30
    while not busy_with_chaos(read_log(chaos_log), victim):
        assert time.monotonic() < deadline, "the first worker never ran a task"
        time.sleep(0.01)
    cluster.kill_worker(0)
    thread.join(60)
    assert results, "the batch did not finish"
    result = results[0]
    assert result.failed_jobs == 0, [e.error for e in exports(result) if e.error]
    assert_complete(out, result, planned)
    killed = cluster.workers[0].pid
    log = read_log(chaos_log)
    cut_short = {tuple(line["session_ids"]) for line in log if line["pid"] == killed} - {
        tuple(line["session_ids"])
        for line in log
        if line["pid"] == killed and line["event"] == "end"
    }
    assert cut_short, "the kill hit no task"
    finished_elsewhere = {
        tuple(line["session_ids"])
        for line in log
        if line["pid"] != killed and line["event"] == "end"
    }
    assert cut_short <= finished_elsewhere, "a task of the lost worker did not run again"


def test_cli_runs_on_a_scheduler(cluster, course_store, run_cli, tmp_path):
    """`export --executor dask --scheduler ADDRESS` writes every file through the cluster."""
    store = course_store(4, "")
    db = Path(store.path)
    out = tmp_path / "cli-out"
    done = run_cli(
        "--store",
        str(db),
        "export",
        "--all",
        "-f",
        "html,markdown",
        "-o",
        str(out),
        "--executor",
        "dask",
        "--scheduler",
        cluster.address,
        "--progress",
        "none",
    )
    assert done.returncode == 0, done.stderr + done.stdout
    assert len(list(out.glob("*.html"))) == len(list(out.glob("*.md"))) == 4


def test_local_cluster_runs_a_batch_and_closes(host, course_store, tmp_path, chaos_log):
    """`executor="dask"` without a scheduler starts worker processes and stops them after."""
    store = course_store(4, "")
    out = tmp_path / "out"
    manager = BatchExportManager(store, host=host, executor="dask")
    jobs = [job(out, store.session_ids(), ("html", "chaos"))]
    planned = [e.name.path for t in manager.plan(jobs, OPTIONS).tasks for e in t.exports]
    result = manager.execute_batch_export(jobs, OPTIONS)
    assert_complete(out, result, planned)
    pids = {line["pid"] for line in read_log(chaos_log)}
    assert pids
    assert os.getpid() not in pids
    import psutil

    assert not [p for p in pids if psutil.pid_exists(p)], "a local worker outlived the batch"


def test_cancel_stops_the_batch_and_reports_the_rest_cancelled(host, course_store, tmp_path):
    """cancel() after the first file: nothing new starts, the rest come back cancelled."""
    store = course_store(8, "CHAOS:SLOW=1@chaos")
    out = tmp_path / "out"
    manager = BatchExportManager(store, host=host, executor="dask")
    seen: list[str] = []

    def on_progress(event) -> None:
        seen.append(event.current_operation)
        if event.completed_files == 1:
            manager.cancel("cancelled")

    manager.with_progress_tracking(on_progress)
    started = time.monotonic()
    result = manager.execute_batch_export([job(out, store.session_ids(), ("chaos",))], OPTIONS)
    assert time.monotonic() - started < 20
    statuses = [export.status for export in exports(result)]
    assert statuses.count(ExportStatus.SUCCEEDED) < 8
    assert ExportStatus.CANCELLED in statuses
    cancelled = [e for e in exports(result) if e.status is ExportStatus.CANCELLED]
    assert all(e.error_kind is ErrorKind.INTERRUPTED for e in cancelled)
    assert not list(out.rglob(".curator-tmp-*"))


def test_a_task_that_keeps_killing_workers_is_crashed_and_named(host, course_store, tmp_path):
    """Past allowed_failures the scheduler gives up (KilledWorker): that task's exports
    fail as CRASHED with a message naming its session; the others succeed."""
    store = course_store(3, "CHAOS:CRASH@chaos", marked={"s02"})
    out = tmp_path / "out"
    manager = BatchExportManager(
        store, host=host, executor="dask", executor_options={"allowed_failures": 1}
    )
    result = manager.execute_batch_export([job(out, ["s01", "s02", "s03"], ("chaos",))], OPTIONS)
    by_session = {export.session_ids[0]: export for export in exports(result)}
    crashed = by_session["s02"]
    assert (crashed.status, crashed.error_kind) == (ExportStatus.FAILED, ErrorKind.CRASHED)
    assert "j:s02" in (crashed.error or "")
    assert "died" in (crashed.error or "")
    assert by_session["s01"].status is by_session["s03"].status is ExportStatus.SUCCEEDED


def test_an_unknown_executor_names_the_known_ones(host, course_store, tmp_path):
    """A misspelt executor fails before planning, listing built-in and plugin executors."""
    store = course_store(1, "")
    manager = BatchExportManager(store, host=host, executor="dsak")
    with pytest.raises(UnknownNameError, match=r"'dsak'.*process, serial.*dask"):
        manager.execute_batch_export([job(tmp_path / "out", ["s01"], ("chaos",))])
    assert not (tmp_path / "out").exists()


def test_cli_unknown_executor_exits_2(run_cli, course_store):
    """`--executor nope` is a usage error (exit 2) naming what is installed."""
    store = course_store(1, "")
    done = run_cli(
        "--store", store.path, "export", "--all", "-f", "html", "-o", "out", "--executor", "nope"
    )
    assert done.returncode == 2
    assert "unknown executor 'nope'" in done.stderr
    assert "dask" in done.stderr
