"""Frozen, self-validating records that registration hooks return.

A bad record fails when the plugin is loaded, with the record in the message, rather than
deep inside a batch. Records carry callables, not instances, so listing plugins never builds
anything heavy.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import attrs

if TYPE_CHECKING:
    from curator_export.render import Rendered, RenderRequest

_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")
_EXTENSION = re.compile(r"^\.[a-z0-9]{1,10}$")
_MEDIA_TYPE = re.compile(r"^[a-z]+/[a-zA-Z0-9.+-]+$")

#: A writer turns one render request (one session, or a merged set) into the file's bytes,
#: or a ``Rendered`` with companion files and warnings.
Writer = Callable[["RenderRequest"], "bytes | Rendered"]


def _check_name(instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    if not _NAME.match(value):
        raise ValueError(
            f"{attribute.name} {value!r} must be lowercase letters, digits, '_' or '-', "
            "starting with a letter (at most 32)"
        )


def _lower_tuple(values: Any) -> tuple[str, ...]:
    return tuple(str(value).lower() for value in values)


def _check_aliases(
    instance: Any, attribute: attrs.Attribute[tuple[str, ...]], value: tuple[str, ...]
) -> None:
    for alias in value:
        if not alias or len(alias) > 40 or not alias.replace("-", "").replace("_", "").isalnum():
            raise ValueError(f"alias {alias!r} must be a short word of letters and digits")
        if alias == instance.name:
            raise ValueError(f"alias {alias!r} repeats the name")


def _check_callable(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not callable(value):
        raise TypeError(f"{attribute.name} must be callable, not {value!r}")


def _check_options_class(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None and not (isinstance(value, type) and attrs.has(value)):
        raise TypeError(f"options must be an attrs class, not {value!r}")
    if value is not None:
        try:
            value()
        except TypeError as exc:
            message = f"options class {value.__name__} needs a default for every field"
            raise TypeError(message) from exc


def _str_tuple(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(str(value) for value in values)


@attrs.frozen
class Format:
    """An output format a plugin provides.

    ``name`` is what users type (``pdf``); ``aliases`` are other spellings accepted case-
    insensitively (``PowerPoint`` for ``pptx``). ``can_merge`` says whether one file can hold
    several sessions. ``writer`` is called in a worker; it imports its heavy libraries itself.
    ``worker_modules`` names the modules it imports when it runs (its own and its
    libraries'): a pool of local workers imports them once, before it starts the workers,
    instead of every worker importing them on its first file.
    """

    name: str = attrs.field(validator=_check_name)
    extension: str = attrs.field(validator=attrs.validators.matches_re(_EXTENSION))
    media_type: str = attrs.field(validator=attrs.validators.matches_re(_MEDIA_TYPE))
    writer: Writer = attrs.field(validator=_check_callable, repr=False)
    aliases: tuple[str, ...] = attrs.field(
        default=(), converter=_lower_tuple, validator=_check_aliases
    )
    can_merge: bool = True
    description: str = ""
    options: type[Any] | None = attrs.field(default=None, validator=_check_options_class)
    worker_modules: tuple[str, ...] = attrs.field(default=(), converter=_str_tuple)


#: Names one output: gets a ``NamingContext`` (see ``curator_export.naming``) and returns a
#: relative path without extension; core sanitizes whatever it returns.
NamingFunction = Callable[..., str]


@attrs.frozen
class NamingStrategy:
    """A way to name output files (``session``, ``content``, ``sequential``, ``custom`` ...)."""

    name: str = attrs.field(validator=_check_name)
    function: NamingFunction = attrs.field(validator=_check_callable, repr=False)
    description: str = ""
    aliases: tuple[str, ...] = attrs.field(
        default=(), converter=_lower_tuple, validator=_check_aliases
    )
    takes_pattern: bool = False


def _check_settings_class(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not (isinstance(value, type) and attrs.has(value)):
        raise TypeError(f"options must be an attrs class, not {value!r}")


@attrs.frozen
class JobSettings:
    """A table of settings a plugin reads from each job (``upload = { url = "..." }``).

    ``name`` is the table's key at the job level of a jobs file (camelCase in payloads);
    ``options`` is an attrs class the table is structured into and checked against, its
    validators' messages shown with the table's place (``@ $.jobs[0].upload.url``). A field
    without a default is required in the table. Jobs hold the instances in
    ``BatchExportJob.settings``, keyed by ``name``; a job without the table has no entry.
    ``placeholder_fields`` names string fields of ``options`` in which planning fills in
    ``{date}``, ``{timestamp}`` and ``{job_id}`` as in output folders, so that a scheduled
    run's destination (``s3://bucket/backups/{date}``) is its own.
    """

    name: str = attrs.field(validator=_check_name)
    options: type[Any] = attrs.field(validator=_check_settings_class)
    description: str = ""
    placeholder_fields: tuple[str, ...] = attrs.field(default=(), converter=_str_tuple)

    @placeholder_fields.validator
    def _check_placeholder_fields(self, attribute: attrs.Attribute[Any], value: Any) -> None:
        fields = {field.name for field in attrs.fields(self.options)}
        unknown = [name for name in value if name not in fields]
        if unknown:
            raise ValueError(f"placeholder_fields {unknown} are not fields of {self.options!r}")


@attrs.frozen
class ExecutorSpec:
    """An executor for batch tasks; ``factory`` builds it from keyword options.

    ``factory`` gets ``max_workers`` and the options the caller named
    (``BatchExportManager(executor_options=...)``, ``--scheduler``) and returns an object
    with the methods of ``curator_export.executors.Executor``. ``reruns_tasks`` says that a
    task may run again after its worker was lost (a distributed engine): its files then
    replace, atomically, what an earlier attempt of the same task left at its planned paths,
    instead of failing because the file exists.
    """

    name: str = attrs.field(validator=_check_name)
    factory: Callable[..., Any] = attrs.field(validator=_check_callable, repr=False)
    description: str = ""
    reruns_tasks: bool = False
