"""Preloaded into the worker processes of the local cluster that ``--executor dask`` starts.

They share the terminal's process group, so Ctrl-C reaches them too: they ignore it, and the
parent decides what it means (it cancels the batch and closes the cluster), as the process
pool's workers do.
"""

from __future__ import annotations

import signal


def dask_setup(worker: object) -> None:
    """Called by Dask in each worker process as it starts."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
