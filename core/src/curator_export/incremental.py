"""Incremental re-export: an output whose inputs and file are unchanged is not made again.

Every planned output gets a *key*, a hash of everything that determines its bytes: the
content of its sessions (items and figures), the format and the format's options, the job's
settings (template, branding, audience, content types, title, metadata), the theme files and
the versions of the installed plugins. After a batch, the store records for each file it
wrote the key, size and sha256 (an ``OutputLedger``; the SQLite store is one). When a later
batch plans the same path with the same key and the file still has the recorded size and
sha256, the export is reported ``unchanged`` and nothing renders.

A recorded file that is still intact is the tool's own output, so a changed key replaces it in
place instead of writing ``name-2.ext`` beside it; a file that was edited since (its sha256
no longer matches) is the user's and follows ``on_conflict`` like any other file.
"""

from __future__ import annotations

import hashlib
import json
import os
import weakref
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import attrs

from curator_export.model import BatchExportJob, Branding, Session

#: Bumped when what goes into a key changes, so that older records no longer match.
KEY_VERSION = 2


@attrs.frozen
class OutputRecord:
    """What a batch wrote at one path, for the next batch to compare against."""

    path: Path  # absolute
    folder: Path  # the job's output directory, absolute
    job_id: str
    format: str
    session_ids: tuple[str, ...]
    key: str
    size: int
    sha256: str
    batch_id: str
    written_at: datetime
    #: Files written beside it (figures): absolute path -> sha256.
    companions: Mapping[str, str] = attrs.field(factory=dict)


@runtime_checkable
class OutputLedger(Protocol):
    """A store that remembers the outputs of earlier batches (optional for a store)."""

    def output_records(self, folders: Sequence[Path]) -> list[OutputRecord]:
        """The records of every output written under these job folders."""
        ...

    def record_outputs(self, records: Iterable[OutputRecord]) -> None:
        """Add or replace the records of these paths (read once, as they come)."""
        ...


class PreviousOutputs:
    """The earlier outputs of a batch's folders, each checked against its file on first use."""

    def __init__(self, records: Iterable[OutputRecord]) -> None:
        self._records = {os.path.abspath(record.path): record for record in records}
        self._checked: dict[str, OutputRecord | None] = {}

    def intact(self, path: Path) -> OutputRecord | None:
        """The record of ``path`` when the file is exactly as that batch wrote it."""
        key = os.path.abspath(path)
        if key not in self._checked:
            record = self._records.get(key)
            intact = record is not None and _same_file(record.path, record.size, record.sha256)
            self._checked[key] = record if intact else None
        return self._checked[key]

    @staticmethod
    def reusable(record: OutputRecord, key: str) -> bool:
        """Whether an intact output can stand for one with ``key``: same key, and every file
        written beside it (its figures) still there as written."""
        return record.key == key and all(
            _same_file(Path(path), None, sha) for path, sha in record.companions.items()
        )


def _same_file(path: Path, size: int | None, sha256: str) -> bool:
    from curator_export.output import sha256_file

    try:
        if path.is_symlink() or not path.is_file():
            return False
        if size is not None and path.stat().st_size != size:
            return False  # cheap: most changed files change size
        return sha256_file(path) == sha256
    except OSError:
        return False


