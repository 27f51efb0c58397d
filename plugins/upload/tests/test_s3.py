"""Batches uploaded to a real S3 server on 127.0.0.1, with failures injected by a proxy."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import attrs
import pytest

from curator_export.batch import BatchExportManager
from curator_export.demo import create_demo, demo_jobs
from curator_export.model import BatchExportOptions, BatchExportResult
from curator_export.plugins import PluginHost
from curator_export.store import SQLiteStore
from curator_export_upload.settings import UploadSettings
from curator_export_upload.testing import FAIL, FORWARD, LOSE_REPLY, FlakyProxy

#: botocore's own retries off (s3fs's: ``one_try_each``), so every request the proxy sees
#: is one of our attempts.
ONE_TRY_EACH = {"config_kwargs": {"retries": {"total_max_attempts": 1, "mode": "standard"}}}


@pytest.fixture(autouse=True)
def one_try_each(monkeypatch: pytest.MonkeyPatch) -> None:
    import s3fs

    monkeypatch.setattr(s3fs.S3FileSystem, "retries", 1)  # a class setting, not an option


def run_batch(
    tmp_path: Path, url: str, endpoint: str, *, zip_output: bool = False, **settings: Any
) -> BatchExportResult:
    """The demo course's sessions as Markdown and HTML, uploaded to ``url``."""
    demo = create_demo(tmp_path / "demo")
    upload = UploadSettings(
        url=url,
        storage_options={"endpoint_url": endpoint, **ONE_TRY_EACH},
        backoff_seconds=0.01,
        **settings,
    )
    (job,) = demo_jobs(demo, ["markdown", "html"], [])
    job = attrs.evolve(job, settings={"upload": upload})
    options = BatchExportOptions(max_concurrent_jobs=2, compress_output=zip_output)
    with SQLiteStore(demo.store_path) as store:
        return BatchExportManager(store, host=PluginHost()).execute_batch_export([job], options)


def local_files(result: BatchExportResult) -> dict[str, Path]:
    """Every file the batch left in the job's folder, by path inside it."""
    folder = Path(os.path.abspath(result.job_results[0].exports[0].path)).parent
    while folder.name != "sessions":
        folder = folder.parent
    return {p.relative_to(folder).as_posix(): p for p in sorted(folder.rglob("*")) if p.is_file()}


def objects(endpoint: str, bucket: str, prefix: str) -> dict[str, bytes]:
    import s3fs

    fs = s3fs.S3FileSystem(endpoint_url=endpoint, skip_instance_cache=True)
    keys = fs.find(f"{bucket}/{prefix}")
    return {key.removeprefix(f"{bucket}/{prefix}/"): fs.cat_file(key) for key in keys}


def manifest_exports(result: BatchExportResult) -> list[dict[str, Any]]:
    assert result.manifest_path is not None
    manifest = json.loads(result.manifest_path.read_text(encoding="utf-8"))
    jobs = manifest["batch_export_manifest"]["jobs"]
    return [export for job in jobs for export in job["exports"]]


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_a_batch_lands_complete_and_alone(tmp_path: Path, bucket: str, s3_server: str) -> None:
    result = run_batch(tmp_path, f"s3://{bucket}/course", s3_server)

    local = local_files(result)
    remote = objects(s3_server, bucket, "course")
    # Every final file, the manifest and the figures, and nothing else (no temporary file).
    assert set(remote) == set(local)
    assert any(name.startswith("batch_export_manifest_") for name in remote)
    assert any(name.endswith((".png", ".svg")) for name in remote), "figures travel too"
    for name, path in local.items():
        assert sha256(remote[name]) == sha256(path.read_bytes()), name
    exports = manifest_exports(result)
    assert exports
    assert all(export["status"] == "succeeded" for export in exports)
    for export in exports:
        upload = export["annotations"]["upload"]
        assert upload["status"] == "uploaded"
        assert upload["verified"] == "md5"
        assert upload["url"] == f"s3://{bucket}/course/{export['output_path']}"


def test_failed_attempts_are_retried_until_they_pass(
    tmp_path: Path, bucket: str, proxy: FlakyProxy, s3_server: str
) -> None:
    proxy.rule = lambda method, path, count: (
        FAIL if method == "PUT" and path.endswith(".html") and count <= 2 else FORWARD
    )

    result = run_batch(tmp_path, f"s3://{bucket}/retry", proxy.url, retries=3)

    remote = objects(s3_server, bucket, "retry")
    html = [e for e in manifest_exports(result) if e["format"] == "html"]
    assert html
    for export in html:
        upload = export["annotations"]["upload"]
        assert (upload["status"], upload["attempts"]) == ("uploaded", 3)
        assert proxy.puts(export["output_path"]) == 3
        local = (result.manifest_path.parent / export["output_path"]).read_bytes()  # type: ignore[union-attr]
        assert remote[export["output_path"]] == local


def test_an_upload_whose_reply_was_lost_is_not_sent_twice(
    tmp_path: Path, bucket: str, proxy: FlakyProxy, s3_server: str
) -> None:
    # The store keeps the object, the client hears nothing: the next attempt finds it there.
    proxy.rule = lambda method, path, count: (
        LOSE_REPLY if method == "PUT" and path.endswith(".md") and count == 1 else FORWARD
    )

    result = run_batch(tmp_path, f"s3://{bucket}/lost", proxy.url)

    markdown = [e for e in manifest_exports(result) if e["format"] == "markdown"]
    assert markdown
    remote = objects(s3_server, bucket, "lost")
    for export in markdown:
        upload = export["annotations"]["upload"]
        assert (upload["status"], upload["attempts"]) == ("uploaded", 1)
        assert proxy.puts(export["output_path"]) == 1, "sent once, not again after the lost reply"
        assert sha256(remote[export["output_path"]]) == export["sha256"]


