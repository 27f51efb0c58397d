"""What the service answers, in the seed's camelCase: built from the core's own payloads.

``curator_export.api`` makes the result and export payloads and ``curator_export.convert``
the camelCase names; the service only makes server paths relative to the batch's folder
(a client has no use for them, and should not learn the server's layout) and adds the
download links.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

from curator_export.api import export_payload, result_payload
from curator_export.convert import camel, unstructure
from curator_export.model import BatchExportResult, BatchProgress, ExportResult
from curator_export.progress import event_to_json
from curator_export.records import Format, NamingStrategy
from curator_export.store.base import SessionSummary


def progress_payload(event: BatchProgress) -> dict[str, Any]:
    """A ``BatchProgress`` event with its camelCase names and ``progressPercent``."""
    return {camel(key): value for key, value in event_to_json(event).items()}


def download_url(batch_id: str, relative: str) -> str:
    return f"/api/batches/{batch_id}/files/{quote(relative)}"


def relative_to(path: str | Path | None, folder: Path) -> str | None:
    """``path`` relative to the batch's folder, or None (also for a path outside it)."""
    if path is None:
        return None
    try:
        return Path(path).relative_to(folder).as_posix()
    except ValueError:
        return None


def web_export_payload(export: ExportResult, batch_id: str, folder: Path) -> dict[str, Any]:
    """The core's export payload, its path relative, with a download link when made."""
    data = export_payload(export)
    relative = relative_to(export.path, folder)
    data["outputPath"] = relative
    made = data["success"] and relative is not None
    data["downloadUrl"] = download_url(batch_id, relative) if made and relative else None
    return data


def web_result_payload(result: BatchExportResult, batch_id: str, folder: Path) -> dict[str, Any]:
    """The core's result payload with every path relative to the batch's folder."""
    data = result_payload(result)
    data["manifestPath"] = relative_to(result.manifest_path, folder)
    data["archivePaths"] = [relative_to(path, folder) for path in result.archive_paths]
    for job_data, job in zip(data["jobResults"], result.job_results, strict=True):
        job_data["exports"] = [web_export_payload(e, batch_id, folder) for e in job.exports]
    return data


def session_payload(summary: SessionSummary) -> dict[str, Any]:
    data: dict[str, Any] = unstructure(summary, camel_case=True)
    data.pop("contentHash", None)
    return data


def format_payload(record: Format) -> dict[str, Any]:
    return {
        "name": record.name,
        "aliases": list(record.aliases),
        "extension": record.extension,
        "mediaType": record.media_type,
        "canMerge": record.can_merge,
        "description": record.description,
    }


def naming_payload(record: NamingStrategy) -> dict[str, Any]:
    return {
        "name": record.name,
        "description": record.description,
        "takesPattern": record.takes_pattern,
    }


def catalog_payload(
    formats: Mapping[str, Format],
    strategies: Mapping[str, NamingStrategy],
    templates: Iterable[str],
    brand_files: Iterable[str],
) -> dict[str, Any]:
    """Everything a job can name: formats, naming strategies, templates, brand files."""
    from curator_export.model import Audience, ContentType

    return {
        "formats": [format_payload(record) for record in formats.values()],
        "namingStrategies": [naming_payload(record) for record in strategies.values()],
        "templates": sorted(templates),
        "brandFiles": sorted(brand_files),
        "audiences": [audience.value for audience in Audience],
        "contentTypes": [content_type.value for content_type in ContentType],
    }
