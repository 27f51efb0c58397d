"""The batch commands of ``curator-export`` in real subprocesses: export, run, plan, history,
progress and logs on stderr, exit codes, and Ctrl-C / SIGTERM sent to a running batch.

The CLI loads formats from entry points only: the ``cli_env`` fixture puts a small
third-party distribution on ``PYTHONPATH`` that registers the test formats (chaos, chaos2,
plain, request) of ``curator_export.testing_writers``.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from curator_export.output import TEMP_PREFIX
from curator_export.store import SQLiteStore
from curator_export.testing_writers import SAMPLE_COURSE, read_log


def json_lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def manifest_of(folder: Path) -> dict[str, Any]:
    (path,) = folder.glob("batch_export_manifest_*.json")
    return json.loads(path.read_text())["batch_export_manifest"]


def names(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def temporaries(folder: Path) -> list[Path]:
    return sorted(folder.rglob(f"{TEMP_PREFIX}*"))


# -- the seed's examples through a jobs file --------------------------------------------------


def test_seed_examples_run_from_a_jobs_file(seed_example, cli, tmp_path):
    """`run JOBS.toml` makes each seed example's files and manifest, and prints a summary."""
    out = tmp_path / "exports"
    result = cli("run", str(seed_example.jobs_file(out)), "--progress", "none")
    all_ok = all(seed_example.expected_jobs.values())
    assert result.returncode == (0 if all_ok else 1), result.stderr
    manifest_path = seed_example.check(out)
    assert "Batch summary" in result.stdout
    assert f"Manifest: {manifest_path}" in result.stdout.replace("\n", "")


# -- plan: a dry run ---------------------------------------------------------------------------

JOBS = """
[options]
continue_on_error = true

[[jobs]]
job_id = "weekly"
session_ids = ["s1", "s2"]
formats = ["chaos", "plain"]
output_directory = "exports/weekly"

[[jobs]]
job_id = "course"
session_ids = ["s1", "s2", "s3"]
formats = ["chaos"]
output_directory = "exports/course"
merge_sessions = true
"""


def test_plan_lists_every_file_and_writes_nothing(cli, tmp_path):
    """`plan --json` lists each file with its action; no folder or file is created."""
    jobs = tmp_path / "jobs.toml"
    jobs.write_text(JOBS)
    existing = tmp_path / "exports" / "course"
    existing.mkdir(parents=True)
    (existing / "course.chaos").write_text("kept")
    result = cli("plan", str(jobs), "--json")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)["files"]
    planned = [(row["job_id"], Path(row["path"])) for row in rows]
    weekly = tmp_path / "exports" / "weekly"
    assert planned == [
        ("weekly", weekly / "s1.chaos"),
        ("weekly", weekly / "s1.plain"),
        ("weekly", weekly / "s2.chaos"),
        ("weekly", weekly / "s2.plain"),
        ("course", existing / "course-2.chaos"),  # around the file already there
    ]
    assert [row["action"] for row in rows[:4]] == ["write"] * 4
    assert not weekly.exists()
    assert names(tmp_path / "exports") == ["course/course.chaos"]
    table = cli("plan", str(jobs))
    assert table.returncode == 0
    assert "5 files would be written" in table.stdout
    assert not weekly.exists()


def test_plan_reports_every_error_and_writes_nothing(cli, tmp_path):
    """`plan` on invalid jobs exits 2 listing every problem by job and field; nothing is made."""
    (tmp_path / "a-file").write_text("in the way")
    jobs = tmp_path / "jobs.toml"
    jobs.write_text(
        JOBS
        + textwrap.dedent("""
            [[jobs]]
            job_id = "lost"
            session_ids = ["s1", "s9"]
            formats = ["chaos"]
            output_directory = "exports/lost"

            [[jobs]]
            job_id = "blocked"
            session_ids = ["s1"]
            formats = ["chaos"]
            output_directory = "a-file/out"
        """)
    )
    result = cli("plan", str(jobs))
    assert result.returncode == 2
    assert "job lost: session_ids: unknown session id(s) 's9'" in result.stderr
    assert "job blocked: output_directory: " in result.stderr
    assert "weekly" not in result.stderr
    assert not (tmp_path / "exports").exists()
    typo = tmp_path / "typo.toml"
    typo.write_text(JOBS.replace('"plain"', '"plian"').replace("merge_sessions = true", ""))
    typo.write_text(
        typo.read_text() + '\n[jobs.naming_strategy]\ncustom = "{session_id}/{sesion}"\n'
    )
    result = cli("plan", str(typo))
    assert result.returncode == 2
    assert "@ $.jobs[0].formats[1]" in result.stderr
    assert "@ $.jobs[1].naming_strategy" in result.stderr
    assert not (tmp_path / "exports").exists()


