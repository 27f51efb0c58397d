"""``BatchExportManager``: plan, execute, collect.

The parent process plans every output (``planning``), hands tasks to an executor (serial or a
crash-isolating process pool), and collects results as they arrive: progress events, the
``after_export`` hooks, retries and recovery of a crashed task's finished files, then archives,
the manifest, the batch's history record (``finishing``) and ``after_batch``.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import pickle
import threading
import time
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, Self

import attrs

from curator_export.committing import Committer
from curator_export.errors import UnknownNameError
from curator_export.executors import (
    BUILTIN_EXECUTORS,
    Executor,
    SerialExecutor,
    Task,
    TaskOutcome,
    make_executor,
)
from curator_export.finishing import Finishing
from curator_export.logging import get_logger
from curator_export.model import (
    BatchExportJob,
    BatchExportOptions,
    BatchExportResult,
    BatchProgress,
    ErrorKind,
    ExportResult,
    ExportStatus,
    JobResult,
    Session,
)
from curator_export.planning import (
    BatchPlan,
    PlannedExport,
    PlannedTask,
    plan_batch,
)
from curator_export.plugins import PluginHost
from curator_export.progress import ProgressCallback, ProgressTracker
from curator_export.results import ResultLog
from curator_export.staging import StagingArea
from curator_export.store import SessionStore
from curator_export.worker import render_task

log = get_logger(__name__)

#: Receives each export's result as it is recorded (``with_export_tracking``).
ExportCallback = Callable[[ExportResult], None]

#: Tasks whose content is read from the store at once, just before they go to the executor.
CONTENT_CHUNK = 32

#: Seconds a task may take for parsing, on top of ``export_timeout`` for each of its formats;
#: never more than ``export_timeout`` itself, so that a small timeout stays small.
TASK_OVERHEAD_SECONDS = 30.0


class BatchExportManager:
    """Runs batches of export jobs against a session store.

    ``execute_batch_export`` plans every job first; invalid jobs fail (or stop the batch when
    ``continue_on_error`` is off) before anything renders. ``cancel()`` may be called from a
    signal handler: no new task starts and running ones are stopped.

    ``executor`` names the executor: ``serial``, ``process`` or one a plugin registers
    (``dask``); None picks serial or process from the options. ``executor_options`` go to a
    plugin executor's factory (``{"scheduler": "tcp://10.0.0.5:8786"}``).
    """

    def __init__(
        self,
        store: SessionStore,
        *,
        host: PluginHost | None = None,
        executor: str | None = None,
        executor_options: Mapping[str, Any] | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now().astimezone(),
    ) -> None:
        self.store = store
        self.host = host if host is not None else PluginHost()
        self.executor_name = executor
        self.executor_options = dict(executor_options or {})
        self._clock = clock
        self._callbacks: list[ProgressCallback] = []
        self._export_callbacks: list[ExportCallback] = []
        self._executor: Executor | None = None
        self.cancel_reason: str | None = None

    def with_progress_tracking(self, callback: ProgressCallback) -> Self:
        """Send every ``BatchProgress`` event to ``callback`` too (in the calling thread)."""
        self._callbacks.append(callback)
        return self

    def with_export_tracking(self, callback: ExportCallback) -> Self:
        """Send every ``ExportResult`` to ``callback`` as it is recorded (in the calling
        thread): a front end lists each file, or its error, as soon as it is settled."""
        self._export_callbacks.append(callback)
        return self

    def cancel(self, reason: str = "interrupted") -> None:
        """Stop the running batch: no new task starts; running ones are stopped."""
        self.cancel_reason = reason
        if self._executor is not None:
            self._executor.cancel()

    def _cancelled(self) -> bool:
        return self.cancel_reason is not None

    def plan(
        self, jobs: Sequence[BatchExportJob], options: BatchExportOptions | None = None
    ) -> BatchPlan:
        """The plan of a batch without running it or writing anything (a dry run)."""
        return plan_batch(
            jobs, options or BatchExportOptions(), self.store, self.host, created_at=self._clock()
        )

    async def execute_batch_export_async(
        self, jobs: Sequence[BatchExportJob], options: BatchExportOptions | None = None
    ) -> BatchExportResult:
        """``execute_batch_export`` in a worker thread, so the event loop keeps running.

        Progress callbacks are called from that thread; cancelling the awaiting task
        cancels the batch.
        """
        try:
            return await asyncio.to_thread(self.execute_batch_export, jobs, options)
        except asyncio.CancelledError:
            self.cancel("cancelled")
            raise

    def execute_batch_export(
        self, jobs: Sequence[BatchExportJob], options: BatchExportOptions | None = None
    ) -> BatchExportResult:
        """Plan and run ``jobs``; returns every job's results (also when interrupted)."""
        options = options or BatchExportOptions()
        self.cancel_reason = None
        # A misspelt executor fails before planning creates any folder.
        check_executor(self.host, self.executor_name, self.executor_options)
        started = time.monotonic()
        planned_version = _content_version(self.store)
        plan = plan_batch(
            jobs,
            options,
            self.store,
            self.host,
            created_at=self._clock(),
            create_directories=True,
            keep_content=False,  # read again task by task: never all content at once
        )
        log.info("batch started", batch=plan.batch_id, jobs=len(jobs), files=plan.total_files)
        run = _Run(plan, options, self.host, self._callbacks, self._export_callbacks)
        self._clean_stale_temporaries(plan)
        run.settle_planned()
        stopping: threading.Thread | None = None
        try:
            if plan.tasks and self.cancel_reason is None:
                stopping = self._run_tasks(plan, options, run, planned_version)
            result = run.finish(
                elapsed=time.monotonic() - started, status=self._status(run), store=self.store
            )
        except BaseException:
            run.discard_staged()  # the results of what is still staged will never be told
            raise
        finally:
            if stopping is not None:
                stopping.join()
            if plan.tasks:
                # Workers killed mid-write (crash, timeout, interrupt) leave temporaries.
                self._clean_stale_temporaries(plan)
        log.info(
            "batch finished",
            batch=plan.batch_id,
            seconds=round(result.elapsed_time, 3),
            files=result.total_files_created,
            failed_jobs=result.failed_jobs,
        )
        return result

    def _run_tasks(
        self, plan: BatchPlan, options: BatchExportOptions, run: _Run, planned_version: object
    ) -> threading.Thread:
        """Run the plan's tasks and collect their results into ``run``.

        Returns the thread that is stopping the executor, for the caller to join: a pool
        takes a while to stop (pebble's threads wake every 0.1 s), and the manifest and
        history need not wait for it. After an error the executor is stopped here.
        """
        executor, reruns, local = self._make_executor(plan, options)
        self._executor = executor
        if self._cancelled():  # a signal arrived while the executor was being made
            executor.cancel()
        area = StagingArea(os.getpid(), plan.batch_id) if local else None
        if area is not None:
            # Workers on this machine stage their files and this process commits them.
            run.committer = Committer(area)
        try:
            with contextlib.ExitStack() as stack:
                stack.enter_context(executor)
                tasks = self._tasks(
                    plan,
                    options,
                    run.started,
                    run.not_found,
                    largest_first=not isinstance(executor, SerialExecutor),
                    reruns=reruns,
                    stage_for=area,
                    planned_version=planned_version,
                )
                for outcome in executor.run(tasks):
                    run.collect(outcome)
                    if run.stop_reason and not self.cancel_reason:
                        self.cancel(run.stop_reason)
                run.record_committed(wait=True)
                exit_executor = stack.pop_all()
        finally:
            self._executor = None
            if run.committer is not None:
                run.committer.close()
        stopping = threading.Thread(target=exit_executor.close, name="curator-export-stopping")
        stopping.start()
        return stopping

    def _status(self, run: _Run) -> str:
        if self.cancel_reason in ("interrupted", "terminated", "cancelled"):
            return "interrupted"
        return "failed" if run.any_failed else "completed"

    def _make_executor(
        self, plan: BatchPlan, options: BatchExportOptions
    ) -> tuple[Executor, bool, bool]:
        """The executor for this plan, whether it may run a task more than once, and whether
        its workers run on this machine (a built-in one)."""
        name = self.executor_name
        if name is None:
            name = "process" if options.parallel_exports and len(plan.tasks) > 1 else "serial"
        if name == "process" and (unsendable := _unpicklable_writers(plan)):
            log.warning(
                "running in-process: these formats' writers cannot be sent to worker processes"
                " (define them at module level)",
                formats=unsendable,
            )
            name = "serial"
        if name == "process":
            workers = min(options.max_concurrent_jobs, len(plan.tasks))
            executor = make_executor("process", max_workers=workers, preload=_worker_modules(plan))
            return executor, False, True
        if name == "serial":
            return make_executor("serial"), False, True
        spec = self.host.executors()[name]  # known: check_executor ran
        built: Executor = spec.factory(
            max_workers=options.max_concurrent_jobs, **self.executor_options
        )
        return built, spec.reruns_tasks, False

    def _tasks(
        self,
        plan: BatchPlan,
        options: BatchExportOptions,
        started: Callable[[PlannedTask], None],
        unrunnable: Callable[[PlannedTask, str], None],
        *,
        largest_first: bool = False,
        reruns: bool = False,
        stage_for: StagingArea | None = None,
        planned_version: object = None,
    ) -> Iterable[Task]:
        order: Sequence[int] = range(len(plan.tasks))
        if largest_first:
            # A pool finishes soonest when the longest tasks start first: a long lesson
            # taken last would keep one worker busy while the others sit idle.
            order = array("q", sorted(order, key=plan.work.__getitem__, reverse=True))
        function: Callable[..., Any] = render_task
        if reruns or stage_for is not None:
            function = functools.partial(
                render_task, replace_earlier_attempts=reruns, stage_for=stage_for
            )
        overhead = min(TASK_OVERHEAD_SECONDS, options.export_timeout)
        for start in range(0, len(order), CONTENT_CHUNK):
            chunk = [plan.tasks[index] for index in order[start : start + CONTENT_CHUNK]]
            for planned, ready in self._with_content(chunk, planned_version):
                if isinstance(ready, str):
                    unrunnable(planned, ready)
                    continue
                started(planned)
                yield Task(
                    task_id=planned.task_id,
                    function=function,
                    args=(ready, options.max_retries),
                    timeout=options.export_timeout * len(planned.exports) + overhead,
                )

    def _with_content(
        self, tasks: Sequence[PlannedTask], planned_version: object
    ) -> Iterator[tuple[PlannedTask, PlannedTask | str]]:
        """Each task with its content read again from the store (one read for all), or why
        it cannot run: a session that is gone. A session changed since planning is rendered
        as it is now, and its outputs are recorded as never reusable (their keys were made
        of the old content)."""
        from curator_export.errors import SessionNotFoundError
        from curator_export.incremental import sessions_digest

        # What the store tells unchanged since planning need not be hashed again.
        version = _content_version(self.store)
        unchanged = version is not None and version == planned_version
        wanted = [s.id for task in tasks if task.content_digest for s in task.sessions]
        ids = list(dict.fromkeys(wanted))
        loaded: dict[str, Session] = {}
        while ids:
            try:
                loaded = {session.id: session for session in self.store.load_sessions(ids)}
                break
            except SessionNotFoundError as exc:
                ids = [sid for sid in ids if sid not in exc.missing]
        for task in tasks:
            if task.content_digest is None:
                yield task, task
                continue
            gone = [session.id for session in task.sessions if session.id not in loaded]
            if gone:
                names = ", ".join(map(repr, gone))
                yield task, f"session(s) {names} left the store after the batch was planned"
                continue
            ready = task.with_content(tuple(loaded[session.id] for session in task.sessions))
            if not unchanged and sessions_digest(ready.sessions) != task.content_digest:
                log.warning(
                    "content changed after planning: rendered as it is now, not kept as"
                    " unchanged next time",
                    task=task.task_id,
                )
                # Recorded (so the file counts as this tool's own) but never reusable: the
                # task started (what its results are recorded as) carries these keys too.
                exports = tuple(
                    attrs.evolve(export, key=f"changed after planning: {export.key}")
                    for export in ready.exports
                )
                yield attrs.evolve(task, exports=exports), attrs.evolve(ready, exports=exports)
                continue
            yield task, ready

    @staticmethod
    def _clean_stale_temporaries(plan: BatchPlan) -> None:
        from curator_export.output import remove_stale_temporaries

        for folder in sorted(plan.folders):
            if folder.is_dir():
                removed = remove_stale_temporaries(folder, recursive=False)
                if removed:
                    log.warning(
                        "removed stale temporary files", folder=str(folder), count=len(removed)
                    )


