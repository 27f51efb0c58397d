"""Fixtures of the quiz-csv tests: the demo course in a real SQLite store, a CSV reader, and
the plugin's environment variables cleared so that a developer's shell cannot leak in."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from curator_export.demo import DemoCourse, create_demo
from curator_export.store import SQLiteStore

PLUGIN_ENV = (
    "CURATOR_QUIZCSV_PROGRESS_LOG",
    "CURATOR_QUIZCSV_BRAND_FILE",
)


@pytest.fixture(autouse=True)
def _no_plugin_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PLUGIN_ENV:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def demo(tmp_path: Path) -> DemoCourse:
    """The sample course of `curator-export demo`: six sessions, four of them with a quiz."""
    return create_demo(tmp_path / "demo")


@pytest.fixture
def demo_store(demo: DemoCourse) -> Iterator[SQLiteStore]:
    with SQLiteStore(demo.store_path) as store:
        yield store


def parse_csv(data: bytes, delimiter: str = ",") -> list[dict[str, str]]:
    """Rows of a quiz CSV as a spreadsheet or an importer reads them: UTF-8 with or without
    a byte-order mark, the header naming the columns."""
    text = data.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter))


@pytest.fixture
def read_csv() -> Callable[..., list[dict[str, str]]]:
    """``read_csv(path_or_bytes, delimiter=",")``: the rows, as dicts by column name."""

    def read(source: Path | bytes, delimiter: str = ",") -> list[dict[str, str]]:
        data = source.read_bytes() if isinstance(source, Path) else source
        return parse_csv(data, delimiter)

    return read
