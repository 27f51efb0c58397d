"""The exported pages pass the Nu HTML checker and axe-core (when the harness is installed)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from curator_export.store.importers import read_source
from curator_export.testing import NO_CORPUS_REASON, find_corpus

CORPUS = find_corpus(Path(__file__))
VALID_HOME = Path(os.environ.get("VALID_HOME", "/tmp/valid"))
THEMES = ("professional", "academic", "minimal", "presentation")


def harness() -> Path | None:
    """check_exports.sh of the shared validation tools, when they are installed."""
    if CORPUS is None:
        return None
    script = CORPUS.parent / "tools" / "validate" / "check_exports.sh"
    installed = (VALID_HOME / "venv" / "bin" / "python").is_file()
    vnu = VALID_HOME / "node" / "node_modules" / "vnu-jar"
    return script if script.is_file() and installed and vnu.is_dir() else None


@pytest.mark.skipif(CORPUS is None, reason=NO_CORPUS_REASON)
@pytest.mark.skipif(
    harness() is None,
    reason=f"the validation harness is not installed in {VALID_HOME}"
    " (run ../shared/tools/validate/install.sh --no-office)",
)
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
    result = subprocess.run(
        ["bash", str(script), "--no-office", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )
    failures = [line for line in result.stdout.splitlines() if line.startswith("FAIL")]
    assert result.returncode == 0, "\n".join(failures) or result.stdout[-2000:] + result.stderr
