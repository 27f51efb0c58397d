"""``--upload`` on the command line to a local destination, and the ``upload`` table's checks."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from subprocess import CompletedProcess
from typing import Any

import pytest

from curator_export.convert import Converters, JobsFile
from curator_export.errors import ValidationError
from curator_export.plugins import PluginHost
from curator_export_upload.settings import UploadSettings, secret_names

RunCli = Callable[..., CompletedProcess[str]]


def tree(folder: Path) -> dict[str, str]:
    """sha256 of every file below ``folder`` by relative path."""
    return {
        path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def last_manifest(folder: Path) -> dict[str, Any]:
    path = sorted(folder.glob("batch_export_manifest_*.json"))[-1]
    return json.loads(path.read_text(encoding="utf-8"))["batch_export_manifest"]  # type: ignore[no-any-return]


def import_demo_course(run_cli: RunCli) -> list[str]:
    """The demo course in a store of its own; returns the global option naming it."""
    from curator_export.demo import course_folder

    store = ["--store", "curator.db"]
    imported = run_cli(*store, "import", str(course_folder()))
    assert imported.returncode == 0, imported.stderr
    return store


def test_upload_flag_mirrors_the_output_folder(tmp_path: Path, run_cli: RunCli) -> None:
    store = import_demo_course(run_cli)
    export = [*store, "export", "--all", "-f", "markdown,html", "-o", "out", "--progress", "none"]

    first = run_cli(*export, "--upload", str(tmp_path / "share" / "course"))

    assert first.returncode == 0, first.stderr
    out, share = tree(tmp_path / "out"), tree(tmp_path / "share" / "course")
    assert share == out, "every file, figures and manifest included, byte for byte"
    assert not any(".part" in name for name in share)
    exports = [e for job in last_manifest(tmp_path / "out")["jobs"] for e in job["exports"]]
    assert {e["annotations"]["upload"]["status"] for e in exports} == {"uploaded"}
    assert {e["annotations"]["upload"]["verified"] for e in exports} == {"sha256"}

    # Again, nothing changed: files are kept locally and found in place at the destination.
    second = run_cli(
        *export, "--on-conflict", "overwrite", "--upload", str(tmp_path / "share" / "course")
    )

    assert second.returncode == 0, second.stderr
    exports = [e for job in last_manifest(tmp_path / "out")["jobs"] for e in job["exports"]]
    assert {e["status"] for e in exports} == {"unchanged"}
    assert {e["annotations"]["upload"]["status"] for e in exports} == {"present"}
    assert tree(tmp_path / "share" / "course") == tree(tmp_path / "out")


def test_upload_flag_without_the_plugin_says_what_is_missing(
    tmp_path: Path, run_cli: RunCli
) -> None:
    store = import_demo_course(run_cli)

    run = run_cli(
        *store, "export", "--all", "-f", "markdown", "-o", "out",
        "--upload", "s3://bucket/x",
        env={"CURATOR_EXPORT_DISABLE_PLUGINS": "upload"},
    )  # fmt: skip

    assert run.returncode == 2
    assert "no installed plugin reads 'upload' settings" in run.stderr
    assert "@ --upload" in run.stderr
    assert not (tmp_path / "out").exists(), "nothing is exported when the upload cannot happen"


def structure(upload: dict[str, Any]) -> Any:
    job = {
        "job_id": "j",
        "session_ids": ["s"],
        "formats": ["html"],
        "output_directory": "out",
        "upload": upload,
    }
    return Converters(PluginHost()).structure({"jobs": [job]}, JobsFile)


def test_a_jobs_file_table_becomes_the_jobs_upload_settings() -> None:
    parsed = structure(
        {"url": "s3://bucket/course", "storage_options": {"endpoint_url": "http://minio:9000"}}
    )

    (job,) = parsed.jobs
    assert job.settings["upload"] == UploadSettings(
        url="s3://bucket/course", storage_options={"endpoint_url": "http://minio:9000"}
    )


@pytest.mark.parametrize(
    ("upload", "located", "says"),
    [
        ({"url": "sftp://me:hunter2@host/x"}, "upload.url", "password"),
        ({"url": "  "}, "upload.url", "must name a destination"),
        ({"url": "s3://b", "retries": -1}, "upload.retries", ">= 0"),
        (
            {"url": "s3://b", "storage_options": {"account_key": "k"}},
            "upload.storage_options",
            "environment",
        ),
        ({"url": "s3://b", "storage_option": {}}, "upload.storage_option", "did you mean"),
        ({}, "upload.url", "required"),
    ],
)
def test_bad_upload_tables_are_refused_with_their_place(
    upload: dict[str, Any], located: str, says: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        structure(upload)

    message = str(caught.value)
    assert f"$.jobs[0].{located}" in message
    assert says in message
    assert "hunter2" not in message


def test_credential_names_are_found_in_nested_options() -> None:
    options = {
        "endpoint_url": "http://x",
        "anon": False,
        "token": "anon",  # gcsfs: a way to find credentials, not one
        "client_kwargs": {"region_name": "eu-west-1", "aws_session_token": "t"},
        "sas_token": "t",
        "Password": "p",
        "key_filename": "~/.ssh/id_ed25519",  # a path to a key, kept in ~/.ssh
    }

    assert secret_names(options) == ["client_kwargs.aws_session_token", "sas_token", "Password"]


def test_the_url_takes_the_placeholders_of_output_folders(tmp_path: Path, run_cli: RunCli) -> None:
    store = import_demo_course(run_cli)

    run = run_cli(
        *store, "export", "-s", "rdm-01-why", "-f", "markdown", "-o", "out/{date}",
        "--job-id", "weekly", "--upload", "share/{job_id}/{date}", "--progress", "none",
    )  # fmt: skip

    assert run.returncode == 0, run.stderr
    (dated,) = (tmp_path / "out").iterdir()
    assert dated.name.isdigit()
    assert tree(tmp_path / "share" / "weekly" / dated.name) == tree(dated)
