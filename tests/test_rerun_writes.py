"""A task run again (a distributed executor lost its worker) replaces its own earlier files,
never a file that was there when the batch was planned."""

from __future__ import annotations

from pathlib import Path

from curator_export.batch import BatchExportManager
from curator_export.model import BatchExportJob, BatchExportOptions, ErrorKind, ExportStatus
from curator_export.worker import render_task

SERIAL = BatchExportOptions(parallel_exports=False)


def plan_one(store, host, out: Path):
    job = BatchExportJob(
        job_id="j", session_ids=("s1",), formats=("chaos", "plain"), output_directory=out
    )
    plan = BatchExportManager(store, host=host).plan([job], SERIAL)
    assert not plan.invalid_jobs
    return plan.tasks[0]


def test_a_file_an_earlier_attempt_left_is_replaced_only_when_reruns_are_expected(
    store, host, tmp_path
):
    """A file at a path free at planning: CONFLICT by default, replaced for a re-run."""
    task = plan_one(store, host, tmp_path / "out")
    first = task.exports[0].name.path
    first.parent.mkdir(parents=True)
    first.write_bytes(b"written by the attempt whose worker died")

    refused = render_task(task, 0)
    assert (refused[0].status, refused[0].error_kind) == (ExportStatus.FAILED, ErrorKind.CONFLICT)
    assert refused[1].status is ExportStatus.SUCCEEDED

    task.exports[1].name.path.unlink()
    again = render_task(task, 0, replace_earlier_attempts=True)
    assert [result.status for result in again] == [ExportStatus.SUCCEEDED] * 2
    assert first.read_bytes().startswith(b"# Lake Ecology")
    assert again[0].size == first.stat().st_size
    assert not [path for path in first.parent.iterdir() if path.name.startswith(".curator-tmp")]


def test_a_file_there_at_planning_is_never_replaced_by_a_rerun(store, host, tmp_path):
    """A user's file at the wanted path makes planning rename; a re-run keeps it intact."""
    out = tmp_path / "out"
    out.mkdir()
    mine = out / "s1.chaos"
    mine.write_bytes(b"my own notes")
    task = plan_one(store, host, out)
    assert task.exports[0].name.renamed_from == "s1.chaos"
    results = render_task(task, 0, replace_earlier_attempts=True)
    assert [result.status for result in results] == [ExportStatus.SUCCEEDED] * 2
    assert mine.read_bytes() == b"my own notes"
