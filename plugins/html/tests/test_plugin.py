"""The plugin as the host sees it: the html format, its themes folder, a cheap entry module."""

from __future__ import annotations

import json
from pathlib import Path

import curator_export_html
from curator_export import hookimpl
from curator_export.plugins import PluginHost
from curator_export.render import Rendered
from curator_export.themes import find_themes


def test_html_format_is_registered(plugin_host: PluginHost) -> None:
    """`html` (also `htm`) is a mergeable .html format from the installed plugin."""
    record = plugin_host.resolve_format("htm")
    assert (record.name, record.extension, record.media_type) == ("html", ".html", "text/html")
    assert record.can_merge


def test_registered_writer_returns_a_page(plugin_host: PluginHost, kit) -> None:
    """The registered writer returns a Rendered HTML page."""
    request = kit.request(kit.session(("Item", "Hello *world*.")))
    rendered = plugin_host.resolve_format("html").writer(request)
    assert isinstance(rendered, Rendered)
    assert b"Hello <em>world</em>." in rendered.data


def test_themes_folder_comes_after_third_party_folders(
    plugin_host: PluginHost, tmp_path: Path
) -> None:
    """The template-dir hook gives the built-in themes, after any third party's folders."""

    class Campus:
        @hookimpl
        def curator_export_template_dirs(self) -> list[Path]:
            return [tmp_path]

    plugin_host.register(Campus(), "campus")
    folders = plugin_host.template_dirs()
    assert folders.index(tmp_path) < folders.index(curator_export_html.THEMES_DIR)
    themes = find_themes(folders)
    assert {"professional", "academic", "minimal", "presentation"} <= set(themes)
    assert themes["presentation"].base == "professional"


def test_plugins_json_shows_the_template_dirs_hook(run_cli) -> None:
    """`curator-export plugins --json` lists the html plugin with both of its hooks."""
    result = run_cli("plugins", "--json")
    assert result.returncode == 0, result.stderr
    html = next(p for p in json.loads(result.stdout)["plugins"] if p["name"] == "html")
    assert {"curator_export_formats", "curator_export_template_dirs"} <= set(html["hooks"])
    assert html["formats"] == ["html"]


def test_entry_module_stays_cheap(run_python) -> None:
    """Importing the plugin loads neither the writer, nor jinja2, nor heavy libraries."""
    result = run_python(
        "import sys, curator_export_html\n"
        "heavy = ['curator_export_html.page', 'curator_export_html.nodes', 'jinja2',"
        " 'weasyprint', 'pptx', 'odf']\n"
        "print([name for name in heavy if name in sys.modules])"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_every_built_in_theme_has_a_description() -> None:
    """Each built-in theme names its base and says what it looks like."""
    themes = find_themes([Path(curator_export_html.THEMES_DIR)])
    assert set(themes) == {"professional", "academic", "minimal", "presentation"}
    assert all(theme.description for theme in themes.values())
