"""Rendering one planned task: parse once, run every format's writer, write atomically.

This runs in a worker process (or in-process for serial batches). It gets everything in the
task itself, so it needs no store and no plugin host: a format's writer is imported when the
task is unpickled, once per worker, and stays warm for the next task.
"""

from __future__ import annotations

import errno
import time
from collections.abc import Callable
from importlib.metadata import version

import attrs

from curator_export.errors import (
    DiskFullError,
    NotImplementedFormatError,
    OutputError,
    OutputExistsError,
    TransientError,
)
from curator_export.logging import get_logger
from curator_export.model import ErrorKind, ExportResult, ExportStatus
from curator_export.naming import output_title
from curator_export.output import WrittenFile, write_atomically
from curator_export.planning import PlannedExport, PlannedTask
from curator_export.render import ParsedSession, Rendered, RenderRequest, SharedWork
from curator_export.selection import parse_session
from curator_export.staging import StagedFile, StagingArea, stage_file

log = get_logger(__name__)

#: OSErrors worth another try: the resource may be back in a moment.
TRANSIENT_ERRNOS = frozenset({errno.EAGAIN, errno.EBUSY, errno.EINTR, errno.ETIMEDOUT})
BACKOFF_SECONDS = 0.2


def render_task(
    task: PlannedTask,
    max_retries: int,
    sleep: Callable[[float], None] = time.sleep,
    *,
    replace_earlier_attempts: bool = False,
    stage_for: StagingArea | None = None,
) -> tuple[ExportResult, ...]:
    """Render and write every export of ``task``; one failing export does not stop the others.

    ``replace_earlier_attempts``: this task may have run before in this batch, on a worker
    that was lost after writing some files (a distributed executor runs it again). A file at
    a path that was free when the batch was planned is then that attempt's, and is replaced
    atomically; without it, such a file is refused (``CONFLICT``) as one that someone else
    put there. Files that existed at planning are handled by ``on_conflict`` either way.

    ``stage_for``: the staging area of the process that commits the outputs (``committing``);
    each export's file is then left staged and its result, although ``succeeded``, means
    "ready to commit". Without it every file is durable and in place when this returns.
    """
    started = time.monotonic()
    job = task.job
    parsed = tuple(parse_session(s, job.content_types, job.audience) for s in task.sessions)
    log.debug("task parsed", task=task.task_id, seconds=round(time.monotonic() - started, 3))
    shared = SharedWork()
    results = []
    for export in task.exports:
        overwrite = export.overwrite or (replace_earlier_attempts and not export.name.exists)
        result = _render_export(
            task,
            parsed,
            export,
            shared=shared,
            max_retries=max_retries,
            sleep=sleep,
            overwrite=overwrite,
            stage_for=stage_for,
        )
        if result.error_kind is ErrorKind.DISK_FULL:
            # Every later write would fail the same way: give up on the rest of the task now.
            results.append(result)
            results += [
                _not_started(task, later, result.error or "")
                for later in task.exports[len(results) :]
            ]
            break
        results.append(result)
    return tuple(results)


