"""Copy one finished local file to an fsspec destination, retried, verified, never doubled.

An upload is idempotent by construction: the remote name is fixed by the file's place in the
job's folder, and before each attempt the destination is asked whether it already holds the
same bytes (an attempt whose reply was lost may have succeeded). Object stores make a put
visible only when complete; on other file systems (local, sftp) the file is written under a
temporary name and renamed, so a broken transfer never leaves a partial file under the real
name.
"""

from __future__ import annotations

import contextlib
import hashlib
import posixpath
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from curator_export_upload.settings import UploadSettings

if TYPE_CHECKING:
    from fsspec import AbstractFileSystem

#: Protocols whose puts are atomic: an object appears only once it is complete.
OBJECT_STORES = frozenset({"s3", "s3a", "gs", "gcs", "az", "abfs", "abfss", "adl", "memory"})

#: Protocols of a local or mounted folder, where reading a copy back costs no transfer.
LOCAL = frozenset({"file", "local"})

#: Errors another attempt cannot mend: a missing bucket, refused access, a bad option.
PERMANENT_ERRORS: tuple[type[Exception], ...] = (
    PermissionError,
    FileNotFoundError,
    ValueError,
    TypeError,
)

MAX_BACKOFF_SECONDS = 60.0

#: After this many files in a row failed all their attempts to one destination, the next
#: ones are not tried until the batch ends: a store that is down would otherwise cost every
#: file its full round of retries (minutes each, with the client library's own retries).
GIVE_UP_AFTER_FAILED_FILES = 3


class MismatchError(OSError):
    """The destination holds other bytes than were sent (a truncated or altered upload)."""


@attrs.frozen
class Digests:
    size: int
    md5: str
    sha256: str

    @classmethod
    def of(cls, path: Path) -> Digests:
        md5, sha256 = hashlib.md5(usedforsecurity=False), hashlib.sha256()
        size = 0
        with path.open("rb") as file:
            while chunk := file.read(1 << 20):
                md5.update(chunk)
                sha256.update(chunk)
                size += len(chunk)
        return cls(size=size, md5=md5.hexdigest(), sha256=sha256.hexdigest())


@attrs.frozen
class Outcome:
    """What became of one file: ``uploaded``, ``present`` (the destination already held
    these bytes) or ``failed`` (the local file stays; ``error`` says why)."""

    url: str
    status: str
    attempts: int
    #: How the copy was checked: ``md5`` (the object store's ETag), ``sha256`` (a local or
    #: mounted copy, read back) or ``size`` (all the store tells, or SFTP, where reading
    #: back would double the transfer).
    verified: str | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status != "failed"

    def as_json(self) -> dict[str, Any]:
        data = {"url": self.url, "status": self.status, "attempts": self.attempts}
        if self.verified:
            data["verified"] = self.verified
        if self.error:
            data["error"] = self.error
        return data


def remote_url(settings: UploadSettings, relative: str) -> str:
    """The destination of a file at ``relative`` (POSIX) inside the job's folder."""
    return f"{settings.url.rstrip('/')}/{relative}"


