"""The PDF writer: content, page furniture, metadata, tagging and merged sessions."""

from __future__ import annotations

import pickle
import re

from curator_export.model import Branding
from curator_export_pdf import write_pdf
from curator_export_pdf.writer import css_string, print_css


def test_small_session_makes_a_tagged_pdf_with_title_and_body(kit) -> None:
    """A small session becomes a tagged PDF holding its title, body words and metadata."""
    session = kit.session(("Warm-up", "Photosynthesis turns *light* into sugar."), title="Plants")
    rendered = kit.write(session, branding=Branding(institution_name="Ridge College"))
    reader = kit.reader(rendered)
    assert len(reader.pages) >= 1
    text = " ".join(kit.pages_text(reader))
    assert "Plants" in text
    assert "Photosynthesis" in text
    assert "sugar" in text
    assert reader.metadata is not None
    assert reader.metadata.title == "Plants"
    assert reader.metadata.author == "Ridge College"
    root = reader.trailer["/Root"]
    assert bool(root["/MarkInfo"]["/Marked"])
    assert "/StructTreeRoot" in root
    assert root.get("/Lang") == "en"


def test_footer_has_page_n_of_m_and_header_has_institution(kit) -> None:
    """Every page has 'Page N of M' and the institution's name in its running header."""
    body = "\n\n".join(f"Paragraph {n} " + "filler words " * 40 for n in range(30))
    rendered = kit.write(kit.session(("Long", body)), branding=Branding(institution_name="Ridge"))
    texts = kit.pages_text(kit.reader(rendered))
    total = len(texts)
    assert total >= 2
    for number, text in enumerate(texts, start=1):
        assert f"Page {number} of {total}" in text
        assert "Ridge" in text


def test_metadata_subject_and_keywords_when_include_metadata(kit) -> None:
    """include_metadata puts the sessions into /Subject and the content types into /Keywords."""
    session = kit.session(("A", "x"), title="Cells")
    rendered = kit.write(
        session, include_metadata=True, metadata={"content_types": ["worksheet", "quiz"]}
    )
    info = kit.reader(rendered).metadata
    assert info is not None
    assert info.subject == "Cells"
    assert info.get("/Keywords") == "worksheet, quiz"
    plain = kit.reader(kit.write(session)).metadata
    assert plain is None or plain.get("/Keywords") is None


def test_long_code_lines_wrap_inside_the_page(kit) -> None:
    """A code line far wider than the page wraps instead of running off it."""
    tail = "ENDMARK"
    code = "```\nx = '" + "abcdefghij" * 40 + tail + "'\n```"
    text = " ".join(kit.pages_text(kit.reader(kit.write(kit.session(("Code", code))))))
    assert tail in text


def test_merged_request_breaks_pages_and_bookmarks_sessions(kit) -> None:
    """Each session of a merged request starts a page headed by its title and has a bookmark."""
    sessions = [
        kit.session(("Item", f"Body of {name}."), title=name, session_id=f"s{n}")
        for n, name in enumerate(("Alpha Topic", "Beta Topic", "Gamma Topic"), start=1)
    ]
    reader = kit.reader(kit.write(*sessions, title="Course"))
    texts = kit.pages_text(reader)
    for name in ("Alpha Topic", "Beta Topic", "Gamma Topic"):
        starts = [text for text in texts if re.search(rf"^\s*{name}\s*$", text, re.M)]
        assert starts, name
        assert any(f"Body of {name}." in text for text in starts), name
    assert len(reader.pages) >= 3

    def titles(outline: list) -> list[str]:
        found: list[str] = []
        for entry in outline:
            if isinstance(entry, list):
                found += titles(entry)
            else:
                found.append(entry.title)
        return found

    bookmarks = titles(reader.outline)
    for name in ("Course", "Alpha Topic", "Beta Topic", "Gamma Topic"):
        assert name in bookmarks


def test_institution_is_escaped_in_the_print_stylesheet(kit) -> None:
    """An institution name cannot break out of its CSS string."""
    css = print_css(kit.request(kit.session(("A", "x")), branding=Branding('a"}\\ @import x;')))
    assert css_string('a"}\\ @import x;') in css
    assert "@import" not in css


def test_write_pdf_is_a_picklable_module_level_function() -> None:
    """Worker processes can receive write_pdf by reference."""
    assert pickle.loads(pickle.dumps(write_pdf)) is write_pdf


def test_missing_pango_gives_a_clear_error(monkeypatch) -> None:
    """Without Pango, the pdf writer says what to install instead of a cffi traceback."""
    import importlib.abc
    import sys

    import pytest

    from curator_export.errors import CuratorExportError
    from curator_export_pdf import writer

    class NoPango(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):  # type: ignore[no-untyped-def]
            if name == "weasyprint" or name.startswith("weasyprint."):
                raise OSError("cannot load library 'libpango-1.0-0'")

    for name in [m for m in sys.modules if m == "weasyprint" or m.startswith("weasyprint.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setattr(sys, "meta_path", [NoPango(), *sys.meta_path])
    writer._fetcher_class.cache_clear()
    try:
        with pytest.raises(CuratorExportError, match=r"apt-get install libpango-1\.0-0"):
            writer.render_page("<html><body>x</body></html>")
    finally:
        writer._fetcher_class.cache_clear()


def test_svg_text_anchors_browsers_ignore_become_start() -> None:
    """Figures drawn with text-anchor="left"/"right" (not SVG) are anchored as browsers do."""
    from curator_export_pdf.writer import svg_for_weasyprint

    svg = b'<text text-anchor="left">a</text><text style="text-anchor: right">b</text>'
    fixed = svg_for_weasyprint(svg)
    assert fixed == b'<text text-anchor="start">a</text><text style="text-anchor: start">b</text>'
    kept = b'<text text-anchor="middle">c</text><text text-anchor="end">d</text>'
    assert svg_for_weasyprint(kept) == kept


def test_every_theme_prints_with_header_footer_and_wrapped_code(kit) -> None:
    """Each built-in theme prints: its pages carry the running header and footer, and a code
    line wider than the page wraps rather than being cut off."""
    code = "```\n" + "wide_" * 60 + "TAIL\n```"
    session = kit.session(("Item", "Some prose.\n\n" + code), title="Themed")
    for theme in ("professional", "academic", "minimal", "presentation"):
        rendered = kit.write(session, template_name=theme, branding=Branding("Ridge"))
        texts = kit.pages_text(kit.reader(rendered))
        joined = " ".join(texts).replace("\n", "")
        assert "TAIL" in joined, theme
        for number, text in enumerate(texts, start=1):
            assert f"Page {number} of {len(texts)}" in text, (theme, number)
            assert "Ridge" in text, (theme, number)
        box = kit.reader(rendered).pages[0].mediabox
        landscape = float(box.width) > float(box.height)
        assert landscape == (theme == "presentation"), theme
