"""Theme folders: discovery in search-path order, inheritance chains, clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from curator_export.themes import ThemeError, find_themes, theme_chain


def theme(root: Path, name: str, base: str | None = None, **files: str) -> Path:
    folder = root / name
    folder.mkdir(parents=True)
    (folder / "theme.json").write_text(json.dumps({"base": base, "description": name.title()}))
    for file_name, text in files.items():
        (folder / file_name.replace("_", ".")).write_text(text)
    return folder


def test_first_folder_in_the_search_path_wins(tmp_path):
    """A theme name found in the user's folder shadows the built-in one of the same name."""
    user, builtin = tmp_path / "user", tmp_path / "builtin"
    theme(user, "professional", base="minimal")
    theme(builtin, "professional")
    theme(builtin, "minimal")
    themes = find_themes([user, builtin])
    assert sorted(themes) == ["minimal", "professional"]
    assert themes["professional"].folder == user / "professional"
    assert themes["professional"].base == "minimal"


def test_chain_lists_every_folder_of_the_theme_then_its_bases(tmp_path):
    """An override folder comes first, then the built-in theme, then its base."""
    user, builtin = tmp_path / "user", tmp_path / "builtin"
    (user / "academic").mkdir(parents=True)  # only overrides a template: no theme.json
    theme(builtin, "academic", base="professional")
    theme(builtin, "professional")
    assert theme_chain("academic", [user, builtin]) == [
        user / "academic",
        builtin / "academic",
        builtin / "professional",
    ]


def test_unknown_theme_lists_the_known_ones(tmp_path):
    """An unknown theme is an error naming the themes there are, not a silent fallback."""
    theme(tmp_path, "professional")
    theme(tmp_path, "minimal")
    with pytest.raises(
        ThemeError, match=r"unknown template 'profesional'; known: minimal, professional"
    ):
        theme_chain("profesional", [tmp_path])


def test_missing_base_and_cycles_are_errors(tmp_path):
    """A base that does not exist, or bases that loop, are refused with the chain."""
    theme(tmp_path, "orphan", base="ghost")
    theme(tmp_path, "a", base="b")
    theme(tmp_path, "b", base="a")
    with pytest.raises(ThemeError, match="unknown template 'ghost'"):
        theme_chain("orphan", [tmp_path])
    with pytest.raises(ThemeError, match="cycle: a -> b"):
        theme_chain("a", [tmp_path])


def test_broken_theme_file_names_the_theme(tmp_path):
    """A theme.json that is not JSON is reported with the theme and the file."""
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "theme.json").write_text("{not json")
    with pytest.raises(ThemeError, match="theme 'broken': cannot read"):
        find_themes([tmp_path])
