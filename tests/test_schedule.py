"""Scheduled exports: cron times, the run loop, and `curator-export schedule` end to end."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from curator_export.errors import ValidationError
from curator_export.schedule import Scheduler, check_cron, cron, fire_times, once_at

PLUS_ONE = timezone(timedelta(hours=1))


class FakeClock:
    """A clock that moves only when told (or when a run takes time)."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


def test_a_daily_cron_fires_at_two_every_night():
    """ "0 2 * * *" after 10:00 fires at 02:00 the next day, then every day after."""
    start = datetime(2026, 12, 3, 10, 0, tzinfo=PLUS_ONE)
    times = fire_times("0 2 * * *", start)
    assert [next(times) for _ in range(3)] == [
        datetime(2026, 12, 4, 2, 0, tzinfo=PLUS_ONE),
        datetime(2026, 12, 5, 2, 0, tzinfo=PLUS_ONE),
        datetime(2026, 12, 6, 2, 0, tzinfo=PLUS_ONE),
    ]


@pytest.mark.parametrize(
    "expression", ["", "every night", "0 2 * *", "61 2 * * *", "0 2 * * * * *"]
)
def test_a_bad_cron_expression_is_refused_naming_the_option(expression):
    """Wrong field counts and out-of-range values are validation errors naming --cron."""
    with pytest.raises(ValidationError, match="--cron"):
        check_cron(expression)


def test_the_loop_runs_at_each_fire_time_and_skips_what_an_overlong_run_missed():
    """Runs never pile up: fire times passed during a long run are skipped, and said so."""
    clock = FakeClock(datetime(2026, 12, 3, 1, 59, 30, tzinfo=PLUS_ONE))
    events: list[str] = []
    due_times: list[datetime] = []

    def run(number: int, due: datetime) -> tuple[int, str]:
        due_times.append(due)
        clock.now = due + (timedelta(minutes=3, seconds=5) if number == 1 else timedelta(seconds=1))
        return 0, "ok"

    class Sleeper(Scheduler):
        def _wait_until(self, due: datetime) -> bool:
            clock.now = max(clock.now, due)
            return True

    scheduler = Sleeper(cron("* * * * *"), run, clock=clock, on_event=events.append)
    runs = scheduler.run_forever(max_runs=3)
    start = datetime(2026, 12, 3, 2, 0, tzinfo=PLUS_ONE)
    assert due_times == [start, start + timedelta(minutes=4), start + timedelta(minutes=5)]
    assert [r.number for r in runs] == [1, 2, 3]
    assert "skipped 3 run(s) that fell due while run 1 ran" in events


def test_stop_ends_the_wait_at_once():
    """stop() (a signal handler calls it) wakes a scheduler that waits for tomorrow."""
    scheduler = Scheduler(cron("0 2 * * *"), lambda number, due: (0, "ok"))
    started = time.monotonic()
    scheduler.stop()
    assert scheduler.run_forever() == []
    assert time.monotonic() - started < 1


def test_once_at_fires_once_even_when_the_time_has_passed():
    """--once-at: a time in the past runs at once; there is no second run."""
    past = datetime(2020, 1, 1, tzinfo=PLUS_ONE)
    runs = Scheduler(once_at(past), lambda number, due: (1, "failed")).run_forever()
    assert [(r.number, r.due, r.exit_code) for r in runs] == [(1, past, 1)]


def jobs_file(tmp_path: Path, output_directory: str) -> Path:
    path = tmp_path / "jobs.toml"
    path.write_text(
        "[options]\nparallel_exports = false\n"
        '[[jobs]]\njob_id = "nightly"\nsession_ids = ["s1", "s2"]\nformats = ["chaos"]\n'
        f'output_directory = "{output_directory}"\n'
    )
    return path


def test_schedule_runs_every_time_into_a_folder_of_its_own(cli, tmp_path):
    """A per-second schedule with {timestamp} folders: two runs, two folders, a line each."""
    jobs = jobs_file(tmp_path, (tmp_path / "backups" / "{timestamp}").as_posix())
    result = cli("schedule", str(jobs), "--cron", "* * * * * */2", "--max-runs", "2")
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stdout.splitlines() if re.search(r"\] run \d", line)]
    assert len(lines) == 2
    assert all("2 files written, 0 unchanged, 0 failed" in line for line in lines)
    folders = sorted((tmp_path / "backups").iterdir())
    assert len(folders) == 2
    assert all(re.fullmatch(r"\d{8}_\d{6}", folder.name) for folder in folders)
    for folder in folders:
        assert sorted(p.name for p in folder.glob("*.chaos")) == ["s1.chaos", "s2.chaos"]
    assert "next run at" in result.stdout


