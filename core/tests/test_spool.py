"""Spools and the result log: what a batch keeps of its tasks and results, as bytes."""

from __future__ import annotations

import errno
import logging
import os
import pickle
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

import attrs
import pytest

from curator_export.model import ErrorKind, ExportResult, ExportStatus, JobResult
from curator_export.results import ResultLog, result_from_record, result_record
from curator_export.spool import Spool


def test_a_spool_is_a_sequence_of_what_was_appended():
    spool: Spool[tuple[int, str]] = Spool()
    items = [(number, f"item {number}") for number in range(1000)]
    for item in items:
        spool.append(item)
    assert len(spool) == 1000
    assert spool[0] == (0, "item 0")
    assert spool[-1] == (999, "item 999")
    assert spool[10:13] == items[10:13]
    assert spool[::250] == items[::250]
    assert list(spool) == items
    assert spool == items
    assert spool != items[:-1]
    assert spool != 3
    assert spool != "item"
    assert list(reversed(spool))[:2] == [(999, "item 999"), (998, "item 998")]
    assert spool.index((500, "item 500")) == 500
    with pytest.raises(IndexError):
        spool[1000]
    with pytest.raises(IndexError):
        spool[-1001]


def test_reading_and_appending_can_interleave():
    spool: Spool[int] = Spool()
    spool.append(1)
    seen = []
    for item in spool:
        seen.append(item)
        if item < 600:  # appended while iterating: read too
            spool.append(item + 1)
        assert spool[0] == 1  # a read in between does not disturb the next write
    assert seen == list(range(1, 601))


def test_items_go_through_the_codec_and_come_back_as_new_objects():
    encoded = []

    def encode(item: dict[str, int]) -> tuple[int, ...]:
        encoded.append(item)
        return tuple(item.values())

    def decode(values: tuple[int, ...]) -> dict[str, int]:
        return dict(zip("ab", values, strict=True))

    spool: Spool[dict[str, int]] = Spool(encode, decode)
    original = {"a": 1, "b": 2}
    spool.append(original)
    assert encoded == [original]
    assert spool[0] == original
    assert spool[0] is not original


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/fd")
def test_past_its_memory_limit_a_spool_moves_to_an_unlinked_temporary_file():
    def spool_files() -> list[str]:
        """Open files in the temporary folder (O_TMPFILE ones have no name of their own)."""
        found = []
        for fd in os.listdir("/proc/self/fd"):
            try:
                target = os.readlink(f"/proc/self/fd/{fd}")
            except OSError:
                continue
            if target.startswith(tempfile.gettempdir()):
                found.append(target)
        return found

    before = spool_files()
    spool: Spool[bytes] = Spool(memory_limit=10_000)
    spool.append(b"x" * 100)
    assert spool_files() == before  # small: kept in memory
    for number in range(200):
        spool.append(bytes([number % 256]) * 100)
    opened = [name for name in spool_files() if name not in before]
    assert len(opened) == 1
    assert opened[0].endswith("(deleted)")  # nothing left behind on disk
    assert spool[150] == bytes([149]) * 100
    assert len(spool) == 201
    spool.close()
    assert spool_files() == before
    assert len(spool) == 0


def test_a_spool_stays_in_memory_when_no_temporary_file_can_be_made(monkeypatch, caplog):
    def full(*args, **options):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(tempfile, "TemporaryFile", full)
    spool: Spool[int] = Spool(memory_limit=100)
    with caplog.at_level(logging.WARNING):
        spool.extend(range(500))
    assert list(spool) == list(range(500))
    assert "no temporary file could be made" in caplog.text
    assert "No space left on device" in caplog.text


class FillsUp:
    """A temporary file on a disk that is full after ``room`` bytes."""

    def __init__(self, file: Any, room: int) -> None:
        self.file = file
        self.room = room

    def write(self, data: bytes) -> int:
        if len(data) > self.room:
            written = self.file.write(memoryview(data)[: self.room])  # a partial write
            self.room = 0
            if written:
                return written
            raise OSError(errno.ENOSPC, "No space left on device")
        self.room -= len(data)
        return self.file.write(data)

    def __getattr__(self, name: str) -> object:
        return getattr(self.file, name)


