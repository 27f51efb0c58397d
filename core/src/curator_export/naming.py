"""Naming outputs at planning time: what strategies see, pattern checks, and the namer.

Every output of a batch is named before anything renders, in plan order (jobs in order, then
sessions, then formats), so a dry run shows the real names and the result never depends on
which worker finishes first. A strategy (a plugin) turns a ``NamingContext`` into a relative
path; ``OutputNamer`` makes it safe (``filenames``), unique in the batch, and decides what
happens to a file already on disk.
"""

from __future__ import annotations

import difflib
import os
import string
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import attrs

from curator_export.errors import CuratorExportError
from curator_export.filenames import UniqueNames, clean_part, safe_relative_path
from curator_export.model import BatchExportJob, OnConflict
from curator_export.records import Format, NamingStrategy

if TYPE_CHECKING:
    from curator_export.incremental import OutputRecord, PreviousOutputs

#: Placeholders of ``custom`` patterns; the first four are the seed's.
PLACEHOLDERS: Mapping[str, str] = {
    "job_id": "the job's id",
    "timestamp": "the batch start, YYYYMMDD_HHMMSS (the same for every file of a batch)",
    "format": "the format's name in lowercase (html, pdf, pptx ...)",
    "title": "the session's title, or the job's for a merged job, spaces as _",
    "session_id": "the session's id, or the job's id for a merged job",
    "date": "the batch start date, YYYYMMDD",
    "seq": "a zero-padded sequence number in plan order",
    "ext": "the file extension without the dot (md for markdown)",
}


class NamingError(CuratorExportError):
    """A pattern is invalid, or a strategy failed or named a path outside the output folder."""


class Titled(Protocol):
    """What naming needs of a session: a ``Session`` or a ``SessionSummary`` will do."""

    @property
    def id(self) -> str: ...

    @property
    def title(self) -> str: ...

    @property
    def course_title(self) -> str | None: ...


def output_title(job: BatchExportJob, sessions: Sequence[Titled]) -> str:
    """The title of one output: the session's; for a merged job the job's, its course's, or
    the first session's."""
    if len(sessions) == 1 and not job.merge_sessions:
        return sessions[0].title
    if job.title:
        return job.title
    courses = {session.course_title for session in sessions}
    if len(courses) == 1 and (course := courses.pop()):
        return course
    return sessions[0].title if sessions else job.job_id


@attrs.frozen
class NamingContext:
    """Everything a naming strategy may use to name one output."""

    job: BatchExportJob
    sessions: tuple[Titled, ...]
    format: str
    extension: str  # with the dot: ".html"
    batch_time: datetime
    seq: int  # 1-based, in plan order across the batch
    seq_width: int = 3
    pattern: str | None = None

    @property
    def merged(self) -> bool:
        return self.job.merge_sessions or len(self.sessions) != 1

    @property
    def session_id(self) -> str:
        return self.job.job_id if self.merged else self.sessions[0].id

    @property
    def title(self) -> str:
        return output_title(self.job, self.sessions)

    @property
    def timestamp(self) -> str:
        return self.batch_time.strftime("%Y%m%d_%H%M%S")

    def placeholders(self) -> dict[str, str]:
        """The values of the pattern placeholders, each already a safe single path part."""
        values = {
            "job_id": self.job.job_id,
            "timestamp": self.timestamp,
            "format": self.format.lower(),
            "title": self.title,
            "session_id": self.session_id,
            "date": self.batch_time.strftime("%Y%m%d"),
            "seq": str(self.seq).zfill(self.seq_width),
            "ext": self.extension.lstrip("."),
        }
        return {
            key: clean_part(value, spaces_to_underscores=True) or self.session_id
            for key, value in values.items()
        }


#: Placeholders of ``output_directory``: a folder per run of a scheduled export.
DIRECTORY_PLACEHOLDERS: Mapping[str, str] = {
    "date": PLACEHOLDERS["date"],
    "timestamp": PLACEHOLDERS["timestamp"],
    "job_id": PLACEHOLDERS["job_id"],
}


def expand_directory(job: BatchExportJob, batch_time: datetime) -> tuple[BatchExportJob, list[str]]:
    """``job`` with ``{date}``, ``{timestamp}`` and ``{job_id}`` in its output directory filled
    in, or unchanged with the problems of the placeholders ("backups/{date}" makes one folder
    a day; ``{{`` is a literal brace)."""
    folder, problems = _fill_placeholders(str(job.output_directory), job, batch_time)
    if problems:
        return job, [f"output_directory: {problem}" for problem in problems]
    return attrs.evolve(job, output_directory=Path(folder)), []


