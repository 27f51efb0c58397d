"""A small kit for the PDF writer's tests: sessions, requests, and PDFs read back with pypdf."""

from __future__ import annotations

import io
from typing import Any

import pytest
from pypdf import PdfReader

from curator_export.model import Session
from curator_export.render import Rendered
from curator_export.testing import RequestKit
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
