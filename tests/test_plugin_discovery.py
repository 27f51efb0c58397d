"""Plugin discovery through real entry points, in fresh interpreters."""

from __future__ import annotations

import ast
import json
import textwrap
from pathlib import Path

import pytest

BUILTINS = {
    "dask": "curator-export-dask",
    "html": "curator-export-html",
    "markdown": "curator-export-markdown",
    "naming": "curator-export-naming",
    "odf": "curator-export-odf",
    "pdf": "curator-export-pdf",
    "pptx": "curator-export-pptx",
    "upload": "curator-export-upload",
}

HEAVY_MODULES = ("weasyprint", "pptx", "odf", "curator_export.store", "rich")

#: Modules `plugins` (and so also `--help`) must not need: structlog loads when something is
#: logged, cattrs and the converters when jobs are read, the model, the render request and the
#: naming machinery when a batch is planned or a writer runs.
NOT_FOR_PLUGINS = (
    "structlog",
    "cattrs",
    "curator_export.convert",
    "curator_export.model",
    "curator_export.render",
    "curator_export.naming",
)

#: And what `--help` must not need on top: the plugin host and what it brings.
NOT_FOR_HELP = (
    *NOT_FOR_PLUGINS,
    "pluggy",
    "importlib.metadata",
    "curator_export.plugins",
    "curator_export.hookspecs",
    "curator_export.records",
)


def imported_after_cli(run_python, args: list[str], modules: tuple[str, ...]) -> list[str]:
    """Which of ``modules`` a fresh interpreter has imported after ``curator-export ARGS``."""
    code = (
        "import sys\n"
        "from curator_export.cli import cli\n"
        f"try:\n    cli({args!r}, prog_name='curator-export')\n"
        "except SystemExit:\n    pass\n"
        f"print('IMPORTED', [m for m in {modules!r} if m in sys.modules])\n"
    )
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    line = next(line for line in result.stdout.splitlines() if line.startswith("IMPORTED "))
    return list(ast.literal_eval(line.removeprefix("IMPORTED ")))


def install_distribution(site: Path, dist: str, version: str, plugin: str, source: str) -> None:
    """Lay out an installed distribution (module + dist-info) the way pip does."""
    module = dist.replace("-", "_")
    (site / module).mkdir(parents=True)
    (site / module / "__init__.py").write_text(textwrap.dedent(source))
    info = site / f"{module}-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n")
    (info / "entry_points.txt").write_text(f"[curator_export]\n{plugin} = {module}\n")
    (info / "RECORD").write_text("")


EPUB_PLUGIN = """
    from curator_export import Format, hookimpl

    def write(request):
        return b"epub"

    @hookimpl
    def curator_export_formats():
        return [Format(name="epub", extension=".epub", media_type="application/epub+zip",
                       writer=write)]
"""


def plugins_json(run_cli, env=None):
    result = run_cli("plugins", "--json", env=env)
    assert result.returncode == 0, result.stderr
    return {plugin["name"]: plugin for plugin in json.loads(result.stdout)["plugins"]}


def test_builtins_are_found_through_entry_points(run_cli):
    """`plugins --json` lists the six built-ins with their distribution and version (and
    marks every other installed plugin, such as examples/quiz-csv, as a third party's)."""
    plugins = plugins_json(run_cli)
    assert {name for name, plugin in plugins.items() if plugin["builtin"]} == set(BUILTINS)
    for name, dist in BUILTINS.items():
        assert plugins[name]["distribution"] == dist
        assert plugins[name]["version"] == "0.1.0"
        assert plugins[name]["status"] == "loaded"
        assert plugins[name]["builtin"] is True
    assert plugins["odf"]["formats"] == ["odp", "odt"]
    assert plugins["naming"]["naming_strategies"] == ["content", "custom", "sequential", "session"]
    assert plugins["pdf"]["hooks"] == ["curator_export_formats"]


def test_blocked_plugin_is_listed_and_never_imported(run_cli, run_python):
    """CURATOR_EXPORT_DISABLE_PLUGINS=pdf lists pdf as blocked and never imports its module."""
    plugins = plugins_json(run_cli, env={"CURATOR_EXPORT_DISABLE_PLUGINS": "pdf"})
    assert plugins["pdf"]["status"] == "blocked"
    assert plugins["pdf"]["formats"] == []
    assert plugins["html"]["status"] == "loaded"
    result = run_python(
        "import sys\n"
        "from curator_export.plugins import PluginHost\n"
        "host = PluginHost()\n"
        "print(sorted(host.formats()))\n"
        "print('curator_export_pdf' in sys.modules)\n",
        env={"CURATOR_EXPORT_DISABLE_PLUGINS": "pdf"},
    )
    assert result.returncode == 0, result.stderr
    formats, imported = result.stdout.split("\n")[:2]
    assert "pdf" not in formats
    assert imported == "False"


