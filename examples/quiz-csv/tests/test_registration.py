"""The plugin on a host of its own, and beside a rival: what the core's test harness checks."""

from __future__ import annotations

from collections.abc import Callable

import pytest

import curator_export_quizcsv
from curator_export import hookimpl
from curator_export.errors import PluginConflictError
from curator_export.plugins import PluginHost
from curator_export.testing import text_format


# --8<-- [start:bare]
def test_the_plugin_works_on_its_own(bare_plugin_host: PluginHost) -> None:
    """Registered alone (no built-in plugins), the entry module provides its format and
    strategy: it depends on no other plugin."""
    bare_plugin_host.register(curator_export_quizcsv, "quizcsv")
    assert list(bare_plugin_host.formats()) == ["quiz-csv"]
    assert list(bare_plugin_host.naming_strategies()) == ["lms"]
    assert bare_plugin_host.resolve_format("QuizCSV").extension == ".csv"


# --8<-- [end:bare]


# --8<-- [start:conflict]
def test_a_rival_claiming_the_alias_is_refused_naming_both(
    plugin_host: PluginHost, register_plugin: Callable[..., str]
) -> None:
    """Another plugin registering a format called `quizcsv` (our alias) stops loading with a
    message that names both plugins, instead of one silently winning."""

    class Rival:
        @hookimpl
        def curator_export_formats(self):  # type: ignore[no-untyped-def]
            return [text_format("quizcsv", extension=".csv")]

    register_plugin(Rival)
    with pytest.raises(PluginConflictError) as raised:
        plugin_host.formats()
    assert "quizcsv" in str(raised.value)
    assert "curator-export-quizcsv" in str(raised.value)
    assert "rival" in str(raised.value)


# --8<-- [end:conflict]