# -- export: one job from flags ----------------------------------------------------------------


def test_export_options_select_merge_and_filter(cli, tmp_path):
    """-s/-f repeated or comma-separated, --merge, --types, --audience and --no-metadata."""
    result = cli(
        "export",
        "-s",
        "s1,s2",
        "-s",
        "s3",
        "-f",
        "chaos,plain",
        "-f",
        "request",
        "-o",
        "out",
        "--job-id",
        "all",
        "--merge",
        "--types",
        "slides,quiz",
        "--audience",
        "student",
        "--no-metadata",
        "--serial",
        "--progress",
        "none",
    )
    assert result.returncode == 0, result.stderr
    out = tmp_path / "out"
    assert [n for n in names(out) if not n.startswith("batch_export_manifest_")] == [
        "all.chaos",
        "all.json",
        "all.plain",
    ]
    request = json.loads((out / "all.json").read_text())
    assert request["item_titles"] == ["Lakes", "Lake quiz", "Rivers", "Wetlands"]
    assert request["audience"] == "student"
    assert request["metadata"] == {}
    plain = (out / "all.plain").read_text()
    assert "What turns over?" in plain
    assert "SECRET-SOLUTION" not in plain
    assert manifest_of(out)["options"]["parallel_exports"] is False


def test_export_can_zip_without_a_manifest(cli, tmp_path):
    """--all --zip --no-manifest with a custom pattern leaves only <job_id>.zip."""
    result = cli(
        "export",
        "--all",
        "-f",
        "chaos",
        "-o",
        "zipped",
        "--naming",
        "custom",
        "--pattern",
        "{session_id}/{format}",
        "--zip",
        "--no-manifest",
        "--serial",
        "--progress",
        "none",
    )
    assert result.returncode == 0, result.stderr
    assert names(tmp_path / "zipped") == ["export.zip"]
    with zipfile.ZipFile(tmp_path / "zipped" / "export.zip") as archive:
        assert archive.namelist() == ["s1/chaos.chaos", "s2/chaos.chaos", "s3/chaos.chaos"]
    assert "Archive: " in result.stdout


def test_exit_codes_say_what_happened(cli, make_store, run_cli, cli_env, tmp_path):
    """0 when all is made, 1 when an export failed, 2 for usage and validation errors."""
    course = dict(SAMPLE_COURSE)
    course["s2"] = ("Rivers", [("slides", "Rivers", "CHAOS:RAISE")])
    make_store(course, name="broken").close()
    failing = run_cli(
        "--store",
        str(tmp_path / "broken.db"),
        "export",
        "-s",
        "s1,s2",
        "-f",
        "chaos",
        "-o",
        "out",
        "--serial",
        "--progress",
        "none",
        env=cli_env,
    )
    assert failing.returncode == 1, failing.stderr
    assert "ValueError: chaos" in failing.stdout.replace("\n", "")
    assert (tmp_path / "out" / "s1.chaos").is_file()
    assert cli("export", "-f", "chaos", "-o", "out").returncode == 2  # no session named
    unknown = cli("export", "-s", "s1", "-f", "pfd", "-o", "out")
    assert unknown.returncode == 2
    assert "pfd" in unknown.stderr


def test_a_bad_brand_file_is_a_usage_error_naming_the_option(cli, tmp_path):
    """A brand file that cannot be read exits 2 (invalid input) before anything renders."""
    brand = tmp_path / "brand.toml"
    brand.write_text("primary_color = [unclosed\n")
    run = cli("export", "-s", "s1", "-f", "chaos", "-o", "out", "--brand", str(brand))
    assert run.returncode == 2, run.stderr
    assert "--brand" in run.stderr
    assert "not valid TOML" in run.stderr
    assert not (tmp_path / "out").exists()


