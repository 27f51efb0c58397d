"""Benchmark: the PDF writer against a plain WeasyPrint loop over the same pages.

One call of a variant renders the whole document set (one PDF per session), in this process:

* A  the writer: ``curator_export_pdf.write_pdf(request)``, requests built as the engine
  builds them (tagged PDF/UA-1 by default); it builds the HTML page itself;
* B  a plain loop: ``weasyprint.HTML(string=page).write_pdf()`` over the HTML writer's pages,
  built beforehand: what a user would script;
* C  the writer untagged (``PdfOptions(tagged=False)``), only when the PDF plugin has
  ``PdfOptions`` and requests carry ``options``;
* D  the plain loop tagged like the writer (``pdf_variant="pdf/ua-1"``): the fairer baseline.

Usage: python bench/pdf.py [--rounds N] [--json out.json] [--corpus DIR] [--quick]
"""

from __future__ import annotations

import argparse
import io
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

import attrs
from harness import (
    Variant,
    load_average,
    machine_info,
    measure,
    print_summary,
    summarize,
    write_json,
)
from rich.console import Console

import curator_export_pdf
from curator_export.model import (
    BatchExportJob,
    Branding,
    ContentItem,
    ContentType,
    Session,
)
from curator_export.naming import output_title
from curator_export.render import ParsedSession, RenderRequest
from curator_export.selection import parse_session

BENCH_DIR = Path(__file__).resolve().parent
DEFAULT_JSON = BENCH_DIR / "results" / "pdf.json"
CORPUS_ENV = "CURATOR_EXPORT_CORPUS"  # the variable the test suite reads too
LESSONS = ("shell-novice", "python-novice-inflammation")
QUICK_SESSIONS = 2
SYNTHETIC_SESSIONS = 6
#: A branded job, so the pages carry the running header a real export has.
BRANDING = Branding(institution_name="Bench College")
TAGGED_VARIANT = "pdf/ua-1"  # the writer's default (curator_export_pdf.writer)


@dataclass(frozen=True)
class DocumentSet:
    """The sessions to render, parsed once as the engine parses a task before its writers."""

    source: str
    job: BatchExportJob
    sessions: tuple[ParsedSession, ...]
    created_at: datetime

    def request(self, parsed: ParsedSession, options: object | None = None) -> RenderRequest:
        """A new request for one session, as ``curator_export.worker._request`` builds it for
        an unmerged task. New on every call: a request may carry work cached for its task
        (``SharedWork``), and a cache filled by an earlier call would skip real work."""
        job = self.job
        content_types = sorted({item.item.content_type.value for item in parsed.items})
        # Passed only when set: requests older than format options have no such field.
        extra: dict[str, Any] = {} if options is None else {"options": options}
        return RenderRequest(
            job=job,
            format="pdf",
            title=output_title(job, (parsed.session,)),
            sessions=(parsed,),
            branding=job.branding_options,
            template_name=job.template_name,
            audience=job.audience,
            include_metadata=job.include_metadata,
            metadata={
                "generator": f"curator-export {version('curator-export')}",
                "created": self.created_at.isoformat(),
                "job_id": job.job_id,
                "session_ids": [parsed.session.id],
                "content_types": content_types,
                "audience": job.audience.value,
            },
            created_at=self.created_at,
            **extra,
        )


def document_set(source: str, sessions: Sequence[Session]) -> DocumentSet:
    job = BatchExportJob(
        job_id="bench-pdf",
        session_ids=[session.id for session in sessions],
        formats=("pdf",),
        output_directory="out",
        branding_options=BRANDING,
    )
    parsed = tuple(parse_session(session, job.content_types, job.audience) for session in sessions)
    return DocumentSet(source, job, parsed, datetime.now(UTC))


def find_corpus() -> Path | None:
    """``$CURATOR_EXPORT_CORPUS``, else ``shared/corpus`` beside this clone, as the tests look.

    Not ``curator_export.testing.find_corpus``: that module imports pytest, which a benchmark
    process (and later memory and start-up comparisons) should not carry.
    """
    if os.environ.get(CORPUS_ENV):
        path = Path(os.environ[CORPUS_ENV])
        return path if path.is_dir() else None
    candidate = BENCH_DIR.parent.parent / "shared" / "corpus"
    return candidate if candidate.is_dir() else None