def expand_settings(
    job: BatchExportJob, batch_time: datetime, fields: Mapping[str, Sequence[str]]
) -> tuple[BatchExportJob, list[str]]:
    """``job`` with the placeholders of its settings tables filled in as in its output folder:
    ``fields`` names, by table, the string fields that take them (``{"upload": ["url"]}``)."""
    settings = dict(job.settings)
    problems: list[str] = []
    for table, names in fields.items():
        value = settings.get(table)
        if value is None:
            continue
        changes = {}
        for name in names:
            text = getattr(value, name)
            if not isinstance(text, str):
                continue
            filled, found = _fill_placeholders(text, job, batch_time)
            problems += [f"{table}.{name}: {problem}" for problem in found]
            if filled != text:
                changes[name] = filled
        if changes:
            settings[table] = attrs.evolve(value, **changes)
    if problems:
        return job, problems
    return attrs.evolve(job, settings=settings), []


def _fill_placeholders(
    text: str, job: BatchExportJob, batch_time: datetime
) -> tuple[str, list[str]]:
    """``text`` with the folder placeholders filled in, or unchanged with their problems."""
    if "{" not in text and "}" not in text:
        return text, []
    problems = _placeholder_problems(text, DIRECTORY_PLACEHOLDERS)
    if problems:
        return text, problems
    values = {
        "date": batch_time.strftime("%Y%m%d"),
        "timestamp": batch_time.strftime("%Y%m%d_%H%M%S"),
        "job_id": job.job_id,
    }
    return text.format_map(values), []


def check_pattern(pattern: str) -> list[str]:
    """Every problem of a ``custom`` pattern, each naming the offending part."""
    problems: list[str] = []
    if not pattern.strip():
        return ["the pattern is empty"]
    if pattern.startswith(("/", "\\")) or (len(pattern) > 1 and pattern[1] == ":"):
        problems.append(f"the pattern {pattern!r} is an absolute path; it must be relative")
    if "\\" in pattern:
        problems.append(f"use '/' for sub-folders, not '\\\\' (in {pattern!r})")
    literal_parts = pattern.replace("\\", "/").split("/")
    if any(part.strip() == ".." for part in literal_parts):
        problems.append(f"'..' would leave the output directory (in {pattern!r})")
    return problems + _placeholder_problems(pattern, PLACEHOLDERS)


def _placeholder_problems(pattern: str, known: Mapping[str, str]) -> list[str]:
    problems: list[str] = []
    names = ", ".join(f"{{{name}}}" for name in known)
    try:
        fields = list(string.Formatter().parse(pattern))
    except ValueError as exc:
        return [f"unbalanced braces in {pattern!r}: {exc}"]
    for _, field, spec, conversion in fields:
        if field is None:
            continue
        shown = (
            "{"
            + field
            + (f"!{conversion}" if conversion else "")
            + (f":{spec}" if spec else "")
            + "}"
        )
        if not field:
            problems.append(f"empty placeholder {shown} (name one of {names})")
        elif any(mark in field for mark in ".["):
            problems.append(f"{shown}: attribute and index access are not allowed")
        elif field not in known:
            hint = difflib.get_close_matches(field, list(known), n=1)
            suggestion = f" (did you mean {{{hint[0]}}}?)" if hint else ""
            problems.append(f"unknown placeholder {shown}{suggestion}; known: {names}")
        if conversion:
            problems.append(f"{shown}: conversions like !{conversion} are not allowed")
        if spec:
            problems.append(f"{shown}: format specs like :{spec} are not allowed")
    return problems


def expand_pattern(context: NamingContext) -> str:
    """The ``custom`` pattern with its placeholders filled in (checked beforehand)."""
    if context.pattern is None:
        raise NamingError(f"job {context.job.job_id!r}: the custom naming strategy needs a pattern")
    return context.pattern.format_map(context.placeholders())


@attrs.frozen
class PlannedName:
    """Where one output goes, decided at planning time."""

    relative_path: str  # POSIX, relative to the job's output directory
    path: Path
    exists: bool  # a file was already there when the batch was planned
    action: OnConflict | None  # None: a new file; else what on_conflict says to do
    #: The path the strategy asked for, when a file on disk made it take another (rename).
    renamed_from: str | None = None
    #: The record of an earlier batch's output at ``path``, when that file is still intact.
    previous: OutputRecord | None = None
    #: Its place among the batch's outputs in plan order (0 for the first named).
    position: int = 0


