"""The plugin as the host sees it: a registered format whose entry module stays cheap."""

from __future__ import annotations

from curator_export.plugins import PluginHost
from curator_export.render import Rendered


def test_markdown_format_is_registered(plugin_host: PluginHost) -> None:
    """`markdown` (also `md`) is a mergeable .md format from the installed plugin."""
    record = plugin_host.resolve_format("md")
    assert record.name == "markdown"
    assert record.extension == ".md"
    assert record.media_type == "text/markdown"
    assert record.can_merge


def test_registered_writer_writes_markdown(plugin_host: PluginHost, md) -> None:
    """The registered writer returns the file and its companions."""
    session = md.session(("Session", "Some *text*."))
    rendered = plugin_host.resolve_format("markdown").writer(md.request(session))
    assert isinstance(rendered, Rendered)
    assert rendered.data == b"# Session\n\nSome *text*.\n"


def test_entry_module_does_not_load_the_writer(run_python) -> None:
    """Importing the plugin (as `curator-export plugins` does) leaves the writer unloaded."""
    result = run_python(
        "import sys, curator_export_markdown\n"
        "print('curator_export_markdown.writer' in sys.modules)"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_single_file_template_is_known_to_planning(plugin_host) -> None:
    """`--template single-file` is a registered theme, so planning accepts it for any format."""
    from curator_export.themes import find_themes

    themes = find_themes(plugin_host.template_dirs())
    assert themes["single-file"].base == "professional"
    assert "professional" in themes
