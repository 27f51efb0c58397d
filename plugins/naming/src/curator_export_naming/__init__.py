"""curator-export plugin: the naming strategies of the seed document.

Each strategy says what a file should be called; the core then makes the name safe and
unique, so these functions stay about meaning, not about file-system rules.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from curator_export import NamingStrategy, hookimpl
from curator_export.distribution import version_attribute

if TYPE_CHECKING:  # the strategies run at planning time, where the core has it loaded
    from curator_export.naming import NamingContext


def by_session(context: NamingContext) -> str:
    """``session_123`` for one session; the job id for a merged job."""
    return context.session_id


def by_content(context: NamingContext) -> str:
    """``Introduction_to_Programming``: the title, spaces as underscores."""
    return context.placeholders()["title"]


def sequential(context: NamingContext) -> str:
    """``export_20261129_143000_001``: batch timestamp and number in plan order."""
    values = context.placeholders()
    return f"export_{values['timestamp']}_{values['seq']}"


def custom(context: NamingContext) -> str:
    """The job's pattern with its placeholders filled in (see ``expand_pattern``)."""
    from curator_export.naming import expand_pattern

    return expand_pattern(context)


@hookimpl
def curator_export_naming_strategies() -> Sequence[NamingStrategy]:
    return [
        NamingStrategy(
            name="session",
            aliases=("sessionbased", "session-based"),
            description="the session id, e.g. session_123.html (the job id when merged)",
            function=by_session,
        ),
        NamingStrategy(
            name="content",
            aliases=("contentbased", "content-based"),
            description="the title, e.g. Introduction_to_Programming.html",
            function=by_content,
        ),
        NamingStrategy(
            name="sequential",
            description="export_{timestamp}_{seq}, numbered in plan order",
            function=sequential,
        ),
        NamingStrategy(
            name="custom",
            description="a pattern of placeholders, e.g. {session_id}/{format}/{title}",
            function=custom,
            takes_pattern=True,
        ),
    ]


__getattr__ = version_attribute("curator-export-naming", __name__)
