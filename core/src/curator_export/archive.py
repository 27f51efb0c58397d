"""Deterministic zip archives: the same files give the same bytes, whenever they are zipped.

Entries are sorted and carry a fixed time and mode, so an archive's checksum changes only
when its content does (with the same Python and zlib, which choose the compressed bytes).
Every archive is checked against its sources before it is put in place.
"""

from __future__ import annotations

import io
import os
import re
import stat
import time
import unicodedata
import zipfile
import zlib
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from curator_export.errors import ArchiveError
from curator_export.output import WrittenFile, open_atomically
from curator_export.reproducible import source_date_epoch

ZIP_EPOCH = 315_532_800  # 1980-01-01T00:00:00Z: ZIP stores no earlier date
_ZIP_LAST = int(datetime(2107, 12, 31, 23, 59, 58, tzinfo=UTC).timestamp())  # nor a later one
_ENTRY_MODE = (stat.S_IFREG | 0o644) << 16
_UNIX = 3  # the "made by" system; the default depends on the platform that zips
# Members this large get ZIP64 headers up front: deflate can grow incompressible data, and
# zipfile refuses to write past 2 GiB into a header that was written without ZIP64.
_LARGE_MEMBER = 1 << 30
_CHUNK = 1 << 20
_DRIVE = re.compile(r"^[A-Za-z]:")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

Members = Sequence[tuple[str, Path]]


def zip_timestamp() -> tuple[int, int, int, int, int, int]:
    """The time of every entry: ``SOURCE_DATE_EPOCH`` clamped to what ZIP can hold, or 1980."""
    seconds = source_date_epoch()
    moment = time.gmtime(min(max(seconds or ZIP_EPOCH, ZIP_EPOCH), _ZIP_LAST))
    return (
        moment.tm_year,
        moment.tm_mon,
        moment.tm_mday,
        moment.tm_hour,
        moment.tm_min,
        moment.tm_sec,
    )


def zip_date_time(moment: datetime | None) -> tuple[int, int, int, int, int, int]:
    """``moment`` as a zip entry's date and time; 1980-01-01 for None or a time a zip cannot
    hold (before 1980, after 2107)."""
    if moment is None or not 1980 <= moment.year <= 2107:
        return (1980, 1, 1, 0, 0, 0)
    return (moment.year, moment.month, moment.day, moment.hour, moment.minute, moment.second)


def redate_zip(data: bytes, moment: datetime | None) -> bytes:
    """The zip ``data`` (an OOXML or ODF package a library saved) with every entry dated
    ``moment`` (see ``zip_date_time``), in the same order and compression: libraries stamp
    the time of the save, which makes the same content give other bytes every second."""
    stamp = zip_date_time(moment)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, stamp)
            entry.compress_type = info.compress_type
            entry.external_attr = info.external_attr
            target.writestr(entry, source.read(info))
    return out.getvalue()


