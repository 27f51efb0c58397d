"""Planning a batch: validate every job, load content once, name every output.

Nothing renders and nothing is written here. The plan says, for every job, why it cannot run
or which tasks it makes; for every output, its final path and what happens to a file that is
already there. ``curator-export plan`` prints it; the batch manager executes it.
"""

from __future__ import annotations

import os
import uuid
from array import array
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import attrs

from curator_export.errors import BrandingError, CuratorExportError, ValidationError
from curator_export.incremental import OutputKeys, OutputLedger, OutputRecord, PreviousOutputs
from curator_export.model import (
    BatchExportJob,
    BatchExportOptions,
    Branding,
    ErrorKind,
    ExportResult,
    ExportStatus,
    OnConflict,
    Session,
)
from curator_export.naming import (
    NamingError,
    OutputNamer,
    PlannedName,
    check_pattern,
    expand_directory,
    expand_settings,
)
from curator_export.plugins import PluginHost
from curator_export.records import Format
from curator_export.reproducible import file_time
from curator_export.results import result_from_record, result_record
from curator_export.spool import Spool
from curator_export.store import SessionStore
from curator_export.themes import Theme, find_themes, unknown_theme_message


@attrs.frozen
class PlannedExport:
    """One output file of a task: its format, where it goes, and the format's options."""

    format: Format
    name: PlannedName
    options: Any = None  # an instance of ``format.options``, when the format has options
    key: str | None = None  # what determines the file's bytes (``incremental.OutputKeys``)

    @property
    def overwrite(self) -> bool:
        return self.name.action is OnConflict.OVERWRITE


@attrs.frozen
class PlannedTask:
    """The unit of work: one job and one session (or the merged set), all its formats.

    It carries the content itself, never a store connection, so any worker can run it. A
    plan made without content (``plan_batch(keep_content=False)``) has sessions without
    items or assets and the ``content_digest`` of what they had; ``with_content`` puts the
    content back before the task goes to a worker.
    """

    task_id: str
    job: BatchExportJob
    sessions: tuple[Session, ...]
    exports: tuple[PlannedExport, ...]
    branding: Branding | None
    created_at: datetime
    template_dirs: tuple[Path, ...] = ()
    #: How long it will take, roughly: the length of its content times its formats.
    work: int = 0
    #: ``incremental.sessions_digest`` of the content left out; None when it is here.
    content_digest: str | None = None

    def with_content(self, sessions: tuple[Session, ...]) -> PlannedTask:
        """This task with the content of ``sessions`` (loaded again from the store), ready
        for a worker: its job names only these sessions, since a task goes to its worker
        pickled, job and all, and every task of a 10,000-session job would otherwise carry
        all 10,000 ids (260 kB)."""
        job = self.job
        ids = tuple(session.id for session in sessions)
        if ids != job.session_ids:
            job = attrs.evolve(job, session_ids=ids)
        return attrs.evolve(self, job=job, sessions=sessions, content_digest=None)

    @property
    def session_ids(self) -> tuple[str, ...]:
        return tuple(session.id for session in self.sessions)


@attrs.frozen
class BatchPlan:
    batch_id: str
    created_at: datetime
    jobs: tuple[BatchExportJob, ...]
    #: In plan order; a ``spool.Spool`` in a plan made without content.
    tasks: Sequence[PlannedTask]
    invalid_jobs: Mapping[str, tuple[str, ...]]  # job id -> every problem found
    #: Outputs decided without rendering: existing files kept or refused, and unchanged ones.
    settled: Sequence[ExportResult]
    #: The ``PlannedName.position`` of each settled result.
    settled_positions: Sequence[int]
    #: The positions of each planned job's outputs; results are reported in this order.
    job_outputs: Mapping[str, range]
    #: ``PlannedTask.work`` of each task, by index (a pool starts the largest first).
    work: Sequence[int]
    #: The formats of the planned exports, and the folders they go to.
    formats: tuple[Format, ...]
    folders: tuple[Path, ...]

    @property
    def total_files(self) -> int:
        return sum(len(positions) for positions in self.job_outputs.values())


