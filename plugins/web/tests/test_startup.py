"""`serve` comes from this distribution, loaded only when asked for (that `--help` does not
import it is checked with the other start-up tests, in tests/test_plugin_discovery.py)."""

from __future__ import annotations


def test_serve_without_the_distribution_names_it(run_python, tmp_path):
    """With curator-export-web missing, `serve` exits 2 saying what to install."""
    (tmp_path / "curator.db").touch()
    code = (
        "import sys\n"
        "sys.modules['curator_export_web'] = None  # as if it were not installed\n"
        "from curator_export.cli import cli\n"
        "cli(['serve'], prog_name='curator-export')\n"
    )
    result = run_python(code)
    assert result.returncode == 2
    assert "pip install curator-export-web" in result.stderr


def test_serve_without_a_store_says_what_to_do(run_cli, tmp_path):
    """No session store yet: exit 1 with the commands that make one; nothing listens."""
    result = run_cli("--store", str(tmp_path / "none.db"), "serve", "--port", "0")
    assert result.returncode == 1
    assert "curator-export demo" in result.stderr
    assert not (tmp_path / "none.db").exists()
