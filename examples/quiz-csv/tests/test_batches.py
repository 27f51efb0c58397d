"""Real batches over the demo course's SQLite store: the format, the lms names, and the three
hooks as the batch engine calls them (through the installed plugin, as users get it)."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest

from curator_export.batch import BatchExportManager
from curator_export.demo import DemoCourse
from curator_export.errors import BrandingError, ValidationError
from curator_export.model import (
    BatchExportJob,
    BatchExportOptions,
    Branding,
    ExportResult,
    ExportStatus,
    NamingChoice,
    OnConflict,
)
from curator_export.naming import NamingContext
from curator_export.plugins import PluginHost
from curator_export.store import SQLiteStore
from curator_export_quizcsv.checksums import ChecksumSettings

SERIAL = BatchExportOptions(parallel_exports=False, create_manifest=False)
ReadCsv = Callable[..., list[dict[str, str]]]

#: The demo course's sessions with a quiz, and how many questions each has.
QUIZZES = {"rdm-01-why": 4, "rdm-02-files": 4, "rdm-03-tidy-tables": 4, "rdm-05-storage": 4}


def job(out: Path, ids: list[str], formats: list[str], **fields: object) -> BatchExportJob:
    return BatchExportJob(
        job_id=str(fields.pop("job_id", "quiz")),
        session_ids=ids,
        formats=formats,
        output_directory=out,
        **fields,  # type: ignore[arg-type]
    )


def sha256sum_check(folder: Path) -> subprocess.CompletedProcess[str]:
    """``sha256sum -c SHA256SUMS`` run in ``folder``, as the receiver of the folder runs it."""
    return subprocess.run(
        ["sha256sum", "-c", "SHA256SUMS"], cwd=folder, capture_output=True, text=True, check=False
    )


def exports(result) -> list:  # type: ignore[no-untyped-def]
    return [export for job_result in result.job_results for export in job_result.exports]


@pytest.fixture
def ids(demo: DemoCourse) -> list[str]:
    return [session.id for session in demo.sessions]


# --8<-- [start:batch]
def test_every_session_in_a_pool_with_lms_names(
    demo_store: SQLiteStore, ids: list[str], tmp_path: Path, read_csv: ReadCsv
) -> None:
    """The whole course through worker processes: one CSV per session with a quiz, in
    `<course>/<NN>-<title>` folders that sort in teaching order; the two sessions without a
    quiz are skipped with the reason, and the job still succeeds."""
    out = tmp_path / "out"
    result = BatchExportManager(demo_store).execute_batch_export(
        [job(out, ids, ["quiz-csv"], naming_strategy=NamingChoice("lms"))],
        BatchExportOptions(max_concurrent_jobs=2),
    )
    assert result.failed_jobs == 0
    made = sorted(path.relative_to(out).as_posix() for path in out.rglob("*.csv"))
    assert made == [
        "research-data-management/01-why-manage-research-data.csv",
        "research-data-management/02-files-folders-naming-things-you-ll-find-again.csv",
        "research-data-management/03-tidy-tables-spreadsheets-that-machines-can-read.csv",
        "research-data-management/05-storage-backup-and-versioning.csv",
    ]
    skipped = [e for e in exports(result) if e.status is ExportStatus.SKIPPED]
    assert sorted(e.session_ids[0] for e in skipped) == ["rdm-04-metadata", "rdm-06-sharing"]
    assert all(e.warnings == (f"no quiz questions in {e.session_ids[0]}",) for e in skipped)
    for path in sorted(out.rglob("*.csv")):
        rows = read_csv(path)
        (session_id,) = {row["session_id"] for row in rows}
        assert [int(row["question_number"]) for row in rows] == list(
            range(1, QUIZZES[session_id] + 1)
        )
        assert all(row["answer_text"].startswith("Answer: ") for row in rows)


# --8<-- [end:batch]


def test_a_merged_student_bank_has_every_question_and_no_answer(
    demo_store: SQLiteStore, ids: list[str], tmp_path: Path, read_csv: ReadCsv
) -> None:
    """A merged job for students: one file, every quiz session's questions in course order,
    the answer column empty and no solution text in the file."""
    out = tmp_path / "bank"
    result = BatchExportManager(demo_store).execute_batch_export(
        [
            job(
                out,
                ids,
                ["quiz-csv"],
                merge_sessions=True,
                title="RDM question bank",
                audience="student",
                naming_strategy=NamingChoice("lms"),
            )
        ],
        SERIAL,
    )
    (export,) = exports(result)
    assert export.status is ExportStatus.SUCCEEDED
    assert export.path == out / "research-data-management" / "rdm-question-bank.csv"
    rows = read_csv(export.path)
    assert [row["session_id"] for row in rows] == [
        session for session, count in QUIZZES.items() for _ in range(count)
    ]
    assert {row["answer_text"] for row in rows} == {""}
    assert b"Answer: " not in export.path.read_bytes()


def test_lms_names_suit_every_format_and_fall_back_to_job_order(
    demo_store: SQLiteStore, tmp_path: Path
) -> None:
    """The strategy names HTML files too; sessions without a position (0) are numbered by
    their place in the job instead."""
    host = PluginHost()
    strategy = host.resolve_naming_strategy("lms")
    session = demo_store.load_sessions(["rdm-04-metadata"])[0]

    def name(sessions: tuple, **job_fields: object) -> str:  # type: ignore[type-arg]
        context = NamingContext(
            job=job(tmp_path, [s.id for s in sessions], ["html"], **job_fields),
            sessions=sessions,
            format="html",
            extension=".html",
            batch_time=datetime(2026, 1, 1),
            seq=1,
        )
        return strategy.function(context)

    assert (
        name((session,)) == "research-data-management/04-documenting-data-with-metadata-and-readmes"
    )
    unplaced = type(session)(id="extra", title="Données brutes: 2024!", position=0)
    assert name((unplaced,), job_id="j") == "j/01-donnees-brutes-2024"
    result = BatchExportManager(demo_store).execute_batch_export(
        [
            job(
                tmp_path / "html",
                ["rdm-04-metadata"],
                ["html"],
                naming_strategy=NamingChoice("lms"),
            )
        ],
        SERIAL,
    )
    (export,) = exports(result)
    assert export.path.name == "04-documenting-data-with-metadata-and-readmes.html"
    assert export.path.is_file()


def test_sha256sums_lists_the_finished_files_and_sha256sum_checks_them(
    demo_store: SQLiteStore, ids: list[str], tmp_path: Path
) -> None:
    """A job with a ``checksums`` table gets SHA256SUMS: a line per file written (Markdown
    companions and the manifests too, none for skipped exports), which `sha256sum -c`
    accepts; overwriting the files replaces their lines, and a changed file fails the check."""
    if shutil.which("sha256sum") is None:
        pytest.skip("sha256sum (GNU coreutils) is not installed")
    out = tmp_path / "out"
    checked = job(
        out,
        ids,
        ["quiz-csv", "markdown"],
        naming_strategy=NamingChoice("lms"),
        settings={"checksums": ChecksumSettings()},
    )

    def run() -> list[ExportResult]:
        result = BatchExportManager(demo_store).execute_batch_export(
            [checked], BatchExportOptions(parallel_exports=False, on_conflict=OnConflict.OVERWRITE)
        )
        assert result.failed_jobs == 0
        return exports(result)

    made = run()
    written = [e for e in made if e.status is ExportStatus.SUCCEEDED]
    assert written
    assert {e.annotations["quizcsv"]["listed_in"] for e in written} == {"SHA256SUMS"}
    sums = out / "SHA256SUMS"
    listed = [line.split("  ", 1)[1] for line in sums.read_text().splitlines()]
    files = sorted(
        path.relative_to(out).as_posix()
        for path in out.rglob("*")
        if path.is_file() and path.name != "SHA256SUMS"
    )
    assert listed == files
    assert sum(name.endswith(".csv") for name in listed) == len(QUIZZES)
    assert any(name.startswith("research-data-management/assets/") for name in listed)
    assert any(name.startswith("batch_export_manifest_") for name in listed)
    check = sha256sum_check(out)
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout.count(": OK") == len(files)

    run()  # the same files again, kept (unchanged) or overwritten in place, a second manifest
    files = sorted(
        path.relative_to(out).as_posix()
        for path in out.rglob("*")
        if path.is_file() and path.name != "SHA256SUMS"
    )
    assert [line.split("  ", 1)[1] for line in sums.read_text().splitlines()] == files
    first_csv = next(out.rglob("*.csv"))
    first_csv.write_bytes(first_csv.read_bytes() + b"tampered\r\n")
    check = sha256sum_check(out)
    assert check.returncode == 1
    assert f"{first_csv.relative_to(out).as_posix()}: FAILED" in check.stdout


def test_sha256sums_of_a_zipped_job_list_the_archive_not_the_loose_files(
    demo_store: SQLiteStore, ids: list[str], tmp_path: Path
) -> None:
    out = tmp_path / "zipped"
    checked = job(out, ids, ["quiz-csv"], settings={"checksums": ChecksumSettings(file="SUMS")})

    result = BatchExportManager(demo_store).execute_batch_export(
        [checked], BatchExportOptions(parallel_exports=False, compress_output=True)
    )

    (archive,) = result.archive_paths
    assert result.manifest_path is not None
    listed = [line.split("  ", 1)[1] for line in (out / "SUMS").read_text().splitlines()]
    assert listed == sorted([archive.name, result.manifest_path.name])


def test_a_jobs_file_asks_for_checksums_with_a_table(tmp_path: Path) -> None:
    from curator_export.convert import Converters

    jobs_file = tmp_path / "jobs.toml"
    jobs_file.write_text(
        '[[jobs]]\njob_id = "q"\nsession_ids = ["rdm-01-why"]\nformats = ["quiz-csv"]\n'
        'output_directory = "out"\nchecksums = { file = "../SUMS" }\n'
    )
    with pytest.raises(
        ValidationError, match=r"must be a file name .* @ \$\.jobs\[0\]\.checksums\.file"
    ):
        Converters(PluginHost()).read_jobs_file(jobs_file)
    jobs_file.write_text(jobs_file.read_text().replace("../SUMS", "CHECKSUMS.sha256"))
    (parsed,) = Converters(PluginHost()).read_jobs_file(jobs_file).jobs
    assert parsed.settings["checksums"] == ChecksumSettings(file="CHECKSUMS.sha256")


def test_without_a_checksums_table_no_sums_file_is_written(
    demo_store: SQLiteStore, ids: list[str], tmp_path: Path
) -> None:
    """Installing the plugin alone adds nothing to output folders."""
    out = tmp_path / "out"
    BatchExportManager(demo_store).execute_batch_export([job(out, ids, ["quiz-csv"])], SERIAL)
    assert list(out.glob("*.csv"))
    assert not (out / "SHA256SUMS").exists()


# --8<-- [start:progress]
def test_progress_log_has_a_json_line_per_event(
    demo_store: SQLiteStore, ids: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """CURATOR_QUIZCSV_PROGRESS_LOG gets one JSON object per event, the same events the
    batch's own callbacks see, ending with every file done."""
    log = tmp_path / "logs" / "progress.jsonl"
    log.parent.mkdir()
    monkeypatch.setenv("CURATOR_QUIZCSV_PROGRESS_LOG", str(log))
    seen = []
    manager = BatchExportManager(demo_store).with_progress_tracking(seen.append)
    manager.execute_batch_export([job(tmp_path / "out", ids, ["quiz-csv"])], SERIAL)
    events = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert len(events) == len(seen) > len(ids)
    assert [e["current_operation"] for e in events] == [e.current_operation for e in seen]
    assert events[0]["current_operation"] == "planned"
    last = events[-1]
    assert last["total_files"] == last["completed_files"] == len(ids)
    assert last["progress_percent"] == 100.0
    assert all(e["logged_at"].endswith("+00:00") for e in events)


