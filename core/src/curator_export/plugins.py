"""The plugin host: finds plugins through entry points, loads them once, guards the core.

Built-in plugins are distributions like any third party's and are found the same way; the
only difference is graded failure: a broken built-in raises, a broken third-party plugin is
logged with its name, distribution and version and skipped. The rest of the core talks to
plugins only through the typed methods of ``PluginHost``, never through ``pm.hook``.
"""

from __future__ import annotations

import enum
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

import attrs
import pluggy

from curator_export import hookspecs
from curator_export.errors import (
    InvalidRecordError,
    PluginConflictError,
    PluginError,
    UnknownNameError,
)
from curator_export.logging import get_logger
from curator_export.records import ExecutorSpec, Format, JobSettings, NamingStrategy

if TYPE_CHECKING:  # only in annotations: listing plugins does not import the model
    from curator_export.model import BatchExportJob, BatchExportResult, BatchProgress, Branding
    from curator_export.model import ExportResult as ExportResultModel

ENTRY_POINT_GROUP = "curator_export"
ALLOW_ENV = "CURATOR_EXPORT_PLUGINS"
BLOCK_ENV = "CURATOR_EXPORT_DISABLE_PLUGINS"

#: The distributions this project ships. They are loaded from their entry points exactly like
#: a third party's; being listed here only means a failure of theirs is a bug that must raise.
BUILTIN_DISTRIBUTIONS = frozenset(
    {
        "curator-export-dask",
        "curator-export-html",
        "curator-export-markdown",
        "curator-export-naming",
        "curator-export-odf",
        "curator-export-pdf",
        "curator-export-pptx",
        "curator-export-upload",
    }
)

_HOOK_NAMES = frozenset(name for name in dir(hookspecs) if name.startswith("curator_export_"))

log = get_logger(__name__)

RecordT = TypeVar("RecordT", Format, NamingStrategy, ExecutorSpec, JobSettings)


class PluginStatus(enum.StrEnum):
    LOADED = "loaded"
    BLOCKED = "blocked"  # named in CURATOR_EXPORT_DISABLE_PLUGINS: never imported
    DISABLED = "disabled"  # left out by CURATOR_EXPORT_PLUGINS or --no-plugins: never imported
    FAILED = "failed"  # a third-party plugin that raised on import or registration


@attrs.frozen
class PluginInfo:
    """What the ``plugins`` command shows for one plugin."""

    name: str
    distribution: str | None
    version: str | None
    status: PluginStatus
    builtin: bool
    module: str | None = None
    error: str | None = None
    hooks: tuple[str, ...] = ()
    formats: tuple[str, ...] = ()
    naming_strategies: tuple[str, ...] = ()

    @property
    def provider(self) -> str:
        """How messages name this plugin: its distribution and version where it has one."""
        if self.distribution:
            return f"{self.distribution} {self.version or '?'}"
        return f"plugin {self.name!r}"


def _names_from_env(value: str | None) -> frozenset[str] | None:
    if value is None or not value.strip():
        return None
    return frozenset(part.strip() for part in value.split(",") if part.strip())


@attrs.frozen
class PluginPolicy:
    """Which plugins may load: an allow list, a block list, and whether third parties may."""

    allow: frozenset[str] | None = None  # None: every plugin
    block: frozenset[str] = frozenset()
    third_party: bool = True

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, *, no_plugins: bool = False
    ) -> PluginPolicy:
        env = os.environ if environ is None else environ
        return cls(
            allow=_names_from_env(env.get(ALLOW_ENV)),
            block=_names_from_env(env.get(BLOCK_ENV)) or frozenset(),
            third_party=not no_plugins,
        )

    def refusal(self, name: str, builtin: bool) -> PluginStatus | None:
        """Why a plugin must not be imported, or None when it may be."""
        if name in self.block:
            return PluginStatus.BLOCKED
        if self.allow is not None and name not in self.allow:
            return PluginStatus.DISABLED
        if not builtin and not self.third_party:
            return PluginStatus.DISABLED
        return None


def _entry_points() -> list[metadata.EntryPoint]:
    return list(metadata.entry_points(group=ENTRY_POINT_GROUP))


