"""The ``lms`` naming strategy: ``<course>/<NN>-<title>``, so an LMS folder sorts in teaching
order (``shell-novice/02-navigating-files-and-directories.csv``).

A strategy only says what a file should be called. The core makes whatever it returns safe
(portable characters, bounded length, inside the output folder) and unique in the batch, so
this module is about meaning, not file-system rules.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from typing import TYPE_CHECKING

from curator_export import NamingStrategy, hookimpl

if TYPE_CHECKING:
    from curator_export.naming import NamingContext

# --8<-- [start:strategy]
SLUG_LENGTH = 60


def slug(text: str) -> str:
    """``Données brutes: 2024!`` → ``donnees-brutes-2024``: ASCII letters and digits joined by
    hyphens (LMS upload tools and zip programs mangle other characters), at most 60 of them,
    cut at a hyphen. Empty when nothing is left (a title in Chinese): callers fall back."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if len(words) <= SLUG_LENGTH:
        return words
    return words[: SLUG_LENGTH + 1].rsplit("-", 1)[0]


def lms_name(context: NamingContext) -> str:
    """``<course>/<NN>-<title>`` for one session, ``<course>/<title>`` for a merged job.

    ``NN`` is the session's position in its course (two digits), or its place in the job
    when the store knows no position. The course folder is the course's id, else the slug of
    its title, else the job id.
    """
    sessions = context.sessions
    # Strategies get the sessions as the store loaded them: ``Session`` records, which carry
    # the course and the position (the ``Titled`` protocol promises only id and titles).
    courses = {getattr(session, "course_id", None) or session.course_title for session in sessions}
    course = slug(courses.pop() or "") if len(courses) == 1 else ""
    folder = course or context.job.job_id
    if context.merged:
        return f"{folder}/{slug(context.title) or context.session_id}"
    session = sessions[0]
    position = getattr(session, "position", 0) or context.job.session_ids.index(session.id) + 1
    return f"{folder}/{position:02d}-{slug(session.title) or session.id}"


@hookimpl
def curator_export_naming_strategies() -> Sequence[NamingStrategy]:
    return [
        NamingStrategy(
            name="lms",
            description="<course>/<NN>-<title>, numbered in teaching order for an LMS folder",
            function=lms_name,
        )
    ]


# --8<-- [end:strategy]