def test_on_conflict_flag_keeps_or_refuses_existing_files(cli, tmp_path):
    """--on-conflict skip keeps an existing file (exit 0); error fails the export (exit 1)."""
    out = tmp_path / "out"
    out.mkdir()
    (out / "s1.chaos").write_text("precious")
    args = ("export", "-s", "s1,s2", "-f", "chaos", "-o", "out", "--serial", "--progress", "none")
    skipped = cli(*args, "--on-conflict", "skip", "--no-manifest")
    assert skipped.returncode == 0, skipped.stderr
    assert (out / "s1.chaos").read_text() == "precious"
    assert names(out) == ["s1.chaos", "s2.chaos"]
    refused = cli(*args, "--on-conflict", "error", "--no-manifest")
    assert refused.returncode == 1
    assert (out / "s1.chaos").read_text() == "precious"


# -- progress and logs on stderr ---------------------------------------------------------------


def test_progress_jsonl_writes_one_event_per_line_on_stderr(cli, tmp_path):
    """--progress jsonl: JSON events on stderr, one per finished export, counts rising."""
    result = cli(
        "export", "--all", "-f", "chaos,chaos2", "-o", "out", "--serial", "--progress", "jsonl"
    )
    assert result.returncode == 0, result.stderr
    events = json_lines(result.stderr)
    assert events[0]["current_operation"] == "planned"
    assert events[-1]["current_operation"] == "finished"
    assert len(events) == 6 + 2
    for event in events:
        assert {"total_jobs", "completed_jobs", "current_job_id", "progress_percent"} <= set(event)
    done = [e["completed_files"] for e in events]
    assert done == sorted(done)
    assert events[-1]["progress_percent"] == 100.0
    assert events[-1]["completed_files"] == events[-1]["total_files"] == 6
    assert all(e["estimated_completion"] for e in events[1:])
    assert "{" not in result.stdout.split("Batch summary")[0]  # stdout keeps the summary


def test_log_json_reports_batch_job_and_export_start_and_end(cli, tmp_path):
    """--log-json -v: JSON log events for the batch, each job and each export, with ids."""
    result = cli("--log-json", "-v", "export", "-s", "s1,s2", "-f", "chaos,plain", "-o", "out")
    assert result.returncode == 0, result.stderr
    logs = [line for line in json_lines(result.stderr) if "event" in line]
    by_event: dict[str, list[dict[str, Any]]] = {}
    for line in logs:
        by_event.setdefault(line["event"], []).append(line)
    (started,) = by_event["batch started"]
    (finished,) = by_event["batch finished"]
    assert started["batch"] == finished["batch"]
    assert finished["files"] == 4
    assert "seconds" in finished
    assert [line["job"] for line in by_event["job started"]] == ["export"]
    assert by_event["job started"][0]["sessions"] == ["s1", "s2"]
    assert [line["job"] for line in by_event["job finished"]] == ["export"]
    assert len(by_event["export started"]) == len(by_event["export finished"]) == 4
    for line in by_event["export finished"]:
        assert line["job"] == "export"
        assert line["format"] in ("chaos", "plain")
        assert line["sessions"] in (["s1"], ["s2"])
        assert line["status"] == "succeeded"
        assert line["seconds"] >= 0
        assert line["level"] == "info"
        assert line["timestamp"]


@pytest.mark.parametrize("variable", ["CURATOR_EXPORT_DEBUG", "BATCH_EXPORT_DEBUG"])
def test_debug_variables_turn_on_debug_output(cli, variable):
    """CURATOR_EXPORT_DEBUG=1 and the seed's BATCH_EXPORT_DEBUG=1 log at debug level."""
    args = ("--log-json", "export", "-s", "s1", "-f", "chaos", "-o", "out", "--serial")
    quiet = cli(*args)
    assert not [line for line in json_lines(quiet.stderr) if line.get("level") == "debug"]
    loud = cli(*args, env={variable: "1"})
    assert loud.returncode == 0, loud.stderr
    levels = {line.get("level") for line in json_lines(loud.stderr)}
    assert {"debug", "info"} <= levels


