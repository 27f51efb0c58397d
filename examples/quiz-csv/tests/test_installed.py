"""The installed distribution as users meet it: `curator-export` in a fresh process."""

from __future__ import annotations

import json
from collections.abc import Callable
from importlib import resources
from importlib.metadata import distribution
from pathlib import Path
from subprocess import CompletedProcess

import pytest

from curator_export.demo import course_folder

RunCli = Callable[..., CompletedProcess[str]]
ReadCsv = Callable[..., list[dict[str, str]]]


def plugins_json(run_cli: RunCli, *flags: str) -> dict[str, dict]:  # type: ignore[type-arg]
    result = run_cli(*flags, "plugins", "--json")
    assert result.returncode == 0, result.stderr
    return {plugin["name"]: plugin for plugin in json.loads(result.stdout)["plugins"]}


@pytest.fixture
def store(run_cli: RunCli, tmp_path: Path) -> Path:
    """A store holding the demo course, imported by `curator-export import`."""
    with resources.as_file(course_folder()) as course:
        result = run_cli("--store", "course.db", "import", str(course))
    assert result.returncode == 0, result.stderr
    return tmp_path / "course.db"


# --8<-- [start:plugins_json]
def test_plugins_lists_it_as_a_third_party_plugin(run_cli: RunCli) -> None:
    """`plugins --json` shows quizcsv from curator-export-quizcsv 0.1.0, loaded, not
    built-in, with its format, its naming strategy and its seven hooks."""
    plugin = plugins_json(run_cli)["quizcsv"]
    assert plugin["distribution"] == "curator-export-quizcsv"
    assert plugin["version"] == "0.1.0"
    assert plugin["status"] == "loaded"
    assert plugin["builtin"] is False
    assert plugin["formats"] == ["quiz-csv"]
    assert plugin["naming_strategies"] == ["lms"]
    assert sorted(plugin["hooks"]) == [
        "curator_export_after_batch",
        "curator_export_after_export",
        "curator_export_branding",
        "curator_export_formats",
        "curator_export_job_settings",
        "curator_export_naming_strategies",
        "curator_export_progress",
    ]


# --8<-- [end:plugins_json]


def test_no_plugins_leaves_it_out(run_cli: RunCli, store: Path) -> None:
    """With --no-plugins it is listed as disabled and its format is unknown (exit 2)."""
    assert plugins_json(run_cli, "--no-plugins")["quizcsv"]["status"] == "disabled"
    result = run_cli(
        "--no-plugins", "--store", str(store), "export", "--all", "-f", "quiz-csv", "-o", "out"
    )
    assert result.returncode == 2
    assert "unknown format 'quiz-csv'" in result.stderr + result.stdout


def test_export_writes_quiz_csv_files(run_cli: RunCli, store: Path, tmp_path: Path,
                                      read_csv: ReadCsv) -> None:  # fmt: skip
    """`export --all -f quiz-csv --naming lms` exits 0 and writes the four quiz sessions'
    CSV files; the semicolon option reaches the writer."""
    result = run_cli(
        "--store", str(store), "export", "--all", "-f", "quiz-csv", "--naming", "lms",
        "-O", "quiz-csv.delimiter=semicolon", "-o", "out",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr + result.stdout
    files = sorted((tmp_path / "out" / "research-data-management").glob("*.csv"))
    assert [path.name[:3] for path in files] == ["01-", "02-", "03-", "05-"]
    rows = read_csv(files[0], delimiter=";")
    assert rows[0]["question_title"] == "What is research data?"


def test_a_bad_option_is_refused_before_anything_runs(run_cli: RunCli, store: Path) -> None:
    """An unknown delimiter is a usage error (exit 2) naming the option; nothing is written."""
    result = run_cli(
        "--store", str(store), "export", "--all", "-f", "quiz-csv",
        "-O", "quiz-csv.delimiter=pipe", "-o", "out",
    )  # fmt: skip
    assert result.returncode == 2
    assert "delimiter" in result.stderr
    assert "must be one of comma, semicolon or tab" in result.stderr


# --8<-- [start:cheap]
def test_entry_module_is_cheap_to_import(run_python: Callable[..., CompletedProcess[str]]) -> None:
    """Importing the entry module (what the host does to list plugins) imports neither the
    writer, the document tree, markdown-it nor the csv module."""
    heavy = [
        "curator_export_quizcsv.csv_writer",
        "curator_export.document",
        "curator_export.deck",
        "markdown_it",
        "csv",
    ]
    result = run_python(
        "import sys\n"
        "import curator_export_quizcsv\n"
        f"print([name for name in {heavy!r} if name in sys.modules])\n"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


# --8<-- [end:cheap]


def test_the_distribution_declares_what_publishing_needs() -> None:
    """The installed metadata: the entry point, the pinned core, and the classifier that
    stops an accidental upload of this example to PyPI."""
    dist = distribution("curator-export-quizcsv")
    (entry_point,) = dist.entry_points.select(group="curator_export")
    assert (entry_point.name, entry_point.value) == ("quizcsv", "curator_export_quizcsv")
    assert dist.requires == ["curator-export<0.2,>=0.1"]
    assert "Private :: Do Not Upload" in dist.metadata.get_all("Classifier", [])
    package = Path(__import__("curator_export_quizcsv").__file__).parent
    assert (package / "py.typed").is_file()
