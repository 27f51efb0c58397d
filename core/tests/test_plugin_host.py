"""The plugin host in-process: records, conflicts, graded failure and the typed hook facade."""

from __future__ import annotations

from pathlib import Path

import pytest

from curator_export import Branding, Format, NamingStrategy, hookimpl
from curator_export.errors import (
    InvalidRecordError,
    PluginConflictError,
    PluginError,
    UnknownNameError,
)
from curator_export.model import BatchExportJob, BatchProgress
from curator_export.plugins import PluginHost, PluginPolicy, PluginStatus
from curator_export.records import ExecutorSpec
from curator_export.testing import text_format


def make_job() -> BatchExportJob:
    return BatchExportJob(
        job_id="j1", session_ids=["s1"], formats=["txt"], output_directory=Path("out")
    )


def test_inline_plugin_format_is_resolved_by_alias_in_any_case(bare_plugin_host, register_plugin):
    """A format registered inline resolves by its name and, case-insensitively, its aliases."""

    class Txt:
        @hookimpl
        def curator_export_formats(self):
            return [text_format("txt", aliases=("Text", "plain"))]

    bare_plugin_host.register(Txt(), "txt")
    assert bare_plugin_host.resolve_format("TEXT").name == "txt"
    assert bare_plugin_host.resolve_format(" plain ").extension == ".txt"


def test_unknown_format_suggests_the_closest_name(plugin_host):
    """An unknown format says 'did you mean' and lists the known ones."""
    with pytest.raises(UnknownNameError, match=r"unknown format 'pfd' \(did you mean 'pdf'\?\)"):
        plugin_host.resolve_format("pfd")


def test_seed_spellings_resolve_to_builtin_names(plugin_host):
    """The seed's 'PowerPoint' and 'SessionBased' resolve to pptx and session."""
    assert plugin_host.resolve_format("PowerPoint").name == "pptx"
    assert plugin_host.resolve_format("Markdown").name == "markdown"
    assert plugin_host.resolve_naming_strategy("SessionBased").name == "session"
    assert plugin_host.resolve_naming_strategy("ContentBased").name == "content"


def test_formats_are_sorted_by_name(plugin_host):
    """The format registry is sorted by name, whatever the registration order."""
    names = list(plugin_host.formats())
    assert names == sorted(names)
    assert {"html", "markdown", "odp", "odt", "pdf", "pptx"} <= set(names)


def test_duplicate_alias_is_refused_naming_both_providers(bare_plugin_host):
    """Two plugins claiming the same alias are refused with both providers named."""

    class One:
        @hookimpl
        def curator_export_formats(self):
            return [text_format("one", aliases=("shared",))]

    class Two:
        @hookimpl
        def curator_export_formats(self):
            return [text_format("two", aliases=("shared",))]

    bare_plugin_host.register(One(), "one", distribution="acme-one", version="1.0")
    bare_plugin_host.register(Two(), "two", distribution="acme-two", version="2.0")
    with pytest.raises(PluginConflictError) as raised:
        bare_plugin_host.formats()
    assert "'shared'" in str(raised.value)
    assert "acme-one 1.0" in str(raised.value)
    assert "acme-two 2.0" in str(raised.value)


def test_duplicate_naming_strategy_is_refused(plugin_host, register_plugin):
    """A third party registering a second `session` strategy is refused."""

    class Mine:
        @hookimpl
        def curator_export_naming_strategies(self):
            return [NamingStrategy(name="session", function=lambda context: "x")]

    register_plugin(Mine)
    with pytest.raises(PluginConflictError, match="naming strategy 'session'"):
        plugin_host.naming_strategies()


def test_misspelled_hook_fails_loudly(bare_plugin_host):
    """A hook name with a typo is refused with a suggestion, not silently ignored."""

    class Typo:
        @hookimpl
        def curator_export_format(self):
            return []

    with pytest.raises(PluginError, match="did you mean 'curator_export_formats'"):
        bare_plugin_host.register(Typo(), "typo")


def test_wrong_hook_arguments_fail_at_registration(bare_plugin_host):
    """A hookimpl asking for an argument the hook does not pass is refused by pluggy."""

    class Wrong:
        @hookimpl
        def curator_export_progress(self, evnt):
            pass

    with pytest.raises(Exception, match="evnt"):
        bare_plugin_host.register(Wrong(), "wrong")


