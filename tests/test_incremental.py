"""Incremental re-export: unchanged outputs are kept, changed ones re-rendered in place."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs
import pytest

from curator_export.batch import BatchExportManager
from curator_export.model import (
    BatchExportJob,
    BatchExportOptions,
    BatchExportResult,
    BrandColors,
    Branding,
    ErrorKind,
    ExportStatus,
    OnConflict,
)
from curator_export.plugins import PluginHost
from curator_export.store import SQLiteStore, import_path
from curator_export.testing_writers import SAMPLE_COURSE, read_log, write_course

SERIAL = BatchExportOptions(parallel_exports=False)


def job(out: Path, sessions=("s1", "s2", "s3"), formats=("chaos",), **more: Any) -> BatchExportJob:
    return BatchExportJob(
        job_id="j", session_ids=sessions, formats=formats, output_directory=out, **more
    )


def rendered(log: Path) -> list[tuple[str, tuple[str, ...]]]:
    """(format, sessions) of every render the chaos writers finished, oldest first."""
    return [
        (line["format"], tuple(line["session_ids"]))
        for line in read_log(log)
        if line["event"] == "end"
    ]


def statuses(result: BatchExportResult) -> dict[str, str]:
    """File name -> status of every export of the batch."""
    return {
        export.path.name: str(export.status)
        for job_result in result.job_results
        for export in job_result.exports
        if export.path is not None
    }


def outputs(folder: Path) -> dict[str, bytes]:
    """Every output file below ``folder`` (no manifests)."""
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and not path.name.startswith("batch_export_manifest_")
    }


def manifest(result: BatchExportResult) -> dict[str, Any]:
    assert result.manifest_path is not None
    return json.loads(result.manifest_path.read_text(encoding="utf-8"))["batch_export_manifest"]


@pytest.fixture
def run(store: SQLiteStore, host: PluginHost) -> Callable[..., BatchExportResult]:
    def run(*jobs: BatchExportJob, options: BatchExportOptions = SERIAL) -> BatchExportResult:
        return BatchExportManager(store, host=host).execute_batch_export(list(jobs), options)

    return run


def reimport(store: SQLiteStore, tmp_path: Path, **changes: tuple[str, list[Any]]) -> None:
    """Import the sample course again with some sessions replaced."""
    folder = tmp_path / "changed-source"
    write_course(folder, {**SAMPLE_COURSE, **changes})
    assert import_path(store, folder).changed


def test_a_second_run_with_nothing_changed_renders_nothing(run, tmp_path, chaos_log):
    """Every output is reported unchanged, nothing renders, and the files are untouched."""
    out = tmp_path / "out"
    first = run(job(out, formats=("chaos", "chaos2")))
    assert set(statuses(first).values()) == {"succeeded"}
    before = outputs(out)
    times = {name: (out / name).stat().st_mtime_ns for name in before}
    renders = len(rendered(chaos_log))

    second = run(job(out, formats=("chaos", "chaos2")))

    assert set(statuses(second).values()) == {"unchanged"}
    assert len(rendered(chaos_log)) == renders
    assert outputs(out) == before  # no name-2 files either
    assert {name: (out / name).stat().st_mtime_ns for name in before} == times
    assert second.total_files_created == 0
    assert second.total_files_unchanged == 6
    assert second.job_results[0].success
    body = manifest(second)
    assert body["total_files_unchanged"] == 6
    assert body["jobs"][0]["files_unchanged"] == 6
    exports = body["jobs"][0]["exports"]
    assert {e["status"] for e in exports} == {"unchanged"}
    assert all(e["success"] for e in exports)
    first_batch = manifest(first)["batch_id"]
    assert {e["reused_from_batch"] for e in exports} == {first_batch}
    by_name = {e["output_path"]: e for e in exports}
    assert by_name["s1.chaos"]["sha256"] == manifest(first)["jobs"][0]["exports"][0]["sha256"]


def test_a_changed_session_re_renders_only_its_files_in_place(run, store, tmp_path, chaos_log):
    """Editing s2 re-renders s2's outputs at their own paths; s1 and s3 stay unchanged."""
    out = tmp_path / "out"
    run(job(out))
    reimport(store, tmp_path, s2=("Rivers", [("slides", "Rivers", "# Rivers\n\nRivers MEANDER.")]))
    renders = len(rendered(chaos_log))

    second = run(job(out))

    assert statuses(second) == {
        "s1.chaos": "unchanged",
        "s2.chaos": "succeeded",
        "s3.chaos": "unchanged",
    }
    assert rendered(chaos_log)[renders:] == [("chaos", ("s2",))]
    assert sorted(outputs(out)) == ["s1.chaos", "s2.chaos", "s3.chaos"]
    assert b"MEANDER" in (out / "s2.chaos").read_bytes()
    replaced = second.job_results[0].exports
    assert [e.path for e in replaced if e.status is ExportStatus.SUCCEEDED] == [out / "s2.chaos"]
    assert set(statuses(run(job(out))).values()) == {"unchanged"}  # and recorded again