def _expand(
    job: BatchExportJob, created_at: datetime, host: PluginHost
) -> tuple[BatchExportJob, list[str]]:
    """The job with the placeholders of its output folder and settings tables filled in."""
    job, problems = expand_directory(job, created_at)
    if not job.settings:
        return job, problems
    fields = {
        name: record.placeholder_fields
        for name, record in host.job_settings().items()
        if record.placeholder_fields
    }
    job, more = expand_settings(job, created_at, fields)
    return job, problems + more


def plan_batch(
    jobs: Sequence[BatchExportJob],
    options: BatchExportOptions,
    store: SessionStore,
    host: PluginHost,
    *,
    created_at: datetime,
    create_directories: bool = False,
    keep_content: bool = True,
) -> BatchPlan:
    """Validate ``jobs`` and plan their outputs; raises ``ValidationError`` when a job is
    invalid and ``continue_on_error`` is off.

    ``keep_content=False``: sessions are read a chunk at a time and the tasks keep only
    what names and reports need (see ``PlannedTask``), so a batch of many sessions is never
    held in memory at once; the batch manager reads each task's content again to run it.
    """
    try:
        # What the files say of when they were made: SOURCE_DATE_EPOCH for reproducible
        # output; the folders' {date} and the batch id keep the real time.
        made_at = file_time(created_at)
    except ValueError as exc:
        raise ValidationError([str(exc)]) from None
    expanded = [_expand(job, created_at, host) for job in jobs]
    jobs = [job for job, _ in expanded]
    known_sessions = set(store.session_ids())
    template_dirs = (*options.template_dirs, *host.template_dirs())
    themes = find_themes(template_dirs)
    problems = {
        job.job_id: tuple(placeholder_problems)
        + (() if placeholder_problems else _problems(job, host, known_sessions, create_directories))
        + _template_problems(job, themes)
        for job, placeholder_problems in expanded
    }
    del known_sessions  # a course's every id: not held while the outputs are named
    duplicates = _duplicate_ids(jobs)
    for job_id in duplicates:
        problems[job_id] = (*problems[job_id], f"job_id {job_id!r} is used by more than one job")
    invalid = {job_id: found for job_id, found in problems.items() if found}
    if invalid and not options.continue_on_error:
        raise ValidationError(
            [f"job {job_id!r}: {problem}" for job_id, found in invalid.items() for problem in found]
        )
    valid_jobs = [job for job in jobs if job.job_id not in invalid]
    groups = _SessionGroups(store, valid_jobs, chunk=None if keep_content else SESSION_CHUNK)
    namer = OutputNamer(
        host.naming_strategies(),
        batch_time=created_at,
        total_outputs=sum(len(job.formats) * _group_count(job) for job in valid_jobs),
        on_conflict=options.on_conflict,
        previous=_previous_outputs(store, valid_jobs),
    )
    keys = OutputKeys(plugin_versions(host), template_dirs)
    book = _PlanBook(keep_content)
    for job in valid_jobs:
        start, kept = namer.named, book.kept()
        try:
            _plan_job(
                job,
                groups.of(job),
                book,
                host=host,
                namer=namer,
                keys=keys,
                force=options.force,
                created_at=made_at,
                template_dirs=template_dirs,
            )
        except NamingError as exc:
            book.back_to(kept)
            if not options.continue_on_error:
                raise ValidationError([str(exc)]) from exc
            invalid[job.job_id] = (f"naming_strategy: {exc}",)
            continue
        book.job_outputs[job.job_id] = range(start, namer.named)
    return BatchPlan(
        batch_id=f"{created_at:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}",
        created_at=created_at,
        jobs=tuple(jobs),
        tasks=book.tasks,
        invalid_jobs=invalid,
        settled=book.settled,
        settled_positions=book.settled_positions,
        job_outputs=book.job_outputs,
        work=book.work,
        formats=tuple(book.formats.values()),
        folders=tuple(book.folders),
    )


