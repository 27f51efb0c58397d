"""Atomic output files: complete or absent, never overwritten by surprise, no debris left."""

from __future__ import annotations

import errno
import hashlib
import os
import pickle
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from curator_export.errors import DiskFullError, OutputError, OutputExistsError
from curator_export.output import (
    TEMP_PREFIX,
    create_temporary,
    ensure_writable_directory,
    open_atomically,
    remove_stale_temporaries,
    sha256_file,
    write_atomically,
)


def names(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir())


def temporaries(folder: Path) -> list[Path]:
    return sorted(folder.rglob(f"{TEMP_PREFIX}*"))


def make_temporary(folder: Path, pid: int, age_seconds: float = 0.0) -> Path:
    """A temporary file as if written by process ``pid`` ``age_seconds`` ago."""
    path, descriptor = create_temporary(folder)
    os.write(descriptor, b"partial")
    os.close(descriptor)
    ours = f"{TEMP_PREFIX}{os.getpid()}-"
    renamed = path.with_name(path.name.replace(ours, f"{TEMP_PREFIX}{pid}-", 1))
    path.rename(renamed)
    if age_seconds:
        then = time.time() - age_seconds
        os.utime(renamed, (then, then))
    return renamed


def dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def failing(code: int) -> Callable[..., None]:
    def fail(*args: object) -> None:
        raise OSError(code, os.strerror(code))

    return fail


def test_write_creates_folders_and_leaves_only_the_file(tmp_path: Path) -> None:
    """The file holds the data, its record is right, and no temporary file remains."""
    target = tmp_path / "out" / "deep" / "slides.html"
    written = write_atomically(target, b"<h1>Hello</h1>")
    assert target.read_bytes() == b"<h1>Hello</h1>"
    assert written.path == target
    assert written.size == 14
    assert written.sha256 == hashlib.sha256(b"<h1>Hello</h1>").hexdigest()
    assert names(target.parent) == ["slides.html"]


def test_existing_file_is_never_overwritten(tmp_path: Path) -> None:
    """Without overwrite, an existing file keeps its content and the write fails clearly."""
    target = tmp_path / "notes.md"
    target.write_bytes(b"precious")
    with pytest.raises(OutputExistsError, match=r"notes\.md"):
        write_atomically(target, b"new")
    assert target.read_bytes() == b"precious"
    assert names(tmp_path) == ["notes.md"]


def test_file_appearing_during_the_write_is_not_overwritten(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file created by someone else after the early check still wins over ours."""
    target = tmp_path / "quiz.pdf"
    real_link = os.link

    def link_after_someone_else(source: Path, destination: Path) -> None:
        Path(destination).write_bytes(b"theirs")
        real_link(source, destination)

    monkeypatch.setattr(os, "link", link_after_someone_else)
    with pytest.raises(OutputExistsError):
        write_atomically(target, b"ours")
    assert target.read_bytes() == b"theirs"
    assert names(tmp_path) == ["quiz.pdf"]


def test_without_hard_links_writes_and_still_never_overwrites(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where link() is unsupported (FAT, SMB) the fallback writes and keeps the same promise."""
    monkeypatch.setattr(os, "link", failing(errno.EPERM))
    write_atomically(tmp_path / "a.txt", b"a")
    assert (tmp_path / "a.txt").read_bytes() == b"a"

    def appears_then_unsupported(source: Path, destination: Path) -> None:
        Path(destination).write_bytes(b"theirs")
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "link", appears_then_unsupported)
    with pytest.raises(OutputExistsError):
        write_atomically(tmp_path / "b.txt", b"ours")
    assert (tmp_path / "b.txt").read_bytes() == b"theirs"
    assert names(tmp_path) == ["a.txt", "b.txt"]


def test_overwrite_replaces_the_file(tmp_path: Path) -> None:
    """With overwrite, the new content replaces the old one."""
    target = tmp_path / "slides.html"
    target.write_bytes(b"old")
    write_atomically(target, b"new", overwrite=True)
    assert target.read_bytes() == b"new"
    assert names(tmp_path) == ["slides.html"]


