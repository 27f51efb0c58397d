"""Executors run batch tasks and stream their outcomes back as each one finishes.

Every task yields exactly one ``TaskOutcome``, whatever happens to it: a value, or a
``TaskFailure`` that says why (``ErrorKind``). A failure belongs to its task alone: the
process executor replaces a worker that crashed or ran out of time and goes on with the
rest of the batch. Usage::

    with make_executor("process", max_workers=2, initializer=load_plugins) as executor:
        for outcome in executor.run(tasks):
            ...  # executor.cancel() here: nothing new starts, the rest comes back INTERRUPTED

More executors (a distributed engine) come from plugins through ``ExecutorSpec``; they
build their outcomes with ``run_task``, ``outcome_bytes``/``outcome_from_bytes``,
``interrupted`` and ``crashed``, so that a failure reads the same whatever ran the task.
"""

from __future__ import annotations

import functools
import os
import pickle
import signal
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Iterator, Mapping
from types import MappingProxyType, TracebackType
from typing import TYPE_CHECKING, Any, Protocol, Self

import attrs

from curator_export import forkserver
from curator_export.errors import UnknownNameError
from curator_export.logging import get_logger
from curator_export.model import ErrorKind

if TYPE_CHECKING:
    from concurrent.futures import Future
    from multiprocessing.process import BaseProcess

log = get_logger(__name__)

# How often a waiting run() looks at the cancel flag. cancel() only sets the flag, so that
# it is safe to call from a signal handler or another thread.
_POLL_INTERVAL = 0.1
# How long stopped workers get to exit (all are signalled at once) before SIGKILL.
_STOP_GRACE = 3.0
# Quick tasks go to a worker in bundles of about this many seconds of work, at most
# _MAX_BUNDLE tasks: each round trip through the pool costs the parent about a millisecond
# of CPU (three threads hand every task on, and a worker acknowledges it before its result),
# which a task of a few milliseconds takes from the workers.
_BUNDLE_SECONDS = 0.05
_MAX_BUNDLE = 8


@attrs.frozen
class Task:
    """One unit of work: ``function(*args)``, stopped after ``timeout`` seconds if not None.

    A process executor sends the task to another process: ``function`` must be a module-level
    function and ``args`` must pickle.
    """

    task_id: str
    function: Callable[..., Any]
    args: tuple[Any, ...] = attrs.field(default=(), repr=False)
    timeout: float | None = None


@attrs.frozen
class TaskFailure:
    """Why a task has no value.

    ``exception`` is the exception the function raised, kept so that callers can classify it
    (``errno.ENOSPC``, a transient error); it is None when it could not cross the process
    boundary, and ``exception_type`` and ``traceback`` still say what it was.
    """

    kind: ErrorKind
    message: str
    exception_type: str | None = None
    traceback: str | None = None
    exception: BaseException | None = attrs.field(default=None, eq=False, repr=False)


@attrs.frozen
class TaskOutcome:
    """What became of one task; ``duration`` is in seconds."""

    task_id: str
    value: Any = attrs.field(default=None, repr=False)
    failure: TaskFailure | None = None
    duration: float = 0.0

    @property
    def ok(self) -> bool:
        return self.failure is None


class Executor(Protocol):
    """Runs tasks and yields one outcome per task, in the order they finish."""

    def run(self, tasks: Iterable[Task]) -> Iterator[TaskOutcome]: ...

    def cancel(self) -> None:
        """Start no new task and stop running ones; the rest come back INTERRUPTED."""

    def shutdown(self) -> None:
        """Release the workers; no process of the executor outlives this call."""

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


