"""What runs on a Dask worker: one task, its outcome pickled as the process pool sends it.

Kept apart from ``executor`` so that a worker imports only the core's executor helpers; the
task's writer is imported when the task is unpickled, once per worker process, and stays
warm for the next task (no plugin host is needed: tasks carry their format records).
"""

from __future__ import annotations

from curator_export.executors import Task, outcome_bytes, run_task


def run_on_worker(task: Task) -> bytes:
    """Run ``task`` and return its ``TaskOutcome`` pickled; its failures are in the outcome."""
    return outcome_bytes(run_task(task))
