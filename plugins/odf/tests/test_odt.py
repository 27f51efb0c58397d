"""The text document read back: outline, inline formatting, lists, tables, code, figures,
callouts, instructor notes, merged documents, branding and properties."""

from __future__ import annotations

import pytest

from curator_export.model import Audience, BrandColors, Branding, ContentType


@pytest.fixture
def sample(kit):
    """The sample session written for instructors, read back."""
    rendered = kit.odt(kit.sample_session())
    return kit.read(rendered), rendered.warnings


def spans(kit, read, style: str) -> list[str]:
    return [
        kit.text_of(span)
        for span in read.body.iter(kit.q("text:span"))
        if span.get(kit.q("text:style-name")) == style
    ]


def test_outline_has_one_title_and_no_skipped_level(kit, sample) -> None:
    """The title is the one level-1 heading; items are level 2, their headings below them,
    a skipped level in the source closed up."""
    read, _ = sample
    assert read.headings() == [
        (1, "Sample session"),
        (2, "Kitchen sink"),
        (3, "First section"),
        (3, "A challenge"),
        (3, "Second section"),
        (4, "Skipped a level"),
        (2, "Notes"),
        (3, "First section"),
        (2, "Quiz"),
        (3, "Question one"),
    ]
    styles = [h.get(kit.q("text:style-name")) for h in read.body.iter(kit.q("text:h"))]
    assert styles[:3] == ["Title", "Heading_20_2", "Heading_20_3"]


def test_item_labels_follow_item_headings(kit, sample) -> None:
    """Each item's heading is followed by its content type's label, as on the HTML page."""
    read, _ = sample
    labels = [
        kit.text_of(p).strip()
        for p in read.body.iter(kit.q("text:p"))
        if p.get(kit.q("text:style-name")) == "Item_20_Label"
    ]
    assert labels == ["Slides", "Instructor notes", "Quiz"]


def test_inline_formatting_keeps_its_styles(kit, sample) -> None:
    """Emphasis, strong, code (its spaces kept), strikethrough and <kbd> get character styles."""
    read, _ = sample
    assert "emphasis" in spans(kit, read, "Emphasis")
    assert "strong" in spans(kit, read, "Strong_20_Emphasis")
    assert "code  with  spaces" in spans(kit, read, "Source_20_Text")
    assert "Ctrl" in spans(kit, read, "Source_20_Text")
    assert "struck" in spans(kit, read, "Strikethrough")
    assert "A paragraph with emphasis, strong, code  with  spaces, struck and a link" in (
        kit.text_of(read.body)
    )


def test_links_keep_safe_targets_and_anchors(kit, sample) -> None:
    """Web links stay links; a link into the lesson's site keeps only its text; an anchor
    link points at the bookmark of its heading."""
    read, _ = sample
    q = kit.q
    links = {kit.text_of(a): a.get(q("xlink:href")) for a in read.body.iter(q("text:a"))}
    assert links["link"] == "https://example.org"
    assert "relative link" not in links
    assert "relative link" in read.text()
    anchor = links["anchor"]
    assert anchor.startswith("#")
    bookmarks = {b.get(q("text:name")): b for b in read.body.iter(q("text:bookmark"))}
    assert anchor[1:] in bookmarks
    heading = next(
        h
        for h in read.body.iter(q("text:h"))
        if h.find("text:bookmark", kit.ns) is not None
        and h.find("text:bookmark", kit.ns).get(q("text:name")) == anchor[1:]
    )
    assert kit.text_of(heading).strip() == "Second section"


def test_lists_nest_number_and_tick(kit, sample) -> None:
    """Nested lists are nested text:lists; an ordered list keeps its start; task items show
    their box."""
    read, _ = sample
    q = kit.q
    lists = list(read.body.iter(q("text:list")))
    nested = [inner for outer in lists for inner in outer.iter(q("text:list")) if inner != outer]
    assert any("two a" in kit.text_of(inner) for inner in nested)
    numbered = [lst for lst in lists if lst.get(q("text:style-name")) == "Numbering_20_123"]
    starts = [lst.find("text:list-item", kit.ns).get(q("text:start-value")) for lst in numbered]
    assert "3" in starts
    text = read.text()
    assert "\u2611 done" in text
    assert "\u2610 not done" in text


