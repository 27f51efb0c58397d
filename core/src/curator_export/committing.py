"""Committing the files workers staged: made durable in groups, off the render path.

A durable write spends most of its time waiting for the disk, and an fsync per file also
stalls every other file operation on the same file system while the journal commits. Workers
of the built-in executors only stage their outputs (``staging.stage_file``); this process
commits them in groups from one background thread: one ``syncfs`` for a whole group (Linux),
then each file moved into place, then one fsync per folder. An export's result is recorded
only once its file is committed, so what progress, hooks and the manifest report is in place
and durable.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence

import attrs

from curator_export.errors import DiskFullError, OutputError, OutputExistsError
from curator_export.logging import get_logger
from curator_export.model import ErrorKind, ExportResult, ExportStatus
from curator_export.staging import Commit, StagingArea, commit_staged

log = get_logger(__name__)

#: The longest a staged file waits for its group, in seconds: what a result may lag behind
#: its worker. Longer groups cost less (one disk flush each) but report later.
GROUP_SECONDS = 0.25
#: A group goes at once when this many files wait.
GROUP_FILES = 256


@attrs.frozen
class _Staged:
    result: ExportResult | None  # None for figures a dead worker left (``submit_leftovers``)
    commits: tuple[Commit, ...]  # companions first, the output last


class Committer:
    """Commits staged outputs in groups from a background thread.

    ``submit`` hands over a succeeded result whose files are staged; ``finished`` and
    ``wait`` give results back once committed, as they were or failed with the reason.
    """

    def __init__(
        self,
        area: StagingArea,
        *,
        group_seconds: float = GROUP_SECONDS,
        group_files: int = GROUP_FILES,
    ) -> None:
        self.area = area
        self.group_seconds = group_seconds
        self.group_files = group_files
        self._changed = threading.Condition()
        self._waiting: list[_Staged] = []
        self._oldest = 0.0
        self._committing = 0
        self._committed: list[ExportResult] = []
        self._hurry = False
        self._closed = False
        self._thread = threading.Thread(target=self._loop, name="curator-export-commit")
        self._thread.start()

    def submit(self, result: ExportResult, *, overwrite: bool) -> None:
        """Commit the staged files of ``result`` (a succeeded export with a path)."""
        assert result.path is not None
        companions = tuple(
            Commit(path, self.area.staged_path(path, shared=True), shared=True)
            for path in result.companions
        )
        output = Commit(
            result.path,
            self.area.staged_path(result.path),
            overwrite=overwrite,
            requires=result.companions,
        )
        self._add(_Staged(result, (*companions, output)))

    def submit_leftovers(self, commits: Sequence[Commit]) -> None:
        """Commit shared files that a worker staged before it died (no result of their own)."""
        for commit in commits:
            self._add(_Staged(None, (commit,)))

    def finished(self) -> list[ExportResult]:
        """The results committed since the last call, successful or not."""
        with self._changed:
            committed, self._committed = self._committed, []
        return committed

    def wait(self) -> list[ExportResult]:
        """Commit everything handed over now; the results not yet returned by ``finished``."""
        with self._changed:
            self._hurry = True
            self._changed.notify_all()
            self._changed.wait_for(lambda: not self._waiting and not self._committing)
            self._hurry = False
        return self.finished()

    def close(self) -> None:
        """Commit what is staged (a staged file is complete: it is not dropped) and stop."""
        with self._changed:
            self._closed = True
            self._changed.notify_all()
        self._thread.join()

    def _add(self, staged: _Staged) -> None:
        with self._changed:
            if self._closed:
                raise RuntimeError("the committer is closed")
            if not self._waiting:
                self._oldest = time.monotonic()
            self._waiting.append(staged)
            if len(self._waiting) >= self.group_files:
                self._changed.notify_all()

    def _due(self) -> bool:
        if not self._waiting:
            return False
        return (
            self._hurry
            or self._closed
            or len(self._waiting) >= self.group_files
            or time.monotonic() - self._oldest >= self.group_seconds
        )

    def _loop(self) -> None:
        while True:
            with self._changed:
                while not self._due():
                    if self._closed and not self._waiting:
                        return
                    wait = self.group_seconds
                    if self._waiting:
                        wait = max(0.0, self._oldest + self.group_seconds - time.monotonic())
                    self._changed.wait(wait)
                group, self._waiting = self._waiting, []
                self._committing = len(group)
            committed = _commit_group(group)
            with self._changed:
                self._committed += committed
                self._committing = 0
                self._changed.notify_all()


def _commit_group(group: Sequence[_Staged]) -> list[ExportResult]:
    commits = [commit for staged in group for commit in staged.commits]
    try:
        errors = commit_staged(commits)
    except Exception as exc:  # a bug here must not lose the batch's results
        log.error("committing staged files failed", error=repr(exc))
        errors = [OutputError(commit.path, f"commit failed: {exc!r}") for commit in commits]
    results = []
    position = 0
    for staged in group:
        mine = errors[position : position + len(staged.commits)]
        position += len(staged.commits)
        error = mine[-1]  # the output's own; a failed companion fails it too
        if staged.result is not None:
            results.append(staged.result if error is None else _failed(staged.result, error))
    return results


def _failed(result: ExportResult, error: OutputError) -> ExportResult:
    if isinstance(error, OutputExistsError):
        kind, message = ErrorKind.CONFLICT, str(error)
    elif isinstance(error, DiskFullError):
        kind, message = ErrorKind.DISK_FULL, str(error)
    else:
        kind, message = ErrorKind.OUTPUT_ERROR, f"OutputError: {error}"
    return attrs.evolve(
        result, status=ExportStatus.FAILED, error=message, error_kind=kind, size=None, sha256=None
    )