class _Run:
    """The parent's bookkeeping for one batch: results, progress, hooks."""

    def __init__(
        self,
        plan: BatchPlan,
        options: BatchExportOptions,
        host: PluginHost,
        callbacks: Sequence[ProgressCallback],
        export_callbacks: Sequence[ExportCallback] = (),
    ) -> None:
        self.plan = plan
        self.options = options
        self.host = host
        self.callbacks = callbacks
        self.export_callbacks = export_callbacks
        #: The tasks handed to the executor whose outcome has not come back yet.
        self.in_flight: dict[str, PlannedTask] = {}
        #: What each staged output handed to the committer was planned as.
        self.committing: dict[Path, PlannedExport] = {}
        self.results = ResultLog(plan.job_outputs)
        #: Per job and plugin, what its after_export said failed for a file (an upload ...).
        self.post_export_failures: dict[str, dict[str, list[str]]] = {
            job.job_id: {} for job in plan.jobs
        }
        self.remaining = {job.job_id: 0 for job in plan.jobs}
        self.remaining.update((job_id, len(found)) for job_id, found in plan.job_outputs.items())
        self.created = dict.fromkeys(self.remaining, 0)
        self.jobs_by_id = {job.job_id: job for job in plan.jobs}
        valid_jobs = len(plan.jobs) - len(plan.invalid_jobs)
        self.tracker = ProgressTracker(valid_jobs, plan.total_files)
        self.stop_reason: str | None = None
        self.any_failed = bool(plan.invalid_jobs)
        self.job_started: dict[str, float] = {}
        #: Commits what workers staged; None when they write their files in place themselves.
        self.committer: Committer | None = None

    def started(self, task: PlannedTask) -> None:
        """Log a task's start: when it is handed to the executor (a pool runs it when a
        worker is free)."""
        job_id = task.job.job_id
        self.in_flight[task.task_id] = task
        if job_id not in self.job_started:
            self.job_started[job_id] = time.monotonic()
            log.info("job started", job=job_id, sessions=list(task.job.session_ids))
        for export in task.exports:
            log.info(
                "export started",
                job=job_id,
                format=export.format.name,
                sessions=list(task.session_ids),
                path=str(export.name.path),
            )

    def emit(self, operation: str, job_id: str | None = None) -> None:
        event = self.tracker.event(operation, job_id)
        for callback in self.callbacks:
            try:
                callback(event)
            except Exception as exc:  # a broken progress display must not stop the batch
                log.error("progress callback failed", error=repr(exc))
        self.host.progress(event)

    def settle_planned(self) -> None:
        self.emit("planned")
        for result, position in zip(self.plan.settled, self.plan.settled_positions, strict=True):
            self.record(result, position=position)

    def collect(self, outcome: TaskOutcome) -> None:
        task = self.in_flight.pop(outcome.task_id)
        committer = self.committer
        if outcome.ok:
            results: Sequence[ExportResult] = outcome.value
        else:
            assert outcome.failure is not None
            area = committer.area if committer is not None else None
            results = _recover(task, outcome.failure.kind, outcome.failure.message, area)
            if committer is not None:
                # Figures the worker staged before it stopped: they are complete, and an
                # output recovered from its staged file may show them.
                for folder in dict.fromkeys(export.name.path.parent for export in task.exports):
                    committer.submit_leftovers(committer.area.staged_in(folder))
        planned = {export.name.path: export for export in task.exports}
        for result in results:
            export = planned.get(result.path) if result.path is not None else None
            if committer is not None and result.status is ExportStatus.SUCCEEDED:
                if export is not None:
                    self.committing[export.name.path] = export
                committer.submit(result, overwrite=export is not None and export.overwrite)
            else:
                self.record(result, export)
        self.record_committed()

    def not_found(self, task: PlannedTask, message: str) -> None:
        """Record the exports of a task that cannot run: its content left the store."""
        for export in task.exports:
            self.record(
                ExportResult(
                    job_id=task.job.job_id,
                    format=export.format.name,
                    session_ids=task.session_ids,
                    status=ExportStatus.FAILED,
                    path=export.name.path,
                    error=message,
                    error_kind=ErrorKind.NOT_FOUND,
                    attempts=0,
                ),
                export,
            )

    def discard_staged(self) -> None:
        """Remove the files workers staged for this batch whose results were never recorded
        (the batch was cut short): nobody would ever commit them."""
        if self.committer is None:
            return
        area = self.committer.area
        recorded = {result.path for result in self.results if result.path}
        folders = self.plan.folders
        staged = [
            area.staged_path(export.name.path)
            for task in self.plan.tasks
            for export in task.exports
            if export.name.path not in recorded
        ]
        staged += [leftover.staged for folder in folders for leftover in area.staged_in(folder)]
        for path in staged:
            with contextlib.suppress(OSError):  # what stays is stale once this process ends
                path.unlink()

    def record_committed(self, *, wait: bool = False) -> None:
        """Record the exports whose files are committed by now (all of them, with ``wait``)."""
        if self.committer is None:
            return
        for result in self.committer.wait() if wait else self.committer.finished():
            export = self.committing.pop(result.path, None) if result.path else None
            self.record(result, export)

    def record(
        self,
        result: ExportResult,
        export: PlannedExport | None = None,
        *,
        position: int | None = None,
    ) -> None:
        """Report ``result`` and keep it: the output ``export`` planned (or the settled one at
        ``position``), or one the plan did not name."""
        if result.status in (ExportStatus.SUCCEEDED, ExportStatus.UNCHANGED):
            # The file is final and in place (written now, or kept from an earlier batch).
            annotations = self.host.after_export(self.jobs_by_id[result.job_id], result)
            if annotations:
                result = attrs.evolve(result, annotations={**result.annotations, **annotations})
                failures = self.post_export_failures[result.job_id]
                for plugin, failure in _failed_steps(annotations, result):
                    failures.setdefault(plugin, []).append(failure)
        if export is not None:
            position = export.name.position
        made = result.status is ExportStatus.SUCCEEDED
        self.results.add(result, position, export.key if made and export else None)
        self.created[result.job_id] += made
        for callback in self.export_callbacks:
            try:
                callback(result)
            except Exception as exc:  # like a progress display: it must not stop the batch
                log.error("export callback failed", error=repr(exc))
        failed = result.status in (ExportStatus.FAILED, ExportStatus.CANCELLED)
        self.any_failed = self.any_failed or failed
        self.tracker.file_done(failed=failed)
        log.info(
            "export finished",
            job=result.job_id,
            format=result.format,
            sessions=list(result.session_ids),
            status=str(result.status),
            seconds=result.duration_seconds,
            error=result.error,
        )
        if result.error_kind is ErrorKind.DISK_FULL:
            self.stop_reason = "disk_full"
        elif failed and not self.options.continue_on_error:
            self.stop_reason = "fail_fast"
        self.remaining[result.job_id] -= 1
        if self.remaining[result.job_id] == 0:
            self.tracker.job_done()
            since = self.job_started.get(result.job_id)
            log.info(
                "job finished",
                job=result.job_id,
                files=self.created[result.job_id],
                seconds=None if since is None else round(time.monotonic() - since, 3),
            )
        self.emit(f"{result.format} {'/'.join(result.session_ids)}: {result.status}", result.job_id)

    def finish(self, *, elapsed: float, status: str, store: SessionStore) -> BatchExportResult:
        job_results = []
        for job in self.plan.jobs:
            problems = [
                *self.plan.invalid_jobs.get(job.job_id, ()),
                *_summarize_failed_steps(self.post_export_failures[job.job_id]),
            ]
            job_results.append(
                JobResult(
                    job.job_id,
                    self.results.of(job.job_id),
                    error="; ".join(problems) or None,
                    error_kind=_job_error_kind(problems),
                )
            )
        result = BatchExportResult(
            job_results=job_results, started_at=self.plan.created_at, elapsed_time=elapsed
        )
        finishing = Finishing(self.plan, self.options, self.host, result, status)
        finishing.archive()
        finishing.manifest()
        finishing.record_history(store)
        finishing.record_outputs(store)
        self.emit("finished")
        self.host.after_batch(result, self.plan.jobs)
        return result