# -- history ----------------------------------------------------------------------------------


def test_history_lists_batches_newest_first(cli, tmp_path):
    """`history --json` lists each batch with its status and counts, newest first."""
    assert cli("export", "-s", "s1,s2", "-f", "chaos", "-o", "a", "--serial").returncode == 0
    second = cli("export", "-s", "s3", "-f", "chaos", "-o", "b", "--job-id", "b", "--serial")
    assert second.returncode == 0
    result = cli("history", "--json")
    assert result.returncode == 0, result.stderr
    newest, oldest = json.loads(result.stdout)
    assert (newest["jobs"], newest["files_created"], newest["status"]) == (["b"], 1, "completed")
    assert (oldest["jobs"], oldest["files_created"], oldest["failed_jobs"]) == (["export"], 2, 0)
    assert Path(newest["manifest_path"]).parent == tmp_path / "b"
    assert newest["started_at"] >= oldest["started_at"]
    assert newest["user"]
    table = cli("history")
    assert "newest first" in table.stdout
    assert newest["batch_id"] in table.stdout.replace("\n", "")


# -- Ctrl-C and SIGTERM ------------------------------------------------------------------------

#: s1 is the longest, so that a pool (longest tasks first) finishes it before both workers
#: hang on s2 and s3.
HANGING_COURSE = {
    "s1": ("One", [("slides", "One", "one " * 20 + "one")]),
    "s2": ("Two", [("slides", "Two", "two CHAOS:PARTIAL CHAOS:HANG")]),
    "s3": ("Three", [("slides", "Three", "three CHAOS:PARTIAL CHAOS:HANG")]),
    "s4": ("Four", [("slides", "Four", "four")]),
}


def start_cli(tmp_path: Path, env: dict[str, str], *args: str) -> subprocess.Popen[bytes]:
    """Start `curator-export ARGS` in its own session, as a terminal runs a command."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("CURATOR_EXPORT_")}
    environment.update(env)
    with (tmp_path / "stdout.txt").open("wb") as out, (tmp_path / "stderr.txt").open("wb") as err:
        return subprocess.Popen(
            [sys.executable, "-m", "curator_export.cli", *args],
            cwd=tmp_path,
            env=environment,
            stdout=out,
            stderr=err,
            start_new_session=True,  # its own process group: Ctrl-C goes to the group
        )


def wait_for(condition: Callable[[], bool], what: str, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def processes_of_run(token: str) -> list[int]:
    """Live processes that inherited the run's CHAOS_TOKEN: the CLI and anything it started."""
    marker = f"CHAOS_TOKEN={token}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes()
            status = (entry / "status").read_text()
        except OSError:
            continue
        if marker in environ.split(b"\0") and "State:\tZ" not in status:
            found.append(int(entry.name))
    return found


def hanging_batch(make_store, tmp_path: Path, cli_env: dict[str, str]) -> subprocess.Popen[bytes]:
    """A CLI batch whose two workers hang with a half-written file each; s1 is finished."""
    make_store(HANGING_COURSE, name="hanging").close()
    process = start_cli(
        tmp_path,
        cli_env,
        "--store",
        str(tmp_path / "hanging.db"),
        "export",
        "-s",
        "s1,s2,s3,s4",
        "-f",
        "chaos",
        "-o",
        "out",
        "--jobs",
        "2",
        "--progress",
        "jsonl",
    )
    log = Path(cli_env["CHAOS_LOG"])

    def hanging() -> bool:
        assert process.poll() is None, (tmp_path / "stderr.txt").read_text()
        started = {tuple(line["session_ids"]) for line in read_log(log)}
        return {("s2",), ("s3",)} <= started and len(temporaries(tmp_path / "out")) == 2

    wait_for(hanging, "both workers to hang mid-write")
    wait_for((tmp_path / "out" / "s1.chaos").exists, "s1 to be written")
    return process