def test_disk_full_leaves_nothing_and_keeps_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ENOSPC while flushing raises DiskFullError; no temporary, no torn target, old file kept."""
    kept = tmp_path / "kept.html"
    kept.write_bytes(b"old")
    monkeypatch.setattr(os, "fsync", failing(errno.ENOSPC))
    with pytest.raises(DiskFullError, match="disk is full"):
        write_atomically(tmp_path / "new.html", b"x" * 100_000)
    with pytest.raises(DiskFullError):
        write_atomically(kept, b"new", overwrite=True)
    assert names(tmp_path) == ["kept.html"]
    assert kept.read_bytes() == b"old"


def stream_then_fail(path: Path, error: BaseException) -> None:
    with open_atomically(path) as file:
        file.write(b"half of it")
        raise error


def test_disk_full_while_streaming_leaves_nothing(tmp_path: Path) -> None:
    """ENOSPC raised by a write inside the block becomes DiskFullError and nothing remains."""
    with pytest.raises(DiskFullError):
        stream_then_fail(tmp_path / "big.pdf", OSError(errno.ENOSPC, "No space left on device"))
    assert names(tmp_path) == []


def test_interrupt_while_streaming_leaves_nothing(tmp_path: Path) -> None:
    """Ctrl-C in the middle of a write removes the temporary file and propagates."""
    with pytest.raises(KeyboardInterrupt):
        stream_then_fail(tmp_path / "big.pdf", KeyboardInterrupt())
    assert names(tmp_path) == []


def test_streamed_file_is_committed_on_clean_exit(tmp_path: Path) -> None:
    """open_atomically puts the whole file in place and records what was written, seeks included."""
    target = open_atomically(tmp_path / "deck.pptx")
    with target as file:
        file.write(b"0000 tail")
        file.seek(0)
        file.write(b"head")
        assert not (tmp_path / "deck.pptx").exists()
    assert (tmp_path / "deck.pptx").read_bytes() == b"head tail"
    assert target.written.sha256 == hashlib.sha256(b"head tail").hexdigest()
    assert target.written.size == 9
    assert names(tmp_path) == ["deck.pptx"]


def test_other_io_errors_name_the_path_and_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """EIO is an OutputError, not a full disk, and says which file and why."""
    monkeypatch.setattr(os, "fsync", failing(errno.EIO))
    with pytest.raises(OutputError) as caught:
        write_atomically(tmp_path / "slides.html", b"x")
    assert not isinstance(caught.value, DiskFullError)
    assert "slides.html" in str(caught.value)
    assert os.strerror(errno.EIO) in str(caught.value)
    assert names(tmp_path) == []


def test_a_file_in_the_way_of_a_folder_is_an_output_error(tmp_path: Path) -> None:
    """When part of the output path is a regular file, the error says so; root cannot bypass it."""
    blocker = tmp_path / "course"
    blocker.write_bytes(b"not a folder")
    with pytest.raises(OutputError, match="is a file, not a folder"):
        write_atomically(blocker / "out" / "slides.html", b"x")
    with pytest.raises(OutputError, match="is a file, not a folder"):
        write_atomically(blocker / "slides.html", b"x")
    with pytest.raises(OutputError, match="is a file, not a folder"):
        ensure_writable_directory(blocker / "out")
    with pytest.raises(OutputError, match="exists and is not a folder"):
        ensure_writable_directory(blocker)
    assert blocker.read_bytes() == b"not a folder"


def _can_create_in(folder: Path) -> bool:
    try:
        (folder / "probe").touch()
    except PermissionError:
        return False
    (folder / "probe").unlink()
    return True


@pytest.fixture
def locked_folder(tmp_path: Path) -> Iterator[Path]:
    """A folder the test process cannot write into, also when it runs as root."""
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    if not _can_create_in(folder):
        yield folder
        folder.chmod(0o700)
        return
    folder.chmod(0o700)
    # Root ignores mode bits, but not the immutable attribute (needs CAP_LINUX_IMMUTABLE).
    chattr = shutil.which("chattr")
    if chattr is None or subprocess.run([chattr, "+i", folder], check=False).returncode:
        pytest.skip("running as root without chattr +i: no folder is unwritable here")
    try:
        yield folder
    finally:
        subprocess.run([chattr, "-i", folder], check=True)


def test_unwritable_folder_is_an_output_error(locked_folder: Path) -> None:
    """A folder without write permission gives an OutputError that says permission denied."""
    with pytest.raises(OutputError, match="permission denied") as caught:
        write_atomically(locked_folder / "slides.html", b"x")
    assert not isinstance(caught.value, DiskFullError)
    with pytest.raises(OutputError, match="permission denied"):
        ensure_writable_directory(locked_folder)
    assert names(locked_folder) == []


def test_ensure_writable_directory_creates_it_and_leaves_no_probe(tmp_path: Path) -> None:
    """A missing output folder is created, proven writable, and left empty."""
    folder = tmp_path / "a" / "b"
    ensure_writable_directory(folder)
    ensure_writable_directory(folder)
    assert folder.is_dir()
    assert names(folder) == []


def test_stale_temporaries_of_dead_or_old_writers_are_removed(tmp_path: Path) -> None:
    """Only our temporaries whose writer is gone or long idle go; live ones and others stay."""
    nested = tmp_path / "job" / "html"
    nested.mkdir(parents=True)
    dead = make_temporary(tmp_path, dead_pid())
    dead_nested = make_temporary(nested, dead_pid())
    live = make_temporary(tmp_path, os.getpid())
    idle = make_temporary(tmp_path, os.getpid(), age_seconds=2 * 3600)
    foreign = [
        tmp_path / "slides.html",
        tmp_path / f"{TEMP_PREFIX}not-ours",
        tmp_path / f"{dead.name}.bak",
    ]
    for path in foreign:
        path.write_bytes(b"keep me")
    symlink = make_temporary(tmp_path, dead_pid())  # our name, but not a file of ours
    symlink.unlink()
    symlink.symlink_to(foreign[0])
    folder = make_temporary(tmp_path, dead_pid())
    folder.unlink()
    folder.mkdir()

    assert remove_stale_temporaries(tmp_path, recursive=False) == sorted([dead, idle])
    assert dead_nested.exists()
    assert remove_stale_temporaries(tmp_path) == [dead_nested]
    assert live.exists()
    assert all(path.read_bytes() == b"keep me" for path in foreign)
    assert symlink.is_symlink()
    assert folder.is_dir()
    assert remove_stale_temporaries(tmp_path / "missing") == []


CHILD = """
import sys, time
from pathlib import Path
from curator_export.output import open_atomically

