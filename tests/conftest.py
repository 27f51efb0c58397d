"""Fixtures of the batch engine tests: real SQLite stores, test formats, a test distribution.

Test modules cannot import each other (``--import-mode=importlib``), so what they share is
here as fixtures, and the writers themselves live in ``curator_export.testing_writers``.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import textwrap
import tomllib
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from curator_export import hookimpl
from curator_export.convert import camel
from curator_export.plugins import PluginHost
from curator_export.store import SQLiteStore
from curator_export.testing_writers import sample_formats

#: The plugin module of the test distribution: the sample formats, logging their calls to
#: $CHAOS_LOG, and a progress sink that is slow to take cancellations when
#: $CHAOS_SLOW_STOP says so (a clean stop that takes long enough to press Ctrl-C again).
TEST_PLUGIN = """
    import os
    import time

    from curator_export import hookimpl
    from curator_export.testing_writers import sample_formats


    @hookimpl
    def curator_export_formats():
        return sample_formats(os.environ.get("CHAOS_LOG"))


    @hookimpl
    def curator_export_progress(event):
        delay = os.environ.get("CHAOS_SLOW_STOP")
        if delay and event.current_operation.endswith(": cancelled"):
            time.sleep(float(delay))
"""


@pytest.fixture
def chaos_log(tmp_path: Path) -> Path:
    """Where the chaos writers of the ``host`` fixture log their calls."""
    return tmp_path / "chaos.log"


@pytest.fixture
def host(
    plugin_host: PluginHost, register_plugin: Callable[..., str], chaos_log: Path
) -> PluginHost:
    """The installed plugins (naming strategies) plus the test formats chaos, chaos2,
    plain and request."""

    class TestFormats:
        @hookimpl
        def curator_export_formats(self):  # type: ignore[no-untyped-def]
            return sample_formats(chaos_log)

    register_plugin(TestFormats)
    return plugin_host


@pytest.fixture
def store(make_store: Callable[..., SQLiteStore]) -> SQLiteStore:
    """A store holding the sample course: sessions s1, s2, s3."""
    return make_store()


@pytest.fixture
def course_db(make_store: Callable[..., SQLiteStore], tmp_path: Path) -> Path:
    """The sample course (s1, s2, s3) in a SQLite file that the CLI opens."""
    make_store().close()
    return tmp_path / "course.db"


@pytest.fixture
def cli(
    run_cli: Callable[..., subprocess.CompletedProcess[str]],
    cli_env: dict[str, str],
    course_db: Path,
) -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run ``curator-export --store course.db ARGS`` with the test formats installed."""

    def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return run_cli("--store", str(course_db), *args, env={**cli_env, **(env or {})})

    return run


def _install_distribution(site: Path) -> None:
    module = "acme_batch_test"
    (site / module).mkdir(parents=True)
    (site / module / "__init__.py").write_text(textwrap.dedent(TEST_PLUGIN))
    info = site / f"{module}-1.2.3.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-batch-test\nVersion: 1.2.3\n")
    (info / "entry_points.txt").write_text(f"[curator_export]\nacmetest = {module}\n")
    (info / "RECORD").write_text("")


@pytest.fixture
def cli_env(tmp_path: Path, chaos_log: Path) -> dict[str, str]:
    """Environment for ``curator-export`` subprocesses that see the test formats.

    The CLI loads plugins from entry points only, so the formats come from a third-party
    distribution laid out on ``PYTHONPATH``. ``CHAOS_TOKEN`` marks every process of the run
    (inherited by workers), so tests can look for leftovers afterwards.
    """
    site = tmp_path / "site"
    _install_distribution(site)
    paths = [str(site), *filter(None, [os.environ.get("PYTHONPATH")])]
    return {
        "PYTHONPATH": os.pathsep.join(paths),
        "CHAOS_LOG": str(chaos_log),
        "CHAOS_TOKEN": uuid.uuid4().hex,
        "COLUMNS": "200",
    }


# -- the seed document's three usage examples ---------------------------------------------------