class PluginHost:
    """Loads plugins lazily and once, and offers one typed method per hook."""

    def __init__(
        self,
        policy: PluginPolicy | None = None,
        *,
        entry_points: Callable[[], Iterable[metadata.EntryPoint]] | None = _entry_points,
    ) -> None:
        self.policy = policy if policy is not None else PluginPolicy.from_env()
        self._find_entry_points = entry_points
        self._pm = pluggy.PluginManager(hookspecs.PROJECT_NAME)
        self._pm.add_hookspecs(hookspecs)
        self._infos: dict[str, PluginInfo] = {}
        self._loaded = False
        self._records: dict[str, Mapping[str, Any]] = {}
        # hook name -> plugin name -> names of the records that plugin registered
        self._owned: dict[str, dict[str, tuple[str, ...]]] = {}

    # -- loading -------------------------------------------------------------------------

    def load(self) -> None:
        """Import every allowed plugin's entry point; later calls do nothing."""
        if self._loaded:
            return
        self._loaded = True
        if self._find_entry_points is not None:
            for entry_point in self._unique_entry_points():
                self._load_entry_point(entry_point)
        self._pm.check_pending()

    def _unique_entry_points(self) -> list[metadata.EntryPoint]:
        by_name: dict[str, metadata.EntryPoint] = {}
        assert self._find_entry_points is not None
        for entry_point in self._find_entry_points():
            seen = by_name.get(entry_point.name)
            if seen is None:
                by_name[entry_point.name] = entry_point
            elif _dist_name(seen) != _dist_name(entry_point):
                raise PluginConflictError(
                    f"plugin name {entry_point.name!r} is provided by {_describe(seen)} "
                    f"and {_describe(entry_point)}; uninstall one of them"
                )
        return [by_name[name] for name in sorted(by_name)]

    def _load_entry_point(self, entry_point: metadata.EntryPoint) -> None:
        dist = entry_point.dist
        distribution = dist.name if dist else None
        version = dist.version if dist else None
        builtin = distribution in BUILTIN_DISTRIBUTIONS
        info = PluginInfo(
            name=entry_point.name,
            distribution=distribution,
            version=version,
            status=PluginStatus.LOADED,
            builtin=builtin,
            module=entry_point.value,
        )
        refusal = self.policy.refusal(entry_point.name, builtin)
        if refusal is not None:
            self._infos[info.name] = attrs.evolve(info, status=refusal)
            log.debug("plugin not loaded", plugin=info.name, status=str(refusal))
            return
        try:
            plugin = entry_point.load()
            self._register(plugin, info)
        except Exception as exc:  # a plugin may raise anything on import
            self._fail(info, f"could not be loaded: {type(exc).__name__}: {exc}", exc)

    def register(
        self,
        plugin: object,
        name: str | None = None,
        *,
        distribution: str | None = None,
        version: str | None = None,
        builtin: bool = False,
    ) -> str:
        """Register an in-process plugin (embedding applications and tests use this)."""
        self.load()
        plugin_name = name or getattr(plugin, "__name__", None) or type(plugin).__name__
        if plugin_name in self._infos:
            raise PluginConflictError(
                f"a plugin named {plugin_name!r} is already registered "
                f"({self._infos[plugin_name].provider})"
            )
        info = PluginInfo(
            name=plugin_name,
            distribution=distribution,
            version=version,
            status=PluginStatus.LOADED,
            builtin=builtin,
            module=getattr(plugin, "__module__", None),
        )
        self._register(plugin, info)
        self._records.clear()
        self._owned.clear()
        return plugin_name

    def _register(self, plugin: object, info: PluginInfo) -> None:
        misspelled = [
            attribute
            for attribute in dir(plugin)
            if attribute.startswith("curator_export_") and attribute not in _HOOK_NAMES
        ]
        if misspelled:
            hints = [f"{name!r}" + _did_you_mean(name, _HOOK_NAMES) for name in sorted(misspelled)]
            raise PluginError(f"plugin {info.name!r} defines unknown hook(s): {', '.join(hints)}")
        self._pm.register(plugin, name=info.name)
        hooks = tuple(sorted(caller.name for caller in self._pm.get_hookcallers(plugin) or ()))
        self._infos[info.name] = attrs.evolve(info, hooks=hooks)
        log.debug("plugin loaded", plugin=info.name, distribution=info.distribution)

    def _fail(self, info: PluginInfo, reason: str, exc: BaseException) -> None:
        if info.builtin:
            raise PluginError(f"built-in plugin {info.name!r} ({info.provider}) {reason}") from exc
        if self._pm.has_plugin(info.name):
            self._pm.unregister(name=info.name)
        self._infos[info.name] = attrs.evolve(info, status=PluginStatus.FAILED, error=reason)
        self._records.clear()
        self._owned.clear()
        log.error(
            "plugin skipped",
            plugin=info.name,
            distribution=info.distribution,
            version=info.version,
            reason=reason,
        )

    # -- registration records ------------------------------------------------------------

    def _collect(
        self,
        hook_name: str,
        record_type: type[RecordT],
        kind: str,
        check: Callable[[RecordT], None] | None = None,
    ) -> Mapping[str, RecordT]:
        """Call one registration hook plugin by plugin, so every record has a known provider."""
        self.load()
        cached = self._records.get(hook_name)
        if cached is not None:
            return cached
        providers: dict[str, tuple[RecordT, PluginInfo]] = {}
        owned: dict[str, tuple[str, ...]] = {}
        hook = getattr(self._pm.hook, hook_name)
        for impl in sorted(hook.get_hookimpls(), key=lambda impl: impl.plugin_name):
            info = self._infos[impl.plugin_name]
            try:
                returned: list[Any] = list(impl.function() or ())
                wrong = [found for found in returned if not isinstance(found, record_type)]
                if wrong:
                    raise InvalidRecordError(
                        f"{hook_name} returned {wrong[0]!r}, not a {record_type.__name__}"
                    )
                records: list[RecordT] = returned
                if check is not None:
                    for record in records:
                        check(record)
            except Exception as exc:
                self._fail(info, f"failed in {hook_name}: {type(exc).__name__}: {exc}", exc)
                continue
            owned[info.name] = tuple(sorted(found.name for found in records))
            for registered in records:
                for key in _spellings(registered):
                    if key in providers:
                        earlier, other = providers[key]
                        raise PluginConflictError(
                            f"{kind} {key!r} is provided by {other.provider} "
                            f"({earlier.name}) and {info.provider} ({registered.name})"
                        )
                    providers[key] = (registered, info)
        records_by_name = {
            key: provided
            for key, (provided, _) in sorted(providers.items())
            if key == provided.name
        }
        self._records[hook_name] = records_by_name
        self._owned[hook_name] = owned
        return records_by_name

    def formats(self) -> Mapping[str, Format]:
        """Every available format by name, sorted."""
        return self._collect("curator_export_formats", Format, "format")

    def naming_strategies(self) -> Mapping[str, NamingStrategy]:
        return self._collect("curator_export_naming_strategies", NamingStrategy, "naming strategy")

    def executors(self) -> Mapping[str, ExecutorSpec]:
        return self._collect("curator_export_executors", ExecutorSpec, "executor")

    def job_settings(self) -> Mapping[str, JobSettings]:
        """Every job-level settings table by name (``upload``), sorted."""
        return self._collect(
            "curator_export_job_settings", JobSettings, "job settings", _not_a_job_field
        )

    def resolve_format(self, name: str) -> Format:
        """The format called ``name`` or one of its aliases, in any case."""
        return _resolve(name, self.formats(), "format")

    def resolve_naming_strategy(self, name: str) -> NamingStrategy:
        return _resolve(name, self.naming_strategies(), "naming strategy")

    def template_dirs(self) -> list[Path]:
        """Template folders: third-party plugins' first (by name), then the built-ins'."""
        self.load()
        impls = self._pm.hook.curator_export_template_dirs.get_hookimpls()
        ordered = sorted(
            impls, key=lambda impl: (self._infos[impl.plugin_name].builtin, impl.plugin_name)
        )
        folders: list[Path] = []
        for impl in ordered:
            registered = cast(Sequence[Path], impl.function() or ())
            folders += [Path(folder) for folder in registered]
        return folders

    # -- other hooks ---------------------------------------------------------------------

    def branding(self, job: BatchExportJob) -> Branding | None:
        self.load()
        result: Branding | None = self._pm.hook.curator_export_branding(job=job)
        return result

    def progress(self, event: BatchProgress) -> None:
        self._broadcast("curator_export_progress", event=event)

    def after_export(
        self, job: BatchExportJob, result: ExportResultModel
    ) -> dict[str, Mapping[str, Any]]:
        """Call every ``after_export``; returns their annotations by plugin name (those that
        returned a mapping of JSON data), for the result and the manifest."""
        hook_name = "curator_export_after_export"
        annotations: dict[str, Mapping[str, Any]] = {}
        for plugin_name, returned in self._broadcast(hook_name, job=job, result=result):
            if returned is None:
                continue
            try:
                annotations[plugin_name] = _json_data(returned)
            except (TypeError, ValueError) as exc:
                log.error("annotation dropped", hook=hook_name, plugin=plugin_name, error=str(exc))
        return annotations

    def after_batch(self, result: BatchExportResult, jobs: Sequence[BatchExportJob] = ()) -> None:
        self._broadcast("curator_export_after_batch", result=result, jobs=tuple(jobs))

    def _broadcast(self, hook_name: str, **kwargs: Any) -> list[tuple[str, Any]]:
        """Call every implementation; one that raises is logged and does not stop the rest.
        Returns what each of the others returned, by plugin name, in call order."""
        self.load()
        returned: list[tuple[str, Any]] = []
        for impl in sorted(getattr(self._pm.hook, hook_name).get_hookimpls(), key=_by_name):
            try:
                value = impl.function(**{arg: kwargs[arg] for arg in impl.argnames})
            except Exception as exc:
                log.error("hook failed", hook=hook_name, plugin=impl.plugin_name, error=repr(exc))
                continue
            returned.append((impl.plugin_name, value))
        return returned

    # -- introspection -------------------------------------------------------------------

    def plugins(self) -> list[PluginInfo]:
        """Every plugin found, loaded or not, with what it provides; sorted by name."""
        # Collecting first also retires third-party plugins whose registration fails.
        self.formats()
        self.naming_strategies()
        formats = self._owned["curator_export_formats"]
        strategies = self._owned["curator_export_naming_strategies"]
        return [
            attrs.evolve(
                info,
                formats=formats.get(name, ()),
                naming_strategies=strategies.get(name, ()),
            )
            for name, info in sorted(self._infos.items())
        ]