def test_allow_list_loads_only_the_named_plugins(run_cli):
    """CURATOR_EXPORT_PLUGINS=html,naming leaves the other plugins disabled."""
    plugins = plugins_json(run_cli, env={"CURATOR_EXPORT_PLUGINS": "html,naming"})
    loaded = {name for name, plugin in plugins.items() if plugin["status"] == "loaded"}
    assert loaded == {"html", "naming"}
    assert plugins["pptx"]["status"] == "disabled"


def test_third_party_distribution_shows_up(run_cli, tmp_path):
    """A distribution installed beside the built-ins is listed and its format is usable."""
    site = tmp_path / "site"
    install_distribution(site, "acme-epub", "0.3.1", "epub", EPUB_PLUGIN)
    plugins = plugins_json(run_cli, env={"PYTHONPATH": str(site)})
    assert plugins["epub"]["distribution"] == "acme-epub"
    assert plugins["epub"]["version"] == "0.3.1"
    assert plugins["epub"]["builtin"] is False
    assert plugins["epub"]["formats"] == ["epub"]
    assert plugins["html"]["status"] == "loaded"


def test_no_plugins_flag_keeps_only_builtins(run_cli, tmp_path):
    """--no-plugins leaves third-party plugins unloaded and the built-ins working."""
    site = tmp_path / "site"
    install_distribution(site, "acme-epub", "0.3.1", "epub", EPUB_PLUGIN)
    result = run_cli("--no-plugins", "plugins", "--json", env={"PYTHONPATH": str(site)})
    assert result.returncode == 0, result.stderr
    plugins = {plugin["name"]: plugin for plugin in json.loads(result.stdout)["plugins"]}
    assert plugins["epub"]["status"] == "disabled"
    assert plugins["pdf"]["status"] == "loaded"


def test_broken_third_party_is_reported_and_skipped(run_cli, tmp_path):
    """A plugin whose import raises is shown as failed, with the reason; the rest work."""
    site = tmp_path / "site"
    install_distribution(site, "acme-broken", "1.0", "broken", "raise RuntimeError('boom')\n")
    install_distribution(site, "acme-epub", "0.3.1", "epub", EPUB_PLUGIN)
    plugins = plugins_json(run_cli, env={"PYTHONPATH": str(site)})
    assert plugins["broken"]["status"] == "failed"
    assert "RuntimeError: boom" in plugins["broken"]["error"]
    assert plugins["epub"]["status"] == "loaded"
    assert plugins["pdf"]["status"] == "loaded"
    table = run_cli("plugins", env={"PYTHONPATH": str(site)})
    assert table.returncode == 0
    assert "boom" in table.stdout
    assert "acme-broken" in table.stderr  # the log line names the distribution


def test_conflicting_format_names_both_distributions(run_cli, tmp_path):
    """A third party claiming the `pdf` format is refused, naming both providers."""
    site = tmp_path / "site"
    install_distribution(
        site,
        "acme-pdf",
        "0.3",
        "acmepdf",
        """
        from curator_export import Format, hookimpl

        @hookimpl
        def curator_export_formats():
            return [Format(name="pdf", extension=".pdf", media_type="application/pdf",
                           writer=lambda request: b"")]
        """,
    )
    result = run_cli("plugins", env={"PYTHONPATH": str(site)})
    assert result.returncode == 1
    assert "format 'pdf' is provided by acme-pdf 0.3" in result.stderr
    assert "curator-export-pdf 0.1.0" in result.stderr


def test_help_and_plugins_do_not_import_heavy_libraries(run_python):
    """`--help` and `plugins` leave WeasyPrint, python-pptx and odfpy unimported."""
    for args in (["--help"], ["plugins"], ["plugins", "--json"]):
        assert imported_after_cli(run_python, args, HEAVY_MODULES[:3]) == [], args


def test_help_does_not_import_the_store_or_rich(run_python):
    """`--help` imports neither the store nor rich, so it starts fast."""
    assert imported_after_cli(run_python, ["--help"], HEAVY_MODULES) == []