@attrs.define
class Uploader:
    """Uploads files with ``settings``' retries; ``sleep`` is injectable for tests.

    Counts the files in a row that failed per destination (``settings.url``) and stops
    trying one after ``GIVE_UP_AFTER_FAILED_FILES``; ``reset()`` (at the end of a batch)
    gives every destination a new chance.
    """

    sleep: Callable[[float], None] = time.sleep
    failed_in_a_row: dict[str, int] = attrs.field(factory=dict)
    lock: threading.Lock = attrs.field(factory=threading.Lock)

    def reset(self) -> None:
        with self.lock:
            self.failed_in_a_row.clear()

    def upload(self, local: Path, settings: UploadSettings, relative: str) -> Outcome:
        url = remote_url(settings, relative)
        with self.lock:
            failed = self.failed_in_a_row.get(settings.url, 0)
        if failed >= GIVE_UP_AFTER_FAILED_FILES:
            error = f"not tried: the last {failed} uploads to {settings.url} failed"
            return Outcome(url=url, status="failed", attempts=0, error=error)
        outcome = self._upload(local, settings, url)
        with self.lock:
            self.failed_in_a_row[settings.url] = 0 if outcome.ok else failed + 1
        return outcome

    def _upload(self, local: Path, settings: UploadSettings, url: str) -> Outcome:
        try:
            fs, remote = _filesystem(url, settings)
            digests = Digests.of(local)
        except Exception as exc:  # a back end not installed, an unreadable local file
            return Outcome(url=url, status="failed", attempts=0, error=_describe(exc))
        attempts = settings.retries + 1
        for attempt in range(1, attempts + 1):
            try:
                verified = _holds(fs, remote, digests, size_will_do=False)
                if verified:  # already there, or the last attempt's reply was lost
                    status = "present" if attempt == 1 else "uploaded"
                    return Outcome(url=url, status=status, attempts=attempt - 1, verified=verified)
                _put(fs, local, remote)
                verified = _holds(fs, remote, digests, size_will_do=True)
                if not verified:
                    raise MismatchError(
                        f"the destination does not hold the {digests.size} bytes sent"
                    )
                return Outcome(url=url, status="uploaded", attempts=attempt, verified=verified)
            except Exception as exc:
                permanent = isinstance(exc, PERMANENT_ERRORS)
                if permanent or attempt == attempts:
                    return Outcome(url=url, status="failed", attempts=attempt, error=_describe(exc))
                self.sleep(min(settings.backoff_seconds * 2 ** (attempt - 1), MAX_BACKOFF_SECONDS))
        raise AssertionError("unreachable: the last attempt returns")


def _filesystem(url: str, settings: UploadSettings) -> tuple[AbstractFileSystem, str]:
    from fsspec.core import url_to_fs

    fs, path = url_to_fs(url, **settings.storage_options)
    return fs, str(path)


def _holds(
    fs: AbstractFileSystem, remote: str, digests: Digests, *, size_will_do: bool
) -> str | None:
    """How it was checked that ``remote`` holds the bytes of ``digests``, or ``None``.

    Where the store tells only the size (a multipart upload's ETag is no digest of the
    bytes), the size is trusted right after this run's own put (``size_will_do``), never
    to call an object left by someone else the same: that one is sent again.
    """
    try:
        info = fs.info(remote)
    except FileNotFoundError:
        return None
    if info.get("type") == "directory" or info.get("size") != digests.size:
        return None
    etag = str(info.get("ETag") or info.get("etag") or "").strip('"')
    if etag and "-" not in etag and len(etag) == 32:  # a single-part upload: the MD5
        return "md5" if etag == digests.md5 else None
    if _protocols(fs) & LOCAL:  # cheap to read back: compare the bytes themselves
        sha256 = hashlib.sha256()
        with fs.open(remote, "rb") as file:
            while chunk := file.read(1 << 20):
                sha256.update(chunk)
        return "sha256" if sha256.hexdigest() == digests.sha256 else None
    return "size" if size_will_do else None


def _put(fs: AbstractFileSystem, local: Path, remote: str) -> None:
    if _is_object_store(fs):
        fs.put_file(str(local), remote)
        return
    parent = posixpath.dirname(remote)
    if parent:
        fs.makedirs(parent, exist_ok=True)
    partial = posixpath.join(parent, f".{posixpath.basename(remote)}.{uuid.uuid4().hex}.part")
    try:
        fs.put_file(str(local), partial)
        fs.mv(partial, remote)
    except BaseException:
        with contextlib.suppress(Exception):  # it may never have been created
            fs.rm(partial)
        raise


def _is_object_store(fs: AbstractFileSystem) -> bool:
    return bool(_protocols(fs) & OBJECT_STORES)


def _protocols(fs: AbstractFileSystem) -> frozenset[str]:
    return frozenset((fs.protocol,) if isinstance(fs.protocol, str) else fs.protocol)


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