class OutputKeys:
    """Computes output keys for one batch; what every key of the batch shares is hashed once.

    ``plugins`` maps plugin names to "distribution version"; ``template_dirs`` is the
    theme search path (every theme file counts, since a theme may extend any other).
    """

    def __init__(self, plugins: Mapping[str, str], template_dirs: Sequence[Path]) -> None:
        self._batch = _digest(
            KEY_VERSION, dict(sorted(plugins.items())), _folders_digest(template_dirs)
        )
        # By object: a session of several jobs is hashed once. Weakly: planning loads
        # sessions a chunk at a time and must not keep them all alive through this cache.
        self._sessions: dict[int, tuple[weakref.ref[Session], str]] = {}
        self._files: dict[str, str | None] = {}
        self._job_formats: dict[tuple[int, str, int, int], tuple[Any, Any, Any, str]] = {}

    def key(
        self,
        job: BatchExportJob,
        sessions: Sequence[Session],
        format_name: str,
        options: Any,
        branding: Branding | None,
    ) -> str:
        """The key of one output: the job's output of ``sessions`` in ``format_name``."""
        return _digest(
            self._batch,
            self._settings(job, format_name, options, branding),
            [self._session(session) for session in sessions],
        )

    def _settings(
        self, job: BatchExportJob, format_name: str, options: Any, branding: Branding | None
    ) -> str:
        """The hash of what a job's outputs in one format share: made once, not per output."""
        cache_key = (id(job), format_name, id(options), id(branding))
        cached = self._job_formats.get(cache_key)
        if cached is not None:
            return cached[3]
        job_settings = {
            "job_id": job.job_id,  # it is written into the files' metadata
            "merge_sessions": job.merge_sessions,
            "template_name": job.template_name,
            "include_metadata": job.include_metadata,
            "content_types": [str(t) for t in job.content_types] if job.content_types else None,
            "audience": str(job.audience),
            "title": job.title,
        }
        digest = _digest(
            format_name,
            job_settings,
            self._with_files(_plain(options)),
            self._with_files(_plain(branding)),
        )
        # Kept with the objects, so that no other object can take their ids meanwhile.
        self._job_formats[cache_key] = (job, options, branding, digest)
        return digest

    def _session(self, session: Session) -> str:
        key = id(session)
        cached = self._sessions.get(key)
        if cached is not None and cached[0]() is session:
            return cached[1]
        digest = session_digest(session)

        def forget(_: object) -> None:
            self._sessions.pop(key, None)

        self._sessions[key] = (weakref.ref(session, forget), digest)
        return digest

    def content_digest(self, sessions: Sequence[Session]) -> str:
        """What ``sessions_digest`` gives for these sessions, from the digests already made."""
        return _digest(*[self._session(session) for session in sessions])

    def _with_files(self, value: Any) -> Any:
        """``value`` with the content hash of every file a string of it names.

        Options and branding name files (a logo, a PowerPoint template) whose bytes shape
        the output as much as the settings do.
        """
        if isinstance(value, dict):
            return {key: self._with_files(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self._with_files(item) for item in value]
        if isinstance(value, str) and value and len(value) < 4096:
            digest = self._file_digest(value)
            if digest is not None:
                return {"file": value, "sha256": digest}
        return value

    def _file_digest(self, name: str) -> str | None:
        if name not in self._files:
            from curator_export.output import sha256_file

            try:
                self._files[name] = sha256_file(Path(name)) if os.path.isfile(name) else None
            except (OSError, ValueError):
                self._files[name] = None
        return self._files[name]


def _plain(value: Any) -> Any:
    """attrs instances, enums and paths as JSON-ready data."""
    if attrs.has(type(value)):
        return _plain(attrs.asdict(value, recurse=False))
    if isinstance(value, Mapping):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(item) for item in value]
    if isinstance(value, Path):
        return str(value)
    return value


def _folders_digest(folders: Sequence[Path]) -> str:
    """A hash of every file under these folders, by relative path and content."""
    digest = hashlib.sha256()
    for index, folder in enumerate(folders):
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(f"{index}:{path.relative_to(folder).as_posix()}\0".encode())
                digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def session_digest(session: Session) -> str:
    """A hash of everything of a session that can change an output.

    The item bodies, nearly all of a session's bytes, are hashed as they are, each after
    its length, rather than escaped into the JSON of the rest: over twice as fast, and
    planning hashes every session of a batch.
    """
    described = _json(
        session.id,
        session.title,
        session.course_id,
        session.course_title,
        session.position,
        dict(session.metadata),
        [
            (item.id, str(item.content_type), item.title, item.position, dict(item.metadata))
            for item in session.items
        ],
        sorted((path, asset.sha256) for path, asset in session.assets.items()),
    )
    digest = hashlib.sha256(described.encode())
    for item in session.items:
        body = item.body.encode()
        digest.update(len(body).to_bytes(8, "big"))
        digest.update(body)
    return digest.hexdigest()


def sessions_digest(sessions: Sequence[Session]) -> str:
    """A hash of the content of a task's sessions: to tell that they are still as planned."""
    return _digest(*[session_digest(session) for session in sessions])


def _digest(*parts: Any) -> str:
    return hashlib.sha256(_json(*parts).encode()).hexdigest()


def _json(*parts: Any) -> str:
    return json.dumps(parts, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


__all__ = [
    "KEY_VERSION",
    "OutputKeys",
    "OutputLedger",
    "OutputRecord",
    "PreviousOutputs",
    "session_digest",
    "sessions_digest",
]
