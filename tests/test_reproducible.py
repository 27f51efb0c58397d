"""SOURCE_DATE_EPOCH: two batches of the same content give byte-identical files."""

from __future__ import annotations

import hashlib
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from curator_export.batch import BatchExportManager
from curator_export.demo import create_demo
from curator_export.errors import ValidationError
from curator_export.model import BatchExportJob, BatchExportOptions
from curator_export.plugins import PluginHost
from curator_export.store import SQLiteStore

FORMATS = ("html", "markdown", "pdf", "pptx", "odt", "odp")


def digests(tmp_path: Path, name: str, batch_time: datetime) -> dict[str, str]:
    """sha256 of every file a batch at ``batch_time`` writes, manifests left out."""
    demo = create_demo(tmp_path / "demo")
    out = tmp_path / name
    job = BatchExportJob(
        job_id="lesson", session_ids=["rdm-02-files"], formats=FORMATS, output_directory=out
    )
    with SQLiteStore(demo.store_path) as store:
        manager = BatchExportManager(store, host=PluginHost(), clock=lambda: batch_time)
        result = manager.execute_batch_export([job], BatchExportOptions(parallel_exports=False))
    assert result.failed_jobs == 0
    return {
        path.relative_to(out).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(out.rglob("*"))
        if path.is_file() and not path.name.startswith("batch_export_manifest_")
    }


MONDAY = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)
TUESDAY = datetime(2026, 12, 8, 2, 0, 1, tzinfo=UTC)


@pytest.mark.slow
def test_with_source_date_epoch_the_files_of_two_batches_are_identical(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # 2026-01-01

    monday = digests(tmp_path, "mon", MONDAY)
    time.sleep(2.1)  # past a zip timestamp's 2 s: a library stamping the wall clock shows
    tuesday = digests(tmp_path, "tue", TUESDAY)

    assert {name.rsplit(".", 1)[-1] for name in monday} >= {"html", "md", "pdf", "pptx", "odt"}
    assert monday == tuesday


@pytest.mark.slow
def test_without_it_the_files_say_when_their_batch_ran(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)

    monday, tuesday = digests(tmp_path, "mon", MONDAY), digests(tmp_path, "tue", TUESDAY)

    differ = {name for name in monday if monday[name] != tuesday.get(name)}
    assert {name.rsplit(".", 1)[-1] for name in differ} >= {"pptx", "odt", "odp"}


def test_a_bad_source_date_epoch_is_refused_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    with pytest.raises(ValidationError, match="SOURCE_DATE_EPOCH must be a whole number"):
        digests(tmp_path, "bad", MONDAY)
