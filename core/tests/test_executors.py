"""Executors with real worker processes: isolation of crashes and timeouts, cancel, cleanup."""

from __future__ import annotations

import errno
import multiprocessing
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from curator_export import testing_tasks
from curator_export.errors import UnknownNameError
from curator_export.executors import (
    ProcessExecutor,
    SerialExecutor,
    Task,
    TaskOutcome,
    make_executor,
)
from curator_export.model import ErrorKind


def square_tasks(count: int) -> list[Task]:
    return [Task(f"sq{n}", testing_tasks.square, (n,)) for n in range(count)]


def run_all(
    executor: ProcessExecutor | SerialExecutor, tasks: list[Task]
) -> dict[str, TaskOutcome]:
    with executor:
        outcomes = list(executor.run(tasks))
    assert sorted(outcome.task_id for outcome in outcomes) == sorted(task.task_id for task in tasks)
    return {outcome.task_id: outcome for outcome in outcomes}


def kind_of(outcome: TaskOutcome) -> ErrorKind | None:
    return outcome.failure.kind if outcome.failure else None


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"


def descendants() -> set[int]:
    """Live processes below this one, but for multiprocessing's own helpers.

    The forkserver and the resource tracker are shared by every pool of this process and
    stay; workers are the forkserver's children, so they are counted.
    """
    children: dict[int, list[int]] = {}
    for stat_path in Path("/proc").glob("[0-9]*/stat"):
        try:
            stat = stat_path.read_text()
        except OSError:
            continue
        state, parent = stat[stat.rindex(")") + 2 :].split()[:2]
        if state != "Z":
            children.setdefault(int(parent), []).append(int(stat_path.parent.name))
    helpers = {
        pid
        for pid in children.get(os.getpid(), [])
        if b"multiprocessing" in Path(f"/proc/{pid}/cmdline").read_bytes()
    }
    found: set[int] = set()
    todo = [os.getpid()]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found - helpers


def assert_no_child_left() -> None:
    assert multiprocessing.active_children() == []
    assert descendants() == set()


def test_many_tasks_all_come_back_with_their_values():
    """Thirty tasks on two workers each come back once, with the right value."""
    outcomes = run_all(ProcessExecutor(max_workers=2), square_tasks(30))
    assert {task_id: outcome.value for task_id, outcome in outcomes.items()} == {
        f"sq{n}": n * n for n in range(30)
    }
    assert all(outcome.ok for outcome in outcomes.values())


def test_raising_task_fails_alone_with_its_type_message_and_traceback():
    """A task that raises fails as WRITER_ERROR with the exception; its neighbours succeed."""
    tasks = [*square_tasks(3), Task("bad", testing_tasks.fail, ("no slides",))]
    outcomes = run_all(ProcessExecutor(max_workers=2), tasks)
    failure = outcomes.pop("bad").failure
    assert failure is not None
    assert (failure.kind, failure.message, failure.exception_type) == (
        ErrorKind.WRITER_ERROR,
        "no slides",
        "ValueError",
    )
    assert isinstance(failure.exception, ValueError)
    assert failure.traceback is not None
    assert "in fail" in failure.traceback
    assert failure.traceback.rstrip().endswith("ValueError: no slides")
    assert all(outcome.ok for outcome in outcomes.values())


def test_oserror_errno_survives_the_process_boundary():
    """A disk-full OSError comes back as an OSError with errno ENOSPC, for the caller to sort."""
    outcomes = run_all(
        ProcessExecutor(max_workers=1), [Task("full", testing_tasks.disk_full, ("x",))]
    )
    failure = outcomes["full"].failure
    assert failure is not None
    assert isinstance(failure.exception, OSError)
    assert failure.exception.errno == errno.ENOSPC


def test_exception_that_cannot_be_unpickled_keeps_its_name_and_message():
    """An exception that does not unpickle still reports its type and message, and no more."""
    tasks = [Task("odd", testing_tasks.fail_unpicklably), *square_tasks(2)]
    outcomes = run_all(ProcessExecutor(max_workers=1), tasks)
    failure = outcomes["odd"].failure
    assert failure is not None
    assert failure.exception is None
    assert failure.exception_type == "curator_export.testing_tasks.UnpicklableError"
    assert failure.message == "writer: broke"
    assert outcomes["sq1"].value == 1


