"""The SQLite session store: schema and migrations, batched reads, writes that skip no-ops."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from curator_export.errors import SessionNotFoundError, StoreError
from curator_export.model import Asset, ContentItem, ContentType, Session
from curator_export.store import (
    Change,
    Course,
    CoursePage,
    SessionStore,
    SQLiteStore,
)
from curator_export.store import sqlite as sqlite_module
from curator_export.testing import sqlite_rows


def asset(path: str, data: bytes, media_type: str = "image/png") -> Asset:
    return Asset(path, media_type, hashlib.sha256(data).hexdigest(), data)


def session(
    sid: str,
    *,
    course_id: str | None = None,
    position: int = 0,
    bodies: tuple[str, ...] = ("# Slides\n",),
    assets: dict[str, Asset] | None = None,
) -> Session:
    types = list(ContentType)
    items = tuple(
        ContentItem(
            id=f"{sid}/{index}",
            session_id=sid,
            content_type=types[index % len(types)],
            title=f"Item {index}",
            body=body,
            position=index,
        )
        for index, body in enumerate(bodies, start=1)
    )
    return Session(
        id=sid,
        title=f"Session {sid}",
        items=items,
        course_id=course_id,
        position=position,
        metadata={"minutes": 30},
        assets=assets or {},
    )


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "curator.db"


@pytest.fixture
def store(db: Path) -> Iterator[SQLiteStore]:
    with SQLiteStore(db) as opened:
        yield opened


# -- schema, migrations, opening --------------------------------------------------------------


def test_new_store_is_at_the_latest_schema_version(store: SQLiteStore, db: Path) -> None:
    """A new file gets every migration and records the version in PRAGMA user_version."""
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == len(sqlite_module.MIGRATIONS)
    assert store.schema_version == len(sqlite_module.MIGRATIONS)


def test_store_uses_wal_mode(store: SQLiteStore, db: Path) -> None:
    """The file is in WAL mode, so exports can read while an import writes."""
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_foreign_keys_cascade_from_sessions_to_items(store: SQLiteStore) -> None:
    """Foreign keys are on: deleting a session deletes its items and asset links."""
    store.upsert_session(session("s1", assets={"a.png": asset("a.png", b"png")}))
    conn = store._conn  # the store's own connection: PRAGMA foreign_keys is per connection
    conn.execute("DELETE FROM sessions WHERE id = 's1'")
    assert conn.execute("SELECT count(*) FROM content_items").fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM session_assets").fetchone()[0] == 0


def test_reopening_keeps_data_and_version(db: Path) -> None:
    """Opening an existing store again migrates nothing and finds what was written."""
    with SQLiteStore(db) as store:
        store.upsert_session(session("s1"))
    before = sqlite_rows(db)
    with SQLiteStore(db) as store:
        assert store.session_ids() == ["s1"]
        assert store.schema_version == len(sqlite_module.MIGRATIONS)
    assert sqlite_rows(db) == before


def test_pending_migrations_run_in_order(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file at an older version gets the newer migrations, in order, on open."""
    SQLiteStore(db).close()
    later = (
        ("CREATE TABLE extra (value TEXT)", "INSERT INTO extra VALUES ('v2')"),
        ("INSERT INTO extra VALUES ('v3')",),
    )
    monkeypatch.setattr(sqlite_module, "MIGRATIONS", (*sqlite_module.MIGRATIONS, *later))
    with SQLiteStore(db) as store:
        assert store.schema_version == len(sqlite_module.MIGRATIONS)
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT value FROM extra").fetchall() == [("v2",), ("v3",)]