def assert_nothing_left(tmp_path: Path, cli_env: dict[str, str]) -> None:
    """No temporary or partial file, and no process of the run still alive."""
    assert temporaries(tmp_path / "out") == []
    assert [n for n in names(tmp_path / "out") if not n.startswith("batch_export")] == ["s1.chaos"]
    complete = (tmp_path / "out" / "s1.chaos").read_text()
    assert complete.startswith("# One\n")
    assert complete.endswith("one\n")
    workers = {line["pid"] for line in read_log(Path(cli_env["CHAOS_LOG"]))}
    token = cli_env["CHAOS_TOKEN"]
    deadline = time.monotonic() + 10  # helper processes notice their parent is gone
    while processes_of_run(token) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert processes_of_run(token) == []
    assert all(not Path(f"/proc/{pid}").exists() for pid in workers)


@pytest.mark.slow
@pytest.mark.parametrize(
    "case",
    [(signal.SIGINT, True, 130), (signal.SIGTERM, False, 143)],
    ids=["ctrl-c", "sigterm"],
)
def test_a_signal_stops_a_running_batch_cleanly(make_store, tmp_path, cli_env, case):
    """Ctrl-C (130) or SIGTERM (143): workers stopped, no partial files, manifest interrupted."""
    signum, to_group, code = case
    process = hanging_batch(make_store, tmp_path, cli_env)
    if to_group:
        os.killpg(process.pid, signum)  # what the terminal does on Ctrl-C
    else:
        os.kill(process.pid, signum)  # what `kill PID` does
    assert process.wait(timeout=60) == code
    stderr = (tmp_path / "stderr.txt").read_text()
    assert "stopping: finishing cleanly" in stderr
    assert "Batch summary" in (tmp_path / "stdout.txt").read_text()
    body = manifest_of(tmp_path / "out")
    assert body["status"] == "interrupted"
    exports = {e["session_ids"][0]: e for e in body["jobs"][0]["exports"]}
    assert exports["s1"]["status"] == "succeeded"
    for session in ("s2", "s3", "s4"):
        assert (exports[session]["status"], exports[session]["error_kind"]) == (
            "cancelled",
            "interrupted",
        )
    assert_nothing_left(tmp_path, cli_env)
    with SQLiteStore(tmp_path / "hanging.db") as store:
        assert store.batch_history(1)[0].status == "interrupted"


@pytest.mark.slow
def test_a_second_ctrl_c_exits_at_once(make_store, tmp_path, cli_env):
    """Ctrl-C during a slow clean stop quits at once (130), still leaving no workers or debris."""
    cli_env["CHAOS_SLOW_STOP"] = "120"  # a progress sink that takes long over cancellations
    process = hanging_batch(make_store, tmp_path, cli_env)
    os.killpg(process.pid, signal.SIGINT)
    stderr = tmp_path / "stderr.txt"
    wait_for(lambda: ": cancelled" in stderr.read_text(), "the clean stop to begin")
    os.killpg(process.pid, signal.SIGINT)
    assert process.wait(timeout=60) == 130  # not the two minutes of the clean stop
    assert "Batch summary" not in (tmp_path / "stdout.txt").read_text()
    assert not list((tmp_path / "out").glob("batch_export_manifest_*"))
    assert_nothing_left(tmp_path, cli_env)


def test_template_dir_themes_are_used_and_typos_refused(cli, tmp_path):
    """--template-dir adds a theme on top of a built-in one; a misspelled theme exits 2."""
    theme = tmp_path / "themes" / "campus"
    theme.mkdir(parents=True)
    (theme / "theme.json").write_text(json.dumps({"base": "academic"}))
    (theme / "theme.css").write_text(":root { --campus-marker: 42; }\n")
    made = cli(
        "export",
        "-s",
        "s1",
        "-f",
        "html",
        "-o",
        "out",
        "--template",
        "campus",
        "--template-dir",
        str(tmp_path / "themes"),
    )
    assert made.returncode == 0, made.stdout + made.stderr
    assert "--campus-marker: 42" in (tmp_path / "out" / "s1.html").read_text()
    typo = cli(
        "export",
        "-s",
        "s1",
        "-f",
        "html",
        "-o",
        "typo",
        "--template",
        "campsu",
        "--template-dir",
        str(tmp_path / "themes"),
    )
    assert typo.returncode == 2
    assert "unknown template 'campsu'" in typo.stdout.replace("\n", "")
    assert "campus" in typo.stdout
    assert not (tmp_path / "typo" / "s1.html").exists()
