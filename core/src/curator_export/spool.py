"""Append-only sequences kept as bytes, in memory up to a limit and then in a temporary file.

A batch plans one task per session and gets one result per file. Held as objects, they grow
the parent process by a few kilobytes per session: a course of 10,000 sessions would need
several times the memory of one of 1,000. A ``Spool`` keeps each item as the pickled bytes
of a compact record (``encode`` makes it, ``decode`` turns it back into the item), in memory
up to ``memory_limit`` bytes and then in an anonymous temporary file, so that what stays in
memory is 8 bytes per item. Reading an item decodes a fresh copy: items must be immutable.
"""

from __future__ import annotations

import pickle
import tempfile
import threading
from array import array
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Generic, TypeVar, overload

T = TypeVar("T")

#: Bytes a spool keeps in memory before it moves to a temporary file.
MEMORY_LIMIT = 1 << 20
#: Items read at once when iterating.
_READ_AHEAD = 256


def _same(item: Any) -> Any:
    return item


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
        # Closed by close() or with the spool: it lives as long as the spool, not a block.
        self._file = tempfile.SpooledTemporaryFile(  # noqa: SIM115
            max_size=MEMORY_LIMIT if memory_limit is None else memory_limit,
            prefix="curator-spool-",
        )
        self._offsets = array("Q")
        self._end = 0
        self._at_end = True  # the file's position is its end: no seek before a write
        self._lock = threading.Lock()

    def append(self, item: T) -> int:
        """Add ``item`` at the end; its index."""
        data = pickle.dumps(self._encode(item), pickle.HIGHEST_PROTOCOL)
        with self._lock:
            if not self._at_end:
                self._file.seek(self._end)
                self._at_end = True
            self._file.write(data)
            self._offsets.append(self._end)
            self._end += len(data)
            return len(self._offsets) - 1

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