SEED_EXAMPLES = {
    # One session to several formats.
    "one-session": """
        [[jobs]]
        job_id = "intro_session"
        session_ids = ["s1"]
        formats = ["chaos", "plain", "request"]
        output_directory = "@OUT@/intro"
        naming_strategy = "SessionBased"
        include_metadata = true
    """,
    # Several sessions merged into one file per format, branded, named by a pattern.
    "merged": """
        [options]
        parallel_exports = true
        max_concurrent_jobs = 4
        continue_on_error = true
        create_manifest = true
        compress_output = false

        [[jobs]]
        job_id = "complete_course"
        session_ids = ["s1", "s2", "s3"]
        formats = ["chaos", "plain", "request"]
        output_directory = "@OUT@/course_materials"
        naming_strategy = { Custom = "complete_course_{timestamp}" }
        merge_sessions = true
        template_name = "academic"
        include_metadata = true
        [jobs.branding_options]
        institution_name = "My University"
        colors = { primary = "#1E3A8A", secondary = "#64748B", accent = "#F59E0B" }
        fonts = { heading = "Georgia, serif", body = "Arial, sans-serif" }
    """,
    # A parallel batch, one job per session (one of them missing from the store), that
    # goes on past the failure and writes a manifest.
    "per-session": """
        [options]
        parallel_exports = true
        max_concurrent_jobs = 2
        continue_on_error = true
        create_manifest = true

        [[jobs]]
        job_id = "session_s1"
        session_ids = ["s1"]
        formats = ["chaos", "plain"]
        output_directory = "@OUT@/sessions"
        naming_strategy = "ContentBased"

        [[jobs]]
        job_id = "session_s2"
        session_ids = ["s2"]
        formats = ["chaos", "plain"]
        output_directory = "@OUT@/sessions"
        naming_strategy = "ContentBased"

        [[jobs]]
        job_id = "session_s3"
        session_ids = ["s3"]
        formats = ["chaos", "plain"]
        output_directory = "@OUT@/sessions"
        naming_strategy = "ContentBased"

        [[jobs]]
        job_id = "session_s9"
        session_ids = ["s9"]
        formats = ["chaos", "plain"]
        output_directory = "@OUT@/sessions"
        naming_strategy = "ContentBased"
    """,
}


def _camel_keys(data: Any, *, inside_naming: bool = False) -> Any:
    if isinstance(data, dict) and not inside_naming:
        return {
            camel(key): _camel_keys(value, inside_naming=key == "naming_strategy")
            for key, value in data.items()
        }
    if isinstance(data, list):
        return [_camel_keys(value) for value in data]
    return data


class SeedExample:
    """One of the seed's usage examples: its jobs file, its camelCase payload, its outputs."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.source = textwrap.dedent(SEED_EXAMPLES[name])

    def toml(self, out: Path) -> str:
        return self.source.replace("@OUT@", out.as_posix())

    def jobs_file(self, out: Path) -> Path:
        path = out.parent / f"{self.name}.toml"
        path.write_text(self.toml(out), encoding="utf-8")
        return path

    def payload(self, out: Path) -> dict[str, Any]:
        """The seed's camelCase ``batch_export_content`` payload of the same jobs."""
        data: dict[str, Any] = _camel_keys(tomllib.loads(self.toml(out)))
        return data

    @property
    def expected_jobs(self) -> dict[str, bool]:
        """Job id -> whether it succeeds."""
        jobs = tomllib.loads(self.source)["jobs"]
        return {job["job_id"]: job["session_ids"] != ["s9"] for job in jobs}

    def check(self, out: Path) -> Path:
        """Assert the example's files are there with the right content; returns the manifest."""
        if self.name == "one-session":
            folder = out / "intro"
            assert _names(folder) == ["s1.chaos", "s1.json", "s1.plain"]
            request = json.loads((folder / "s1.json").read_text())
            assert request["metadata"]["job_id"] == "intro_session"
            assert "Lakes turn over" in (folder / "s1.plain").read_text()
        elif self.name == "merged":
            folder = out / "course_materials"
            names = _names(folder)
            assert len(names) == 3
            pattern = r"complete_course_\d{8}_\d{6}\.(chaos|plain|json)"
            assert all(re.fullmatch(pattern, name) for name in names), names
            stem = names[0].rsplit(".", 1)[0]
            text = (folder / f"{stem}.plain").read_text()
            assert text.index("## s1: ") < text.index("## s2: ") < text.index("## s3: ")
            request = json.loads((folder / f"{stem}.json").read_text())
            assert request["template_name"] == "academic"
            assert request["branding"]["institution_name"] == "My University"
            assert request["branding"]["fonts"]["heading"] == "Georgia, serif"
            assert request["session_ids"] == ["s1", "s2", "s3"]
        else:
            folder = out / "sessions"
            assert _names(folder) == [
                "Lake_Ecology.chaos",
                "Lake_Ecology.plain",
                "Rivers.chaos",
                "Rivers.plain",
                "Wetlands.chaos",
                "Wetlands.plain",
            ]
        (manifest_path,) = folder.glob("batch_export_manifest_*.json")
        body = json.loads(manifest_path.read_text())["batch_export_manifest"]
        assert {job["job_id"]: job["success"] for job in body["jobs"]} == self.expected_jobs
        for job in body["jobs"]:
            for export in job["exports"]:
                assert (folder / export["output_path"]).is_file()
        if self.name == "per-session":
            (missing,) = [job for job in body["jobs"] if not job["success"]]
            assert "unknown session id(s) 's9'" in missing["error_message"]
        return manifest_path


def _names(folder: Path) -> list[str]:
    return sorted(
        path.name
        for path in folder.iterdir()
        if path.is_file() and not path.name.startswith("batch_export_manifest_")
    )


@pytest.fixture(params=sorted(SEED_EXAMPLES))
def seed_example(request: pytest.FixtureRequest) -> SeedExample:
    """Each of the seed's three usage examples in turn."""
    return SeedExample(request.param)
