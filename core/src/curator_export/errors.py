"""Every exception curator-export raises on purpose, in one place."""

from __future__ import annotations

from collections.abc import Sequence


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


class ImportValidationError(_ProblemListError, ImportSourceError):
    """A folder or lesson has invalid files; ``errors`` lists every problem, each naming its file.

    Importers check every file before writing anything, so one run shows all the problems.
    """

    noun = ("problem", "problems")
    suffix = ", nothing imported"
