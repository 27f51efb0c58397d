"""Deliberately misbehaving task functions for testing executors.

They live in the installed package, not in a test module, because worker processes must
import them by name, and pytest's importlib import mode makes test modules unimportable
from another process.
"""

from __future__ import annotations

import errno
import os
import signal
import time
from pathlib import Path

#: How many times ``record_init`` ran in this process; a worker should see exactly 1.
init_calls = 0


def record_init(log_path: str | None = None) -> None:
    """An executor initializer that counts its calls and logs this pid to ``log_path``."""
    global init_calls  # noqa: PLW0603 - per-process state is the point of the check
    init_calls += 1
    if log_path is not None:
        with Path(log_path).open("a", encoding="utf-8") as log:
            log.write(f"{os.getpid()}\n")


def init_calls_here() -> tuple[int, int]:
    """This worker's pid and how many times the initializer ran in it."""
    return os.getpid(), init_calls


def square(number: int) -> int:
    return number * number


def fail(message: str) -> None:
    raise ValueError(message)


def disk_full(path: str) -> None:
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), path)


def exit_abruptly(code: int = 3) -> None:
    """Leave without cleanup, as a C library calling exit() would."""
    os._exit(code)


def kill_self(attempts_log: str | None = None) -> None:
    """Die as the kernel's out-of-memory killer would make us die; each attempt first adds
    a line to ``attempts_log``."""
    if attempts_log is not None:
        with Path(attempts_log).open("a", encoding="utf-8") as log:
            log.write(f"{os.getpid()}\n")
    os.kill(os.getpid(), signal.SIGKILL)


def pid_after(seconds: float, pid_file: str | None = None) -> int:
    """Write this pid to ``pid_file`` (so a test can watch it), sleep, return the pid."""
    if pid_file is not None:
        Path(pid_file).write_text(str(os.getpid()), encoding="utf-8")
    time.sleep(seconds)
    return os.getpid()


def hang(pid_file: str | None = None) -> None:
    """Never return, like a writer stuck in a layout loop."""
    pid_after(10**6, pid_file)


def interrupt_self() -> str:
    """Send this process SIGINT, as Ctrl-C in the terminal does, and report surviving it."""
    os.kill(os.getpid(), signal.SIGINT)
    time.sleep(0.1)  # a pending Python-level handler would run during this
    return "survived"


class UnpicklableError(Exception):
    """Its ``__init__`` takes two arguments, so unpickling it with one fails."""

    def __init__(self, what: str, why: str) -> None:
        super().__init__(f"{what}: {why}")


def fail_unpicklably() -> None:
    raise UnpicklableError("writer", "broke")


class FailsToLoad:
    """Pickles fine, but unpickling it raises: a worker given it as initarg dies starting."""

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return fail, ("cannot be loaded in a worker",)
