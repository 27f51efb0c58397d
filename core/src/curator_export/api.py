"""The seed's two commands for embedding: camelCase JSON in, camelCase JSON out.

``create_batch_export_job`` validates one job and returns it with canonical names;
``batch_export_content`` runs a batch. A desktop front end, a web service or an LMS connector
calls these with the payloads the seed document describes.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from curator_export.batch import BatchExportManager
from curator_export.convert import Converters, unstructure
from curator_export.errors import ValidationError
from curator_export.model import (
    BatchExportJob,
    BatchExportOptions,
    BatchExportResult,
    ExportResult,
    JobResult,
)
from curator_export.plugins import PluginHost
from curator_export.progress import ProgressCallback
from curator_export.store import SessionStore, SQLiteStore

STORE_ENV = "CURATOR_EXPORT_STORE"


def create_batch_export_job(
    payload: Mapping[str, Any], *, host: PluginHost | None = None
) -> dict[str, Any]:
    """Validate a camelCase job payload; return it with canonical format and naming names.

    Raises ``ValidationError`` listing every problem, each with its location (``$.formats[1]``).
    """
    job = Converters(host or PluginHost()).structure(payload, BatchExportJob, camel_case=True)
    data: dict[str, Any] = unstructure(job, camel_case=True)
    return data


def batch_export_content(
    payload: Mapping[str, Any],
    *,
    store: SessionStore | None = None,
    host: PluginHost | None = None,
    progress: ProgressCallback | None = None,
) -> dict[str, Any]:
    """Run ``{"jobs": [...], "options": {...}}``; return the seed's camelCase result.

    The store is ``store``, else ``payload["storePath"]``, else ``$CURATOR_EXPORT_STORE``, else
    ``./curator.db``.
    """
    host = host or PluginHost()
    converters = Converters(host)
    errors: list[str] = []
    jobs: list[BatchExportJob] = []
    raw_jobs = payload.get("jobs")
    if not isinstance(raw_jobs, list) or not raw_jobs:
        errors.append("expected a non-empty list of jobs @ $.jobs")
        raw_jobs = []
    for index, raw in enumerate(raw_jobs):
        try:
            jobs.append(
                converters.structure(raw, BatchExportJob, camel_case=True, path=f"$.jobs[{index}]")
            )
        except ValidationError as exc:
            errors += exc.errors
    options = BatchExportOptions()
    try:
        options = converters.structure(
            payload.get("options", {}), BatchExportOptions, camel_case=True, path="$.options"
        )
    except ValidationError as exc:
        errors += exc.errors
    if errors:
        raise ValidationError(errors)
    own_store = store is None
    session_store = store or SQLiteStore(_store_path(payload))
    try:
        manager = BatchExportManager(session_store, host=host)
        if progress is not None:
            manager.with_progress_tracking(progress)
        return result_payload(manager.execute_batch_export(jobs, options))
    finally:
        if own_store:
            session_store.close()


def _store_path(payload: Mapping[str, Any]) -> Path:
    configured = payload.get("storePath") or os.environ.get(STORE_ENV) or "curator.db"
    return Path(str(configured))


def result_payload(result: BatchExportResult) -> dict[str, Any]:
    """A batch result as the seed's camelCase JSON."""
    return {
        "totalJobs": result.total_jobs,
        "successfulJobs": result.successful_jobs,
        "failedJobs": result.failed_jobs,
        "totalFilesCreated": result.total_files_created,
        "totalFilesUnchanged": result.total_files_unchanged,
        "elapsedTime": round(result.elapsed_time, 3),
        "startedAt": result.started_at.isoformat() if result.started_at else None,
        "manifestPath": str(result.manifest_path) if result.manifest_path else None,
        "archivePaths": [str(path) for path in result.archive_paths],
        "jobResults": [_job_payload(job) for job in result.job_results],
    }


def _job_payload(job: JobResult) -> dict[str, Any]:
    return {
        "jobId": job.job_id,
        "success": job.success,
        "filesCreated": job.files_created,
        "filesUnchanged": job.files_unchanged,
        "errorMessage": job.error,
        "errorKind": str(job.error_kind) if job.error_kind else None,
        "exports": [export_payload(export) for export in job.exports],
    }


def export_payload(export: ExportResult) -> dict[str, Any]:
    """One export's result as the seed's camelCase JSON (an element of ``exports``)."""
    return {
        "format": export.format,
        "sessionIds": list(export.session_ids),
        "status": str(export.status),
        # An unchanged file is there as asked, kept from the run that made it.
        "success": export.status in ("succeeded", "unchanged"),
        "outputPath": str(export.path) if export.path else None,
        "fileSize": export.size,
        "sha256": export.sha256,
        "durationSeconds": export.duration_seconds,
        "attempts": export.attempts,
        "errorMessage": export.error,
        "errorKind": str(export.error_kind) if export.error_kind else None,
        "warnings": list(export.warnings),
        "reusedFromBatch": export.reused_from,
    }
