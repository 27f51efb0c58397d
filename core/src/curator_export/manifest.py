"""The batch manifest: a JSON record of what a batch made, kept beside the outputs.

Its shape is the seed document's ``batch_export_manifest`` plus per-export details (sizes,
checksums, timings, error kinds), so programs can audit a batch without opening its files.
Output paths are relative to the manifest's folder, so a folder of outputs can be moved
with its manifest; see ``manifest_path`` for paths that cannot be made relative.
"""

from __future__ import annotations

import enum
import io
import json
import os
import secrets
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path, PurePath
from typing import Any

from curator_export.convert import unstructure
from curator_export.errors import ManifestError, OutputExistsError
from curator_export.model import (
    BatchExportJob,
    BatchExportOptions,
    BatchExportResult,
    ExportResult,
    ExportStatus,
    JobResult,
)
from curator_export.output import open_atomically, output_error

SCHEMA_VERSION = 1
ROOT_KEY = "batch_export_manifest"
_MAX_SUFFIX = 10_000
# The file the user asked for is there: made now, left as it was, or kept on purpose.
_SUCCESSFUL = frozenset({ExportStatus.SUCCEEDED, ExportStatus.UNCHANGED, ExportStatus.SKIPPED})


class ManifestStatus(enum.StrEnum):
    """How the batch ended."""

    COMPLETED = "completed"  # every job ran (some exports may have failed)
    INTERRUPTED = "interrupted"  # Ctrl-C, SIGTERM or a full disk stopped it early
    FAILED = "failed"  # it stopped on an error (continue_on_error was off)


def build_manifest(
    result: BatchExportResult,
    jobs: Sequence[BatchExportJob],
    options: BatchExportOptions,
    *,
    status: ManifestStatus | str,
    batch_id: str,
    plugins: Mapping[str, str],
    relative_to: Path,
    created_at: datetime | None = None,
    streamed: bool = False,
) -> dict[str, Any]:
    """The manifest of ``result`` as JSON-ready data, wrapped in its ``batch_export_manifest`` key.

    ``jobs`` supplies each job's formats, sessions and folder; the listed jobs are those
    of ``result``, in its order. ``plugins`` maps a plugin's name to "distribution version".
    ``streamed``: each job's exports become entries made while ``write_manifest`` writes
    them, so a large batch is never held as data and text at once; such a manifest is
    only for ``write_manifest``.
    """
    by_id = {job.job_id: job for job in jobs}
    body = {
        "schema_version": SCHEMA_VERSION,
        "status": ManifestStatus(status).value,
        "created_at": (created_at or datetime.now(UTC)).isoformat(),
        "started_at": result.started_at.isoformat() if result.started_at else None,
        "generator": f"curator-export {version('curator-export')}",
        "batch_id": batch_id,
        "elapsed_seconds": round(result.elapsed_time, 3),
        "options": unstructure(options),
        "total_jobs": result.total_jobs,
        "successful_jobs": result.successful_jobs,
        "failed_jobs": result.failed_jobs,
        "total_files_created": result.total_files_created,
        # Kept from an earlier batch because nothing that makes them had changed.
        "total_files_unchanged": result.total_files_unchanged,
        "plugins": dict(sorted(plugins.items())),
        # With compress_output the files below live inside these archives, no longer loose.
        "archives": [manifest_path(path, relative_to) for path in result.archive_paths],
        "jobs": [
            _job(job_result, by_id.get(job_result.job_id), relative_to, streamed)
            for job_result in result.job_results
        ],
    }
    return {ROOT_KEY: body}


def _job(
    result: JobResult, job: BatchExportJob | None, relative_to: Path, streamed: bool
) -> dict[str, Any]:
    # A job that failed validation may have no BatchExportJob; its exports still tell a lot.
    formats = list(job.formats) if job else sorted({e.format for e in result.exports})
    session_ids = (
        list(job.session_ids)
        if job
        else list(dict.fromkeys(s for e in result.exports for s in e.session_ids))
    )
    return {
        "job_id": result.job_id,
        "success": result.success,
        "files_created": result.files_created,
        "files_unchanged": result.files_unchanged,
        "total_size": result.total_size,
        "formats": formats,
        "session_ids": session_ids,
        "output_directory": manifest_path(job.output_directory, relative_to) if job else None,
        "error_message": result.error,
        "error_kind": result.error_kind.value if result.error_kind else None,
        "exports": _StreamedEntries(result.exports, relative_to)
        if streamed
        else [_export(export, relative_to) for export in result.exports],
    }


class _StreamedEntries(list[dict[str, Any]]):
    """A JSON array whose entries are made one at a time while it is written.

    ``write_manifest`` only iterates over it; any other use sees an empty list, hence only
    ``write_manifest`` gets one.
    """

    def __init__(self, exports: Sequence[ExportResult], relative_to: Path) -> None:
        super().__init__()
        self._exports = exports
        self._relative_to = relative_to

    def __len__(self) -> int:
        return len(self._exports)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return (_export(export, self._relative_to) for export in self._exports)


