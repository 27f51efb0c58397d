"""The embedded default store: one SQLite file, in WAL mode.

Every row carries a hash of its content, and writes compare hashes before touching a row:
re-importing the same lesson leaves the file exactly as it was, ``updated_at`` included, so
"what changed since the last export" is a question the timestamps and hashes can answer.
Reads of many sessions take a constant number of queries (ids travel as one JSON array).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from curator_export.errors import SessionNotFoundError, StoreError
from curator_export.incremental import OutputRecord
from curator_export.model import Asset, ContentItem, ContentType, Session
from curator_export.store.base import (
    BatchRecord,
    Change,
    Course,
    CoursePage,
    SessionChange,
    SessionSummary,
)

#: Marks a file as ours ("CURX"), so we never migrate some other application's database.
APPLICATION_ID = 0x43555258
BUSY_TIMEOUT_MS = 10_000

_TYPES = ", ".join(f"'{content_type.value}'" for content_type in ContentType)

_V1 = (
    f"PRAGMA application_id = {APPLICATION_ID}",
    """CREATE TABLE courses (
        id TEXT PRIMARY KEY,
        title TEXT NOT NULL,
        source TEXT,
        description TEXT,
        metadata TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(metadata)),
        content_hash TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    )""",
    """CREATE TABLE course_pages (
        course_id TEXT NOT NULL REFERENCES courses(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        position INTEGER NOT NULL,
        title TEXT NOT NULL,
        body TEXT NOT NULL,
        PRIMARY KEY (course_id, name)
    )""",
    """CREATE TABLE sessions (
        id TEXT PRIMARY KEY,
        course_id TEXT REFERENCES courses(id) ON DELETE SET NULL,
        title TEXT NOT NULL,
        position INTEGER NOT NULL DEFAULT 0,
        metadata TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(metadata)),
        content_hash TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    )""",
    "CREATE INDEX sessions_by_course ON sessions (course_id, position)",
    f"""CREATE TABLE content_items (
        id TEXT PRIMARY KEY,
        session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        content_type TEXT NOT NULL CHECK (content_type IN ({_TYPES})),
        title TEXT NOT NULL,
        body TEXT NOT NULL,
        position INTEGER NOT NULL DEFAULT 0,
        metadata TEXT NOT NULL DEFAULT '{{}}' CHECK (json_valid(metadata)),
        content_hash TEXT NOT NULL,
        updated_at TEXT NOT NULL
    )""",
    "CREATE INDEX content_items_by_session ON content_items (session_id, position)",
    """CREATE TABLE assets (
        sha256 TEXT PRIMARY KEY,
        media_type TEXT NOT NULL,
        data BLOB NOT NULL
    )""",
    """CREATE TABLE session_assets (
        session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        path TEXT NOT NULL,
        sha256 TEXT NOT NULL REFERENCES assets(sha256),
        PRIMARY KEY (session_id, path)
    )""",
    "CREATE INDEX session_assets_by_sha256 ON session_assets (sha256)",
)

# The audit trail: one row per batch run against this store.
_V2 = (
    """CREATE TABLE batches (
        batch_id TEXT PRIMARY KEY,
        started_at TEXT NOT NULL,
        elapsed_seconds REAL NOT NULL,
        user TEXT NOT NULL,
        status TEXT NOT NULL,
        jobs TEXT NOT NULL CHECK (json_valid(jobs)),
        options TEXT NOT NULL CHECK (json_valid(options)),
        files_created INTEGER NOT NULL,
        failed_jobs INTEGER NOT NULL,
        manifest_path TEXT NOT NULL
    )""",
    "CREATE INDEX batches_by_start ON batches (started_at)",
)

# The output ledger: what each file a batch wrote was made from (incremental re-export).
_V3 = (
    """CREATE TABLE outputs (
        path TEXT PRIMARY KEY,
        folder TEXT NOT NULL,
        job_id TEXT NOT NULL,
        format TEXT NOT NULL,
        session_ids TEXT NOT NULL CHECK (json_valid(session_ids)),
        key TEXT NOT NULL,
        size INTEGER NOT NULL,
        sha256 TEXT NOT NULL,
        companions TEXT NOT NULL CHECK (json_valid(companions)),
        batch_id TEXT NOT NULL,
        written_at TEXT NOT NULL
    )""",
    "CREATE INDEX outputs_by_folder ON outputs (folder)",
)

#: Applied in order from the file's ``PRAGMA user_version``; never edit a released entry,
#: append a new one (its index + 1 is the version it produces).
MIGRATIONS: tuple[tuple[str, ...], ...] = (_V1, _V2, _V3)


def _digest(*parts: Any) -> str:
    text = json.dumps(parts, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _json(metadata: Mapping[str, Any]) -> str:
    return json.dumps(dict(metadata), sort_keys=True, ensure_ascii=False, default=str)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def item_hash(item: ContentItem) -> str:
    """The hash stored with an item: it covers everything ``load_sessions`` gives back."""
    return _digest(
        item.session_id,
        item.content_type.value,
        item.title,
        item.body,
        item.position,
        dict(item.metadata),
    )


def session_hash(session: Session, item_hashes: Sequence[str] | None = None) -> str:
    """The hash stored with a session: it changes when any item or asset of it changes."""
    if item_hashes is None:
        item_hashes = [item_hash(item) for item in session.items]
    return _digest(
        session.course_id,
        session.title,
        session.position,
        dict(session.metadata),
        [(item.id, digest) for item, digest in zip(session.items, item_hashes, strict=True)],
        sorted((path, asset.sha256, asset.media_type) for path, asset in session.assets.items()),
    )


def course_hash(course: Course) -> str:
    """The hash stored with a course: it covers its pages too."""
    return _digest(
        course.title,
        course.source,
        course.description,
        dict(course.metadata),
        [(page.name, page.title, page.body) for page in course.pages],
    )


class SQLiteStore:
    """Sessions, their items and their assets in one SQLite file.

    Usable as a context manager. ``":memory:"`` gives a throwaway store (tests, previews).
    A store may be handed to another thread (``execute_batch_export_async`` runs the batch in
    one), but must be used by one thread at a time.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = os.fspath(path)
        self._depth = 0  # nesting of transaction(): only the outermost one commits
        try:
            self._conn = sqlite3.connect(
                self.path, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False
            )
        except sqlite3.Error as error:
            raise StoreError(f"cannot open session store {self.path}: {error}") from error
        # Autocommit at the driver level: transactions are explicit, see transaction().
        self._conn.isolation_level = None
        try:
            self._open()
        except BaseException:
            self._conn.close()
            raise

    # -- opening and migrating -------------------------------------------------------------

    def _open(self) -> None:
        conn = self._conn
        try:
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            conn.execute("PRAGMA foreign_keys = ON")
            version = self._user_version()
            application_id = conn.execute("PRAGMA application_id").fetchone()[0]
            has_tables = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] > 0
        except sqlite3.OperationalError as error:  # locked, unreadable ...
            raise StoreError(f"cannot open session store {self.path}: {error}") from error
        except sqlite3.DatabaseError as error:
            raise StoreError(
                f"{self.path} is not a curator-export session store (not a SQLite database:"
                f" {error})"
            ) from error
        if application_id not in (0, APPLICATION_ID) or (version == 0 and has_tables):
            raise StoreError(
                f"{self.path} is a SQLite database of another application, not a"
                " curator-export session store"
            )
        if version > len(MIGRATIONS):
            raise StoreError(
                f"{self.path} has schema version {version}, newer than this curator-export"
                f" knows ({len(MIGRATIONS)}); upgrade curator-export to open it"
            )
        with self._errors("switch to WAL mode"):
            conn.execute("PRAGMA journal_mode = WAL")
        self._migrate()

    def _user_version(self) -> int:
        return int(self._conn.execute("PRAGMA user_version").fetchone()[0])

    def _migrate(self) -> None:
        for version, statements in enumerate(MIGRATIONS, start=1):
            if self._user_version() >= version:
                continue
            with self._errors(f"migrate to schema version {version}"), self.transaction():
                # Another process may have migrated while we waited for the write lock.
                if self._user_version() >= version:
                    continue
                for statement in statements:
                    self._conn.execute(statement)
                self._conn.execute(f"PRAGMA user_version = {version}")

    @property
    def schema_version(self) -> int:
        """The schema version of the file (``PRAGMA user_version``)."""
        return self._user_version()

    @contextlib.contextmanager
    def _errors(self, action: str) -> Iterator[None]:
        """Turn driver errors into ``StoreError`` naming the file and what we were doing."""
        try:
            yield
        except sqlite3.Error as error:
            raise StoreError(f"{self.path}: cannot {action}: {error}") from error

    # -- lifecycle -------------------------------------------------------------------------

    def close(self) -> None:
        """Close the file; closing twice is harmless."""
        self._conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"SQLiteStore({self.path!r})"

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """Everything inside is written together or not at all; nested calls join the outer."""
        if self._depth:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        # IMMEDIATE takes the write lock now, so a concurrent writer waits (busy timeout)
        # instead of failing later when a read lock would have to be upgraded.
        with self._errors("start writing"):
            self._conn.execute("BEGIN IMMEDIATE")
        self._depth = 1
        try:
            yield
            with self._errors("commit"):
                self._conn.execute("COMMIT")
        except BaseException:
            if self._conn.in_transaction:  # some errors make SQLite roll back by itself
                self._conn.execute("ROLLBACK")
            raise
        finally:
            self._depth = 0

    # -- batch history ---------------------------------------------------------------------

    def record_batch(
        self,
        *,
        batch_id: str,
        started_at: datetime,
        elapsed_seconds: float,
        user: str,
        status: str,
        jobs: Sequence[str],
        options: Mapping[str, Any],
        files_created: int,
        failed_jobs: int,
        manifest_path: str,
    ) -> None:
        """Add a finished batch to the audit trail."""
        with self._errors("record the batch"), self.transaction():
            self._conn.execute(
                "INSERT INTO batches VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    batch_id,
                    started_at.isoformat(),
                    elapsed_seconds,
                    user,
                    status,
                    json.dumps(list(jobs)),
                    _json(options),
                    files_created,
                    failed_jobs,
                    manifest_path,
                ),
            )

    def batch_history(self, limit: int = 50) -> list[BatchRecord]:
        """The most recent batches, newest first."""
        with self._errors("read the batch history"):
            rows = self._conn.execute(
                "SELECT * FROM batches ORDER BY started_at DESC, rowid DESC LIMIT ?", (limit,)
            ).fetchall()
        return [
            BatchRecord(
                batch_id=row[0],
                started_at=datetime.fromisoformat(row[1]),
                elapsed_seconds=row[2],
                user=row[3],
                status=row[4],
                jobs=tuple(json.loads(row[5])),
                options=json.loads(row[6]),
                files_created=row[7],
                failed_jobs=row[8],
                manifest_path=row[9],
            )
            for row in rows
        ]

    # -- output ledger (incremental re-export) ---------------------------------------------

    def output_records(self, folders: Sequence[Path]) -> list[OutputRecord]:
        """The recorded outputs of every job folder given (absolute paths)."""
        wanted = json.dumps([str(folder) for folder in folders])
        with self._errors("read the output ledger"):
            rows = self._conn.execute(
                "SELECT path, folder, job_id, format, session_ids, key, size, sha256,"
                " companions, batch_id, written_at FROM outputs"
                " WHERE folder IN (SELECT value FROM json_each(?))",
                (wanted,),
            ).fetchall()
        return [
            OutputRecord(
                path=Path(row[0]),
                folder=Path(row[1]),
                job_id=row[2],
                format=row[3],
                session_ids=tuple(json.loads(row[4])),
                key=row[5],
                size=row[6],
                sha256=row[7],
                companions=json.loads(row[8]),
                batch_id=row[9],
                written_at=datetime.fromisoformat(row[10]),
            )
            for row in rows
        ]

    def record_outputs(self, records: Iterable[OutputRecord]) -> None:
        """Add or replace the ledger rows of these paths, all in one transaction; rows are
        made as they are written, so a large batch's are never all held at once."""
        with self._errors("record the outputs"), self.transaction():
            self._conn.executemany(
                "INSERT OR REPLACE INTO outputs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    (
                        str(record.path),
                        str(record.folder),
                        record.job_id,
                        record.format,
                        json.dumps(list(record.session_ids)),
                        record.key,
                        record.size,
                        record.sha256,
                        json.dumps(dict(record.companions), sort_keys=True),
                        record.batch_id,
                        record.written_at.isoformat(),
                    )
                    for record in records
                ),
            )

    # -- reading ---------------------------------------------------------------------------

    def list_sessions(self) -> list[SessionSummary]:
        """Every session, in course then position order, without loading bodies."""
        with self._errors("list sessions"):
            rows = self._conn.execute(
                "SELECT s.id, s.title, s.course_id, c.title, s.position, s.content_hash"
                " FROM sessions s LEFT JOIN courses c ON c.id = s.course_id"
                " ORDER BY s.course_id IS NULL, s.course_id, s.position, s.id"
            ).fetchall()
            types: dict[str, list[ContentType]] = {}
            counts: dict[str, int] = {}
            for session_id, content_type in self._conn.execute(
                "SELECT session_id, content_type FROM content_items"
                " ORDER BY session_id, position, id"
            ):
                counts[session_id] = counts.get(session_id, 0) + 1
                seen = types.setdefault(session_id, [])
                if ContentType(content_type) not in seen:
                    seen.append(ContentType(content_type))
        return [
            SessionSummary(
                id=session_id,
                title=title,
                course_id=course_id,
                course_title=course_title,
                position=position,
                item_count=counts.get(session_id, 0),
                content_types=tuple(types.get(session_id, ())),
                content_hash=content_hash,
            )
            for session_id, title, course_id, course_title, position, content_hash in rows
        ]

    def session_ids(self) -> list[str]:
        """Every session id, in the order of ``list_sessions``."""
        with self._errors("list sessions"):
            rows = self._conn.execute(
                "SELECT id FROM sessions ORDER BY course_id IS NULL, course_id, position, id"
            ).fetchall()
        return [session_id for (session_id,) in rows]

    def content_version(self) -> tuple[int, int]:
        """Changes whenever the database does, by another connection (``data_version``) or
        this one (``total_changes``): equal values mean that what was read is still there."""
        with self._errors("read the content version"):
            (data_version,) = self._conn.execute("PRAGMA data_version").fetchone()
        return int(data_version), self._conn.total_changes

    def load_sessions(self, ids: Sequence[str], *, with_assets: bool = True) -> list[Session]:
        """The sessions asked for, in that order, with items and (optionally) assets.

        Three queries whatever the number of ids: the ids go in as one JSON array joined
        through ``json_each``. Raises ``SessionNotFoundError`` listing every missing id.
        """
        wanted = json.dumps(list(ids))
        with self._errors("load sessions"):
            rows = self._conn.execute(
                "SELECT j.value, s.title, s.course_id, c.title, s.position, s.metadata"
                " FROM json_each(?) j"
                " LEFT JOIN sessions s ON s.id = j.value"
                " LEFT JOIN courses c ON c.id = s.course_id"
                " ORDER BY j.key",
                (wanted,),
            ).fetchall()
            missing = [row[0] for row in rows if row[1] is None]
            if missing:
                raise SessionNotFoundError(list(dict.fromkeys(missing)))
            items = self._items_of(wanted)
            assets = self._assets_of(wanted) if with_assets else {}
        return [
            Session(
                id=session_id,
                title=title,
                items=tuple(items.get(session_id, ())),
                course_id=course_id,
                course_title=course_title,
                position=position,
                metadata=json.loads(metadata),
                assets=assets.get(session_id, {}),
            )
            for session_id, title, course_id, course_title, position, metadata in rows
        ]

    def _items_of(self, wanted: str) -> dict[str, list[ContentItem]]:
        items: dict[str, list[ContentItem]] = {}
        for (
            item_id,
            session_id,
            content_type,
            title,
            body,
            position,
            metadata,
        ) in self._conn.execute(
            "SELECT id, session_id, content_type, title, body, position, metadata"
            " FROM content_items WHERE session_id IN (SELECT value FROM json_each(?))"
            " ORDER BY session_id, position, id",
            (wanted,),
        ):
            items.setdefault(session_id, []).append(
                ContentItem(
                    id=item_id,
                    session_id=session_id,
                    content_type=content_type,
                    title=title,
                    body=body,
                    position=position,
                    metadata=json.loads(metadata),
                )
            )
        return items

    def _assets_of(self, wanted: str) -> dict[str, dict[str, Asset]]:
        assets: dict[str, dict[str, Asset]] = {}
        for session_id, path, sha256, media_type, data in self._conn.execute(
            "SELECT sa.session_id, sa.path, a.sha256, a.media_type, a.data"
            " FROM session_assets sa JOIN assets a ON a.sha256 = sa.sha256"
            " WHERE sa.session_id IN (SELECT value FROM json_each(?))"
            " ORDER BY sa.session_id, sa.path",
            (wanted,),
        ):
            assets.setdefault(session_id, {})[path] = Asset(path, media_type, sha256, data)
        return assets

    def load_course(self, course_id: str) -> Course | None:
        """A course with its description and pages, or None when the store has no such course."""
        with self._errors("load a course"):
            row = self._conn.execute(
                "SELECT id, title, source, description, metadata FROM courses WHERE id = ?",
                (course_id,),
            ).fetchone()
            if row is None:
                return None
            pages = self._conn.execute(
                "SELECT name, title, body FROM course_pages WHERE course_id = ?"
                " ORDER BY position, name",
                (course_id,),
            ).fetchall()
        return Course(
            id=row[0],
            title=row[1],
            source=row[2],
            description=row[3],
            metadata=json.loads(row[4]),
            pages=tuple(CoursePage(*page) for page in pages),
        )

    # -- writing ---------------------------------------------------------------------------

    def upsert_course(self, course: Course) -> Change:
        """Create or rewrite a course and its pages, unless its content is unchanged."""
        digest = course_hash(course)
        with self._errors(f"write course {course.id!r}"), self.transaction():
            row = self._conn.execute(
                "SELECT content_hash FROM courses WHERE id = ?", (course.id,)
            ).fetchone()
            if row is not None and row[0] == digest:
                return Change.UNCHANGED
            now = _now()
            self._conn.execute(
                "INSERT INTO courses"
                " (id, title, source, description, metadata, content_hash, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (id) DO UPDATE SET title = excluded.title,"
                " source = excluded.source, description = excluded.description,"
                " metadata = excluded.metadata, content_hash = excluded.content_hash,"
                " updated_at = excluded.updated_at",
                (
                    course.id,
                    course.title,
                    course.source,
                    course.description,
                    _json(course.metadata),
                    digest,
                    now,
                    now,
                ),
            )
            self._conn.execute("DELETE FROM course_pages WHERE course_id = ?", (course.id,))
            self._conn.executemany(
                "INSERT INTO course_pages (course_id, name, position, title, body)"
                " VALUES (?, ?, ?, ?, ?)",
                [
                    (course.id, page.name, position, page.title, page.body)
                    for position, page in enumerate(course.pages, start=1)
                ],
            )
        return Change.CREATED if row is None else Change.UPDATED

    def upsert_session(self, session: Session) -> SessionChange:
        """Write a session with its items and assets, touching only what changed.

        Items and asset links the session no longer has are removed. An unchanged session
        costs one lookup: its hash covers every item and asset.
        """
        ids = [item.id for item in session.items]
        if len(set(ids)) != len(ids):
            raise StoreError(f"session {session.id!r} has two items with the same id")
        for item in session.items:
            if item.session_id != session.id:
                raise StoreError(
                    f"item {item.id!r} belongs to {item.session_id!r}, not {session.id!r}"
                )
        item_hashes = [item_hash(item) for item in session.items]
        digest = session_hash(session, item_hashes)
        with self._errors(f"write session {session.id!r}"), self.transaction():
            row = self._conn.execute(
                "SELECT content_hash FROM sessions WHERE id = ?", (session.id,)
            ).fetchone()
            if row is not None and row[0] == digest:
                return SessionChange(Change.UNCHANGED, items_unchanged=len(session.items))
            now = _now()
            self._conn.execute(
                "INSERT INTO sessions"
                " (id, course_id, title, position, metadata, content_hash, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (id) DO UPDATE SET course_id = excluded.course_id,"
                " title = excluded.title, position = excluded.position,"
                " metadata = excluded.metadata, content_hash = excluded.content_hash,"
                " updated_at = excluded.updated_at",
                (
                    session.id,
                    session.course_id,
                    session.title,
                    session.position,
                    _json(session.metadata),
                    digest,
                    now,
                    now,
                ),
            )
            created, updated, unchanged, removed = self._sync_items(session, item_hashes, now)
            added, dropped = self._sync_assets(session.id, session.assets)
        return SessionChange(
            Change.CREATED if row is None else Change.UPDATED,
            items_created=created,
            items_updated=updated,
            items_unchanged=unchanged,
            items_removed=removed,
            assets_added=added,
            assets_removed=dropped,
        )

    def _sync_items(
        self, session: Session, item_hashes: Sequence[str], now: str
    ) -> tuple[int, int, int, int]:
        """Bring the session's item rows in line; returns created, updated, unchanged, removed."""
        stored = dict(
            self._conn.execute(
                "SELECT id, content_hash FROM content_items WHERE session_id = ?", (session.id,)
            ).fetchall()
        )
        writes = []
        created = updated = 0
        for item, digest in zip(session.items, item_hashes, strict=True):
            if stored.get(item.id) == digest:
                continue
            if item.id in stored:
                updated += 1
            else:
                created += 1
            writes.append(
                (
                    item.id,
                    item.session_id,
                    item.content_type.value,
                    item.title,
                    item.body,
                    item.position,
                    _json(item.metadata),
                    digest,
                    now,
                )
            )
        # ON CONFLICT also covers an item id that moved here from another session.
        self._conn.executemany(
            "INSERT INTO content_items (id, session_id, content_type, title, body, position,"
            " metadata, content_hash, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (id) DO UPDATE SET session_id = excluded.session_id,"
            " content_type = excluded.content_type, title = excluded.title,"
            " body = excluded.body, position = excluded.position, metadata = excluded.metadata,"
            " content_hash = excluded.content_hash, updated_at = excluded.updated_at",
            writes,
        )
        gone = set(stored) - {item.id for item in session.items}
        self._conn.executemany("DELETE FROM content_items WHERE id = ?", [(i,) for i in gone])
        unchanged = len(session.items) - created - updated
        return created, updated, unchanged, len(gone)

    def _sync_assets(self, session_id: str, assets: Mapping[str, Asset]) -> tuple[int, int]:
        """Bring the session's asset links in line; returns links added (or re-pointed), removed."""
        stored = dict(
            self._conn.execute(
                "SELECT path, sha256 FROM session_assets WHERE session_id = ?", (session_id,)
            ).fetchall()
        )
        new = {path: asset for path, asset in assets.items() if stored.get(path) != asset.sha256}
        for path, asset in new.items():
            if hashlib.sha256(asset.data).hexdigest() != asset.sha256:
                raise StoreError(f"asset {path!r} of session {session_id!r}: sha256 does not match")
        self._conn.executemany(
            "INSERT OR IGNORE INTO assets (sha256, media_type, data) VALUES (?, ?, ?)",
            [(asset.sha256, asset.media_type, asset.data) for asset in new.values()],
        )
        self._conn.executemany(
            "INSERT INTO session_assets (session_id, path, sha256) VALUES (?, ?, ?)"
            " ON CONFLICT (session_id, path) DO UPDATE SET sha256 = excluded.sha256",
            [(session_id, path, asset.sha256) for path, asset in new.items()],
        )
        gone = [path for path in stored if path not in assets]
        self._conn.executemany(
            "DELETE FROM session_assets WHERE session_id = ? AND path = ?",
            [(session_id, path) for path in gone],
        )
        self._drop_orphans(stored[path] for path in [*gone, *new] if path in stored)
        return len(new), len(gone)

    def _drop_orphans(self, shas: Iterable[str]) -> None:
        """Delete asset blobs no session refers to any more, so the file does not only grow."""
        self._conn.executemany(
            "DELETE FROM assets WHERE sha256 = ?"
            " AND NOT EXISTS (SELECT 1 FROM session_assets WHERE sha256 = ?)",
            [(sha, sha) for sha in set(shas)],
        )