def test_help_does_not_load_the_plugin_host_or_logging(run_python):
    """`--help` needs click and the commands only: no pluggy, entry points, model or
    structlog (the package's re-exports resolve on first use)."""
    assert imported_after_cli(run_python, ["--help"], NOT_FOR_HELP) == []


#: The web service's stack: only `serve` itself imports it (curator-export-web).
WEB_MODULES = ("curator_export_web", "starlette", "uvicorn", "anyio")


def test_help_and_plugins_do_not_import_the_web_stack(run_python):
    """`--help`, `serve --help` and `plugins` leave Starlette and uvicorn unimported."""
    for args in (["--help"], ["serve", "--help"], ["plugins"]):
        assert imported_after_cli(run_python, args, WEB_MODULES) == [], args


def test_plugins_imports_only_what_listing_needs(run_python):
    """`plugins` (table and `--json`) lists every plugin without structlog, cattrs, the model,
    render requests or the naming machinery: entry modules import only the records."""
    for args in (["plugins"], ["plugins", "--json"]):
        assert imported_after_cli(run_python, args, NOT_FOR_PLUGINS) == [], args


def test_lazy_names_still_resolve(run_python):
    """The package's re-exports and every plugin's ``__version__`` resolve when asked for."""
    modules = [f"curator_export_{name}" for name in BUILTINS]
    code = (
        "import importlib\n"
        "import curator_export\n"
        "from curator_export import Format, Session, hookimpl, __version__\n"
        "from curator_export.records import Format as RecordFormat\n"
        "from curator_export.model import Session as ModelSession\n"
        "assert Format is RecordFormat and Session is ModelSession, 'wrong objects'\n"
        "assert set(curator_export.__all__) <= set(dir(curator_export)), 'dir'\n"
        f"print('VERSIONS', __version__, *[importlib.import_module(m).__version__"
        f" for m in {modules!r}])\n"
        "try:\n    curator_export.no_such_name\n"
        "except AttributeError as exc:\n    print('MISSING', exc)\n"
    )
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    assert f"VERSIONS {' '.join(['0.1.0'] * (len(modules) + 1))}" in result.stdout
    assert "MISSING module 'curator_export' has no attribute 'no_such_name'" in result.stdout


def test_plugin_entry_modules_are_cheap(run_python):
    """Importing each built-in entry module imports no heavy library, and nothing of the core
    beyond the records and hooks (not the model, render requests or naming)."""
    modules = [f"curator_export_{name}" for name in BUILTINS]
    unwanted = (*HEAVY_MODULES[:3], *NOT_FOR_PLUGINS)
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        f"print('HEAVY', [m for m in {unwanted!r} if m in sys.modules])\n"
    )
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    assert "HEAVY []" in result.stdout, result.stdout[-300:]


@pytest.mark.parametrize("name", ["html", "markdown", "pdf", "pptx", "odt", "odp"])
def test_worker_modules_cover_what_each_writer_imports(run_python, name):
    """Each built-in format names the modules its writer imports: once those are imported
    (as a pool's forkserver does), writing a file imports no more of its plugin, nor of a
    library a writer needs (so that no worker pays for them on its first file). Each format
    in a fresh interpreter, so that none profits from another's imports."""
    code = textwrap.dedent(
        f"""
        import importlib, json, sys
        from curator_export.plugins import PluginHost
        from curator_export.testing import RequestKit

        kit = RequestKit()
        kit.format_name = {name!r}
        session = kit.session(
            ("Intro", "# Hello\\n\\nSome *text*, a [link](https://example.org).\\n\\n"
             "```python\\nprint(1)\\n```\\n\\n| a | b |\\n|---|---|\\n| 1 | 2 |\\n"),
        )
        request = kit.request(session)
        watched = ("curator_export", "jinja2", "weasyprint", "pptx", "lxml", "odf", "yaml")
        output_format = PluginHost().formats()[{name!r}]
        for module in output_format.worker_modules:
            importlib.import_module(module)
        before = set(sys.modules)
        output_format.writer(request)
        late = sorted(
            m for m in set(sys.modules) - before if m.split(".")[0] in watched
            or m.startswith(output_format.writer.__module__)
        )
        print("LATE", json.dumps(late))
        """
    )
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    line = next(line for line in result.stdout.splitlines() if line.startswith("LATE "))
    assert json.loads(line.removeprefix("LATE ")) == []