def test_tables_have_header_rows_and_aligned_cells(kit, sample) -> None:
    """A GFM table is a table:table with a header row; centred and right columns align."""
    read, _ = sample
    q = kit.q
    table = next(t for t in read.body.iter(q("table:table")) if "Centre" in kit.text_of(t))
    header = table.find("table:table-header-rows", kit.ns)
    assert header is not None
    assert kit.text_of(header).split() == ["Left", "Centre", "Right"]
    column = table.find("table:table-column", kit.ns)
    assert column.get(q("table:number-columns-repeated")) == "3"
    body_row = table.findall("table:table-row", kit.ns)[0]
    styles = [p.get(q("text:style-name")) for p in body_row.iter(q("text:p"))]
    assert styles == ["Table_20_Contents", "Table_20_Center", "Table_20_Right"]


def test_code_blocks_keep_white_space_in_a_monospace_style(kit, sample) -> None:
    """Code is a paragraph of the monospace style with its tabs, spaces and line breaks;
    output and error blocks have styles of their own."""
    read, _ = sample
    q = kit.q
    code = {
        p.get(q("text:style-name")): kit.text_of(p)
        for p in read.body.iter(q("text:p"))
        if "Code" in (p.get(q("text:style-name")) or "")
        or p.get(q("text:style-name")) == ("Preformatted_20_Text")
    }
    assert code["Preformatted_20_Text"] == "def f(x):\n\treturn  x  # tab and spaces\n"
    assert code["Code_20_Output"].strip() == "result"
    assert code["Code_20_Error"].strip() == "Traceback"
    mono = read.properties("Preformatted_20_Text")["font-name"]
    assert read.properties("Source_20_Text")["font-name"] == mono
    face = next(f for f in read.styles.iter(q("style:font-face")) if f.get(q("style:name")) == mono)
    assert face.get(q("style:font-pitch")) == "fixed"


def test_figures_are_embedded_with_their_alt_text(kit, sample) -> None:
    """Both figures are pictures of the package; the alt text is the frame's svg:title and
    svg:desc; a missing figure leaves its alt text and a warning."""
    read, warnings = sample
    images = read.images()
    by_desc = {image["desc"]: image for image in images}
    assert set(by_desc) == {"A figure", "A drawing with alt text"}
    for image in images:
        assert image["title"] == image["desc"]
        assert image["href"] in read.zip.namelist()
    assert by_desc["A drawing with alt text"]["href"].endswith(".svg")
    assert float(by_desc["A drawing with alt text"]["width"].removesuffix("cm")) == 12.0
    assert "Missing figure" in read.text()
    assert any("fig/missing.png" in warning for warning in warnings)


def test_callouts_are_labelled_framed_sections(kit, sample) -> None:
    """Fenced divs become named sections framed by a tinted cell, opened by their label;
    a solution sits inside its challenge."""
    read, _ = sample
    q = kit.q
    sections = {s.get(q("text:name")): s for s in read.body.iter(q("text:section"))}
    assert {"Challenge 1", "Solution 1", "Instructor note 1", "Callout 1"} <= set(sections)
    challenge = sections["Challenge 1"]
    assert sections["Solution 1"] in list(challenge.iter(q("text:section")))
    first = next(challenge.iter(q("text:p")))
    assert first.get(q("text:style-name")) == "Callout_20_Label_challenge"
    assert kit.text_of(first).strip() == "Challenge"
    cell = next(challenge.iter(q("table:table-cell")))
    assert cell.get(q("table:style-name")) == "Callout_20_Frame_challenge"
    frame = read.properties("Callout_20_Frame_challenge", "table-cell")
    assert frame["border-left"].startswith("3pt solid")
    assert (
        frame["background-color"]
        != read.properties("Callout_20_Frame_solution", "table-cell")["background-color"]
    )
    quiz = sections["Question 1"]
    assert kit.text_of(next(quiz.iter(q("text:p")))).strip() == "Question"


def test_tables_and_callouts_in_list_items_stay_valid(kit, sample) -> None:
    """A list item holds only paragraphs, headings and lists: a table there is framed in
    its paragraph, a div's content is written into the item."""
    read, _ = sample
    q = kit.q
    for item in read.body.iter(q("text:list-item")):
        assert {child.tag for child in item} <= {q("text:p"), q("text:h"), q("text:list")}
    holder = next(
        item
        for item in read.body.iter(q("text:list-item"))
        if "A list item holding" in kit.text_of(item)
    )
    assert holder.find(".//draw:text-box/table:table", kit.ns) is not None
    assert "A hint in a list." in kit.text_of(holder)