class ShutsDownOnExit:
    """``with executor:`` releases its workers on the way out (``shutdown()``), as the
    ``Executor`` protocol asks; executors from plugins may use it too."""

    def shutdown(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.shutdown()


class SerialExecutor(ShutsDownOnExit):
    """Runs tasks one after another in this process: for debugging, and where forking is out.

    ``initializer(*initargs)`` runs once, before the first task. Timeouts cannot be enforced
    in-process (a running Python function cannot be stopped safely from outside), so
    ``Task.timeout`` is ignored. ``max_workers`` is accepted and ignored so that callers can
    build any executor with the same options.
    """

    def __init__(
        self,
        max_workers: int | None = None,
        initializer: Callable[..., object] | None = None,
        initargs: tuple[Any, ...] = (),
    ) -> None:
        self._initializer = initializer
        self._initargs = initargs
        self._cancelled = False

    def run(self, tasks: Iterable[Task]) -> Iterator[TaskOutcome]:
        if self._initializer is not None:
            initializer, self._initializer = self._initializer, None
            initializer(*self._initargs)
        for task in tasks:
            yield interrupted(task, started=False) if self._cancelled else run_task(task)

    def cancel(self) -> None:
        self._cancelled = True

    def shutdown(self) -> None:
        pass


class ProcessExecutor(ShutsDownOnExit):
    """Runs tasks in a pool of ``max_workers`` local processes (pebble, forkserver).

    A worker that dies (killed, segfault, out of memory) or overruns its task's timeout is
    stopped and replaced; only its own task fails. Workers ignore SIGINT: Ctrl-C reaches the
    whole process group, and the parent decides what it means for the batch.

    ``initializer(*initargs)`` runs once in each worker, just before its first task, so a
    failing or crashing initializer fails tasks (with its error) instead of leaving the pool
    respawning workers that never take one. Its time counts against that task's timeout but
    not its duration.

    Tasks that turn out quick (a few milliseconds, as most documents are) go to a worker
    several at a time, in a bundle of about 50 ms of work (``bundled_tasks`` counts them).
    A failure still belongs to its task alone: a bundle whose worker dies or overruns the
    longest timeout of its tasks is run again one task at a time, so the task that crashes or
    hangs fails by itself (a hanging task then fails after up to twice its timeout).

    Twice as many bundles as workers are sent ahead, and at most ``max_in_flight`` tasks
    (default: ``_MAX_BUNDLE`` per bundle) are taken from the iterable ahead of their outcomes,
    so that a batch of large payloads (slow tasks, which go one by one) is not held in memory
    at once.

    ``preload`` names modules for the forkserver to import before it forks the first worker,
    when this process starts its forkserver: every worker of every later pool then starts with
    them imported, instead of importing them on its first task.
    """

    def __init__(
        self,
        max_workers: int | None = None,
        initializer: Callable[..., object] | None = None,
        initargs: tuple[Any, ...] = (),
        max_in_flight: int | None = None,
        preload: Iterable[str] = (),
    ) -> None:
        self.max_workers = max_workers or os.cpu_count() or 1
        self.max_in_flight = max_in_flight or 2 * self.max_workers * _MAX_BUNDLE
        if self.max_workers < 1 or self.max_in_flight < 1:
            raise ValueError("max_workers and max_in_flight must be at least 1")
        try:
            pickle.dumps((initializer, initargs))
        except Exception as error:
            raise TypeError(f"initializer and initargs must pickle: {error}") from error
        self._initializer = initializer
        self._initargs = initargs
        self._preload = tuple(preload)
        self._pool: Any = None
        self._cancelled = False
        #: How many tasks went to workers in bundles of several.
        self.bundled_tasks = 0

    def run(self, tasks: Iterable[Task]) -> Iterator[TaskOutcome]:
        from concurrent.futures import FIRST_COMPLETED, wait

        feed = _Feed(iter(tasks))
        in_flight: dict[Future[Any], _Sent] = {}
        try:
            while not self._cancelled:
                while len(in_flight) < 2 * self.max_workers and not self._cancelled:
                    room = self.max_in_flight - sum(len(sent.tasks) for sent in in_flight.values())
                    bundle = feed.take(room)
                    if not bundle:
                        break
                    sent = _Sent(bundle, time.monotonic())
                    in_flight[self._submit(sent)] = sent
                if not in_flight or self._cancelled:
                    break
                done, _ = wait(in_flight, timeout=_POLL_INTERVAL, return_when=FIRST_COMPLETED)
                for future in done:
                    yield from feed.settle(future, in_flight.pop(future))
                if not done and not self._pool_works():
                    # pebble's own threads died: what is in flight will never finish.
                    stuck, in_flight = in_flight, {}
                    message = "the worker pool stopped working"
                    for sent in stuck.values():
                        for task in sent.tasks:
                            yield crashed(task, message, _since(sent.submitted))
            if not self._cancelled:
                return
            # What finished before the stop is real; the stop itself fails the rest.
            finished = {future for future in in_flight if future.done()}
            running = {future for future in in_flight if future.running()}
            self.shutdown()
            for future, sent in in_flight.items():
                if future in finished:
                    yield from feed.settle(future, sent)
                else:
                    for task in sent.tasks:
                        yield interrupted(task, started=future in running)
            for task in feed.rest():
                yield interrupted(task, started=False)
        finally:
            # The consumer left early (break, an exception): pebble stops the workers of
            # cancelled running tasks, so nothing of this run keeps working.
            for future in in_flight:
                future.cancel()

    def cancel(self) -> None:
        self._cancelled = True

    def shutdown(self) -> None:
        pool, self._pool = self._pool, None
        if pool is None:
            return
        pool.stop()
        with pool._pool_manager.replacing:  # no worker starts once this is held
            workers = _workers_of(pool)
        # pebble's join stops workers one after another, up to 3 s each, and waits for its
        # threads, which look at the pool every 0.1 s: signal all workers at once, bound the
        # waits, and leave pebble's threads (which hold no process) to close its channels.
        for process in workers:
            process.terminate()
        deadline = time.monotonic() + _STOP_GRACE
        for process in workers:
            process.join(max(0.0, deadline - time.monotonic()))
        _kill(workers)
        threading.Thread(target=pool.join, name="curator-export-pool-join", daemon=True).start()

    def _submit(self, sent: _Sent) -> Future[Any]:
        if self._pool is None:
            import multiprocessing

            # fork would copy locks held by the parent's other threads (a progress bar).
            context = multiprocessing.get_context("forkserver")
            # Every worker needs pebble's worker loop and this module's task runner:
            # imported in each new worker instead, pebble alone costs it about 50 ms.
            forkserver.start(context, ["pebble.pool.process", __name__, *self._preload])
            self._pool = _pool_class()(
                max_workers=self.max_workers,
                initializer=_init_worker,
                initargs=(self._initializer, self._initargs),
                context=context,
            )
        elif not self._pool_works():
            from concurrent.futures import Future
            from concurrent.futures.process import BrokenProcessPool

            failed: Future[Any] = Future()
            failed.set_exception(BrokenProcessPool("the worker pool stopped working"))
            return failed
        tasks = sent.tasks
        if len(tasks) == 1:
            future: Future[Any] = self._pool.schedule(
                _run_in_worker, (tasks[0],), timeout=tasks[0].timeout
            )
            return future
        self.bundled_tasks += len(tasks)
        timeouts = [task.timeout for task in tasks]
        # Its tasks were quick: a bundle still running after its longest timeout is stuck.
        timeout = None if None in timeouts else max(t for t in timeouts if t is not None)
        bundled: Future[Any] = self._pool.schedule(_run_bundle, (tasks,), timeout=timeout)
        return bundled

    def _pool_works(self) -> bool:
        return self._pool is not None and bool(self._pool.active)


BUILTIN_EXECUTORS: Mapping[str, Callable[..., Executor]] = MappingProxyType(
    {"process": ProcessExecutor, "serial": SerialExecutor}
)


def make_executor(name: str, **options: Any) -> Executor:
    """Build the built-in executor called ``name`` with its keyword ``options``."""
    try:
        factory = BUILTIN_EXECUTORS[name]
    except KeyError:
        known = ", ".join(sorted(BUILTIN_EXECUTORS))
        raise UnknownNameError(f"unknown executor {name!r}; known: {known}") from None
    return factory(**options)


# --- in the worker process -------------------------------------------------------------


@attrs.define
class _WorkerSetup:
    initializer: Callable[..., object] | None = None
    initargs: tuple[Any, ...] = ()
    error: BaseException | None = None


_worker_setup = _WorkerSetup()


def _init_worker(initializer: Callable[..., object] | None, initargs: tuple[Any, ...]) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _worker_setup.initializer = initializer
    _worker_setup.initargs = initargs


def _run_in_worker(task: Task) -> bytes:
    """Run a task in a worker and return its outcome pickled (see ``outcome_bytes``)."""
    setup = _worker_setup
    if setup.initializer is not None:
        initializer, setup.initializer = setup.initializer, None
        try:
            initializer(*setup.initargs)
        except Exception as error:
            setup.error = error
    if setup.error is None:
        return outcome_bytes(run_task(task))
    message = f"worker initializer failed: {setup.error}"
    return outcome_bytes(
        TaskOutcome(task.task_id, failure=_exception_failure(setup.error, message))
    )


def _run_bundle(tasks: tuple[Task, ...]) -> list[bytes]:
    """Run several tasks one after another in a worker; their outcomes, pickled, in order."""
    return [_run_in_worker(task) for task in tasks]


def run_task(task: Task) -> TaskOutcome:
    """Run ``task`` here: its value, or the exception it raised as a WRITER_ERROR failure.

    Public for executors from plugins, so that every executor classifies failures alike.
    """
    start = time.perf_counter()
    try:
        value = task.function(*task.args)
    except Exception as error:
        failure = _exception_failure(error)
        return TaskOutcome(task.task_id, failure=failure, duration=time.perf_counter() - start)
    return TaskOutcome(task.task_id, value=value, duration=time.perf_counter() - start)


def outcome_bytes(outcome: TaskOutcome) -> bytes:
    """``outcome`` pickled, to send from a worker process to the parent.

    Whatever would not unpickle on the other side is replaced here, for this task only: pebble
    breaks the whole pool on a result the parent cannot unpickle (an exception whose
    ``__init__`` takes other arguments), and a distributed worker would report a serialization
    error instead of the task's own.
    """
    failure = outcome.failure
    if failure is not None and failure.exception is not None:
        try:
            pickle.loads(pickle.dumps(failure.exception))
        except Exception:
            outcome = attrs.evolve(outcome, failure=attrs.evolve(failure, exception=None))
    try:
        return pickle.dumps(outcome)
    except Exception as error:
        message = f"the task's value does not pickle: {error}"
        failure = attrs.evolve(_exception_failure(error, message), exception=None)
        replaced = TaskOutcome(outcome.task_id, failure=failure, duration=outcome.duration)
        return pickle.dumps(replaced)


# --- back in the parent ----------------------------------------------------------------


@attrs.frozen
class _Sent:
    """Tasks sent to a worker together (most often one), and when."""

    tasks: tuple[Task, ...]
    submitted: float


class _Feed:
    """The tasks still to send, in bundles as large as their recent durations allow, and
    what came back of those sent: outcomes, or bundles to send again one task at a time."""

    def __init__(self, pending: Iterator[Task]) -> None:
        self._pending = pending
        self._alone: list[Task] = []  # from bundles that failed, to run one at a time
        self._typical: float | None = None  # seconds a recent task took

    def take(self, room: int) -> tuple[Task, ...]:
        """The next task, or bundle of tasks (never more than ``room``)."""
        if room < 1:
            return ()
        if self._alone:
            return (self._alone.pop(0),)
        size = 1
        if self._typical is not None:
            size = int(_BUNDLE_SECONDS / max(self._typical, 1e-4))
        size = max(1, min(size, _MAX_BUNDLE, room))
        bundle = []
        for task in self._pending:
            bundle.append(task)
            if len(bundle) == size:
                break
        return tuple(bundle)

    def settle(self, future: Future[Any], sent: _Sent) -> Iterator[TaskOutcome]:
        """The outcomes of ``sent``; none for a bundle whose tasks go again one by one."""
        if len(sent.tasks) == 1:
            outcome = _outcome(future, sent.tasks[0], sent.submitted)
            self._observe(outcome)
            yield outcome
            return
        if future.cancelled():
            for task in sent.tasks:
                yield interrupted(task, started=True)
            return
        error = future.exception()
        if error is None:
            for task, data in zip(sent.tasks, future.result(), strict=True):
                outcome = outcome_from_bytes(task, data, _since(sent.submitted))
                self._observe(outcome)
                yield outcome
            return
        from concurrent.futures.process import BrokenProcessPool

        if isinstance(error, BrokenProcessPool):
            for task in sent.tasks:
                yield TaskOutcome(task.task_id, failure=_failure(task, error))
            return
        # Which task crashed, hung or did not pickle, and which finished unreported, cannot
        # be told: each runs again by itself (a staged file is replaced, not refused).
        log.info(
            "a bundle of tasks failed: each runs again alone",
            tasks=[task.task_id for task in sent.tasks],
            error=repr(error),
        )
        self._alone.extend(sent.tasks)
        self._typical = None  # start small again

    def rest(self) -> Iterator[Task]:
        yield from self._alone
        yield from self._pending

    def _observe(self, outcome: TaskOutcome) -> None:
        if outcome.ok:
            previous = self._typical
            duration = outcome.duration
            self._typical = duration if previous is None else (previous + duration) / 2


def _outcome(future: Future[bytes], task: Task, submitted: float) -> TaskOutcome:
    if future.cancelled():
        return interrupted(task, started=True)
    error = future.exception()
    if error is None:
        return outcome_from_bytes(task, future.result(), _since(submitted))
    return TaskOutcome(task.task_id, failure=_failure(task, error), duration=_since(submitted))


def outcome_from_bytes(task: Task, data: bytes, duration: float) -> TaskOutcome:
    """The outcome ``outcome_bytes`` sent; a failure when it cannot be unpickled here."""
    try:
        outcome: TaskOutcome = pickle.loads(data)
    except Exception as unpickling:
        message = f"the task's value cannot be unpickled: {unpickling}"
        failure = _exception_failure(unpickling, message)
        return TaskOutcome(task.task_id, failure=failure, duration=duration)
    return outcome


def _failure(task: Task, error: BaseException) -> TaskFailure:
    """Classify what pebble reports for a task whose worker returned no outcome."""
    from concurrent.futures import CancelledError
    from concurrent.futures.process import BrokenProcessPool

    from pebble import ProcessExpired

    if isinstance(error, ProcessExpired):
        return TaskFailure(ErrorKind.CRASHED, f"worker process died ({_exit_reason(error)})")
    if isinstance(error, TimeoutError):
        message = f"ran longer than its timeout of {task.timeout} s; its worker was stopped"
        return TaskFailure(ErrorKind.TIMEOUT, message)
    if isinstance(error, BrokenProcessPool):
        return TaskFailure(ErrorKind.CRASHED, str(error) or "the worker pool broke")
    if isinstance(error, CancelledError):
        return TaskFailure(ErrorKind.INTERRUPTED, "cancelled")
    # What escapes _run_in_worker: BaseException (SystemExit), or its arguments not pickling.
    return _exception_failure(error)


def _exception_failure(error: BaseException, message: str | None = None) -> TaskFailure:
    remote_traceback = getattr(error, "traceback", None)  # pebble's, for remote exceptions
    return TaskFailure(
        kind=ErrorKind.WRITER_ERROR,
        message=message or str(error) or type(error).__name__,
        exception_type=_type_name(error),
        traceback=remote_traceback or "".join(traceback.format_exception(error)),
        exception=error,
    )


def interrupted(task: Task, *, started: bool) -> TaskOutcome:
    """The outcome of a task the batch's cancellation stopped (``started``) or never ran."""
    message = "stopped: the batch was cancelled" if started else "not run: the batch was cancelled"
    return TaskOutcome(task.task_id, failure=TaskFailure(ErrorKind.INTERRUPTED, message))


def crashed(task: Task, message: str, duration: float = 0.0) -> TaskOutcome:
    """The outcome of a task whose worker died or was lost: ``message`` says how."""
    failure = TaskFailure(ErrorKind.CRASHED, message)
    return TaskOutcome(task.task_id, failure=failure, duration=duration)


def _since(moment: float) -> float:
    return time.monotonic() - moment


def _exit_reason(error: Any) -> str:
    code = error.exitcode
    if code is None or code >= 0:
        return f"exit code {code}"
    try:
        return f"signal {-code}: {signal.Signals(-code).name}"
    except ValueError:
        return f"signal {-code}"


def _type_name(error: BaseException) -> str:
    kind = type(error)
    if kind.__module__ == "builtins":
        return kind.__qualname__
    return f"{kind.__module__}.{kind.__qualname__}"


# --- pebble ----------------------------------------------------------------------------


@functools.cache
def _pool_class() -> Any:
    """pebble's ProcessPool, with each dead worker matched to the task it was running.

    pebble (5.1 to 5.2.3) matches a dead worker to the first unfinished task it acknowledged
    as soon as it sees the death. Messages from the worker may still be unread then: the
    result of its previous task (which is then reported as crashed, while the task that did
    crash never finishes), or the acknowledgement of the task it died in (pebble forgets the
    death, or declares the whole pool broken if nothing else runs). It also overlooks a
    worker that exits with code 0. Here a death is settled once every message the worker
    sent before dying has been read.
    """
    from concurrent.futures.process import BrokenProcessPool

    import pebble
    from pebble.common.types import ProcessExpired, Result, ResultStatus
    from pebble.pool.process import PoolManager

    class Manager(PoolManager):
        def __init__(self, *args: Any) -> None:
            super().__init__(*args)
            self.deaths: dict[int, tuple[int | None, float]] = {}
            self.idle_deaths = 0
            #: Held while dead workers are replaced; once the pool is stopped, none is.
            self.replacing = threading.Lock()

        def update_workers(self) -> None:
            workers: Any = self.worker_manager  # pebble's methods are not annotated
            with self.replacing:
                if not self.context.alive:
                    return
                for pid, worker in tuple(workers.workers.items()):
                    if not worker.is_alive():
                        del workers.workers[pid]
                        self.deaths[pid] = (worker.exitcode, time.monotonic())
                workers.create_workers()

        def process_next_message(self, timeout: float) -> None:
            super().process_next_message(timeout)
            if self.deaths:
                self.settle_deaths()

        def settle_deaths(self) -> None:
            drained_at = time.monotonic()
            channel: Any = self.worker_manager.pool_channel
            try:
                if channel.poll(0):
                    return
            except (OSError, ValueError):
                return  # the channel closed: the pool is stopping
            # The channel is empty, so every death seen before now has no unread message:
            # its worker's one acknowledged task without a result is the one it died in.
            tasks = tuple(self.task_manager.tasks.values())
            running = {task.worker_id: task for task in tasks if task.worker_id}
            if running:
                self.idle_deaths = 0
            for pid, (exitcode, died_at) in tuple(self.deaths.items()):
                if died_at >= drained_at:
                    continue
                del self.deaths[pid]
                task = running.get(pid)
                if task is None:
                    self.idle_deaths += 1
                    continue
                error = ProcessExpired("Abnormal termination", exitcode, pid)  # type: ignore[no-untyped-call]
                self.task_manager.task_done(task.id, Result(ResultStatus.ERROR, error))
            # Workers that die before taking a task (they cannot unpickle the initializer)
            # would otherwise be replaced forever, with every task waiting.
            if self.idle_deaths > 2 * self.worker_manager.workers_number:
                raise BrokenProcessPool("worker processes keep dying before taking a task")

    class Pool(pebble.ProcessPool):
        def __init__(self, **options: Any) -> None:
            super().__init__(**options)
            self._pool_manager = Manager(self._context, options["context"])

    return Pool


def _workers_of(pool: Any) -> list[BaseProcess]:
    return list(pool._pool_manager.worker_manager.workers.values())


def _kill(processes: list[BaseProcess]) -> None:
    for process in processes:
        if process.is_alive():
            process.kill()
            process.join(1.0)
