"""Branding: safe CSS values, logos by magic bytes, WCAG contrast, and brand files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from curator_export.branding import (
    LOGO_MAX_BYTES,
    BrandingError,
    check_color,
    check_font_stack,
    contrast_ratio,
    contrast_warnings,
    css_variables,
    load_brand_file,
    logo_data_uri,
    logo_media_type,
    validate_branding,
)
from curator_export.model import BrandColors, BrandFonts, Branding

PNG = b"\x89PNG\r\n\x1a\n" + bytes(32)
JPEG = b"\xff\xd8\xff\xe0" + bytes(32)
SVG = b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>'


def test_contrast_ratio_matches_wcag_reference_values() -> None:
    """Black on white is 21:1, equal colours 1:1, and #767676 on white just passes AA."""
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21)
    assert contrast_ratio("#abc", "#aabbcc") == pytest.approx(1)
    assert contrast_ratio("#767676", "#fff") == pytest.approx(4.54, abs=0.01)
    assert contrast_ratio("#777777", "#ffffff") < 4.5


def test_low_contrast_brand_colours_are_warned_about() -> None:
    """A pale primary fails AA on white and as the header background; dark ones pass."""
    pale = Branding(colors=BrandColors(primary="#ffee88", secondary="#1e3a8a"))
    warnings = contrast_warnings(pale)
    assert len(warnings) == 1
    assert "primary" in warnings[0]
    assert "4.5" in warnings[0]
    assert contrast_warnings(Branding(colors=BrandColors(primary="#1e3a8a"))) == []
    assert contrast_warnings(None) == []


@pytest.mark.parametrize(
    "stack", ["Inter, sans-serif", '"Open Sans", Arial, sans-serif', "'Noto Serif JP', serif"]
)
def test_ordinary_font_stacks_are_accepted(stack: str) -> None:
    """Font names with spaces, quotes, hyphens and digits pass unchanged."""
    assert check_font_stack(stack) == stack


@pytest.mark.parametrize(
    "stack",
    [
        "Arial; } body { display: none",
        "x</style><script>alert(1)</script>",
        "url(http://evil.example/font.woff)",
        "expression(alert(1))",
        "Arial\\3b",
        '"Unclosed, serif',
        " , ",
        "Url Sans",
    ],
)
def test_font_stacks_that_could_break_out_of_css_are_refused(stack: str) -> None:
    """Anything that could end a declaration, fetch, or run is refused with the value named."""
    with pytest.raises(BrandingError):
        check_font_stack(stack)


def test_colours_must_be_hex() -> None:
    """Hex colours pass; names, rgb() and injections are refused."""
    assert check_color("#1E3A8A") == "#1E3A8A"
    for bad in ("red", "rgb(0,0,0)", "#12345", "#000; }"):
        with pytest.raises(BrandingError, match="hex colour"):
            check_color(bad)


def test_css_variables_declare_every_brand_value() -> None:
    """The brand becomes --brand-* custom properties on :root, only for values it has."""
    brand = Branding(
        colors=BrandColors(primary="#111111", accent="#222222"),
        fonts=BrandFonts(heading='"Fira Sans", sans-serif'),
    )
    css = css_variables(brand)
    assert css.startswith(":root {")
    assert "--brand-primary: #111111;" in css
    assert "--brand-accent: #222222;" in css
    assert '--brand-font-heading: "Fira Sans", sans-serif;' in css
    assert "secondary" not in css
    assert "font-body" not in css
    assert css_variables(Branding()) == ""
    assert css_variables(None) == ""


def test_css_variables_refuse_a_hostile_font() -> None:
    """A font stack that could close the style element never reaches the CSS."""
    with pytest.raises(BrandingError):
        css_variables(Branding(fonts=BrandFonts(body="a</style><script>")))


@pytest.mark.parametrize(
    ("data", "media_type"),
    [
        (PNG, "image/png"),
        (JPEG, "image/jpeg"),
        (SVG, "image/svg+xml"),
        (b"<svg/>", "image/svg+xml"),
    ],
)
def test_logo_types_are_recognised_by_their_bytes(data: bytes, media_type: str) -> None:
    """PNG, JPEG and SVG are recognised from their first bytes, whatever the file name."""
    assert logo_media_type(data) == media_type


