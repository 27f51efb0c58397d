"""curator-export: batch-export course sessions into many formats at once.

The names re-exported here are the stable API for plugins and embedding applications.

They are resolved on first access (PEP 562), so importing a submodule, as the command line
does for ``--help``, does not import the model (attrs), pluggy or ``importlib.metadata``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from curator_export.hookspecs import hookimpl
    from curator_export.model import (
        Audience,
        BatchExportJob,
        BatchExportOptions,
        BatchExportResult,
        BatchProgress,
        Branding,
        ContentItem,
        ContentType,
        ExportResult,
        ExportStatus,
        JobResult,
        Session,
    )
    from curator_export.records import ExecutorSpec, Format, JobSettings, NamingStrategy

    __version__: str

#: Where each re-exported name lives.
_EXPORTS = {
    "hookimpl": "curator_export.hookspecs",
    **dict.fromkeys(
        (
            "Audience",
            "BatchExportJob",
            "BatchExportOptions",
            "BatchExportResult",
            "BatchProgress",
            "Branding",
            "ContentItem",
            "ContentType",
            "ExportResult",
            "ExportStatus",
            "JobResult",
            "Session",
        ),
        "curator_export.model",
    ),
    **dict.fromkeys(
        ("ExecutorSpec", "Format", "JobSettings", "NamingStrategy"), "curator_export.records"
    ),
}

__all__ = [
    "Audience",
    "BatchExportJob",
    "BatchExportOptions",
    "BatchExportResult",
    "BatchProgress",
    "Branding",
    "ContentItem",
    "ContentType",
    "ExecutorSpec",
    "ExportResult",
    "ExportStatus",
    "Format",
    "JobResult",
    "JobSettings",
    "NamingStrategy",
    "Session",
    "__version__",
    "hookimpl",
]


def __getattr__(name: str) -> Any:
    if name == "__version__":
        from importlib.metadata import version

        value: Any = version("curator-export")
    elif name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value  # resolved once
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
