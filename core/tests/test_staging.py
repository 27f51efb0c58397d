"""Staged outputs: complete before they are staged, durable before they are in place."""

from __future__ import annotations

import errno
import hashlib
import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from curator_export import output, staging
from curator_export.committing import Committer
from curator_export.errors import DiskFullError, OutputError, OutputExistsError
from curator_export.model import ErrorKind, ExportResult, ExportStatus
from curator_export.output import TEMP_PREFIX, remove_stale_temporaries
from curator_export.staging import Commit, StagingArea, commit_staged, stage_file

PID = os.getpid()
AREA = StagingArea(PID, "batch-1")


def debris(folder: Path) -> list[Path]:
    return sorted(folder.rglob(f"{TEMP_PREFIX}*"))


def commit_of(staged: staging.StagedFile, **options: object) -> Commit:
    return Commit(staged.path, staged.staged, **options)  # type: ignore[arg-type]


@pytest.fixture(params=["syncfs", "fsync per file"])
def sync_method(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every commit test runs with syncfs (where the platform has it) and without."""
    if request.param == "syncfs" and staging._syncfs() is None:
        pytest.skip("this platform has no syncfs; commits sync file by file")
    if request.param != "syncfs":
        monkeypatch.setattr(staging, "_syncfs", lambda: None)
    return str(request.param)


def test_a_staged_file_is_complete_beside_its_target_but_not_in_place(tmp_path: Path) -> None:
    target = tmp_path / "out" / "s1.html"
    staged = stage_file(target, b"<h1>One</h1>", area=AREA)
    assert not target.exists()
    assert staged.staged.parent == target.parent
    assert staged.staged.read_bytes() == b"<h1>One</h1>"
    assert staged.size == 12
    assert staged.sha256 == hashlib.sha256(b"<h1>One</h1>").hexdigest()
    assert debris(tmp_path) == [staged.staged]  # no other temporary is left


def test_commit_puts_the_file_in_place_and_leaves_nothing_else(
    tmp_path: Path, sync_method: str
) -> None:
    files = [stage_file(tmp_path / f"s{n}.md", f"# {n}\n".encode(), area=AREA) for n in range(5)]
    assert commit_staged([commit_of(staged) for staged in files]) == [None] * 5
    assert sorted(path.name for path in tmp_path.iterdir()) == [f"s{n}.md" for n in range(5)]
    assert (tmp_path / "s3.md").read_text() == "# 3\n"


def test_the_disk_is_synced_before_any_file_is_moved_into_place(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sync_method: str
) -> None:
    """What a power cut cannot tear: no file reaches its name before its bytes are on disk."""
    calls: list[str] = []
    real_fsync, real_move = os.fsync, output._move_into_place
    real_syncfs = staging._syncfs()

    def fsync(descriptor: int) -> None:
        calls.append("sync")
        real_fsync(descriptor)

    def move(temporary: Path, path: Path, *, overwrite: bool) -> None:
        calls.append(f"move {path.name}")
        real_move(temporary, path, overwrite=overwrite)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(output, "_move_into_place", move)
    if sync_method == "syncfs":
        assert real_syncfs is not None

        def syncfs(descriptor: int) -> int:
            calls.append("sync")
            return real_syncfs(descriptor)

        monkeypatch.setattr(staging, "_syncfs", lambda: syncfs)
    files = [stage_file(tmp_path / f"s{n}.md", b"x", area=AREA) for n in range(3)]
    commit_staged([commit_of(staged) for staged in files])
    first_move = next(index for index, call in enumerate(calls) if call.startswith("move"))
    expected_syncs = 1 if sync_method == "syncfs" else 3
    assert calls[:first_move] == ["sync"] * expected_syncs
    assert calls[first_move : first_move + 3] == ["move s0.md", "move s1.md", "move s2.md"]
    assert calls[first_move + 3 :] == ["sync"]  # the folder, once for all three


def test_a_file_that_appeared_meanwhile_is_not_overwritten(
    tmp_path: Path, sync_method: str
) -> None:
    target = tmp_path / "s1.html"
    staged = stage_file(target, b"ours", area=AREA)
    target.write_bytes(b"someone else's")
    [error] = commit_staged([commit_of(staged)])
    assert isinstance(error, OutputExistsError)
    assert target.read_bytes() == b"someone else's"
    assert debris(tmp_path) == []


def test_overwrite_replaces_the_target(tmp_path: Path, sync_method: str) -> None:
    target = tmp_path / "s1.html"
    target.write_bytes(b"old")
    staged = stage_file(target, b"new", area=AREA, overwrite=True)
    assert commit_staged([commit_of(staged, overwrite=True)]) == [None]
    assert target.read_bytes() == b"new"


def test_staging_refuses_an_existing_target_early(tmp_path: Path) -> None:
    (tmp_path / "s1.html").write_bytes(b"kept")
    with pytest.raises(OutputExistsError):
        stage_file(tmp_path / "s1.html", b"new", area=AREA)
    assert debris(tmp_path) == []


def test_a_figure_shared_by_outputs_is_staged_and_placed_once(
    tmp_path: Path, sync_method: str
) -> None:
    figure = tmp_path / "assets" / "plot.png"
    first = stage_file(figure, b"PNG", area=AREA, shared=True)
    again = stage_file(figure, b"PNG", area=AREA, shared=True)
    assert first.staged == again.staged
    assert debris(tmp_path) == [first.staged]
    pages = [stage_file(tmp_path / f"s{n}.html", b"<img>", area=AREA) for n in (1, 2)]
    commits = [
        Commit(figure, first.staged, shared=True),
        commit_of(pages[0], requires=(figure,)),
        Commit(figure, again.staged, shared=True),  # the second output's copy: already taken
        commit_of(pages[1], requires=(figure,)),
    ]
    assert commit_staged(commits) == [None] * 4
    assert figure.read_bytes() == b"PNG"
    assert debris(tmp_path) == []
    # Once in place, a later output's copy is refused at once (the worker compares bytes).
    with pytest.raises(OutputExistsError):
        stage_file(figure, b"PNG", area=AREA, shared=True)


def test_an_output_whose_figure_is_lost_stays_out(tmp_path: Path, sync_method: str) -> None:
    figure = tmp_path / "assets" / "plot.png"
    staged_figure = stage_file(figure, b"PNG", area=AREA, shared=True)
    page = stage_file(tmp_path / "s1.html", b"<img>", area=AREA)
    staged_figure.staged.unlink()  # gone, and nothing put the figure in place
    figure_error, page_error = commit_staged(
        [Commit(figure, staged_figure.staged, shared=True), commit_of(page, requires=(figure,))]
    )
    assert isinstance(figure_error, OutputError)
    assert "plot.png" in str(figure_error)
    assert isinstance(page_error, OutputError)
    assert "a file it needs failed" in str(page_error)
    assert not (tmp_path / "s1.html").exists()
    assert debris(tmp_path) == []


def failing(code: int) -> Callable[..., None]:
    def fail(*args: object) -> None:
        raise OSError(code, os.strerror(code))

    return fail


def test_a_failed_sync_keeps_every_file_out_and_names_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """syncfs failing falls back to fsync per file, which says which file failed."""
    monkeypatch.setattr(staging, "_syncfs", lambda: lambda descriptor: -1)
    monkeypatch.setattr(os, "fsync", failing(errno.EIO))
    files = [stage_file(tmp_path / f"s{n}.md", b"x", area=AREA) for n in (1, 2)]
    errors = commit_staged([commit_of(staged) for staged in files])
    for error, name in zip(errors, ("s1.md", "s2.md"), strict=True):
        assert isinstance(error, OutputError)
        assert name in str(error)
        assert os.strerror(errno.EIO) in str(error)
    assert list(tmp_path.iterdir()) == []


def test_a_full_disk_while_staging_is_a_disk_full_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_fdopen = os.fdopen

    class FullDisk:
        def __init__(self, descriptor: int, mode: str) -> None:
            self.file = real_fdopen(descriptor, mode)

        def __enter__(self) -> FullDisk:
            return self

        def __exit__(self, *exc: object) -> None:
            self.file.close()

        def write(self, data: bytes) -> int:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fdopen", FullDisk)
    with pytest.raises(DiskFullError):
        stage_file(tmp_path / "s1.md", b"x", area=AREA)
    assert list(tmp_path.iterdir()) == []


def test_figures_a_dead_worker_staged_can_be_found(tmp_path: Path) -> None:
    figure = tmp_path / "assets" / "plot.png"
    stage_file(figure, b"PNG", area=AREA, shared=True)
    stage_file(tmp_path / "s1.html", b"page", area=AREA)  # not shared: not listed
    stage_file(tmp_path / "assets" / "b.png", b"B", area=StagingArea(PID + 1), shared=True)
    [found] = AREA.staged_in(tmp_path)
    assert (found.path, found.shared) == (figure, True)
    assert commit_staged([found]) == [None]
    assert figure.read_bytes() == b"PNG"


def test_a_figure_with_a_long_name_is_staged_within_the_name_limit(tmp_path: Path) -> None:
    figure = tmp_path / "assets" / ("f" * 240 + ".png")
    staged = stage_file(figure, b"PNG", area=AREA, shared=True)
    assert len(staged.staged.name) < 255
    assert commit_staged([Commit(figure, staged.staged, shared=True)]) == [None]
    assert figure.read_bytes() == b"PNG"


def test_two_batches_of_one_process_never_share_a_staged_file(tmp_path: Path) -> None:
    """Each batch commits its own bytes: the second of two to the same path is refused."""
    target = tmp_path / "s1.html"
    first = stage_file(target, b"first", area=StagingArea(PID, "a"))
    second = stage_file(target, b"second", area=StagingArea(PID, "b"))
    assert first.staged != second.staged
    assert commit_staged([commit_of(first)]) == [None]
    [refused] = commit_staged([commit_of(second)])
    assert isinstance(refused, OutputExistsError)
    assert target.read_bytes() == b"first"
    assert debris(tmp_path) == []


def test_staged_files_of_a_dead_committer_are_stale(tmp_path: Path) -> None:
    """A parent killed between staging and committing leaves files the next batch removes."""
    gone = 2**22 + 12345  # above the default pid_max: no such process
    stage_file(tmp_path / "s1.html", b"page", area=StagingArea(gone))
    stage_file(tmp_path / "assets" / "a.png", b"A", area=StagingArea(gone), shared=True)
    ours = stage_file(tmp_path / "s2.html", b"page", area=AREA)
    removed = remove_stale_temporaries(tmp_path)
    assert len(removed) == 2
    assert debris(tmp_path) == [ours.staged]


# --- the committer ----------------------------------------------------------------------


def staged_result(folder: Path, name: str) -> ExportResult:
    staged = stage_file(folder / name, name.encode(), area=AREA)
    return ExportResult(
        job_id="job",
        format="markdown",
        session_ids=(name,),
        status=ExportStatus.SUCCEEDED,
        path=staged.path,
        size=staged.size,
        sha256=staged.sha256,
    )


def test_the_committer_returns_results_once_their_files_are_in_place(tmp_path: Path) -> None:
    committer = Committer(AREA, group_seconds=0.05)
    try:
        for name in ("a.md", "b.md"):
            committer.submit(staged_result(tmp_path, name), overwrite=False)
        deadline = time.monotonic() + 10
        done: list[ExportResult] = []
        while len(done) < 2 and time.monotonic() < deadline:
            done += committer.finished()
            time.sleep(0.01)
        assert sorted(result.session_ids[0] for result in done) == ["a.md", "b.md"]
        for result in done:
            assert result.status is ExportStatus.SUCCEEDED
            assert result.path is not None
            assert result.path.read_bytes() == result.session_ids[0].encode()
    finally:
        committer.close()
    assert debris(tmp_path) == []


def test_wait_commits_at_once_and_reports_conflicts(tmp_path: Path) -> None:
    committer = Committer(AREA, group_seconds=3600)  # only wait() makes it go
    try:
        kept = staged_result(tmp_path, "kept.md")
        (tmp_path / "kept.md").write_bytes(b"someone else's")
        committer.submit(kept, overwrite=False)
        committer.submit(staged_result(tmp_path, "new.md"), overwrite=False)
        results = {result.session_ids[0]: result for result in committer.wait()}
    finally:
        committer.close()
    assert results["new.md"].status is ExportStatus.SUCCEEDED
    conflict = results["kept.md"]
    assert (conflict.status, conflict.error_kind) == (ExportStatus.FAILED, ErrorKind.CONFLICT)
    assert conflict.sha256 is None
    assert (tmp_path / "kept.md").read_bytes() == b"someone else's"
    assert debris(tmp_path) == []


def test_close_commits_what_is_staged(tmp_path: Path) -> None:
    committer = Committer(AREA, group_seconds=3600)
    committer.submit(staged_result(tmp_path, "a.md"), overwrite=False)
    committer.close()
    assert (tmp_path / "a.md").read_bytes() == b"a.md"
    with pytest.raises(RuntimeError, match="closed"):
        committer.submit(staged_result(tmp_path, "b.md"), overwrite=False)
