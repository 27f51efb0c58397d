"""The built-in themes' own colours meet WCAG AA wherever they are used for text."""

from __future__ import annotations

import re

import pytest

import curator_export_html
from curator_export.branding import contrast_ratio

THEMES = ("professional", "academic", "minimal", "presentation")
WHITE = "#ffffff"
#: Backgrounds that base.css puts behind text: the page, panels, code, instructor notes.
BACKGROUNDS = (WHITE, "#f3f4f6", "#f5f5f4", "#fffbeb")


def defaults(theme: str) -> dict[str, str]:
    css = (curator_export_html.THEMES_DIR / theme / "theme.css").read_text()
    return dict(re.findall(r"--brand-(primary|secondary|accent):\s*(#[0-9a-fA-F]{6})", css))


@pytest.mark.parametrize("theme", THEMES)
def test_theme_colours_pass_aa_as_text(theme: str) -> None:
    """Primary (headings, links, header bar) and secondary (labels) pass 4.5:1 everywhere."""
    colours = defaults(theme)
    assert set(colours) == {"primary", "secondary", "accent"}
    for background in BACKGROUNDS:
        assert contrast_ratio(colours["primary"], background) >= 4.5
    # Labels are white on the secondary colour.
    assert contrast_ratio(colours["secondary"], WHITE) >= 4.5
    # The focus outline is not text: WCAG asks 3:1 for user-interface components.
    assert contrast_ratio(colours["accent"], WHITE) >= 3


def test_fixed_text_colours_of_the_base_stylesheet_pass_aa() -> None:
    """Every literal text colour in base.css passes 4.5:1 on every background it can meet."""
    css = (curator_export_html.THEMES_DIR / "professional" / "base.css").read_text()
    colours = set(re.findall(r"(?<![-\w])color:\s*(#[0-9a-fA-F]{6})", css)) - {WHITE}
    assert colours
    for colour in colours:
        for background in BACKGROUNDS:
            assert contrast_ratio(colour, background) >= 4.5, (colour, background)
