"""The PowerPoint writer on small requests: native slides, formatting, pictures, notes, brand."""

from __future__ import annotations

import io
import pickle
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import attrs
import pytest
from lxml import etree
from PIL import Image as PilImage
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE, PP_PLACEHOLDER
from pptx.util import Inches

from curator_export.deck import CONTINUED, build_deck
from curator_export.model import Audience, BrandColors, BrandFonts, Branding, ContentType
from curator_export_pptx import write_pptx
from curator_export_pptx.template import open_template

SLIDES = ContentType.SLIDES
NOTES = ContentType.INSTRUCTOR_NOTES
A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
P14 = "{http://schemas.microsoft.com/office/powerpoint/2010/main}"


def png(width: int = 64, height: int = 32, color: str = "teal") -> bytes:
    out = io.BytesIO()
    PilImage.new("RGB", (width, height), color).save(out, format="PNG")
    return out.getvalue()


SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="200" height="100">'
    b'<rect width="200" height="100" fill="#1e3a8a" stroke-opacity="null"/>'
    b'<image href="file:///etc/passwd" width="10" height="10"/></svg>'
)


def body_shape(slide):
    """The slide's body placeholder (where its first text goes)."""
    for shape in slide.placeholders:
        if shape.placeholder_format.type in (PP_PLACEHOLDER.OBJECT, PP_PLACEHOLDER.BODY):
            return shape
    return None


def all_text(slide) -> str:
    return "\n".join(shape.text_frame.text for shape in slide.shapes if shape.has_text_frame)


# -- structure ---------------------------------------------------------------------------------


def test_slides_and_titles_are_those_of_the_deck_model(kit) -> None:
    """One slide per deck slide, each title in its title placeholder, in order."""
    session = kit.session(
        ("Intro", "Opening.\n\n## First\n\nOne.\n\n---\n\nMore.\n\n## Second\n\nTwo.", SLIDES),
        ("Quiz", "## Which?\n\nA or B.\n\n::: solution\nB.\n:::", ContentType.QUIZ),
        title="Week 1",
    )
    request = kit.request(session)
    deck = kit.deck(write_pptx(request))
    geometry = open_template(None, None, None).geometry
    expected = [slide.title for slide in build_deck(request, geometry.fit()).slides]
    assert kit.titles(deck) == expected
    assert expected[:4] == ["Week 1", "Intro", "First", f"First{CONTINUED}"]
    assert all(slide.shapes.title is not None for slide in deck.slides)
    assert deck.slides[0].slide_layout.name == "Title Slide"
    assert deck.slides[2].slide_layout.name == "Title and Content"
    assert {s.slide_layout.name for s in deck.slides if s.shapes.title.text == "Quiz"} == {
        "Section Header"
    }


def test_decks_are_widescreen_and_every_slide_fits(kit) -> None:
    """16:9 slides; nothing off a slide, no text frame overflowing, nothing on top of text."""
    long_list = "\n".join(f"- point {n} with **some** words and `code`" for n in range(40))
    prose = " ".join(f"Sentence {n} is here to take some room on the slide." for n in range(60))
    table = "| a | b |\n|---|---|\n" + "".join(f"| row {n} | value {n} |\n" for n in range(30))
    code = "```\n" + "\n".join(f"line {n} " * 12 for n in range(50)) + "\n```"
    body = f"## List\n\n{long_list}\n\n## Prose\n\n{prose}\n\n## Table\n\n{table}\n\n{code}"
    deck = kit.deck(kit.write(kit.session(("Long", body, SLIDES))))
    assert (deck.slide_width, deck.slide_height) == (12192000, 6858000)
    assert len(deck.slides) > 10
    assert (kit.problems(deck)) == []


def test_the_overflow_check_can_fail(kit) -> None:
    """slide_problems finds text too long for its frame, shapes off the slide, and overlaps."""
    presentation = Presentation()
    slide = presentation.slides.add_slide(presentation.slide_layouts[6])
    box = slide.shapes.add_textbox(Inches(1), Inches(1), Inches(3), Inches(0.5))
    box.text_frame.word_wrap = True
    box.text_frame.text = "words that need far more room " * 20
    slide.shapes.add_textbox(Inches(1), Inches(1.2), Inches(3), Inches(0.4)).text = "x"
    slide.shapes.add_textbox(Inches(9), Inches(7), Inches(3), Inches(1)).text = "off"
    problems = kit.problems(presentation)
    assert any("needs" in problem for problem in problems)
    assert any("overlap" in problem for problem in problems)
    assert any("off the slide" in problem for problem in problems)


