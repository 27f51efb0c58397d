"""Institutional branding: validated values, CSS custom properties, contrast, brand files.

Writers put branding into places where a stray character changes meaning (a ``<style>``
element, an attribute, a data URI), so every value is checked here once, with the same
rules for every format: colours are hex, font stacks hold only characters that cannot end
a CSS declaration, and the logo is a PNG, JPEG or SVG file recognised by its first bytes.

A brand comes from the job, from a ``--brand`` file (TOML or JSON with the job's branding
fields, or a Quarto ``_brand.yml``) read by ``load_brand_file``, or from a plugin's
branding hook.
"""

from __future__ import annotations

import base64
import json
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs
import yaml

from curator_export.errors import BrandingError
from curator_export.model import BrandColors, BrandFonts, Branding

__all__ = [
    "AA_NORMAL_TEXT",
    "LOGO_MAX_BYTES",
    "BrandingError",
    "check_color",
    "check_font_stack",
    "contrast_ratio",
    "contrast_warnings",
    "css_variables",
    "load_brand_file",
    "logo_data_uri",
    "logo_media_type",
]

#: WCAG 2.x AA minimum contrast for normal-size text.
AA_NORMAL_TEXT = 4.5
#: Logos are embedded in every page; a larger file is almost always a mistake (a photo).
LOGO_MAX_BYTES = 2 * 1024 * 1024

_HEX_COLOR = re.compile(r"#(?:[0-9A-Fa-f]{3}|[0-9A-Fa-f]{6})")
# Words that make CSS fetch or run something, whatever the characters around them.
_CSS_KEYWORDS = re.compile(r"url|expression|import|javascript", re.IGNORECASE)
_FONT_PUNCTUATION = frozenset(" ,'\"-")


def check_color(value: str, field: str = "colour") -> str:
    """``value`` if it is a hex colour (``#abc`` or ``#aabbcc``), else BrandingError."""
    if not _HEX_COLOR.fullmatch(value):
        raise BrandingError(f"{field} must be a hex colour like #1E3A8A, not {value!r}")
    return value


def check_font_stack(value: str, field: str = "font stack") -> str:
    """``value`` if it is a harmless font stack, else BrandingError.

    Only letters, digits, spaces, commas, quotes and hyphens: nothing that can close a
    declaration or a rule (``; { } < > ( ) \\``), and no ``url``/``expression`` words.
    Quotes must pair up, or the rest of the stylesheet would become a string.
    """
    bad = sorted({char for char in value if not (char.isalnum() or char in _FONT_PUNCTUATION)})
    if bad:
        shown = " ".join(repr(char) for char in bad)
        raise BrandingError(f"{field} {value!r} holds characters not allowed in a font: {shown}")
    if _CSS_KEYWORDS.search(value):
        raise BrandingError(f"{field} {value!r} holds a CSS keyword that is not a font name")
    if value.count('"') % 2 or value.count("'") % 2:
        raise BrandingError(f"{field} {value!r} has an unpaired quote")
    if not value.strip(" ,"):
        raise BrandingError(f"{field} must name at least one font")
    return value