@pytest.mark.parametrize(
    ("function", "args", "reason"),
    [
        (testing_tasks.exit_abruptly, (3,), "exit code 3"),
        (testing_tasks.exit_abruptly, (0,), "exit code 0"),
        (testing_tasks.kill_self, (), "signal 9: SIGKILL"),
    ],
    ids=["exit-3", "exit-0", "sigkill"],
)
def test_dying_worker_fails_only_its_task_and_the_pool_recovers(function, args, reason):
    """A worker that dies fails its task as CRASHED with the cause; later tasks still run."""
    tasks = [Task("dies", function, args), *square_tasks(4)]
    outcomes = run_all(ProcessExecutor(max_workers=1), tasks)
    failure = outcomes.pop("dies").failure
    assert failure is not None
    assert failure.kind is ErrorKind.CRASHED
    assert failure.message == f"worker process died ({reason})"
    assert {task_id: outcome.value for task_id, outcome in outcomes.items()} == {
        "sq0": 0,
        "sq1": 1,
        "sq2": 4,
        "sq3": 9,
    }


def test_hanging_task_times_out_and_its_worker_is_really_stopped(tmp_path):
    """A task past its timeout fails as TIMEOUT, its worker process is gone, the rest runs."""
    pid_file = tmp_path / "pid"
    tasks = [Task("stuck", testing_tasks.hang, (str(pid_file),), timeout=0.5), *square_tasks(2)]
    outcomes = run_all(ProcessExecutor(max_workers=1), tasks)
    failure = outcomes["stuck"].failure
    assert failure is not None
    assert failure.kind is ErrorKind.TIMEOUT
    assert "timeout of 0.5 s" in failure.message
    assert not alive(int(pid_file.read_text()))
    assert outcomes["sq1"].value == 1


def test_quick_tasks_go_in_bundles_and_each_comes_back_once():
    """Quick tasks travel several at a time; every one still has its own outcome."""
    executor = ProcessExecutor(max_workers=2)
    outcomes = run_all(executor, square_tasks(200))
    assert executor.bundled_tasks > 100
    assert {task_id: outcome.value for task_id, outcome in outcomes.items()} == {
        f"sq{n}": n * n for n in range(200)
    }
    assert all(outcome.duration < 1 for outcome in outcomes.values())


def test_a_worker_dying_in_a_bundle_fails_only_its_task(tmp_path):
    """The bundle runs again one task at a time: only the task that kills its worker fails,
    the tasks before and after it in the bundle succeed."""
    attempts = tmp_path / "attempts"
    tasks = [
        *square_tasks(40),
        Task("dies", testing_tasks.kill_self, (str(attempts),)),
        *(Task(f"after{n}", testing_tasks.square, (n,)) for n in range(10)),
    ]
    executor = ProcessExecutor(max_workers=1)
    outcomes = run_all(executor, tasks)
    failure = outcomes.pop("dies").failure
    assert failure is not None
    assert failure.kind is ErrorKind.CRASHED
    assert failure.message == "worker process died (signal 9: SIGKILL)"
    assert len(attempts.read_text().split()) == 2  # in its bundle, then alone
    assert all(outcome.ok for outcome in outcomes.values())
    assert outcomes["sq39"].value == 39 * 39
    assert outcomes["after9"].value == 81


def test_a_task_hanging_in_a_bundle_times_out_alone(tmp_path):
    """A bundle stuck past its tasks' longest timeout runs again one by one: the hanging task
    fails as TIMEOUT after its own timeout, its neighbours succeed, no worker is left."""
    pid_file = tmp_path / "pid"
    tasks = [
        *(Task(f"sq{n}", testing_tasks.square, (n,), timeout=1.0) for n in range(40)),
        Task("stuck", testing_tasks.hang, (str(pid_file),), timeout=0.5),
        *(Task(f"after{n}", testing_tasks.square, (n,), timeout=1.0) for n in range(5)),
    ]
    executor = ProcessExecutor(max_workers=1)
    outcomes = run_all(executor, tasks)
    failure = outcomes.pop("stuck").failure
    assert failure is not None
    assert failure.kind is ErrorKind.TIMEOUT
    assert "timeout of 0.5 s" in failure.message
    assert all(outcome.ok for outcome in outcomes.values())
    assert not alive(int(pid_file.read_text()))
    assert_no_child_left()


