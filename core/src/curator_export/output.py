"""Writing output files so that none is ever lost, torn or silently overwritten.

Every file is first written to a temporary file beside its target, flushed to disk, and only
then moved into place, so a reader sees the old state or the whole new file, never a part.
Temporary names carry the writer's pid and host, so files left behind by a process that was
killed can be told apart from those of a writer that is still running.

A batch splits that in two: a worker *stages* each output (written and complete, under a
name derived from the target) and the parent *commits* it (fsync, move into place, fsync the
folder) in background threads while the workers render on. A staged file is never at its
final name, so the promise holds across a power cut too; its fsync just no longer holds up
the next render.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import io
import os
import re
import secrets
import socket
import stat
import time
from pathlib import Path
from types import TracebackType
from typing import BinaryIO

import attrs

from curator_export.errors import DiskFullError, OutputError, OutputExistsError
from curator_export.logging import get_logger

TEMP_PREFIX = ".curator-tmp-"
STALE_AFTER_SECONDS = 3600.0

log = get_logger(__name__)

# A hash rather than the name itself: host names can be long or hold characters that are
# awkward in file names, and the tag only has to tell "this machine" from "another one".
_HOST = hashlib.sha256(socket.gethostname().encode()).hexdigest()[:8]
_TEMP_NAME = re.compile(
    re.escape(TEMP_PREFIX)
    + r"(?P<pid>\d+)-[0-9a-f]{12}-(?P<host>[0-9a-f]{8})"
    + r"(~(?P<target>.+))?\Z"  # a shared staged file names its target
)
_DISK_FULL = frozenset({errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)})
# link() fails with these where the file system has no hard links (FAT, exFAT, some SMB
# and FUSE mounts); EMLINK (too many links) is cured the same way.
_NO_HARD_LINKS = frozenset(
    {errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.ENOSYS, errno.EMLINK, errno.EXDEV}
)
# Some file systems cannot fsync a directory; the rename is then as durable as it gets.
_NO_DIRECTORY_SYNC = frozenset({errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EBADF})
_REASONS = {
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied (operation not permitted)",
    errno.EROFS: "the file system is read-only",
    errno.ENOTDIR: "part of the path is a file, not a folder",
    errno.EISDIR: "it is a folder",
}


@attrs.frozen
class WrittenFile:
    """A file that was written completely and is in place: what the manifest records."""

    path: Path
    size: int
    sha256: str


def output_error(path: Path, exc: OSError) -> OutputError:
    """The error to raise for ``exc`` while writing ``path``: full disks get their own type."""
    code = exc.errno
    if code in _DISK_FULL:
        return DiskFullError(path, f"the disk is full ({exc.strerror})", code)
    reason = _REASONS.get(code) if code is not None else None
    return OutputError(path, reason or exc.strerror or str(exc), code)


class AtomicFile:
    """A context manager that yields a binary file and puts it at ``path`` only on clean exit.

    On an exception (including KeyboardInterrupt) the temporary file is removed and the
    target is left as it was. After a clean exit ``written`` describes the file in place::

        target = open_atomically(path)
        with target as file:
            file.write(data)
        print(target.written.sha256)

    Errors raised inside the block propagate unchanged, except a full disk, which becomes
    ``DiskFullError``; errors while committing become ``OutputError`` naming the path.
    The one failure that can follow the move into place is syncing the folder (EIO): the
    file is then complete at ``path`` but may not survive a power cut, and it is reported.
    """

    def __init__(self, path: Path, *, overwrite: bool = False) -> None:
        self.path = Path(path)
        self.overwrite = overwrite
        self._written: WrittenFile | None = None
        self._temporary: Path | None = None
        self._file: io.BufferedRandom | None = None
        self._entered = False

    @property
    def written(self) -> WrittenFile:
        if self._written is None:
            raise RuntimeError(f"{self.path} has not been committed")
        return self._written

    def __enter__(self) -> BinaryIO:
        if self._entered:
            raise RuntimeError("an AtomicFile can be used only once")
        self._entered = True
        prepare_target(self.path, overwrite=self.overwrite)
        try:
            self._temporary, descriptor = create_temporary(self.path.parent)
        except OSError as exc:
            raise output_error(self.path, exc) from exc
        try:
            self._file = os.fdopen(descriptor, "w+b")
        except BaseException:
            os.close(descriptor)
            self._discard()
            raise
        return self._file

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if exc is not None:
            self._discard()
            if isinstance(exc, OSError) and exc.errno in _DISK_FULL:
                raise output_error(self.path, exc) from exc
            return
        if self._file is None or self._temporary is None:
            raise RuntimeError("an AtomicFile must be entered before it is left")
        try:
            self._written = self._commit(self._file, self._temporary)
        except OSError as error:
            self._discard()
            raise output_error(self.path, error) from error
        except BaseException:
            self._discard()
            raise

    def _commit(self, file: io.BufferedRandom, temporary: Path) -> WrittenFile:
        file.flush()
        os.fsync(file.fileno())
        size, digest = size_and_sha256(file)
        file.close()
        _move_into_place(temporary, self.path, overwrite=self.overwrite)
        self._temporary = None
        _fsync_directory(self.path.parent)
        return WrittenFile(path=self.path, size=size, sha256=digest)

    def _discard(self) -> None:
        if self._file is not None:
            with contextlib.suppress(OSError):
                self._file.close()
        if self._temporary is not None:
            # Never mask the error being handled; what stays is found as a stale temporary.
            with contextlib.suppress(OSError):
                self._temporary.unlink()
            self._temporary = None


def prepare_target(path: Path, *, overwrite: bool) -> None:
    """Create the folder of ``path``, and refuse an existing ``path`` unless ``overwrite``.

    Checked before writing so that a large output is not rendered for nothing; moving the
    file into place checks again, race-free, because the file may appear meanwhile.
    """
    try:
        if not os.path.isdir(path.parent):  # one stat where it exists, as it nearly always does
            path.parent.mkdir(parents=True, exist_ok=True)
    except FileExistsError as exc:
        raise OutputError(path, _REASONS[errno.ENOTDIR], exc.errno) from exc
    except OSError as exc:
        raise output_error(path, exc) from exc
    if not overwrite and os.path.lexists(path):
        raise OutputExistsError(path, "it already exists", errno.EEXIST)


def size_and_sha256(file: io.BufferedRandom) -> tuple[int, str]:
    """The size and SHA-256 of a file just written (and flushed) through ``file``.

    Hashed from the file rather than from the writes: writers such as zipfile seek back and
    patch what they wrote.
    """
    size = os.fstat(file.fileno()).st_size
    file.seek(0)
    return size, hashlib.file_digest(file, "sha256").hexdigest()


def open_atomically(path: Path, *, overwrite: bool = False) -> AtomicFile:
    """Stream a large output into ``path`` with the guarantees of ``write_atomically``."""
    return AtomicFile(path, overwrite=overwrite)


def write_atomically(path: Path, data: bytes, *, overwrite: bool = False) -> WrittenFile:
    """Write ``data`` to ``path`` completely or not at all, creating missing folders.

    Without ``overwrite`` an existing file is never replaced, even one that appears while
    writing (``OutputExistsError``). A full disk raises ``DiskFullError``; any other failure
    ``OutputError``. Either way no temporary file and no partial target remain.
    """
    target = open_atomically(path, overwrite=overwrite)
    try:
        with target as file:
            file.write(data)
    except OSError as exc:
        raise output_error(Path(path), exc) from exc
    return target.written


def create_temporary(folder: Path) -> tuple[Path, int]:
    """Create a new, empty temporary file in ``folder``; returns its path and open descriptor."""
    flags = os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        candidate = folder / f"{TEMP_PREFIX}{os.getpid()}-{secrets.token_hex(6)}-{_HOST}"
        try:
            # 0o666 so that, after the umask, outputs get the same mode as any new file.
            return candidate, os.open(candidate, flags, 0o666)
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no free temporary file name", str(folder))


def _move_into_place(temporary: Path, path: Path, *, overwrite: bool) -> None:
    if overwrite:
        os.replace(temporary, path)
        return
    # Unlike rename, link refuses to replace an existing target, in one atomic step.
    try:
        os.link(temporary, path)
    except FileExistsError as exc:
        raise OutputExistsError(path, "it already exists", errno.EEXIST) from exc
    except OSError as exc:
        if exc.errno not in _NO_HARD_LINKS:
            raise
        _reserve_and_replace(temporary, path)
        return
    # The output is complete and in place; a link that cannot be removed is only a stale
    # temporary file that remove_stale_temporaries finds later.
    with contextlib.suppress(OSError):
        os.unlink(temporary)


def _reserve_and_replace(temporary: Path, path: Path) -> None:
    # Without hard links, creating the name exclusively is the only race-free claim on it.
    # The empty placeholder is visible only until the replace that follows at once.
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
    except FileExistsError as exc:
        raise OutputExistsError(path, "it already exists", errno.EEXIST) from exc
    try:
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(path)
        raise


def _fsync_directory(folder: Path) -> None:
    # Without this, the rename itself may be lost in a power cut although the data is safe.
    if os.name != "posix":
        return  # Windows cannot open a folder as a file; NTFS journals the rename
    descriptor = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(descriptor)
    except OSError as exc:
        if exc.errno not in _NO_DIRECTORY_SYNC:
            raise
    finally:
        os.close(descriptor)


def remove_stale_temporaries(
    folder: Path, *, recursive: bool = True, max_age_seconds: float = STALE_AFTER_SECONDS
) -> list[Path]:
    """Remove temporary files that a killed earlier run left in ``folder``; returns them.

    A temporary file is stale when the process named in it is gone (for files from this
    host), or when it has not been written to for ``max_age_seconds``: a pid may have been
    reused, and another host's processes cannot be checked. Nothing else is touched:
    not other files, not symbolic links, not folders.
    """
    if not folder.is_dir():
        return []
    removed: list[Path] = []
    now = time.time()
    for root, _, names in os.walk(folder):
        for name in names:
            match = _TEMP_NAME.match(name)
            if match is None:
                continue
            candidate = Path(root, name)
            try:
                info = candidate.lstat()
            except FileNotFoundError:
                continue
            if not stat.S_ISREG(info.st_mode):
                continue
            if now - info.st_mtime <= max_age_seconds and (
                match["host"] != _HOST or _process_exists(int(match["pid"]))
            ):
                continue
            try:
                candidate.unlink()
            except FileNotFoundError:
                continue  # another cleaner was faster
            except OSError as exc:
                log.warning("stale temporary file not removed", path=str(candidate), error=str(exc))
                continue
            removed.append(candidate)
        if not recursive:
            break
    return sorted(removed)


def _process_exists(pid: int) -> bool:
    if pid <= 0:
        return False
    if os.name != "posix":
        return True  # os.kill would terminate the process there: leave it to the age check
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # it exists but belongs to someone else (EPERM)
    return True


def ensure_writable_directory(path: Path) -> None:
    """Create ``path`` if needed and prove, by creating a file in it, that it is writable.

    Planning calls this so that a batch fails before rendering anything, with a reason a
    user can act on, rather than after an hour of work.
    """
    try:
        path.mkdir(parents=True, exist_ok=True)
    except FileExistsError as exc:
        raise OutputError(path, "it exists and is not a folder", exc.errno) from exc
    except OSError as exc:
        raise output_error(path, exc) from exc
    try:
        probe, descriptor = create_temporary(path)
    except OSError as exc:
        raise output_error(path, exc) from exc
    os.close(descriptor)
    with contextlib.suppress(FileNotFoundError):
        probe.unlink()


def sha256_file(path: Path) -> str:
    """The SHA-256 of a file, read in chunks so that large outputs do not fill memory."""
    with Path(path).open("rb") as file:
        return hashlib.file_digest(file, "sha256").hexdigest()
