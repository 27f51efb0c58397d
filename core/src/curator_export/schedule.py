"""Scheduled exports: when a cron expression fires, and the loop that runs a batch each time.

The loop runs in the foreground, as ``curator-export schedule`` does, so that systemd, a
container or a terminal owns its lifetime. A run that overlaps its next fire times skips
them (said in the log): runs never pile up. ``stop()`` (from a signal handler) ends the
wait at once; a running batch is cancelled by whoever runs it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import datetime

import attrs

from curator_export.errors import ValidationError
from curator_export.logging import get_logger

log = get_logger(__name__)


def _now() -> datetime:
    return datetime.now().astimezone()


def check_cron(expression: str) -> None:
    """Raise ``ValidationError`` naming ``--cron`` when the expression is not valid cron.

    Five fields (minute hour day-of-month month day-of-week), or six with seconds last.
    """
    from croniter import croniter

    fields = expression.split()
    if len(fields) not in (5, 6) or not croniter.is_valid(expression):
        raise ValidationError(
            [
                f"--cron: {expression!r} is not a cron expression (five fields: minute hour"
                ' day-of-month month day-of-week, e.g. "0 2 * * *" for 02:00 every day)'
            ]
        )


def fire_times(expression: str, after: datetime) -> Iterator[datetime]:
    """Every time ``expression`` fires after ``after`` (aware: local time by default)."""
    from croniter import croniter

    check_cron(expression)
    schedule = croniter(expression, after)
    while True:
        yield schedule.get_next(datetime)


@attrs.frozen
class ScheduledRun:
    """What one run of the schedule did; ``exit_code`` as the ``run`` command's."""

    number: int
    due: datetime
    started: datetime
    exit_code: int
    summary: str


class Scheduler:
    """Waits for each fire time and calls ``run(number, due)``, until stopped or done.

    ``run`` returns an exit code and a one-line summary. ``next_time(after)`` gives the first
    fire time after a moment (a cron expression's, or a single time).
    """

    def __init__(
        self,
        next_time: Callable[[datetime], datetime | None],
        run: Callable[[int, datetime], tuple[int, str]],
        *,
        clock: Callable[[], datetime] = _now,
        on_event: Callable[[str], None] = lambda message: None,
    ) -> None:
        self._next_time = next_time
        self._run = run
        self._clock = clock
        self._say = on_event
        self._stopped = threading.Event()
        self.runs: list[ScheduledRun] = []

    def stop(self) -> None:
        """End the wait for the next run (safe from a signal handler)."""
        self._stopped.set()

    @property
    def stopped(self) -> bool:
        return self._stopped.is_set()

    def run_forever(self, max_runs: int | None = None) -> list[ScheduledRun]:
        """Run at every fire time until stopped, out of fire times, or ``max_runs`` ran."""
        due = self._next_time(self._clock())
        while due is not None and not self.stopped:
            self._say(f"next run at {due.isoformat(timespec='seconds')}")
            if not self._wait_until(due):
                break
            started = self._clock()
            number = len(self.runs) + 1
            code, summary = self._run(number, due)
            self.runs.append(ScheduledRun(number, due, started, code, summary))
            self._say(f"run {number} (due {due.isoformat(timespec='seconds')}): {summary}")
            log.info("scheduled run finished", run=number, exit_code=code, summary=summary)
            if max_runs is not None and len(self.runs) >= max_runs:
                break
            finished = self._clock()
            following = self._next_time(due)
            skipped = 0
            while following is not None and following <= finished:
                skipped += 1
                following = self._next_time(following)
            if skipped:
                self._say(f"skipped {skipped} run(s) that fell due while run {number} ran")
            due = following
        return self.runs

    def _wait_until(self, due: datetime) -> bool:
        """Sleep until ``due``; False when stopped first. Waits in steps, so that a clock
        that jumps (suspend, NTP) is read again."""
        while not self.stopped:
            remaining = (due - self._clock()).total_seconds()
            if remaining <= 0:
                return True
            self._stopped.wait(min(remaining, 30.0))
        return False


def once_at(moment: datetime) -> Callable[[datetime], datetime | None]:
    """A ``next_time`` that fires once, at ``moment`` (at once when it has passed)."""
    pending = [moment]

    def next_time(after: datetime) -> datetime | None:
        return pending.pop() if pending else None

    return next_time


def cron(expression: str) -> Callable[[datetime], datetime | None]:
    """A ``next_time`` for a cron expression."""
    check_cron(expression)

    def next_time(after: datetime) -> datetime | None:
        return next(fire_times(expression, after))

    return next_time


__all__ = ["ScheduledRun", "Scheduler", "check_cron", "cron", "fire_times", "once_at"]
