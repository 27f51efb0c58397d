"""Benchmark 3: pandoc run once per file, against our writers on the same sessions.

What a user would script instead of curator-export: ``pandoc`` once per session and format,
Markdown to HTML (standalone, self-contained), PPTX and ODT. Our side calls the writers
(``write_html``, ``write_pptx``, ``write_odt``) in this process on requests built as the
engine builds them, one new request per document. Both sides write their file.

The pandoc input of a session is its title and the Markdown of its items (as stored), written
beforehand with its figures beside it, so pandoc embeds the same images. Every document is
timed on its own; per-document ratios (ours / pandoc, below 1: we are faster) are computed per
round, and their median over rounds is summarized over documents (median, min–max). Targets:
HTML several times faster (ratio ≤ 0.33), decks and documents faster (ratio < 1).

Without pandoc on PATH the comparison is skipped with a message.

Usage: python bench/pandoc.py [--quick] [--rounds N]
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from course import build_store, find_corpus, lesson_paths, request_metadata, write_synthetic
from harness import (
    RESULTS_DIR,
    Check,
    Variant,
    load_average,
    machine_info,
    measure,
    print_summary,
    run_comparison,
    summarize,
    write_json,
)
from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    from curator_export.model import Session
    from curator_export.render import RenderRequest

NAME = "3 pandoc"
#: format -> (our variant key, pandoc variant key, extension, target ratio, comparison)
FORMATS = {
    "html": ("A", "B", ".html", 0.33),
    "pptx": ("C", "D", ".pptx", 1.0),
    "odt": ("E", "F", ".odt", 1.0),
}


def request_for(session: Session, fmt: str) -> RenderRequest:
    """A request as ``curator_export.worker._request`` builds it for a one-session task."""
    from curator_export.model import BatchExportJob
    from curator_export.naming import output_title
    from curator_export.render import RenderRequest
    from curator_export.selection import parse_session

    job = BatchExportJob(
        job_id="bench-pandoc", session_ids=[session.id], formats=(fmt,), output_directory="out"
    )
    parsed = parse_session(session, job.content_types, job.audience)
    created = datetime.now(UTC)
    return RenderRequest(
        job=job,
        format=fmt,
        title=output_title(job, (session,)),
        sessions=(parsed,),
        template_name=job.template_name,
        audience=job.audience,
        metadata=request_metadata(job, session, parsed, created),
        created_at=created,
    )


def writers() -> dict[str, Callable[[RenderRequest], Any]]:
    from curator_export_html import write_html
    from curator_export_odf import write_odt
    from curator_export_pptx import write_pptx

    return {"html": write_html, "pptx": write_pptx, "odt": write_odt}


def pandoc_inputs(sessions: Sequence[Session], folder: Path) -> list[Path]:
    """Each session's Markdown in its own folder, with its figures at the paths it uses."""
    paths = []
    for session in sessions:
        docdir = folder / session.id
        docdir.mkdir(parents=True)
        parts = [f"# {session.title}"] + [item.body for item in session.items]
        for asset in session.assets.values():
            relative = PurePosixPath(asset.path)
            if relative.is_absolute() or ".." in relative.parts:
                continue
            target = docdir / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(asset.data)
        source = docdir / "input.md"
        source.write_text("\n\n".join(parts) + "\n", encoding="utf-8")
        paths.append(source)
    return paths


PANDOC_ARGS = {
    "html": ["-t", "html5", "--standalone", "--self-contained"],
    "pptx": ["-t", "pptx"],
    "odt": ["-t", "odt"],
}


class PerDocument:
    """Each document's time in every timed call, per variant (warm-up calls dropped)."""

    def __init__(self) -> None:
        self.times: dict[str, list[dict[str, float]]] = {}

    def start_call(self, key: str) -> dict[str, float]:
        calls = self.times.setdefault(key, [])
        calls.append({})
        return calls[-1]

    def timed_calls(self, key: str) -> list[dict[str, float]]:
        return self.times[key][1:]  # the first call is the warm-up


def ours_variant(
    key: str, fmt: str, sessions: Sequence[Session], out: Path, per: PerDocument
) -> Variant:
    extension = FORMATS[fmt][2]

    def run() -> int:
        write = writers()[fmt]
        times = per.start_call(key)
        for session in sessions:
            started = time.perf_counter()
            rendered = write(request_for(session, fmt))
            data = rendered if isinstance(rendered, bytes) else rendered.data
            (out / f"{session.id}{extension}").write_bytes(data)
            times[session.id] = time.perf_counter() - started
        return len(sessions)

    return Variant(key, f"ours {fmt}", run, f"curator_export writer for {fmt}")


def pandoc_variant(  # noqa: PLR0917
    key: str, fmt: str, sources: Sequence[Path], ids: Sequence[str], out: Path, per: PerDocument
) -> Variant:
    extension = FORMATS[fmt][2]

    def run() -> int:
        times = per.start_call(key)
        for source, session_id in zip(sources, ids, strict=True):
            target = out / f"{session_id}-pandoc{extension}"
            started = time.perf_counter()
            done = subprocess.run(
                ["pandoc", "-f", "markdown", *PANDOC_ARGS[fmt], "-o", str(target), source.name],
                cwd=source.parent,
                capture_output=True,
                text=True,
                check=False,
            )
            times[session_id] = time.perf_counter() - started
            if done.returncode != 0:
                raise RuntimeError(f"pandoc {fmt} {session_id}: {done.stderr.strip()}")
        return len(sources)

    return Variant(key, f"pandoc {fmt}", run, f"pandoc -f markdown {' '.join(PANDOC_ARGS[fmt])}")


