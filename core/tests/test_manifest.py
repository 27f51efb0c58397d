"""The batch manifest: the seed's shape, relative paths, and earlier manifests never replaced."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import attrs
import pytest

from curator_export.errors import ManifestError
from curator_export.manifest import build_manifest, read_manifest, write_manifest
from curator_export.model import (
    BatchExportJob,
    BatchExportOptions,
    BatchExportResult,
    ErrorKind,
    ExportResult,
    ExportStatus,
    JobResult,
)

BATCH_KEYS = {
    "schema_version",
    "status",
    "created_at",
    "started_at",
    "generator",
    "batch_id",
    "elapsed_seconds",
    "options",
    "total_jobs",
    "successful_jobs",
    "failed_jobs",
    "total_files_created",
    "total_files_unchanged",
    "plugins",
    "archives",
    "jobs",
}
JOB_KEYS = {
    "job_id",
    "success",
    "files_created",
    "files_unchanged",
    "total_size",
    "formats",
    "session_ids",
    "output_directory",
    "error_message",
    "error_kind",
    "exports",
}
EXPORT_KEYS = {
    "success",
    "status",
    "format",
    "session_ids",
    "output_path",
    "file_size",
    "sha256",
    "duration_seconds",
    "attempts",
    "error_message",
    "error_kind",
    "warnings",
    "reused_from_batch",
    "annotations",
}
WHEN = datetime(2024, 9, 2, 8, 30, 5, tzinfo=UTC)


def make_batch(root: Path) -> tuple[BatchExportResult, list[BatchExportJob]]:
    """A batch of two jobs: one fine, one with a failed export and a file outside ``root``."""
    course = BatchExportJob("course", ["s1", "s2"], ["html", "pdf"], root / "course")
    extra = BatchExportJob("extra", ["s3"], ["pptx"], root.parent / "elsewhere")
    result = BatchExportResult(
        job_results=[
            JobResult(
                "course",
                [
                    ExportResult(
                        "course", "html", ["s1"], "succeeded", root / "course/s1.html", 10, "a" * 64
                    ),
                    ExportResult(
                        "course",
                        "pdf",
                        ["s1"],
                        "succeeded",
                        root / "course/s1.pdf",
                        32,
                        "b" * 64,
                        warnings=["font fell back"],
                        duration_seconds=0.25,
                        attempts=2,
                        annotations={"audit": {"entry": 7, "tags": ["a", None]}},
                    ),
                ],
            ),
            JobResult(
                "extra",
                [
                    ExportResult(
                        "extra",
                        "pptx",
                        ["s3"],
                        "failed",
                        root.parent / "elsewhere/s3.pptx",
                        error="écriture impossible",
                        error_kind=ErrorKind.DISK_FULL,
                    ),
                    ExportResult("extra", "pptx", ["s4"], ExportStatus.CANCELLED),
                ],
            ),
        ],
        started_at=WHEN,
        elapsed_time=1.23456,
    )
    return result, [course, extra]


def manifest_of(root: Path, **overrides: Any) -> dict[str, Any]:
    result, jobs = make_batch(root)
    arguments: dict[str, Any] = {
        "status": "completed",
        "batch_id": "batch-42",
        "plugins": {"pdf": "curator-export-pdf 0.1.0", "html": "curator-export-html 0.1.0"},
        "relative_to": root,
        "created_at": WHEN,
    }
    return build_manifest(result, jobs, BatchExportOptions(), **(arguments | overrides))


def test_manifest_has_the_seed_shape_and_counts(tmp_path: Path) -> None:
    """Top level, jobs and exports carry the documented keys, counts and snake_case options."""
    manifest = manifest_of(tmp_path)
    assert list(manifest) == ["batch_export_manifest"]
    body = manifest["batch_export_manifest"]
    assert set(body) == BATCH_KEYS
    assert body["schema_version"] == 1
    assert body["status"] == "completed"
    assert body["created_at"] == "2024-09-02T08:30:05+00:00"
    assert body["generator"].startswith("curator-export ")
    assert body["elapsed_seconds"] == 1.235
    assert body["options"] == {
        field.name: getattr(BatchExportOptions(), field.name)
        for field in attrs.fields(BatchExportOptions)
        if field.name != "template_dirs"
    } | {"template_dirs": []}
    assert body["options"]["on_conflict"] == "rename"
    assert list(body["plugins"]) == ["html", "pdf"]
    assert (body["total_jobs"], body["successful_jobs"], body["failed_jobs"]) == (2, 1, 1)
    assert body["total_files_created"] == 2
    course, extra = body["jobs"]
    assert set(course) == set(extra) == JOB_KEYS
    assert (course["success"], course["files_created"], course["total_size"]) == (True, 2, 42)
    assert course["formats"] == ["html", "pdf"]
    assert course["session_ids"] == ["s1", "s2"]
    assert all(set(export) == EXPORT_KEYS for job in body["jobs"] for export in job["exports"])
    pdf = course["exports"][1]
    assert (pdf["status"], pdf["success"], pdf["attempts"]) == ("succeeded", True, 2)
    assert pdf["warnings"] == ["font fell back"]
    assert pdf["annotations"] == {"audit": {"entry": 7, "tags": ["a", None]}}
    assert course["exports"][0]["annotations"] == {}
    failed, cancelled = extra["exports"]
    assert (failed["success"], failed["error_kind"]) == (False, "disk_full")
    assert failed["error_message"] == "écriture impossible"
    assert (cancelled["status"], cancelled["success"], cancelled["output_path"]) == (
        "cancelled",
        False,
        None,
    )


def test_paths_are_relative_to_the_manifest_folder(tmp_path: Path) -> None:
    """Output paths are posix and relative, with '..' for files beside the manifest's folder."""
    body = manifest_of(tmp_path)["batch_export_manifest"]
    course, extra = body["jobs"]
    assert course["output_directory"] == "course"
    assert [e["output_path"] for e in course["exports"]] == ["course/s1.html", "course/s1.pdf"]
    assert extra["output_directory"] == "../elsewhere"
    assert extra["exports"][0]["output_path"] == "../elsewhere/s3.pptx"


