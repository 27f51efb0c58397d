"""The corpus PDFs pass the shared export validators (when the harness is installed).

``check_exports.sh`` runs qpdf, pypdf in strict mode, poppler (pages, text, fonts, a blank
first page), pikepdf's look at the tag tree and the PyPI ``pdfua`` checker on every file.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from curator_export.testing import (
    NO_CORPUS_REASON,
    NO_HARNESS_REASON,
    find_corpus,
    run_validation_harness,
    validation_harness,
)

CORPUS = find_corpus(Path(__file__))
HARNESS = validation_harness(CORPUS)


def expectations(lesson) -> dict[str, dict[str, object]]:
    """expect.json for a lesson's PDFs: tagged, pages, and the titles each one must show."""
    expect: dict[str, dict[str, object]] = {}
    for parsed in lesson.sessions:
        expect[f"{parsed.session.id}.pdf"] = {
            "min_pages": 1,
            "tagged": True,
            "text": [parsed.session.title, *(item.item.title for item in parsed.items)],
        }
    expect[f"{lesson.name}.pdf"] = {
        "min_pages": len(lesson.sessions),  # every session starts a page
        "tagged": True,
        "text": [
            lesson.name,
            *(parsed.session.title for parsed in lesson.sessions),
            *(item.item.title for parsed in lesson.sessions for item in parsed.items),
        ],
    }
    return expect


@pytest.mark.corpus
@pytest.mark.skipif(HARNESS is None, reason=NO_HARNESS_REASON)
@pytest.mark.skipif(CORPUS is None, reason=NO_CORPUS_REASON)
def test_corpus_pdfs_pass_the_export_validators(corpus_pdfs, tmp_path: Path) -> None:
    """Every episode PDF and each merged lesson: qpdf, strict pypdf, poppler, tag tree, pdfua.

    The harness checks one file after another (about 6 s a file), so the two lessons' folders
    are checked by two harness processes side by side.
    """
    assert HARNESS is not None
    folders = []
    for lesson in corpus_pdfs.values():
        folder = tmp_path / lesson.name
        folder.mkdir()
        for file_name, pdf in lesson.all():
            (folder / file_name).write_bytes(pdf.data)
        (folder / "expect.json").write_text(json.dumps(expectations(lesson), indent=1))
        folders.append(folder)
    run = run_validation_harness(
        HARNESS, folders, "--no-office", "--no-browser", "--require-tagged-pdf", timeout=1200
    )
    run.assert_all_passed(sum(len(lesson.all()) for lesson in corpus_pdfs.values()))
    print(f"check_exports.sh: {len(run.passed)} PDFs passed in {run.seconds:.0f} s")