def test_failing_migration_leaves_the_file_as_it_was(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A migration that fails is rolled back whole and reported as a StoreError."""
    SQLiteStore(db).close()
    version = len(sqlite_module.MIGRATIONS)
    broken = ("CREATE TABLE half (x)", "THIS IS NOT SQL")
    monkeypatch.setattr(sqlite_module, "MIGRATIONS", (*sqlite_module.MIGRATIONS, broken))
    with pytest.raises(StoreError, match=f"schema version {version + 1}"):
        SQLiteStore(db)
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == version
        assert conn.execute("SELECT name FROM sqlite_master WHERE name = 'half'").fetchall() == []


def test_newer_schema_version_is_refused(db: Path) -> None:
    """A file written by a newer curator-export is not opened, and the message says why."""
    SQLiteStore(db).close()
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA user_version = 99")
    with pytest.raises(StoreError, match="schema version 99, newer than"):
        SQLiteStore(db)


def test_a_file_that_is_not_sqlite_is_refused(tmp_path: Path) -> None:
    """Opening a file that is not a SQLite database raises StoreError naming the path."""
    path = tmp_path / "notes.db"
    path.write_bytes(b"these are my notes, not a database" * 100)
    with pytest.raises(StoreError, match="not a SQLite database") as caught:
        SQLiteStore(path)
    assert str(path) in str(caught.value)


def test_another_applications_database_is_refused(tmp_path: Path) -> None:
    """A SQLite file of some other program is neither opened nor migrated."""
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE sessions (x)")
    with pytest.raises(StoreError, match="another application"):
        SQLiteStore(path)


def test_a_folder_cannot_be_a_store(tmp_path: Path) -> None:
    """A path that cannot be opened as a file raises StoreError, not a driver error."""
    with pytest.raises(StoreError, match=str(tmp_path)):
        SQLiteStore(tmp_path)


def test_sqlite_store_satisfies_the_protocol(store: SQLiteStore) -> None:
    """SQLiteStore is a SessionStore, as the batch engine expects."""
    assert isinstance(store, SessionStore)


def test_in_memory_store_works() -> None:
    """':memory:' gives a working throwaway store."""
    with SQLiteStore(":memory:") as store:
        store.upsert_session(session("s1"))
        assert store.session_ids() == ["s1"]


# -- reading ---------------------------------------------------------------------------------


def test_load_sessions_returns_requested_order_with_items_and_assets(store: SQLiteStore) -> None:
    """Sessions come back in the order asked, items by position, assets by written path."""
    figure = asset("fig/a.png", b"\x89PNG...")
    store.upsert_session(
        session("s1", bodies=("one", "two", "three"), assets={"fig/a.png": figure})
    )
    store.upsert_session(session("s2"))
    s2, s1 = store.load_sessions(["s2", "s1"])
    assert (s2.id, s1.id) == ("s2", "s1")
    assert [item.body for item in s1.items] == ["one", "two", "three"]
    assert s1.items[1].content_type is ContentType.WORKSHEET
    assert s1.metadata == {"minutes": 30}
    assert s1.assets == {"fig/a.png": figure}
    assert s1 == session("s1", bodies=("one", "two", "three"), assets={"fig/a.png": figure})


def test_load_sessions_without_assets(store: SQLiteStore) -> None:
    """with_assets=False skips the asset bytes."""
    store.upsert_session(session("s1", assets={"a.png": asset("a.png", b"x")}))
    (loaded,) = store.load_sessions(["s1"], with_assets=False)
    assert loaded.assets == {}
    assert len(loaded.items) == 1


def test_missing_ids_are_all_listed(store: SQLiteStore) -> None:
    """Asking for unknown sessions names every missing id, not just the first."""
    store.upsert_session(session("s1"))
    with pytest.raises(SessionNotFoundError) as caught:
        store.load_sessions(["nope", "s1", "gone", "nope"])
    assert caught.value.missing == ["nope", "gone"]
    assert "'gone'" in str(caught.value)


def _fill(store: SQLiteStore, count: int) -> list[str]:
    with store.transaction():
        for number in range(count):
            store.upsert_session(session(f"s{number:05}", bodies=("a", "b")))
    return [f"s{number:05}" for number in range(count)]


def _statements_to_load(store: SQLiteStore, ids: list[str]) -> tuple[int, list[Session]]:
    statements: list[str] = []
    store._conn.set_trace_callback(statements.append)
    try:
        loaded = store.load_sessions(ids)
    finally:
        store._conn.set_trace_callback(None)
    return len(statements), loaded


def test_load_sessions_is_one_batched_read(store: SQLiteStore) -> None:
    """Loading 1000 sessions takes as many SQL statements as loading 10 (no N+1)."""
    ids = _fill(store, 1000)
    few, _ = _statements_to_load(store, ids[:10])
    many, loaded = _statements_to_load(store, ids)
    assert few == many <= 3
    assert [s.id for s in loaded] == ids
    assert all(len(s.items) == 2 for s in loaded)


def test_load_ten_thousand_sessions(store: SQLiteStore) -> None:
    """Ten thousand ids load in one go, in order."""
    ids = [f"s{number:05}" for number in range(10_000)]
    # Rows written directly: this test is about reading, and upserting 10,000 takes seconds.
    with store.transaction():
        store._conn.executemany(
            "INSERT INTO sessions (id, title, content_hash, created_at, updated_at)"
            " VALUES (?, ?, '', '', '')",
            [(sid, sid) for sid in ids],
        )
    loaded = store.load_sessions(list(reversed(ids)))
    assert [s.id for s in loaded] == list(reversed(ids))


def test_list_sessions_in_course_then_position_order(store: SQLiteStore) -> None:
    """The listing groups sessions by course, in position order, with item counts and types."""
    store.upsert_course(Course("b-course", "B"))
    store.upsert_course(Course("a-course", "A"))
    store.upsert_session(session("b2", course_id="b-course", position=2))
    store.upsert_session(session("b1", course_id="b-course", position=1, bodies=("x", "y", "z")))
    store.upsert_session(session("a1", course_id="a-course", position=1))
    store.upsert_session(session("loose"))
    summaries = store.list_sessions()
    assert [s.id for s in summaries] == ["a1", "b1", "b2", "loose"]
    assert store.session_ids() == ["a1", "b1", "b2", "loose"]
    b1 = summaries[1]
    assert (b1.course_title, b1.position, b1.item_count) == ("B", 1, 3)
    assert b1.content_types == (
        ContentType.INSTRUCTOR_NOTES,
        ContentType.WORKSHEET,
        ContentType.QUIZ,
    )
    assert summaries[3].course_id is None


def test_load_course_with_pages(store: SQLiteStore) -> None:
    """A course comes back with its description and pages in order."""
    course = Course(
        "c",
        "Course",
        source="https://example.org/c",
        description="About",
        metadata={"lang": "en"},
        pages=(CoursePage("learners/z.md", "Z", "z"), CoursePage("learners/a.md", "A", "a")),
    )
    assert store.upsert_course(course) is Change.CREATED
    assert store.load_course("c") == course
    assert store.load_course("nope") is None


# -- writing ---------------------------------------------------------------------------------


def test_writing_the_same_session_again_changes_no_row(store: SQLiteStore, db: Path) -> None:
    """An identical upsert is a no-op: not even updated_at moves."""
    figure = {"a.png": asset("a.png", b"png")}
    first = store.upsert_session(session("s1", bodies=("a", "b"), assets=figure))
    assert (first.outcome, first.items_created, first.assets_added) == (Change.CREATED, 2, 1)
    before = sqlite_rows(db)
    again = store.upsert_session(session("s1", bodies=("a", "b"), assets=figure))
    assert (again.outcome, again.items_unchanged, again.assets_added) == (Change.UNCHANGED, 2, 0)
    assert sqlite_rows(db) == before


def test_changing_one_item_rewrites_only_that_item(store: SQLiteStore) -> None:
    """An edited item is updated; its unchanged sibling keeps its row and timestamp."""
    store.upsert_session(session("s1", bodies=("a", "b")))
    conn = store._conn
    stamps = dict(conn.execute("SELECT id, updated_at FROM content_items").fetchall())
    change = store.upsert_session(session("s1", bodies=("a", "B!")))
    assert (change.outcome, change.items_updated, change.items_unchanged) == (Change.UPDATED, 1, 1)
    after = dict(conn.execute("SELECT id, updated_at FROM content_items").fetchall())
    assert after["s1/1"] == stamps["s1/1"]
    assert after["s1/2"] != stamps["s1/2"]
    assert [item.body for item in store.load_sessions(["s1"])[0].items] == ["a", "B!"]


def test_dropped_items_and_assets_are_removed(store: SQLiteStore) -> None:
    """Items and assets a session no longer has are deleted, blobs included."""
    store.upsert_session(session("s1", bodies=("a", "b"), assets={"a.png": asset("a.png", b"1")}))
    change = store.upsert_session(session("s1", bodies=("a",)))
    assert (change.items_removed, change.assets_removed) == (1, 1)
    conn = store._conn
    assert conn.execute("SELECT count(*) FROM assets").fetchone()[0] == 0
    assert store.load_sessions(["s1"])[0].assets == {}


def test_shared_asset_blob_is_stored_once(store: SQLiteStore) -> None:
    """Two sessions using the same image share one blob, which stays while either uses it."""
    figure = asset("fig.png", b"same bytes")
    store.upsert_session(session("s1", assets={"fig.png": figure}))
    store.upsert_session(session("s2", assets={"img/fig.png": figure}))
    conn = store._conn
    assert conn.execute("SELECT count(*) FROM assets").fetchone()[0] == 1
    store.upsert_session(session("s1"))
    assert conn.execute("SELECT count(*) FROM assets").fetchone()[0] == 1
    assert store.load_sessions(["s2"])[0].assets["img/fig.png"].data == b"same bytes"


def test_course_upsert_skips_unchanged(store: SQLiteStore) -> None:
    """A course is created, then unchanged, then updated when its pages change."""
    course = Course("c", "Course", pages=(CoursePage("p.md", "P", "body"),))
    assert store.upsert_course(course) is Change.CREATED
    assert store.upsert_course(course) is Change.UNCHANGED
    edited = Course("c", "Course", pages=(CoursePage("p.md", "P", "new body"),))
    assert store.upsert_course(edited) is Change.UPDATED
    assert store.load_course("c") == edited


def test_transaction_rolls_back_everything_on_error(store: SQLiteStore) -> None:
    """An error inside a transaction leaves no partial write behind."""

    def write_two_then_fail() -> None:
        with store.transaction():
            store.upsert_session(session("s1"))
            store.upsert_session(session("s2"))
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        write_two_then_fail()
    assert store.session_ids() == []


def test_duplicate_item_ids_are_refused(store: SQLiteStore) -> None:
    """A session with two items of the same id is a StoreError, not a silent overwrite."""
    item = ContentItem(id="x", session_id="s1", content_type="slides", title="T", body="")
    with pytest.raises(StoreError, match="same id"):
        store.upsert_session(Session(id="s1", title="S", items=(item, item)))
