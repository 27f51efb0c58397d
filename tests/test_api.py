"""The embedding API: the seed's usage examples through BatchExportManager and through the
seed's camelCase commands ``create_batch_export_job`` and ``batch_export_content``."""

from __future__ import annotations

import json

import pytest

from curator_export import api
from curator_export.batch import BatchExportManager
from curator_export.convert import Converters
from curator_export.errors import ValidationError
from curator_export.model import BatchProgress


def test_seed_examples_through_the_python_api(seed_example, store, host, tmp_path):
    """Each seed example, as BatchExportJob objects run by BatchExportManager, makes its files."""
    out = tmp_path / "exports"
    parsed = Converters(host).read_jobs_file(seed_example.jobs_file(out))
    result = BatchExportManager(store, host=host).execute_batch_export(
        list(parsed.jobs), parsed.options
    )
    manifest_path = seed_example.check(out)
    assert result.manifest_path == manifest_path
    assert {job.job_id: job.success for job in result.job_results} == seed_example.expected_jobs


def test_seed_examples_through_batch_export_content(seed_example, store, host, tmp_path):
    """Each seed example as the camelCase payload returns the seed's camelCase result."""
    out = tmp_path / "exports"
    payload = seed_example.payload(out)
    assert "sessionIds" in payload["jobs"][0]
    result = api.batch_export_content(payload, store=store, host=host)
    manifest_path = seed_example.check(out)
    json.dumps(result)  # plain JSON all the way down
    expected = seed_example.expected_jobs
    assert result["totalJobs"] == len(expected)
    assert result["successfulJobs"] == sum(expected.values())
    assert result["failedJobs"] == len(expected) - sum(expected.values())
    assert isinstance(result["elapsedTime"], float)
    assert result["manifestPath"] == str(manifest_path)
    assert {job["jobId"]: job["success"] for job in result["jobResults"]} == expected
    made = [e for job in result["jobResults"] for e in job["exports"] if e["success"]]
    assert result["totalFilesCreated"] == len(made) > 0
    for export in made:
        assert export["status"] == "succeeded"
        assert export["errorKind"] is None
        assert export["attempts"] == 1
        assert len(export["sha256"]) == 64
        with open(export["outputPath"], "rb") as file:
            assert len(file.read()) == export["fileSize"]


def test_batch_export_content_opens_the_store_named_in_the_payload(make_store, host, tmp_path):
    """Without a store argument the payload's storePath is opened; progress reaches a callback."""
    make_store().close()
    events: list[BatchProgress] = []
    result = api.batch_export_content(
        {
            "storePath": str(tmp_path / "course.db"),
            "jobs": [
                {
                    "jobId": "weekly",
                    "sessionIds": ["s2", "s3"],
                    "formats": ["Chaos"],
                    "outputDirectory": str(tmp_path / "out"),
                }
            ],
            "options": {"parallelExports": False, "createManifest": False},
        },
        host=host,
        progress=events.append,
    )
    assert (result["totalFilesCreated"], result["manifestPath"]) == (2, None)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["s2.chaos", "s3.chaos"]
    assert events[-1].current_operation == "finished"


def test_batch_export_content_reports_every_payload_error(store, host, tmp_path):
    """A bad payload raises one ValidationError listing every problem with its location."""
    with pytest.raises(ValidationError) as raised:
        api.batch_export_content(
            {
                "jobs": [
                    {
                        "jobId": "ok",
                        "sessionIds": ["s1"],
                        "formats": ["chaos"],
                        "outputDirectory": str(tmp_path / "ok"),
                    },
                    {"jobId": "bad", "sessionIds": ["s1"], "formats": ["pfd"]},
                ],
                "options": {"maxConcurrentJobs": "four"},
            },
            store=store,
            host=host,
        )
    errors = raised.value.errors
    assert any("@ $.jobs[1].formats[0]" in error and "pfd" in error for error in errors)
    assert any("@ $.jobs[1].outputDirectory" in error for error in errors)
    assert any("@ $.options.maxConcurrentJobs" in error for error in errors)
    assert not (tmp_path / "ok").exists()


def test_create_batch_export_job_returns_canonical_names(host):
    """The seed's spellings come back as canonical names, in camelCase JSON."""
    job = api.create_batch_export_job(
        {
            "jobId": "weekly",
            "sessionIds": ["s1", "s2"],
            "formats": ["CHAOS", "Plain"],
            "outputDirectory": "/srv/exports",
            "namingStrategy": "ContentBased",
            "contentTypes": ["Slides", "InstructorNotes"],
            "audience": "Student",
            "brandingOptions": {"institutionName": "My University"},
        },
        host=host,
    )
    json.dumps(job)
    assert job["jobId"] == "weekly"
    assert job["formats"] == ["chaos", "plain"]
    assert job["namingStrategy"] == "content"
    assert job["contentTypes"] == ["slides", "instructor_notes"]
    assert job["audience"] == "student"
    assert job["outputDirectory"] == "/srv/exports"
    assert job["mergeSessions"] is False
    assert job["brandingOptions"]["institutionName"] == "My University"
    custom = api.create_batch_export_job(
        {
            "jobId": "course",
            "sessionIds": ["s1"],
            "formats": ["chaos"],
            "outputDirectory": "out",
            "namingStrategy": {"Custom": "{job_id}_{timestamp}"},
        },
        host=host,
    )
    assert custom["namingStrategy"] == {"custom": "{job_id}_{timestamp}"}


def test_create_batch_export_job_names_every_problem_with_its_location(host):
    """Each invalid field is reported at once, with its JSON location."""
    with pytest.raises(ValidationError) as raised:
        api.create_batch_export_job(
            {
                "jobId": "bad id!",
                "sessionIds": [],
                "formats": ["pfd", "chaos", "chaos"],
                "namingStrategy": {"Custom": "{sesion}"},
            },
            host=host,
        )
    errors = raised.value.errors
    for location in ("$.jobId", "$.sessionIds", "$.formats", "$.namingStrategy"):
        assert any(
            error.endswith(f"@ {location}") or f"@ {location}[" in error for error in errors
        ), (
            location,
            errors,
        )
    assert any("'pfd'" in error and "@ $.formats[0]" in error for error in errors)
    assert any("{sesion}" in error for error in errors)
    assert any("@ $.outputDirectory" in error for error in errors)
