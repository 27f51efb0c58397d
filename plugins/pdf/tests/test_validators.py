"""The corpus PDFs pass the shared export validators (when the harness is installed).

``check_exports.sh`` runs qpdf, pypdf in strict mode, poppler (pages, text, fonts, a blank
first page), pikepdf's look at the tag tree and the PyPI ``pdfua`` checker on every file.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import pytest

from curator_export.testing import NO_CORPUS_REASON, find_corpus

CORPUS = find_corpus(Path(__file__))
VALID_HOME = Path(os.environ.get("VALID_HOME", "/tmp/valid"))


def harness() -> Path | None:
    """check_exports.sh of the shared validation tools, when they are installed."""
    if CORPUS is None:
        return None
    script = CORPUS.parent / "tools" / "validate" / "check_exports.sh"
    installed = (VALID_HOME / "venv" / "bin" / "python").is_file()
    return script if script.is_file() and installed else None


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
@pytest.mark.skipif(
    harness() is None,
    reason=f"the validation harness is not installed in {VALID_HOME}"
    " (run ../shared/tools/validate/install.sh --no-office)",
)
@pytest.mark.skipif(CORPUS is None, reason=NO_CORPUS_REASON)
def test_corpus_pdfs_pass_the_export_validators(corpus_pdfs, tmp_path: Path) -> None:
    """Every episode PDF and each merged lesson: qpdf, strict pypdf, poppler, tag tree, pdfua.

    The harness checks one file after another (about 6 s a file), so the two lessons' folders
    are checked by two harness processes side by side.
    """
    script = harness()
    assert script is not None
    folders = []
    for lesson in corpus_pdfs.values():
        folder = tmp_path / lesson.name
        folder.mkdir()
        for file_name, pdf in lesson.all():
            (folder / file_name).write_bytes(pdf.data)
        (folder / "expect.json").write_text(json.dumps(expectations(lesson), indent=1))
        folders.append(folder)
    started = time.monotonic()
    runs = [
        subprocess.Popen(
            ["bash", str(script), "--no-office", "--no-browser", "--require-tagged-pdf", str(f)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for f in folders
    ]
    outputs = [run.communicate(timeout=1200) for run in runs]
    elapsed = time.monotonic() - started
    report = "\n".join(out + err for out, err in outputs)
    failures = [line for line in report.splitlines() if line.startswith("FAIL")]
    assert [run.returncode for run in runs] == [0] * len(runs), "\n".join(failures) or report
    passed = [line for line in report.splitlines() if line.startswith("PASS")]
    assert len(passed) == sum(len(lesson.all()) for lesson in corpus_pdfs.values()), report
    print(f"check_exports.sh: {len(passed)} PDFs passed in {elapsed:.0f} s")
