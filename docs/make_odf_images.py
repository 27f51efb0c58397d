"""Write docs/images/odt-page.png and docs/images/odp-slide.png: the shell-novice lesson as a
branded OpenDocument text and presentation, rendered by LibreOffice.

    python docs/make_odf_images.py

Renders the lesson from the shared corpus (``../shared/corpus`` beside the clone, or
``$CURATOR_EXPORT_CORPUS``) with a sample branding and logo, converts both files to PDF with
LibreOffice (``soffice --headless``) and rasterises one page of each with poppler's
``pdftoppm``: the text page showing the figure "General syntax of a shell command", and the
slide of that figure's section titled below. Pages are found by their text, so the images
follow the layout when it changes. Needs LibreOffice and poppler-utils.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from curator_export.model import BrandColors, BrandFonts, Branding
from curator_export.store.importers import read_source
from curator_export.testing import RequestKit, find_corpus
from curator_export_odf import write_odp, write_odt

LESSON = "shell-novice"
#: A small logo, drawn here so that the images need no file of their own.
LOGO = """<svg xmlns="http://www.w3.org/2000/svg" width="96" height="96" viewBox="0 0 96 96">
<rect width="96" height="96" rx="18" fill="#0F4C5C"/>
<path d="M20 70 L48 22 L76 70 Z" fill="none" stroke="#E36414" stroke-width="9"/>
<circle cx="48" cy="56" r="8" fill="#ffffff"/></svg>
"""
#: Text on the text page shown: the figure's page, with the text that introduces it.
PAGE_TEXT = "is the command, with an option"
#: Title of the slide shown.
SLIDE_TITLE = "General Syntax of a Shell Command"
DPI = 80
MAX_BYTES = 200_000
IMAGES = Path(__file__).parent / "images"


def branding(folder: Path) -> Branding:
    logo = folder / "logo.svg"
    logo.write_text(LOGO, encoding="utf-8")
    return Branding(
        institution_name="Northfield Institute of Technology",
        logo=str(logo),
        colors=BrandColors(primary="#0F4C5C", secondary="#5F6B73", accent="#E36414"),
        fonts=BrandFonts(heading="Georgia, serif", body="'DejaVu Sans', Arial, sans-serif"),
    )


def to_pdf(document: Path) -> Path:
    """The document converted by LibreOffice, in a throwaway user profile."""
    folder = document.parent
    profile = folder / "profile"
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation={profile.as_uri()}",
            *("--headless", "--norestore", "--convert-to", "pdf"),
            *("--outdir", str(folder), str(document)),
        ],
        check=True,
        capture_output=True,
        env={**os.environ, "HOME": str(folder), "SAL_USE_VCLPLUGIN": "svp"},
        timeout=600,
    )
    pdf = document.with_suffix(".pdf")
    if not pdf.is_file():
        raise SystemExit(f"LibreOffice did not convert {document.name}")
    return pdf


def page_with(pdf: Path, text: str, *, first_line: bool = False) -> int:
    """The number of the first page showing ``text`` (as its first line, if asked)."""
    pages = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout.split("\f")
    for number, page in enumerate(pages, start=1):
        lines = [line.strip() for line in page.splitlines() if line.strip()]
        if (first_line and lines and lines[0] == text) or (
            not first_line and text in " ".join(page.split())
        ):
            return number
    raise SystemExit(f"no page of {pdf.name} shows {text!r}")


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
    missing = [tool for tool in ("soffice", "pdftoppm", "pdftotext") if shutil.which(tool) is None]
    if missing:
        print(f"needs {', '.join(missing)} (LibreOffice, poppler-utils)", file=sys.stderr)
        return 2
    sessions = read_source(corpus / "carpentries" / LESSON).sessions
    IMAGES.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        kit = RequestKit()
        brand = branding(folder)
        for writer, extension in ((write_odt, "odt"), (write_odp, "odp")):
            kit.format_name = extension
            request = kit.request(*sessions, title="The Unix Shell", branding=brand)
            (folder / f"{LESSON}.{extension}").write_bytes(writer(request).data)
        text_pdf = to_pdf(folder / f"{LESSON}.odt")
        rasterise(text_pdf, page_with(text_pdf, PAGE_TEXT), IMAGES / "odt-page.png")
        slides_pdf = to_pdf(folder / f"{LESSON}.odp")
        slide = page_with(slides_pdf, SLIDE_TITLE, first_line=True)
        rasterise(slides_pdf, slide, IMAGES / "odp-slide.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
