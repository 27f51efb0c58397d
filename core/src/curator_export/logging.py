"""Structured logging on top of the standard library's ``logging``.

Library code logs through ``get_logger``: structlog events carried by stdlib loggers named
``curator_export.*``, so an embedding application controls them with ordinary ``logging``
configuration, and nothing is printed below WARNING unless someone asks. The CLI calls
``configure``: a readable console format by default, JSON lines with ``--log-json``.

structlog (which brings rich's traceback support, asyncio and pygments with it) is imported
only when something is actually logged: ``get_logger`` returns a logger that checks the stdlib
level first, exactly as structlog's ``filter_by_level`` would, and builds the structlog
logger on the first event that passes; ``configure`` installs a formatter that builds the
structlog ``ProcessorFormatter`` on the first record it formats. A command that logs
nothing (``--help``, ``plugins``) never pays for structlog.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    import structlog

DEBUG_ENV = "CURATOR_EXPORT_DEBUG"
#: The seed document's name for the same switch.
SEED_DEBUG_ENV = "BATCH_EXPORT_DEBUG"
ROOT_LOGGER = "curator_export"

#: structlog's method names and the stdlib levels ``filter_by_level`` checks them against.
_METHOD_LEVELS = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warning": logging.WARNING,
    "warn": logging.WARNING,
    "error": logging.ERROR,
    "exception": logging.ERROR,
    "critical": logging.CRITICAL,
    "fatal": logging.CRITICAL,
}


def _shared_processors() -> list[structlog.typing.Processor]:
    import structlog

    return [
        structlog.stdlib.add_logger_name,
        structlog.stdlib.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]


def _structlog_logger(name: str) -> Any:
    import structlog

    return structlog.wrap_logger(
        logging.getLogger(name),
        processors=[
            structlog.stdlib.filter_by_level,
            *_shared_processors(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        wrapper_class=structlog.stdlib.BoundLogger,
    )


class _Logger:
    """What ``get_logger`` returns: a structlog ``BoundLogger`` made on first real use.

    The level methods check the stdlib logger first and return without importing structlog
    when the level is off (structlog's own ``filter_by_level`` would drop the event there
    too); anything else (``bind``, ``new`` ...) goes to the structlog logger.
    """

    __slots__ = ("_bound", "_name", "_stdlib")

    def __init__(self, name: str) -> None:
        self._name = name
        self._bound: Any = None
        self._stdlib: logging.Logger | None = None

    def _structlog(self) -> Any:
        if self._bound is None:
            self._bound = _structlog_logger(self._name)
        return self._bound

    def _emit(self, method: str, event: Any, args: tuple[Any, ...], kw: dict[str, Any]) -> Any:
        if self._stdlib is None:
            # Made on the first event, as a plain getLogger per event would (a logging
            # configuration loaded meanwhile treats it alike), then kept: getLogger takes
            # the logging module's lock on every call, and a batch logs a few events a file.
            self._stdlib = logging.getLogger(self._name)
        if not self._stdlib.isEnabledFor(_METHOD_LEVELS[method]):
            return None
        return getattr(self._structlog(), method)(event, *args, **kw)

    def debug(self, event: Any = None, *args: Any, **kw: Any) -> Any:
        return self._emit("debug", event, args, kw)

    def info(self, event: Any = None, *args: Any, **kw: Any) -> Any:
        return self._emit("info", event, args, kw)

    def warning(self, event: Any = None, *args: Any, **kw: Any) -> Any:
        return self._emit("warning", event, args, kw)

    warn = warning

    def error(self, event: Any = None, *args: Any, **kw: Any) -> Any:
        return self._emit("error", event, args, kw)

    def exception(self, event: Any = None, *args: Any, **kw: Any) -> Any:
        return self._emit("exception", event, args, kw)

    def critical(self, event: Any = None, *args: Any, **kw: Any) -> Any:
        return self._emit("critical", event, args, kw)

    fatal = critical

    def __getattr__(self, name: str) -> Any:
        return getattr(self._structlog(), name)

    def __repr__(self) -> str:
        return f"<curator_export logger {self._name!r}>"


def get_logger(name: str) -> Any:
    """A structlog logger writing through the stdlib logger ``name`` (built on first use)."""
    return _Logger(name)


def level_for(verbosity: int, environ: dict[str, str] | None = None) -> int:
    """WARNING by default, INFO with -v, DEBUG with -vv, CURATOR_EXPORT_DEBUG=1 or the seed's
    BATCH_EXPORT_DEBUG=1."""
    env = os.environ if environ is None else environ
    switches = (env.get(name, "").strip().lower() for name in (DEBUG_ENV, SEED_DEBUG_ENV))
    if any(value not in ("", "0", "false", "no") for value in switches) or verbosity >= 2:
        return logging.DEBUG
    return logging.INFO if verbosity == 1 else logging.WARNING


def processor_formatter(*, json: bool, colors: bool) -> logging.Formatter:
    """structlog's formatter for our handler: JSON lines or the console renderer."""
    import structlog

    processors: list[structlog.typing.Processor] = [
        structlog.stdlib.ProcessorFormatter.remove_processors_meta
    ]
    if json:
        # The console renderer draws tracebacks itself; JSON needs the text, not "exc_info": true.
        processors += [structlog.processors.format_exc_info, structlog.processors.JSONRenderer()]
    else:
        processors.append(structlog.dev.ConsoleRenderer(colors=colors))
    return structlog.stdlib.ProcessorFormatter(
        processors=processors,
        foreign_pre_chain=_shared_processors(),
    )


class _DeferredFormatter(logging.Formatter):
    """Formats with ``processor_formatter(...)``, made when the first record is formatted."""

    def __init__(self, *, json: bool, colors: bool) -> None:
        super().__init__()
        self.json = json
        self.colors = colors
        self._formatter: logging.Formatter | None = None

    def format(self, record: logging.LogRecord) -> str:
        if self._formatter is None:
            self._formatter = processor_formatter(json=self.json, colors=self.colors)
        return self._formatter.format(record)


def configure(verbosity: int = 0, *, json: bool = False, stream: TextIO | None = None) -> None:
    """Log to stderr (stdout carries command output such as ``--json``)."""
    output = stream or sys.stderr
    handler = logging.StreamHandler(output)
    handler.setFormatter(_DeferredFormatter(json=json, colors=output.isatty()))
    logger = logging.getLogger(ROOT_LOGGER)
    logger.handlers[:] = [handler]
    logger.setLevel(level_for(verbosity))
    logger.propagate = False