def test_a_merged_output_follows_any_of_its_sessions(run, store, tmp_path, chaos_log):
    """A merged file is kept while its sessions are unchanged and re-rendered when one changes."""
    out = tmp_path / "out"
    merged = job(out, merge_sessions=True)
    run(merged)
    assert statuses(run(merged)) == {"j.chaos": "unchanged"}
    reimport(store, tmp_path, s3=("Wetlands", [("slides", "Wetlands", "# Wetlands\n\nPEAT.")]))
    assert statuses(run(merged)) == {"j.chaos": "succeeded"}
    assert b"PEAT" in (out / "j.chaos").read_bytes()
    assert sorted(outputs(out)) == ["j.chaos"]


def test_force_renders_everything_again_in_place(run, tmp_path, chaos_log):
    """force (--force) renders every output again and replaces the earlier files."""
    out = tmp_path / "out"
    run(job(out))
    renders = len(rendered(chaos_log))
    forced = run(job(out), options=attrs.evolve(SERIAL, force=True))
    assert set(statuses(forced).values()) == {"succeeded"}
    assert len(rendered(chaos_log)) == renders + 3
    assert sorted(outputs(out)) == ["s1.chaos", "s2.chaos", "s3.chaos"]


def test_a_file_edited_by_hand_is_never_replaced(run, tmp_path):
    """An output changed since it was written is the user's now: the new one goes beside it."""
    out = tmp_path / "out"
    run(job(out))
    (out / "s1.chaos").write_text("my own notes on lakes")

    second = run(job(out))

    assert statuses(second) == {
        "s1-2.chaos": "succeeded",
        "s2.chaos": "unchanged",
        "s3.chaos": "unchanged",
    }
    assert (out / "s1.chaos").read_text() == "my own notes on lakes"
    assert (out / "s1-2.chaos").read_text().startswith("# Lake Ecology")


def test_a_deleted_output_is_written_again(run, tmp_path):
    """A missing file cannot be kept: it is rendered again at its path."""
    out = tmp_path / "out"
    run(job(out))
    (out / "s3.chaos").unlink()
    assert statuses(run(job(out)))["s3.chaos"] == "succeeded"
    assert (out / "s3.chaos").is_file()


def test_a_missing_companion_file_makes_its_output_render_again(run, tmp_path):
    """An output is only unchanged when the figures written beside it are there too."""
    out = tmp_path / "out"
    run(job(out, formats=("figures",)))
    assert set(statuses(run(job(out, formats=("figures",)))).values()) == {"unchanged"}
    (out / "assets" / "s2.txt").unlink()
    again = run(job(out, formats=("figures",)))
    assert statuses(again)["s2.figures"] == "succeeded"
    assert statuses(again)["s1.figures"] == "unchanged"
    assert (out / "assets" / "s2.txt").is_file()
    unchanged = [e for e in again.job_results[0].exports if e.status is ExportStatus.UNCHANGED]
    assert out / "assets" / "s1.txt" in unchanged[0].companions


