"""The presentation read back: one page per slide of the deck, titles in title placeholders,
notes per audience, figures with their alt text, nothing off the slide, the brand."""

from __future__ import annotations

import attrs
import pytest

from curator_export.deck import SlideKind, build_deck
from curator_export.document import Image, Paragraph, plain_text, walk
from curator_export.model import Audience, Branding, ContentType
from curator_export_odf import write_odp
from curator_export_odf.odp_styles import BODY, FIT, SLIDE_HEIGHT, SLIDE_WIDTH


def cm(value: str | None) -> float:
    assert value is not None
    assert value.endswith("cm"), value
    return float(value.removesuffix("cm"))


def boxes(kit, slide) -> list[tuple[str, float, float, float, float]]:
    """(name, x, y, width, height) of every shape placed on a slide (not its notes)."""
    q = kit.q
    found = []
    for shape in slide:
        if shape.tag == q("presentation:notes"):
            continue
        found.append(
            (
                shape.get(q("draw:name"), ""),
                cm(shape.get(q("svg:x"))),
                cm(shape.get(q("svg:y"))),
                cm(shape.get(q("svg:width"))),
                cm(shape.get(q("svg:height"))),
            )
        )
    return found


@pytest.fixture
def sample(kit):
    """The sample session's deck request (for instructors) and its presentation read back."""
    kit.format_name = "odp"
    request = kit.request(kit.sample_session(), branding=kit.brand)
    return request, kit.read(write_odp(request))


def test_one_page_per_slide_with_the_decks_titles(kit, sample) -> None:
    """The presentation has the deck's slides, in order, each title in a title placeholder."""
    request, read = sample
    deck = build_deck(request, FIT)
    slides = read.slides()
    assert [read.slide_title(slide) for slide in slides] == [s.title for s in deck.slides]
    for slide in slides:
        titles = [
            f
            for f in slide.findall("draw:frame", kit.ns)
            if f.get(kit.q("presentation:class")) == "title"
        ]
        assert len(titles) == 1
        assert slide.get(kit.q("draw:master-page-name")) == "Default"
    assert read.slide_title(slides[0]) == "Sample session"
    assert "Quiz" in [read.slide_title(slide) for slide in slides]
    assert (
        read.styles.find(".//style:page-layout-properties", kit.ns).get(kit.q("fo:page-width"))
        == f"{SLIDE_WIDTH}cm"
    )


def test_slide_bodies_hold_the_decks_text(kit, sample) -> None:
    """Every paragraph of a content slide is on that slide's page."""
    request, read = sample
    deck = build_deck(request, FIT)
    checked = 0
    for slide, page in zip(deck.slides, read.slides(), strict=True):
        text = read.slide_text(page)
        paragraphs = [n for block in slide.blocks for n in walk(block) if isinstance(n, Paragraph)]
        for paragraph in paragraphs:
            if not any(isinstance(node, Image) for node in walk(paragraph)):
                assert " ".join(plain_text(paragraph).split()) in text, slide.title
                checked += 1
    assert checked > 10


def test_content_is_in_the_outline_placeholder(kit, sample) -> None:
    """A content slide's first run of text is its outline placeholder."""
    _, read = sample
    page = next(p for p in read.slides() if read.slide_title(p) == "First section")
    outline = [
        f
        for f in page.findall("draw:frame", kit.ns)
        if f.get(kit.q("presentation:class")) == "outline"
    ]
    assert len(outline) == 1
    assert "A paragraph with emphasis" in kit.text_of(outline[0])


def test_notes_only_for_instructors(kit) -> None:
    """Instructor notes become speaker notes (on the slide their heading names, the rest on
    the title slide); students' decks have no notes page at all."""
    session = kit.sample_session()
    read = kit.read(kit.odp(session))
    notes = {read.slide_title(p): read.notes(p) for p in read.slides() if read.notes(p)}
    assert "Say this on the first section's slide." in notes["First section"]
    assert "General remarks before any heading." in notes["Sample session"]
    student = kit.read(kit.odp(session, audience=Audience.STUDENT))
    assert not any(p.find("presentation:notes", kit.ns) is not None for p in student.slides())
    assert "The answer" not in student.text()
    assert "Answer: Question one" not in [student.slide_title(p) for p in student.slides()]


def test_figures_are_scaled_into_the_slide_with_alt_text(kit, sample) -> None:
    """Each figure is a picture of the package, described by its alt text, inside the body."""
    _, read = sample
    images = read.images()
    assert {image["desc"] for image in images} >= {"A figure", "A drawing with alt text"}
    for image in images:
        assert image["href"] in read.zip.namelist()
        assert image["title"]


