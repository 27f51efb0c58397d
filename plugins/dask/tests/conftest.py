"""A real Dask cluster on 127.0.0.1 (a scheduler and two workers, as subprocesses), and a
store of sessions whose chaos format is slow enough to kill a worker mid-batch."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import attrs
import pytest

from curator_export import hookimpl
from curator_export.plugins import PluginHost
from curator_export.store import SQLiteStore
from curator_export.testing_writers import sample_formats

DASK = [sys.executable, "-m", "distributed.cli.dask_scheduler"]
WORKER = [sys.executable, "-m", "distributed.cli.dask_worker"]


@attrs.define
class Cluster:
    """A running scheduler (``address``) and its workers' processes."""

    address: str
    scheduler: subprocess.Popen[bytes]
    workers: list[subprocess.Popen[bytes]]

    def kill_worker(self, index: int = 0) -> None:
        """SIGKILL one worker, as the out-of-memory killer would."""
        self.workers[index].send_signal(signal.SIGKILL)
        self.workers[index].wait(10)


def _wait_for_workers(scheduler_file: Path, count: int) -> str:
    from distributed import Client

    deadline = time.monotonic() + 30
    while not scheduler_file.exists() or not scheduler_file.read_text().strip():
        if time.monotonic() > deadline:
            raise TimeoutError("the scheduler did not start")
        time.sleep(0.1)
    address = str(json.loads(scheduler_file.read_text())["address"])
    with Client(address, timeout=30, set_as_default=False) as client:
        client.wait_for_workers(count, timeout=30)
    return address


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    """A scheduler and two single-threaded workers without nannies (a killed one stays dead)."""
    scheduler_file = tmp_path / "scheduler.json"
    env = {**os.environ, "DASK_DISTRIBUTED__LOGGING__DISTRIBUTED": "error"}
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "env": env}
    scheduler = subprocess.Popen(
        [
            *DASK,
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--no-dashboard",
            "--scheduler-file",
            str(scheduler_file),
        ],
        **quiet,  # type: ignore[call-overload]
    )
    workers: list[subprocess.Popen[bytes]] = []
    try:
        while not scheduler_file.exists():
            if scheduler.poll() is not None:
                raise RuntimeError("the Dask scheduler exited at start")
            time.sleep(0.1)
        for _ in range(2):
            workers.append(
                subprocess.Popen(
                    [
                        *WORKER,
                        "--scheduler-file",
                        str(scheduler_file),
                        "--host",
                        "127.0.0.1",
                        "--no-nanny",
                        "--nthreads",
                        "1",
                        "--no-dashboard",
                    ],
                    **quiet,  # type: ignore[call-overload]
                )
            )
        address = _wait_for_workers(scheduler_file, 2)
        yield Cluster(address, scheduler, workers)
    finally:
        for process in [*workers, scheduler]:
            if process.poll() is None:
                process.terminate()
        for process in [*workers, scheduler]:
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture
def chaos_log(tmp_path: Path) -> Path:
    """Where the chaos writers log their calls (start, end, pid)."""
    return tmp_path / "chaos.log"


@pytest.fixture
def host(
    plugin_host: PluginHost, register_plugin: Callable[..., str], chaos_log: Path
) -> PluginHost:
    """The installed plugins plus the test formats (chaos, plain ...) of the core."""

    class TestFormats:
        @hookimpl
        def curator_export_formats(self):  # type: ignore[no-untyped-def]
            return sample_formats(chaos_log)

    register_plugin(TestFormats)
    return plugin_host


@pytest.fixture
def course_store(make_store: Callable[..., SQLiteStore]) -> Callable[..., SQLiteStore]:
    """``course_store(n, marker)``: a store of sessions s01..sNN with real Markdown (headings,
    a list, a table, code), the first item of each carrying a chaos marker (``CHAOS:SLOW=1``);
    ``marked`` limits the marker to those sessions."""

    def make(sessions: int, marker: str, marked: set[str] | None = None) -> SQLiteStore:
        return make_store(_course(sessions, marker, marked))

    return make


def _course(
    sessions: int, marker: str, marked: set[str] | None
) -> dict[str, tuple[str, list[tuple[str, str, str]]]]:
    body = (
        "# Tidy data\n\nEach variable a column:\n\n- one row per observation\n- one table per"
        " unit\n\n| site | depth |\n| --- | --- |\n| A | 4.5 |\n\n```python\nprint('ok')\n```\n"
    )
    course = {}
    for number in range(1, sessions + 1):
        session_id = f"s{number:02d}"
        mark = marker if marked is None or session_id in marked else ""
        items = [("slides", "Slides", f"{body}\n{mark}"), ("worksheet", "Sheet", body)]
        course[session_id] = (f"Session {number}", items)
    return course
