"""Colours and fonts of a document: the brand's, else those of the chosen built-in theme.

The HTML themes set the same defaults in CSS; a theme of the user's own counts as the
built-in theme it is based on. A CSS font stack becomes one ODF font face: its first family
that is a real font name (``system-ui`` and friends are CSS keywords, not fonts) and the
generic family at its end (``serif`` is ODF's ``roman``, ``sans-serif`` its ``swiss``).
"""

from __future__ import annotations

import re

import attrs

from curator_export.model import Branding
from curator_export.render import RenderRequest
from curator_export.themes import ThemeError, theme_chain

__all__ = ["Font", "Palette", "font_from_stack", "hex6", "palette_for"]

_GENERICS = {
    "serif": ("roman", "variable"),
    "sans-serif": ("swiss", "variable"),
    "monospace": ("modern", "fixed"),
    "cursive": ("script", "variable"),
    "fantasy": ("decorative", "variable"),
    "system-ui": ("swiss", "variable"),
    "ui-sans-serif": ("swiss", "variable"),
    "ui-serif": ("roman", "variable"),
    "ui-monospace": ("modern", "fixed"),
    "ui-rounded": ("swiss", "variable"),
}
#: What a stack of generic names only stands for in an office suite.
_DEFAULT_FAMILY = {
    "roman": "Liberation Serif",
    "swiss": "Liberation Sans",
    "modern": "Liberation Mono",
    "script": "Liberation Serif",
    "decorative": "Liberation Sans",
}
#: CSS names that are not fonts an office suite can look up.
_NOT_FONTS = frozenset({"-apple-system", "blinkmacsystemfont", "emoji", "math", "fangsong"})


@attrs.frozen
class Font:
    """One font face: ``name`` is both its style:name and its family."""

    name: str
    generic: str = "swiss"
    pitch: str = "variable"

    @property
    def family(self) -> str:
        """The family as svg:font-family writes it: quoted when it holds a space."""
        if " " not in self.name:
            return self.name
        return f'"{self.name}"' if "'" in self.name else f"'{self.name}'"


@attrs.frozen
class Palette:
    primary: str
    secondary: str
    accent: str
    heading: Font
    body: Font
    mono: Font = Font("Liberation Mono", "modern", "fixed")
    #: Text, rules and panels, fixed for every theme.
    text: str = "#1a1a1a"
    rule: str = "#d1d5db"
    panel: str = "#f3f4f6"


_SANS = Font("Liberation Sans")
_SERIF = Font("Liberation Serif", "roman")
THEMES = {
    "professional": Palette("#1e3a8a", "#374151", "#b45309", _SANS, _SANS),
    "academic": Palette("#7f1d1d", "#44403c", "#1d4ed8", _SERIF, _SERIF, panel="#f5f5f4"),
    "minimal": Palette("#111827", "#4b5563", "#2563eb", _SANS, _SANS, panel="#ffffff"),
    "presentation": Palette("#0f172a", "#334155", "#c2410c", _SANS, _SANS),
}
DEFAULT_THEME = "professional"

_FAMILY = re.compile(r"""\s*(?:"([^"]*)"|'([^']*)'|([^,]+))\s*(?:,|$)""")


def hex6(color: str) -> str:
    """``#rrggbb`` (lower case) for a CSS hex colour of three or six digits; ODF wants six."""
    digits = color.strip().lstrip("#").lower()
    if len(digits) == 3:
        digits = "".join(char * 2 for char in digits)
    return f"#{digits}"


def font_from_stack(stack: str, fallback: Font) -> Font:
    """The font face a CSS font stack stands for (see the module docstring)."""
    names = [
        next(part for part in match.groups() if part is not None).strip()
        for match in _FAMILY.finditer(stack)
    ]
    names = [name for name in names if name]
    generic, pitch = fallback.generic, fallback.pitch
    for name in reversed(names):
        if name.lower() in _GENERICS:
            generic, pitch = _GENERICS[name.lower()]
            break
    for name in names:
        if name.lower() not in _GENERICS and name.lower() not in _NOT_FONTS:
            return Font(name, generic, pitch)
    return Font(_DEFAULT_FAMILY.get(generic, fallback.name), generic, pitch)


def base_theme(request: RenderRequest) -> str:
    """The built-in theme the request's template is, or is based on."""
    name = request.template_name or DEFAULT_THEME
    if name in THEMES:
        return name
    try:
        chain = theme_chain(name, request.template_dirs)
    except ThemeError:
        return DEFAULT_THEME
    return next((folder.name for folder in chain if folder.name in THEMES), DEFAULT_THEME)


def palette_for(request: RenderRequest) -> Palette:
    """The theme's palette with the brand's colours and fonts over it."""
    theme = THEMES[base_theme(request)]
    branding: Branding | None = request.branding
    if branding is None:
        return theme
    colors, fonts = branding.colors, branding.fonts
    return attrs.evolve(
        theme,
        primary=hex6(colors.primary or theme.primary),
        secondary=hex6(colors.secondary or theme.secondary),
        accent=hex6(colors.accent or theme.accent),
        heading=font_from_stack(fonts.heading, theme.heading) if fonts.heading else theme.heading,
        body=font_from_stack(fonts.body, theme.body) if fonts.body else theme.body,
    )