class _PlanBook:
    """What planning writes down: tasks and settled results, as objects (``keep_content``)
    or spooled as compact records, with what the batch needs of all of them at once."""

    def __init__(self, keep_content: bool) -> None:
        self.keep_content = keep_content
        self.tasks: list[PlannedTask] | Spool[PlannedTask]
        self.settled: list[ExportResult] | Spool[ExportResult]
        if keep_content:
            self.tasks, self.settled = [], []
        else:
            records = _TaskRecords()
            self.tasks = Spool(records.encode, records.decode)
            self.settled = Spool(result_record, result_from_record)
        self.settled_positions = array("q")
        self.work = array("q")
        self.job_outputs: dict[str, range] = {}
        self.formats: dict[str, Format] = {}
        self.folders: dict[Path, None] = {}

    def add_task(self, task: PlannedTask) -> None:
        self.tasks.append(task)
        self.work.append(task.work)
        for export in task.exports:
            self.formats.setdefault(export.format.name, export.format)
            self.folders.setdefault(export.name.path.parent)

    def add_settled(self, result: ExportResult, position: int) -> None:
        self.settled.append(result)
        self.settled_positions.append(position)

    def kept(self) -> tuple[int, int]:
        return len(self.tasks), len(self.settled)

    def back_to(self, kept: tuple[int, int]) -> None:
        """Forget what was added since ``kept()`` said ``kept`` (a job that failed)."""
        tasks, settled = kept
        _truncate(self.tasks, tasks)
        _truncate(self.work, tasks)
        _truncate(self.settled, settled)
        _truncate(self.settled_positions, settled)


def _truncate(items: list[Any] | array[int] | Spool[Any], count: int) -> None:
    if isinstance(items, Spool):
        items.truncate(count)
    else:
        del items[count:]


class _TaskRecords:
    """Planned tasks as compact records: what many tasks share (their job, formats,
    options, branding) is kept once here and referred to by number."""

    def __init__(self) -> None:
        self._shared: list[Any] = []
        self._numbers: dict[int, int] = {}

    def _number(self, shared: object) -> int:
        number = self._numbers.get(id(shared))
        if number is None:
            number = self._numbers[id(shared)] = len(self._shared)
            self._shared.append(shared)  # kept alive: its id() stays its own
        return number

    def encode(self, task: PlannedTask) -> tuple[Any, ...]:
        number = self._number
        exports = tuple(
            (
                number(export.format),
                number(export.options),
                export.key,
                export.name.relative_path,
                str(export.name.path),
                export.name.exists,
                export.name.action,
                export.name.renamed_from,
                export.name.previous,
                export.name.position,
            )
            for export in task.exports
        )
        shared = (task.job, task.branding, task.created_at, task.template_dirs)
        return (
            tuple(map(number, shared)),
            task.task_id,
            task.sessions,
            exports,
            task.work,
            task.content_digest,
        )

    def decode(self, record: tuple[Any, ...]) -> PlannedTask:
        shared = self._shared
        numbers, task_id, sessions, exports, work, digest = record
        job, branding, created_at, template_dirs = (shared[number] for number in numbers)
        return PlannedTask(
            task_id=task_id,
            job=job,
            sessions=sessions,
            exports=tuple(
                PlannedExport(
                    format=shared[format_number],
                    name=PlannedName(
                        relative_path=relative,
                        path=Path(path),
                        exists=exists,
                        action=action,
                        renamed_from=renamed_from,
                        previous=previous,
                        position=position,
                    ),
                    options=shared[options_number],
                    key=key,
                )
                for (
                    format_number,
                    options_number,
                    key,
                    relative,
                    path,
                    exists,
                    action,
                    renamed_from,
                    previous,
                    position,
                ) in exports
            ),
            branding=branding,
            created_at=created_at,
            template_dirs=template_dirs,
            work=work,
            content_digest=digest,
        )


def _plan_job(
    job: BatchExportJob,
    groups: Iterable[tuple[Session, ...]],
    book: _PlanBook,
    *,
    host: PluginHost,
    namer: OutputNamer,
    keys: OutputKeys,
    force: bool,
    created_at: datetime,
    template_dirs: tuple[Path, ...],
) -> None:
    """Name every output of one job, in plan order (sessions, then formats)."""
    branding = job.branding_options or host.branding(job)
    options, _ = format_options(job, host)
    keep_content = book.keep_content
    for group in groups:
        exports = []
        for format_name in job.formats:
            output_format = host.resolve_format(format_name)
            name = namer.name(job, group, output_format)
            format_settings = options.get(output_format.name)
            key = keys.key(job, group, output_format.name, format_settings, branding)
            if (
                name.previous is not None
                and not force
                and PreviousOutputs.reusable(name.previous, key)
            ):
                unchanged = _unchanged(job, group, output_format, name.previous)
                book.add_settled(unchanged, name.position)
            elif name.action in (OnConflict.SKIP, OnConflict.ERROR):
                book.add_settled(_settle(job, group, output_format, name), name.position)
            else:
                exports.append(
                    PlannedExport(format=output_format, name=name, options=format_settings, key=key)
                )
        if exports:
            content = sum(len(item.body) for session in group for item in session.items)
            book.add_task(
                PlannedTask(
                    task_id=f"{job.job_id}:{'+'.join(session.id for session in group)}",
                    job=job,
                    sessions=group if keep_content else tuple(map(_without_content, group)),
                    exports=tuple(exports),
                    branding=branding,
                    created_at=created_at,
                    template_dirs=template_dirs,
                    work=content * len(exports),
                    content_digest=None if keep_content else keys.content_digest(group),
                )
            )


