"""A post-export hook: a ``SHA256SUMS`` file in each job's output folder, one line per
finished file (companion figures included), which ``sha256sum -c SHA256SUMS`` checks.

Give it to whoever receives the folder (an LMS administrator, a print shop, an archive): they
can tell that every file arrived whole. It is written only when ``$CURATOR_QUIZCSV_SHA256SUMS``
is set (to ``1``; empty or ``0`` is off): installing the plugin alone must not add files to
everybody's output folders.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from curator_export import hookimpl

if TYPE_CHECKING:
    from curator_export import BatchExportJob, ExportResult

# --8<-- [start:after_export]
SUMS_ENV = "CURATOR_QUIZCSV_SHA256SUMS"
SUMS_FILE = "SHA256SUMS"


@hookimpl
def curator_export_after_export(job: BatchExportJob, result: ExportResult) -> None:
    """Record the finished file of ``result`` and its companions in ``SHA256SUMS``.

    The core calls this in the batch's own process, once the file is final and complete,
    and only for files written (``succeeded``); the status check below says so for readers.
    A file written again (``on_conflict = "overwrite"``) replaces its line, so the file
    always describes what is in the folder.
    """
    if os.environ.get(SUMS_ENV, "") in ("", "0") or result.path is None:
        return
    from curator_export import ExportStatus  # the model: loaded by now, not at listing time

    if result.status is not ExportStatus.SUCCEEDED:
        return
    folder = Path(os.path.abspath(job.output_directory))
    digests: dict[Path, str] = {result.path: result.sha256 or _sha256(result.path)}
    # Companions (figures beside a Markdown file) are finished too; the result has no
    # digest for them, so they are read once here.
    digests.update((path, _sha256(path)) for path in result.companions)
    update_sums(folder / SUMS_FILE, {_relative(path, folder): d for path, d in digests.items()})


# --8<-- [end:after_export]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _relative(path: Path, folder: Path) -> str:
    """``path`` relative to the output folder, with ``/``: the core writes nothing outside it."""
    return Path(os.path.relpath(os.path.abspath(path), folder)).as_posix()


# A line as ``sha256sum`` writes it: the digest, a space, a space (text) or ``*`` (binary),
# the name; a leading backslash means the name escapes backslashes and newlines.
_LINE = re.compile(r"(?P<escaped>\\?)(?P<digest>[0-9a-f]{64}) [ *](?P<name>.*)")


def read_sums(text: str) -> tuple[dict[str, str], list[str]]:
    """The names and digests of a ``SHA256SUMS`` text, and the lines that are not checksums
    (kept as they are: the file may not be ours alone)."""
    sums: dict[str, str] = {}
    other: list[str] = []
    for line in text.splitlines():
        match = _LINE.fullmatch(line)
        if match is None:
            other.append(line)
            continue
        name = match["name"]
        if match["escaped"]:
            name = re.sub(r"\\(.)", lambda m: {"n": "\n", "r": "\r"}.get(m[1], m[1]), name)
        sums[name] = match["digest"]
    return sums, other


def format_sums(sums: Mapping[str, str], other: Iterable[str] = ()) -> str:
    """``SHA256SUMS`` text, sorted by name, as ``sha256sum`` writes it (and ``-c`` reads it)."""
    lines = list(other)
    for name in sorted(sums):
        escaped = name.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r")
        prefix = "\\" if escaped != name else ""
        lines.append(f"{prefix}{sums[name]}  {escaped}")
    return "".join(f"{line}\n" for line in lines)


def update_sums(sums_file: Path, digests: Mapping[str, str]) -> None:
    """Set the lines of ``digests`` in ``sums_file``, replacing the file in one step."""
    from curator_export.output import write_atomically

    try:
        sums, other = read_sums(sums_file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        sums, other = {}, []
    sums.update(digests)
    write_atomically(sums_file, format_sums(sums, other).encode("utf-8"), overwrite=True)
