"""The pptx plugin's registration: its format record, options, and a cheap entry module."""

from __future__ import annotations

from curator_export_pptx import PptxOptions, write_pptx


def test_pptx_format_is_registered_with_its_aliases_and_options(plugin_host) -> None:
    """`pptx` (also `powerpoint`, `ppt`) makes mergeable .pptx decks with PptxOptions."""
    record = plugin_host.resolve_format("PowerPoint")
    assert record.name == "pptx"
    assert plugin_host.resolve_format("ppt") is record
    assert record.extension == ".pptx"
    assert record.can_merge
    assert record.options is PptxOptions
    assert record.writer is write_pptx
    assert PptxOptions().template is None


def test_entry_module_imports_nothing_heavy(run_python) -> None:
    """Listing the plugins imports neither python-pptx, Pillow, CairoSVG nor the writer."""
    code = (
        "import sys\n"
        "from curator_export.plugins import PluginHost\n"
        "host = PluginHost()\n"
        "print(sorted(host.formats()))\n"
        "heavy = ['pptx', 'PIL', 'cairosvg', 'lxml', 'curator_export_pptx.writer']\n"
        "print([name for name in heavy if name in sys.modules])\n"
    )
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    formats, imported = result.stdout.splitlines()[:2]
    assert "'pptx'" in formats
    assert imported == "[]"
