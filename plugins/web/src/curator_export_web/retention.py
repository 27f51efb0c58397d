"""Old batches' folders: with ``keep_batches`` set, only the newest finished ones stay.

Batches live in memory, but their folders stay in the output root, run after run. With a
limit, the service keeps the folders of the last N batches that finished and removes the
others: when a batch ends, and at start for the folders earlier runs left. "Newest" means
finished last, so a batch that just ended is never the one removed, whenever it started.

Only a batch's own folder is ever removed: a real folder (not a symbolic link) directly in
the output root, of a finished batch of this run or named like a batch id (an earlier
run's); never a running batch's, never anything else in the root or outside it.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Collection, Iterable, Sequence
from pathlib import Path

from curator_export.logging import get_logger

log = get_logger(__name__)

#: The folder names ``batches.new_batch_id`` makes: a UTC time, then 12 hex digits.
BATCH_FOLDER = re.compile(r"\d{8}-\d{6}-[0-9a-f]{12}")


def earlier_folders(root: Path, known: Collection[str]) -> list[str]:
    """Names of batch folders in ``root`` that this run did not make, oldest first (the
    names start with the time their batch started)."""
    try:
        entries = list(os.scandir(root))
    except OSError:  # no root yet, or an unreadable one: nothing to prune
        return []
    return sorted(
        entry.name
        for entry in entries
        if BATCH_FOLDER.fullmatch(entry.name)
        and entry.name not in known
        and entry.is_dir(follow_symlinks=False)
    )


def stale_batches(
    earlier: Sequence[str], finished: Sequence[str], running: Collection[str], keep: int
) -> list[str]:
    """The batches whose folders go, oldest first: all but the newest ``keep`` of the
    earlier runs' folders followed by this run's finished batches (in the order they
    finished), never a running one."""
    candidates = [name for name in (*earlier, *finished) if name not in running]
    return candidates[: max(len(candidates) - keep, 0)]


def remove_batch_folder(root: Path, name: str) -> bool:
    """Remove ``root/name`` if it is a real folder directly in ``root``; False if it is not
    (a symbolic link, a file, a name with a separator) or could not be removed."""
    if not name or name in (".", "..") or "/" in name or os.sep in name:
        return False
    folder = root / name
    if folder.is_symlink() or not folder.is_dir():
        return False
    if Path(os.path.realpath(folder)).parent != Path(os.path.realpath(root)):
        return False
    try:
        # rmtree unlinks symbolic links inside the folder, never what they point to.
        shutil.rmtree(folder)
    except OSError as exc:
        log.warning("old batch folder not removed", folder=str(folder), error=str(exc))
        return False
    log.info("old batch folder removed", folder=str(folder))
    return True


def remove_batch_folders(root: Path, names: Iterable[str]) -> list[str]:
    """Remove each batch folder; the names of those removed."""
    return [name for name in names if remove_batch_folder(root, name)]
