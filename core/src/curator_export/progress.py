"""Progress of a batch: counting, an ETA from the observed rate, and the sinks that show it."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import IO, Any

import attrs

from curator_export.model import BatchProgress

ProgressCallback = Callable[[BatchProgress], None]


class ProgressTracker:
    """Counts finished and failed files and jobs; makes ``BatchProgress`` events."""

    def __init__(
        self,
        total_jobs: int,
        total_files: int,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.total_jobs = total_jobs
        self.total_files = total_files
        self._clock = clock
        self._started = clock()
        self.completed_jobs = 0
        self.completed_files = 0
        self.failed_files = 0
        self.errors = 0

    def file_done(self, *, failed: bool) -> None:
        if failed:
            self.failed_files += 1
            self.errors += 1
        else:
            self.completed_files += 1

    def job_done(self) -> None:
        self.completed_jobs += 1

    def event(self, operation: str, job_id: str | None = None) -> BatchProgress:
        elapsed = self._clock() - self._started
        done = self.completed_files + self.failed_files
        remaining: float | None = None
        if done and self.total_files:
            remaining = elapsed / done * (self.total_files - done)
        return BatchProgress(
            total_jobs=self.total_jobs,
            completed_jobs=self.completed_jobs,
            total_files=self.total_files,
            completed_files=self.completed_files,
            failed_files=self.failed_files,
            current_job_id=job_id,
            current_operation=operation,
            errors_encountered=self.errors,
            elapsed_seconds=round(elapsed, 3),
            estimated_remaining_seconds=None if remaining is None else round(remaining, 3),
            estimated_completion=(
                None if remaining is None else datetime.now(UTC) + timedelta(seconds=remaining)
            ),
        )


def event_to_json(event: BatchProgress) -> dict[str, Any]:
    """A progress event as JSON-ready data, with the derived percentage."""
    data = attrs.asdict(event)
    data["progress_percent"] = round(event.progress_percent, 2)
    if event.estimated_completion is not None:
        data["estimated_completion"] = event.estimated_completion.isoformat()
    return data


class JsonLinesSink:
    """One JSON object per event and line, for programs that watch a batch."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream

    def __call__(self, event: BatchProgress) -> None:
        self.stream.write(json.dumps(event_to_json(event), ensure_ascii=False) + "\n")
        self.stream.flush()


class RichProgressSink:
    """A progress bar on the terminal (stderr), with counts, failures and the ETA."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self._progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[failed]}"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=False,
        )
        self._task = self._progress.add_task("exporting", total=None, failed="")
        self._progress.start()

    def __call__(self, event: BatchProgress) -> None:
        failed = f"[red]{event.failed_files} failed[/]" if event.failed_files else ""
        self._progress.update(
            self._task,
            total=event.total_files,
            completed=event.completed_files + event.failed_files,
            description=event.current_job_id or "exporting",
            failed=failed,
        )

    def close(self) -> None:
        self._progress.stop()