#: Sessions read at a time by a plan that does not keep content.
SESSION_CHUNK = 256


class _SessionGroups:
    """The session groups of each job (one per session, or one merged), read from the store
    all at once (``chunk=None``) or ``chunk`` sessions at a time."""

    def __init__(
        self, store: SessionStore, jobs: Sequence[BatchExportJob], chunk: int | None
    ) -> None:
        self.store = store
        self.chunk = chunk
        self.loaded: dict[str, Session] = {}
        if chunk is None:
            wanted = list(dict.fromkeys(sid for job in jobs for sid in job.session_ids))
            self.loaded = {session.id: session for session in store.load_sessions(wanted)}

    def of(self, job: BatchExportJob) -> Iterator[tuple[Session, ...]]:
        ids = list(dict.fromkeys(job.session_ids))
        if self.chunk is None:
            ordered = tuple(self.loaded[sid] for sid in ids)
            yield from [ordered] if job.merge_sessions else [(session,) for session in ordered]
            return
        if job.merge_sessions:  # one output of them all: all are needed at once
            yield tuple(self.store.load_sessions(ids))
            return
        for start in range(0, len(ids), self.chunk):
            for session in self.store.load_sessions(ids[start : start + self.chunk]):
                yield (session,)


def _group_count(job: BatchExportJob) -> int:
    return 1 if job.merge_sessions else len(dict.fromkeys(job.session_ids))


def _without_content(session: Session) -> Session:
    return attrs.evolve(session, items=(), assets={})


def _duplicate_ids(jobs: Sequence[BatchExportJob]) -> list[str]:
    counts = Counter(job.job_id for job in jobs)
    return [job_id for job_id, count in counts.items() if count > 1]


def _previous_outputs(
    store: SessionStore, jobs: Sequence[BatchExportJob]
) -> PreviousOutputs | None:
    """What earlier batches wrote in these jobs' folders, when the store keeps a ledger."""
    if not isinstance(store, OutputLedger):
        return None
    folders = list(dict.fromkeys(Path(os.path.abspath(job.output_directory)) for job in jobs))
    return PreviousOutputs(store.output_records(folders))


def plugin_versions(host: PluginHost) -> dict[str, str]:
    """Each loaded plugin's name and "distribution version"."""
    return {info.name: info.provider for info in host.plugins() if info.status == "loaded"}


def _unchanged(
    job: BatchExportJob, group: tuple[Session, ...], output_format: Format, record: OutputRecord
) -> ExportResult:
    """The result of an output an earlier batch made from the same inputs, still intact."""
    return ExportResult(
        job_id=job.job_id,
        format=output_format.name,
        session_ids=tuple(session.id for session in group),
        status=ExportStatus.UNCHANGED,
        path=record.path,
        size=record.size,
        sha256=record.sha256,
        attempts=0,
        companions=tuple(Path(path) for path in record.companions),
        reused_from=record.batch_id,
    )


def _settle(
    job: BatchExportJob, group: tuple[Session, ...], output_format: Format, name: PlannedName
) -> ExportResult:
    """The result of an output whose file exists and on_conflict says skip or error."""
    skipped = name.action is OnConflict.SKIP
    return ExportResult(
        job_id=job.job_id,
        format=output_format.name,
        session_ids=tuple(session.id for session in group),
        status=ExportStatus.SKIPPED if skipped else ExportStatus.FAILED,
        path=name.path,
        error=None if skipped else f"{name.path} exists and on_conflict is 'error'",
        error_kind=None if skipped else ErrorKind.CONFLICT,
        warnings=(f"{name.path} exists; kept as it is (on_conflict 'skip')",) if skipped else (),
        attempts=0,
    )