def make_theme(folder: Path, css: str) -> Path:
    theme = folder / "house"
    theme.mkdir(parents=True, exist_ok=True)
    (theme / "theme.json").write_text('{"base": null}')
    (theme / "theme.css").write_text(css)
    return folder


@pytest.mark.parametrize(
    "change",
    [
        "branding",
        "audience",
        "content_types",
        "include_metadata",
        "title",
        "format_options",
        "logo_bytes",
        "theme_file",
    ],
)
def test_every_input_of_an_output_is_part_of_its_key(run, tmp_path, change):
    """Changing any setting that shapes a file, or a file it uses, renders it again."""
    out = tmp_path / "out"
    logo = tmp_path / "logo.png"
    logo.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 64)
    themes = make_theme(tmp_path / "themes", "body { color: black }")
    base = job(
        out,
        formats=("request",),
        template_name="house",
        branding_options=Branding(institution_name="Lakeside", logo=str(logo)),
    )
    options = attrs.evolve(SERIAL, template_dirs=(themes,))
    run(base, options=options)
    assert set(statuses(run(base, options=options)).values()) == {"unchanged"}

    changed = base
    if change == "branding":
        branding = Branding(institution_name="Lakeside", colors=BrandColors(primary="#123456"))
        changed = attrs.evolve(base, branding_options=attrs.evolve(branding, logo=str(logo)))
    elif change == "audience":
        changed = attrs.evolve(base, audience="student")
    elif change == "content_types":
        changed = attrs.evolve(base, content_types=("slides",))
    elif change == "include_metadata":
        changed = attrs.evolve(base, include_metadata=False)
    elif change == "title":
        changed = attrs.evolve(base, title="Week 1")
    elif change == "format_options":
        changed = attrs.evolve(base, format_options={"request": {"indent": 4}})
    elif change == "logo_bytes":
        logo.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\1" * 64)
    elif change == "theme_file":
        make_theme(themes, "body { color: navy }")

    again = run(changed, options=options)
    assert set(statuses(again).values()) == {"succeeded"}, change
    assert sorted(outputs(out)) == ["s1.json", "s2.json", "s3.json"]  # replaced in place


def test_skip_and_error_keep_unchanged_files_and_refuse_to_replace_changed_ones(
    run, store, tmp_path
):
    """on_conflict skip/error: an unchanged output is unchanged; a changed one is not replaced."""
    out = tmp_path / "out"
    run(job(out))
    for policy in (OnConflict.SKIP, OnConflict.ERROR):
        kept = run(job(out), options=attrs.evolve(SERIAL, on_conflict=policy))
        assert set(statuses(kept).values()) == {"unchanged"}
    reimport(store, tmp_path, s1=("Lake Ecology", [("slides", "Lakes", "# Lakes\n\nICE.")]))
    skipped = run(job(out), options=attrs.evolve(SERIAL, on_conflict=OnConflict.SKIP))
    assert statuses(skipped)["s1.chaos"] == "skipped"
    refused = run(job(out), options=attrs.evolve(SERIAL, on_conflict=OnConflict.ERROR))
    s1 = refused.job_results[0].exports[0]
    assert (s1.status, s1.error_kind) == (ExportStatus.FAILED, ErrorKind.CONFLICT)
    assert b"ICE" not in (out / "s1.chaos").read_bytes()


def test_a_pool_run_is_kept_by_the_next_run(run, tmp_path):
    """Outputs written by worker processes are recorded like serial ones."""
    out = tmp_path / "out"
    pool = BatchExportOptions(max_concurrent_jobs=2)
    assert set(statuses(run(job(out, formats=("chaos", "figures")), options=pool)).values()) == {
        "succeeded"
    }
    assert set(statuses(run(job(out, formats=("chaos", "figures")), options=pool)).values()) == {
        "unchanged"
    }


