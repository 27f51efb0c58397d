"""Imported in the forkserver (``curator_export.forkserver.start``), before the other
preloaded modules: loads the parent's main script there once, as each worker would."""

from __future__ import annotations

import json
import os


def _load_main() -> None:
    from multiprocessing import process, spawn

    from curator_export.forkserver import MAIN_ENV

    main = os.environ.pop(MAIN_ENV, None)
    if not main:
        return
    current = process.current_process()
    # As in a worker: a script that starts processes at import time fails here, not later.
    current._inheriting = True  # type: ignore[attr-defined]
    try:
        spawn.prepare(json.loads(main))
    except Exception:  # as before this module: each worker then loads the script itself
        pass
    finally:
        del current._inheriting  # type: ignore[attr-defined]


_load_main()
