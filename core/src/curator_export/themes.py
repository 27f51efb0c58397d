"""Themes: folders of templates that name a base theme, searched in a fixed order.

A theme is a folder holding ``theme.json`` (``{"base": "professional", "description": ...}``)
and its templates. Folders are searched in order: ``--template-dir`` (the batch option
``template_dirs``) first, then those of third-party plugins, then the built-in ones, so an
institution overrides one template of a theme (or adds a theme on top of a built-in one)
without forking it. Core only finds and checks themes; the writers render them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import attrs

from curator_export.errors import CuratorExportError

THEME_FILE = "theme.json"


class ThemeError(CuratorExportError):
    """An unknown theme, a broken ``theme.json``, or a cycle of base themes."""


@attrs.frozen
class Theme:
    name: str
    folder: Path
    base: str | None = None
    description: str = ""


def find_themes(search_path: Iterable[Path]) -> Mapping[str, Theme]:
    """Every theme in the search path; the first folder that has a name wins."""
    themes: dict[str, Theme] = {}
    for root in search_path:
        if not root.is_dir():
            continue
        for folder in sorted(root.iterdir()):
            config = folder / THEME_FILE
            if folder.name in themes or not config.is_file():
                continue
            themes[folder.name] = _read_theme(folder, config)
    return themes


def _read_theme(folder: Path, config: Path) -> Theme:
    try:
        data = json.loads(config.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ThemeError(f"theme {folder.name!r}: cannot read {config}: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("base"), str | None):
        raise ThemeError(f"theme {folder.name!r}: {config} must be an object with a 'base' name")
    return Theme(
        name=folder.name,
        folder=folder,
        base=data.get("base"),
        description=str(data.get("description", "")),
    )


def theme_chain(name: str, search_path: Sequence[Path]) -> list[Path]:
    """The template folders of theme ``name``, most specific first, then its bases.

    Every folder of the search path that has the theme counts, so a user folder holding
    ``professional/page.html`` alone overrides just that template of the built-in theme.
    """
    themes = find_themes(search_path)
    folders: list[Path] = []
    seen: list[str] = []
    current: str | None = name
    while current is not None:
        if current in seen:
            raise ThemeError(f"theme {name!r}: base themes form a cycle: {' -> '.join(seen)}")
        if current not in themes:
            raise ThemeError(unknown_theme_message(current, themes))
        seen.append(current)
        folders += [root / current for root in search_path if (root / current).is_dir()]
        current = themes[current].base
    return folders


def unknown_theme_message(name: str, themes: Mapping[str, Theme]) -> str:
    known = ", ".join(sorted(themes)) or "none installed"
    return f"unknown template {name!r}; known: {known}"