def logo_media_type(data: bytes) -> str | None:
    """The media type of a PNG, JPEG or SVG file by its first bytes, else None."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<svg", b"<?xml", b"<!--", b"<!doctype svg")) and b"<svg" in head:
        return "image/svg+xml"
    return None


def logo_data_uri(path: str | Path, *, max_bytes: int = LOGO_MAX_BYTES) -> str:
    """The logo file as a ``data:`` URI, checked to be a PNG, JPEG or SVG under the cap.

    An SVG is embedded as an image source too, never as markup: scripts in an SVG do not
    run when it is loaded through ``<img>``.
    """
    file = Path(path)
    try:
        size = file.stat().st_size
        if size > max_bytes:
            raise BrandingError(
                f"logo {str(file)!r} is {size} bytes; the limit is {max_bytes} bytes"
            )
        data = file.read_bytes()
    except OSError as exc:
        raise BrandingError(f"logo {str(file)!r} cannot be read: {exc.strerror or exc}") from exc
    media_type = logo_media_type(data)
    if media_type is None:
        raise BrandingError(f"logo {str(file)!r} is not a PNG, JPEG or SVG file")
    return f"data:{media_type};base64,{base64.b64encode(data).decode('ascii')}"


def _channel(value: int) -> float:
    scaled = value / 255
    return scaled / 12.92 if scaled <= 0.04045 else ((scaled + 0.055) / 1.055) ** 2.4


def _luminance(color: str) -> float:
    digits = check_color(color).lstrip("#")
    if len(digits) == 3:
        digits = "".join(char * 2 for char in digits)
    red, green, blue = (int(digits[index : index + 2], 16) for index in (0, 2, 4))
    return 0.2126 * _channel(red) + 0.7152 * _channel(green) + 0.0722 * _channel(blue)


def contrast_ratio(first: str, second: str) -> float:
    """The WCAG 2.x contrast ratio of two hex colours, from 1.0 to 21.0."""
    lighter, darker = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def contrast_warnings(
    branding: Branding | None, *, background: str = "#ffffff", on_primary: str = "#ffffff"
) -> list[str]:
    """Warnings for brand colours that fail WCAG AA as text on the page's background.

    Themes use the primary and secondary colours for headings, links and labels on the
    page background, and the primary colour behind the header's ``on_primary`` text.
    """
    if branding is None:
        return []
    warnings = []
    colors = branding.colors
    pairs = [
        ("primary", colors.primary, background, "text on the page background"),
        ("primary", colors.primary, on_primary, "background of the header text"),
        ("secondary", colors.secondary, background, "text on the page background"),
    ]
    checked: set[tuple[str, str]] = set()
    for name, color, other, role in pairs:
        if color is None or (color, other) in checked:
            continue  # one warning per pair of colours, whatever roles they share
        checked.add((color, other))
        ratio = contrast_ratio(color, other)
        if ratio < AA_NORMAL_TEXT:
            warnings.append(
                f"brand {name} colour {color} as {role} ({other}) has contrast {ratio:.2f}:1,"
                f" below WCAG AA {AA_NORMAL_TEXT}:1"
            )
    return warnings


def css_variables(branding: Branding | None) -> str:
    """A ``:root`` rule setting ``--brand-*`` custom properties for the values the brand has.

    Values are validated again here, since this text goes into a ``<style>`` element
    unescaped (entities mean nothing there). An empty string when there is nothing to set.
    """
    if branding is None:
        return ""
    values = {
        "--brand-primary": branding.colors.primary,
        "--brand-secondary": branding.colors.secondary,
        "--brand-accent": branding.colors.accent,
    }
    declarations = [f"{name}: {check_color(v, name)};" for name, v in values.items() if v]
    fonts = {
        "--brand-font-heading": branding.fonts.heading,
        "--brand-font-body": branding.fonts.body,
    }
    declarations += [f"{name}: {check_font_stack(v, name)};" for name, v in fonts.items() if v]
    return ":root { " + " ".join(declarations) + " }" if declarations else ""


def validate_branding(branding: Branding) -> None:
    """Raise BrandingError for the first value that writers could not use safely."""
    css_variables(branding)
    if branding.logo is not None:
        logo_data_uri(branding.logo)


# Brand files.


def load_brand_file(path: str | Path) -> Branding:
    """Read branding from TOML, JSON or a Quarto ``_brand.yml``; relative logos are resolved
    against the file's folder. Raises BrandingError naming the file and the problem.
    """
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BrandingError(f"{file}: cannot read the brand file: {exc}") from exc
    suffix = file.suffix.lower()
    try:
        if suffix in (".yml", ".yaml"):
            data = yaml.safe_load(text)
        elif suffix == ".toml":
            data = tomllib.loads(text)
        elif suffix == ".json":
            data = json.loads(text)
        else:
            raise BrandingError(f"{file}: a brand file is .toml, .json or _brand.yml")
    except (yaml.YAMLError, tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        raise BrandingError(f"{file}: not valid {suffix.lstrip('.').upper()}: {exc}") from exc
    if not isinstance(data, dict):
        raise BrandingError(f"{file}: the brand file must hold a mapping of keys to values")
    try:
        if suffix in (".yml", ".yaml"):
            branding = _from_brand_yml(data)
        else:
            branding = _from_job_fields(data.get("branding_options", data.get("branding", data)))
    except (ValueError, TypeError) as exc:
        raise BrandingError(f"{file}: {exc}") from exc
    if branding.logo is not None and not Path(branding.logo).is_absolute():
        branding = attrs.evolve(branding, logo=str(file.parent / branding.logo))
    return branding


def _text(value: Any, field: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError(f"{field} must be a string, not {type(value).__name__}")
    return value


def _from_job_fields(data: Any) -> Branding:
    if not isinstance(data, Mapping):
        raise TypeError("branding must be a mapping")
    known = {"institution_name", "logo", "colors", "fonts"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ValueError(f"unknown branding field(s) {', '.join(unknown)}; known: {sorted(known)}")
    colors = data.get("colors") or {}
    fonts = data.get("fonts") or {}
    if not isinstance(colors, Mapping) or not isinstance(fonts, Mapping):
        raise TypeError("colors and fonts must be mappings")
    return Branding(
        institution_name=_text(data.get("institution_name"), "institution_name"),
        logo=_text(data.get("logo"), "logo"),
        colors=BrandColors(**{key: _text(value, f"colors.{key}") for key, value in colors.items()}),
        fonts=BrandFonts(**{key: _text(value, f"fonts.{key}") for key, value in fonts.items()}),
    )


def _from_brand_yml(data: Mapping[str, Any]) -> Branding:
    meta = data.get("meta") or {}
    name = meta.get("name") if isinstance(meta, Mapping) else None
    if isinstance(name, Mapping):  # {full: ..., short: ...}
        name = name.get("full") or name.get("short")
    color = data.get("color") or {}
    palette = color.get("palette") or {} if isinstance(color, Mapping) else {}

    def resolve(key: str) -> str | None:
        value = color.get(key) if isinstance(color, Mapping) else None
        # brand.yml lets a colour name a palette entry; only hex colours map to ours.
        if isinstance(value, str) and isinstance(palette, Mapping) and value in palette:
            value = palette[value]
        return value if isinstance(value, str) and _HEX_COLOR.fullmatch(value) else None

    typography = data.get("typography") or {}
    if not isinstance(typography, Mapping):
        typography = {}
    return Branding(
        institution_name=name if isinstance(name, str) else None,
        logo=_brand_yml_logo(data.get("logo")),
        colors=BrandColors(
            primary=resolve("primary"), secondary=resolve("secondary"), accent=resolve("tertiary")
        ),
        fonts=BrandFonts(
            heading=_family(typography.get("headings")),
            body=_family(typography.get("base")),
        ),
    )


def _family(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping) and isinstance(value.get("family"), str):
        return str(value["family"])
    return None


def _brand_yml_logo(value: Any) -> str | None:
    if isinstance(value, Mapping):
        # Headers are small: prefer medium, then small, then large; images may name a path.
        images = value.get("images") or {}
        for size in ("medium", "small", "large"):
            choice = value.get(size)
            if isinstance(choice, Mapping):
                choice = choice.get("path")
            if isinstance(choice, str) and isinstance(images, Mapping) and choice in images:
                image = images[choice]
                choice = image.get("path") if isinstance(image, Mapping) else image
            if isinstance(choice, str):
                return choice
        return None
    return value if isinstance(value, str) else None