def test_archived_outputs_are_rendered_again(run, tmp_path):
    """With compress_output the loose files are gone after archiving: nothing to keep."""
    out = tmp_path / "out"
    zipped = attrs.evolve(SERIAL, compress_output=True)
    run(job(out), options=zipped)
    second = run(job(out), options=zipped)
    assert set(statuses(second).values()) == {"succeeded"}
    assert [path.name for path in second.archive_paths] == ["j-2.zip"]


def test_the_ledger_lives_in_the_store_file(run, store, tmp_path):
    """Each written file has a row: path, key, size and sha256, and the batch that made it."""
    out = tmp_path / "out"
    result = run(job(out, sessions=("s1",)))
    made = result.job_results[0].exports[0]
    with sqlite3.connect(store.path) as connection:
        rows = connection.execute(
            "SELECT path, size, sha256, batch_id, key FROM outputs"
        ).fetchall()
    assert len(rows) == 1
    path, size, sha256, batch_id, key = rows[0]
    assert (Path(path), size, sha256) == (made.path, made.size, made.sha256)
    assert batch_id == manifest(result)["batch_id"]
    assert len(key) == 64


class ReadOnlyStore:
    """A store of an embedding application that keeps no ledger: only ``SessionStore``."""

    def __init__(self, inner: SQLiteStore) -> None:
        self.inner = inner

    def list_sessions(self):  # type: ignore[no-untyped-def]
        return self.inner.list_sessions()

    def session_ids(self):  # type: ignore[no-untyped-def]
        return self.inner.session_ids()

    def load_sessions(self, ids, *, with_assets=True):  # type: ignore[no-untyped-def]
        return self.inner.load_sessions(ids, with_assets=with_assets)

    def close(self) -> None:
        pass

    def __enter__(self):  # type: ignore[no-untyped-def]
        return self

    def __exit__(self, *exc: object) -> None:
        pass


def test_a_store_without_a_ledger_renders_every_time(store, host, tmp_path):
    """Without a ledger nothing is known to be ours: the default rename applies as before."""
    out = tmp_path / "out"
    manager = BatchExportManager(ReadOnlyStore(store), host=host)
    manager.execute_batch_export([job(out, sessions=("s1",))], SERIAL)
    second = manager.execute_batch_export([job(out, sessions=("s1",))], SERIAL)
    assert statuses(second) == {"s1-2.chaos": "succeeded"}


def test_cli_force_and_plan_show_what_is_kept(cli, tmp_path):
    """`plan` says which files are kept; the summary counts them; --force renders them all."""
    out = tmp_path / "out"
    args = ("export", "-s", "s1,s2", "-f", "chaos", "-o", "out", "--serial", "--progress", "none")
    assert cli(*args).returncode == 0
    again = cli(*args)
    assert again.returncode == 0, again.stderr
    assert "0 files written in" in again.stdout
    assert "(2 unchanged, kept)" in again.stdout
    jobs = tmp_path / "jobs.toml"
    jobs.write_text(
        '[options]\nparallel_exports = false\n[[jobs]]\njob_id = "export"\n'
        f'session_ids = ["s1", "s2"]\nformats = ["chaos"]\noutput_directory = "{out}"\n'
    )
    plan = cli("plan", str(jobs), "--json")
    assert plan.returncode == 0, plan.stderr
    actions = {Path(row["path"]).name: row["action"] for row in json.loads(plan.stdout)["files"]}
    assert actions == {"s1.chaos": "unchanged (kept)", "s2.chaos": "unchanged (kept)"}
    forced = cli(*args, "--force")
    assert forced.returncode == 0, forced.stderr
    assert "2 files written in" in forced.stdout
    assert sorted(path.name for path in out.glob("*.chaos")) == ["s1.chaos", "s2.chaos"]
