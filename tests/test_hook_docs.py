"""Meta-tests that keep the hooks honest: each is documented and exercised by a test."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest

from curator_export import hookspecs

REPO = Path(__file__).resolve().parents[1]
HOOKS = sorted(name for name in vars(hookspecs) if name.startswith("curator_export_"))


def test_hook_reference_is_up_to_date():
    """docs/hooks.md is exactly what docs/make_hook_reference.py prints from hookspecs.py."""
    generator = runpy.run_path(str(REPO / "docs" / "make_hook_reference.py"))
    expected = generator["hook_reference"]()
    actual = (REPO / "docs" / "hooks.md").read_text(encoding="utf-8")
    assert actual == expected, "run: python docs/make_hook_reference.py > docs/hooks.md"


@pytest.mark.parametrize("hook", HOOKS)
def test_hook_has_a_docstring_with_an_example(hook):
    """Every hook's docstring says what kind of hook it is and shows an example."""
    doc = getattr(hookspecs, hook).__doc__ or ""
    assert "hook.*" in doc, (
        f"{hook}: say whether it is a registration, broadcast or first-result hook"
    )
    assert "Example::" in doc


@pytest.mark.parametrize("hook", HOOKS)
def test_hook_is_exercised_by_a_test(hook):
    """Every hook is implemented in at least one test outside this file."""
    test_files = [
        path
        for folder in (REPO / "tests", REPO / "core" / "tests", *REPO.glob("plugins/*/tests"))
        for path in folder.rglob("test_*.py")
        if path.name != Path(__file__).name
    ]
    assert any(f"def {hook}(" in path.read_text(encoding="utf-8") for path in test_files), (
        f"no test implements {hook}"
    )
