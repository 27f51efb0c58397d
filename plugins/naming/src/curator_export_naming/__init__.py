"""curator-export plugin: the naming strategies of the seed document.

The strategies are registered here with their real names and seed spellings; their naming
functions arrive with the naming issue and raise a clear error until then.
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib.metadata import version
from typing import Any

from curator_export import NamingStrategy, hookimpl
from curator_export.errors import CuratorExportError

__version__ = version("curator-export-naming")


def _not_yet(strategy: str) -> Any:
    def name_output(context: Any) -> str:
        raise CuratorExportError(
            f"the {strategy!r} naming strategy is not implemented yet "
            f"(curator-export-naming {__version__})"
        )

    return name_output


@hookimpl
def curator_export_naming_strategies() -> Sequence[NamingStrategy]:
    return [
        NamingStrategy(
            name="session",
            aliases=("sessionbased", "session-based"),
            description="the session id (the job id for a merged job)",
            function=_not_yet("session"),
        ),
        NamingStrategy(
            name="content",
            aliases=("contentbased", "content-based"),
            description="the session's title (the job's title for a merged job)",
            function=_not_yet("content"),
        ),
        NamingStrategy(
            name="sequential",
            description="export_{timestamp}_{seq}, numbered in plan order",
            function=_not_yet("sequential"),
        ),
        NamingStrategy(
            name="custom",
            description="a pattern with placeholders such as {job_id}/{title}",
            function=_not_yet("custom"),
            takes_pattern=True,
        ),
    ]