def test_a_temporary_file_that_fills_up_moves_the_spool_back_to_memory(monkeypatch, caplog):
    made: list[FillsUp] = []
    real = tempfile.TemporaryFile

    def filling(*args, **options):
        made.append(FillsUp(real(*args, **options), room=3_000))
        return made[-1]

    monkeypatch.setattr(tempfile, "TemporaryFile", filling)
    spool: Spool[str] = Spool(memory_limit=500)
    words = [f"word number {number}" for number in range(400)]
    with caplog.at_level(logging.WARNING):
        for position, word in enumerate(words):
            spool.append(word)
            assert spool[position // 2] == words[position // 2]  # reads move the position
    assert len(made) == 1  # on disk once, back in memory when it filled up; not again
    assert list(spool) == words
    spool.truncate(10)
    spool.append("after")
    assert list(spool) == [*words[:10], "after"]
    assert "writing the temporary file failed" in caplog.text


def test_truncate_forgets_the_last_items_and_appends_after_what_is_kept():
    spool: Spool[str] = Spool(memory_limit=64)
    for word in ("one", "two", "three", "four"):
        spool.append(word)
    spool.truncate(2)
    assert list(spool) == ["one", "two"]
    spool.append("five")
    assert list(spool) == ["one", "two", "five"]
    spool.truncate(10)  # more than it holds: nothing goes
    assert len(spool) == 3


def test_many_threads_appending_and_reading_lose_nothing():
    spool: Spool[tuple[int, int]] = Spool(memory_limit=4096)

    def work(thread: int) -> None:
        for number in range(500):
            spool.append((thread, number))
            assert spool[0][1] == 0

    threads = [threading.Thread(target=work, args=(thread,)) for thread in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(spool) == [(thread, number) for thread in range(4) for number in range(500)]


def test_a_spool_pickles_as_a_list():
    spool: Spool[int] = Spool()
    spool.append(3)
    spool.append(4)
    copy = pickle.loads(pickle.dumps(spool))
    assert copy == [3, 4]
    assert isinstance(copy, list)


def every_field_set(**changes: object) -> ExportResult:
    values: dict[str, object] = {
        "job_id": "j",
        "format": "html",
        "session_ids": ("s1", "s2"),
        "status": ExportStatus.FAILED,
        "path": Path("/out/s1.html"),
        "size": 12,
        "sha256": "ab" * 32,
        "error": "it broke",
        "error_kind": ErrorKind.WRITER_ERROR,
        "warnings": ("careful",),
        "duration_seconds": 1.5,
        "attempts": 3,
        "companions": (Path("/out/fig/a.png"),),
        "reused_from": "batch-1",
        "annotations": {"upload": {"status": "uploaded"}},
    }
    values.update(changes)
    return ExportResult(**values)  # type: ignore[arg-type]


def test_a_result_survives_its_record_with_every_field():
    result = every_field_set()
    assert result_from_record(pickle.loads(pickle.dumps(result_record(result)))) == result


def test_a_result_comes_back_from_the_log_with_every_field_and_its_paths_as_paths():
    log = ResultLog({"j": range(0, 2)})
    with_everything, without_path = every_field_set(), every_field_set(path=None, companions=())
    log.add(with_everything, 0, "key")
    log.add(without_path, 1)
    first, second = log.of("j")
    assert (first, second) == (with_everything, without_path)
    assert isinstance(first.path, Path)
    assert all(isinstance(companion, Path) for companion in first.companions)


def result(session: str, fmt: str = "html", status: str = "succeeded", job: str = "j"):
    return ExportResult(
        job_id=job,
        format=fmt,
        session_ids=(session,),
        status=ExportStatus(status),
        path=Path(f"/out/{session}.{fmt}"),
    )


def test_the_log_gives_each_job_its_results_in_plan_order():
    log = ResultLog({"a": range(0, 4), "b": range(4, 6)})
    arrivals = [
        (result("s2", "md", job="a"), 3, "key-3"),
        (result("x1", job="b"), 4, None),
        (result("s1", job="a", status="failed"), 0, None),
        (result("s2", job="a"), 2, "key-2"),
        (result("s1", "md", job="a"), 1, "key-1"),
    ]
    for found, position, key in arrivals:
        log.add(found, position, key)
    exports = log.of("a")
    assert [(r.session_ids[0], r.format) for r in exports] == [
        ("s1", "html"),
        ("s1", "md"),
        ("s2", "html"),
        ("s2", "md"),
    ]
    assert [key for _, key in exports.keyed()] == [None, "key-1", "key-2", "key-3"]
    assert exports == [arrivals[2][0], arrivals[4][0], arrivals[3][0], arrivals[0][0]]
    assert exports[1:3] == [arrivals[4][0], arrivals[3][0]]
    assert log.of("b") == [arrivals[1][0]]
    assert log.of("unknown") == []
    assert list(log) == [found for found, _, _ in arrivals]  # the order recorded
    assert pickle.loads(pickle.dumps(exports)) == list(exports)


def test_results_the_plan_did_not_name_are_kept_after_the_planned_ones():
    log = ResultLog({"a": range(0, 2)})
    log.add(result("s1", job="a"), 1)
    log.add(result("s9", job="a"), None)  # no position
    log.add(result("s8", job="a"), 7)  # another job's position
    log.add(result("s7", job="a"), 1)  # a second result for one position
    log.add(result("z", job="other"), 0)  # a job the plan does not know
    assert [r.session_ids[0] for r in log.of("a")] == ["s1", "s9", "s8", "s7"]
    assert [r.session_ids[0] for r in log.of("other")] == ["z"]


def test_job_counts_come_from_the_statuses_the_log_keeps():
    log = ResultLog({"a": range(0, 4)})
    for position, status in enumerate(("succeeded", "unchanged", "succeeded", "skipped")):
        log.add(result(f"s{position}", job="a", status=status), position)
    job = JobResult("a", log.of("a"))
    assert (job.files_created, job.files_unchanged, job.success) == (2, 1, True)
    assert job.total_size == 0  # results without sizes
    log.add(result("s9", job="a", status="cancelled"), None)
    assert JobResult("a", log.of("a")).success is False
    plain = JobResult("a", list(log.of("a")))  # the same from a list of results
    assert (plain.files_created, plain.files_unchanged, plain.success) == (2, 1, False)


def test_a_jobs_total_size_counts_the_files_written_now():
    log = ResultLog({"a": range(0, 3)})
    sizes = {"succeeded": 100, "unchanged": 40, "failed": None}
    for position, (status, size) in enumerate(sizes.items()):
        found = attrs.evolve(result(f"s{position}", job="a", status=status), size=size)
        log.add(found, position)
    log.add(attrs.evolve(result("s9", job="a"), size=7), None)
    assert JobResult("a", log.of("a")).total_size == 107
    assert JobResult("a", list(log.of("a"))).total_size == 107
