"""Every exception curator-export raises on purpose, in one place."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path


class CuratorExportError(Exception):
    """Base of every error raised on purpose; the CLI shows these without a traceback."""


class PluginError(CuratorExportError):
    """A plugin could not be loaded or registered something invalid."""


class PluginConflictError(PluginError):
    """Two plugins claim the same format or naming-strategy name."""


class InvalidRecordError(PluginError):
    """A registration hook returned a record that does not validate."""


class UnknownNameError(CuratorExportError):
    """A format, naming strategy, executor or template name that nothing provides."""


class _ProblemListError(CuratorExportError):
    """Every problem found in one source, reported at once, one per line."""

    noun = ("error", "errors")
    suffix = ""

    def __init__(self, errors: Sequence[str], source: str | None = None) -> None:
        self.errors = list(errors)
        self.source = source
        head = f"{source}: " if source else ""
        noun = self.noun[0] if len(self.errors) == 1 else self.noun[1]
        super().__init__(
            f"{head}{len(self.errors)} {noun}{self.suffix}\n"
            + "\n".join(f"  - {error}" for error in self.errors)
        )


class ValidationError(_ProblemListError):
    """A jobs file or payload is invalid; ``errors`` lists every problem with its location."""


class StoreError(CuratorExportError):
    """The session store cannot be opened, migrated or read."""


class SessionNotFoundError(StoreError):
    """Sessions were asked for that the store does not hold."""

    def __init__(self, missing: Sequence[str]) -> None:
        self.missing = list(missing)
        super().__init__("unknown session id(s): " + ", ".join(repr(m) for m in self.missing))


class ImportSourceError(CuratorExportError):
    """A folder or lesson to import is malformed; the message names the file."""


class DocumentError(CuratorExportError):
    """Markdown content could not be turned into a document tree."""


class NotImplementedFormatError(CuratorExportError):
    """A format whose writer has not been written yet."""


class NothingToExportError(NotImplementedFormatError):
    """A writer found nothing of its kind in the request (a quiz export of a session without
    questions): the export is skipped with this message as its warning, not failed."""


class ImportValidationError(_ProblemListError, ImportSourceError):
    """A folder or lesson has invalid files; ``errors`` lists every problem, each naming its file.

    Importers check every file before writing anything, so one run shows all the problems.
    """

    noun = ("problem", "problems")
    suffix = ", nothing imported"


class OutputError(CuratorExportError):
    """An output file or folder could not be written; ``path`` and ``reason`` say which and why.

    The arguments stay in ``args`` so the error survives pickling across worker processes.
    """

    def __init__(self, path: Path | str, reason: str, errno: int | None = None) -> None:
        super().__init__(path, reason, errno)
        self.path = Path(path)
        self.reason = reason
        self.errno = errno

    def __str__(self) -> str:
        return f"cannot write {self.path}: {self.reason}"


class DiskFullError(OutputError):
    """The disk or the user's quota is full (ENOSPC, EDQUOT): the batch should stop early."""


class OutputExistsError(OutputError):
    """The target file exists, and outputs are never overwritten unless asked to."""


class ArchiveError(OutputError):
    """A zip archive failed verification: it is unreadable or differs from its sources."""

    def __str__(self) -> str:
        return f"bad archive {self.path}: {self.reason}"


class ManifestError(CuratorExportError):
    """A batch manifest is unreadable, malformed or of an unknown schema version."""

    def __init__(self, path: Path | str, reason: str) -> None:
        super().__init__(path, reason)
        self.path = Path(path)
        self.reason = reason

    def __str__(self) -> str:
        return f"cannot read manifest {self.path}: {self.reason}"


class TransientError(CuratorExportError):
    """A failure worth retrying (a busy service, a lock): writers raise it to ask for a retry.

    The batch retries the export with backoff up to ``max_retries`` and records the attempts.
    """


class BrandingError(CuratorExportError):
    """A branding value that cannot be used safely: a bad colour, font stack or logo."""