def test_bullets_keep_their_nesting_and_numbering(kit) -> None:
    """Nested items sit one level deeper with another bullet; an ordered list is numbered
    from its start."""
    body = "## Lists\n\n- top\n  - nested\n    - deeper\n- back\n\n3. three\n4. four\n"
    slide = kit.deck(kit.write(kit.session(("L", body, SLIDES)))).slides[1]
    paragraphs = body_shape(slide).text_frame.paragraphs
    texts = [p.text for p in paragraphs]
    assert texts == ["top", "nested", "deeper", "back", "three", "four"]
    props = [p._p.find(f"{A}pPr") for p in paragraphs]
    margins = [int(p.get("marL")) for p in props]
    assert margins[0] < margins[1] < margins[2]
    assert margins[3] == margins[0]
    chars = [p.find(f"{A}buChar").get("char") for p in props[:4]]
    assert chars[0] == chars[3] != chars[1] != chars[2]
    numbers = [p.find(f"{A}buAutoNum") for p in props[4:]]
    assert [n.get("type") for n in numbers] == ["arabicPeriod", "arabicPeriod"]
    assert {n.get("startAt") for n in numbers} == {"3"}


def test_emphasis_strong_code_and_links_keep_their_formatting(kit) -> None:
    """Runs are italic, bold, monospace, struck through or linked as the Markdown says."""
    body = "## Runs\n\nPlain *italic* **bold** `code` ~~gone~~ [site](https://example.org).\n"
    slide = kit.deck(kit.write(kit.session(("R", body, SLIDES)))).slides[1]
    runs = {run.text.strip(): run for run in body_shape(slide).text_frame.paragraphs[0].runs}
    assert runs["italic"].font.italic is True
    assert runs["bold"].font.bold is True
    assert runs["code"].font.name == "Consolas"
    assert runs["gone"]._r.find(f"{A}rPr").get("strike") == "sngStrike"
    assert runs["site"].hyperlink.address == "https://example.org"
    assert not runs["Plain"].font.italic
    assert not runs["Plain"].font.bold


def test_unsafe_links_keep_their_text_only(kit) -> None:
    """A javascript: or file: link is not made clickable."""
    body = "## L\n\n[click](javascript:alert(1)) [disk](file:///etc/passwd)\n"
    data = kit.write(kit.session(("R", body, SLIDES))).data
    assert b"javascript" not in data
    assert b"/etc/passwd" not in data


def test_tables_are_native_tables(kit) -> None:
    """A Markdown table becomes a PowerPoint table with its header and cells."""
    body = "## T\n\n| Name | Value |\n|:--|--:|\n| a | **1** |\n| b | 2 |\n"
    slide = kit.deck(kit.write(kit.session(("T", body, SLIDES)))).slides[1]
    (frame,) = [shape for shape in slide.shapes if shape.has_table]
    table = frame.table
    cells = [[table.cell(r, c).text for c in range(2)] for r in range(3)]
    assert cells == [["Name", "Value"], ["a", "1"], ["b", "2"]]
    assert table.cell(1, 1).text_frame.paragraphs[0].runs[0].font.bold is True
    assert table.cell(1, 1).text_frame.paragraphs[0]._p.find(f"{A}pPr").get("algn") == "r"


def test_code_blocks_are_monospace_text_boxes(kit) -> None:
    """A code block is a text box of its lines, leading spaces kept, in a monospace font."""
    body = "## C\n\n```python\ndef f():\n    return 1\n```\n"
    slide = kit.deck(kit.write(kit.session(("C", body, SLIDES)))).slides[1]
    (box,) = [s for s in slide.shapes if s.name.startswith("Code")]
    assert [p.text for p in box.text_frame.paragraphs] == ["def f():", "    return 1"]
    assert {r.font.name for p in box.text_frame.paragraphs for r in p.runs} == {"Consolas"}
    assert box.shape_type == MSO_SHAPE_TYPE.TEXT_BOX


