"""A batch's results, spooled as they are recorded and read back per job in plan order.

A result arrives when its file is committed, in an order a pool shuffles; each has its place
in the plan (``PlannedName.position``). ``ResultLog`` keeps the results in a ``Spool`` and,
in memory, only where each one is and its status: a batch of many files keeps a few bytes
per file, and ``JobExports`` (a job's ``JobResult.exports``) reads them back in plan order.
"""

from __future__ import annotations

import operator
import os
from array import array
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, overload

import attrs

from curator_export.model import ExportResult, ExportStatus
from curator_export.spool import Spool, same_items

_FIELDS = tuple(field.name for field in attrs.fields(ExportResult))
_STATUSES = tuple(ExportStatus)
_STATUS_CODES = {status: code for code, status in enumerate(_STATUSES)}
_NOWHERE = -1

#: An ``ExportResult`` as the tuple of its fields, in the order ``ExportResult`` takes them.
result_record = operator.attrgetter(*_FIELDS)


def result_from_record(record: tuple[Any, ...]) -> ExportResult:
    return ExportResult(*record)


_PATH = _FIELDS.index("path")
_COMPANIONS = _FIELDS.index("companions")


def _encode(entry: tuple[ExportResult, str | None]) -> tuple[Any, ...]:
    # Paths as strings: a pickled Path is rebuilt from its parts, which costs twice as much
    # as parsing the string, and a batch reads its results back twice (manifest, ledger).
    result, key = entry
    fields = list(result_record(result))
    fields[_PATH] = None if result.path is None else os.fspath(result.path)
    fields[_COMPANIONS] = tuple(map(os.fspath, result.companions))
    return tuple(fields), key


def _decode(record: tuple[Any, ...]) -> tuple[ExportResult, str | None]:
    fields, key = record
    if fields[_PATH] is not None:
        fields = (*fields[:_PATH], Path(fields[_PATH]), *fields[_PATH + 1 :])
    return result_from_record(fields), key  # the companions' converter makes them Paths


class ResultLog:
    """Every result of one batch, with the key of each file it wrote (for the ledger)."""

    def __init__(self, job_outputs: Mapping[str, range]) -> None:
        self._entries: Spool[tuple[ExportResult, str | None]] = Spool(_encode, _decode)
        self._job_outputs = job_outputs
        total = max((positions.stop for positions in job_outputs.values()), default=0)
        self._at = array("q", [_NOWHERE]) * total  # position -> index in _entries
        self._unplanned: dict[str, array[int]] = {}  # results of no planned position, by job
        self._statuses = bytearray()
        self._sizes = array("q")  # of each file written now; 0 for any other result

    def add(self, result: ExportResult, position: int | None, key: str | None = None) -> None:
        """Keep ``result``: the output planned at ``position``, or one no plan named."""
        index = self._entries.append((result, key))
        self._statuses.append(_STATUS_CODES[result.status])
        made = result.status is ExportStatus.SUCCEEDED
        self._sizes.append((result.size or 0) if made else 0)
        planned = self._job_outputs.get(result.job_id, range(0))
        # A second result for one position (there should be none) is kept, not lost.
        if position is not None and position in planned and self._at[position] == _NOWHERE:
            self._at[position] = index
            return
        self._unplanned.setdefault(result.job_id, array("q")).append(index)

    def of(self, job_id: str) -> JobExports:
        """The results of one job, in plan order (then any the plan did not name)."""
        planned = self._job_outputs.get(job_id, range(0))
        at = self._at[planned.start : planned.stop]
        indexes = array("q", (index for index in at if index != _NOWHERE))
        indexes += self._unplanned.get(job_id, array("q"))
        return JobExports(self, indexes)

    def __iter__(self) -> Iterator[ExportResult]:
        """Every result, in the order recorded."""
        return (result for result, _ in self._entries)

    def _entry(self, index: int) -> tuple[ExportResult, str | None]:
        return self._entries[index]

    def _status(self, index: int) -> ExportStatus:
        return _STATUSES[self._statuses[index]]

    def _size(self, index: int) -> int:
        return self._sizes[index]


class JobExports(Sequence[ExportResult]):
    """One job's results, read from its batch's ``ResultLog`` (a ``JobResult.exports``).

    Equal to a list of the same results; pickles as one.
    """

    def __init__(self, log: ResultLog, indexes: array[int]) -> None:
        self._log = log
        self._indexes = indexes

    def __len__(self) -> int:
        return len(self._indexes)

    @overload
    def __getitem__(self, index: int) -> ExportResult: ...

    @overload
    def __getitem__(self, index: slice) -> list[ExportResult]: ...

    def __getitem__(self, index: int | slice) -> ExportResult | list[ExportResult]:
        if isinstance(index, slice):
            return [self._log._entry(i)[0] for i in self._indexes[index]]
        return self._log._entry(self._indexes[index])[0]

    def __iter__(self) -> Iterator[ExportResult]:
        for index in self._indexes:
            yield self._log._entry(index)[0]

    def keyed(self) -> Iterator[tuple[ExportResult, str | None]]:
        """Each result with the key of the file it wrote (None when it wrote none)."""
        for index in self._indexes:
            yield self._log._entry(index)

    def statuses(self) -> Counter[ExportStatus]:
        """How many results have each status, without reading them."""
        return Counter(self._log._status(index) for index in self._indexes)

    def total_size(self) -> int:
        """Bytes of the files written (succeeded results), without reading them."""
        return sum(self._log._size(index) for index in self._indexes)

    def __eq__(self, other: object) -> bool:
        equal = same_items(self, other)
        return NotImplemented if equal is None else equal

    __hash__ = None  # type: ignore[assignment]

    def __reduce__(self) -> tuple[type[list[ExportResult]], tuple[list[ExportResult]]]:
        return list, (list(self),)

    def __repr__(self) -> str:
        return repr(list(self))


__all__ = ["JobExports", "ResultLog", "result_from_record", "result_record"]
