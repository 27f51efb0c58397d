"""The plugin guide (docs/plugins.md) shows this distribution's files: every snippet it
includes exists, and every hook the plugin implements is on the page."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import curator_export_quizcsv

REPO = Path(__file__).resolve().parents[3]
GUIDE = REPO / "docs" / "plugins.md"
SNIPPET = re.compile(r'^--8<-- "(?P<path>[^":]+)(?::(?P<section>[\w-]+))?"$', re.MULTILINE)

pytestmark = pytest.mark.skipif(
    not GUIDE.is_file(), reason="docs/plugins.md is not here (the example was copied out)"
)


def snippets() -> list[tuple[str, str | None]]:
    return [(m["path"], m["section"]) for m in SNIPPET.finditer(GUIDE.read_text("utf-8"))]


def test_every_snippet_names_a_file_and_section_that_exist() -> None:
    """Each `--8<-- "path[:section]"` line names a file of the repository, and a section
    opened and closed exactly once in it (what `check_paths` would catch only at build)."""
    found = snippets()
    assert len(found) >= 10
    for path, section in found:
        source = REPO / path
        assert source.is_file(), path
        if section is not None:
            text = source.read_text("utf-8")
            assert text.count(f"# --8<-- [start:{section}]") == 1, (path, section)
            assert text.count(f"# --8<-- [end:{section}]") == 1, (path, section)
            assert text.index(f"[start:{section}]") < text.index(f"[end:{section}]")


def test_every_hook_of_the_plugin_is_shown_from_its_module() -> None:
    """The guide includes, for each hook the entry module provides, the part of the module
    that defines it."""
    shown = ""
    for path, section in snippets():
        text = (REPO / path).read_text("utf-8")
        if section is not None:
            text = text.split(f"[start:{section}]", 1)[1].split(f"[end:{section}]", 1)[0]
        shown += text
    hooks = sorted(
        name for name in dir(curator_export_quizcsv) if name.startswith("curator_export_")
    )
    assert len(hooks) == 7
    for hook in hooks:
        assert f"def {hook}(" in shown, hook
    assert all(path.startswith("examples/quiz-csv/") for path, _ in snippets())
