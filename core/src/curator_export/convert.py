"""Jobs files (TOML or JSON) and the camelCase payloads of the seed's commands, to model objects.

One cattrs converter per spelling (snake_case files, camelCase payloads). Every attrs class is
structured field by field by ``_AttrsStructurer`` so that *all* problems of a file are
reported at once, each with its location: ``unknown format 'pfd' (did you mean 'pdf'?) @
$.jobs[0].formats[1]``. Names of formats and naming strategies are resolved against the
plugin host while structuring, so the seed's spellings (``"PowerPoint"``, ``"SessionBased"``,
``{"Custom": "..."}``) become canonical names. Plugins' settings tables (``upload = {...}``)
sit at the job level and are structured into their ``JobSettings`` classes.
"""

from __future__ import annotations

import difflib
import enum
import json
import re
import tomllib
import typing
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import attrs
import cattrs
from cattrs.errors import (
    AttributeValidationNote,
    ClassValidationError,
    IterableValidationError,
    IterableValidationNote,
)

from curator_export.errors import CuratorExportError, ValidationError
from curator_export.model import (
    Audience,
    BatchExportJob,
    BatchExportOptions,
    ContentType,
    NamingChoice,
    OnConflict,
)
from curator_export.naming import check_pattern
from curator_export.plugins import PluginHost

T = TypeVar("T")


@attrs.frozen
class JobsFile:
    """A jobs file: batch options and the jobs to run."""

    options: BatchExportOptions = attrs.field(factory=BatchExportOptions)
    jobs: tuple[BatchExportJob, ...] = ()


class Problem(ValueError):
    """A value that has the right type but is wrong; its message is shown as it is."""


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _snake(name: str) -> str:
    return name


_SPELLING = re.compile(r"[\s_-]+")


def _enum_hook(enum_type: type[enum.StrEnum]) -> Callable[[Any, Any], Any]:
    """Accept ``instructor_notes``, ``instructor-notes`` and the seed's ``InstructorNotes``."""
    by_key = {_SPELLING.sub("", member.value).lower(): member for member in enum_type}

    def structure(value: Any, _: Any) -> Any:
        if not isinstance(value, str):
            raise Problem(f"expected a string, not {_json_type(value)}")
        member = by_key.get(_SPELLING.sub("", value).lower())
        if member is None:
            known = ", ".join(m.value for m in enum_type)
            raise Problem(f"unknown {enum_type.__name__} {value!r}; known: {known}")
        return member

    return structure


def _json_type(value: Any) -> str:
    return {
        bool: "a boolean",
        int: "a number",
        float: "a number",
        str: "a string",
        list: "a list",
        dict: "a table",
        type(None): "null",
    }.get(type(value), type(value).__name__)


def _strict(expected: type, name: str) -> Callable[[Any, Any], Any]:
    def structure(value: Any, _: Any) -> Any:
        # bool is an int subclass: a boolean where a number belongs is a mistake, not 1
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            raise Problem(f"expected {name}, not {_json_type(value)}")
        return value

    return structure