def test_a_task_that_does_not_pickle_fails_alone_in_a_bundle():
    """Arguments that cannot be sent to a worker fail their task only, not its bundle."""
    tasks = [
        *square_tasks(40),
        Task("unsendable", testing_tasks.square, (lambda: 3,)),
        *(Task(f"after{n}", testing_tasks.square, (n,)) for n in range(5)),
    ]
    executor = ProcessExecutor(max_workers=1)
    outcomes = run_all(executor, tasks)
    failure = outcomes.pop("unsendable").failure
    assert failure is not None
    assert failure.kind is ErrorKind.WRITER_ERROR
    assert "pickle" in failure.message.lower()
    assert all(outcome.ok for outcome in outcomes.values())
    assert executor.bundled_tasks > 0


def test_initializer_runs_once_per_worker_not_per_task(tmp_path):
    """Each worker runs the initializer once, however many tasks it takes."""
    log = tmp_path / "init.log"
    executor = ProcessExecutor(
        max_workers=2, initializer=testing_tasks.record_init, initargs=(str(log),)
    )
    tasks = [Task(f"t{n}", testing_tasks.init_calls_here) for n in range(12)]
    outcomes = run_all(executor, tasks)
    pids_and_calls = [outcome.value for outcome in outcomes.values()]
    assert {calls for _, calls in pids_and_calls} == {1}
    init_pids = [int(line) for line in log.read_text().split()]
    assert len(init_pids) == len(set(init_pids)) <= 2
    assert {pid for pid, _ in pids_and_calls} <= set(init_pids)


def test_failing_initializer_fails_each_task_with_its_error():
    """When the worker initializer raises, every task fails with that error instead of hanging."""
    executor = ProcessExecutor(
        max_workers=1, initializer=testing_tasks.fail, initargs=("plugin broken",)
    )
    outcomes = run_all(executor, square_tasks(3))
    messages = [outcome.failure.message for outcome in outcomes.values() if outcome.failure]
    assert messages == ["worker initializer failed: plugin broken"] * 3


def test_workers_that_cannot_start_fail_the_tasks_instead_of_hanging():
    """Workers dying as they start (unloadable initargs) fail every task as CRASHED."""
    executor = ProcessExecutor(
        max_workers=1,
        initializer=testing_tasks.record_init,
        initargs=(testing_tasks.FailsToLoad(),),
    )
    outcomes = run_all(executor, square_tasks(4))
    assert [kind_of(outcome) for outcome in outcomes.values()] == [ErrorKind.CRASHED] * 4


def test_workers_ignore_ctrl_c():
    """SIGINT sent to a worker does not stop its task: Ctrl-C is the parent's to handle."""
    outcomes = run_all(ProcessExecutor(max_workers=1), [Task("int", testing_tasks.interrupt_self)])
    assert outcomes["int"].value == "survived"


def test_cancel_mid_batch_interrupts_the_rest_and_leaves_no_process():
    """After cancel(), running and unstarted tasks come back INTERRUPTED and no worker remains."""
    tasks = [
        Task("quick", testing_tasks.square, (2,)),
        *(Task(f"hang{n}", testing_tasks.hang) for n in range(6)),
    ]
    outcomes: list[TaskOutcome] = []
    executor = ProcessExecutor(max_workers=2)
    for outcome in executor.run(tasks):
        outcomes.append(outcome)
        executor.cancel()
    assert_no_child_left()  # cancel() alone stopped everything, before any __exit__
    assert outcomes[0].task_id == "quick"
    assert outcomes[0].value == 4
    assert sorted(outcome.task_id for outcome in outcomes[1:]) == [f"hang{n}" for n in range(6)]
    assert [kind_of(outcome) for outcome in outcomes[1:]] == [ErrorKind.INTERRUPTED] * 6


def interrupt_while_consuming(tasks: list[Task]) -> None:
    with ProcessExecutor(max_workers=2) as executor:
        for _ in executor.run(tasks):
            raise KeyboardInterrupt


def test_ctrl_c_in_the_consuming_loop_leaves_no_process():
    """A KeyboardInterrupt raised while outcomes stream in still stops every worker."""
    tasks = [Task("quick", testing_tasks.square, (2,)), Task("hang", testing_tasks.hang)]
    with pytest.raises(KeyboardInterrupt):
        interrupt_while_consuming(tasks)
    assert_no_child_left()