def test_third_party_returning_a_dict_is_skipped(bare_plugin_host, caplog):
    """A third-party plugin returning an untyped dict is marked failed, the rest still work."""

    class Good:
        @hookimpl
        def curator_export_formats(self):
            return [text_format("txt")]

    class Sloppy:
        @hookimpl
        def curator_export_formats(self):
            return [{"name": "rtf"}]

    bare_plugin_host.register(Good(), "good", distribution="acme-good", version="1")
    bare_plugin_host.register(Sloppy(), "sloppy", distribution="acme-sloppy", version="1")
    assert list(bare_plugin_host.formats()) == ["txt"]
    sloppy = next(info for info in bare_plugin_host.plugins() if info.name == "sloppy")
    assert sloppy.status is PluginStatus.FAILED
    assert "not a Format" in (sloppy.error or "")


def test_builtin_returning_a_bad_record_raises(bare_plugin_host):
    """A broken built-in is a bug: it raises instead of being skipped."""

    class Broken:
        @hookimpl
        def curator_export_formats(self):
            return ["html"]

    bare_plugin_host.register(Broken(), "broken", builtin=True)
    with pytest.raises(PluginError, match="built-in plugin 'broken'"):
        bare_plugin_host.formats()


def test_bad_record_fails_with_its_value_in_the_message():
    """A Format with a bad extension fails at construction, naming the bad value."""
    with pytest.raises(ValueError, match="extension"):
        Format(name="txt", extension="txt", media_type="text/plain", writer=lambda r: b"")
    with pytest.raises(ValueError, match="'Bad Name'"):
        Format(name="Bad Name", extension=".txt", media_type="text/plain", writer=lambda r: b"")
    with pytest.raises(TypeError, match="callable"):
        Format(name="txt", extension=".txt", media_type="text/plain", writer="write")  # type: ignore[arg-type]


def test_invalid_record_error_is_a_plugin_error():
    """InvalidRecordError is reported like every other plugin failure."""
    assert issubclass(InvalidRecordError, PluginError)


def test_progress_sink_errors_do_not_stop_other_sinks(bare_plugin_host):
    """A progress sink that raises is logged; the other sinks still get the event."""
    received = []

    class Failing:
        @hookimpl
        def curator_export_progress(self, event):
            raise RuntimeError("sink down")

    class Recording:
        @hookimpl
        def curator_export_progress(self, event):
            received.append(event.completed_files)

    bare_plugin_host.register(Failing(), "a-failing")
    bare_plugin_host.register(Recording(), "b-recording")
    bare_plugin_host.progress(
        BatchProgress(total_jobs=1, completed_jobs=0, total_files=2, completed_files=1)
    )
    assert received == [1]


def test_after_export_and_after_batch_reach_every_plugin(bare_plugin_host):
    """Both post-export hooks are broadcast to every implementation."""
    calls = []

    class Audit:
        @hookimpl
        def curator_export_after_export(self, job, result):
            calls.append(("export", job.job_id, result))

        @hookimpl
        def curator_export_after_batch(self, result):
            calls.append(("batch", result))

    bare_plugin_host.register(Audit(), "audit")
    bare_plugin_host.after_export(make_job(), "result")  # type: ignore[arg-type]
    bare_plugin_host.after_batch("batch-result")  # type: ignore[arg-type]
    assert calls == [("export", "j1", "result"), ("batch", "batch-result")]


def test_branding_hook_takes_the_first_answer(bare_plugin_host):
    """The branding hook returns an institution's branding; None passes to the next."""

    class Silent:
        @hookimpl
        def curator_export_branding(self, job):
            return None

    class Acme:
        @hookimpl
        def curator_export_branding(self, job):
            return Branding(institution_name=f"Acme for {job.job_id}")

    bare_plugin_host.register(Acme(), "acme")
    bare_plugin_host.register(Silent(), "silent")
    branding = bare_plugin_host.branding(make_job())
    assert branding is not None
    assert branding.institution_name == "Acme for j1"


def test_template_dirs_and_executors_are_collected(bare_plugin_host, tmp_path):
    """Template folders and executors registered by plugins come back typed."""

    class Extras:
        @hookimpl
        def curator_export_template_dirs(self):
            return [tmp_path]

        @hookimpl
        def curator_export_executors(self):
            return [ExecutorSpec(name="inline", factory=lambda **options: object())]

    bare_plugin_host.register(Extras(), "extras")
    assert bare_plugin_host.template_dirs() == [tmp_path]
    assert list(bare_plugin_host.executors()) == ["inline"]


