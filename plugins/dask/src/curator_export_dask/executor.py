"""``DaskExecutor``: the core's executor protocol on a Dask ``distributed`` cluster.

Every task is submitted with a key of its own (``pure=False`` semantics), so two identical
tasks both run. A future is dropped as soon as its outcome is read: a finished future that
is still held keeps its result on its worker, and that worker's death would make the
scheduler run the finished task again.

A worker that is lost (killed, out of memory, its machine gone) has its tasks run again on
another worker; the scheduler gives up on a task after its workers died
``distributed.scheduler.allowed-failures`` times (default 3) while running it, and the task
comes back ``CRASHED``. Dask cannot stop a running Python function, so ``Task.timeout`` is
not enforced, and a cancelled batch's running tasks finish on a remote cluster's workers
(a local cluster is closed, which stops them).
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterable, Iterator
from typing import Any

from curator_export.executors import (
    ShutsDownOnExit,
    Task,
    TaskFailure,
    TaskOutcome,
    crashed,
    interrupted,
    outcome_from_bytes,
)
from curator_export.model import ErrorKind
from curator_export_dask.remote import run_on_worker

# distributed is mostly unannotated: its objects are Any here, named for the reader.
Client = Any
DaskFuture = Any

# How often a waiting run() looks at the cancel flag; cancel() only sets it, so that it is
# safe from a signal handler.
_POLL_INTERVAL = 0.1
# How often the number of the cluster's threads (which bounds the tasks in flight) is read.
_THREADS_REFRESH = 1.0


class DaskExecutor(ShutsDownOnExit):
    """Runs tasks on the workers of a Dask scheduler, or of a local cluster it starts.

    ``scheduler``: the scheduler's address (``tcp://10.0.0.5:8786``, ``tls://...``); None
    starts a ``LocalCluster`` of ``max_workers`` single-threaded worker processes (default:
    the CPU count), closed again by ``shutdown()``. ``max_in_flight``: tasks submitted ahead
    of their outcomes (default: twice the cluster's threads, looked at as it grows), so that
    a large batch's content is not all in the scheduler's memory at once.
    ``allowed_failures`` sets the local cluster's ``distributed.scheduler.allowed-failures``
    (a remote scheduler has its own configuration). ``connect_timeout`` is in seconds.
    """

    def __init__(
        self,
        max_workers: int | None = None,
        scheduler: str | None = None,
        max_in_flight: int | None = None,
        allowed_failures: int | None = None,
        connect_timeout: float = 30.0,
    ) -> None:
        self.max_workers = max_workers or os.cpu_count() or 1
        if self.max_workers < 1 or (max_in_flight is not None and max_in_flight < 1):
            raise ValueError("max_workers and max_in_flight must be at least 1")
        self.scheduler = scheduler
        self.max_in_flight = max_in_flight
        self.allowed_failures = allowed_failures
        self.connect_timeout = connect_timeout
        self._client: Client | None = None
        self._cluster: Any = None
        self._cancelled = False
        self._threads = 0
        self._threads_seen_at = -_THREADS_REFRESH
        # Submission keys are unique per run, so tasks of two batches never meet.
        self._run_id = uuid.uuid4().hex[:12]

    def run(self, tasks: Iterable[Task]) -> Iterator[TaskOutcome]:
        wait = _distributed().wait
        client = self._connect()
        pending = iter(tasks)
        in_flight: dict[DaskFuture, tuple[Task, float]] = {}
        try:
            while not self._cancelled:
                limit = self._limit(client)
                while len(in_flight) < limit and not self._cancelled:
                    task = next(pending, None)
                    if task is None:
                        break
                    in_flight[self._submit(client, task)] = (task, time.monotonic())
                if not in_flight or self._cancelled:
                    break
                try:
                    with client.as_current():  # wait() looks for a default client
                        done, _ = wait(
                            list(in_flight), timeout=_POLL_INTERVAL, return_when="FIRST_COMPLETED"
                        )
                except TimeoutError:
                    continue
                for future in done:
                    task, submitted = in_flight.pop(future)
                    outcome = _outcome(future, task, submitted)
                    future.release()  # its result leaves the worker's memory
                    yield outcome
            if not self._cancelled:
                return
            # What finished before the stop is real; the stop itself fails the rest.
            finished = {future for future in in_flight if future.done()}
            client.cancel([future for future in in_flight if future not in finished])
            for future, (task, submitted) in in_flight.items():
                if future in finished:
                    yield _outcome(future, task, submitted)
                else:
                    yield interrupted(task, started=True)
            in_flight = {}
            for task in pending:
                yield interrupted(task, started=False)
        finally:
            # The consumer left early (break, an exception): nothing of this run stays queued.
            if in_flight:
                client.cancel(list(in_flight))

    def cancel(self) -> None:
        self._cancelled = True

    def shutdown(self) -> None:
        client, self._client = self._client, None
        cluster, self._cluster = self._cluster, None
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()

    def _connect(self) -> Client:
        if self._client is not None:
            return self._client
        client_class = _distributed().Client
        if self.scheduler is not None:
            self._client = client_class(
                self.scheduler, timeout=self.connect_timeout, set_as_default=False
            )
        else:
            self._cluster = _local_cluster(self.max_workers, self.allowed_failures)
            self._client = client_class(self._cluster, set_as_default=False)
        return self._client

    def _submit(self, client: Client, task: Task) -> DaskFuture:
        key = f"curator-export-{self._run_id}-{task.task_id}"
        # pure=False: never deduplicated against an identical task; retries stay off, as a
        # task's own errors are in its outcome and lost workers are the scheduler's to handle.
        future: DaskFuture = client.submit(run_on_worker, task, key=key, pure=False)
        return future

    def _limit(self, client: Client) -> int:
        if self.max_in_flight is not None:
            return self.max_in_flight
        now = time.monotonic()
        if now - self._threads_seen_at >= _THREADS_REFRESH:
            # A scheduler round trip: asked once a second, not on every poll.
            self._threads = int(sum(client.nthreads().values()))
            self._threads_seen_at = now
        # An adaptive cluster may have no worker yet: keep a few tasks queued for the first.
        return max(2 * self._threads, 2)


def _local_cluster(workers: int, allowed_failures: int | None) -> Any:
    import logging

    import dask

    # One task per worker thread at a time, the rest queued on the scheduler: a worker that
    # dies then takes only its own task with it. Tasks queued on it would count as suspects
    # too, and an innocent one could reach allowed-failures beside a task that crashes.
    settings: dict[str, Any] = {"distributed.scheduler.worker-saturation": 1.0}
    if allowed_failures is not None:
        settings["distributed.scheduler.allowed-failures"] = allowed_failures
    with dask.config.set(settings):
        return _distributed().LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.ERROR,
            preload=["curator_export_dask.local_worker"],
        )


def _outcome(future: DaskFuture, task: Task, submitted: float) -> TaskOutcome:
    killed_worker = _distributed().KilledWorker
    duration = time.monotonic() - submitted
    if future.cancelled():
        return interrupted(task, started=True)
    try:
        data = future.result()
    except killed_worker as error:
        message = (
            f"task {task.task_id}: its worker died each time it ran ({error.allowed_failures + 1}"
            f" times, the last on {error.last_worker.address}); the scheduler gave up on it"
        )
        return crashed(task, message, duration)
    except Exception as error:  # the cluster's trouble, not the task's (which is in `data`)
        failure = TaskFailure(
            ErrorKind.CRASHED,
            f"task {task.task_id}: the cluster failed it: {type(error).__name__}: {error}",
            exception_type=type(error).__name__,
        )
        return TaskOutcome(task.task_id, failure=failure, duration=duration)
    return outcome_from_bytes(task, data, duration)


def _distributed() -> Any:
    """The ``distributed`` package, imported on first use (this plugin's entry stays cheap)."""
    import distributed

    return distributed