def test_pictures_are_scaled_to_fit_with_the_alt_text_as_description(kit) -> None:
    """PNG and SVG figures become pictures inside the body, described by their alt text
    (not python-pptx's file name); an empty alt text marks a picture decorative."""
    body = (
        "## Figures\n\n![A wide teal figure](fig/wide.png)\n\n"
        '![The lake diagram](fig/lake.svg "Lake")\n\n![](fig/deco.png)\n'
    )
    session = kit.session(
        ("F", body, SLIDES),
        assets=[
            kit.asset("fig/wide.png", png(4000, 500)),
            kit.asset("fig/lake.svg", SVG, "image/svg+xml"),
            kit.asset("fig/deco.png", png(20, 20, "red")),
        ],
    )
    rendered = kit.write(session)
    assert rendered.warnings == ()
    deck = kit.deck(rendered)
    assert kit.descriptions(deck) == ["A wide teal figure", "The lake diagram", ""]
    pictures = [s for slide in deck.slides for s in slide.shapes
                if s.shape_type == MSO_SHAPE_TYPE.PICTURE]  # fmt: skip
    wide, lake, deco = pictures
    assert wide.width <= Inches(12.13)
    assert wide.left >= Inches(0.6)
    assert lake._element.xpath("./p:nvPicPr/p:cNvPr/@title") == ["Lake"]
    assert deco._element.xpath(".//*[local-name()='decorative']/@val") == ["1"]
    assert b"image.png" not in rendered.data
    assert (kit.problems(deck)) == []


def test_missing_and_remote_images_keep_their_alt_text_with_a_warning(kit) -> None:
    """An image that is not a session file is never fetched: its alt text stays, with a
    warning naming it."""
    body = "## F\n\n![Remote chart](https://example.org/c.png)\n\n![Lost](fig/lost.png)\n"
    rendered = kit.write(kit.session(("F", body, SLIDES)))
    deck = kit.deck(rendered)
    assert kit.descriptions(deck) == []
    text = all_text(deck.slides[1])
    assert "[Image: Remote chart]" in text
    assert "[Image: Lost]" in text
    assert len(rendered.warnings) == 2
    assert "not fetched" in rendered.warnings[0]


def test_a_broken_figure_is_a_warning_not_a_failure(kit) -> None:
    """An asset that is not an image leaves its alt text and a warning."""
    session = kit.session(
        ("F", "## F\n\n![Chart](c.png)\n", SLIDES), assets=[kit.asset("c.png", b"not a png")]
    )
    rendered = kit.write(session)
    assert "cannot be read" in rendered.warnings[0]
    assert "[Image: Chart]" in all_text(kit.deck(rendered).slides[1])


def test_boxes_are_drawn_behind_their_content(kit) -> None:
    """A callout is a tinted, decorative box with its label, its text inside it."""
    body = "## B\n\n::: callout\nInside the box.\n:::\n"
    slide = kit.deck(kit.write(kit.session(("B", body, SLIDES)))).slides[1]
    shapes = list(slide.shapes)
    box = next(s for s in shapes if s.name == "Callout box")
    text = next(s for s in shapes if s.has_text_frame and "Inside the box." in s.text_frame.text)
    assert "Callout" in text.text_frame.text
    assert shapes.index(box) < shapes.index(text)
    assert box.top <= text.top
    assert text.top + text.height <= box.top + box.height
    assert box._element.xpath(".//*[local-name()='decorative']/@val") == ["1"]


# -- notes ---------------------------------------------------------------------------------------


NOTES_TEXT = "Arrive early.\n\n## Second\n\nPoint at the figure."


def test_instructor_notes_become_speaker_notes(kit) -> None:
    """Notes under a slide's title go on that slide, the rest on the title slide."""
    session = kit.session(
        ("S", "## First\n\nA.\n\n## Second\n\nB.", SLIDES), ("N", NOTES_TEXT, NOTES)
    )
    deck = kit.deck(kit.write(session))
    assert kit.notes(deck) == ["Arrive early.", None, "Point at the figure."]