def test_registering_the_same_name_twice_is_refused(bare_plugin_host):
    """Two in-process plugins with one name are refused."""

    class Txt:
        @hookimpl
        def curator_export_formats(self):
            return [text_format("txt")]

    bare_plugin_host.register(Txt(), "txt")
    with pytest.raises(PluginConflictError, match="already registered"):
        bare_plugin_host.register(Txt(), "txt")


def test_policy_from_environment():
    """Allow and block lists are read from the environment, blanks ignored."""
    policy = PluginPolicy.from_env(
        {"CURATOR_EXPORT_PLUGINS": "html, pdf,", "CURATOR_EXPORT_DISABLE_PLUGINS": "pdf"}
    )
    assert policy.allow == frozenset({"html", "pdf"})
    assert policy.refusal("pdf", builtin=True) is PluginStatus.BLOCKED
    assert policy.refusal("pptx", builtin=True) is PluginStatus.DISABLED
    assert policy.refusal("html", builtin=True) is None
    no_third = PluginPolicy.from_env({}, no_plugins=True)
    assert no_third.refusal("epub", builtin=False) is PluginStatus.DISABLED
    assert no_third.refusal("pdf", builtin=True) is None


def test_hosts_are_independent():
    """A plugin registered on one host is not seen by another."""

    class Txt:
        @hookimpl
        def curator_export_formats(self):
            return [text_format("txt")]

    first = PluginHost(PluginPolicy(), entry_points=None)
    second = PluginHost(PluginPolicy(), entry_points=None)
    first.register(Txt(), "txt")
    assert "txt" in first.formats()
    assert "txt" not in second.formats()


def test_job_settings_are_registered_and_a_taken_name_is_refused(bare_plugin_host):
    """A job settings table is registered by name; a second plugin claiming it names both."""
    import attrs

    from curator_export.records import JobSettings

    @attrs.frozen
    class AuditSettings:
        log: str

    class Audit:
        @hookimpl
        def curator_export_job_settings(self):
            return [JobSettings(name="audit", options=AuditSettings, description="audit log")]

    bare_plugin_host.register(Audit(), "audit")
    assert bare_plugin_host.job_settings()["audit"].options is AuditSettings
    bare_plugin_host.register(Audit(), "rival")
    with pytest.raises(PluginConflictError, match=r"job settings 'audit' is provided by"):
        bare_plugin_host.job_settings()


def test_job_settings_must_not_take_a_job_field_name(bare_plugin_host):
    """A third party's table named like a job field (`title`) is refused and the plugin
    skipped; a record whose options are no attrs class fails at once."""
    import attrs

    from curator_export.records import JobSettings

    @attrs.frozen
    class Anything:
        value: int = 0

    class Shadow:
        @hookimpl
        def curator_export_job_settings(self):
            return [JobSettings(name="title", options=Anything)]

    bare_plugin_host.register(Shadow(), "shadow")
    assert bare_plugin_host.job_settings() == {}
    (info,) = [p for p in bare_plugin_host.plugins() if p.name == "shadow"]
    assert info.status is PluginStatus.FAILED
    assert "would hide the job field" in (info.error or "")
    with pytest.raises(TypeError, match="must be an attrs class"):
        JobSettings(name="bad", options=dict)


def test_after_export_annotations_are_collected_by_plugin_name(bare_plugin_host):
    """after_export returns JSON data kept under each plugin's name; a raising hook or a
    non-JSON value is logged and dropped while the others still count."""

    class Audit:
        @hookimpl
        def curator_export_after_export(self, job, result):
            return {"entry": 1, "job": job.job_id}

    class Broken:
        @hookimpl
        def curator_export_after_export(self, job, result):
            raise RuntimeError("audit server down")

    class NotJson:
        @hookimpl
        def curator_export_after_export(self, job, result):
            return {"when": object()}

    class Silent:
        @hookimpl
        def curator_export_after_export(self, job, result):
            return None

    for plugin, name in ((Audit(), "audit"), (Broken(), "broken"), (NotJson(), "notjson")):
        bare_plugin_host.register(plugin, name)
    bare_plugin_host.register(Silent(), "silent")
    annotations = bare_plugin_host.after_export(make_job(), "result")  # type: ignore[arg-type]
    assert annotations == {"audit": {"entry": 1, "job": "j1"}}
