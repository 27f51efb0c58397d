"""Structured logging: structlog loads on the first event that passes the level, not before."""

from __future__ import annotations

import io
import json
import logging

import pytest

from curator_export.logging import ROOT_LOGGER, configure, get_logger


@pytest.fixture
def root_logger():
    """Put the project's root logger back as it was after a test configures it."""
    logger = logging.getLogger(ROOT_LOGGER)
    saved = (logger.handlers[:], logger.level, logger.propagate)
    yield logger
    logger.handlers[:], logger.level, logger.propagate = saved


def test_structlog_is_imported_only_when_an_event_passes_the_level(run_python):
    """Events below the level cost no structlog import; the first one shown loads it."""
    code = (
        "import sys\n"
        "from curator_export.logging import configure, get_logger\n"
        "configure(0)\n"
        "log = get_logger('curator_export.demo')\n"
        "log.debug('hidden debug', n=1)\n"
        "log.info('hidden info')\n"
        "print('BEFORE', 'structlog' in sys.modules)\n"
        "log.warning('shown warning', n=2)\n"
        "print('AFTER', 'structlog' in sys.modules)\n"
    )
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    assert "BEFORE False" in result.stdout
    assert "AFTER True" in result.stdout
    assert "shown warning" in result.stderr
    assert "n=2" in result.stderr
    assert "hidden" not in result.stderr


def test_json_lines_carry_event_level_logger_and_fields(root_logger):
    """With --log-json, each event is one JSON object with the structlog fields."""
    stream = io.StringIO()
    configure(2, json=True, stream=stream)
    log = get_logger("curator_export.test_logging")
    log.debug("plugin loaded", plugin="html")
    log.bind(task="t1").info("bound event", files=2)
    log.warning("last one")
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [line["event"] for line in lines] == ["plugin loaded", "bound event", "last one"]
    first, bound, last = lines
    assert first["level"] == "debug"
    assert first["logger"] == "curator_export.test_logging"
    assert first["plugin"] == "html"
    assert "timestamp" in first
    assert bound["task"] == "t1"
    assert bound["files"] == 2
    assert last["level"] == "warning"


def test_json_lines_carry_the_traceback_of_an_exception(root_logger):
    """An exception logged with --log-json carries its traceback as text, not a flag."""
    stream = io.StringIO()
    configure(0, json=True, stream=stream)
    log = get_logger("curator_export.test_logging")
    try:
        raise ValueError("boom")
    except ValueError:
        log.exception("it failed", task="t3")
    (line,) = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert line["event"] == "it failed"
    assert "exc_info" not in line
    assert "Traceback (most recent call last)" in line["exception"]
    assert "ValueError: boom" in line["exception"]


def test_console_format_shows_fields_and_tracebacks(root_logger):
    """Without --log-json, events are rendered for people, with the exception's traceback."""
    stream = io.StringIO()
    configure(0, stream=stream)
    log = get_logger("curator_export.test_logging")
    try:
        raise ValueError("boom")
    except ValueError:
        log.exception("it failed", task="t2")
    text = stream.getvalue()
    assert "it failed" in text
    assert "task=t2" in text
    assert "ValueError: boom" in text


def test_level_is_checked_against_the_stdlib_logger(root_logger):
    """Below the configured level nothing is written, as structlog's filter_by_level does."""
    stream = io.StringIO()
    configure(0, json=True, stream=stream)  # WARNING
    log = get_logger("curator_export.test_logging")
    log.debug("no")
    log.info("no")
    log.error("yes", code=3)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [(line["event"], line["level"]) for line in lines] == [("yes", "error")]


def test_plain_stdlib_records_are_formatted_too(root_logger):
    """Records from plain ``logging`` calls under ``curator_export`` get the same format."""
    stream = io.StringIO()
    configure(1, json=True, stream=stream)
    logging.getLogger("curator_export.plain").info("plain %s", "record")
    (line,) = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert line["event"] == "plain record"
    assert line["level"] == "info"
    assert line["logger"] == "curator_export.plain"