def test_students_get_no_notes_pages_at_all(kit) -> None:
    """With the student audience no slide has a notes page, and no notes text is anywhere."""
    session = kit.session(
        ("S", "## First\n\nA.\n\n::: instructor\nHIDDEN-NOTE\n:::\n", SLIDES),
        ("N", NOTES_TEXT, NOTES),
    )
    rendered = kit.write(session, audience=Audience.STUDENT)
    deck = kit.deck(rendered)
    assert set(kit.notes(deck)) == {None}
    names = zipfile.ZipFile(io.BytesIO(rendered.data)).namelist()
    assert not [name for name in names if "notesSlide" in name]
    assert b"HIDDEN-NOTE" not in rendered.data
    assert b"Arrive early" not in rendered.data


# -- branding and templates -------------------------------------------------------------------


BRAND = Branding(
    institution_name="University of Lakeside",
    colors=BrandColors(primary="#0B5563", secondary="#334155", accent="#E07A1F"),
    fonts=BrandFonts(heading="'Source Serif Pro', Georgia, serif", body="Arial, sans-serif"),
)


def theme_xml(data: bytes):
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        return etree.fromstring(package.read("ppt/theme/theme1.xml"))


def scheme_colors(data: bytes) -> dict[str, str]:
    root = theme_xml(data)
    scheme = root.find(f"{A}themeElements/{A}clrScheme")
    return {child.tag.split("}")[1]: (child[0].get("val") or "").upper() for child in scheme}


def theme_fonts(data: bytes) -> tuple[str, str]:
    root = theme_xml(data)
    fonts = root.find(f"{A}themeElements/{A}fontScheme")
    return (
        fonts.find(f"{A}majorFont/{A}latin").get("typeface"),
        fonts.find(f"{A}minorFont/{A}latin").get("typeface"),
    )


def test_theme_colours_and_fonts_are_the_brand(kit) -> None:
    """The deck's theme holds the brand: accent1 (and dk2, hyperlinks) primary, accent2
    secondary, accent3 accent; heading and body fonts from the brand's font stacks."""
    data = kit.write(kit.session(("S", "## A\n\nB.", SLIDES)), branding=BRAND).data
    colors = scheme_colors(data)
    assert colors["accent1"] == colors["dk2"] == colors["hlink"] == "0B5563"
    assert colors["accent2"] == "334155"
    assert colors["accent3"] == "E07A1F"
    assert theme_fonts(data) == ("Source Serif Pro", "Arial")


def test_without_a_brand_the_theme_has_the_templates_palette(kit) -> None:
    """No brand: the palette of the job's theme (the HTML themes' colours)."""
    session = kit.session(("S", "## A\n\nB.", SLIDES))
    assert scheme_colors(kit.write(session).data)["accent1"] == "1E3A8A"
    academic = kit.write(session, template_name="academic").data
    assert scheme_colors(academic)["accent1"] == "7F1D1D"
    assert theme_fonts(academic) == ("Georgia", "Georgia")


def test_institution_in_the_footer_and_slide_numbers(kit) -> None:
    """Content slides carry the institution in their footer placeholder and their number."""
    deck = kit.deck(kit.write(kit.session(("S", "## A\n\nB.", SLIDES)), branding=BRAND))
    slide = deck.slides[1]
    kinds = {s.placeholder_format.type: s for s in slide.placeholders}
    assert kinds[PP_PLACEHOLDER.FOOTER].text_frame.text == "University of Lakeside"
    field = kinds[PP_PLACEHOLDER.SLIDE_NUMBER]._element.find(f".//{A}fld")
    assert field.get("type") == "slidenum"
    assert field.findtext(f"{A}t") == "2"
    assert "University of Lakeside" in all_text(deck.slides[0])  # the title slide's subtitle


def test_logo_on_the_title_slide_and_in_a_corner_of_content_slides(kit, tmp_path: Path) -> None:
    """The brand's logo is a decorative picture on the title layout and in the top right
    corner of the content layout."""
    logo = tmp_path / "logo.png"
    logo.write_bytes(png(300, 100, "navy"))
    branding = attrs.evolve(BRAND, logo=str(logo))
    deck = kit.deck(kit.write(kit.session(("S", "## A\n\nB.", SLIDES)), branding=branding))
    found = {}
    for slide in list(deck.slides)[:2]:
        layout = slide.slide_layout
        pictures = [s for s in layout.shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE]
        assert len(pictures) == 1, layout.name
        found[layout.name] = pictures[0]
    corner = found["Title and Content"]
    assert corner.left + corner.width > deck.slide_width * 0.85
    assert corner.top < Inches(0.5)
    for picture in found.values():
        assert picture._element.xpath(".//*[local-name()='decorative']/@val") == ["1"]
        assert picture._element.xpath("./p:nvPicPr/p:cNvPr/@descr") == [
            "University of Lakeside logo"
        ]


