"""The model's own guarantees: frozen descriptions, validated values, derived totals."""

from __future__ import annotations

from pathlib import Path

import attrs
import pytest

from curator_export.model import (
    BatchExportJob,
    BatchExportOptions,
    BatchExportResult,
    BrandColors,
    ContentItem,
    ContentType,
    ExportResult,
    ExportStatus,
    JobResult,
    Session,
)


def job(**changes: object) -> BatchExportJob:
    fields: dict[str, object] = {
        "job_id": "weekly",
        "session_ids": ["s1"],
        "formats": ["html"],
        "output_directory": "out",
    }
    fields.update(changes)
    return BatchExportJob(**fields)  # type: ignore[arg-type]


def test_job_defaults_follow_the_seed():
    """A job needs only id, sessions, formats and folder; the rest has the seed's defaults."""
    made = job()
    assert made.output_directory == Path("out")
    assert made.naming_strategy.name == "session"
    assert made.merge_sessions is False
    assert made.include_metadata is True
    assert BatchExportOptions().max_concurrent_jobs == 4


def test_job_is_frozen():
    """A planned job cannot be changed behind the planner's back."""
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        job().job_id = "other"  # type: ignore[misc]


@pytest.mark.parametrize("bad", ["", "has space", "../up", "a" * 129, "-dash"])
def test_job_id_must_be_a_safe_name(bad):
    """Job ids end up in file names, so only safe characters are allowed."""
    with pytest.raises(ValueError, match="job_id"):
        job(job_id=bad)


def test_empty_sessions_or_formats_are_refused():
    """A job with nothing to export is refused."""
    with pytest.raises(ValueError, match="session_ids"):
        job(session_ids=[])
    with pytest.raises(ValueError, match="formats"):
        job(formats=[])


def test_colors_must_be_hex():
    """Brand colours are hex values: anything else could break out of CSS."""
    assert BrandColors(primary="#1E3A8A", accent="#fff").accent == "#fff"
    with pytest.raises(ValueError, match="primary"):
        BrandColors(primary="red; background: url(x)")


def test_session_items_of_filters_by_type():
    """`items_of` returns the items of the given types in order."""
    items = tuple(
        ContentItem(id=f"i{n}", session_id="s", content_type=kind, title="t", body="b", position=n)
        for n, kind in enumerate(["slides", "quiz", "slides"])
    )
    session = Session(id="s", title="S", items=items)
    assert [item.id for item in session.items_of(ContentType.SLIDES)] == ["i0", "i2"]
    assert session.items_of() == items


def test_batch_totals_are_derived_from_results():
    """Totals count jobs and created files; a failed export fails its job."""
    ok = ExportResult(job_id="a", format="html", session_ids=["s"], status="succeeded")
    failed = ExportResult(job_id="b", format="pdf", session_ids=["s"], status=ExportStatus.FAILED)
    result = BatchExportResult(job_results=[JobResult("a", [ok, ok]), JobResult("b", [ok, failed])])
    assert result.total_jobs == 2
    assert result.successful_jobs == 1
    assert result.failed_jobs == 1
    assert result.total_files_created == 3
