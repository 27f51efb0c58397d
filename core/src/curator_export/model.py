"""The data model shared by the core, the plugins and embedding applications.

Field names follow the seed document (``job_id``, ``session_ids``, ``output_directory`` ...)
so that jobs files, the camelCase command payloads and Python code all speak one language.
Records that describe *what to do* are frozen; results are built up while a batch runs.
"""

from __future__ import annotations

import enum
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, cast

import attrs

_JOB_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
_HEX_COLOR = re.compile(r"^#(?:[0-9A-Fa-f]{3}|[0-9A-Fa-f]{6})$")


class ContentType(enum.StrEnum):
    """What a content item is; writers give each its natural look."""

    SLIDES = "slides"
    INSTRUCTOR_NOTES = "instructor_notes"
    WORKSHEET = "worksheet"
    QUIZ = "quiz"
    ACTIVITY_GUIDE = "activity_guide"


class Audience(enum.StrEnum):
    """Who an export is for: learners never see instructor notes or quiz solutions."""

    STUDENT = "student"
    INSTRUCTOR = "instructor"


def _strings(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(values)


def _content_types(values: Iterable[str]) -> tuple[ContentType, ...]:
    return tuple(ContentType(value) for value in values)


def _paths(values: Iterable[str | Path]) -> tuple[Path, ...]:
    return tuple(Path(value) for value in values)


def _frozen_mapping(value: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return dict(value or {})


@attrs.frozen
class Asset:
    """A file that content refers to (a lesson figure), kept so exports can embed it."""

    path: str  # as written in the Markdown, relative to the item (e.g. "fig/filesystem.svg")
    media_type: str
    sha256: str
    data: bytes = attrs.field(repr=lambda data: f"<{len(data)} bytes>")


@attrs.frozen
class ContentItem:
    """One typed Markdown text of a session: its slides, its quiz, its notes ..."""

    id: str
    session_id: str
    content_type: ContentType = attrs.field(converter=ContentType)
    title: str
    body: str
    position: int = 0
    metadata: Mapping[str, Any] = attrs.field(factory=dict, converter=_frozen_mapping)


@attrs.frozen
class Session:
    """One lecture, workshop or episode with its content items in teaching order."""

    id: str
    title: str
    items: tuple[ContentItem, ...] = ()
    course_id: str | None = None
    course_title: str | None = None
    position: int = 0
    metadata: Mapping[str, Any] = attrs.field(factory=dict, converter=_frozen_mapping)
    assets: Mapping[str, Asset] = attrs.field(factory=dict, converter=_frozen_mapping)

    def items_of(self, *types: ContentType) -> tuple[ContentItem, ...]:
        """The items of the given types, in order (all items when no type is given)."""
        if not types:
            return self.items
        return tuple(item for item in self.items if item.content_type in types)


def _check_color(
    instance: object, attribute: attrs.Attribute[str | None], value: str | None
) -> None:
    if value is not None and not _HEX_COLOR.match(value):
        raise ValueError(f"{attribute.name} must be a hex colour like #1E3A8A, not {value!r}")


@attrs.frozen
class BrandColors:
    primary: str | None = attrs.field(default=None, validator=_check_color)
    secondary: str | None = attrs.field(default=None, validator=_check_color)
    accent: str | None = attrs.field(default=None, validator=_check_color)


@attrs.frozen
class BrandFonts:
    heading: str | None = None
    body: str | None = None


@attrs.frozen
class Branding:
    """An institution's look: name, logo and the colours and fonts of its exports."""

    institution_name: str | None = None
    logo: str | None = None  # a path to a PNG, JPEG or SVG file
    colors: BrandColors = attrs.field(factory=BrandColors)
    fonts: BrandFonts = attrs.field(factory=BrandFonts)


@attrs.frozen
class NamingChoice:
    """A naming strategy by name, with the pattern of the ``custom`` strategy."""

    name: str = "session"
    pattern: str | None = None

    def __str__(self) -> str:
        return f"{self.name}({self.pattern!r})" if self.pattern is not None else self.name


def _check_job_id(instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    if not _JOB_ID.match(value):
        raise ValueError(
            f"job_id {value!r} must start with a letter or digit and hold only letters, digits,"
            " '.', '_' and '-' (at most 128)"
        )


def _nonempty(
    instance: object, attribute: attrs.Attribute[tuple[str, ...]], value: tuple[str, ...]
) -> None:
    if not value:
        raise ValueError(f"{attribute.name} must not be empty")


@attrs.frozen
class BatchExportJob:
    """One job of a batch: these sessions, into these formats, named this way, here."""

    job_id: str = attrs.field(validator=_check_job_id)
    session_ids: tuple[str, ...] = attrs.field(converter=_strings, validator=_nonempty)
    formats: tuple[str, ...] = attrs.field(converter=_strings, validator=_nonempty)
    output_directory: Path = attrs.field(converter=Path)
    naming_strategy: NamingChoice = attrs.field(factory=NamingChoice)
    merge_sessions: bool = False
    template_name: str | None = None
    include_metadata: bool = True
    branding_options: Branding | None = None
    content_types: tuple[ContentType, ...] | None = attrs.field(
        default=None, converter=attrs.converters.optional(_content_types)
    )  # None: every type
    # Converted, so that "student" from Python code filters like Audience.STUDENT does.
    audience: Audience = attrs.field(default=Audience.INSTRUCTOR, converter=Audience)
    title: str | None = None  # names a merged job's file and title page
    #: Settings of single formats by format name, checked against each format's ``options``
    #: class: ``{"pdf": {"page_size": "letter", "tagged": False}}``.
    format_options: Mapping[str, Any] = attrs.field(
        factory=dict, converter=_frozen_mapping, metadata={"options_by_format": True}
    )
    #: Plugins' settings tables by name, each an instance of the ``options`` class of the
    #: plugin's ``JobSettings`` record: ``{"upload": UploadSettings(url="s3://...")}``. A jobs
    #: file sets them as tables at the job level (``upload = {...}``), not under this name.
    settings: Mapping[str, Any] = attrs.field(
        factory=dict, converter=_frozen_mapping, metadata={"tables_by_name": True}
    )


class OnConflict(enum.StrEnum):
    """What to do when a planned output file already exists on disk."""

    RENAME = "rename"  # write beside it with a -2, -3 ... suffix (the default)
    OVERWRITE = "overwrite"
    SKIP = "skip"  # keep the existing file, report the export as skipped
    ERROR = "error"  # fail that export


@attrs.frozen
class BatchExportOptions:
    """How a batch runs, for all of its jobs."""

    parallel_exports: bool = True
    max_concurrent_jobs: int = attrs.field(default=4, validator=attrs.validators.ge(1))
    continue_on_error: bool = True
    create_manifest: bool = True
    compress_output: bool = False
    on_conflict: OnConflict = attrs.field(default=OnConflict.RENAME, converter=OnConflict)
    export_timeout: float = attrs.field(default=600.0, validator=attrs.validators.gt(0))
    max_retries: int = attrs.field(default=2, validator=attrs.validators.ge(0))
    #: Theme folders searched before those of plugins (``--template-dir``).
    template_dirs: tuple[Path, ...] = attrs.field(default=(), converter=_paths)
    #: Render every output again, even one whose inputs and file are unchanged since the
    #: run that made it (``--force``); by default such an output is reported ``unchanged``.
    force: bool = False


class ExportStatus(enum.StrEnum):
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    SKIPPED = "skipped"
    UNCHANGED = "unchanged"
    CANCELLED = "cancelled"


class ErrorKind(enum.StrEnum):
    """Why an export failed, for programs that read results and manifests."""

    INVALID_JOB = "invalid_job"  # the job failed validation at planning time
    NOT_FOUND = "not_found"  # a session of the job is not in the store
    WRITER_ERROR = "writer_error"  # the format's writer raised
    TIMEOUT = "timeout"  # the export ran past export_timeout
    CRASHED = "crashed"  # the worker process died (killed, segfault, out of memory)
    DISK_FULL = "disk_full"
    OUTPUT_ERROR = "output_error"  # the file could not be written (permissions, I/O)
    CONFLICT = "conflict"  # the file exists and on_conflict is "error"
    INTERRUPTED = "interrupted"  # Ctrl-C or SIGTERM stopped the batch first


@attrs.frozen
class BatchProgress:
    """A progress event, sent to every progress sink while a batch runs.

    The first fields are the seed's; file counts and the timing fields come on top.
    """

    total_jobs: int
    completed_jobs: int
    total_files: int
    completed_files: int
    failed_files: int = 0
    current_job_id: str | None = None
    current_operation: str = ""
    errors_encountered: int = 0
    elapsed_seconds: float = 0.0
    estimated_remaining_seconds: float | None = None
    estimated_completion: datetime | None = None

    @property
    def progress_percent(self) -> float:
        if not self.total_files:
            return 100.0
        return 100.0 * (self.completed_files + self.failed_files) / self.total_files


@attrs.frozen
class ExportResult:
    """What became of one output file."""

    job_id: str
    format: str
    session_ids: tuple[str, ...] = attrs.field(converter=_strings)
    status: ExportStatus = attrs.field(converter=ExportStatus)
    path: Path | None = None
    size: int | None = None
    sha256: str | None = None
    error: str | None = None
    error_kind: ErrorKind | None = None
    warnings: tuple[str, ...] = attrs.field(default=(), converter=_strings)
    duration_seconds: float = 0.0
    attempts: int = 1
    #: Files written beside ``path`` for it (figures ...): archived and removed with it.
    companions: tuple[Path, ...] = attrs.field(default=(), converter=_paths)
    #: For an ``unchanged`` export: the batch that made the file being kept.
    reused_from: str | None = None
    #: What ``after_export`` hooks returned for this file, by plugin name (JSON data; in
    #: the manifest entry as ``annotations``): ``{"upload": {"status": "uploaded", ...}}``.
    annotations: Mapping[str, Any] = attrs.field(factory=dict, converter=_frozen_mapping)


@attrs.define
class JobResult:
    """All results of one job."""

    job_id: str
    #: In plan order; a batch's are read from its spooled results (``results.JobExports``).
    exports: Sequence[ExportResult] = attrs.field(factory=list)
    error: str | None = None  # a failure of the whole job (e.g. it failed validation)
    error_kind: ErrorKind | None = None  # not_found when only sessions were missing

    @property
    def total_size(self) -> int:
        """Bytes of the files this job wrote now (not those kept unchanged)."""
        counted = getattr(self.exports, "total_size", None)  # without reading every result
        if callable(counted):
            return cast("int", counted())
        return sum(e.size or 0 for e in self.exports if e.status is ExportStatus.SUCCEEDED)

    def _statuses(self) -> Counter[ExportStatus]:
        counted = getattr(self.exports, "statuses", None)  # without reading every result
        if callable(counted):
            return cast("Counter[ExportStatus]", counted())
        return Counter(export.status for export in self.exports)

    @property
    def success(self) -> bool:
        """No job error, and every export made, unchanged or deliberately skipped."""
        statuses = self._statuses()
        return self.error is None and not (
            statuses[ExportStatus.FAILED] or statuses[ExportStatus.CANCELLED]
        )

    @property
    def files_created(self) -> int:
        return self._statuses()[ExportStatus.SUCCEEDED]

    @property
    def files_unchanged(self) -> int:
        """Outputs kept from an earlier run because nothing that makes them had changed."""
        return self._statuses()[ExportStatus.UNCHANGED]


@attrs.define
class BatchExportResult:
    """The outcome of a whole batch: what the seed's ``batch_export_content`` returns."""

    job_results: list[JobResult] = attrs.field(factory=list)
    started_at: datetime | None = None
    elapsed_time: float = 0.0
    manifest_path: Path | None = None
    archive_paths: list[Path] = attrs.field(factory=list)

    @property
    def total_jobs(self) -> int:
        return len(self.job_results)

    @property
    def successful_jobs(self) -> int:
        return sum(1 for job in self.job_results if job.success)

    @property
    def failed_jobs(self) -> int:
        return self.total_jobs - self.successful_jobs

    @property
    def total_files_created(self) -> int:
        return sum(job.files_created for job in self.job_results)

    @property
    def total_files_unchanged(self) -> int:
        return sum(job.files_unchanged for job in self.job_results)
