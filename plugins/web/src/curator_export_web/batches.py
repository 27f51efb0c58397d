"""Batches the service runs: each in its own thread and folder, watched as a list of events.

A ``BatchRun`` wraps one ``BatchExportManager`` (the core's engine, with its guarantees:
atomic files, the manifest, cancel) running in a thread of its own, with its own store
connection (a SQLite connection serves one thread at a time). What happens is appended to
an ordered list of messages (``progress``, ``export``, ``end``); server-sent event streams
read that list from any position, so a client that reconnects misses nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import attrs

from curator_export.archive import write_zip
from curator_export.batch import BatchExportManager
from curator_export.errors import CuratorExportError
from curator_export.logging import get_logger
from curator_export.model import (
    BatchExportJob,
    BatchExportOptions,
    BatchExportResult,
    BatchProgress,
    ExportResult,
    ExportStatus,
)
from curator_export.plugins import PluginHost
from curator_export.store import SQLiteStore
from curator_export_web.confine import inside
from curator_export_web.payloads import (
    download_url,
    progress_payload,
    relative_to,
    web_export_payload,
    web_result_payload,
)
from curator_export_web.retention import earlier_folders, remove_batch_folders, stale_batches

log = get_logger(__name__)

#: A batch's status until it ends "completed", "failed", "interrupted" or "error" (raised).
RUNNING = "running"


@attrs.frozen
class Message:
    """One server-sent event: its position in the batch's list is its id."""

    event: str
    data: dict[str, Any]


