"""A post-export hook: a ``SHA256SUMS`` file in each job's output folder, one line per
finished file (companion figures, the manifest and the archives included), which
``sha256sum -c SHA256SUMS`` checks.

Give it to whoever receives the folder (an LMS administrator, a print shop, an archive): they
can tell that every file arrived whole. A job asks for it with a ``checksums`` table
(``checksums = {}``, or ``checksums = { file = "CHECKSUMS.sha256" }``): installing the plugin
alone must not add files to everybody's output folders.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from curator_export import JobSettings, hookimpl

if TYPE_CHECKING:
    from curator_export import BatchExportJob, BatchExportResult, ExportResult


# --8<-- [start:after_export]
def _plain_file_name(instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    if not value or value in (".", "..") or "/" in value or "\\" in value:
        raise ValueError(f"{value!r} must be a file name in the output folder, without '/'")


@attrs.frozen
class ChecksumSettings:
    """The job's ``checksums`` table."""

    file: str = attrs.field(default="SHA256SUMS", validator=_plain_file_name)


@hookimpl
def curator_export_job_settings() -> Sequence[JobSettings]:
    return [
        JobSettings(
            name="checksums",
            options=ChecksumSettings,
            description="a SHA256SUMS file of the job's output folder",
        )
    ]


@hookimpl
def curator_export_after_export(job: BatchExportJob, result: ExportResult) -> dict[str, Any] | None:
    """Record the finished file of ``result`` and its companions in the job's sums file.

    The core calls this in the batch's own process once the file is final and complete:
    written by this batch, or kept unchanged from an earlier one (its line is set again, so
    the file describes what is in the folder). What it returns goes into the file's manifest
    entry, under ``annotations.quizcsv``.
    """
    settings = job.settings.get("checksums")
    if not isinstance(settings, ChecksumSettings) or result.path is None:
        return None
    folder = Path(os.path.abspath(job.output_directory))
    digests: dict[Path, str] = {result.path: result.sha256 or _sha256(result.path)}
    # Companions (figures beside a Markdown file) are finished too; the result has no
    # digest for them, so they are read once here.
    digests.update((path, _sha256(path)) for path in result.companions)
    update_sums(folder / settings.file, {_relative(p, folder): d for p, d in digests.items()})
    return {"listed_in": settings.file}


@hookimpl
def curator_export_after_batch(result: BatchExportResult, jobs: Sequence[BatchExportJob]) -> None:
    """Add the manifest and the archives, and drop the lines of files no longer there (the
    loose files an archive replaced)."""
    for job in jobs:
        settings = job.settings.get("checksums")
        if not isinstance(settings, ChecksumSettings):
            continue
        folder = Path(os.path.abspath(job.output_directory))
        sums_file = folder / settings.file
        if not sums_file.exists():
            continue  # nothing of this job was written
        made = [p for p in (result.manifest_path, *result.archive_paths) if p is not None]
        made = [p for p in made if Path(os.path.abspath(p)).is_relative_to(folder)]
        update_sums(
            sums_file,
            {_relative(path, folder): _sha256(path) for path in made},
            keep=lambda name, folder=folder: (folder / name).is_file(),
        )


# --8<-- [end:after_export]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _relative(path: Path, folder: Path) -> str:
    """``path`` relative to the output folder, with ``/``: the core writes nothing outside it."""
    return Path(os.path.relpath(os.path.abspath(path), folder)).as_posix()


# A line as ``sha256sum`` writes it: the digest, a space, a space (text) or ``*`` (binary),
# the name; a leading backslash means the name escapes backslashes and newlines.
_LINE = re.compile(r"(?P<escaped>\\?)(?P<digest>[0-9a-f]{64}) [ *](?P<name>.*)")


def read_sums(text: str) -> tuple[dict[str, str], list[str]]:
    """The names and digests of a ``SHA256SUMS`` text, and the lines that are not checksums
    (kept as they are: the file may not be ours alone)."""
    sums: dict[str, str] = {}
    other: list[str] = []
    for line in text.splitlines():
        match = _LINE.fullmatch(line)
        if match is None:
            other.append(line)
            continue
        name = match["name"]
        if match["escaped"]:
            name = re.sub(r"\\(.)", lambda m: {"n": "\n", "r": "\r"}.get(m[1], m[1]), name)
        sums[name] = match["digest"]
    return sums, other


def format_sums(sums: Mapping[str, str], other: Iterable[str] = ()) -> str:
    """``SHA256SUMS`` text, sorted by name, as ``sha256sum`` writes it (and ``-c`` reads it)."""
    lines = list(other)
    for name in sorted(sums):
        escaped = name.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r")
        prefix = "\\" if escaped != name else ""
        lines.append(f"{prefix}{sums[name]}  {escaped}")
    return "".join(f"{line}\n" for line in lines)


def update_sums(
    sums_file: Path,
    digests: Mapping[str, str],
    keep: Callable[[str], bool] = lambda name: True,
) -> None:
    """Set the lines of ``digests`` in ``sums_file``, keeping those of the other names that
    ``keep`` accepts, and replace the file in one step."""
    from curator_export.output import write_atomically

    try:
        sums, other = read_sums(sums_file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        sums, other = {}, []
    sums = {name: digest for name, digest in sums.items() if keep(name)}
    sums.update(digests)
    write_atomically(sums_file, format_sums(sums, other).encode("utf-8"), overwrite=True)
