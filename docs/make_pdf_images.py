"""Write docs/images/pdf-*.png: two pages of the shell-novice lesson merged into one PDF.

    python docs/make_pdf_images.py

Renders the lesson from the shared corpus (``../shared/corpus`` beside the clone, or
``$CURATOR_EXPORT_CORPUS``) with a sample branding, then rasterises two pages with poppler's
``pdftoppm`` at 80 dpi: the page holding the figure "General syntax of a shell command", and
the first page showing the challenge below with its code. Pages are found by their content, so
the images follow the layout when it changes. Needs poppler-utils (pdftoppm, pdftotext).
"""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from pypdf import PdfReader

from curator_export.model import BrandColors, Branding
from curator_export.store.importers import read_source
from curator_export.testing import RequestKit, find_corpus
from curator_export_pdf import write_pdf

LESSON = "shell-novice"
BRANDING = Branding(
    institution_name="Northfield Institute of Technology",
    colors=BrandColors(primary="#0F4C5C", secondary="#5F6B73", accent="#E36414"),
)
#: The alt text (its start) of the figure whose page is shown.
FIGURE_ALT = "General syntax of a shell command"
#: A heading whose page is shown: a challenge with code and its solution.
CODE_HEADING = "Nelle's Pipeline: Checking Files"
DPI = 80
MAX_BYTES = 200_000
IMAGES = Path(__file__).parent / "images"


def figure_page(data: bytes, alt: str) -> int:
    """The number (from 1) of the page holding the tagged figure whose /Alt starts with ``alt``."""
    reader = PdfReader(io.BytesIO(data))
    numbers = {page.indirect_reference.idnum: n for n, page in enumerate(reader.pages, start=1)}

    def find(node: Any, page: int | None) -> int | None:
        node = node.get_object()
        if isinstance(node, list):
            for child in node:
                if (found := find(child, page)) is not None:
                    return found
            return None
        if not hasattr(node, "get"):
            return None
        if "/Pg" in node:
            page = numbers.get(node.raw_get("/Pg").idnum, page)
        if node.get("/S") == "/Figure" and str(node.get("/Alt", "")).startswith(alt):
            return page
        return find(node["/K"], page) if "/K" in node else None

    found = find(reader.trailer["/Root"]["/StructTreeRoot"]["/K"], None)
    if found is None:
        raise SystemExit(f"no figure with alt text {alt!r} in the PDF")
    return found


def text_page(pdf: Path, text: str) -> int:
    """The number of the first page whose text contains ``text``."""
    pages = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout.split("\f")
    wanted = " ".join(text.split())
    for number, page in enumerate(pages, start=1):
        if wanted in " ".join(page.split()):
            return number
    raise SystemExit(f"no page shows {text!r}")


def rasterise(pdf: Path, page: int, target: Path) -> None:
    """Page ``page`` of ``pdf`` as a PNG at DPI, palette-reduced if it is too big."""
    stem = target.with_suffix("")
    subprocess.run(
        [
            *("pdftoppm", "-f", str(page), "-l", str(page), "-r", str(DPI)),
            *("-png", "-singlefile", str(pdf), str(stem)),
        ],
        check=True,
    )
    if target.stat().st_size > MAX_BYTES:
        from PIL import Image

        with Image.open(target) as image:
            image.convert("RGB").quantize(colors=64).save(target, optimize=True)
    print(f"{target}: page {page}, {target.stat().st_size // 1024} KiB")


def main() -> int:
    corpus = find_corpus(Path(__file__))
    if corpus is None:
        print(
            "the shared corpus is not beside this clone; set CURATOR_EXPORT_CORPUS", file=sys.stderr
        )
        return 2
    if shutil.which("pdftoppm") is None or shutil.which("pdftotext") is None:
        print(
            "needs poppler's pdftoppm and pdftotext (apt-get install poppler-utils)",
            file=sys.stderr,
        )
        return 2
    kit = RequestKit()
    kit.format_name = "pdf"
    sessions = read_source(corpus / "carpentries" / LESSON).sessions
    data = write_pdf(kit.request(*sessions, title="The Unix Shell", branding=BRANDING)).data
    IMAGES.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        pdf = Path(folder) / f"{LESSON}.pdf"
        pdf.write_bytes(data)
        rasterise(pdf, figure_page(data, FIGURE_ALT), IMAGES / "pdf-figure.png")
        rasterise(pdf, text_page(pdf, CODE_HEADING), IMAGES / "pdf-code.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