def test_interrupted_status_is_recorded(tmp_path: Path) -> None:
    """A batch stopped early says so; an unknown status is refused."""
    body = manifest_of(tmp_path, status="interrupted")["batch_export_manifest"]
    assert body["status"] == "interrupted"
    with pytest.raises(ValueError, match="halfway"):
        manifest_of(tmp_path, status="halfway")


def test_written_manifest_reads_back_as_utf8_json(tmp_path: Path) -> None:
    """The file is named by its time, indented UTF-8 JSON, and reads back unchanged."""
    manifest = manifest_of(tmp_path)
    path = write_manifest(tmp_path, manifest, timestamp=WHEN)
    assert path == tmp_path / "batch_export_manifest_20240902_083005.json"
    text = path.read_text(encoding="utf-8")
    assert "écriture impossible" in text
    assert text.startswith('{\n  "batch_export_manifest": {\n    "schema_version": 1,')
    assert read_manifest(path) == json.loads(json.dumps(manifest))


def test_earlier_manifests_are_never_overwritten(tmp_path: Path) -> None:
    """Two manifests in the same second get _2, _3 suffixes and the first one is kept."""
    first = write_manifest(tmp_path, manifest_of(tmp_path), timestamp=WHEN)
    original = first.read_bytes()
    second = write_manifest(tmp_path, manifest_of(tmp_path, batch_id="b2"), timestamp=WHEN)
    third = write_manifest(tmp_path, manifest_of(tmp_path, batch_id="b3"), timestamp=WHEN)
    assert second.name == "batch_export_manifest_20240902_083005_2.json"
    assert third.name == "batch_export_manifest_20240902_083005_3.json"
    assert first.read_bytes() == original
    assert read_manifest(third)["batch_export_manifest"]["batch_id"] == "b3"


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ('{"batch_export_manifest": {"schema_version": 2}}', "newer"),
        ('{"batch_export_manifest": {"schema_version": "1"}}', "whole number"),
        ('{"batch_export_manifest": {"schema_version": true}}', "whole number"),
        ('{"something_else": {}}', "batch_export_manifest"),
        ("[1, 2]", "batch_export_manifest"),
        ("{not json", "not JSON"),
    ],
)
def test_read_manifest_refuses_what_it_cannot_read(
    tmp_path: Path, content: str, reason: str
) -> None:
    """Malformed files and unknown schema versions raise ManifestError naming the file."""
    path = tmp_path / "manifest.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ManifestError, match=reason) as caught:
        read_manifest(path)
    assert "manifest.json" in str(caught.value)


def test_a_streamed_manifest_is_written_exactly_like_a_built_one(tmp_path: Path) -> None:
    """The batch writes exports as it encodes them; the file is the same as from plain data."""
    plain = write_manifest(tmp_path / "plain", manifest_of(tmp_path), timestamp=WHEN)
    streamed = write_manifest(
        tmp_path / "streamed", manifest_of(tmp_path, streamed=True), timestamp=WHEN
    )
    assert streamed.read_bytes() == plain.read_bytes()
    exports = read_manifest(streamed)["batch_export_manifest"]["jobs"][0]["exports"]
    assert [export["format"] for export in exports] == ["html", "pdf"]
