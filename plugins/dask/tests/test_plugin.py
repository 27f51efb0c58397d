"""The plugin as the host sees it: a registered executor whose entry module stays cheap."""

from __future__ import annotations

from curator_export.plugins import PluginHost


def test_dask_executor_is_registered(plugin_host: PluginHost) -> None:
    """`dask` is an executor of the installed plugin, one whose tasks may run again."""
    spec = plugin_host.executors()["dask"]
    assert spec.reruns_tasks
    assert "Dask" in spec.description


def test_listing_plugins_does_not_import_distributed(run_python) -> None:
    """`curator-export plugins` (and so --help) loads neither dask nor distributed."""
    result = run_python(
        "import sys\n"
        "from curator_export.cli import cli\n"
        "try:\n    cli(['plugins'], prog_name='curator-export')\n"
        "except SystemExit:\n    pass\n"
        "print('LOADED', [m for m in ('dask', 'distributed') if m in sys.modules])\n"
    )
    assert result.returncode == 0, result.stderr
    assert "LOADED []" in result.stdout
