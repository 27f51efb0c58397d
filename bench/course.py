"""A deterministic synthetic course, the corpus lessons, and the real engine, for the benchmarks.

``write_synthetic(folder, sessions)`` writes N sessions of lesson-like Markdown (paragraphs,
lists, code, a table, callouts, challenges with solutions, a small PNG and SVG figure) as a
Markdown folder with ``curator_export.testing_writers.write_course``; ``small=True`` writes a
few lines per session instead (the memory comparison). The same arguments always give the same
bytes. ``build_store`` imports folders and lessons into a ``SQLiteStore`` with the project's
importers; ``Engine`` runs one job through ``BatchExportManager``, and ``Outputs`` gives each
timed call a fresh folder, removed after the call, untimed.
"""

from __future__ import annotations

import os
import shutil
import struct
import tempfile
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from datetime import datetime

    from curator_export.batch import BatchExportManager
    from curator_export.model import BatchExportJob, BatchExportResult, Session
    from curator_export.render import ParsedSession
    from curator_export.store import SQLiteStore

BENCH_DIR = Path(__file__).resolve().parent
CORPUS_ENV = "CURATOR_EXPORT_CORPUS"
LESSONS = ("shell-novice", "python-novice-inflammation")

SVG_FIGURE = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="240" height="120" viewBox="0 0 240 120">'
    '<rect width="240" height="120" fill="#f4f6fa"/>'
    '<rect x="20" y="60" width="40" height="50" fill="#1e3a8a"/>'
    '<rect x="80" y="30" width="40" height="80" fill="#64748b"/>'
    '<rect x="140" y="45" width="40" height="65" fill="#f59e0b"/>'
    '<text x="120" y="20" font-size="14" text-anchor="middle">files per folder</text></svg>\n'
)


def png_figure(width: int = 48, height: int = 32) -> bytes:
    """A small, valid RGB PNG with a gradient: the same bytes every time."""
    rows = b"".join(
        b"\x00" + bytes(value for x in range(width) for value in (x * 5 % 256, y * 8 % 256, 160))
        for y in range(height)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows, 9))
        + chunk(b"IEND", b"")
    )


def _episode(number: int) -> str:
    prose = (
        f"Session {number} looks at how files live in directories and how the shell moves "
        "between them with `cd`. A path names a file from the root or from the **current "
        "directory**; a relative path is *shorter* but depends on where you are. "
    ) * 3
    parts = [f"Lesson {number} starts with what you already know.", prose]
    for section in range(1, 5):
        parts += [
            f"## Part {number}.{section}",
            prose,
            "- list the files with `ls`\n- change directory with `cd`\n"
            "- make a directory with `mkdir`\n  1. pick a name\n  2. check it exists",
            "```bash\n$ ls -F /Users/nelle/data\n$ cd ../north-pacific-gyre\n"
            "$ wc -l *.txt | sort -n | head -n 5\n```",
        ]
    parts += [
        "| command | meaning | example |\n| --- | --- | --- |\n"
        "| `ls` | list | `ls -F` |\n| `cd` | change directory | `cd data` |\n"
        "| `wc` | count | `wc -l *.txt` |",
        "![A bar chart of files per folder](figure.svg)",
        "![A gradient standing in for a photograph](photo.png)",
        f"::: callout\n\n## Remember\n\n{prose}\n\n:::",
    ]
    return "\n\n".join(parts)


def _challenges(number: int) -> str:
    challenge = (
        "::: challenge\n\n## Challenge {n}\n\nWhat does `ls -lh` print?\n\n"
        "::: solution\n\n## Solution\n\nA long listing with human-readable sizes.\n\n:::\n\n:::"
    )
    return "\n\n".join(challenge.format(n=f"{number}.{index}") for index in range(1, 4))


def _small(number: int) -> str:
    return (
        f"## Small session {number}\n\nA short paragraph with **bold** text.\n\n"
        "- one\n- two\n\n```python\nprint('hello')\n```"
    )