def test_an_svg_logo_is_rasterised_and_a_bad_logo_is_a_warning(kit, tmp_path: Path) -> None:
    """An SVG logo works like a PNG one; a logo that cannot be read is left out, with a
    warning, and the deck is still written."""
    svg = tmp_path / "logo.svg"
    svg.write_bytes(SVG)
    session = kit.session(("S", "## A\n\nB.", SLIDES))
    ok = kit.write(session, branding=attrs.evolve(BRAND, logo=str(svg)))
    assert ok.warnings == ()
    missing = kit.write(session, branding=attrs.evolve(BRAND, logo=str(tmp_path / "gone.png")))
    assert "logo" in missing.warnings[0]
    kit.deck(missing)


def make_template(path: Path, *, sample_slide: bool = True) -> Path:
    """An institution's template: 4:3, its own theme colour, a sample slide to be dropped."""
    presentation = Presentation()
    if sample_slide:
        slide = presentation.slides.add_slide(presentation.slide_layouts[1])
        slide.shapes.title.text = "SAMPLE-SLIDE"
    presentation.save(str(path))
    return path


def test_an_institution_template_is_used_with_its_masters_and_layouts(kit, tmp_path: Path) -> None:
    """`template` names a .pptx: its slide size and layouts are used, its sample slides
    dropped, and the text still fits its (narrower) body."""
    from curator_export_pptx import PptxOptions

    template = make_template(tmp_path / "institution.pptx")
    session = kit.session(
        ("S", "## A\n\n" + "\n".join(f"- point {n}" for n in range(30)), SLIDES),
        ("Q", "## Q?\n\nA.", ContentType.QUIZ),
    )
    rendered = kit.write(session, options=PptxOptions(template=str(template)))
    deck = kit.deck(rendered)
    assert (deck.slide_width, deck.slide_height) == (9144000, 6858000)
    assert "SAMPLE-SLIDE" not in kit.titles(deck)
    assert b"SAMPLE-SLIDE" not in rendered.data
    layouts = [slide.slide_layout.name for slide in deck.slides]
    assert layouts[:2] == ["Title Slide", "Title and Content"]
    assert "Section Header" in layouts
    assert (kit.problems(deck)) == []
    # The brand still sets the theme's colours over the template's.
    branded = kit.write(session, options=PptxOptions(template=str(template)), branding=BRAND)
    assert scheme_colors(branded.data)["accent1"] == "0B5563"
    assert scheme_colors(rendered.data)["accent1"] == "4F81BD"  # the template's own


def test_a_potx_template_works_too(kit, tmp_path: Path) -> None:
    """A PowerPoint template (.potx) differs from a .pptx only in its content type."""
    from curator_export_pptx import PptxOptions

    pptx = make_template(tmp_path / "institution.pptx", sample_slide=False)
    potx = tmp_path / "institution.potx"
    with zipfile.ZipFile(pptx) as source, zipfile.ZipFile(potx, "w") as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "[Content_Types].xml":
                data = data.replace(
                    b"presentationml.presentation.main+xml", b"presentationml.template.main+xml"
                )
            target.writestr(info, data)
    deck = kit.deck(kit.write(kit.session(("S", "## A\n\nB.", SLIDES)),
                              options=PptxOptions(template=str(potx))))  # fmt: skip
    assert kit.titles(deck)[1] == "A"


def test_template_option_is_checked_when_the_job_is_read(tmp_path: Path) -> None:
    """A template that is missing, not .pptx/.potx, or not a ZIP package is refused."""
    from curator_export_pptx import PptxOptions

    with pytest.raises(ValueError, match="does not exist"):
        PptxOptions(template=str(tmp_path / "missing.pptx"))
    with pytest.raises(ValueError, match=r"\.pptx or \.potx"):
        PptxOptions(template=str(tmp_path / "deck.odp"))
    fake = tmp_path / "fake.pptx"
    fake.write_text("not a zip")
    with pytest.raises(ValueError, match="not a PowerPoint file"):
        PptxOptions(template=str(fake))
    assert PptxOptions(template="").template is None


