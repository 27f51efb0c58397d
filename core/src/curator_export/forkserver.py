"""Starting the forkserver that local worker pools fork their workers from.

The forkserver imports a list of modules once, so that every worker forked from it starts
with them imported. One of them should be the parent's main script (``"__main__"`` in the
list), but Python up to 3.12, and 3.13 before its fix of September 2025, never imports it
there (CPython gh-126631: the key it looks for was renamed in 2013), so every worker runs
the script again before its first task: the script and all it imports, tens of
milliseconds per worker and per pool. ``start`` passes the script to the forkserver itself,
in ``MAIN_ENV``, and ``curator_export._forkserver_main``, imported there first, loads it as
a worker would; where the forkserver already did, it does nothing.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from multiprocessing.context import ForkServerContext

#: What ``curator_export._forkserver_main`` reads in the forkserver: the parent's sys.path
#: and how a worker would load its main module (``multiprocessing.spawn.prepare`` data).
MAIN_ENV = "CURATOR_EXPORT_FORKSERVER_MAIN"
_MAIN_KEYS = ("sys_path", "init_main_from_name", "init_main_from_path")
_starting = threading.Lock()


def start(context: ForkServerContext, modules: Sequence[str]) -> None:
    """Start this process's forkserver, if it is not running yet, preloading ``modules``
    after the main script; a forkserver already running keeps what it has."""
    from multiprocessing import forkserver, spawn

    with _starting:
        # Read when the forkserver starts, ignored once it runs. "__main__" is the standard
        # entry, for Pythons whose forkserver loads the main script itself.
        context.set_forkserver_preload(["__main__", "curator_export._forkserver_main", *modules])
        data = spawn.get_preparation_data("forkserver")
        main = {key: data[key] for key in _MAIN_KEYS if key in data}
        # The forkserver inherits the environment it is started with, and only it reads this.
        os.environ[MAIN_ENV] = json.dumps(main)
        try:
            forkserver.ensure_running()
        finally:
            os.environ.pop(MAIN_ENV, None)