class OutputNamer:
    """Names every output of one batch: safe, unique in the batch, and safe for existing files."""

    def __init__(
        self,
        strategies: Mapping[str, NamingStrategy],
        *,
        batch_time: datetime,
        total_outputs: int,
        on_conflict: OnConflict = OnConflict.RENAME,
        previous: PreviousOutputs | None = None,
    ) -> None:
        self.strategies = strategies
        self.previous = previous
        self.batch_time = batch_time
        self.seq_width = max(3, len(str(total_outputs)))
        self.on_conflict = on_conflict
        self._seq = 0
        self._names: dict[Path, UniqueNames] = {}
        self._real: dict[Path, str] = {}
        self._folders: dict[Path, Path] = {}

    @property
    def named(self) -> int:
        """How many outputs were named so far: the position of the next one."""
        return self._seq

    def name(
        self, job: BatchExportJob, sessions: Sequence[Titled], output_format: Format
    ) -> PlannedName:
        """Name the next output in plan order."""
        self._seq += 1
        strategy = self.strategies.get(job.naming_strategy.name)
        if strategy is None:
            raise NamingError(
                f"job {job.job_id!r}: unknown naming strategy {job.naming_strategy.name!r}; "
                f"known: {', '.join(sorted(self.strategies))}"
            )
        context = NamingContext(
            job=job,
            sessions=tuple(sessions),
            format=output_format.name,
            extension=output_format.extension,
            batch_time=self.batch_time,
            seq=self._seq,
            seq_width=self.seq_width,
            pattern=job.naming_strategy.pattern,
        )
        try:
            raw = strategy.function(context)
        except Exception as exc:
            raise NamingError(
                f"job {job.job_id!r}: naming strategy {strategy.name!r} failed: "
                f"{type(exc).__name__}: {exc}"
            ) from exc
        if not isinstance(raw, str):
            raise NamingError(
                f"job {job.job_id!r}: naming strategy {strategy.name!r} returned "
                f"{type(raw).__name__}, not a str"
            )
        relative = safe_relative_path(
            raw, extension=output_format.extension, fallback=context.session_id
        )
        return self._place(job, relative)

    def _place(self, job: BatchExportJob, relative: str) -> PlannedName:
        folder = self._folder(job.output_directory)
        names = self._names.setdefault(folder, UniqueNames())
        wanted = relative
        present: dict[str, bool] = {}  # one lstat per name tried, however often asked

        def exists_now(rel: str) -> bool:
            if rel not in present:
                present[rel] = os.path.lexists(folder / rel)
            return present[rel]

        def taken(rel: str) -> bool:
            # An earlier batch's intact output is ours to replace, not a file to avoid.
            return exists_now(rel) and self._ours(folder / rel) is None

        on_disk = taken(wanted)
        if self.on_conflict is OnConflict.RENAME:
            relative = names.claim(relative, exists=taken)
        else:
            relative = names.claim(relative)
        path = folder / relative
        if "/" in relative:  # a file straight in the output directory is inside it
            self._check_inside(job, folder, path)
        exists = exists_now(relative)
        previous = self._ours(path) if exists else None
        action = self.on_conflict if exists else None
        if previous is not None and action is OnConflict.RENAME:
            action = OnConflict.OVERWRITE
        return PlannedName(
            relative_path=relative,
            path=path,
            exists=exists,
            action=action,
            renamed_from=wanted if on_disk and relative != wanted else None,
            previous=previous,
            position=self._seq - 1,
        )

    def _folder(self, output_directory: Path) -> Path:
        folder = self._folders.get(output_directory)
        if folder is None:
            folder = self._folders[output_directory] = Path(os.path.abspath(output_directory))
        return folder

    def _ours(self, path: Path) -> OutputRecord | None:
        return self.previous.intact(path) if self.previous is not None else None

    def _check_inside(self, job: BatchExportJob, folder: Path, path: Path) -> None:
        """Refuse a path that a symlinked sub-folder would lead out of the output directory."""
        real_folder, real_parent = self._realpath(folder), self._realpath(path.parent)
        if os.path.commonpath([real_folder, real_parent]) != real_folder:
            raise NamingError(
                f"job {job.job_id!r}: {path} would be written outside the output directory "
                f"{folder} (through a symbolic link)"
            )

    def _realpath(self, folder: Path) -> str:
        # Resolved once per folder: the outputs of a batch share a handful of folders.
        real = self._real.get(folder)
        if real is None:
            real = self._real[folder] = os.path.realpath(folder)
        return real