# -- metadata, sections, robustness -------------------------------------------------------------


def test_core_properties_describe_the_deck(kit) -> None:
    """Title, author (the institution), subject, keywords and creation time are set, and
    nothing of python-pptx's own defaults remains."""
    session = kit.session(("S", "## A\n\nB.", SLIDES), title="Lakes")
    request = attrs.evolve(
        kit.request(session, branding=BRAND, include_metadata=True, metadata={"job_id": "j"}),
        created_at=datetime(2026, 11, 29, 14, 30, tzinfo=UTC),
    )
    rendered = write_pptx(request)
    properties = kit.deck(rendered).core_properties
    assert properties.title == "Lakes"
    assert properties.author == "University of Lakeside"
    assert properties.subject == "Lakes"
    assert properties.keywords == "slides"
    assert properties.created == datetime(2026, 11, 29, 14, 30)
    assert properties.last_modified_by == "curator-export"
    assert "job_id: j" in properties.comments
    assert b"python-pptx" not in rendered.data
    assert b"Steve Canny" not in rendered.data
    app = kit.parts(rendered.data)["docProps/app.xml"]
    assert app.findtext("{*}Slides") == "2"


def test_merged_decks_have_a_powerpoint_section_per_session(kit) -> None:
    """A merged deck opens each session with a section slide and a PowerPoint section."""
    first = kit.session(("A", "## One\n\nx", SLIDES), title="Alpha")
    second = kit.session(("B", "## Two\n\ny", SLIDES), title="Beta", session_id="s2")
    rendered = kit.write(first, second, title="Course")
    deck = kit.deck(rendered)
    assert kit.titles(deck) == ["Course", "Alpha", "One", "Beta", "Two"]
    root = kit.parts(rendered.data)["ppt/presentation.xml"]
    sections = root.findall(f".//{P14}section")
    assert [s.get("name") for s in sections] == ["Course", "Alpha", "Beta"]
    ids = [[i.get("id") for i in s.iter(f"{P14}sldId")] for s in sections]
    slide_ids = [str(slide.slide_id) for slide in deck.slides]
    assert ids == [slide_ids[:1], slide_ids[1:3], slide_ids[3:]]


def test_control_characters_and_lone_surrogates_do_not_break_the_deck(kit) -> None:
    """Control characters vanish instead of becoming _x0007_ escapes; a lone surrogate does
    not crash the save."""
    bad = "Bad\x00ti\x07tle\ud800 end"
    session = kit.session(("S", f"## {bad}\n\nText\x0b with\x1f junk\udfff.\n", SLIDES),
                          ("N", f"Note\x01 {bad}", NOTES), title=bad)  # fmt: skip
    rendered = kit.write(session, branding=attrs.evolve(BRAND, institution_name=bad))
    assert b"_x00" not in rendered.data
    deck = kit.deck(rendered)
    # CommonMark turns NUL into U+FFFD when the heading is parsed; the session title is not.
    assert kit.titles(deck)[:2] == ["Badtitle end", "Bad\ufffdtitle end"]
    assert "Text with junk." in all_text(deck.slides[1])
    assert deck.core_properties.title == "Badtitle end"


def test_the_writer_reaches_worker_processes(kit) -> None:
    """write_pptx is a module-level function: it pickles by reference."""
    assert pickle.loads(pickle.dumps(write_pptx)) is write_pptx