def _number(value: Any, _: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Problem(f"expected a number, not {_json_type(value)}")
    return float(value)


def _is_homogeneous_tuple(type_: Any) -> bool:
    args = typing.get_args(type_)
    return typing.get_origin(type_) is tuple and len(args) == 2 and args[1] is Ellipsis


def _tuple_hook(converter: cattrs.Converter) -> Callable[[Any, Any], tuple[Any, ...]]:
    """A list; a single string may list several values, comma-separated."""

    def structure(value: Any, type_: Any) -> tuple[Any, ...]:
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        if not isinstance(value, list | tuple):
            raise Problem(f"expected a list, not {_json_type(value)}")
        element_type = typing.get_args(type_)[0]
        items, errors = [], []
        for index, element in enumerate(value):
            try:
                items.append(converter.structure(element, element_type))
            except (ValueError, TypeError, cattrs.BaseValidationError) as exc:
                errors.append(_note(exc, index))
        if errors:
            raise IterableValidationError("invalid list", errors, tuple)
        return tuple(items)

    return structure


def _note(exc: Exception, where: int | str) -> Exception:
    if isinstance(where, int):
        exc.__notes__ = [IterableValidationNote(f"@ index {where}", where, str)]
    else:
        exc.__notes__ = [AttributeValidationNote(f"@ attribute {where}", where, str)]
    return exc


class _AttrsStructurer:
    """Structures one attrs class: every field, every validator, every unknown key reported.

    A field marked ``tables_by_name`` (``BatchExportJob.settings``) is not a key itself: it
    collects the tables named by ``tables()`` (name -> attrs class) found beside the fields.
    """

    def __init__(
        self,
        converter: cattrs.Converter,
        cls: type,
        key_of: Callable[[str], str],
        checks: Mapping[str, Callable[[Any], Any]],
        tables: Callable[[], Mapping[str, type]] = lambda: {},
    ) -> None:
        self.converter = converter
        self.cls = cls
        attrs.resolve_types(cls)  # the model uses postponed annotations: turn strings into types
        self.key_of = key_of
        by_name = [f for f in attrs.fields(cls) if f.metadata.get("tables_by_name")]
        self.tables_field = by_name[0].name if by_name else None
        self.fields = {key_of(f.name): f for f in attrs.fields(cls) if f.init and f not in by_name}
        self.checks = checks
        self.tables = tables

    def __call__(self, data: Any, _: Any) -> Any:
        if not isinstance(data, Mapping):
            raise Problem(f"expected a table, not {_json_type(data)}")
        errors: list[Exception] = []
        kwargs: dict[str, Any] = {}
        tables: dict[str, tuple[str, type]] = {}
        if self.tables_field is not None:
            tables = {self.key_of(name): (name, cls) for name, cls in self.tables().items()}
        for key in data:
            if key not in self.fields and key not in tables:
                hint = difflib.get_close_matches(str(key), [*self.fields, *tables], n=1)
                suffix = f" (did you mean {hint[0]!r}?)" if hint else ""
                errors.append(_note(Problem(f"unknown field{suffix}"), str(key)))
        settings: dict[str, Any] = {}
        for key, (name, table_cls) in tables.items():
            if key in data:
                try:
                    settings[name] = self.converter.structure(data[key], table_cls)
                except (ValueError, TypeError, cattrs.BaseValidationError) as exc:
                    errors.append(_note(_as_problem(exc), key))
        if settings and self.tables_field is not None:
            kwargs[self.tables_field] = settings
        for key, field in self.fields.items():
            if key not in data:
                if field.default is attrs.NOTHING:
                    errors.append(_note(Problem("required field missing"), key))
                continue
            try:
                value = self.converter.structure(data[key], field.type)
                check = self.checks.get(field.name)
                if check is not None:
                    value = check(value)
                if field.converter is not None and callable(field.converter):
                    value = field.converter(value)
                if field.validator is not None:
                    field.validator(None, field, value)
            except (ValueError, TypeError, cattrs.BaseValidationError) as exc:
                errors.append(_note(_as_problem(exc), key))
                continue
            kwargs[field.name] = value
        if errors:
            raise ClassValidationError(f"invalid {self.cls.__name__}", errors, self.cls)
        return self.cls(**kwargs)


def _as_problem(exc: Exception) -> Exception:
    """A validator's ``ValueError`` or ``TypeError`` as a ``Problem``: its message is shown."""
    if isinstance(exc, Problem | cattrs.BaseValidationError):
        return exc
    return Problem(str(exc))


def _format_problem(exc: BaseException, type_: Any) -> str:
    if isinstance(exc, Problem):
        return str(exc)
    return cattrs.v.format_exception(exc, type_)


class Converters:
    """Structures jobs files and payloads; names are resolved against ``host``."""

    def __init__(self, host: PluginHost | None = None) -> None:
        self.host = host
        self.snake = self._make(_snake)
        self.camel = self._make(camel)

    def _make(self, key_of: Callable[[str], str]) -> cattrs.Converter:
        converter = cattrs.Converter()
        converter.register_structure_hook(str, _strict(str, "a string"))
        converter.register_structure_hook(bool, _strict(bool, "true or false"))
        converter.register_structure_hook(int, _strict(int, "a whole number"))
        converter.register_structure_hook(Path, lambda v, _: Path(_strict(str, "a path")(v, _)))
        converter.register_structure_hook_func(_is_homogeneous_tuple, _tuple_hook(converter))
        converter.register_structure_hook(ContentType, _enum_hook(ContentType))
        converter.register_structure_hook(Audience, _enum_hook(Audience))
        converter.register_structure_hook(OnConflict, _enum_hook(OnConflict))
        converter.register_structure_hook(float, _number)
        converter.register_structure_hook(NamingChoice, self._naming_choice)
        checks: dict[type, dict[str, Callable[[Any], Any]]] = {
            BatchExportJob: {
                "formats": self._formats,
                "format_options": lambda value: self._format_options(converter, value),
            },
        }
        converter.register_structure_hook_factory(
            attrs.has,
            lambda cls: _AttrsStructurer(
                converter, cls, key_of, checks.get(cls, {}), self._settings_classes
            ),
        )
        return converter

    def _settings_classes(self) -> dict[str, type]:
        """The plugins' job settings tables: name -> the attrs class it is structured into."""
        if self.host is None:
            return {}
        return {name: record.options for name, record in self.host.job_settings().items()}

    # -- names resolved against the plugin host -----------------------------------------

    def _formats(self, names: tuple[str, ...]) -> tuple[str, ...]:
        if self.host is None:
            return tuple(name.lower() for name in names)
        resolved, errors = [], []
        for index, name in enumerate(names):
            try:
                resolved.append(self.host.resolve_format(name).name)
            except CuratorExportError as exc:
                errors.append(_note(Problem(str(exc).split("; known:")[0]), index))
        duplicates = {name for name in resolved if resolved.count(name) > 1}
        if duplicates:
            errors.append(Problem(f"format(s) listed twice: {', '.join(sorted(duplicates))}"))
        if errors:
            raise IterableValidationError("invalid formats", errors, tuple)
        return tuple(resolved)

    def _format_options(
        self, converter: cattrs.Converter, value: Mapping[str, Any]
    ) -> dict[str, dict[str, Any]]:
        """Each format's options checked against its ``options`` class, keyed by its name and
        kept as snake_case data (the job stays plain data; planning builds the instances)."""
        checked: dict[str, dict[str, Any]] = {}
        errors: list[Exception] = []
        for key, raw in value.items():
            try:
                name, options = self._one_format_options(converter, key, raw)
            except cattrs.BaseValidationError as exc:
                errors.append(_note(exc, str(key)))
            except (ValueError, TypeError, CuratorExportError) as exc:
                message = str(exc).split("; known:")[0]
                errors.append(_note(Problem(message), str(key)))
            else:
                if name in checked:
                    errors.append(_note(Problem(f"options for {name} are given twice"), str(key)))
                checked[name] = options
        if errors:
            raise ClassValidationError("invalid format_options", errors, dict)
        return checked

    def _one_format_options(
        self, converter: cattrs.Converter, key: str, raw: Any
    ) -> tuple[str, dict[str, Any]]:
        if not isinstance(raw, Mapping):
            raise Problem(f"expected a table of options, not {_json_type(raw)}")
        if self.host is None:
            return key.lower(), dict(raw)
        output_format = self.host.resolve_format(key)
        if output_format.options is None:
            raise Problem(f"the {output_format.name} format takes no options")
        options = converter.structure(raw, output_format.options)
        return output_format.name, unstructure(options)

    def _naming_choice(self, value: Any, _: Any) -> NamingChoice:
        if isinstance(value, str):
            name, pattern = value, None
        elif isinstance(value, Mapping) and len(value) == 1:
            ((name, pattern),) = value.items()
            if name in ("name", "pattern"):
                name, pattern = value.get("name", "custom"), value.get("pattern")
        elif isinstance(value, Mapping) and set(value) <= {"name", "pattern"}:
            name, pattern = value.get("name", "custom"), value.get("pattern")
        else:
            raise Problem('expected a strategy name such as "session", or { custom = "PATTERN" }')
        if not isinstance(name, str) or (pattern is not None and not isinstance(pattern, str)):
            raise Problem("a naming strategy and its pattern must be strings")
        if self.host is None:
            return NamingChoice(name=name.lower(), pattern=pattern)
        try:
            strategy = self.host.resolve_naming_strategy(name)
        except CuratorExportError as exc:
            raise Problem(str(exc)) from None
        if strategy.takes_pattern and not pattern:
            raise Problem(f"the {strategy.name!r} naming strategy needs a pattern")
        if strategy.takes_pattern and pattern is not None:
            problems = check_pattern(pattern)
            if problems:
                raise Problem("; ".join(problems))
        if not strategy.takes_pattern and pattern is not None:
            raise Problem(f"the {strategy.name!r} naming strategy takes no pattern")
        return NamingChoice(name=strategy.name, pattern=pattern)

    # -- entry points --------------------------------------------------------------------

    def with_settings(
        self, jobs: Sequence[BatchExportJob], name: str, data: Any, *, where: str
    ) -> list[BatchExportJob]:
        """``jobs``, those without a ``name`` table given ``data`` structured into one (the
        command line's ``--upload URL`` for the jobs without an ``upload`` table of their
        own). ``where`` names the source of ``data`` in error locations."""
        known = self._settings_classes()
        if name not in known:
            listing = ", ".join(sorted(known)) or "none"
            raise ValidationError(
                [f"no installed plugin reads {name!r} settings (installed: {listing}) @ {where}"]
            )
        value: Any = _structure_all(self.snake, data, known[name], where)
        return [
            job
            if name in job.settings
            else attrs.evolve(job, settings={**job.settings, name: value})
            for job in jobs
        ]

    def structure(self, data: Any, cls: type[T], *, camel_case: bool = False, path: str = "$") -> T:
        """Structure ``data`` into ``cls``, raising ``ValidationError`` with every problem.

        ``path`` is where ``data`` sits in a larger document, for the error locations.
        """
        converter = self.camel if camel_case else self.snake
        return _structure_all(converter, data, cls, path)

    def jobs_file(self, data: Any, *, source: str | None = None) -> JobsFile:
        """Options and jobs of a parsed jobs file, checking job ids are unique."""
        if not isinstance(data, Mapping):
            raise ValidationError(["expected a table with [options] and [[jobs]] @ $"], source)
        errors: list[str] = []
        unknown = sorted(set(data) - {"options", "jobs"})
        errors += [
            f"unknown section {key!r} (expected options or jobs) @ $.{key}" for key in unknown
        ]
        options = BatchExportOptions()
        try:
            options = _structure_all(
                self.snake, data.get("options", {}), BatchExportOptions, "$.options"
            )
        except ValidationError as exc:
            errors += exc.errors
        raw_jobs = data.get("jobs", [])
        if not isinstance(raw_jobs, list) or not raw_jobs:
            errors.append("expected at least one [[jobs]] entry @ $.jobs")
            raw_jobs = []
        jobs: list[BatchExportJob] = []
        first_index: dict[str, int] = {}
        for index, raw in enumerate(raw_jobs):
            where = f"$.jobs[{index}]"
            try:
                jobs.append(_structure_all(self.snake, raw, BatchExportJob, where))
            except ValidationError as exc:
                errors += exc.errors
            job_id = raw.get("job_id") if isinstance(raw, Mapping) else None
            if isinstance(job_id, str):
                if job_id in first_index:
                    errors.append(
                        f"duplicate job_id {job_id!r} (first at $.jobs[{first_index[job_id]}])"
                        f" @ {where}.job_id"
                    )
                first_index.setdefault(job_id, index)
        if errors:
            raise ValidationError(errors, source)
        return JobsFile(options=options, jobs=tuple(jobs))

    def read_jobs_file(self, path: Path) -> JobsFile:
        """Read a ``.toml`` or ``.json`` jobs file; relative output folders stay relative."""
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ValidationError(
                [f"cannot read the jobs file: {exc.strerror}"], str(path)
            ) from exc
        except UnicodeDecodeError as exc:
            raise ValidationError([f"the jobs file is not UTF-8 text: {exc}"], str(path)) from exc
        try:
            data = json.loads(text) if path.suffix.lower() == ".json" else tomllib.loads(text)
        except json.JSONDecodeError as exc:
            raise ValidationError([f"invalid JSON: {exc}"], str(path)) from exc
        except tomllib.TOMLDecodeError as exc:
            raise ValidationError([f"invalid TOML: {exc}"], str(path)) from exc
        return self.jobs_file(data, source=str(path))


def _structure_all(converter: cattrs.Converter, data: Any, cls: type[T], path: str) -> T:
    try:
        return converter.structure(data, cls)
    except (ClassValidationError, IterableValidationError) as exc:
        raise ValidationError(cattrs.transform_error(exc, path, _format_problem)) from None
    except Problem as exc:
        raise ValidationError([f"{exc} @ {path}"]) from None


def unstructure(value: Any, *, camel_case: bool = False) -> Any:
    """Model objects to plain JSON-ready data, in snake_case or the seed's camelCase."""
    if isinstance(value, NamingChoice):
        return value.name if value.pattern is None else {value.name: value.pattern}
    if attrs.has(type(value)):
        key = camel if camel_case else _snake
        data = {}
        for field in attrs.fields(type(value)):
            item = unstructure(getattr(value, field.name), camel_case=camel_case)
            if field.metadata.get("tables_by_name"):  # beside the fields, as a file has them
                data.update({key(str(name)): table for name, table in item.items()})
                continue
            if camel_case and field.metadata.get("options_by_format"):
                # plain data of attrs classes: spelled like the payload that set it
                item = {name: {camel(k): v for k, v in opts.items()} for name, opts in item.items()}
            data[key(field.name)] = item
        return data
    if isinstance(value, Mapping):
        return {str(k): unstructure(v, camel_case=camel_case) for k, v in value.items()}
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        return [unstructure(v, camel_case=camel_case) for v in value]
    if isinstance(value, Path):
        return str(value)
    return value
