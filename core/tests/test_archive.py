"""Zip archives: byte-for-byte reproducible, safe entry names, verified before they appear."""

from __future__ import annotations

import os
import stat
import struct
import time
import zipfile
from pathlib import Path
from typing import IO

import pytest

from curator_export import archive
from curator_export.archive import verify_zip, write_zip
from curator_export.errors import ArchiveError, OutputExistsError
from curator_export.output import TEMP_PREFIX, sha256_file


@pytest.fixture
def sources(tmp_path: Path) -> list[tuple[str, Path]]:
    """Three files to zip, one of them large enough to compress and one non-ASCII name."""
    folder = tmp_path / "src"
    folder.mkdir()
    files = {
        "slides.html": b"<h1>Files</h1>\n" * 2000,
        "notes.md": "# Notizen über Dateien\n".encode(),
        "data.bin": os.urandom(200_000),
    }
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return [
        ("html/slides.html", folder / "slides.html"),
        ("markdown/Übersicht.md", folder / "notes.md"),
        ("data.bin", folder / "data.bin"),
    ]


def test_same_files_give_identical_bytes(
    tmp_path: Path, sources: list[tuple[str, Path]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Zipping the same content again, with other mtimes, modes and order, gives the same bytes."""
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    first = write_zip(tmp_path / "first.zip", sources)
    for _, source in sources:
        os.utime(source, (1_000_000_000, 1_000_000_000))
        source.chmod(0o600)
    time.sleep(1.1)  # a different wall-clock second too
    second = write_zip(tmp_path / "second.zip", list(reversed(sources)))
    assert (tmp_path / "first.zip").read_bytes() == (tmp_path / "second.zip").read_bytes()
    assert first.sha256 == second.sha256 == sha256_file(tmp_path / "first.zip")


def test_entries_are_sorted_with_fixed_time_and_mode(
    tmp_path: Path, sources: list[tuple[str, Path]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Entries come sorted, dated 1980-01-01, mode 0644, deflated, with the sources' bytes."""
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    written = write_zip(tmp_path / "out.zip", sources)
    assert written.size == (tmp_path / "out.zip").stat().st_size
    with zipfile.ZipFile(tmp_path / "out.zip") as result:
        infos = result.infolist()
        assert [info.filename for info in infos] == sorted(name for name, _ in sources)
        for info in infos:
            assert info.date_time == (1980, 1, 1, 0, 0, 0)
            assert stat.S_IMODE(info.external_attr >> 16) == 0o644
            assert stat.S_ISREG(info.external_attr >> 16)
            assert info.compress_type == zipfile.ZIP_DEFLATED
        for name, source in sources:
            assert result.read(name) == source.read_bytes()
    assert [path.name for path in tmp_path.iterdir() if path.is_file()] == ["out.zip"]


@pytest.mark.parametrize(
    ("epoch", "expected"),
    [
        ("0", (1980, 1, 1, 0, 0, 0)),
        ("-5", (1980, 1, 1, 0, 0, 0)),
        ("1700000000", (2023, 11, 14, 22, 13, 20)),
        ("99999999999", (2107, 12, 31, 23, 59, 58)),
    ],
)
def test_source_date_epoch_is_clamped_to_what_zip_can_store(
    tmp_path: Path,
    sources: list[tuple[str, Path]],
    monkeypatch: pytest.MonkeyPatch,
    epoch: str,
    expected: tuple[int, ...],
) -> None:
    """SOURCE_DATE_EPOCH sets every entry's time; dates ZIP cannot hold are clamped, not fatal."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
    write_zip(tmp_path / "out.zip", sources)
    with zipfile.ZipFile(tmp_path / "out.zip") as result:
        assert {info.date_time for info in result.infolist()} == {expected}


def test_malformed_source_date_epoch_is_refused(
    tmp_path: Path, sources: list[tuple[str, Path]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A SOURCE_DATE_EPOCH that is not a number is an error naming the variable."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    with pytest.raises(ValueError, match="SOURCE_DATE_EPOCH"):
        write_zip(tmp_path / "out.zip", sources)
    assert not (tmp_path / "out.zip").exists()


@pytest.mark.parametrize(
    "name",
    [
        "/etc/passwd",
        "../escape.txt",
        "a/../../b.txt",
        "a\\b.txt",
        "C:/x.txt",
        "",
        "a//b",
        "./a",
        "a/",
        "a\x00b",
    ],
)
def test_unsafe_entry_names_are_refused(tmp_path: Path, name: str) -> None:
    """Absolute, parent-relative, backslashed or empty-segment names raise, naming the entry."""
    source = tmp_path / "file.txt"
    source.write_bytes(b"x")
    with pytest.raises(ValueError, match="archive entry") as caught:
        write_zip(tmp_path / "out.zip", [("ok.txt", source), (name, source)])
    assert repr(name) in str(caught.value)
    assert not (tmp_path / "out.zip").exists()


@pytest.mark.parametrize("other", ["notes.md", "NOTES.md", "Notes.md"])
def test_duplicate_entries_are_refused(tmp_path: Path, other: str) -> None:
    """The same name twice, or names that collide on Windows and macOS, raise naming them."""
    source = tmp_path / "file.txt"
    source.write_bytes(b"x")
    with pytest.raises(ValueError, match=r"notes\.md"):
        write_zip(tmp_path / "out.zip", [("notes.md", source), (other, source)])
    assert not (tmp_path / "out.zip").exists()


def test_missing_source_is_refused(tmp_path: Path) -> None:
    """A member whose source file does not exist raises before anything is written."""
    with pytest.raises(ValueError, match=r"gone\.txt"):
        write_zip(tmp_path / "out.zip", [("gone.txt", tmp_path / "gone.txt")])
    assert list(tmp_path.iterdir()) == []


def _corrupt_member(path: Path, name: str) -> None:
    with zipfile.ZipFile(path) as result:
        info = result.getinfo(name)
    data = bytearray(path.read_bytes())
    name_length, extra_length = struct.unpack("<HH", data[info.header_offset + 26 :][:4])
    start = info.header_offset + 30 + name_length + extra_length
    middle = start + info.compress_size // 2
    data[middle : middle + 8] = bytes(b ^ 0xFF for b in data[middle : middle + 8])
    path.write_bytes(bytes(data))


def test_verification_catches_a_corrupted_member(
    tmp_path: Path, sources: list[tuple[str, Path]]
) -> None:
    """Damaged bytes in one member make verify_zip fail and name that member."""
    write_zip(tmp_path / "out.zip", sources)
    verify_zip(tmp_path / "out.zip", sources)
    _corrupt_member(tmp_path / "out.zip", "html/slides.html")
    with pytest.raises(ArchiveError, match=r"html/slides\.html"):
        verify_zip(tmp_path / "out.zip", sources)


def test_verification_catches_a_member_that_differs_from_its_source(
    tmp_path: Path, sources: list[tuple[str, Path]]
) -> None:
    """An intact archive whose member no longer matches its source fails verification."""
    write_zip(tmp_path / "out.zip", sources)
    sources[0][1].write_bytes(b"changed since")
    with pytest.raises(ArchiveError, match="does not match"):
        verify_zip(tmp_path / "out.zip", sources)
    with pytest.raises(ArchiveError, match="lacks entries"):
        verify_zip(tmp_path / "out.zip", [*sources[:2], ("extra.txt", sources[0][1])])


def test_a_bad_archive_is_never_put_in_place(
    tmp_path: Path, sources: list[tuple[str, Path]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the written archive does not match its sources, it raises and leaves no file."""

    def copy_badly(reader: IO[bytes], writer: IO[bytes]) -> None:
        writer.write(reader.read()[::-1])

    monkeypatch.setattr(archive, "_copy_member", copy_badly)
    with pytest.raises(ArchiveError, match="does not match"):
        write_zip(tmp_path / "out.zip", sources)
    assert not (tmp_path / "out.zip").exists()
    assert not list(tmp_path.glob(f"{TEMP_PREFIX}*"))


def test_existing_archive_is_replaced_only_with_overwrite(
    tmp_path: Path, sources: list[tuple[str, Path]]
) -> None:
    """An existing archive is kept unless overwrite is asked for."""
    target = tmp_path / "out.zip"
    target.write_bytes(b"older archive")
    with pytest.raises(OutputExistsError):
        write_zip(target, sources)
    assert target.read_bytes() == b"older archive"
    write_zip(target, sources, overwrite=True)
    verify_zip(target, sources)


def test_large_members_get_zip64_headers(
    tmp_path: Path, sources: list[tuple[str, Path]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Members above the size limit are written with ZIP64 headers and still read back."""
    monkeypatch.setattr(archive, "_LARGE_MEMBER", 100_000)
    write_zip(tmp_path / "out.zip", sources)
    with zipfile.ZipFile(tmp_path / "out.zip") as result:
        assert result.getinfo("data.bin").extract_version >= zipfile.ZIP64_VERSION
        assert result.getinfo("markdown/Übersicht.md").extract_version < zipfile.ZIP64_VERSION
    verify_zip(tmp_path / "out.zip", sources)
