"""Structured logging on top of the standard library's ``logging``.

Library code logs through ``get_logger``: structlog events carried by stdlib loggers named
``curator_export.*``, so an embedding application controls them with ordinary ``logging``
configuration, and nothing is printed below WARNING unless someone asks. The CLI calls
``configure``: a readable console format by default, JSON lines with ``--log-json``.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import Any, TextIO

import structlog

DEBUG_ENV = "CURATOR_EXPORT_DEBUG"
#: The seed document's name for the same switch.
SEED_DEBUG_ENV = "BATCH_EXPORT_DEBUG"
ROOT_LOGGER = "curator_export"

_SHARED_PROCESSORS: list[structlog.typing.Processor] = [
    structlog.stdlib.add_logger_name,
    structlog.stdlib.add_log_level,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]


def get_logger(name: str) -> Any:
    """A structlog logger writing through the stdlib logger ``name``."""
    return structlog.wrap_logger(
        logging.getLogger(name),
        processors=[
            structlog.stdlib.filter_by_level,
            *_SHARED_PROCESSORS,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        wrapper_class=structlog.stdlib.BoundLogger,
    )


def level_for(verbosity: int, environ: dict[str, str] | None = None) -> int:
    """WARNING by default, INFO with -v, DEBUG with -vv, CURATOR_EXPORT_DEBUG=1 or the seed's
    BATCH_EXPORT_DEBUG=1."""
    env = os.environ if environ is None else environ
    switches = (env.get(name, "").strip().lower() for name in (DEBUG_ENV, SEED_DEBUG_ENV))
    if any(value not in ("", "0", "false", "no") for value in switches) or verbosity >= 2:
        return logging.DEBUG
    return logging.INFO if verbosity == 1 else logging.WARNING


def configure(verbosity: int = 0, *, json: bool = False, stream: TextIO | None = None) -> None:
    """Log to stderr (stdout carries command output such as ``--json``)."""
    output = stream or sys.stderr
    renderer: structlog.typing.Processor = (
        structlog.processors.JSONRenderer()
        if json
        else structlog.dev.ConsoleRenderer(colors=output.isatty())
    )
    handler = logging.StreamHandler(output)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
            foreign_pre_chain=_SHARED_PROCESSORS,
        )
    )
    logger = logging.getLogger(ROOT_LOGGER)
    logger.handlers[:] = [handler]
    logger.setLevel(level_for(verbosity))
    logger.propagate = False