def test_once_at_now_runs_once_and_a_second_run_keeps_unchanged_files(cli, tmp_path):
    """--once-at now exits with the run's code; runs into a {date} folder are incremental."""
    jobs = jobs_file(tmp_path, (tmp_path / "daily" / "{date}").as_posix())
    first = cli("schedule", str(jobs), "--once-at", "now")
    assert first.returncode == 0, first.stderr
    assert "2 files written" in first.stdout
    second = cli("schedule", str(jobs), "--once-at", "now")
    assert second.returncode == 0, second.stderr
    assert "0 files written, 2 unchanged" in second.stdout
    (folder,) = (tmp_path / "daily").iterdir()
    assert folder.name == datetime.now().astimezone().strftime("%Y%m%d")


def test_dry_run_lists_the_next_times_and_the_plan_and_writes_nothing(cli, tmp_path):
    """--dry-run: five run times, the files of a run now, and no folder created."""
    jobs = jobs_file(tmp_path, (tmp_path / "out" / "{date}").as_posix())
    result = cli("schedule", str(jobs), "--cron", "0 2 * * *", "--dry-run")
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("would run at") == 5
    assert "T02:00:00" in result.stdout
    assert "s1.chaos" in result.stdout
    assert not (tmp_path / "out").exists()


def test_output_directory_placeholders_are_filled_in_for_every_command(cli, tmp_path):
    """{job_id} and {date} in output_directory work for plan and run too; {{ is a brace."""
    jobs = jobs_file(tmp_path, (tmp_path / "out" / "{job_id}-{date}-{{kept}}").as_posix())
    plan = cli("plan", str(jobs), "--json")
    assert plan.returncode == 0, plan.stderr
    today = datetime.now().astimezone().strftime("%Y%m%d")
    paths = sorted(Path(row["path"]) for row in json.loads(plan.stdout)["files"])
    assert paths == [
        tmp_path / "out" / f"nightly-{today}-{{kept}}" / f"{s}.chaos" for s in ("s1", "s2")
    ]
    assert cli("run", str(jobs), "--progress", "none").returncode == 0
    assert (tmp_path / "out" / f"nightly-{today}-{{kept}}" / "s2.chaos").is_file()


def test_a_bad_cron_or_jobs_file_stops_before_any_wait(cli, tmp_path):
    """Exit 2 with the reason, at once: a bad expression, a bad placeholder, no schedule."""
    jobs = jobs_file(tmp_path, "out")
    bad_cron = cli("schedule", str(jobs), "--cron", "0 25 * * *")
    assert bad_cron.returncode == 2
    assert "--cron" in bad_cron.stderr
    neither = cli("schedule", str(jobs))
    assert neither.returncode == 2
    assert "--cron" in neither.stderr
    misspelt = jobs_file(tmp_path, "out/{dat}")
    planned = cli("schedule", str(misspelt), "--cron", "0 2 * * *", "--dry-run")
    assert planned.returncode == 2
    assert "output_directory" in planned.stderr
    assert "did you mean {date}" in planned.stderr


def test_sigterm_while_waiting_stops_the_schedule_cleanly(cli_env, course_db, tmp_path):
    """A schedule waiting for 02:00 stops at SIGTERM with exit code 143 and says so."""
    jobs = jobs_file(tmp_path, "out")
    command = [
        sys.executable, "-m", "curator_export.cli", "--store", str(course_db),
        "schedule", str(jobs), "--cron", "0 2 * * *",
    ]  # fmt: skip
    process = subprocess.Popen(
        command,
        cwd=tmp_path,
        env={**os.environ, **cli_env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()  # "next run at ...": it is waiting now
        assert "next run at" in line
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=20)
    finally:
        process.kill()
    assert process.returncode == 143, err
    assert "schedule stopped" in out
    assert not (tmp_path / "out").exists()
