"""A progress sink: one JSON line per progress event, appended to the file named by
``$CURATOR_QUIZCSV_PROGRESS_LOG`` (nothing at all when it is unset).

Handy for a batch run from cron or CI, where no one watches the progress bar: ``tail -f`` the
log, or read it afterwards to see when each file finished. Each line is the event as
``--progress jsonl`` prints it, plus ``logged_at``.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from curator_export import hookimpl

if TYPE_CHECKING:
    from curator_export import BatchProgress

# --8<-- [start:sink]
PROGRESS_LOG_ENV = "CURATOR_QUIZCSV_PROGRESS_LOG"


@hookimpl
def curator_export_progress(event: BatchProgress) -> None:
    """Append ``event`` to the log. Called in the batch's own process, for every event in
    order; an error here (a folder that does not exist) is logged by the core and does not
    stop the batch."""
    path = os.environ.get(PROGRESS_LOG_ENV)
    if not path:
        return
    from curator_export.progress import event_to_json

    line = {"logged_at": datetime.now(UTC).isoformat(), **event_to_json(event)}
    # Opened for each event, in append mode: the log may be rotated or removed meanwhile.
    with open(path, "a", encoding="utf-8") as log:
        log.write(json.dumps(line, ensure_ascii=False) + "\n")


# --8<-- [end:sink]
