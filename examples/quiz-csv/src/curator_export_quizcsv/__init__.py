"""curator-export plugin: quiz questions as CSV, and the other kinds of plugin a third party writes.

This is the entry module, named by the entry point in ``pyproject.toml``; the host imports it
when it loads plugins, so it stays cheap: the writer's module (and with it the document tree
and the ``csv`` module) is imported only when a file is written.

* format ``quiz-csv``: one row per quiz question (``csv_writer``);
* naming strategy ``lms``: ``<course>/<NN>-<title>`` in teaching order (``naming``);
* a progress sink writing JSON lines to ``$CURATOR_QUIZCSV_PROGRESS_LOG`` (``progress_log``);
* institution branding from ``$CURATOR_QUIZCSV_BRAND_FILE`` (``branding``);
* a ``SHA256SUMS`` file in the output folder of each job with a ``checksums`` table
  (``checksums``: a job settings table, an after_export and an after_batch hook).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import attrs

from curator_export import Format, hookimpl
from curator_export.distribution import version_attribute

# The other hooks live in modules of their own; importing them here puts them on the entry
# module, where the host looks for hook implementations.
from curator_export_quizcsv.branding import curator_export_branding
from curator_export_quizcsv.checksums import (
    curator_export_after_batch,
    curator_export_after_export,
    curator_export_job_settings,
)
from curator_export_quizcsv.naming import curator_export_naming_strategies
from curator_export_quizcsv.progress_log import curator_export_progress

if TYPE_CHECKING:
    from curator_export.render import RenderRequest

__all__ = [
    "QuizCsvOptions",
    "__version__",
    "curator_export_after_batch",
    "curator_export_after_export",
    "curator_export_branding",
    "curator_export_formats",
    "curator_export_job_settings",
    "curator_export_naming_strategies",
    "curator_export_progress",
    "write_quiz_csv",
]

# --8<-- [start:options]
DELIMITERS = {",": ",", ";": ";", "\t": "\t", "comma": ",", "semicolon": ";", "tab": "\t"}


def _delimiter(value: object) -> str:
    """``,``, ``;`` or a tab, also spelled ``comma``, ``semicolon`` or ``tab``."""
    text = str(value)
    if text.lower() not in DELIMITERS:
        raise ValueError(f"delimiter {text!r} must be one of comma, semicolon or tab")
    return DELIMITERS[text.lower()]


@attrs.frozen
class QuizCsvOptions:
    """Settings of the quiz-csv format: ``[jobs.format_options.quiz-csv]`` in a jobs file,
    ``-O quiz-csv.NAME=VALUE`` on the command line."""

    #: Start with a UTF-8 byte-order mark, so that Excel reads the file as UTF-8 (without
    #: it, Excel shows "Â°C" for "°C"); turn off for a tool that takes the mark for text.
    bom: bool = True
    #: ``comma`` (the default), ``semicolon`` (what Excel expects where the decimal mark is
    #: a comma: de, fr, es, ...) or ``tab``.
    delimiter: str = attrs.field(default=",", converter=_delimiter)
    #: Put ``'`` before text starting with ``=``, ``+``, ``-``, ``@``, tab or carriage
    #: return, so that a spreadsheet shows it instead of running it as a formula.
    escape_formulas: bool = True


# --8<-- [end:options]


# --8<-- [start:format]
def write_quiz_csv(request: RenderRequest) -> bytes:
    """The quiz questions of ``request`` as CSV (see ``curator_export_quizcsv.csv_writer``).

    A module-level function, so that worker processes can import it; the writer's module is
    imported here, when a file is written, not when plugins are listed.
    """
    from curator_export_quizcsv.csv_writer import write

    return write(request)


@hookimpl
def curator_export_formats() -> Sequence[Format]:
    return [
        Format(
            name="quiz-csv",
            aliases=("quizcsv",),
            extension=".csv",
            media_type="text/csv",
            can_merge=True,
            description="Quiz questions as CSV rows, for a question bank or a spreadsheet",
            writer=write_quiz_csv,
            options=QuizCsvOptions,
            worker_modules=("curator_export_quizcsv.csv_writer",),
        )
    ]


# --8<-- [end:format]


__getattr__ = version_attribute("curator-export-quizcsv", __name__)