def _export(export: ExportResult, relative_to: Path) -> dict[str, Any]:
    return {
        "success": export.status in _SUCCESSFUL,
        "status": export.status.value,
        "format": export.format,
        "session_ids": list(export.session_ids),
        "output_path": manifest_path(export.path, relative_to) if export.path else None,
        "file_size": export.size,
        "sha256": export.sha256,
        "duration_seconds": round(export.duration_seconds, 3),
        "attempts": export.attempts,
        "error_message": export.error,
        "error_kind": export.error_kind.value if export.error_kind else None,
        "warnings": list(export.warnings),
        "reused_from_batch": export.reused_from,
        # What after_export hooks said of the file, by plugin name (an upload's status ...).
        "annotations": dict(export.annotations),
    }


def manifest_path(path: Path, relative_to: Path) -> str:
    """``path`` as the manifest records it: relative to ``relative_to``, with ``/``.

    Paths outside that folder get ``..`` segments. Only where no relative path exists (on
    Windows, another drive) is the absolute path recorded. Symbolic links are not resolved,
    so the path reads as the user configured it.
    """
    try:
        relative = os.path.relpath(path, relative_to)
    except ValueError:
        return PurePath(os.path.abspath(path)).as_posix()
    return relative if os.sep == "/" else PurePath(relative).as_posix()


def manifest_name(timestamp: datetime, number: int = 1) -> str:
    """``batch_export_manifest_<YYYYMMDD_HHMMSS>.json``, with ``_<number>`` from 2 on."""
    suffix = f"_{number}" if number > 1 else ""
    return f"batch_export_manifest_{timestamp:%Y%m%d_%H%M%S}{suffix}.json"


def write_manifest(folder: Path, manifest: Mapping[str, Any], *, timestamp: datetime) -> Path:
    """Write ``manifest`` into ``folder`` atomically and return its path.

    An earlier manifest is never replaced: when the name is taken (two batches in one
    second), ``_2``, ``_3`` ... are appended. Claiming the name is race-free.
    """
    for number in range(1, _MAX_SUFFIX + 1):
        path = Path(folder) / manifest_name(timestamp, number)
        target = open_atomically(path)
        try:
            with target as file:
                text = io.TextIOWrapper(file, encoding="utf-8", newline="\n")
                for chunk in _text_of(manifest):
                    text.write(chunk)
                text.write("\n")
                text.flush()
                text.detach()  # the atomic file commits (and closes) the binary file itself
        except OutputExistsError:
            continue
        except OSError as exc:
            raise output_error(path, exc) from exc
        return path
    raise OutputExistsError(
        Path(folder) / manifest_name(timestamp), f"{_MAX_SUFFIX} manifests of that second exist"
    )


_INDENTED = json.JSONEncoder(indent=2, ensure_ascii=False, allow_nan=False)
# Without an indent, json encodes in C: ten times faster, which a batch of many thousand
# files notices.
_ONE_LINE = json.JSONEncoder(ensure_ascii=False, allow_nan=False)


def _text_of(manifest: Mapping[str, Any]) -> Iterator[str]:
    """The manifest as JSON text: indented by two, except that each entry of an ``exports``
    array is one line (a file per line reads and greps well, and encodes fast)."""
    marker = f"\x00{secrets.token_hex(8)}:"
    arrays: list[tuple[Iterable[Any], int]] = []

    def marked(value: Any, depth: int, key: str | None = None) -> Any:
        if key == "exports" and isinstance(value, list):
            arrays.append((value, depth))
            return f"{marker}{len(arrays) - 1}"
        if isinstance(value, Mapping):
            return {name: marked(item, depth + 1, name) for name, item in value.items()}
        if isinstance(value, list | tuple):
            return [marked(item, depth + 1) for item in value]
        return value

    encoded_marker = json.dumps(marker)[:-1]
    for chunk in _INDENTED.iterencode(marked(manifest, 0)):
        if not chunk.startswith(encoded_marker):
            yield chunk
            continue
        entries, depth = arrays[int(chunk[len(encoded_marker) : -1])]
        separator = "[\n"
        for entry in entries:
            yield f"{separator}{'  ' * (depth + 1)}{_ONE_LINE.encode(entry)}"
            separator = ",\n"
        yield "[]" if separator == "[\n" else f"\n{'  ' * depth}]"


def read_manifest(path: Path) -> dict[str, Any]:
    """Read a manifest that ``write_manifest`` wrote, checking its shape and schema version."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ManifestError(path, exc.strerror or str(exc)) from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ManifestError(path, f"it is not JSON ({exc})") from exc
    if not isinstance(data, dict) or not isinstance(data.get(ROOT_KEY), dict):
        raise ManifestError(path, f"it has no {ROOT_KEY!r} object")
    manifest: dict[str, Any] = data
    schema = manifest[ROOT_KEY].get("schema_version")
    if type(schema) is not int:
        raise ManifestError(path, f"schema_version must be a whole number, not {schema!r}")
    if schema > SCHEMA_VERSION:
        raise ManifestError(
            path,
            f"schema_version {schema} is newer than this curator-export reads"
            f" ({SCHEMA_VERSION}); upgrade curator-export",
        )
    if schema < 1:
        raise ManifestError(path, f"schema_version {schema} does not exist")
    return manifest
