"""``curator-export schedule``: run a jobs file whenever a cron expression fires.

It runs in the foreground (a terminal, a systemd service, a container) and prints a line per
run. The jobs file is read again for every run, so edits apply from the next run on; a run
whose file has become invalid fails alone and the schedule goes on. Ctrl-C or SIGTERM while
waiting stops at once (130, 143); during a run they cancel it cleanly first.
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from curator_export.cli import App, _fail_cleanly, cli, pass_app
from curator_export.cli_batch import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_INVALID,
    EXIT_TERMINATED,
    _option_flags,
    _options,
    _progress_display,
    _with_upload,
    executor_args,
    exit_code,
    plan_rows,
)
from curator_export.errors import CuratorExportError, ValidationError

if TYPE_CHECKING:
    from curator_export.batch import BatchExportManager
    from curator_export.model import BatchExportResult
    from curator_export.schedule import Scheduler

#: How many fire times ``--dry-run`` lists.
DRY_RUN_TIMES = 5


def _moment(text: str) -> datetime:
    """An ISO 8601 time (local when it names no offset), or "now"."""
    if text.strip().lower() == "now":
        return datetime.now().astimezone()
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise click.BadParameter(
            f"{text!r} is not a time like 2026-12-24T02:00 or 2026-12-24T02:00+01:00",
            param_hint="--once-at",
        ) from None
    return moment if moment.tzinfo else moment.astimezone()


@cli.command("schedule")
@click.argument("jobs_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--cron",
    "expression",
    metavar="EXPRESSION",
    help='When to run, in cron syntax and local time: "0 2 * * *" is 02:00 every day.',
)
@click.option("--once-at", metavar="TIME", help='Run once at TIME (ISO 8601, or "now"), then exit.')
@click.option("--dry-run", is_flag=True, help="Print the next run times and the plan; run nothing.")
@click.option(
    "--max-runs", type=click.IntRange(min=1), help="Exit after this many runs (default: never)."
)
@_option_flags
@pass_app
@_fail_cleanly
def schedule_command(app: App, /, jobs_file: Path, **params: Any) -> None:
    """Run the jobs of a jobs file on a schedule, in the foreground, a line per run.

    Use {date} or {timestamp} in a job's output_directory (or its naming pattern) so that
    runs do not overwrite each other: output_directory = "backups/{date}".
    """
    from curator_export import schedule

    expression, once_at = params.pop("expression"), params.pop("once_at")
    dry_run, max_runs = params.pop("dry_run"), params.pop("max_runs")
    if (expression is None) == (once_at is None):
        raise click.UsageError("give either --cron EXPRESSION or --once-at TIME")
    if expression is not None:
        next_time = schedule.cron(expression)
    else:
        next_time = schedule.once_at(_moment(once_at))
    _read_jobs(app, jobs_file)  # a broken file stops here, before any waiting
    executor_args(app, params)  # and so does an unknown executor
    if dry_run:
        _dry_run(app, jobs_file, next_time, params)
        return
    running: list[BatchExportManager] = []

    def run(number: int, due: datetime) -> tuple[int, str]:
        return _run_once(app, jobs_file, params, running)

    scheduler = schedule.Scheduler(next_time, run, on_event=_say)
    with _stop_on_signals(scheduler, running) as stopped_by:
        runs = scheduler.run_forever(max_runs=max_runs)
    if stopped_by:
        _say("schedule stopped")
        sys.exit(stopped_by[0])
    if once_at is not None and runs:
        sys.exit(runs[0].exit_code)
    if any(scheduled.exit_code for scheduled in runs):
        sys.exit(EXIT_FAILED)


def _read_jobs(app: App, jobs_file: Path) -> Any:
    from curator_export.convert import Converters

    return Converters(app.host).read_jobs_file(jobs_file)


def _run_once(
    app: App, jobs_file: Path, params: dict[str, Any], running: list[BatchExportManager]
) -> tuple[int, str]:
    """One run: read the jobs file, run it, and say what it did in one line."""
    from curator_export.batch import BatchExportManager

    try:
        parsed = _read_jobs(app, jobs_file)
        jobs = _with_upload(app, parsed.jobs, params)
    except ValidationError as exc:
        return EXIT_INVALID, f"not run: {exc}"
    options = _options(parsed.options, params)
    try:
        with app.store() as store:
            manager = BatchExportManager(store, host=app.host, **executor_args(app, params))
            running.append(manager)
            try:
                with _progress_display(manager, params.get("progress") or "none"):
                    result = manager.execute_batch_export(jobs, options)
            finally:
                running.remove(manager)
    except CuratorExportError as exc:
        return EXIT_FAILED, f"failed: {exc}"
    return exit_code(result), _summary(result)


def _summary(result: BatchExportResult) -> str:
    failed = sum(
        1
        for job in result.job_results
        for export in job.exports
        if export.status in ("failed", "cancelled")
    )
    text = (
        f"{result.total_files_created} files written, {result.total_files_unchanged} unchanged,"
        f" {failed} failed, {result.failed_jobs} of {result.total_jobs} jobs failed,"
        f" {result.elapsed_time:.1f} s"
    )
    if result.manifest_path:
        text += f"; manifest {result.manifest_path}"
    problem = next((job.error for job in result.job_results if job.error), None)
    return f"{text}; first problem: {problem}" if problem else text


def _dry_run(
    app: App,
    jobs_file: Path,
    next_time: Callable[[datetime], datetime | None],
    params: dict[str, Any],
) -> None:
    from curator_export import views
    from curator_export.batch import BatchExportManager

    moment = datetime.now().astimezone()
    for _ in range(DRY_RUN_TIMES):
        due = next_time(moment)
        if due is None:
            break
        click.echo(f"would run at {due.isoformat(timespec='seconds')}")
        moment = due
    parsed = _read_jobs(app, jobs_file)
    with app.store() as store:
        plan = BatchExportManager(store, host=app.host).plan(
            _with_upload(app, parsed.jobs, params), _options(parsed.options, params)
        )
    if plan.invalid_jobs:
        raise ValidationError(
            [
                f"job {job}: {problem}"
                for job, found in plan.invalid_jobs.items()
                for problem in found
            ],
            str(jobs_file),
        )
    click.echo("a run now would write:")
    views.print_plan(plan_rows(plan))


def _say(message: str) -> None:
    stamp = datetime.now().astimezone().isoformat(timespec="seconds")
    click.echo(f"[{stamp}] {message}")


@contextmanager
def _stop_on_signals(
    scheduler: Scheduler, running: list[BatchExportManager]
) -> Iterator[list[int]]:
    """The first SIGINT/SIGTERM stops the schedule (cancelling a running batch cleanly); a
    second SIGINT exits at once."""
    stopped_by: list[int] = []

    def handle(signum: int, frame: object) -> None:
        if stopped_by and signum == signal.SIGINT:
            raise KeyboardInterrupt
        if not stopped_by:
            stopped_by.append(EXIT_INTERRUPTED if signum == signal.SIGINT else EXIT_TERMINATED)
            if running:
                click.echo("\nstopping: finishing the run cleanly (Ctrl-C again to quit)", err=True)
        scheduler.stop()
        for manager in running:
            manager.cancel("interrupted" if signum == signal.SIGINT else "terminated")

    previous = {sig: signal.signal(sig, handle) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield stopped_by
    except KeyboardInterrupt:
        sys.exit(EXIT_INTERRUPTED)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