def _content_version(store: SessionStore) -> object:
    """The store's ``content_version()``, where it has one: None otherwise."""
    version = getattr(store, "content_version", None)
    return version() if callable(version) else None


def check_executor(
    host: PluginHost, name: str | None, options: Mapping[str, Any] | None = None
) -> None:
    """Raise ``UnknownNameError`` for an executor nothing provides, listing the known ones;
    options are for plugin executors (the built-ins take none from callers)."""
    if name is None or name in BUILTIN_EXECUTORS:
        if options:
            names = ", ".join(sorted(options))
            where = f"the {name} executor takes" if name else "the built-in executors take"
            raise UnknownNameError(f"{where} no executor options (given: {names})")
        return
    plugins = host.executors()
    if name not in plugins:
        known = ", ".join(sorted(BUILTIN_EXECUTORS))
        extra = ", ".join(sorted(plugins)) or "none installed"
        raise UnknownNameError(
            f"unknown executor {name!r}; built in: {known}; from plugins: {extra}"
        )


def _failed_steps(
    annotations: Mapping[str, Mapping[str, Any]], result: ExportResult
) -> list[tuple[str, str]]:
    """``(plugin, "file: error")`` for each annotation that says its step failed."""
    name = result.path.name if result.path else result.format
    return [
        (plugin, f"{name}: {note.get('error') or 'failed'}")
        for plugin, note in annotations.items()
        if note.get("status") == "failed"
    ]