def test_nothing_leaves_the_slide(kit, sample) -> None:
    """Every shape lies on its slide; content stays above the footer."""
    _, read = sample
    for page in read.slides():
        for name, x, y, width, height in boxes(kit, page):
            assert x >= 0
            assert y >= 0
            assert x + width <= SLIDE_WIDTH + 1e-6, name
            assert y + height <= SLIDE_HEIGHT + 1e-6, name
            if name not in ("Title", "Subtitle", "Title logo", "Rule"):
                assert y + height <= BODY.y + BODY.height + 1e-6, (read.slide_title(page), name)


def test_a_paragraph_taller_than_a_slide_gets_smaller_type(kit) -> None:
    """A paragraph the deck cannot cut (one word longer than a slide holds): its slide's
    type is scaled down so that it fits the body."""
    long = "w" * 2000
    read = kit.read(kit.odp(kit.session(("Long", f"## Long\n\n{long}\n\nAfter."))))
    page = next(p for p in read.slides() if read.slide_title(p) == "Long")
    styles = {p.get(kit.q("text:style-name")) for p in page.iter(kit.q("text:p"))}
    sizes = [
        float(read.properties(name)["font-size"].removesuffix("pt"))
        for name in styles
        if name and name.startswith("P_body")
    ]
    assert sizes
    assert max(sizes) < 18
    for name, _, y, _, height in boxes(kit, page):
        if name != "Title":
            assert y + height <= BODY.y + BODY.height + 1e-6


def test_code_and_tables_get_frames_of_their_own(kit, sample) -> None:
    """Code is a filled frame in the monospace font; a table is a table:table in a frame."""
    _, read = sample
    q = kit.q
    code = [
        f
        for page in read.slides()
        for f in page.findall("draw:frame", kit.ns)
        if f.get(q("draw:name"), "").startswith("Code")
    ]
    assert any("def f(x):" in kit.text_of(frame) for frame in code)
    style = next(code[0].iter(q("text:p"))).get(q("text:style-name"))
    mono = read.properties(style)["font-name"]
    face = next(
        f for f in read.content.iter(q("style:font-face")) if f.get(q("style:name")) == mono
    )
    assert face.get(q("style:font-pitch")) == "fixed"
    tables = [
        frame
        for page in read.slides()
        for frame in page.findall("draw:frame", kit.ns)
        if frame.find("table:table", kit.ns) is not None
    ]
    assert any("Centre" in kit.text_of(frame) for frame in tables)


def test_brand_in_styles_and_master(kit, tmp_path) -> None:
    """Titles take the primary colour and heading font; the master page shows the
    institution's name, its logo and the slide number; the title slide shows the logo."""
    logo = tmp_path / "logo.png"
    logo.write_bytes(kit.png(120, 40))
    branding = attrs.evolve(kit.brand, logo=str(logo))
    read = kit.read(kit.odp(kit.session(("A", "## One\n\nText.")), branding=branding))
    title = read.properties("Default-title")
    assert title["color"] == "#0f4c5c"
    assert title["font-name"] == "Source Serif Pro"
    assert read.properties("Default-outline1")["font-name"] == "Arial"
    master = read.styles.find("office:master-styles/style:master-page", kit.ns)
    assert "Northfield Institute" in kit.text_of(master)
    assert master.find(".//text:page-number", kit.ns) is not None
    assert [image["desc"] for image in read.images(master)] == ["Northfield Institute logo"]
    first = read.slides()[0]
    assert read.images(first)
    assert "Northfield Institute" in read.slide_text(first)


def test_section_slides_for_sessions_of_a_merged_deck(kit) -> None:
    """A merged deck has a section slide per session, titled with the session's title."""
    first = kit.session(("A", "## One\n\nText.", ContentType.SLIDES), title="Week one")
    second = kit.session(
        ("B", "## Two\n\nMore.", ContentType.SLIDES), session_id="s2", title="Week two"
    )
    kit.format_name = "odp"
    request = kit.request(first, second, title="Course")
    read = kit.read(write_odp(request))
    deck = build_deck(request, FIT)
    sections = [s.title for s in deck.slides if s.kind is SlideKind.SECTION]
    assert sections == ["Week one", "Week two"]
    assert [read.slide_title(p) for p in read.slides()] == [s.title for s in deck.slides]


def test_missing_logo_file_is_a_warning(kit, tmp_path) -> None:
    """A logo that cannot be read leaves the deck without it and says why."""
    rendered = kit.odp(kit.session(("A", "x")), branding=Branding(logo=str(tmp_path / "gone.png")))
    assert any("logo" in warning for warning in rendered.warnings)
