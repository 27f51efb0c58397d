"""The corpus decks pass the shared export validators (when the harness is installed).

``check_exports.sh`` checks every ``.pptx`` with third-party tools: the ZIP and its XML,
``openxml-audit`` (the OOXML schema and the Open XML SDK's semantic rules), python-pptx
(slide count and titles from ``expect.json``, pictures' alt text), and LibreOffice headless
(it converts the deck to PDF with one page per slide, every title and item title in its
text). LibreOffice is optional: installed with ``install.sh`` (without ``--no-office``) it
runs on every deck, about 90 s for the ~1,500 slides here on two cores; without it the
other checks run and LibreOffice is reported as skipped.
"""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import attrs
import pytest

from curator_export.deck import build_deck
from curator_export.demo import course_folder
from curator_export.model import Audience, BrandColors, BrandFonts, Branding, ContentType
from curator_export.store.importers import read_source
from curator_export.testing import (
    NO_HARNESS_REASON,
    find_corpus,
    run_validation_harness,
    validation_harness,
)
from curator_export_pptx import write_pptx
from curator_export_pptx.template import open_template

CORPUS = find_corpus(Path(__file__))
HARNESS = validation_harness(CORPUS)
LOGO = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="240" height="80">'
    b'<rect width="240" height="80" rx="12" fill="#0B5563"/>'
    b'<circle cx="40" cy="40" r="22" fill="#E07A1F"/></svg>'
)


def expectation(kit, request, rendered) -> dict[str, object]:
    """expect.json's entry for a deck: its slide count and titles (from the deck model),
    and the title of every item that shows on slides (instructor notes do not)."""
    fit = open_template(None, None, None).geometry.fit()
    deck = build_deck(request, fit)
    visible = [
        item.item.title
        for parsed in request.sessions
        for item in parsed.items
        if item.item.content_type is not ContentType.INSTRUCTOR_NOTES
    ]
    assert kit.titles(kit.deck(rendered)) == [slide.title for slide in deck.slides]
    return {"slides": len(deck.slides), "titles": [s.title for s in deck.slides], "text": visible}


def write_folder(folder: Path, decks: dict[str, tuple[object, object]], kit) -> int:
    folder.mkdir(parents=True)
    expect = {}
    for name, (request, rendered) in decks.items():
        (folder / name).write_bytes(rendered.data)
        expect[name] = expectation(kit, request, rendered)
    (folder / "expect.json").write_text(json.dumps(expect, indent=1), encoding="utf-8")
    return len(decks)


def demo_decks(kit, tmp_path: Path) -> dict[str, tuple[object, object]]:
    """The demo course, branded with a logo, merged for instructors and one session for
    students: tables, figures, boxes, every content type."""
    logo = tmp_path / "logo.svg"
    logo.write_bytes(LOGO)
    branding = Branding(
        institution_name="University of Lakeside",
        logo=str(logo),
        colors=BrandColors(primary="#0B5563", secondary="#334155", accent="#E07A1F"),
        fonts=BrandFonts(heading="Georgia, serif", body="Arial, sans-serif"),
    )
    with resources.as_file(course_folder()) as source:
        sessions = read_source(source).sessions
    created = datetime(2026, 11, 29, 14, 30, tzinfo=UTC)
    merged = attrs.evolve(
        kit.request(*sessions, title="Research Data Management", branding=branding),
        created_at=created,
    )
    student = attrs.evolve(
        kit.request(sessions[1], branding=branding, audience=Audience.STUDENT),
        created_at=created,
    )
    return {
        "demo-course.pptx": (merged, write_pptx(merged)),
        "demo-student.pptx": (student, write_pptx(student)),
    }


@pytest.mark.corpus
@pytest.mark.skipif(HARNESS is None, reason=NO_HARNESS_REASON)
def test_corpus_decks_pass_the_export_validators(kit, corpus_decks, tmp_path: Path) -> None:
    """Every episode deck, each merged lesson and the branded demo decks: schema, python-pptx
    and (when installed) LibreOffice checks, one harness process per lesson side by side."""
    assert HARNESS is not None
    folders: list[Path] = []
    count = 0
    for lesson in corpus_decks.values():
        decks = {}
        for parsed in lesson.sessions:
            decks[f"{parsed.session.id}.pptx"] = (
                kit.request(parsed),
                lesson.episodes[parsed.session.id],
            )
        decks[f"{lesson.name}.pptx"] = (kit.request(*lesson.sessions, title=lesson.name),
                                        lesson.merged)  # fmt: skip
        if not folders:
            decks |= demo_decks(kit, tmp_path)
        folder = tmp_path / lesson.name
        count += write_folder(folder, decks, kit)
        folders.append(folder)
    office = shutil.which("soffice") or shutil.which("libreoffice")
    run = run_validation_harness(HARNESS, folders, "--no-browser")
    run.assert_all_passed(count)
    if office:
        assert all("LibreOffice->PDF" in line for line in run.passed), run.report
    with_office = "with" if office else "without"
    print(
        f"check_exports.sh: {count} decks passed in {run.seconds:.0f} s ({with_office} LibreOffice)"
    )