def corpus_sessions(corpus: Path, quick: bool) -> tuple[str, list[Session]]:
    from curator_export.store.importers import read_source

    lessons = LESSONS[:1] if quick else LESSONS
    sessions: list[Session] = []
    for lesson in lessons:
        sessions += read_source(corpus / "carpentries" / lesson).sessions
    if quick:
        sessions = sessions[:QUICK_SESSIONS]
    return f"corpus: {', '.join(lessons)}", sessions


def synthetic_sessions(quick: bool) -> tuple[str, list[Session]]:
    """A small course shaped like a lesson episode: prose, lists, code, a table, challenges."""
    count = QUICK_SESSIONS if quick else SYNTHETIC_SESSIONS
    sessions = []
    for number in range(1, count + 1):
        session_id = f"synthetic-{number:02d}"
        items = (
            ContentItem(
                id=f"{session_id}/1",
                session_id=session_id,
                content_type=ContentType.SLIDES,
                title=f"Topic {number}",
                body=_synthetic_episode(number),
                position=1,
            ),
            ContentItem(
                id=f"{session_id}/2",
                session_id=session_id,
                content_type=ContentType.QUIZ,
                title=f"Topic {number}: Challenges",
                body=_synthetic_challenges(number),
                position=2,
            ),
        )
        sessions.append(Session(id=session_id, title=f"Topic {number}", items=items))
    return "synthetic course", sessions


def _synthetic_episode(number: int) -> str:
    prose = (
        "Files live in directories, and the shell moves between them with `cd`. "
        "A path names a file from the root or from the **current directory**. "
    ) * 4
    parts = []
    for section in range(1, 9):
        parts += [
            f"## Section {number}.{section}",
            prose,
            "- list the files\n- change directory\n- make a directory\n- remove a file",
            "```bash\n$ ls -F /Users/nelle/data\n$ cd ../north-pacific-gyre\n$ wc -l *.txt\n```",
            "| command | meaning |\n| --- | --- |\n| `ls` | list |\n| `cd` | change directory |",
            f"::: callout\n\n## Note {section}\n\n{prose}\n\n:::",
        ]
    return "\n\n".join(parts)


def _synthetic_challenges(number: int) -> str:
    challenge = (
        "::: challenge\n\n## Challenge {n}\n\nWhat does `ls -lh` print?\n\n"
        "::: solution\n\n## Solution\n\nA long listing with human-readable sizes.\n\n:::\n\n:::"
    )
    return "\n\n".join(challenge.format(n=f"{number}.{index}") for index in range(1, 6))


def untagged_options() -> tuple[object | None, str]:
    """``PdfOptions(tagged=False)`` when the writer takes options, else None and why not.

    The PDF plugin is gaining options concurrently; this keeps the benchmark working before
    and after that change.
    """
    options_class = getattr(curator_export_pdf, "PdfOptions", None)
    if options_class is None:
        return None, "curator_export_pdf has no PdfOptions yet"
    if "options" not in attrs.fields_dict(RenderRequest):
        return None, "RenderRequest has no options field"
    return options_class(tagged=False), ""


def writer_variant(
    docs: DocumentSet, key: str, label: str, description: str, options: object | None = None
) -> Variant:
    def run() -> list[bytes]:
        write = curator_export_pdf.write_pdf
        return [write(docs.request(parsed, options)).data for parsed in docs.sessions]

    return Variant(key, label, run, description)


def plain_variant(
    pages: Sequence[str], key: str, label: str, description: str, **options: Any
) -> Variant:
    def run() -> list[bytes]:
        import weasyprint

        return [weasyprint.HTML(string=page).write_pdf(**options) for page in pages]

    return Variant(key, label, run, description)


def html_pages(docs: DocumentSet) -> list[str]:
    """The HTML writer's page of every session: the input a user's plain loop starts from."""
    from curator_export_html import write_html

    return [write_html(docs.request(parsed)).data.decode("utf-8") for parsed in docs.sessions]


def variants(docs: DocumentSet, console: Console) -> list[Variant]:
    pages = html_pages(docs)
    chosen = [
        writer_variant(docs, "A", "writer", "curator_export_pdf.write_pdf (tagged PDF/UA-1)"),
        plain_variant(pages, "B", "plain loop", "weasyprint.HTML(string=page).write_pdf()"),
    ]
    options, reason = untagged_options()
    if options is None:
        console.print(f"[yellow]variant C skipped: {reason}[/]")
    else:
        chosen.append(
            writer_variant(
                docs, "C", "writer untagged", "write_pdf, PdfOptions(tagged=False)", options
            )
        )
    chosen.append(
        plain_variant(
            pages,
            "D",
            "plain loop tagged",
            f'write_pdf(pdf_variant="{TAGGED_VARIANT}")',
            pdf_variant=TAGGED_VARIANT,
        )
    )
    return chosen


