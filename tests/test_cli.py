"""The `curator-export` command end to end, in subprocesses, on real SQLite files."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

from curator_export.testing import sqlite_rows

LESSONS = {"shell-novice": 7, "python-novice-inflammation": 12}


def sessions_json(run_cli, store: Path) -> list[dict]:
    result = run_cli("--store", str(store), "sessions", "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_version_and_help(run_cli):
    """`--version` prints the version; `--help` lists the commands."""
    version = run_cli("--version")
    assert version.returncode == 0
    assert "curator-export, version 0.1.0" in version.stdout
    help_text = run_cli("--help").stdout
    for command in ("import", "sessions", "plugins", "demo"):
        assert command in help_text


def test_console_script_is_installed():
    """The `curator-export` console script exists next to this interpreter and runs."""
    import subprocess

    script = shutil.which("curator-export") or str(Path(sys.executable).parent / "curator-export")
    result = subprocess.run([script, "--version"], capture_output=True, text=True, check=False)
    assert result.returncode == 0
    assert "0.1.0" in result.stdout


@pytest.mark.corpus
@pytest.mark.parametrize(("lesson", "count"), LESSONS.items())
def test_import_lesson_twice_changes_nothing(run_cli, corpus_dir, tmp_path, lesson, count):
    """A lesson imports as its episodes in order; importing it again changes nothing."""
    store = tmp_path / "course.db"
    source = corpus_dir / "carpentries" / lesson
    first = run_cli("--store", str(store), "import", str(source), "--json")
    assert first.returncode == 0, first.stderr
    (report,) = json.loads(first.stdout)
    assert report["sessions_created"] == count
    sessions = sessions_json(run_cli, store)
    assert [s["id"] for s in sessions] == sorted(s["id"] for s in sessions)
    assert len(sessions) == count
    assert all(s["id"].startswith(f"{lesson}-") for s in sessions)
    assert all(s["item_count"] >= 1 for s in sessions)
    before = sqlite_rows(store)
    second = run_cli("--store", str(store), "import", str(source))
    assert second.returncode == 0, second.stderr
    assert "unchanged" in second.stdout
    assert sqlite_rows(store) == before
    assert sessions_json(run_cli, store) == sessions


@pytest.mark.corpus
def test_sessions_table_shows_titles(run_cli, corpus_dir, tmp_path):
    """`sessions` prints each session's id and title."""
    store = tmp_path / "course.db"
    run_cli("--store", str(store), "import", str(corpus_dir / "carpentries" / "shell-novice"))
    result = run_cli("--store", str(store), "sessions", env={"COLUMNS": "160"})
    assert result.returncode == 0, result.stderr
    assert "shell-novice-01-intro" in result.stdout
    assert "Introducing the Shell" in result.stdout


def test_sessions_without_a_store_says_what_to_do(run_cli, tmp_path):
    """`sessions` on a missing store explains how to make one instead of creating it."""
    result = run_cli("--store", str(tmp_path / "nothing.db"), "sessions")
    assert result.returncode == 1
    assert "curator-export import" in result.stderr
    assert not (tmp_path / "nothing.db").exists()


def test_store_from_environment(run_cli, tmp_path):
    """CURATOR_EXPORT_STORE chooses the store when --store is not given."""
    store = tmp_path / "env.db"
    demo = run_cli("demo", str(tmp_path / "demo"))
    assert demo.returncode == 0, demo.stderr
    shutil.copy(tmp_path / "demo" / "curator.db", store)
    result = run_cli("sessions", "--json", env={"CURATOR_EXPORT_STORE": str(store)})
    assert result.returncode == 0, result.stderr
    assert len(json.loads(result.stdout)) == 6


def test_demo_creates_a_store_with_the_sample_course(run_cli, tmp_path):
    """`demo DIR` creates DIR with a store of six sessions covering all five content types."""
    result = run_cli("demo", "my-demo")
    assert result.returncode == 0, result.stderr
    store = tmp_path / "my-demo" / "curator.db"
    assert store.is_file()
    assert "Research Data Management" in result.stdout or "rdm-01-why" in result.stdout
    sessions = sessions_json(run_cli, store)
    assert len(sessions) == 6
    types = {content_type for s in sessions for content_type in s["content_types"]}
    assert types == {"slides", "instructor_notes", "worksheet", "quiz", "activity_guide"}
    again = run_cli("demo", "my-demo")
    assert again.returncode == 0, again.stderr
    assert sessions_json(run_cli, store) == sessions


def test_demo_defaults_to_curator_demo(run_cli, tmp_path):
    """`demo` without a folder creates ./curator-demo."""
    result = run_cli("demo")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "curator-demo" / "curator.db").is_file()


def test_log_json_writes_json_lines_to_stderr(run_cli, tmp_path):
    """`--log-json -v` logs JSON lines on stderr and keeps stdout for output."""
    result = run_cli("--log-json", "-vv", "plugins", "--json")
    assert result.returncode == 0, result.stderr
    json.loads(result.stdout)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines, "expected debug log lines"
    events = [json.loads(line) for line in lines]
    assert any(event["event"] == "plugin loaded" for event in events)


def test_import_of_a_bad_folder_fails_without_writing(run_cli, tmp_path):
    """A folder with an invalid file fails with the file named, and imports nothing."""
    folder = tmp_path / "course"
    folder.mkdir()
    (folder / "good.md").write_text(
        "---\nsession: s1\nsession_title: One\ncontent_type: slides\ntitle: One\n---\n## Hi\n"
    )
    (folder / "bad.md").write_text("---\nsession: s1\ncontent_type: lecture\n---\ntext\n")
    store = tmp_path / "course.db"
    result = run_cli("--store", str(store), "import", str(folder))
    assert result.returncode != 0
    assert "bad.md" in result.stderr
    assert "content_type" in result.stderr
    listing = run_cli("--store", str(store), "sessions", "--json")
    assert listing.returncode != 0 or json.loads(listing.stdout) == []
