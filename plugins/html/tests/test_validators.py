"""The exported pages pass the Nu HTML checker and axe-core (when the harness is installed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from curator_export.store.importers import read_source
from curator_export.testing import (
    NO_CORPUS_REASON,
    NO_HARNESS_REASON,
    VALID_HOME,
    find_corpus,
    run_validation_harness,
    validation_harness,
)

CORPUS = find_corpus(Path(__file__))
THEMES = ("professional", "academic", "minimal", "presentation")


def harness() -> Path | None:
    """The shared validators, once the Nu checker (a node package) is installed too."""
    vnu = VALID_HOME / "node" / "node_modules" / "vnu-jar"
    return validation_harness(CORPUS) if vnu.is_dir() else None


@pytest.mark.skipif(CORPUS is None, reason=NO_CORPUS_REASON)
@pytest.mark.skipif(harness() is None, reason=NO_HARNESS_REASON)
def test_corpus_pages_pass_nu_checker_and_axe(kit, tmp_path: Path) -> None:
    """Every episode, alone and merged, in every theme: no Nu error, no serious axe issue."""
    assert CORPUS is not None
    for lesson in ("shell-novice", "python-novice-inflammation"):
        sessions = read_source(CORPUS / "carpentries" / lesson).sessions
        for theme in THEMES:
            folder = tmp_path / lesson / theme
            folder.mkdir(parents=True)
            for session in sessions:
                page = kit.page(session, template_name=theme)
                (folder / f"{session.id}.html").write_text(page, encoding="utf-8")
            merged = kit.page(*sessions, title=lesson, template_name=theme)
            (folder / "merged.html").write_text(merged, encoding="utf-8")
    script = harness()
    assert script is not None
    run = run_validation_harness(script, [tmp_path], "--no-office", timeout=1200)
    run.assert_all_passed(len(list(tmp_path.rglob("*.html"))))
