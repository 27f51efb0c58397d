"""Append-only sequences kept as bytes, in memory up to a limit and then in a temporary file.

A batch plans one task per session and gets one result per file. Held as objects, they grow
the parent process by a few kilobytes per session: a course of 10,000 sessions would need
several times the memory of one of 1,000. A ``Spool`` keeps each item as the pickled bytes
of a compact record (``encode`` makes it, ``decode`` turns it back into the item), in memory
up to ``memory_limit`` bytes and then in an anonymous temporary file, so that what stays in
memory is 8 bytes per item. When the temporary folder cannot take the file (full, read-only),
the spool says so in the log and keeps its items in memory: larger, but nothing is lost.
Reading an item decodes a fresh copy: items must be immutable.
"""

from __future__ import annotations

import io
import pickle
import sys
import tempfile
import threading
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, BinaryIO, Generic, TypeVar, overload

from curator_export.logging import get_logger

T = TypeVar("T")

log = get_logger(__name__)

#: Bytes a spool keeps in memory before it moves to a temporary file.
MEMORY_LIMIT = 1 << 20
#: Items read at once when iterating.
_READ_AHEAD = 256


def _same(item: Any) -> Any:
    return item


def _write_all(file: BinaryIO, data: bytes | memoryview) -> None:
    """``file.write`` until all of ``data`` is written (an unbuffered write may do part)."""
    view = memoryview(data)
    while view:
        written = file.write(view)
        if written is None:  # a non-blocking file; temporary files never are
            raise OSError("the temporary file took nothing")
        view = view[written:]


def same_items(items: Sequence[Any], other: object) -> bool | None:
    """``items == other`` as for a list: equal to any sequence (not a string) of equal items;
    None when ``other`` is no such sequence (``__eq__`` says NotImplemented)."""
    if not isinstance(other, Sequence) or isinstance(other, str | bytes):
        return None
    return len(items) == len(other) and all(a == b for a, b in zip(items, other, strict=True))


class Spool(Sequence[T], Generic[T]):
    """An append-only ``Sequence`` whose items live as pickled records, not objects.

    Safe to use from several threads (one lock around the file). Pickling a spool gives a
    list: the temporary file stays with the process that made it.
    """

    def __init__(
        self,
        encode: Callable[[T], Any] = _same,
        decode: Callable[[Any], T] = _same,
        *,
        memory_limit: int | None = None,
    ) -> None:
        self._encode = encode
        self._decode = decode
        self._limit = MEMORY_LIMIT if memory_limit is None else memory_limit
        self._file: BinaryIO = io.BytesIO()
        self._on_disk = False
        self._offsets = array("Q")
        self._end = 0
        self._at_end = True  # the file's position is its end: no seek before a write
        self._lock = threading.Lock()

    def append(self, item: T) -> int:
        """Add ``item`` at the end; its index."""
        data = pickle.dumps(self._encode(item), pickle.HIGHEST_PROTOCOL)
        with self._lock:
            self._write(data)
            self._offsets.append(self._end)
            self._end += len(data)
            return len(self._offsets) - 1

    def _write(self, data: bytes) -> None:
        if not self._on_disk and self._end + len(data) > self._limit:
            self._move_to_disk()
        if not self._at_end:
            self._file.seek(self._end)
            self._at_end = True
        try:
            _write_all(self._file, data)
        except OSError as exc:
            if not self._on_disk:
                raise
            # A full or failing temporary folder must not cost the batch its results.
            self._back_to_memory(exc)
            _write_all(self._file, data)

    def _move_to_disk(self) -> None:
        try:
            # Unbuffered: a write that fails has failed, not been left in a buffer. Closed
            # by close() or with the spool, which it lives as long as.
            disk = tempfile.TemporaryFile(  # noqa: SIM115
                prefix="curator-spool-", buffering=0
            )
        except OSError as exc:
            self._stay_in_memory("no temporary file could be made", exc)
            return
        try:
            assert isinstance(self._file, io.BytesIO)
            with self._file.getbuffer() as held:
                _write_all(disk, held[: self._end])
        except OSError as exc:
            disk.close()
            self._stay_in_memory("the temporary file could not be written", exc)
            return
        self._file, self._on_disk, self._at_end = disk, True, True

    def _back_to_memory(self, exc: OSError) -> None:
        self._file.seek(0)
        held = self._file.read(self._end)
        self._file.close()
        memory = io.BytesIO(held)
        memory.seek(0, io.SEEK_END)  # a write that failed part-way is written again here
        self._file, self._on_disk, self._at_end = memory, False, True
        self._stay_in_memory("writing the temporary file failed", exc)

    def _stay_in_memory(self, why: str, exc: OSError) -> None:
        self._limit = sys.maxsize
        log.warning(f"kept in memory: {why}", folder=tempfile.gettempdir(), error=str(exc))

    def extend(self, items: Iterable[T]) -> None:
        for item in items:
            self.append(item)

    def truncate(self, count: int) -> None:
        """Keep the first ``count`` items only (what a step that failed half-way added goes)."""
        with self._lock:
            if count >= len(self._offsets):
                return
            self._end = self._offsets[count]
            del self._offsets[count:]
            self._file.seek(self._end)
            self._file.truncate()
            self._at_end = True

    def __len__(self) -> int:
        return len(self._offsets)

    @overload
    def __getitem__(self, index: int) -> T: ...

    @overload
    def __getitem__(self, index: slice) -> list[T]: ...

    def __getitem__(self, index: int | slice) -> T | list[T]:
        if isinstance(index, slice):
            return [self[position] for position in range(*index.indices(len(self)))]
        count = len(self._offsets)
        if index < 0:
            index += count
        if not 0 <= index < count:
            raise IndexError("spool index out of range")
        return self._read(index, index + 1)[0]

    def __iter__(self) -> Iterator[T]:
        # Items appended while iterating are included.
        start = 0
        while start < len(self._offsets):
            stop = min(start + _READ_AHEAD, len(self._offsets))
            yield from self._read(start, stop)
            start = stop

    def _read(self, start: int, stop: int) -> list[T]:
        """Items ``start`` to ``stop`` (exclusive) with one read."""
        with self._lock:
            offsets = self._offsets
            first = offsets[start]
            last = offsets[stop] if stop < len(offsets) else self._end
            self._file.seek(first)
            self._at_end = False
            data = memoryview(self._file.read(last - first))
        ends = [*offsets[start + 1 : stop], last]
        items, position = [], first
        for end in ends:
            items.append(self._decode(pickle.loads(data[position - first : end - first])))
            position = end
        return items

    def close(self) -> None:
        """Free the memory or the temporary file; the spool is empty afterwards."""
        with self._lock:
            self._file.close()
            self._file, self._on_disk, self._at_end = io.BytesIO(), False, True
            self._offsets = array("Q")
            self._end = 0

    def __eq__(self, other: object) -> bool:
        equal = same_items(self, other)
        return NotImplemented if equal is None else equal

    __hash__ = None  # type: ignore[assignment]  # equal to a list, and mutable like one

    def __reduce__(self) -> tuple[type[list[T]], tuple[list[T]]]:
        return list, (list(self),)

    def __repr__(self) -> str:
        return f"<Spool of {len(self)} items, {self._end} bytes>"


__all__ = ["MEMORY_LIMIT", "Spool", "same_items"]
