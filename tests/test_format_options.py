"""A format's own options: read from jobs files, payloads and the command line, checked against
the format's options class with located errors, and handed to its writer in a worker.

The ``request`` test format (``curator_export.testing_writers``) takes ``indent`` (a whole
number, at least 0) and ``output_label``, and writes its options into its JSON output.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from curator_export import api
from curator_export.batch import BatchExportManager
from curator_export.convert import Converters
from curator_export.errors import ValidationError
from curator_export.model import BatchExportJob, BatchExportOptions, ExportStatus
from curator_export.planning import format_options
from curator_export.render import SharedWork
from curator_export.testing_writers import RequestJsonOptions

JOBS = """
[[jobs]]
job_id = "with-options"
session_ids = ["s1"]
formats = ["request", "chaos"]
output_directory = "out"
[jobs.format_options.request]
indent = 4
output_label = "handout"
"""


def test_jobs_file_options_become_plain_checked_data(host, tmp_path: Path) -> None:
    """A jobs file's options for a format are kept under its name, defaults filled in."""
    path = tmp_path / "jobs.toml"
    path.write_text(JOBS, encoding="utf-8")
    (job,) = Converters(host).read_jobs_file(path).jobs
    assert job.format_options == {"request": {"indent": 4, "output_label": "handout"}}


def test_camel_case_payload_takes_aliases_and_either_spelling(host) -> None:
    """In a camelCase payload the format may be named by an alias-insensitive spelling."""
    job = Converters(host).structure(
        {
            "jobId": "j",
            "sessionIds": ["s1"],
            "formats": ["Request"],
            "outputDirectory": "out",
            "formatOptions": {"REQUEST": {"indent": 0}},
        },
        BatchExportJob,
        camel_case=True,
    )
    assert job.format_options == {"request": {"indent": 0, "output_label": ""}}


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (
            {"request": {"indent": "wide"}},
            "expected a whole number, not a string @ $.format_options.request.indent",
        ),
        ({"request": {"indent": -1}}, "@ $.format_options.request.indent"),
        ({"request": {"indnet": 2}}, "did you mean 'indent'?"),
        ({"pfd": {"x": 1}}, "@ $.format_options.pfd"),
        ({"chaos": {"x": 1}}, "the chaos format takes no options @ $.format_options.chaos"),
        ({"request": "indent=2"}, "expected a table of options, not a string"),
    ],
)
def test_bad_options_are_located_errors(host, options, expected) -> None:
    """Every wrong option names the format and the field, and nothing is structured."""
    data = {
        "job_id": "j",
        "session_ids": ["s1"],
        "formats": ["request", "chaos"],
        "output_directory": "out",
        "format_options": options,
    }
    with pytest.raises(ValidationError) as caught:
        Converters(host).structure(data, BatchExportJob)
    assert any(expected in error for error in caught.value.errors), caught.value.errors


def test_planning_checks_options_of_jobs_built_in_python(host, tmp_path: Path) -> None:
    """A job made in Python is checked at planning: bad values and formats it does not export."""
    job = BatchExportJob(
        job_id="j",
        session_ids=["s1"],
        formats=["request"],
        output_directory=tmp_path,
        format_options={"request": {"indent": "x"}, "plain": {}},
    )
    instances, problems = format_options(job, host)
    assert instances == {}
    assert any(
        p.startswith("format_options.request.indent: expected a whole number") for p in problems
    )
    assert "format_options.plain: plain is not one of this job's formats" in problems


def test_a_job_with_bad_options_is_invalid_and_the_others_run(store, host, tmp_path: Path) -> None:
    """A job with a bad option fails validation naming the field; the batch goes on."""
    good = BatchExportJob(
        job_id="good", session_ids=["s1"], formats=["request"], output_directory=tmp_path / "a"
    )
    bad = BatchExportJob(
        job_id="bad",
        session_ids=["s1"],
        formats=["request"],
        output_directory=tmp_path / "b",
        format_options={"request": {"indent": -3}},
    )
    result = BatchExportManager(store, host=host).execute_batch_export(
        [good, bad], BatchExportOptions(parallel_exports=False, create_manifest=False)
    )
    by_id = {job.job_id: job for job in result.job_results}
    assert by_id["good"].success
    assert not by_id["bad"].success
    assert "format_options.request.indent" in (by_id["bad"].error or "")
    assert not (tmp_path / "b").exists() or not any((tmp_path / "b").iterdir())