def _spellings(record: Format | NamingStrategy | ExecutorSpec | JobSettings) -> tuple[str, ...]:
    """The name and aliases a record claims."""
    return (record.name, *getattr(record, "aliases", ()))


def _not_a_job_field(record: JobSettings) -> None:
    """A settings table sits beside the job's fields: it must not take one's name."""
    from curator_export.model import BatchExportJob  # only once jobs are read

    fields = {field.name for field in attrs.fields(BatchExportJob)}
    if record.name in fields or record.name.replace("-", "_") in fields:
        raise InvalidRecordError(f"job settings {record.name!r} would hide the job field")


def _json_data(value: Any) -> dict[str, Any]:
    """A copy of ``value`` as the manifest will hold it; raises when it is not a mapping of
    JSON data (a copy: the plugin changing its object later changes nothing)."""
    import json

    if not isinstance(value, Mapping):
        raise TypeError(f"expected a mapping or None, not {type(value).__name__}")
    try:
        data: dict[str, Any] = json.loads(json.dumps(dict(value), allow_nan=False))
    except (TypeError, ValueError) as exc:
        raise ValueError(f"not JSON data: {exc}") from exc
    return data


def _by_name(impl: pluggy.HookImpl) -> str:
    return impl.plugin_name


def _dist_name(entry_point: metadata.EntryPoint) -> str | None:
    return entry_point.dist.name if entry_point.dist else None


def _describe(entry_point: metadata.EntryPoint) -> str:
    dist = entry_point.dist
    return f"{dist.name} {dist.version}" if dist else entry_point.value


def _did_you_mean(name: str, candidates: Iterable[str]) -> str:
    import difflib

    matches = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.6)
    return f" (did you mean {matches[0]!r}?)" if matches else ""


def _resolve(name: str, records: Mapping[str, RecordT], kind: str) -> RecordT:
    wanted = name.strip().lower()
    for record in records.values():
        if wanted in _spellings(record):
            return record
    known = sorted(records)
    hint = _did_you_mean(wanted, [key for r in records.values() for key in _spellings(r)])
    listing = ", ".join(known) if known else "none installed"
    raise UnknownNameError(f"unknown {kind} {name!r}{hint}; known: {listing}")