def write_synthetic(folder: Path, sessions: int, *, small: bool = False) -> Path:
    """Write a course of ``sessions`` sessions into ``folder`` (a Markdown folder)."""
    from curator_export.testing_writers import write_course

    course: dict[str, tuple[str, list[tuple[str, str, str]]]] = {}
    for number in range(1, sessions + 1):
        sid = f"syn-{number:05d}"
        if small:
            course[sid] = (f"Small {number}", [("slides", f"Small {number}", _small(number))])
            continue
        course[sid] = (
            f"Topic {number}",
            [
                ("slides", f"Topic {number}", _episode(number)),
                ("quiz", f"Topic {number}: challenges", _challenges(number)),
                ("instructor_notes", f"Teaching topic {number}", "Start with a drawing."),
            ],
        )
    write_course(folder, course)
    if not small:
        png = png_figure()
        for sid in course:
            (folder / sid / "figure.svg").write_text(SVG_FIGURE, encoding="utf-8")
            (folder / sid / "photo.png").write_bytes(png)
    return folder


def find_corpus() -> Path | None:
    """``$CURATOR_EXPORT_CORPUS``, else ``shared/corpus`` beside this clone (as pdf.py)."""
    if os.environ.get(CORPUS_ENV):
        path = Path(os.environ[CORPUS_ENV])
        return path if path.is_dir() else None
    candidate = BENCH_DIR.parent.parent / "shared" / "corpus"
    return candidate if candidate.is_dir() else None


def lesson_paths(corpus: Path | None) -> list[Path]:
    """The two Carpentries lessons of the corpus that exist (none without a corpus)."""
    if corpus is None:
        return []
    paths = [corpus / "carpentries" / lesson for lesson in LESSONS]
    return [path for path in paths if path.is_dir()]


def build_store(db: Path, sources: Sequence[Path]) -> list[str]:
    """Import every source into a new store at ``db``; the session ids, in store order."""
    from curator_export.store import SQLiteStore, import_path

    with SQLiteStore(db) as store:
        for source in sources:
            import_path(store, source)
        return store.session_ids()


class Outputs:
    """Fresh output folders for timed calls, removed by ``remove`` untimed (a variant's
    ``cleanup``). Removing them is housekeeping, and its cost depends on the kernel: ext4
    deletes files already written to disk several times slower than files still only in
    memory (the overhead batch's 475 files: about 45 ms against 5), so a timed removal would
    bill a writer that syncs its files a second time, when they are deleted."""

    def __init__(self, scratch: Path) -> None:
        self.scratch = scratch
        self.made: list[Path] = []

    def fresh(self) -> Path:
        folder = Path(tempfile.mkdtemp(prefix="out-", dir=self.scratch))
        self.made.append(folder)
        return folder

    def remove(self) -> None:
        while self.made:
            shutil.rmtree(self.made.pop(), ignore_errors=True)


class Engine:
    """One store and one plugin host, kept open across calls as a long-lived program would."""

    def __init__(self, db: Path) -> None:
        from curator_export.plugins import PluginHost
        from curator_export.store import SQLiteStore

        self.store: SQLiteStore = SQLiteStore(db)
        self.host = PluginHost()

    def manager(self) -> BatchExportManager:
        from curator_export.batch import BatchExportManager

        return BatchExportManager(self.store, host=self.host)

    def run(
        self,
        session_ids: Sequence[str],
        formats: Sequence[str],
        workers: int,
        output: Path,
        *,
        manifest: bool = True,
    ) -> BatchExportResult:
        """Export every session in every format into ``output``."""
        from curator_export.model import BatchExportJob, BatchExportOptions

        jobs = [
            BatchExportJob(
                job_id="bench",
                session_ids=list(session_ids),
                formats=tuple(formats),
                output_directory=str(output),
            )
        ]
        options = BatchExportOptions(
            parallel_exports=workers > 1,
            max_concurrent_jobs=workers,
            create_manifest=manifest,
        )
        result = self.manager().execute_batch_export(jobs, options)
        if result.failed_jobs:
            raise RuntimeError(f"benchmark batch failed: {result.job_results}")
        return result

    def close(self) -> None:
        self.store.close()


def request_metadata(
    job: BatchExportJob, session: Session, parsed: ParsedSession, created: datetime
) -> dict[str, Any]:
    """The metadata the engine gives a writer for one session (``worker._request``), for
    scripts that call the writers directly and must make the same bytes."""
    from importlib.metadata import version

    return {
        "generator": f"curator-export {version('curator-export')}",
        "created": created.isoformat(),
        "job_id": job.job_id,
        "session_ids": [session.id],
        "content_types": sorted({item.item.content_type.value for item in parsed.items}),
        "audience": job.audience.value,
    }