#: Which variants should produce tagged PDFs: a variant that does not would make its
#: ratios meaningless (e.g. a writer that ignores ``tagged=False``).
EXPECT_TAGGED = {"A": True, "B": False, "C": False, "D": True}


def check_outputs(outputs: dict[str, object], console: Console) -> dict[str, float] | None:
    """Pages of every variant's warm-up output, after checking each is tagged as expected.

    None (no throughput) when pypdf, a test dependency, is missing.
    """
    try:
        from pypdf import PdfReader
    except ImportError:
        console.print("[yellow]pypdf is not installed: no page counts, no tagging check[/]")
        return None
    pages: dict[str, float] = {}
    for key, pdfs in outputs.items():
        readers = [PdfReader(io.BytesIO(data)) for data in _pdf_list(pdfs)]
        pages[key] = sum(len(reader.pages) for reader in readers)
        tagged = {"/StructTreeRoot" in reader.root_object for reader in readers}
        if tagged != {EXPECT_TAGGED[key]}:
            expected = "tagged" if EXPECT_TAGGED[key] else "untagged"
            console.print(
                f"[red]variant {key}: expected {expected} PDFs, got a mix or the other[/]"
            )
    return pages


def _pdf_list(outputs: object) -> list[bytes]:
    if not isinstance(outputs, list) or not all(isinstance(data, bytes) for data in outputs):
        raise TypeError(f"a variant returned {type(outputs).__name__}, not a list of PDFs")
    return outputs


def ratio_pairs(keys: Sequence[str]) -> list[tuple[str, str]]:
    """A/B and C/B against the plain loop, D/B (tagging in the loop), A/D, A/C (tagging in the
    writer); pairs with a missing variant are left out."""
    wanted = [("A", "B"), ("C", "B"), ("D", "B"), ("A", "D"), ("A", "C")]
    return [(top, bottom) for top, bottom in wanted if top in keys and bottom in keys]


def has_lessons(corpus: Path) -> bool:
    return all((corpus / "carpentries" / lesson).is_dir() for lesson in LESSONS)


def load(args: argparse.Namespace, parser: argparse.ArgumentParser) -> DocumentSet:
    """The corpus lessons, or the synthetic course when no corpus is found."""
    if args.corpus is not None and not has_lessons(args.corpus):
        parser.error(f"{args.corpus}: needs carpentries/{LESSONS[0]} and carpentries/{LESSONS[1]}")
    corpus = args.corpus or find_corpus()
    if corpus is None or not has_lessons(corpus):
        return document_set(*synthetic_sessions(args.quick))
    return document_set(*corpus_sessions(corpus, args.quick))


def parse_args(argv: Sequence[str] | None) -> tuple[argparse.Namespace, argparse.ArgumentParser]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds (default 3)")
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON, help="results file")
    parser.add_argument("--corpus", type=Path, help="the shared corpus (holds carpentries/)")
    parser.add_argument("--quick", action="store_true", help="one lesson, two sessions")
    args = parser.parse_args(argv)
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    return args, parser


def main(argv: Sequence[str] | None = None) -> int:
    args, parser = parse_args(argv)
    console, log = Console(), Console(stderr=True, log_path=False)
    docs = load(args, parser)
    machine = machine_info()
    title = f"{len(docs.sessions)} PDFs per call, {docs.source}"
    log.print(title)
    chosen = variants(docs, log)
    measurement = measure(chosen, args.rounds, console=log)
    pages = check_outputs(measurement.warmup_outputs, log)
    summary = summarize(
        measurement,
        baseline="B",
        ratios=ratio_pairs([variant.key for variant in chosen]),
        work=pages,
        work_unit="pages",
    )
    print_summary(summary, title, console)
    machine["load_average_after"] = load_average()
    documents = {"source": docs.source, "sessions": [p.session.id for p in docs.sessions]}
    write_json(
        args.json, {"benchmark": "pdf", "machine": machine, "documents": documents, **summary}
    )
    console.print(f"results: {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