def _problems(
    job: BatchExportJob, host: PluginHost, known_sessions: set[str], create_directories: bool
) -> tuple[str, ...]:
    """Everything wrong with one job, each problem naming the field."""
    found: list[str] = []
    for format_name in job.formats:
        try:
            output_format = host.resolve_format(format_name)
        except CuratorExportError as exc:
            found.append(f"formats: {exc}")
            continue
        if job.merge_sessions and not output_format.can_merge:
            found.append(f"formats: {output_format.name} cannot merge sessions")
    try:
        strategy = host.resolve_naming_strategy(job.naming_strategy.name)
    except CuratorExportError as exc:
        found.append(f"naming_strategy: {exc}")
    else:
        if strategy.takes_pattern:
            pattern = job.naming_strategy.pattern or ""
            found += [f"naming_strategy: {problem}" for problem in check_pattern(pattern)]
    missing = [sid for sid in job.session_ids if sid not in known_sessions]
    if missing:
        found.append(f"session_ids: unknown session id(s) {', '.join(map(repr, missing))}")
    found += format_options(job, host)[1]
    if job.branding_options is not None:
        found += _branding_problems(job.branding_options)
    # A job that cannot run leaves no empty folder behind: its folder is only checked.
    found += _directory_problems(job.output_directory, create_directories and not found)
    return tuple(found)


def format_options(job: BatchExportJob, host: PluginHost) -> tuple[dict[str, Any], list[str]]:
    """The options instance of each of the job's formats that has options, and the problems
    of ``job.format_options`` (an unknown format, one the job does not export, a bad value)."""
    from curator_export.convert import Converters

    instances: dict[str, Any] = {}
    problems: list[str] = []
    wanted: dict[str, Format] = {}
    for format_name in job.formats:
        try:
            output_format = host.resolve_format(format_name)
        except CuratorExportError:
            continue  # reported under "formats"
        wanted[output_format.name] = output_format
    given: dict[str, Any] = {}
    for key, raw in job.format_options.items():
        try:
            name = host.resolve_format(key).name
        except CuratorExportError as exc:
            problems.append(f"format_options.{key}: {str(exc).split('; known:')[0]}")
            continue
        if name not in wanted:
            problems.append(f"format_options.{key}: {name} is not one of this job's formats")
            continue
        given[name] = raw
    converters = Converters(host)
    for name, output_format in wanted.items():
        if output_format.options is None:
            if name in given:
                problems.append(f"format_options.{name}: the {name} format takes no options")
            continue
        try:
            instances[name] = converters.structure(
                given.get(name, {}), output_format.options, path=f"format_options.{name}"
            )
        except ValidationError as exc:
            problems += [_located(error) for error in exc.errors]
    return instances, problems


def _located(error: str) -> str:
    """``message @ where`` as ``where: message``, the way planning states problems."""
    message, at, where = error.rpartition(" @ ")
    return f"{where}: {message}" if at else error


def _template_problems(job: BatchExportJob, themes: Mapping[str, Theme]) -> tuple[str, ...]:
    """An unknown template is an error listing the known ones, never a silent fallback."""
    if job.template_name is None or job.template_name in themes:
        return ()
    return (f"template_name: {unknown_theme_message(job.template_name, themes)}",)


def _directory_problems(folder: Path, create: bool) -> list[str]:
    """Whether the output directory can be written, creating it only when asked."""
    if create:
        from curator_export.output import ensure_writable_directory

        try:
            ensure_writable_directory(folder)
        except CuratorExportError as exc:
            return [f"output_directory: {exc}"]
        return []
    existing = Path(os.path.abspath(folder))
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        return [f"output_directory: {existing} is not a folder"]
    if not os.access(existing, os.W_OK | os.X_OK):
        return [f"output_directory: {existing} is not writable"]
    return []


def _branding_problems(branding: Branding) -> list[str]:
    """Colours, font stacks and the logo, checked before anything renders."""
    from curator_export.branding import validate_branding

    try:
        validate_branding(branding)
    except BrandingError as exc:
        return [f"branding_options: {exc}"]
    return []


__all__ = [
    "BatchPlan",
    "NamingError",
    "PlannedExport",
    "PlannedTask",
    "format_options",
    "plan_batch",
    "plugin_versions",
]