def write_zip(archive_path: Path, members: Members, *, overwrite: bool = False) -> WrittenFile:
    """Zip ``members`` (entry name, source file) into ``archive_path``, deterministically.

    Entry names must be relative, use ``/`` only and hold no ``..``; a bad or duplicate name
    raises ``ValueError`` naming it. The archive is written atomically and verified against
    the sources before it is put in place: a bad archive raises ``ArchiveError`` and never
    appears. Existing files are replaced only with ``overwrite``.
    """
    entries = checked_entries(members)
    date_time = zip_timestamp()
    target = open_atomically(archive_path, overwrite=overwrite)
    with target as file:
        with zipfile.ZipFile(file, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
            for name, source in entries:
                _add(archive, name, source, date_time)
        file.seek(0)
        _verify(file, archive_path, entries)
    return target.written


def verify_zip(archive_path: Path, members: Members) -> None:
    """Check that the archive holds exactly ``members``, each intact and equal to its source."""
    entries = checked_entries(members)
    try:
        with Path(archive_path).open("rb") as file:
            _verify(file, archive_path, entries)
    except OSError as exc:
        raise ArchiveError(archive_path, exc.strerror or str(exc), exc.errno) from exc


def checked_entries(members: Members) -> list[tuple[str, Path]]:
    """The members sorted by entry name, after checking every name and source."""
    seen: dict[str, str] = {}
    for name, source in members:
        _check_name(name)
        # Windows and macOS extract names that differ only in case or Unicode form into the
        # same file, so one would silently overwrite the other.
        key = unicodedata.normalize("NFC", name).casefold()
        if key in seen:
            if seen[key] == name:
                raise ValueError(f"archive entry {name!r} is given twice")
            raise ValueError(
                f"archive entries {seen[key]!r} and {name!r} differ only in case or Unicode"
                " form and would overwrite each other when extracted on Windows or macOS"
            )
        seen[key] = name
        if not Path(source).is_file():
            raise ValueError(f"archive entry {name!r}: {source} is not a file")
    return sorted(((name, Path(source)) for name, source in members), key=lambda m: m[0])


def _check_name(name: str) -> None:
    problem = None
    if not name:
        problem = "is empty"
    elif "\\" in name:
        problem = "must use '/' to separate folders, not '\\'"
    elif name.startswith("/") or _DRIVE.match(name):
        problem = "must be a relative path"
    elif _CONTROL.search(name):
        problem = "must not contain control characters"
    elif ".." in name.split("/"):
        problem = "must not contain '..'"
    elif any(part in ("", ".") for part in name.split("/")):
        problem = "must not contain empty or '.' path segments"
    if problem:
        raise ValueError(f"archive entry {name!r} {problem}")


def _add(
    archive: zipfile.ZipFile,
    name: str,
    source: Path,
    date_time: tuple[int, int, int, int, int, int],
) -> None:
    info = zipfile.ZipInfo(name, date_time)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = _UNIX
    info.external_attr = _ENTRY_MODE
    with source.open("rb") as reader:
        size = os.fstat(reader.fileno()).st_size
        info.file_size = size
        with archive.open(info, "w", force_zip64=size > _LARGE_MEMBER) as writer:
            _copy_member(reader, writer)


def _copy_member(reader: IO[bytes], writer: IO[bytes]) -> None:
    while chunk := reader.read(_CHUNK):
        writer.write(chunk)


def _verify(file: IO[bytes], archive_path: Path, entries: list[tuple[str, Path]]) -> None:
    try:
        with zipfile.ZipFile(file) as archive:
            infos = archive.infolist()
            names = [info.filename for info in infos]
            expected = [name for name, _ in entries]
            if len(set(names)) != len(names):
                raise ArchiveError(archive_path, "it holds an entry twice")
            if sorted(names) != expected:
                missing = sorted(set(expected) - set(names))
                unexpected = sorted(set(names) - set(expected))
                raise ArchiveError(
                    archive_path, f"it lacks entries {missing} and holds others {unexpected}"
                )
            by_name = {info.filename: info for info in infos}
            for name, source in entries:
                _verify_member(archive, by_name[name], source, archive_path)
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise ArchiveError(archive_path, f"it is not a readable zip archive ({exc})") from exc


def _verify_member(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, source: Path, archive_path: Path
) -> None:
    # Reading every byte is what ZipFile.testzip does: zipfile checks the stored CRC at the
    # end. Doing it per member names the member for every kind of damage, not only CRC.
    try:
        with archive.open(info) as member:
            while member.read(_CHUNK):
                pass
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise ArchiveError(archive_path, f"entry {info.filename!r} is corrupt ({exc})") from exc
    size, crc = _size_and_crc(source)
    if (info.file_size, info.CRC) != (size, crc):
        raise ArchiveError(
            archive_path,
            f"entry {info.filename!r} does not match {source}"
            f" (size {info.file_size} != {size} or CRC {info.CRC:08x} != {crc:08x})",
        )


def _size_and_crc(path: Path) -> tuple[int, int]:
    size = crc = 0
    with path.open("rb") as file:
        while chunk := file.read(_CHUNK):
            size += len(chunk)
            crc = zlib.crc32(chunk, crc)
    return size, crc