def test_instructor_notes_are_framed_distinctly(kit, sample) -> None:
    """The instructor notes item sits in a section of its own with the instructor frame."""
    read, _ = sample
    q = kit.q
    section = next(
        s
        for s in read.body.iter(q("text:section"))
        if s.get(q("text:name")) == "Instructor notes 1"
    )
    assert "General remarks before any heading." in kit.text_of(section)
    cell = next(section.iter(q("table:table-cell")))
    assert cell.get(q("table:style-name")) == "Callout_20_Frame_instructor"


def test_students_get_no_instructor_content(kit) -> None:
    """For students: no instructor notes item, no instructor note, no solution."""
    read = kit.read(kit.odt(kit.sample_session(), audience=Audience.STUDENT))
    text = read.text()
    assert "Do the thing." in text
    assert "The answer." not in text
    assert "A note for instructors only." not in text
    assert "General remarks" not in text
    names = {s.get(kit.q("text:name")) for s in read.body.iter(kit.q("text:section"))}
    assert not {n for n in names if n.startswith(("Solution", "Instructor"))}


def test_merged_document_has_contents_and_a_page_per_session(kit) -> None:
    """A merged document opens with a table of contents linking to every session and item;
    each session heading starts a new page."""
    first = kit.sample_session(title="Week one")
    second = kit.session(("Reading", "Some text."), session_id="s2", title="Week two")
    read = kit.read(kit.odt(first, second, title="Course"))
    q = kit.q
    assert read.headings()[:3] == [(1, "Course"), (2, "Week one"), (3, "Kitchen sink")]
    assert (2, "Week two") in read.headings()
    assert (3, "Reading") in read.headings()
    toc = read.body.find("text:table-of-content", kit.ns)
    assert toc is not None
    entries = [
        (p.get(q("text:style-name")), kit.text_of(p).strip(), p.find("text:a", kit.ns))
        for p in toc.iter(q("text:p"))
    ]
    assert entries[0][1] == "Contents"
    assert [(style, text) for style, text, _ in entries[1:3]] == [
        ("Contents_20_2", "Week one"),
        ("Contents_20_3", "Kitchen sink"),
    ]
    bookmarks = {b.get(q("text:name")) for b in read.body.iter(q("text:bookmark"))}
    for _, _, link in entries[1:]:
        assert link.get(q("xlink:href"))[1:] in bookmarks
    sessions = [h for h in read.body.iter(q("text:h")) if h.get(q("text:outline-level")) == "2"]
    assert {h.get(q("text:style-name")) for h in sessions} == {"Session_20_Heading"}
    assert read.properties("Session_20_Heading", "paragraph")["break-before"] == "page"


def test_single_session_has_no_contents(kit, sample) -> None:
    read, _ = sample
    assert read.body.find("text:table-of-content", kit.ns) is None


def test_brand_colours_and_fonts_are_in_the_styles(kit) -> None:
    """Headings take the primary colour and heading font, body text the body font; the
    header holds the institution's name and logo, the footer the title and page numbers."""
    branding = Branding(
        institution_name=kit.brand.institution_name,
        colors=kit.brand.colors,
        fonts=kit.brand.fonts,
        logo=None,
    )
    read = kit.read(kit.odt(kit.sample_session(), branding=branding))
    heading = read.properties("Heading_20_2")
    assert heading["color"] == "#0f4c5c"
    assert heading["font-name"] == "Source Serif Pro"
    faces = {f.get(kit.q("style:name")): f for f in read.styles.iter(kit.q("style:font-face"))}
    assert faces["Source Serif Pro"].get(kit.q("svg:font-family")) == "'Source Serif Pro'"
    assert faces["Source Serif Pro"].get(kit.q("style:font-family-generic")) == "roman"
    default = read.styles.find("office:styles/style:default-style/style:text-properties", kit.ns)
    assert default.get(kit.q("style:font-name")) == "Arial"
    assert read.properties("Internet_20_link")["color"] == "#0f4c5c"
    master = read.styles.find("office:master-styles/style:master-page", kit.ns)
    header = master.find("style:header", kit.ns)
    assert "Northfield Institute" in kit.text_of(header)
    footer = master.find("style:footer", kit.ns)
    assert footer.find(".//text:page-number", kit.ns) is not None
    assert footer.find(".//text:page-count", kit.ns) is not None
    assert "Sample session" in kit.text_of(footer)


