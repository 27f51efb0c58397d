"""What a batch does after its last export: archives, the manifest, history, the ledger.

Each step is on its own: one that fails is logged (or noted on its job) and the next still
runs, so a batch is never left without its manifest because an archive could not be made.
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import attrs

from curator_export.errors import CuratorExportError
from curator_export.logging import get_logger
from curator_export.model import (
    BatchExportJob,
    BatchExportOptions,
    BatchExportResult,
    ExportResult,
    ExportStatus,
    OnConflict,
)
from curator_export.planning import BatchPlan, plugin_versions
from curator_export.plugins import PluginHost
from curator_export.reproducible import file_time
from curator_export.results import JobExports
from curator_export.store import SessionStore

if TYPE_CHECKING:
    from curator_export.incremental import OutputRecord

log = get_logger(__name__)


class Finishing:
    """What comes after the last export: archives, the manifest, the history record."""

    def __init__(
        self,
        plan: BatchPlan,
        options: BatchExportOptions,
        host: PluginHost,
        result: BatchExportResult,
        status: str,
    ) -> None:
        self.plan = plan
        self.options = options
        self.host = host
        self.result = result
        self.status = status

    def archive(self) -> None:
        if not self.options.compress_output or self.status == "interrupted":
            return
        from curator_export.archive import write_zip

        archived: list[tuple[Path, Path]] = []  # (file, its job's folder)
        for job, job_result in zip(self.plan.jobs, self.result.job_results, strict=True):
            made = [e for e in job_result.exports if e.status is ExportStatus.SUCCEEDED and e.path]
            if not made:
                continue
            folder = Path(os.path.abspath(job.output_directory))
            # Companions (figures) are shared by content: each goes into the archive once.
            paths = dict.fromkeys(p for e in made for p in (e.path, *e.companions) if p)
            members = [(path.relative_to(folder).as_posix(), path) for path in paths]
            archive_path = _free_path(folder / f"{job.job_id}.zip", self.options.on_conflict)
            try:
                write_zip(
                    archive_path,
                    members,
                    overwrite=self.options.on_conflict is OnConflict.OVERWRITE,
                )
            except (CuratorExportError, OSError) as exc:
                job_result.error = f"archive {archive_path} failed: {exc}"
                continue
            archived += [(path, folder) for path in paths]
            self.result.archive_paths.append(archive_path)
        # Loose files go only once every archive is written and verified (jobs that share a
        # folder may share companions), and with them the sub-folders they leave empty.
        for path, folder in archived:
            path.unlink(missing_ok=True)
            parent = path.parent
            while parent != folder and parent.is_relative_to(folder):
                try:
                    parent.rmdir()
                except OSError:  # not empty
                    break
                parent = parent.parent

    def manifest(self) -> None:
        if not self.options.create_manifest or not self.plan.jobs:
            return
        from curator_export.manifest import build_manifest, write_manifest

        # The first job's folder; when that one cannot be written (the job failed planning
        # for it), the next job's, so that a batch is never left without its record.
        folders = dict.fromkeys(
            Path(os.path.abspath(job.output_directory)) for job in self.plan.jobs
        )
        for folder in folders:
            try:
                folder.mkdir(parents=True, exist_ok=True)
                manifest = build_manifest(
                    self.result,
                    self.plan.jobs,
                    self.options,
                    status=self.status,
                    batch_id=self.plan.batch_id,
                    plugins=plugin_versions(self.host),
                    relative_to=folder,
                    streamed=True,
                )
                self.result.manifest_path = write_manifest(
                    folder, manifest, timestamp=self.plan.created_at
                )
                return
            except (CuratorExportError, OSError) as exc:
                log.error("manifest not written", folder=str(folder), error=str(exc))

    def record_outputs(self, store: SessionStore) -> None:
        """Remember what this batch wrote, so that the next one can keep what is unchanged."""
        from curator_export.incremental import OutputLedger

        if not isinstance(store, OutputLedger):
            return
        written_at = file_time(self.plan.created_at)  # what the files say (planning checked it)
        figures: dict[Path, str] = {}  # shared by many outputs: each hashed once

        def records() -> Iterator[OutputRecord]:
            # Made one at a time as the store writes them: a large batch's records are
            # never all held at once.
            for job, job_result in zip(self.plan.jobs, self.result.job_results, strict=True):
                if not isinstance(job_result.exports, JobExports):
                    continue  # not this batch's own results: no keys to record
                folder = Path(os.path.abspath(job.output_directory))
                for result, key in job_result.exports.keyed():
                    if key is None or result.status is not ExportStatus.SUCCEEDED:
                        continue
                    record = _output_record(
                        job, folder, key, result, self.plan.batch_id, written_at, figures
                    )
                    if record is not None:
                        yield record

        try:
            store.record_outputs(records())
        except (CuratorExportError, OSError) as exc:
            log.error("outputs not recorded; the next run renders them again", error=str(exc))

    def record_history(self, store: SessionStore) -> None:
        record = getattr(store, "record_batch", None)
        if record is None:
            return
        try:
            record(
                batch_id=self.plan.batch_id,
                started_at=self.plan.created_at,
                elapsed_seconds=self.result.elapsed_time,
                user=_user(),
                status=self.status,
                jobs=[job.job_id for job in self.plan.jobs],
                options=attrs.asdict(self.options),
                files_created=self.result.total_files_created,
                failed_jobs=self.result.failed_jobs,
                manifest_path=str(self.result.manifest_path or ""),
            )
        except (CuratorExportError, OSError) as exc:
            log.error("batch history not recorded", error=str(exc))


def _output_record(  # noqa: PLR0917  (one call site, every argument needed)
    job: BatchExportJob,
    folder: Path,
    key: str,
    result: ExportResult,
    batch_id: str,
    written_at: datetime,
    figures: dict[Path, str],
) -> OutputRecord | None:
    """The ledger record of a file this batch wrote with ``key`` into ``folder`` (its job's
    output directory); None when it is gone (archived). ``figures`` keeps the hashes of
    companion files already read."""
    from curator_export.incremental import OutputRecord
    from curator_export.output import sha256_file

    path = result.path
    if path is None or result.size is None or result.sha256 is None or not path.is_file():
        return None
    try:
        for companion in result.companions:
            if companion not in figures:
                figures[companion] = sha256_file(companion)
        companions = {str(c): figures[c] for c in result.companions}
    except OSError:
        return None  # a figure that is gone cannot be vouched for: render it next time
    return OutputRecord(
        path=path,
        folder=folder,
        job_id=job.job_id,
        format=result.format,
        session_ids=result.session_ids,
        key=key,
        size=result.size,
        sha256=result.sha256,
        batch_id=batch_id,
        written_at=written_at,
        companions=companions,
    )


def _free_path(path: Path, on_conflict: OnConflict) -> Path:
    if on_conflict is OnConflict.OVERWRITE or not path.exists():
        return path
    number = 2
    while (candidate := path.with_name(f"{path.stem}-{number}{path.suffix}")).exists():
        number += 1
    return candidate


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return str(os.getuid()) if hasattr(os, "getuid") else "unknown"