def _summarize_failed_steps(by_plugin: Mapping[str, Sequence[str]]) -> list[str]:
    """One problem per plugin whose post-export step failed, with the first file's reason."""
    return [
        f"{plugin} failed for {len(details)} file{'s' if len(details) > 1 else ''}"
        f" after export (first: {details[0]})"
        for plugin, details in by_plugin.items()
    ]


def _job_error_kind(problems: Sequence[str]) -> ErrorKind | None:
    """not_found when unknown sessions are the only problem, else invalid_job."""
    if not problems:
        return None
    if all(problem.startswith("session_ids: unknown session") for problem in problems):
        return ErrorKind.NOT_FOUND
    return ErrorKind.INVALID_JOB


def _recover(
    task: PlannedTask, kind: ErrorKind, message: str, staged_by: StagingArea | None = None
) -> list[ExportResult]:
    """Results of a task whose worker crashed, timed out or was stopped.

    Files are written atomically, so a new file at a planned path is complete: it counts;
    so does a staged one (``staged_by`` commits it), which is complete before it is staged.
    """
    from curator_export.output import sha256_file

    results = []
    for export in task.exports:
        path = export.name.path
        base = ExportResult(
            job_id=task.job.job_id,
            format=export.format.name,
            session_ids=task.session_ids,
            status=ExportStatus.FAILED,
            path=path,
        )
        finished = path if staged_by is None else staged_by.staged_path(path)
        kept_from_before = staged_by is None and export.name.exists
        if not kept_from_before and finished.is_file():
            results.append(
                attrs.evolve(
                    base,
                    status=ExportStatus.SUCCEEDED,
                    size=finished.stat().st_size,
                    sha256=sha256_file(finished),
                    warnings=(f"recovered after the task failed: {message}",),
                )
            )
            continue
        status = ExportStatus.CANCELLED if kind is ErrorKind.INTERRUPTED else ExportStatus.FAILED
        results.append(attrs.evolve(base, status=status, error=message, error_kind=kind))
    return results


def _worker_modules(plan: BatchPlan) -> list[str]:
    """The modules a worker needs for this plan's tasks: the worker, each writer's, and
    those the formats say their writers import."""
    modules = {"curator_export.worker"}
    for output_format in plan.formats:
        modules.update(output_format.worker_modules)
        writer = getattr(output_format.writer, "func", output_format.writer)  # a partial
        module = getattr(writer, "__module__", None)
        if isinstance(module, str) and module != "__main__":
            modules.add(module)
    return sorted(modules)


def _unpicklable_writers(plan: BatchPlan) -> list[str]:
    unsendable = []
    for output_format in sorted(plan.formats, key=lambda output_format: output_format.name):
        try:
            pickle.dumps(output_format)
        except (pickle.PicklingError, AttributeError, TypeError):
            unsendable.append(output_format.name)
    return unsendable


def progress_events(manager: BatchExportManager) -> list[BatchProgress]:
    """Collect a manager's progress events in a list (handy in tests and notebooks)."""
    events: list[BatchProgress] = []
    manager.with_progress_tracking(events.append)
    return events


__all__ = ["BatchExportManager", "ExportCallback", "progress_events"]