def test_logo_becomes_a_data_uri(tmp_path: Path) -> None:
    """A readable logo becomes a base64 data URI of its own type."""
    logo = tmp_path / "logo.bin"
    logo.write_bytes(PNG)
    assert logo_data_uri(logo).startswith("data:image/png;base64,iVBORw0KGgo")


def test_bad_logos_are_refused_with_the_reason(tmp_path: Path) -> None:
    """A missing, non-image or oversized logo is a BrandingError naming the file."""
    with pytest.raises(BrandingError, match="cannot be read"):
        logo_data_uri(tmp_path / "missing.png")
    text = tmp_path / "logo.png"
    text.write_bytes(b"GIF89a not allowed")
    with pytest.raises(BrandingError, match="not a PNG, JPEG or SVG"):
        logo_data_uri(text)
    big = tmp_path / "big.png"
    big.write_bytes(PNG + bytes(LOGO_MAX_BYTES))
    with pytest.raises(BrandingError, match="limit"):
        logo_data_uri(big)
    with pytest.raises(BrandingError):
        validate_branding(Branding(logo=str(text)))


def test_brand_file_in_toml_with_the_job_fields(tmp_path: Path) -> None:
    """A TOML brand file gives name, colours, fonts, and a logo relative to the file."""
    (tmp_path / "logo.png").write_bytes(PNG)
    brand = tmp_path / "brand.toml"
    brand.write_text(
        'institution_name = "North University"\nlogo = "logo.png"\n'
        '[colors]\nprimary = "#123456"\n[fonts]\nbody = "Inter, sans-serif"\n'
    )
    branding = load_brand_file(brand)
    assert branding.institution_name == "North University"
    assert branding.logo == str(tmp_path / "logo.png")
    assert branding.colors.primary == "#123456"
    assert branding.fonts.body == "Inter, sans-serif"


def test_brand_file_in_json_may_nest_under_branding_options(tmp_path: Path) -> None:
    """A JSON brand file may hold the fields at the top or under `branding_options`."""
    brand = tmp_path / "brand.json"
    brand.write_text(json.dumps({"branding_options": {"colors": {"accent": "#abcdef"}}}))
    assert load_brand_file(brand).colors.accent == "#abcdef"


def test_brand_file_errors_name_the_file_and_the_field(tmp_path: Path) -> None:
    """Bad colours, unknown fields and broken syntax are BrandingErrors naming the file."""
    cases = {
        "bad.json": '{"colors": {"primary": "blue"}}',
        "unknown.json": '{"colour": {}}',
        "broken.toml": "institution_name = ",
        "brand.txt": "x",
    }
    for name, text in cases.items():
        path = tmp_path / name
        path.write_text(text)
        with pytest.raises(BrandingError, match=name):
            load_brand_file(path)


def test_quarto_brand_yml_maps_what_maps(tmp_path: Path) -> None:
    """`_brand.yml`: meta.name, a sized logo, palette colours and typography families map."""
    brand = tmp_path / "_brand.yml"
    brand.write_text(
        """\
meta:
  name:
    full: South College of Arts
    short: SCA
logo:
  images:
    mark: logos/mark.svg
  small: logos/small.png
  medium: mark
color:
  palette:
    navy: "#0a1f44"
    sun: "#ffcc00"
  primary: navy
  secondary: "#444444"
  tertiary: sun
  foreground: "#111111"
  background: white
typography:
  fonts:
    - family: Lato
      source: google
  base:
    family: Lato
    size: 16px
  headings: Merriweather
"""
    )
    branding = load_brand_file(brand)
    assert branding.institution_name == "South College of Arts"
    assert branding.logo == str(tmp_path / "logos/mark.svg")
    assert branding.colors == BrandColors(primary="#0a1f44", secondary="#444444", accent="#ffcc00")
    assert branding.fonts == BrandFonts(heading="Merriweather", body="Lato")


def test_quarto_brand_yml_with_a_plain_logo_and_name(tmp_path: Path) -> None:
    """A string logo and a string name are taken as they are; missing parts stay None."""
    brand = tmp_path / "_brand.yml"
    brand.write_text("meta:\n  name: Acme\nlogo: /srv/acme.png\n")
    branding = load_brand_file(brand)
    assert (branding.institution_name, branding.logo) == ("Acme", "/srv/acme.png")
    assert branding.colors == BrandColors()
