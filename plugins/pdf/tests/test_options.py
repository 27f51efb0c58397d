"""The pdf format's options (page size, tagging), slide decks, the creation date, the structure
tree, and the page shared with the html format."""

from __future__ import annotations

from pathlib import Path

import pytest

from curator_export.model import ContentType
from curator_export.render import SharedWork
from curator_export_pdf import PdfOptions, write_pdf

A4 = (595, 842)
LETTER = (612, 792)


def page_sizes(reader) -> set[tuple[int, int]]:
    return {(round(float(p.mediabox.width)), round(float(p.mediabox.height))) for p in reader.pages}


def structure_types(reader) -> list[tuple[str, object]]:
    """Every element of the structure tree as (type, /Alt), depth first."""
    found: list[tuple[str, object]] = []

    def walk(node) -> None:
        node = node.get_object()
        if isinstance(node, list):
            for child in node:
                walk(child)
            return
        if not hasattr(node, "get"):
            return  # a marked-content id
        if "/S" in node:
            found.append((str(node["/S"]), node.get("/Alt")))
        kids = node.get("/K")
        if kids is not None:
            walk(kids)

    walk(reader.trailer["/Root"]["/StructTreeRoot"])
    return found


def test_a4_is_the_default_and_letter_on_request(kit) -> None:
    """Pages are A4 unless the job asks for Letter (case-insensitively)."""
    session = kit.session(("Item", "Some text."))
    assert page_sizes(kit.reader(kit.write(session))) == {A4}
    letter = kit.write(session, options=PdfOptions(page_size="Letter"))
    assert page_sizes(kit.reader(letter)) == {LETTER}


def test_unknown_page_size_names_the_known_ones() -> None:
    with pytest.raises(ValueError, match=r"unknown page size 'b4'; known: a4, letter, a5, legal"):
        PdfOptions(page_size="b4")


def test_presentation_template_makes_landscape_slide_pages(kit) -> None:
    """With the presentation template, every slide starts its own landscape page."""
    slides = "\n\n---\n\n".join(f"## Point {n}\n\nSlide body {n}." for n in range(1, 5))
    session = kit.session(("Deck", slides, ContentType.SLIDES), title="Talk")
    reader = kit.reader(kit.write(session, template_name="presentation"))
    sizes = page_sizes(reader)
    assert all(width > height for width, height in sizes), sizes
    texts = kit.pages_text(reader)
    for n in range(1, 5):
        (page,) = [index for index, text in enumerate(texts) if f"Slide body {n}." in text]
        assert f"Point {n}" in texts[page]
        others = [m for m in range(1, 5) if m != n]
        assert not any(f"Slide body {m}." in texts[page] for m in others)
    letter = kit.reader(
        kit.write(session, template_name="presentation", options=PdfOptions(page_size="letter"))
    )
    assert page_sizes(letter) == {LETTER[::-1]}


def test_untagged_on_request_has_no_structure_tree(kit) -> None:
    """tagged = false writes a plain PDF: no structure tree, not marked."""
    session = kit.session(("Item", "# Heading\n\nText and a list:\n\n- one\n- two"))
    root = kit.reader(kit.write(session, options=PdfOptions(tagged=False))).trailer["/Root"]
    assert "/StructTreeRoot" not in root
    assert not root.get("/MarkInfo", {}).get("/Marked", False)


def test_structure_tree_has_headings_lists_tables_and_alt_text(kit) -> None:
    """The tagged PDF's structure tree holds the content's headings, list, table and image alt."""
    png = (Path(__file__).parents[3] / "docs" / "images" / "theme-professional.png").read_bytes()
    body = (
        "## Findings\n\nIntro text.\n\n- first\n- second\n\n"
        "| Name | Count |\n| --- | --- |\n| cells | 3 |\n\n"
        "![A leaf under a microscope](fig/leaf.png)\n"
    )
    session = kit.session(
        ("Lab report", body), title="Cells", assets=[kit.asset("fig/leaf.png", png)]
    )
    elements = structure_types(kit.reader(kit.write(session)))
    types = [kind for kind, _ in elements]
    assert "/H1" in types
    assert {"/H2", "/H3"} & set(types)
    for kind in ("/L", "/LI", "/Table", "/TR", "/TH", "/TD", "/Figure"):
        assert kind in types, kind
    alts = [str(alt) for kind, alt in elements if kind == "/Figure"]
    assert "A leaf under a microscope" in alts


def test_creation_date_only_with_metadata(kit) -> None:
    """include_metadata records when the batch ran as the PDF's creation date."""
    session = kit.session(("A", "x"))
    dated = kit.reader(
        kit.write(session, include_metadata=True, metadata={"created": "2026-11-29T14:30:05+00:00"})
    ).metadata
    assert dated is not None
    assert str(dated["/CreationDate"]).startswith("D:20261129143005")
    plain = kit.reader(kit.write(session)).metadata
    assert plain is None or "/CreationDate" not in plain


def test_html_page_is_built_once_for_html_and_pdf(kit, monkeypatch) -> None:
    """The html and pdf formats of one task share one page build."""
    import curator_export_html
    from curator_export_html import page

    builds: list[str] = []
    original = page.write_html

    def counting(request):  # type: ignore[no-untyped-def]
        builds.append(request.format)
        return original(request)

    monkeypatch.setattr(page, "write_html", counting)
    session = kit.session(("A", "Shared words."))
    shared = SharedWork()
    html_request = kit.request(session, shared=shared)
    html = curator_export_html.write_html(html_request)
    pdf = write_pdf(kit.request(session, shared=shared, options=PdfOptions()))
    assert len(builds) == 1
    assert b"Shared words." in html.data
    assert "Shared words." in " ".join(kit.pages_text(kit.reader(pdf)))
    write_pdf(kit.request(session))  # another task builds its own page
    assert len(builds) == 2


def test_command_line_sets_pdf_options(run_cli, tmp_path: Path) -> None:
    """`-O pdf.page_size=letter -O pdf.tagged=false` reach the writer; a bad value is a
    located usage error and writes nothing."""
    from curator_export.testing_writers import SAMPLE_COURSE, write_course

    source = write_course(tmp_path / "course", SAMPLE_COURSE)
    store = ("--store", str(tmp_path / "course.db"))
    imported = run_cli(*store, "import", str(source))
    assert imported.returncode == 0, imported.stderr
    session_id = "s1"
    out = tmp_path / "out"
    done = run_cli(
        *store, "export", "-s", session_id, "-f", "pdf", "-o", str(out), "--serial",
        "-O", "pdf.page_size=letter", "-O", "pdf.tagged=false",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    (pdf,) = out.rglob("*.pdf")
    from pypdf import PdfReader

    reader = PdfReader(pdf)
    assert page_sizes(reader) == {LETTER}
    assert "/StructTreeRoot" not in reader.trailer["/Root"]
    bad = run_cli(*store, "export", "-s", session_id, "-f", "pdf", "-o", str(tmp_path / "bad"),
                  "-O", "pdf.page_size=b4")  # fmt: skip
    assert bad.returncode != 0
    assert "format_options.pdf.page_size" in bad.stderr
    assert "unknown page size 'b4'" in bad.stderr
    assert not (tmp_path / "bad").exists()
    malformed = run_cli(*store, "export", "-s", session_id, "-f", "pdf", "-o", str(out),
                        "-O", "page_size")  # fmt: skip
    assert malformed.returncode == 2
    assert "FORMAT.NAME=VALUE" in malformed.stderr
