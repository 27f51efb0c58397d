"""curator-export plugin: copy finished files to any fsspec destination (S3, GCS, Azure,
SFTP, a local or mounted path).

A job opts in with an ``upload`` table (``upload = { url = "s3://bucket/prefix" }``), or the
command line gives one to every job without its own (``--upload URL``). Each file is copied
as soon as the core reports it final (after_export), so temporary files are never seen; its
outcome lands in the file's manifest entry under ``annotations.upload``. The manifest and the
archives follow once the batch is over (after_batch). A failed upload leaves the local file
in place and does not fail the export: the manifest and the log say what is missing.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from curator_export import JobSettings, hookimpl
from curator_export.distribution import version_attribute
from curator_export.logging import get_logger
from curator_export_upload.settings import UploadSettings
from curator_export_upload.transfer import Outcome, Uploader

if TYPE_CHECKING:
    from curator_export.model import BatchExportJob, BatchExportResult, ExportResult

SETTINGS_NAME = "upload"

log = get_logger(__name__)
uploader = Uploader()


@hookimpl
def curator_export_job_settings() -> Sequence[JobSettings]:
    return [
        JobSettings(
            name=SETTINGS_NAME,
            options=UploadSettings,
            description="copy the job's finished files to an fsspec URL (s3://, gs://, sftp://...)",
            placeholder_fields=("url",),  # s3://bucket/backups/{date}: a prefix per run
        )
    ]


@hookimpl
def curator_export_after_export(
    job: BatchExportJob, result: ExportResult
) -> Mapping[str, Any] | None:
    settings = job.settings.get(SETTINGS_NAME)
    if not isinstance(settings, UploadSettings) or result.path is None:
        return None
    folder = _folder(job)
    outcome = _upload(result.path, folder, settings)
    annotation = outcome.as_json()
    companions = [_upload(path, folder, settings) for path in result.companions]
    if companions:
        annotation["companions"] = [companion.as_json() for companion in companions]
    failed = [item for item in (outcome, *companions) if not item.ok]
    if failed:  # the job's error names the first file that did not go up
        annotation["status"] = "failed"
        annotation.setdefault("error", f"{failed[0].url}: {failed[0].error}")
    return annotation


@hookimpl
def curator_export_after_batch(result: BatchExportResult, jobs: Sequence[BatchExportJob]) -> None:
    """The manifest and the archives, to every destination of the batch's jobs."""
    sent: set[str] = set()
    for job in jobs:
        settings = job.settings.get(SETTINGS_NAME)
        if not isinstance(settings, UploadSettings):
            continue
        folder = _folder(job)
        batch_files = [result.manifest_path] if result.manifest_path else []
        batch_files += [path for path in result.archive_paths if _inside(path, folder)]
        for path in batch_files:
            key = f"{settings.url}|{path}"
            if key not in sent:
                sent.add(key)
                _upload(path, folder, settings)
    uploader.reset()


def _upload(path: Path, folder: Path, settings: UploadSettings) -> Outcome:
    """Upload ``path`` to its place below ``settings.url``, logging the outcome."""
    absolute = Path(os.path.abspath(path))
    # A file outside the job's folder (a manifest written beside another job) goes to the top.
    relative = (
        absolute.relative_to(folder).as_posix() if _inside(absolute, folder) else absolute.name
    )
    outcome = uploader.upload(absolute, settings, relative)
    if outcome.ok:
        log.info("uploaded", path=str(absolute), url=outcome.url, status=outcome.status)
    else:
        log.error("upload failed", path=str(absolute), url=outcome.url, error=outcome.error)
    return outcome


def _folder(job: BatchExportJob) -> Path:
    return Path(os.path.abspath(job.output_directory))


def _inside(path: Path, folder: Path) -> bool:
    return Path(os.path.abspath(path)).is_relative_to(folder)


__getattr__ = version_attribute("curator-export-upload", __name__)