def per_document_ratios(per: PerDocument, ours: str, theirs: str) -> dict[str, float]:
    """Each document's ours/pandoc ratio: computed per round, median over rounds."""
    rounds = zip(per.timed_calls(ours), per.timed_calls(theirs), strict=True)
    by_doc: dict[str, list[float]] = {}
    for mine, pandoc in rounds:
        for doc, seconds in mine.items():
            by_doc.setdefault(doc, []).append(seconds / pandoc[doc])
    return {doc: statistics.median(values) for doc, values in by_doc.items()}


def ratio_checks(
    per: PerDocument, console: Console
) -> tuple[list[Check], dict[str, dict[str, float]]]:
    """The per-document ratios of every format, as a table and as checks."""
    table = Table(title="per-document ratios ours / pandoc (below 1: ours faster)")
    for name in ("format", "median over docs", "min–max over docs", "target", "met"):
        table.add_column(name, justify="right" if name != "format" else "left")
    checks, documents = [], {}
    for fmt, (ours_key, pandoc_key, _, target) in FORMATS.items():
        ratios = per_document_ratios(per, ours_key, pandoc_key)
        documents[fmt] = ratios
        spread = sorted(ratios.values())
        median = statistics.median(spread)
        met = median <= target if target < 1 else median < target
        sign = "≤" if target < 1 else "<"
        measured = f"{median:.2f} ({spread[0]:.2f}–{spread[-1]:.2f} over docs)"
        table.add_row(
            fmt,
            f"{median:.2f}",
            f"{spread[0]:.2f}–{spread[-1]:.2f}",
            f"{sign} {target:g}",
            "[green]yes[/]" if met else "[red]no[/]",
        )
        checks.append(
            Check(NAME, f"ours / pandoc, {fmt}, per doc", f"{sign} {target:g}", measured, met)
        )
    console.print(table)
    return checks, documents


def pandoc(quick: bool, rounds: int | None, console: Console, log: Console) -> list[Check]:
    if shutil.which("pandoc") is None:
        message = "pandoc is not installed (apt-get install pandoc): comparison 3 skipped"
        console.print(f"[yellow]{message}[/]")
        return [Check(NAME, f"ours / pandoc, {fmt}", "", "", None, "no pandoc") for fmt in FORMATS]
    rounds = rounds or (3 if quick else 5)
    pandoc_version = subprocess.run(
        ["pandoc", "--version"], capture_output=True, text=True, check=True
    ).stdout.splitlines()[0]
    from curator_export.store import SQLiteStore

    per = PerDocument()
    with tempfile.TemporaryDirectory(prefix="bench-pandoc-") as scratch:
        root = Path(scratch)
        lessons = lesson_paths(find_corpus())
        folder = write_synthetic(root / "course", 4 if quick else 12)
        ids = build_store(root / "store.db", [folder, *lessons])
        with SQLiteStore(root / "store.db") as store:
            sessions = store.load_sessions(ids)
        if quick:  # four synthetic sessions and the first four of each lesson
            by_prefix: dict[str, int] = {}
            chosen = []
            for session in sessions:
                prefix = session.id.rsplit("-", 2)[0] if lessons else "syn"
                by_prefix[prefix] = by_prefix.get(prefix, 0) + 1
                if by_prefix[prefix] <= 4:
                    chosen.append(session)
            sessions = chosen
        sources = pandoc_inputs(sessions, root / "pandoc-in")
        out = root / "out"
        out.mkdir()
        doc_ids = [session.id for session in sessions]
        variants = []
        for fmt, (ours_key, pandoc_key, _, _) in FORMATS.items():
            variants.append(ours_variant(ours_key, fmt, sessions, out, per))
            variants.append(pandoc_variant(pandoc_key, fmt, sources, doc_ids, out, per))
        title = f"ours vs {pandoc_version}: {len(sessions)} documents per call and format"
        log.print(title)
        machine = machine_info()
        measurement = measure(variants, rounds, console=log, children=True)
    summary = summarize(
        measurement,
        baseline="B",
        ratios=[(ours, theirs) for ours, theirs, _, _ in FORMATS.values()],
        work={variant.key: len(sessions) for variant in variants},
        work_unit="docs",
    )
    print_summary(summary, title, console)
    console.print("CPU s includes pandoc's (waited-for child processes)", style="dim")
    checks, documents = ratio_checks(per, console)
    machine["load_average_after"] = load_average()
    machine["pandoc"] = pandoc_version
    write_json(
        RESULTS_DIR / "pandoc.json",
        {
            "benchmark": "pandoc",
            "machine": machine,
            "title": title,
            "per_document_ratios": documents,
            "per_document_seconds": per.times,
            **summary,
        },
    )
    return checks


if __name__ == "__main__":
    sys.exit(run_comparison(pandoc))