def test_a_file_that_cannot_be_uploaded_is_recorded_and_kept(
    tmp_path: Path, bucket: str, proxy: FlakyProxy, s3_server: str
) -> None:
    def refuse_one_slide_deck(method: str, path: str, count: int) -> str:
        return (
            FAIL if method == "PUT" and path.endswith("Why_Manage_Research_Data.html") else FORWARD
        )

    proxy.rule = refuse_one_slide_deck

    result = run_batch(tmp_path, f"s3://{bucket}/partly", proxy.url, retries=2)

    exports = manifest_exports(result)
    failed = [e for e in exports if e["annotations"]["upload"]["status"] == "failed"]
    assert [e["output_path"] for e in failed] == [
        e["output_path"]
        for e in exports
        if e["output_path"].endswith("Why_Manage_Research_Data.html")
    ]
    assert len(failed) == 1
    upload = failed[0]["annotations"]["upload"]
    assert upload["attempts"] == 3
    assert (
        "503" in upload["error"] or "SlowDown" in upload["error"] or "injected" in upload["error"]
    )
    # The export itself succeeded and its file stays; the rest went up; the job says so.
    assert failed[0]["status"] == "succeeded"
    assert result.failed_jobs == 1
    assert result.job_results[0].error is not None
    assert "upload failed for 1 file after export" in result.job_results[0].error
    assert (result.manifest_path.parent / failed[0]["output_path"]).is_file()  # type: ignore[union-attr]
    remote = objects(s3_server, bucket, "partly")
    assert failed[0]["output_path"] not in remote
    assert len(remote) == len(local_files(result)) - 1


def test_a_store_that_is_down_is_given_up_after_three_files(
    tmp_path: Path, bucket: str, proxy: FlakyProxy
) -> None:
    proxy.rule = lambda method, path, count: FAIL if method == "PUT" else FORWARD

    result = run_batch(tmp_path, f"s3://{bucket}/down", proxy.url, retries=1)

    uploads = [e["annotations"]["upload"] for e in manifest_exports(result)]
    assert len(uploads) > 3
    assert all(upload["status"] == "failed" for upload in uploads)
    tried = [upload for upload in uploads if upload["attempts"]]
    assert len(tried) == 3
    assert all("not tried" in upload["error"] for upload in uploads if not upload["attempts"])
    assert sum(n for (method, _), n in proxy.seen.items() if method == "PUT") == 3 * 2
    # The next batch tries again.
    proxy.rule = lambda method, path, count: FORWARD
    again = run_batch(tmp_path / "again", f"s3://{bucket}/down", proxy.url)
    assert all(e["annotations"]["upload"]["status"] == "uploaded" for e in manifest_exports(again))


def test_archives_are_uploaded_with_the_manifest(
    tmp_path: Path, bucket: str, s3_server: str
) -> None:
    result = run_batch(tmp_path, f"s3://{bucket}/zipped", s3_server, zip_output=True)

    (archive,) = result.archive_paths
    remote = objects(s3_server, bucket, "zipped")
    assert remote[archive.name] == archive.read_bytes()
    assert result.manifest_path is not None
    assert remote[result.manifest_path.name] == result.manifest_path.read_bytes()


def test_credentials_of_the_environment_reach_no_file(
    tmp_path: Path, bucket: str, s3_server: str
) -> None:
    run_batch(tmp_path, f"s3://{bucket}/secret", s3_server)

    secret = os.environ["AWS_SECRET_ACCESS_KEY"].encode()
    for name, data in objects(s3_server, bucket, "secret").items():
        assert secret not in data, name


@pytest.mark.parametrize(
    "option", ["secret", "key", "token", "client_kwargs.aws_secret_access_key"]
)
def test_a_jobs_file_with_credentials_is_refused(tmp_path: Path, option: str, run_cli: Any) -> None:
    *tables, name = option.split(".")
    value = '"AKIA-not-a-real-one"'
    for table in reversed(tables):
        value = f"{{ {name} = {value} }}"
        name = table
    jobs = tmp_path / "jobs.toml"
    jobs.write_text(
        "[[jobs]]\n"
        'job_id = "j"\nsession_ids = ["s"]\nformats = ["html"]\noutput_directory = "out"\n'
        f'upload = {{ url = "s3://b/p", storage_options = {{ {name} = {value} }} }}\n',
        encoding="utf-8",
    )

    run = run_cli("plan", str(jobs))

    assert run.returncode == 2, run.stderr
    assert "$.jobs[0].upload.storage_options" in run.stderr
    assert option in run.stderr
    assert "environment" in run.stderr
    assert "AKIA-not-a-real-one" not in run.stderr + run.stdout


def test_a_figure_that_cannot_be_uploaded_fails_its_export_s_upload(
    tmp_path: Path, bucket: str, proxy: FlakyProxy
) -> None:
    proxy.rule = lambda method, path, count: (
        FAIL if method == "PUT" and "/assets/" in path else FORWARD
    )

    result = run_batch(tmp_path, f"s3://{bucket}/figures", proxy.url, retries=0)

    with_figures = [
        e for e in manifest_exports(result) if e["annotations"]["upload"].get("companions")
    ]
    assert with_figures
    for export in with_figures:
        upload = export["annotations"]["upload"]
        assert upload["status"] == "failed"
        assert "/assets/" in upload["error"]
    assert result.job_results[0].error is not None
    assert "/assets/" in result.job_results[0].error