def test_tasks_are_taken_from_the_iterable_only_a_few_ahead():
    """The executor holds at most max_in_flight tasks beyond the outcomes it has yielded."""
    taken = 0

    def tasks() -> Iterator[Task]:
        nonlocal taken
        for task in square_tasks(40):
            taken += 1
            yield task

    executor = ProcessExecutor(max_workers=2, max_in_flight=3)
    with executor:
        for seen, _ in enumerate(executor.run(tasks()), start=1):
            assert taken <= seen - 1 + 3
    assert taken == 40


def test_unknown_executor_name_lists_the_known_ones():
    """An unknown executor name raises UnknownNameError naming every known executor."""
    with pytest.raises(UnknownNameError, match=r"unknown executor 'dask'; known: process, serial"):
        make_executor("dask")


def test_serial_executor_runs_in_order_here_after_one_initializer_call():
    """The serial executor initializes once, runs tasks in order in this process, keeps errors."""
    calls: list[str] = []
    executor = make_executor("serial", initializer=calls.append, initargs=("init",))
    tasks = [
        Task("a", testing_tasks.pid_after, (0,)),
        Task("b", testing_tasks.fail, ("broken",)),
        Task("c", testing_tasks.square, (3,), timeout=0.001),  # not enforced in-process
    ]
    with executor:
        outcomes = list(executor.run(tasks))
        outcomes += list(executor.run([Task("d", testing_tasks.square, (4,))]))
    assert calls == ["init"]
    assert [outcome.task_id for outcome in outcomes] == ["a", "b", "c", "d"]
    assert outcomes[0].value == os.getpid()
    assert outcomes[1].failure is not None
    assert outcomes[1].failure.kind is ErrorKind.WRITER_ERROR
    assert isinstance(outcomes[1].failure.exception, ValueError)
    assert [outcomes[2].value, outcomes[3].value] == [9, 16]


def test_serial_cancel_stops_before_the_next_task():
    """cancel() during a serial run lets no further task start; they come back INTERRUPTED."""
    executor = SerialExecutor()
    outcomes = []
    for outcome in executor.run(square_tasks(4)):
        outcomes.append(outcome)
        executor.cancel()
    assert outcomes[0].value == 0
    assert [kind_of(outcome) for outcome in outcomes[1:]] == [ErrorKind.INTERRUPTED] * 3


MAIN_SCRIPT = """
import os
from pathlib import Path

with Path(os.environ["RUNS_LOG"]).open("a") as log:
    log.write(f"main {os.getpid()}\\n")

if __name__ == "__main__":
    from curator_export.executors import ProcessExecutor, Task

    tasks = [Task(f"t{n}", os.getpid, ()) for n in range(8)]
    with ProcessExecutor(max_workers=2, preload=["preloaded"]) as executor:
        print(" ".join(str(outcome.value) for outcome in executor.run(tasks)))
"""


def test_workers_start_with_the_main_script_and_preloads_imported_once(tmp_path: Path):
    """The script that runs a pool is loaded once more, in the forkserver, not in every
    worker (Python 3.11 re-runs it per worker: CPython gh-126631); so are the modules named
    for preloading, found beside the script."""
    import subprocess
    import sys

    (tmp_path / "main.py").write_text(MAIN_SCRIPT)
    (tmp_path / "preloaded.py").write_text(
        "import os, pathlib\n"
        "with pathlib.Path(os.environ['RUNS_LOG']).open('a') as log:\n"
        "    log.write(f'preloaded {os.getpid()}\\n')\n"
    )
    runs = tmp_path / "runs.log"
    done = subprocess.run(
        [sys.executable, "main.py"],
        cwd=tmp_path,
        env={**os.environ, "RUNS_LOG": str(runs)},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    workers = {int(pid) for pid in done.stdout.split()}
    loads = [line.split() for line in runs.read_text().splitlines()]
    main_pids = [int(pid) for what, pid in loads if what == "main"]
    preload_pids = [int(pid) for what, pid in loads if what == "preloaded"]
    assert len(main_pids) == 2, loads  # this script's process and the forkserver
    forkserver_pid = main_pids[1]
    assert preload_pids == [forkserver_pid]
    assert workers
    assert not workers & {*main_pids, *preload_pids}