# --8<-- [end:progress]


def test_brand_file_brands_jobs_without_branding_of_their_own(
    demo_store: SQLiteStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """CURATOR_QUIZCSV_BRAND_FILE brands an HTML export of a job without branding; a job's
    own branding_options win; unset, the hook passes."""
    assert PluginHost().branding(job(tmp_path, ["rdm-01-why"], ["html"])) is None
    brand = tmp_path / "brand.toml"
    brand.write_text(
        'institution_name = "Lakeside University"\ncolors = { primary = "#0B6E4F" }\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("CURATOR_QUIZCSV_BRAND_FILE", str(brand))
    own = Branding(institution_name="The Job's Own College")
    result = BatchExportManager(demo_store).execute_batch_export(
        [
            job(tmp_path / "plain", ["rdm-01-why"], ["html"], job_id="plain"),
            job(tmp_path / "own", ["rdm-01-why"], ["html"], job_id="own", branding_options=own),
        ],
        SERIAL,
    )
    plain, own_export = (e.path.read_text(encoding="utf-8") for e in exports(result))
    assert "Lakeside University" in plain
    assert "#0B6E4F".lower() in plain.lower()
    assert "The Job's Own College" in own_export or "The Job&#39;s Own College" in own_export
    assert "Lakeside University" not in own_export


def test_a_bad_brand_file_stops_the_batch_naming_the_variable(
    demo_store: SQLiteStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A brand file with a bad colour stops planning with a BrandingError that names the
    variable and the file; no file is written."""
    brand = tmp_path / "brand.toml"
    brand.write_text('colors = { primary = "green" }\n', encoding="utf-8")
    monkeypatch.setenv("CURATOR_QUIZCSV_BRAND_FILE", str(brand))
    with pytest.raises(BrandingError, match=r"CURATOR_QUIZCSV_BRAND_FILE: .*brand\.toml"):
        BatchExportManager(demo_store).execute_batch_export(
            [job(tmp_path / "out", ["rdm-01-why"], ["html"])], SERIAL
        )
    assert not [path for path in (tmp_path / "out").rglob("*") if path.is_file()]
