"""A small kit for the PDF writer's tests: sessions, requests, and PDFs read back with pypdf."""

from __future__ import annotations

import io
import multiprocessing
import os
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import attrs
import pytest
from pypdf import PdfReader

from curator_export.model import Session
from curator_export.render import ParsedSession, Rendered, RenderRequest
from curator_export.store.importers import read_source
from curator_export.testing import NO_CORPUS_REASON, RequestKit, find_corpus
from curator_export_pdf import write_pdf


class PdfKit(RequestKit):
    """Sessions, requests and PDFs read back for the PDF writer's tests."""

    format_name = "pdf"

    def write(self, *sessions: Session, **options: Any) -> Rendered:
        return write_pdf(self.request(*sessions, **options))

    def reader(self, rendered: Rendered) -> PdfReader:
        assert rendered.data.startswith(b"%PDF-")
        return PdfReader(io.BytesIO(rendered.data))

    def pages_text(self, reader: PdfReader) -> list[str]:
        return [page.extract_text() or "" for page in reader.pages]


@pytest.fixture
def kit() -> PdfKit:
    """Sessions, requests and PDFs read back for the PDF writer's tests."""
    return PdfKit()


# The shared lesson corpus rendered once per test session (test_corpus.py, test_validators.py).

#: The lessons of the shared corpus that the acceptance tests render.
LESSONS = ("shell-novice", "python-novice-inflammation")


@attrs.frozen
class LessonPdfs:
    """One corpus lesson as the PDF writer rendered it: each episode alone, and all merged."""

    name: str
    #: The sessions as the writer received them (parsed for instructors: everything).
    sessions: tuple[ParsedSession, ...]
    #: Each episode's PDF by session id, in teaching order.
    episodes: Mapping[str, Rendered]
    #: The whole lesson merged into one PDF titled with the lesson's name.
    merged: Rendered

    def all(self) -> list[tuple[str, Rendered]]:
        """(file name, PDF) of every episode, then of the merged lesson."""
        named = [(f"{session_id}.pdf", pdf) for session_id, pdf in self.episodes.items()]
        return [*named, (f"{self.name}.pdf", self.merged)]


def render_lessons(corpus: Path, names: Sequence[str]) -> dict[str, LessonPdfs]:
    """Every episode of these lessons and each lesson merged, rendered by ``write_pdf``.

    WeasyPrint is pure Python between small library calls, so threads do not help: the
    requests go to a pool of up to two worker processes, the longest (merged) ones first.
    """
    kit = PdfKit()
    requests: dict[tuple[str, str | None], RenderRequest] = {}
    for name in names:
        sessions = read_source(corpus / "carpentries" / name).sessions
        requests[name, None] = kit.request(*sessions, title=name)
        for session in sessions:
            requests[name, session.id] = kit.request(session)
    workers = min(2, os.cpu_count() or 1)
    if workers < 2:
        rendered = {key: write_pdf(request) for key, request in requests.items()}
    else:
        context = multiprocessing.get_context("forkserver")
        with ProcessPoolExecutor(workers, mp_context=context) as pool:
            futures = {key: pool.submit(write_pdf, request) for key, request in requests.items()}
            rendered = {key: future.result() for key, future in futures.items()}
    return {
        name: LessonPdfs(
            name=name,
            sessions=requests[name, None].sessions,
            episodes={
                parsed.session.id: rendered[name, parsed.session.id]
                for parsed in requests[name, None].sessions
            },
            merged=rendered[name, None],
        )
        for name in names
    }


@pytest.fixture(scope="session")
def corpus_pdfs() -> dict[str, LessonPdfs]:
    """Both corpus lessons rendered once per test session (about 30 s on two cores)."""
    corpus = find_corpus(Path(__file__))
    if corpus is None:
        pytest.skip(NO_CORPUS_REASON)
    return render_lessons(corpus, LESSONS)