class BatchRun:
    """One batch: its folder, its thread, its messages, its result and its files."""

    def __init__(
        self,
        batch_id: str,
        folder: Path,
        jobs: Sequence[BatchExportJob],
        options: BatchExportOptions,
        *,
        store_path: Path,
        host: PluginHost,
        on_end: Callable[[BatchRun], None] | None = None,
    ) -> None:
        self.batch_id = batch_id
        self.folder = folder
        self.jobs = tuple(jobs)
        self.options = options
        self.created_at = datetime.now(UTC)
        self.status = RUNNING
        self.error: str | None = None
        self.result: dict[str, Any] | None = None
        self.messages: list[Message] = []
        #: Downloadable files: relative path (as in the links) -> file.
        self.files: dict[str, Path] = {}
        self._store_path = store_path
        self._host = host
        self._manager: BatchExportManager | None = None
        self._cancel_reason: str | None = None
        self._ended = False
        #: Called once in the event loop after the ``end`` message (see ``_wake``).
        self._on_end = on_end
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name=f"batch-{batch_id}", daemon=True)
        self._loop = asyncio.get_running_loop()
        self._changed = asyncio.Event()

    # -- the batch thread ----------------------------------------------------------------

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        try:
            with SQLiteStore(self._store_path) as store:
                manager = BatchExportManager(store, host=self._host)
                manager.with_progress_tracking(self._progress)
                manager.with_export_tracking(self._export)
                self._manager = manager
                result = manager.execute_batch_export(self.jobs, self.options)
            self._finish(result, manager)
        except Exception as exc:  # the thread must report, whatever happened
            log.error("web batch failed", batch=self.batch_id, error=repr(exc))
            self.error = f"{type(exc).__name__}: {exc}"
            self.status = "error"
            self._publish("end", self.summary())

    def _progress(self, event: BatchProgress) -> None:
        # A cancel that came before the manager started planning is applied here: the
        # manager clears its reason when a batch starts, and "planned" comes before any task.
        manager = self._manager
        if self._cancel_reason and manager is not None and manager.cancel_reason is None:
            manager.cancel(self._cancel_reason)
        self._publish("progress", progress_payload(event))

    def _export(self, export: ExportResult) -> None:
        data = web_export_payload(export, self.batch_id, self.folder)
        if export.status in (ExportStatus.SUCCEEDED, ExportStatus.UNCHANGED) and export.path:
            self._allow(export.path, *export.companions)
        self._publish("export", data)

    def _finish(self, result: BatchExportResult, manager: BatchExportManager) -> None:
        self._allow(*result.archive_paths)
        if result.manifest_path is not None:
            self._allow(result.manifest_path)
        self._archive()
        self.result = web_result_payload(result, self.batch_id, self.folder)
        self.status = _status(result, manager)
        self._publish("end", self.summary())

    def _archive(self) -> None:
        """One zip of everything the batch left in its folder, for a single download."""
        members = [(name, path) for name, path in sorted(self.files.items()) if path.is_file()]
        if not members:
            return
        archive = self.folder / f"{self.batch_id}.zip"
        try:
            write_zip(archive, members)
        except (CuratorExportError, OSError) as exc:
            log.error("batch archive not written", batch=self.batch_id, error=str(exc))
            return
        self._allow(archive)

    def _allow(self, *paths: Path) -> None:
        with self._lock:
            for path in paths:
                relative = relative_to(path, self.folder)
                if relative is not None:
                    self.files[relative] = path

    def _publish(self, event: str, data: dict[str, Any]) -> None:
        with self._lock:
            self.messages.append(Message(event, data))
            self._ended = self._ended or event == "end"
        # A closed event loop (the service has stopped) has nobody listening any more.
        with contextlib.suppress(RuntimeError):
            self._loop.call_soon_threadsafe(self._wake)

    # -- the event loop ------------------------------------------------------------------

    def _wake(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()
        if self._ended and self._on_end is not None:
            on_end, self._on_end = self._on_end, None
            on_end(self)

    async def wait_for_messages(self, seen: int, timeout: float) -> bool:
        """Wait until there are more than ``seen`` messages (True) or ``timeout`` passed."""
        changed = self._changed
        if len(self.messages) > seen:
            return True
        try:
            await asyncio.wait_for(changed.wait(), timeout)
        except TimeoutError:
            return False
        return True

    @property
    def ended(self) -> bool:
        """Whether the ``end`` message is out (the status is final before it is sent)."""
        return self._ended

    @property
    def finished(self) -> bool:
        return self.status != RUNNING

    def cancel(self, reason: str = "cancelled") -> None:
        """Stop the batch: no new task starts; running ones are stopped. Safe from a signal
        handler and from any thread."""
        self._cancel_reason = reason
        if self._manager is not None:
            self._manager.cancel(reason)

    def join(self, timeout: float | None = None) -> bool:
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def file(self, relative: str) -> Path | None:
        """A file this batch made, by its path relative to the batch's folder."""
        with self._lock:
            path = self.files.get(relative)
        if path is None or not path.is_file() or not inside(path, self.folder):
            return None
        return path

    def summary(self) -> dict[str, Any]:
        """The batch's state: status, last progress, every export so far, result, files."""
        with self._lock:
            messages = list(self.messages)
            files = sorted(self.files)
        progress = next((m.data for m in reversed(messages) if m.event == "progress"), None)
        zip_name = f"{self.batch_id}.zip"
        return {
            "batchId": self.batch_id,
            "status": self.status,
            "createdAt": self.created_at.isoformat(),
            "jobIds": [job.job_id for job in self.jobs],
            "progress": progress,
            "exports": [m.data for m in messages if m.event == "export"],
            "result": self.result,
            "error": self.error,
            "files": [{"path": name, "url": download_url(self.batch_id, name)} for name in files],
            "zipUrl": download_url(self.batch_id, zip_name) if zip_name in files else None,
        }


def _status(result: BatchExportResult, manager: BatchExportManager) -> str:
    if manager.cancel_reason in ("interrupted", "terminated", "cancelled"):
        return "interrupted"
    return "completed" if result.failed_jobs == 0 else "failed"


def new_batch_id() -> str:
    """Unguessable: a batch's id is what lets a client read its files."""
    return datetime.now(UTC).strftime("%Y%m%d-%H%M%S-") + secrets.token_hex(6)


class TooManyBatchesError(CuratorExportError):
    """The service already runs as many batches as it is configured to."""


class ServiceStoppingError(CuratorExportError):
    """The service is shutting down and starts no new batch."""


class BatchRegistry:
    """Every batch of this service, by id; starts them, cancels them, stops them all."""

    def __init__(
        self,
        output_root: Path,
        store_path: Path,
        host: PluginHost,
        *,
        max_running: int = 4,
        keep_finished: int | None = None,
        make_id: Callable[[], str] = new_batch_id,
    ) -> None:
        self.output_root = output_root
        self.store_path = store_path
        self.host = host
        self.max_running = max_running
        #: Folders of finished batches kept (see ``retention``); None keeps every one.
        self.keep_finished = keep_finished
        self._make_id = make_id
        self.batches: dict[str, BatchRun] = {}
        self.stopping = False
        self._finished: list[str] = []  # batch ids, in the order their batches ended
        self._removing: set[str] = set()  # folders being removed in a thread
        self._removals: set[asyncio.Task[None]] = set()

    def start(self, jobs: Sequence[BatchExportJob], options: BatchExportOptions) -> BatchRun:
        """Start a batch in a new folder of its own; jobs' folders are placed inside it.

        Called in the event loop, which the batch's thread then reports to.
        """
        if self.stopping:
            raise ServiceStoppingError("the service is stopping")
        running = sum(not batch.finished for batch in self.batches.values())
        if running >= self.max_running:
            raise TooManyBatchesError(f"{running} batches are running; try again later")
        batch_id = self._make_id()
        folder = self.output_root / batch_id
        folder.mkdir(parents=True)  # a new id: an existing folder would be a bug, not reused
        placed = [attrs.evolve(job, output_directory=folder / job.output_directory) for job in jobs]
        batch = BatchRun(
            batch_id,
            folder,
            placed,
            options,
            store_path=self.store_path,
            host=self.host,
            on_end=self._batch_ended,
        )
        self.batches[batch_id] = batch
        batch.start()
        return batch

    def get(self, batch_id: str) -> BatchRun | None:
        return self.batches.get(batch_id)

    # -- retention (see ``retention``) ---------------------------------------------------

    def take_stale(self) -> list[str]:
        """Choose the folders to remove beyond ``keep_finished`` and forget their batches
        (their files are about to go). Called in the event loop, or before it runs."""
        if self.keep_finished is None:
            return []
        running = {batch_id for batch_id, batch in self.batches.items() if not batch.ended}
        earlier = earlier_folders(self.output_root, {*self.batches, *self._removing})
        stale = stale_batches(earlier, self._finished, running, self.keep_finished)
        for batch_id in stale:
            self.batches.pop(batch_id, None)
        self._finished = [batch_id for batch_id in self._finished if batch_id not in stale]
        return stale

    def remove_earlier_folders(self) -> list[str]:
        """At start: remove the folders earlier runs left beyond the limit (blocking)."""
        return remove_batch_folders(self.output_root, self.take_stale())

    def _batch_ended(self, batch: BatchRun) -> None:
        """In the event loop, once a batch's end is out: drop what is now beyond the limit,
        removing the folders in a thread so that the loop does not wait for the disk."""
        self._finished.append(batch.batch_id)
        stale = self.take_stale()
        if not stale:
            return
        self._removing.update(stale)
        task = asyncio.get_running_loop().create_task(self._remove(stale))
        self._removals.add(task)
        task.add_done_callback(self._removals.discard)

    async def _remove(self, names: list[str]) -> None:
        try:
            await asyncio.to_thread(remove_batch_folders, self.output_root, names)
        finally:
            self._removing.difference_update(names)

    def begin_stop(self) -> None:
        """Start no new batch and cancel the running ones (safe from a signal handler)."""
        self.stopping = True
        for batch in list(self.batches.values()):
            if not batch.finished:
                batch.cancel("terminated")

    async def stop(self, timeout: float = 30.0) -> None:
        """Cancel every running batch and wait until each has finished cleanly."""
        self.begin_stop()
        for batch in list(self.batches.values()):
            await asyncio.to_thread(batch.join, timeout)
        if self._removals:
            await asyncio.wait(list(self._removals), timeout=timeout)