def _render_export(
    task: PlannedTask,
    parsed: tuple[ParsedSession, ...],
    export: PlannedExport,
    *,
    shared: SharedWork,
    max_retries: int,
    sleep: Callable[[float], None],
    overwrite: bool,
    stage_for: StagingArea | None,
) -> ExportResult:
    started = time.monotonic()
    base = ExportResult(
        job_id=task.job.job_id,
        format=export.format.name,
        session_ids=task.session_ids,
        status=ExportStatus.FAILED,
        path=export.name.path,
    )
    if not any(session.items for session in parsed):
        return attrs.evolve(
            base,
            status=ExportStatus.SKIPPED,
            warnings=("no content of the selected types for this audience",),
            attempts=0,
        )
    request = _request(task, parsed, export, shared)
    attempt = 0
    while True:
        attempt += 1
        try:
            rendered = export.format.writer(request)
            output = rendered if isinstance(rendered, Rendered) else Rendered(data=rendered)
            # Companions first: a file in place (or staged) never lacks its figures, and
            # a companion that fails leaves no output behind.
            for relative, data in output.companions.items():
                _write_companion(export, relative, data, stage_for)
            written: WrittenFile | StagedFile
            if stage_for is None:
                written = write_atomically(export.name.path, output.data, overwrite=overwrite)
            else:
                written = stage_file(
                    export.name.path, output.data, area=stage_for, overwrite=overwrite
                )
        except NotImplementedFormatError as exc:
            return attrs.evolve(
                base, status=ExportStatus.SKIPPED, warnings=(str(exc),), attempts=attempt
            )
        except DiskFullError as exc:
            return _failed(base, ErrorKind.DISK_FULL, str(exc), attempt, started)
        except OutputExistsError as exc:
            return _failed(base, ErrorKind.CONFLICT, str(exc), attempt, started)
        except Exception as exc:
            if _transient(exc) and attempt <= max_retries:
                log.info("transient error, retrying", export=str(export.name.path), error=repr(exc))
                sleep(BACKOFF_SECONDS * 2 ** (attempt - 1))
                continue
            kind = (
                ErrorKind.OUTPUT_ERROR if isinstance(exc, OutputError) else ErrorKind.WRITER_ERROR
            )
            return _failed(base, kind, f"{type(exc).__name__}: {exc}", attempt, started)
        return attrs.evolve(
            base,
            status=ExportStatus.SUCCEEDED,
            size=written.size,
            sha256=written.sha256,
            warnings=output.warnings,
            duration_seconds=round(time.monotonic() - started, 4),
            attempts=attempt,
            companions=tuple(export.name.path.parent / name for name in output.companions),
        )


def _write_companion(
    export: PlannedExport, relative: str, data: bytes, stage_for: StagingArea | None
) -> None:
    """Companions are named by content: an existing one with the same bytes is already right."""
    path = export.name.path.parent / relative
    if not path.resolve().is_relative_to(export.name.path.parent.resolve()):
        raise OutputError(path, "a companion file may not leave its output's folder")
    try:
        if stage_for is None:
            write_atomically(path, data)
        else:
            stage_file(path, data, area=stage_for, shared=True)
    except OutputExistsError:
        if path.read_bytes() != data:
            raise


def _transient(exc: BaseException) -> bool:
    if isinstance(exc, TransientError):
        return True
    return isinstance(exc, OSError) and exc.errno in TRANSIENT_ERRNOS


def _failed(
    base: ExportResult, kind: ErrorKind, message: str, attempts: int, started: float
) -> ExportResult:
    return attrs.evolve(
        base,
        status=ExportStatus.FAILED,
        error=message,
        error_kind=kind,
        attempts=attempts,
        duration_seconds=round(time.monotonic() - started, 4),
    )


def _not_started(task: PlannedTask, export: PlannedExport, reason: str) -> ExportResult:
    return ExportResult(
        job_id=task.job.job_id,
        format=export.format.name,
        session_ids=task.session_ids,
        status=ExportStatus.CANCELLED,
        path=export.name.path,
        error=f"not started: {reason}",
        error_kind=ErrorKind.DISK_FULL,
        attempts=0,
    )


# Read when the module is imported: in a pool's forkserver, once for all its workers, not
# in each (importing the email parser and reading package metadata cost it about 20 ms).
_GENERATOR = f"curator-export {version('curator-export')}"


def _request(
    task: PlannedTask, parsed: tuple[ParsedSession, ...], export: PlannedExport, shared: SharedWork
) -> RenderRequest:
    job = task.job
    content_types = sorted({item.item.content_type.value for s in parsed for item in s.items})
    return RenderRequest(
        job=job,
        format=export.format.name,
        title=output_title(job, task.sessions),
        sessions=parsed,
        branding=task.branding,
        template_name=job.template_name,
        audience=job.audience,
        include_metadata=job.include_metadata,
        metadata={
            "generator": _GENERATOR,
            "created": task.created_at.isoformat(),
            "job_id": job.job_id,
            "session_ids": list(task.session_ids),
            "content_types": content_types,
            "audience": job.audience.value,
        }
        if job.include_metadata
        else {},
        created_at=task.created_at,
        template_dirs=task.template_dirs,
        options=export.options,
        shared=shared,
    )
