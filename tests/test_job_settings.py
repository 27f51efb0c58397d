"""Plugins' settings tables in a batch: placeholders filled in at planning, seen by the hooks."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import attrs

from curator_export import JobSettings, hookimpl
from curator_export.batch import BatchExportManager
from curator_export.model import BatchExportJob, BatchExportOptions

BATCH_TIME = datetime(2026, 12, 4, 2, 0, 5, tzinfo=UTC)


@attrs.frozen
class Destination:
    url: str
    label: str = "kept as written: {date}"


class Recorder:
    def __init__(self) -> None:
        self.seen: list[tuple[str, str, str]] = []

    @hookimpl
    def curator_export_job_settings(self) -> list[JobSettings]:
        return [JobSettings(name="destination", options=Destination, placeholder_fields=("url",))]

    @hookimpl
    def curator_export_after_export(self, job: BatchExportJob, result: Any) -> None:
        settings = job.settings["destination"]
        self.seen.append((job.job_id, settings.url, settings.label))


def run(host: Any, store: Any, out: Path, url: str) -> Any:
    job = BatchExportJob(
        job_id="nightly",
        session_ids=["s1"],
        formats=["plain"],
        output_directory=out / "{date}",
        settings={"destination": Destination(url=url)},
    )
    manager = BatchExportManager(store, host=host, clock=lambda: BATCH_TIME)
    return manager.execute_batch_export([job], BatchExportOptions(parallel_exports=False))


def test_settings_placeholders_are_filled_in_like_the_output_folder(
    host: Any, register_plugin: Any, make_store: Any, tmp_path: Path
) -> None:
    recorder = Recorder()
    register_plugin(recorder)

    result = run(host, make_store(), tmp_path, "s3://bucket/{job_id}/{date}/{timestamp}")

    assert result.failed_jobs == 0
    assert recorder.seen == [
        ("nightly", "s3://bucket/nightly/20261204/20261204_020005", "kept as written: {date}")
    ]
    assert (tmp_path / "20261204").is_dir()


def test_a_bad_settings_placeholder_fails_the_job_with_its_place(
    host: Any, register_plugin: Any, make_store: Any, tmp_path: Path
) -> None:
    recorder = Recorder()
    register_plugin(recorder)

    result = run(host, make_store(), tmp_path, "s3://bucket/{dat}")

    (job,) = result.job_results
    assert not job.success
    assert "destination.url: unknown placeholder {dat} (did you mean {date}?)" in job.error
    assert recorder.seen == []


class RefusingAuditor:
    """An after_export step that fails for s2's file, as an upload to a full store would."""

    @hookimpl
    def curator_export_after_export(self, job: BatchExportJob, result: Any) -> dict[str, Any]:
        if result.session_ids == ("s2",):
            return {"status": "failed", "error": "the audit store refused it"}
        return {"status": "recorded"}


def test_a_failed_post_export_step_fails_the_job_and_keeps_the_file(
    host: Any, register_plugin: Any, make_store: Any, tmp_path: Path
) -> None:
    register_plugin(RefusingAuditor, name="auditor")
    job = BatchExportJob(
        job_id="audited", session_ids=["s1", "s2"], formats=["plain"], output_directory=tmp_path
    )

    result = BatchExportManager(make_store(), host=host).execute_batch_export(
        [job], BatchExportOptions(parallel_exports=False)
    )

    (job_result,) = result.job_results
    assert [e.status for e in job_result.exports] == ["succeeded", "succeeded"]
    assert all(e.path is not None and e.path.is_file() for e in job_result.exports)
    assert not job_result.success
    assert result.failed_jobs == 1
    assert job_result.error == (
        "auditor failed for 1 file after export (first: s2.plain: the audit store refused it)"
    )
    assert result.manifest_path is not None
    manifest = json.loads(result.manifest_path.read_text(encoding="utf-8"))
    (entry,) = manifest["batch_export_manifest"]["jobs"]
    assert entry["success"] is False
    assert "auditor failed for 1 file" in entry["error_message"]
