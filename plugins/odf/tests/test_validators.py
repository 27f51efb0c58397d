"""The corpus files pass the shared export validators (when the harness is installed).

``check_exports.sh`` checks each ``.odt`` and ``.odp``: zip rules (``mimetype`` first and
stored), well-formed XML, ``jing`` against the OASIS ODF 1.2 RELAX NG schema (content,
styles, meta and the manifest), odfpy re-opening it (slide count and titles, headings, the
text of every content item), and, when LibreOffice is installed, a conversion to PDF with one
page per slide whose text holds every title and every content item's opening words. It runs
with ``--strict``: the harness only warns about a manifest without ``manifest:version``
(odfpy's omission, which this plugin repairs), and here that must fail.

Without LibreOffice the office part is skipped (and said so); with it, converting all 42
files takes about 100 s on two cores, run as two harness processes side by side.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import attrs
import pytest

from curator_export.deck import build_deck
from curator_export.document import Heading, Image, Paragraph, plain_text, walk
from curator_export.model import Audience, ContentType
from curator_export.render import RenderRequest
from curator_export.testing import (
    NO_CORPUS_REASON,
    NO_HARNESS_REASON,
    VALID_HOME,
    find_corpus,
    run_validation_harness,
    validation_harness,
)
from curator_export_odf.odp_styles import FIT

CORPUS = find_corpus(Path(__file__))
HARNESS = validation_harness(CORPUS)
#: Words of each item's first paragraph that every file showing the item must contain.
OPENING_WORDS = 8


def odf_schemas() -> bool:
    """Whether jing and the OASIS ODF schemas (shipped with openxml-audit) are there."""
    if os.environ.get("ODF_SCHEMA_DIR"):
        return Path(os.environ["ODF_SCHEMA_DIR"]).is_dir()
    found = list((VALID_HOME / "venv" / "lib").glob("python3*/site-packages/openxml_audit/odf"))
    return shutil.which("jing") is not None and bool(found)


def libreoffice() -> bool:
    return any(shutil.which(name) for name in (os.environ.get("SOFFICE", ""), "soffice") if name)


def opening_words(request: RenderRequest, *, slides: bool) -> list[str]:
    """The first words of the first paragraph of every content item (instructor notes are
    speaker notes in a deck: not on the slides)."""
    found = []
    for parsed in request.sessions:
        for item in parsed.items:
            if slides and item.item.content_type is ContentType.INSTRUCTOR_NOTES:
                continue
            for node in walk(item.document):
                if isinstance(node, Paragraph) and not any(
                    isinstance(inner, Image) for inner in walk(node)
                ):
                    words = plain_text(node).split()[:OPENING_WORDS]
                    if words:
                        found.append(" ".join(words))
                        break
    return found


def headings(request: RenderRequest) -> list[str]:
    found = [request.title]
    for parsed in request.sessions:
        if request.merged:
            found.append(parsed.session.title)
        for item in parsed.items:
            found.append(item.item.title)
            found += [plain_text(n).strip() for n in walk(item.document) if isinstance(n, Heading)]
    return found


def expectations(lesson) -> dict[str, dict[str, object]]:
    """expect.json for a lesson: slides and titles of each deck, headings of each text, and
    the opening words of every content item in both."""
    expect: dict[str, dict[str, object]] = {}
    for file_name, request, _ in lesson.items():
        if file_name.endswith(".odp"):
            titles = [slide.title for slide in build_deck(request, FIT).slides]
            expect[file_name] = {
                "slides": len(titles),
                "titles": titles,
                "text": opening_words(request, slides=True),
            }
        else:
            expect[file_name] = {
                "headings": headings(request),
                "text": opening_words(request, slides=False),
            }
    return expect


@pytest.mark.corpus
@pytest.mark.slow
@pytest.mark.skipif(CORPUS is None, reason=NO_CORPUS_REASON)
@pytest.mark.skipif(HARNESS is None, reason=NO_HARNESS_REASON)
@pytest.mark.skipif(
    not odf_schemas(),
    reason="jing or the OASIS ODF schemas are missing (run ../shared/tools/validate/install.sh)",
)
def test_corpus_documents_pass_the_export_validators(corpus_lessons, tmp_path: Path) -> None:
    """Every episode and each merged lesson, as .odt and .odp: zip rules, ODF 1.2 schema,
    odfpy re-open with the expected titles and text, LibreOffice conversion when installed."""
    assert HARNESS is not None
    office = [] if libreoffice() else ["--no-office"]
    folders = []
    for lesson in corpus_lessons.values():
        folder = tmp_path / lesson.name
        folder.mkdir()
        for file_name, rendered in lesson.files.items():
            (folder / file_name).write_bytes(rendered.data)
        (folder / "expect.json").write_text(json.dumps(expectations(lesson), indent=1))
        folders.append(folder)
    run = run_validation_harness(HARNESS, folders, "--strict", *office, "--no-browser")
    run.assert_all_passed(sum(len(lesson.files) for lesson in corpus_lessons.values()))
    passed, report = run.passed, run.report
    # A missing schema check would pass silently: make sure jing ran on every file.
    assert not [line for line in passed if "jing" in line.partition("skipped:")[2]], report
    if not office:
        assert all("LibreOffice->PDF" in line for line in passed), report
    what = "without LibreOffice" if office else "with LibreOffice"
    print(f"check_exports.sh: {len(passed)} files passed {what} in {run.seconds:.0f} s")


def test_tricky_documents_pass_the_schema(kit, tmp_path: Path) -> None:
    """Documents with every kind of node, a logo, both audiences, merged and single, and a
    slide whose type is scaled down pass the ODF schema (zip rules, jing, odfpy)."""
    if HARNESS is None or not odf_schemas():
        pytest.skip("the validation harness with jing is not installed (install.sh)")
    logo = tmp_path / "logo.svg"
    logo.write_bytes(kit.svg)
    branding = attrs.evolve(kit.brand, logo=str(logo))
    first = kit.sample_session()
    second = kit.sample_session(title="Second", session_id="s2")
    long = kit.session(("Long", "## Long\n\n" + "word " * 1500), session_id="s3")
    folder = tmp_path / "files"
    folder.mkdir()
    for writer in ("odt", "odp"):
        kit.format_name = writer
        for name, request in {
            "single": kit.request(first),
            "branded": kit.request(first, branding=branding, include_metadata=True),
            "student": kit.request(first, audience=Audience.STUDENT),
            "merged": kit.request(first, second, long, title="Merged", branding=branding),
        }.items():
            (folder / f"{name}.{writer}").write_bytes(kit.write(writer, request).data)
    run = run_validation_harness(HARNESS, [folder], "--strict", "--no-office", "--no-browser")
    run.assert_all_passed(8)
