"""Jobs files and camelCase payloads: structure, canonical names, every error located."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from curator_export.convert import Converters, unstructure
from curator_export.errors import ValidationError
from curator_export.model import (
    Audience,
    BatchExportJob,
    BatchExportOptions,
    ContentType,
    NamingChoice,
)

ISSUE_EXAMPLE = """
[options]
parallel_exports = true
max_concurrent_jobs = 4
continue_on_error = true
create_manifest = true
compress_output = false

[[jobs]]
job_id = "complete_course"
session_ids = ["s1", "s2"]
formats = ["html", "pdf"]
output_directory = "course_materials"
naming_strategy = { custom = "complete_course_{timestamp}" }
merge_sessions = true
template_name = "academic"
include_metadata = true
[jobs.branding_options]
institution_name = "My University"
colors = { primary = "#1E3A8A", secondary = "#64748B", accent = "#F59E0B" }
fonts = { heading = "Georgia, serif", body = "Arial, sans-serif" }
"""


@pytest.fixture
def converters(plugin_host):
    return Converters(plugin_host)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_issue_example_reads_into_the_model(converters, tmp_path):
    """The jobs file of the foundation issue becomes options and one complete job."""
    jobs_file = converters.read_jobs_file(write(tmp_path, "jobs.toml", ISSUE_EXAMPLE))
    assert jobs_file.options == BatchExportOptions(max_concurrent_jobs=4, compress_output=False)
    (job,) = jobs_file.jobs
    assert job.job_id == "complete_course"
    assert job.session_ids == ("s1", "s2")
    assert job.formats == ("html", "pdf")
    assert job.output_directory == Path("course_materials")
    assert job.naming_strategy == NamingChoice("custom", "complete_course_{timestamp}")
    assert job.merge_sessions is True
    assert job.template_name == "academic"
    assert job.branding_options is not None
    assert job.branding_options.institution_name == "My University"
    assert job.branding_options.colors.accent == "#F59E0B"
    assert job.branding_options.fonts.heading == "Georgia, serif"


def test_json_jobs_file_reads_the_same(converters, tmp_path):
    """A JSON jobs file with the same content gives the same jobs."""
    import tomllib

    data = tomllib.loads(ISSUE_EXAMPLE)
    from_json = converters.read_jobs_file(write(tmp_path, "jobs.json", json.dumps(data)))
    from_toml = converters.read_jobs_file(write(tmp_path, "jobs.toml", ISSUE_EXAMPLE))
    assert from_json == from_toml


def test_every_error_is_reported_at_once_with_its_location(converters, tmp_path):
    """A file with many mistakes reports each one, located, in one error."""
    text = """
[options]
max_concurrent_jobs = 0
parallel_exports = "yes"

[[jobs]]
job_id = "ok"
session_ids = ["s1"]
formats = ["html", "pfd"]
output_directory = "out"

[[jobs]]
job_id = "bad id!"
session_ids = []
formats = "pdf"
output_directory = 3
naming_strategy = "SessionBasd"
merge_session = true
[jobs.branding_options]
colors = { primary = "blue" }

[[jobs]]
job_id = "ok"
session_ids = ["s2"]
formats = ["md"]
"""
    with pytest.raises(ValidationError) as raised:
        converters.read_jobs_file(write(tmp_path, "jobs.toml", text))
    errors = raised.value.errors
    expected = [
        "@ $.options.max_concurrent_jobs",
        "expected true or false, not a string @ $.options.parallel_exports",
        "unknown format 'pfd' (did you mean 'pdf'?) @ $.jobs[0].formats[1]",
        "@ $.jobs[1].job_id",
        "session_ids must not be empty @ $.jobs[1].session_ids",
        "expected a path, not a number @ $.jobs[1].output_directory",
        "unknown naming strategy 'SessionBasd'",
        "unknown field (did you mean 'merge_sessions'?) @ $.jobs[1].merge_session",
        "hex colour like #1E3A8A, not 'blue' @ $.jobs[1].branding_options.colors.primary",
        "duplicate job_id 'ok' (first at $.jobs[0]) @ $.jobs[2].job_id",
        "required field missing @ $.jobs[2].output_directory",
    ]
    for fragment in expected:
        assert any(fragment in error for error in errors), (fragment, errors)
    assert str(tmp_path / "jobs.toml") in str(raised.value)


def test_seed_spellings_become_canonical_names(converters):
    """'SessionBased', {'Custom': ...}, 'PowerPoint' and 'InstructorNotes' are understood."""
    job = converters.structure(
        {
            "job_id": "seed",
            "session_ids": ["a"],
            "formats": ["PowerPoint", "PDF", "Markdown"],
            "output_directory": "out",
            "naming_strategy": "SessionBased",
            "content_types": ["InstructorNotes", "activity-guide"],
            "audience": "Student",
        },
        BatchExportJob,
    )
    assert job.formats == ("pptx", "pdf", "markdown")
    assert job.naming_strategy == NamingChoice("session")
    assert job.content_types == (ContentType.INSTRUCTOR_NOTES, ContentType.ACTIVITY_GUIDE)
    assert job.audience is Audience.STUDENT
    custom = converters.structure(
        {
            "job_id": "seed",
            "session_ids": ["a"],
            "formats": ["html"],
            "output_directory": "out",
            "naming_strategy": {"Custom": "{job_id}_{timestamp}"},
        },
        BatchExportJob,
    )
    assert custom.naming_strategy == NamingChoice("custom", "{job_id}_{timestamp}")


def test_custom_strategy_needs_a_pattern(converters):
    """`custom` without a pattern, or `session` with one, is an error at the field."""
    base = {"job_id": "j", "session_ids": ["a"], "formats": ["html"], "output_directory": "o"}
    with pytest.raises(ValidationError, match=r"needs a pattern @ \$.naming_strategy"):
        converters.structure({**base, "naming_strategy": "custom"}, BatchExportJob)
    with pytest.raises(ValidationError, match=r"takes no pattern @ \$.naming_strategy"):
        converters.structure(
            {**base, "naming_strategy": {"name": "session", "pattern": "{x}"}}, BatchExportJob
        )


def test_camel_case_payload_of_the_seed(converters):
    """The seed's camelCase job payload structures, and unstructures back to camelCase."""
    payload = {
        "jobId": "weekly",
        "sessionIds": ["s1"],
        "formats": ["HTML", "PowerPoint"],
        "outputDirectory": "/tmp/out",
        "namingStrategy": "ContentBased",
        "mergeSessions": False,
        "templateName": "minimal",
        "includeMetadata": False,
        "brandingOptions": {"institutionName": "Uni", "colors": {"primary": "#123456"}},
    }
    job = converters.structure(payload, BatchExportJob, camel_case=True)
    assert job.formats == ("html", "pptx")
    assert job.branding_options is not None
    assert job.branding_options.institution_name == "Uni"
    back = unstructure(job, camel_case=True)
    assert back["jobId"] == "weekly"
    assert back["outputDirectory"] == "/tmp/out"
    assert back["namingStrategy"] == "content"
    assert back["brandingOptions"]["institutionName"] == "Uni"
    options = converters.structure(
        {"parallelExports": False, "maxConcurrentJobs": 2, "continueOnError": False},
        BatchExportOptions,
        camel_case=True,
    )
    assert options == BatchExportOptions(
        parallel_exports=False, max_concurrent_jobs=2, continue_on_error=False
    )


