"""curator-export: batch-export course sessions into many formats at once.

The names re-exported here are the stable API for plugins and embedding applications.
"""

from importlib.metadata import version

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
from curator_export.records import ExecutorSpec, Format, NamingStrategy

__version__ = version("curator-export")

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
    "NamingStrategy",
    "Session",
    "__version__",
    "hookimpl",
]