with open_atomically(Path(sys.argv[1])) as file:
    for number in range(1000):
        file.write(b"x" * (1 << 20))
        if number == 8:
            file.flush()
            print("writing", flush=True)
        time.sleep(0.01)
"""


@pytest.mark.skipif(os.name != "posix", reason="SIGKILL is POSIX")
def test_killed_writer_leaves_only_a_temporary_that_cleanup_removes(tmp_path: Path) -> None:
    """A SIGKILLed writer leaves no target, just a temporary file that cleanup then removes."""
    target = tmp_path / "huge.pdf"
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(target)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        line = child.stdout.readline()
        assert line == "writing\n", child.stderr.read() if child.stderr else ""
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.kill()
        child.communicate()
    assert child.returncode == -signal.SIGKILL
    assert not target.exists()
    left = temporaries(tmp_path)
    assert len(left) == 1
    assert left[0].stat().st_size >= 9 << 20
    assert remove_stale_temporaries(tmp_path) == left
    assert names(tmp_path) == []


def test_sha256_file_matches_the_content(tmp_path: Path) -> None:
    """sha256_file gives the hex digest of the whole file."""
    path = tmp_path / "data.bin"
    data = os.urandom(3 << 20)
    path.write_bytes(data)
    assert sha256_file(path) == hashlib.sha256(data).hexdigest()


def test_output_errors_survive_pickling(tmp_path: Path) -> None:
    """Errors raised in worker processes reach the parent with their path and reason intact."""
    error = DiskFullError(tmp_path / "a.pdf", "the disk is full", errno.ENOSPC)
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is DiskFullError
    assert (copy.path, copy.reason, copy.errno) == (error.path, error.reason, error.errno)
    assert str(copy) == str(error)