def test_demo_deck_via_the_command_line(kit, run_cli, tmp_path: Path) -> None:
    """`export -f pptx` writes a deck per session; `-O pptx.template=...` must name a file."""
    from curator_export.testing_writers import SAMPLE_COURSE, write_course

    source = write_course(tmp_path / "course", SAMPLE_COURSE)
    store = ("--store", str(tmp_path / "course.db"))
    assert run_cli(*store, "import", str(source)).returncode == 0
    out = tmp_path / "out"
    done = run_cli(*store, "export", "-s", "s1", "-f", "powerpoint", "-o", str(out), "--serial",
                   "--audience", "student")  # fmt: skip
    assert done.returncode == 0, done.stderr
    (path,) = out.rglob("*.pptx")
    deck = Presentation(str(path))
    assert kit.titles(deck) == ["Lake Ecology", "Lakes", "Lake quiz", "Question 1"]
    assert set(kit.notes(deck)) == {None}
    assert b"SECRET-SOLUTION" not in path.read_bytes()
    bad = run_cli(*store, "export", "-s", "s1", "-f", "pptx", "-o", str(tmp_path / "bad"),
                  "-O", f"pptx.template={tmp_path / 'none.pptx'}")  # fmt: skip
    assert bad.returncode == 2
    assert "format_options.pptx.template" in bad.stderr
    assert not (tmp_path / "bad").exists()


def test_text_that_cannot_be_cut_shrinks_as_a_last_resort(kit) -> None:
    """One list item longer than a slide cannot be cut: its type is set smaller, the frame
    shrinks on overflow, and the export says so."""
    item = " ".join(f"word{n}" for n in range(900))
    rendered = kit.write(kit.session(("S", f"## Huge\n\n- {item}\n- short\n", SLIDES)))
    assert any("shrinks on overflow" in warning for warning in rendered.warnings)
    slide = kit.deck(rendered).slides[1]
    autofit = body_shape(slide)._element.xpath(".//a:bodyPr/a:normAutofit")
    assert autofit
    assert int(autofit[0].get("fontScale")) < 100000


def test_template_layouts_are_found_by_their_placeholders_whatever_their_names(
    kit, tmp_path: Path
) -> None:
    """Layouts named in another language are recognised by their placeholders: the one with
    a centred title for the title slide, title and body for content."""
    from curator_export_pptx import PptxOptions

    presentation = Presentation()
    names = {"Title Slide": "Titelfolie", "Title and Content": "Titel und Inhalt",
             "Section Header": "Abschnitt"}  # fmt: skip
    for layout in presentation.slide_layouts:
        layout.name = names.get(layout.name, f"Layout {layout.name}")
    path = tmp_path / "vorlage.pptx"
    presentation.save(str(path))
    session = kit.session(("S", "## A\n\nB.", SLIDES), ("Q", "## Q?\n\nA.", ContentType.QUIZ))
    deck = kit.deck(kit.write(session, options=PptxOptions(template=str(path))))
    layouts = [slide.slide_layout.name for slide in deck.slides]
    assert layouts[:2] == ["Titelfolie", "Titel und Inhalt"]
    assert kit.titles(deck) == ["Session", "A", "Quiz: Q", "Q?"]


# -- work done once: templates per process, figures and measurements per deck ---------------


def deck_parts(data: bytes) -> dict[str, bytes]:
    """A deck's parts but the core properties (which hold the time it was written)."""
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        return {
            name: package.read(name) for name in package.namelist() if name != "docProps/core.xml"
        }


def test_decks_from_one_prepared_template_do_not_share_slides(kit) -> None:
    """The template is prepared once per process; every deck still gets a presentation of
    its own: the same request twice gives the same parts, and another deck made in between
    leaves nothing behind."""
    first = kit.session(("Intro", "## One\n\nText.\n\n## Two\n\nMore.", SLIDES), title="Week 1")
    other = kit.session(("Other", "## Else\n\n" + "Words. " * 40, SLIDES), title="Week 2")
    before = kit.write(first)
    kit.write(other, branding=BRAND)
    kit.write(other)
    after = kit.write(first)
    assert deck_parts(after.data) == deck_parts(before.data)
    assert kit.titles(kit.deck(after)) == kit.titles(kit.deck(before))


def test_the_prepared_template_follows_the_brand_and_the_file(kit, tmp_path: Path) -> None:
    """Templates are kept by what they are made of: another brand or template name gets its
    own theme, and a template file changed on disk is read again."""
    from curator_export_pptx import PptxOptions

    session = kit.session(("S", "## A\n\nText.", SLIDES))
    plain = kit.write(session)
    branded = kit.write(session, branding=BRAND)
    academic = kit.write(session, template_name="academic")
    assert scheme_colors(branded.data)["accent1"] == "0B5563"
    assert scheme_colors(plain.data)["accent1"] != "0B5563"
    assert theme_fonts(academic.data) == ("Georgia", "Georgia")
    assert theme_fonts(plain.data) == ("Calibri", "Calibri")
    path = make_template(tmp_path / "institution.pptx")
    options = PptxOptions(template=str(path))
    assert kit.deck(kit.write(session, options=options)).slide_width == 9144000
    changed = Presentation()
    changed.slide_width = Inches(13.333)
    changed.save(str(path))
    assert kit.deck(kit.write(session, options=options)).slide_width == Inches(13.333)


