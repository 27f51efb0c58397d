"""Staged outputs: written by a worker, made durable and put in place by the parent.

An fsync per file costs more than writing the file, and while the journal commits, every
other file operation on that file system waits. A batch therefore splits a durable write in
two: a worker *stages* each output (written completely beside its target under a name
derived from it, ``stage_file``) and the parent *commits* a whole group at once
(``commit_staged``: one ``syncfs``, then each file moved into place, then one fsync per
folder; ``committing`` runs it in a thread while the workers render on). A staged file never
has its final name, so a target holds its old file or the whole new one across power cuts
too, exactly as with ``output.write_atomically``.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import cast

import attrs

from curator_export import output
from curator_export.errors import OutputError, OutputExistsError
from curator_export.logging import get_logger

log = get_logger(__name__)

_MAX_NAMED_TARGET = 200  # bytes of a target's name that a staged name can carry


@attrs.frozen
class StagedFile:
    """A complete file waiting beside its target (``staged``) to be committed."""

    path: Path
    staged: Path
    size: int
    sha256: str


@attrs.frozen
class Commit:
    """One staged file to move into place (``commit_staged``).

    ``shared``: a content-named file (a figure) that several outputs stage with the same
    bytes; a target already there, or a staged file another commit took, is then fine.
    ``requires``: targets of shared files that must be in place before this one goes.
    """

    path: Path
    staged: Path
    overwrite: bool = False
    shared: bool = False
    requires: tuple[Path, ...] = ()


@attrs.frozen
class StagingArea:
    """Whose staged files these are: the committing process (``pid``) and one batch of it
    (``batch``, any short token), so that two batches of one process never share one."""

    pid: int
    batch: str = ""

    def staged_path(self, path: Path, *, shared: bool = False) -> Path:
        """Where ``stage_file`` puts the file for ``path``.

        Derived from the target, so that the committer finds it even when the process that
        staged it died before saying so; named like a temporary file of the committer, so
        that it counts as stale once the committer is gone. Shared files carry their
        target's name too, so that those a dead stager left can be found (``staged_in``).
        """
        path = Path(path)
        name = path.name
        encoded = os.fsencode(name)
        # Within the 255 bytes of a file name; a longer one is only found as stale.
        suffix = f"~{name}" if shared and len(encoded) <= _MAX_NAMED_TARGET else ""
        tag = self._tag(encoded)
        return path.with_name(f"{output.TEMP_PREFIX}{self.pid}-{tag}-{output._HOST}{suffix}")

    def staged_in(self, folder: Path) -> list[Commit]:
        """The shared files staged under ``folder`` (recursively) in this area."""
        found = []
        for root, _, names in os.walk(folder):
            for name in names:
                match = output._TEMP_NAME.match(name)
                if match is None or not match["target"]:
                    continue
                target = Path(root, match["target"])
                if name == self.staged_path(target, shared=True).name:  # ours, this batch's
                    found.append(Commit(target, Path(root, name), shared=True))
        return found

    def _tag(self, encoded_name: bytes) -> str:
        return hashlib.sha256(self.batch.encode() + b"\0" + encoded_name).hexdigest()[:12]


def stage_file(
    path: Path,
    data: bytes,
    *,
    area: StagingArea,
    overwrite: bool = False,
    shared: bool = False,
) -> StagedFile:
    """Write ``data`` completely beside ``path``, not yet durable and not yet in place.

    The expensive part of a durable write, waiting for the disk, is left to
    ``commit_staged`` in the committing process, which makes a whole group of files durable
    at once. The file is written under a temporary name and then renamed to its staged
    name, so a staged file is always complete; a ``shared`` one already staged is kept (its
    bytes are the same), so that its inode does not change under a commit. Errors are those
    of ``write_atomically``.
    """
    path = Path(path)
    output.prepare_target(path, overwrite=overwrite)
    staged = area.staged_path(path, shared=shared)
    # The staged file holds exactly ``data``: hashed here, not read back from the file.
    result = StagedFile(
        path=path, staged=staged, size=len(data), sha256=hashlib.sha256(data).hexdigest()
    )
    if shared and os.path.lexists(staged):
        return result  # staged by another output of the batch, not yet committed: same bytes
    try:
        temporary, descriptor = output.create_temporary(path.parent)
    except OSError as exc:
        raise output.output_error(path, exc) from exc
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
        if shared:
            _stage_shared(temporary, staged)
        else:
            os.replace(temporary, staged)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            temporary.unlink()
        if isinstance(exc, OSError):
            raise output.output_error(path, exc) from exc
        raise
    return result


def _stage_shared(temporary: Path, staged: Path) -> None:
    try:
        os.link(temporary, staged)  # never replaces: a commit may be syncing that one
    except FileExistsError:
        pass
    except OSError as exc:
        if exc.errno not in output._NO_HARD_LINKS:
            raise
        os.replace(temporary, staged)  # no hard links here: the small race is accepted
        return
    os.unlink(temporary)


def commit_staged(commits: Sequence[Commit]) -> list[OutputError | None]:
    """Make staged files durable, move them into place and sync their folders.

    What ``write_atomically`` does for one file, for a group: one ``syncfs`` per file
    system where the platform has it (Linux), else an fsync per file; shared files move
    first, then the others whose required files made it; then one fsync per folder. Returns,
    for each commit, None or the error that kept it out; a failed commit's staged file is
    removed and its target left as it was.
    """
    errors: list[OutputError | None] = [None] * len(commits)
    folders = {commit.path.parent for commit in commits}
    if not _sync_file_systems(folders):
        for index, commit in enumerate(commits):
            try:
                _fsync_file(commit.staged)
            except FileNotFoundError:
                if not commit.shared:  # a shared one may have been taken by another commit
                    errors[index] = OutputError(commit.path, "its staged file is gone")
            except OSError as exc:
                errors[index] = output.output_error(commit.path, exc)
    failed_shared: dict[Path, OutputError] = {}
    order = sorted(range(len(commits)), key=lambda index: not commits[index].shared)
    for index in order:
        commit = commits[index]
        missing = next((failed_shared[p] for p in commit.requires if p in failed_shared), None)
        if missing is not None and errors[index] is None:
            errors[index] = OutputError(commit.path, f"a file it needs failed: {missing}")
        if errors[index] is None:
            try:
                _move_staged(commit)
            except OutputError as exc:
                errors[index] = exc
            except OSError as exc:
                errors[index] = output.output_error(commit.path, exc)
        error = errors[index]
        if error is not None:
            with contextlib.suppress(OSError):
                commit.staged.unlink()
            if commit.shared:
                failed_shared[commit.path] = error
    for folder in folders:
        try:
            output._fsync_directory(folder)
        except OSError as exc:
            for index, commit in enumerate(commits):
                if commit.path.parent == folder and errors[index] is None:
                    errors[index] = output.output_error(commit.path, exc)
    return errors


def _move_staged(commit: Commit) -> None:
    if not commit.shared:
        output._move_into_place(commit.staged, commit.path, overwrite=commit.overwrite)
        return
    try:
        output._move_into_place(commit.staged, commit.path, overwrite=False)
    except OutputExistsError:
        os.unlink(commit.staged)  # the same content, put there by another commit
    except FileNotFoundError:
        if not os.path.lexists(commit.path):  # taken by a commit that failed to place it
            raise OutputError(commit.path, "its staged file is gone") from None


def _fsync_file(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


@functools.cache
def _syncfs() -> Callable[[int], int] | None:
    """Linux's syncfs(2), which Python's os module lacks; None elsewhere."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    try:
        function = ctypes.CDLL(None, use_errno=True).syncfs
    except (OSError, AttributeError):
        return None
    function.argtypes = [ctypes.c_int]
    function.restype = ctypes.c_int
    return cast("Callable[[int], int]", function)


def _sync_file_systems(folders: Iterable[Path]) -> bool:
    """Flush and wait for every file system holding ``folders``; False where this cannot be
    done (no syncfs, or it failed), so that the caller syncs file by file and learns which
    file an error belongs to."""
    import ctypes

    syncfs = _syncfs()
    if syncfs is None:
        return False
    done: set[int] = set()
    for folder in folders:
        try:
            descriptor = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        except OSError:
            return False
        try:
            device = os.fstat(descriptor).st_dev
            if device not in done:
                if syncfs(descriptor) != 0:
                    log.warning("syncfs failed", folder=str(folder), errno=ctypes.get_errno())
                    return False
                done.add(device)
        finally:
            os.close(descriptor)
    return True