def test_workers_get_the_options_instance(store, host, tmp_path: Path) -> None:
    """Through the process pool, the writer receives the job's options; defaults otherwise."""
    jobs = [
        BatchExportJob(
            job_id=f"j{indent}",
            session_ids=["s1", "s2"],
            formats=["request"],
            output_directory=tmp_path / f"j{indent}",
            format_options={"request": {"indent": indent, "output_label": f"L{indent}"}},
        )
        for indent in (0, 3)
    ]
    jobs.append(
        BatchExportJob(
            job_id="plain",
            session_ids=["s1"],
            formats=["request"],
            output_directory=tmp_path / "plain",
        )
    )
    result = BatchExportManager(store, host=host).execute_batch_export(
        jobs, BatchExportOptions(max_concurrent_jobs=2, create_manifest=False)
    )
    exports = [export for job in result.job_results for export in job.exports]
    assert len(exports) == 5
    for export in exports:
        assert export.status is ExportStatus.SUCCEEDED, export.error
        assert export.path is not None
        text = export.path.read_text(encoding="utf-8")
        options = json.loads(text)["options"]
        if export.job_id == "plain":
            assert options == {"indent": 2, "output_label": ""}
        else:
            indent = int(export.job_id[1:])
            assert options == {"indent": indent, "output_label": f"L{indent}"}
            assert text.splitlines()[1].startswith(" " * indent + '"')


def test_batch_export_content_accepts_format_options(store, host, tmp_path: Path) -> None:
    """The seed's camelCase command carries formatOptions to the writer."""
    result = api.batch_export_content(
        {
            "jobs": [
                {
                    "jobId": "j",
                    "sessionIds": ["s1"],
                    "formats": ["request"],
                    "outputDirectory": str(tmp_path / "out"),
                    "formatOptions": {"request": {"outputLabel": "from the desktop app"}},
                }
            ],
            "options": {"parallelExports": False, "createManifest": False},
        },
        store=store,
        host=host,
    )
    (export,) = result["jobResults"][0]["exports"]
    written = json.loads(Path(export["outputPath"]).read_text(encoding="utf-8"))
    assert written["options"]["output_label"] == "from the desktop app"


def test_create_batch_export_job_returns_options_that_round_trip(host) -> None:
    """The validated camelCase job spells its options in camelCase and can be sent back."""
    payload = {
        "jobId": "j",
        "sessionIds": ["s1"],
        "formats": ["request"],
        "outputDirectory": "out",
        "formatOptions": {"Request": {"outputLabel": "x"}},
    }
    job = api.create_batch_export_job(payload, host=host)
    assert job["formatOptions"] == {"request": {"indent": 2, "outputLabel": "x"}}
    assert api.create_batch_export_job(job, host=host) == job
    with pytest.raises(ValidationError, match=r"did you mean 'outputLabel'"):
        api.create_batch_export_job(
            {**payload, "formatOptions": {"request": {"output_label": "x"}}}, host=host
        )


def test_shared_work_is_made_once_and_not_kept_when_it_fails() -> None:
    """Formats of a task share a value; a failing maker leaves nothing behind for a retry."""
    shared = SharedWork()
    calls: list[int] = []

    def make() -> int:
        calls.append(1)
        return len(calls)

    assert shared.get("page", make) == 1
    assert shared.get("page", make) == 1
    assert len(calls) == 1

    def broken() -> int:
        raise RuntimeError("half way")

    with pytest.raises(RuntimeError):
        shared.get("other", broken)
    assert shared.get("other", make) == 2


def test_format_options_class_must_be_attrs_with_defaults() -> None:
    """A plugin's options class is checked when its format is declared."""
    from curator_export.records import Format
    from curator_export.testing_writers import write_request_json

    with pytest.raises(TypeError, match="attrs class"):
        Format("x", ".x", "text/plain", write_request_json, options=dict)
    import attrs

    @attrs.frozen
    class Required:
        size: int

    with pytest.raises(TypeError, match="needs a default"):
        Format("x", ".x", "text/plain", write_request_json, options=Required)
    assert Format("x", ".x", "text/plain", write_request_json, options=RequestJsonOptions)