def test_a_template_that_cannot_be_used_fails_every_time(kit, tmp_path: Path) -> None:
    """A broken template is not kept: each deck asking for it says why it cannot be used."""
    from curator_export.errors import BrandingError
    from curator_export_pptx import PptxOptions

    path = tmp_path / "broken.pptx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    session = kit.session(("S", "## A\n\nText.", SLIDES))
    for _ in range(2):
        with pytest.raises(BrandingError, match="is not a PowerPoint file that can be used"):
            kit.write(session, options=PptxOptions(template=str(path)))


def test_an_svg_is_sized_without_drawing_it_and_drawn_once_at_twice_its_size() -> None:
    """The natural size of an SVG is what CairoSVG renders it at, at scale 1 (the rounded
    surface size), found without rendering; the embedded PNG is twice that."""
    from cairosvg.surface import PNGSurface
    from cairosvg.url import safe_fetch

    from curator_export_pptx.pictures import _VOID_ATTRIBUTE, convert

    odd = b'<svg xmlns="http://www.w3.org/2000/svg" width="150.6" height="75.4"><rect width="9" height="9"/></svg>'  # noqa: E501
    for source in (SVG, odd):
        cleaned = _VOID_ATTRIBUTE.sub(b"", source)
        reference_png = PNGSurface.convert(bytestring=cleaned, unsafe=False, url_fetcher=safe_fetch)
        with PilImage.open(io.BytesIO(reference_png)) as reference:
            natural = reference.size
        picture = convert(source, "image/svg+xml")
        assert (picture.width_px, picture.height_px) == natural
        twice = PNGSurface.convert(
            bytestring=cleaned, scale=2.0, unsafe=False, url_fetcher=safe_fetch
        )
        assert picture.data == twice


def test_placeholders_are_found_as_python_pptx_lists_them() -> None:
    """The one-query placeholder lookup gives python-pptx's placeholders, in its order, on
    the built-in template's master, every layout and a slide made from each."""
    from curator_export_pptx import ooxml

    presentation = open_template(None, BRAND, None).presentation

    def listed(holder):
        return [(s.placeholder_format.type, s.placeholder_format.idx, type(s), s.shape_id)
                for s in holder.placeholders]  # fmt: skip

    def found(holder):
        shapes = [ooxml.placeholder_shape(holder, element)
                  for _, element in ooxml.placeholder_elements(holder)]  # fmt: skip
        return [(s.placeholder_format.type, s.placeholder_format.idx, type(s), s.shape_id)
                for s in shapes]  # fmt: skip

    holders = [presentation.slide_master]
    for layout in presentation.slide_layouts:
        holders += [layout, presentation.slides.add_slide(layout)]
    for holder in holders:
        assert found(holder) == listed(holder)
    assert sum(len(found(holder)) for holder in holders) > 2 * len(holders)
    layout = presentation.slide_layouts[1]
    assert ooxml.find_placeholder(layout, PP_PLACEHOLDER.FOOTER).placeholder_format.type == (
        PP_PLACEHOLDER.FOOTER
    )
    assert ooxml.find_placeholder(layout, PP_PLACEHOLDER.CHART) is None


def test_measured_words_are_forgotten_between_decks(kit) -> None:
    """Word widths are kept while a deck is measured, not from one deck to the next."""
    from curator_export_pptx import geometry

    geometry.wrapped_lines([("some words to measure", "regular")], 10**6, 20.0)
    assert geometry._word_widths.cache_info().currsize > 0
    kit.write(kit.session(("S", "Short.", SLIDES)))
    cached = geometry._word_widths.cache_info().currsize
    assert 0 < cached < 50  # this deck's few paragraphs and titles only
    assert geometry.wrapped_lines([("a b", "regular"), ("\nc", "mono")], 10**6, 20.0) == 2
