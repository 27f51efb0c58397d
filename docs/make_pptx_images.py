"""Write docs/images/pptx-*.png: slides of the branded demo course as one PowerPoint deck.

    python docs/make_pptx_images.py

Renders the demo course merged into one deck with a sample brand (colours, fonts, an SVG
logo), converts it to PDF with LibreOffice headless and rasterises four slides with poppler's
``pdftoppm`` at 72 dpi: the title slide, a figure, a table and a code block. Slides are
found by their titles, so the images follow the deck when it changes. Needs LibreOffice
(``soffice``) and poppler-utils.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import attrs
from pptx import Presentation

from curator_export.demo import course_folder
from curator_export.model import BrandColors, BrandFonts, Branding
from curator_export.store.importers import read_source
from curator_export.testing import RequestKit
from curator_export_pptx import write_pptx

LOGO = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="300" height="90">'
    '<rect width="300" height="90" rx="14" fill="#0B5563"/>'
    '<circle cx="45" cy="45" r="26" fill="#E07A1F"/>'
    '<text x="85" y="58" font-family="DejaVu Sans" font-size="34" fill="white">Lakeside</text>'
    "</svg>"
)
#: Image name -> the title of the slide shown (None: the title slide).
SLIDES = {
    "pptx-title.png": None,
    "pptx-figure.png": "The research data lifecycle",
    "pptx-table.png": "Good and bad names",
    "pptx-code.png": "Renaming many files at once",
}
DPI = 72
MAX_BYTES = 200_000
IMAGES = Path(__file__).parent / "images"


def deck(folder: Path) -> bytes:
    logo = folder / "logo.svg"
    logo.write_text(LOGO, encoding="utf-8")
    branding = Branding(
        institution_name="University of Lakeside",
        logo=str(logo),
        colors=BrandColors(primary="#0B5563", secondary="#334155", accent="#E07A1F"),
        fonts=BrandFonts(heading="Georgia, serif", body="Arial, sans-serif"),
    )
    with resources.as_file(course_folder()) as source:
        sessions = read_source(source).sessions
    kit = RequestKit()
    request = attrs.evolve(
        kit.request(*sessions, title="Research Data Management", branding=branding),
        created_at=datetime(2026, 11, 29, 14, 30, tzinfo=UTC),
    )
    return write_pptx(request).data


def main() -> None:
    office = shutil.which("soffice") or shutil.which("libreoffice")
    if office is None or shutil.which("pdftoppm") is None:
        sys.exit("needs LibreOffice (soffice) and poppler-utils (pdftoppm)")
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        data = deck(folder)
        (folder / "deck.pptx").write_bytes(data)
        titles = [
            slide.shapes.title.text if slide.shapes.title else ""
            for slide in Presentation(io.BytesIO(data)).slides
        ]
        subprocess.run(
            [office, f"-env:UserInstallation={(folder / 'profile').as_uri()}", "--headless",
             "--convert-to", "pdf", "--outdir", str(folder), str(folder / "deck.pptx")],
            check=True, capture_output=True, timeout=300,
        )  # fmt: skip
        for name, title in SLIDES.items():
            number = 1 if title is None else titles.index(title) + 1
            stem = folder / name.removesuffix(".png")
            subprocess.run(
                ["pdftoppm", "-png", "-r", str(DPI), "-f", str(number), "-l", str(number),
                 "-singlefile", str(folder / "deck.pdf"), str(stem)],
                check=True,
            )  # fmt: skip
            image = stem.with_suffix(".png")
            size = image.stat().st_size
            if size > MAX_BYTES:
                sys.exit(f"{name} is {size} bytes, over {MAX_BYTES}")
            shutil.copyfile(image, IMAGES / name)
            print(f"{IMAGES / name}: slide {number}, {size} bytes")


if __name__ == "__main__":
    main()