def test_snake_case_keys_are_refused_in_a_camel_payload(converters):
    """A camelCase payload with a snake_case key names the key it meant."""
    with pytest.raises(ValidationError, match=r"did you mean 'jobId'.*@ \$.job_id"):
        converters.structure(
            {"job_id": "x", "sessionIds": ["s"], "formats": ["html"], "outputDirectory": "o"},
            BatchExportJob,
            camel_case=True,
        )


def test_broken_toml_names_the_file_and_line(converters, tmp_path):
    """A TOML syntax error names the file and where the error is."""
    path = write(tmp_path, "jobs.toml", "[[jobs]]\njob_id = \n")
    with pytest.raises(ValidationError, match=r"invalid TOML: .*line 2") as raised:
        converters.read_jobs_file(path)
    assert raised.value.source == str(path)


def test_missing_jobs_and_unknown_sections_are_errors(converters):
    """A file without jobs, or with a misspelled section, is refused."""
    with pytest.raises(ValidationError) as raised:
        converters.jobs_file({"option": {}})
    assert "unknown section 'option' (expected options or jobs) @ $.option" in raised.value.errors
    assert "expected at least one [[jobs]] entry @ $.jobs" in raised.value.errors


def test_list_elements_are_type_checked(converters):
    """A number among session ids is located by its index."""
    with pytest.raises(
        ValidationError, match=r"expected a string, not a number @ \$.session_ids\[1\]"
    ):
        converters.structure(
            {"job_id": "j", "session_ids": ["a", 7], "formats": ["html"], "output_directory": "o"},
            BatchExportJob,
        )


def test_job_settings_tables_are_structured_with_located_errors(bare_plugin_host, tmp_path):
    """A plugin's table at the job level becomes an instance in job.settings; its errors and
    a misspelled table name are located; camelCase payloads and unstructure round-trip."""
    import attrs

    from curator_export import hookimpl
    from curator_export.records import JobSettings
    from curator_export.testing import text_format

    @attrs.frozen
    class AuditSettings:
        log_file: str
        level: int = attrs.field(default=1, validator=attrs.validators.ge(0))

    class Audit:
        @hookimpl
        def curator_export_formats(self):
            return [text_format("txt")]

        @hookimpl
        def curator_export_job_settings(self):
            return [JobSettings(name="audit", options=AuditSettings)]

    bare_plugin_host.register(Audit(), "audit")
    converters = Converters(bare_plugin_host)
    base = {"job_id": "j", "session_ids": ["s1"], "formats": ["txt"], "output_directory": "o"}
    job = converters.structure({**base, "audit": {"log_file": "a.log"}}, BatchExportJob)
    assert job.settings == {"audit": AuditSettings(log_file="a.log")}
    assert converters.structure(base, BatchExportJob).settings == {}
    with pytest.raises(ValidationError) as caught:
        converters.structure(
            {**base, "audit": {"level": -1}, "audti": {}}, BatchExportJob, path="$.jobs[0]"
        )
    errors = caught.value.errors
    assert "unknown field (did you mean 'audit'?) @ $.jobs[0].audti" in errors
    assert "required field missing @ $.jobs[0].audit.log_file" in errors
    assert any(e.endswith("@ $.jobs[0].audit.level") for e in errors)
    camel = {"jobId": "j", "sessionIds": ["s1"], "formats": ["txt"], "outputDirectory": "o"}
    payload = {**camel, "audit": {"logFile": "b.log", "level": 2}}
    job = converters.structure(payload, BatchExportJob, camel_case=True)
    assert job.settings["audit"] == AuditSettings(log_file="b.log", level=2)
    assert unstructure(job, camel_case=True)["audit"] == {"logFile": "b.log", "level": 2}
    (defaulted, own) = converters.with_settings(
        [converters.structure(base, BatchExportJob), job], "audit", {"log_file": "c"}, where="--x"
    )
    assert defaulted.settings["audit"].log_file == "c"
    assert own.settings["audit"].log_file == "b.log"