def test_logo_is_in_the_header(kit, tmp_path) -> None:
    """The brand's logo is a picture of the package, shown in the page header."""
    logo = tmp_path / "logo.svg"
    logo.write_bytes(kit.svg)
    read = kit.read(
        kit.odt(kit.session(("A", "x")), branding=Branding(institution_name="Uni", logo=str(logo)))
    )
    master = read.styles.find("office:master-styles/style:master-page", kit.ns)
    images = read.images(master)
    assert len(images) == 1
    assert images[0]["desc"] == "Uni logo"
    assert images[0]["href"] in read.zip.namelist()
    assert float(images[0]["height"].removesuffix("cm")) <= 0.9


def test_theme_sets_the_colours_a_brand_leaves_out(kit) -> None:
    """The academic theme's serif font and colours apply; a brand's colour overrides one."""
    read = kit.read(kit.odt(kit.session(("A", "# Heading")), template_name="academic"))
    assert read.properties("Heading_20_2")["color"] == "#7f1d1d"
    assert read.properties("Heading_20_2")["font-name"] == "Liberation Serif"
    branded = kit.read(
        kit.odt(
            kit.session(("A", "# Heading")),
            template_name="academic",
            branding=Branding(colors=BrandColors(primary="#abc")),
        )
    )
    assert branded.properties("Heading_20_2")["color"] == "#aabbcc"


def test_document_properties(kit) -> None:
    """Title and language always; dates, keywords and the job's fields with metadata."""
    session = kit.session(("A", "---\nlang: fr-CA\n---\nBonjour."), title="Cours")
    kit.format_name = "odt"
    from curator_export_odf import write_odt

    request = kit.request(
        session,
        include_metadata=True,
        metadata={"job_id": "job-1", "session_ids": ["s1"], "content_types": ["worksheet"]},
    )
    read = kit.read(write_odt(request))
    meta = read.meta.find("office:meta", kit.ns)
    assert meta.find("dc:title", kit.ns).text == "Cours"
    assert meta.find("dc:language", kit.ns).text == "fr-CA"
    assert [k.text for k in meta.findall("meta:keyword", kit.ns)] == ["worksheet"]
    fields = {e.get(kit.q("meta:name")): e.text for e in meta.findall("meta:user-defined", kit.ns)}
    assert fields == {"job_id": "job-1", "session_ids": "s1"}
    generator = meta.find("meta:generator", kit.ns).text
    assert generator.startswith("curator-export-odf/")
    default = read.styles.find("office:styles/style:default-style/style:text-properties", kit.ns)
    assert (default.get(kit.q("fo:language")), default.get(kit.q("fo:country"))) == ("fr", "CA")


def test_document_warnings_reach_the_result(kit) -> None:
    """Problems the parser worked around (an unclosed div) are reported with the file."""
    rendered = kit.odt(kit.session(("A", "::: callout\nnever closed")))
    assert any("never closed" in warning for warning in rendered.warnings)


def test_every_content_type_is_written(kit) -> None:
    """Worksheets, activity guides and the other types are sections with their label."""
    session = kit.session(
        ("Sheet", "Fill in.", ContentType.WORKSHEET),
        ("Guide", "Walk around.", ContentType.ACTIVITY_GUIDE),
    )
    read = kit.read(kit.odt(session))
    assert "Worksheet" in read.text()
    assert "Activity guide" in read.text()
    assert "Walk around." in read.text()


def test_raw_html_keeps_its_text_and_images(kit) -> None:
    """Raw HTML is never copied: its text stays, its images are embedded like Markdown's."""
    body = (
        '<p>Look <b>here</b>: <img src="fig/a.png" alt="block alt"></p>\n\n'
        'Inline <img src="fig/a.png" alt="inline alt"> and <br> after.'
    )
    session = kit.session(("A", body), assets=[kit.asset("fig/a.png", kit.png(10, 10))])
    read = kit.read(kit.odt(session))
    assert [image["desc"] for image in read.images()] == ["block alt", "inline alt"]
    assert "Look here:" in read.text()
    assert "<b>" not in read.text()
    assert len({image["href"] for image in read.images()}) == 1
