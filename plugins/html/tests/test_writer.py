"""The HTML writer: page structure, content, hostile input, branding, themes and overrides."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import pytest

from curator_export.document import Document, Image, Link, Paragraph, Text
from curator_export.model import Audience, BrandColors, BrandFonts, Branding, ContentType
from curator_export.render import ParsedItem, ParsedSession
from curator_export.themes import ThemeError

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(64))
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"></svg>'
THEMES = ("professional", "academic", "minimal", "presentation")


def assert_self_contained(page: str) -> None:
    """Nothing in the page makes a browser fetch anything or run anything."""
    lowered = page.lower()
    for needle in ('src="http', "<script", "<link", "<iframe", "<object", "<embed", "<base"):
        assert needle not in lowered, needle
    for style in re.findall(r"<style>(.*?)</style>", lowered, re.DOTALL):
        assert "@import" not in style
        assert "url(" not in style
    for attributes in re.findall(r"<[a-z][a-z0-9]*(\s[^>]*)>", lowered):
        assert not re.search(r"\son[a-z]+\s*=", attributes), attributes
        for value in re.findall(r'(?:href|src)="([^"]*)"', attributes):
            assert not value.startswith(("javascript:", "vbscript:", "file:", "data:text")), value


# Page structure.


def test_page_has_doctype_lang_charset_viewport_and_title(kit) -> None:
    """The page opens with a doctype, lang, charset, viewport and the escaped title."""
    page = kit.item_page("Text.", title="Fish & Chips")
    assert page.startswith('<!DOCTYPE html>\n<html lang="en">')
    assert '<meta charset="utf-8">' in page
    assert 'name="viewport"' in page
    assert "<title>Fish &amp; Chips</title>" in page


def test_lang_comes_from_front_matter(kit) -> None:
    """An item's front matter `lang` becomes the page's language."""
    page = kit.item_page("---\nlang: fr-CA\n---\n\nBonjour.")
    assert '<html lang="fr-CA">' in page


def test_landmarks_skip_link_and_one_h1(kit) -> None:
    """Header, nav, main and footer are there, with a skip link and exactly one h1."""
    page = kit.item_page("# Top\n\n## Below\n\ntext")
    outline = kit.outline(page)
    for tag in ("header", "nav", "main", "footer"):
        assert len(outline.all(tag)) == 1, tag
    assert 'class="skip-link" href="#main"' in page
    assert [h for h in outline.headings() if h[0] == 1] == [(1, "Session")]


def test_headings_are_shifted_without_skipping_levels(kit) -> None:
    """Item headings sit below the item's h2 and a skipped source level is closed up."""
    page = kit.item_page("# A\n\n#### Deep\n\n## B")
    levels = [level for level, _ in kit.outline(page).headings()]
    assert levels == [1, 2, 2, 3, 4, 4]  # title, contents, item, A, Deep (closed up), B


def test_metadata_meta_tags_are_escaped(kit) -> None:
    """Metadata becomes meta tags with escaped values when include_metadata is on."""
    metadata = {"generator": 'gen "x" <y>', "job_id": "job-1", "session_ids": ["a", "b"]}
    page = kit.item_page("x", include_metadata=True, metadata=metadata)
    assert '<meta name="generator" content="gen &#34;x&#34; &lt;y&gt;">' in page
    assert '<meta name="dcterms.identifier" content="job-1">' in page
    assert '<meta name="dcterms.relation" content="a, b">' in page
    assert "dcterms" not in kit.item_page("x", include_metadata=False, metadata=metadata)


# Content.


def test_code_blocks_keep_their_language_and_are_escaped(kit) -> None:
    """A fenced block becomes pre/code with a language class and escaped text."""
    page = kit.item_page("```python\nif a < b: print('<b>')\n```")
    code = "if a &lt; b: print(&#39;&lt;b&gt;&#39;)"
    assert f'<pre tabindex="0"><code class="language-python">{code}</code></pre>' in page


def test_tables_have_column_header_cells(kit) -> None:
    """GFM tables get th scope=col in the head and td in the body."""
    page = kit.item_page("| a | b |\n|:-|-:|\n| 1 | 2 |")
    assert '<th scope="col" class="align-left">a</th>' in page
    assert '<td class="align-right">2</td>' in page


def test_divs_are_labelled_asides_and_solutions_are_details(kit) -> None:
    """Fenced divs become asides with a visible label; a solution is a details element."""
    body = (
        "::: challenge\n## Try\n\nDo it.\n\n::: solution\nDone.\n:::\n:::\n\n"
        "::: keypoints\n- k\n:::"
    )
    page = kit.item_page(body)
    assert '<aside class="div-challenge challenge" role="note" aria-label="Challenge">' in page
    assert '<p class="div-label">Challenge</p>' in page
    assert '<details class="div-solution solution">\n<summary>Solution</summary>' in page
    assert '<p class="div-label">Key Points</p>' in page


def test_students_get_no_solutions_or_instructor_notes(kit) -> None:
    """For the student audience, solutions and instructor notes never reach the page."""
    session = kit.session(
        ("Quiz", "::: challenge\nQ?\n\n::: solution\nSECRET\n:::\n:::", ContentType.QUIZ),
        ("Notes", "NOTES", ContentType.INSTRUCTOR_NOTES),
    )
    page = kit.page(session, audience=Audience.STUDENT)
    assert "SECRET" not in page
    assert "NOTES" not in page
    assert 'aria-label="Question"' in page  # a quiz's challenges are its questions


def test_content_types_have_classed_labelled_sections(kit) -> None:
    """Each item is a section with its content type's class and a visible label."""
    session = kit.session(
        ("Deck", "## One\n\nx", ContentType.SLIDES),
        ("Notes", "Say hello.", ContentType.INSTRUCTOR_NOTES),
    )
    page = kit.page(session)
    assert 'class="item item-slides"' in page
    assert 'class="item item-instructor_notes"' in page
    assert '<p class="item-label">Instructor notes</p>' in page


def test_presentation_has_one_section_per_slide(kit) -> None:
    """The presentation theme cuts slides at ## headings and thematic breaks."""
    deck = "## One\n\na\n\n## Two\n\nb\n\n---\n\nc"
    page = kit.page(kit.session(("Deck", deck, ContentType.SLIDES)), template_name="presentation")
    assert page.count('<section class="slide"') == 3


def test_asset_images_are_embedded_as_data_uris_with_alt(kit) -> None:
    """Images from the session's files are data URIs (SVG too, never inline markup)."""
    session = kit.session(
        ("Item", "![A chart](fig/a.png)\n\n![](fig/b.svg){alt='A drawing'}"),
        assets=[kit.asset("fig/a.png", PNG), kit.asset("fig/b.svg", SVG, "image/svg+xml")],
    )
    page = kit.page(session)
    png = base64.b64encode(PNG).decode()
    svg = base64.b64encode(SVG).decode()
    assert f'<img src="data:image/png;base64,{png}" alt="A chart">' in page
    assert f'<img src="data:image/svg+xml;base64,{svg}" alt="A drawing">' in page
    assert "<svg" not in page


@pytest.mark.parametrize(
    "src",
    ["https://example.org/x.png", "file:///etc/passwd", "/etc/passwd", "missing/fig.png"],
)
def test_images_that_are_not_session_files_become_alt_text(kit, src: str) -> None:
    """Remote, file: and unknown images are not referenced: their alt text stays, with a warning."""
    # Built as a tree: markdown-it itself already refuses some of these sources.
    session = kit.session(("Item", ""))
    document = Document((Paragraph((Image(src=src, alt="the alt"),)),))
    parsed = ParsedSession(session, (ParsedItem(session.items[0], document),))
    rendered = kit.write(parsed)
    page = rendered.data.decode()
    assert "<img" not in page
    assert '<span class="missing-image">the alt</span>' in page
    assert any(src in warning for warning in rendered.warnings)


def test_in_page_links_follow_their_prefixed_ids(kit) -> None:
    """A link to #heading inside an item points at that heading's id on the page."""
    page = kit.item_page("See [below](#target).\n\n## Target")
    outline = kit.outline(page)
    link = next(a for a in outline.all("a") if a.text == "below")
    assert str(link.attrs["href"])[1:] in outline.ids()


# Hostile content and titles.


HOSTILE = """\
<script>alert(1)</script>

<img src=x onerror="alert(2)">

[click](javascript:alert(3)) and <a href="javascript:alert(4)">raw</a>

[data](data:text/html;base64,PHNjcmlwdD4=) [vb](vbscript:x) [f](file:///etc/passwd)

![passwd](file:///etc/passwd) <img src="http://evil.example/x.png" alt="remote">

<iframe src="https://evil.example"></iframe> <div onclick="x()">div</div>

{{7*7}} {% raw %} <style>@import url(http://evil.example/a.css);</style>
"""


@pytest.mark.parametrize("theme", THEMES)
def test_hostile_content_comes_out_inert(kit, theme: str) -> None:
    """Scripts, handlers, dangerous links, remote and file images come out inert in every theme."""
    page = kit.item_page(HOSTILE, template_name=theme)
    assert_self_contained(page)
    assert "<style>@" not in page.lower()
    assert 'href="javascript' not in page.lower()
    assert "{{7*7}}" in page
    assert "click" in page
    assert "remote" in page


@pytest.mark.parametrize(
    "href", ["javascript:alert(1)", " JaVa\tScript:alert(1)", "data:text/html,x", "file:///etc"]
)
def test_dangerous_link_in_the_tree_keeps_only_its_text(kit, href: str) -> None:
    """A link node with a dangerous scheme (however spelled) is written as its text alone."""
    session = kit.session(("Item", ""))
    document = Document((Paragraph((Link(href=href, children=(Text("press"),)),)),))
    rendered = kit.write(ParsedSession(session, (ParsedItem(session.items[0], document),)))
    page = rendered.data.decode()
    assert "<p>press</p>" in page
    assert rendered.warnings


@pytest.mark.parametrize("theme", THEMES)
def test_hostile_titles_stay_literal_text(kit, theme: str) -> None:
    """Template syntax and markup in titles and names are shown as written, never run."""
    title = "{{7*7}} </title><script>alert(1)</script>"
    session = kit.session(("{{ 7*7 }} <b>item</b>", "x"), title=title)
    branding = Branding(institution_name='Uni "<script>" {% if 1 %}')
    page = kit.page(session, template_name=theme, branding=branding)
    assert "<title>{{7*7}} &lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt;</title>" in page
    assert "{{ 7*7 }} &lt;b&gt;item&lt;/b&gt;" in page
    assert "Uni &#34;&lt;script&gt;&#34; {% if 1 %}" in page
    assert "49" not in page
    assert "<script" not in page.lower()


# Branding.


def _logo(tmp_path: Path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


@pytest.mark.parametrize("theme", THEMES)
def test_two_brands_each_reach_the_page(kit, tmp_path: Path, theme: str) -> None:
    """Each brand's colours, fonts, name and logo appear in the page it brands."""
    brands = [
        Branding(
            institution_name="North University",
            logo=_logo(tmp_path, "north.png", PNG),
            colors=BrandColors(primary="#123456", secondary="#234567", accent="#345678"),
            fonts=BrandFonts(heading='"North Serif", serif', body="Inter, sans-serif"),
        ),
        Branding(
            institution_name="South College",
            logo=_logo(tmp_path, "south.svg", SVG),
            colors=BrandColors(primary="#0a3d0a", secondary="#3d0a0a", accent="#0a0a3d"),
            fonts=BrandFonts(heading="Lato, sans-serif", body='"South Sans", Arial'),
        ),
    ]
    for brand, media in zip(brands, ("image/png", "image/svg+xml"), strict=True):
        page = kit.item_page("x", branding=brand, template_name=theme)
        assert brand.colors.primary
        assert brand.fonts.heading
        assert brand.fonts.body
        for value in (brand.colors.primary, brand.colors.secondary, brand.colors.accent):
            assert f": {value};" in page
        assert f"--brand-font-heading: {brand.fonts.heading};" in page
        assert f"--brand-font-body: {brand.fonts.body};" in page
        outline = kit.outline(page)
        logo = outline.all("img")[0]
        assert str(logo.attrs["src"]).startswith(f"data:{media};base64,")
        assert logo.attrs["alt"] == brand.institution_name
        header = page.split("</header>")[0]
        footer = page.split("<footer")[1]
        assert brand.institution_name in header
        assert brand.institution_name in footer


def test_low_contrast_brand_gets_a_warning(kit) -> None:
    """A pale primary colour is rendered but warned about (WCAG AA)."""
    rendered = kit.write(
        kit.session(("Item", "x")), branding=Branding(colors=BrandColors(primary="#ffff66"))
    )
    assert any("WCAG AA" in warning for warning in rendered.warnings)


# Themes.


@pytest.mark.parametrize("theme", THEMES)
def test_every_theme_uses_the_brand_properties(kit, theme: str) -> None:
    """Each built-in theme sets defaults for and uses the --brand-* custom properties."""
    page = kit.item_page("x", template_name=theme)
    for name in ("primary", "secondary", "accent", "font-heading", "font-body"):
        assert f"--brand-{name}:" in page
        assert f"var(--brand-{name})" in page
    assert ":focus" in page


def test_unknown_theme_error_lists_the_known_ones(kit) -> None:
    """The writer refuses an unknown template, naming every built-in theme."""
    with pytest.raises(ThemeError) as info:
        kit.item_page("x", template_name="fancy")
    message = str(info.value)
    assert "fancy" in message
    for theme in THEMES:
        assert theme in message


def test_user_folder_overrides_one_template(kit, tmp_path: Path) -> None:
    """A folder with only professional/theme.css changes that, and the rest still renders."""
    theme = tmp_path / "professional"
    theme.mkdir()
    (theme / "theme.css").write_text(":root { --brand-primary: #010203; }")
    page = kit.item_page("Body text.", template_dirs=[tmp_path])
    assert "--brand-primary: #010203;" in page
    assert "--brand-primary: #1e3a8a;" not in page
    assert "Body text." in page


def test_user_child_theme_extends_a_built_in_block(kit, tmp_path: Path) -> None:
    """A user theme based on professional overrides the footer block and keeps the rest."""
    theme = tmp_path / "acme"
    theme.mkdir()
    (theme / "theme.json").write_text('{"base": "professional"}')
    (theme / "page.html").write_text(
        '{% extends "professional/page.html" %}'
        "{% block footer %}<footer>ACME {{ page.title }}</footer>{% endblock %}"
    )
    page = kit.item_page("Body.", title="<T>", template_name="acme", template_dirs=[tmp_path])
    assert "<footer>ACME &lt;T&gt;</footer>" in page
    assert "Body." in page


def test_user_templates_run_in_the_sandbox(kit, tmp_path: Path) -> None:
    """A user template cannot reach Python internals through attribute tricks."""
    theme = tmp_path / "evil"
    theme.mkdir()
    (theme / "theme.json").write_text('{"base": "professional"}')
    (theme / "page.html").write_text("{{ ''.__class__.__mro__[1].__subclasses__() }}")
    from jinja2.exceptions import SecurityError

    with pytest.raises(SecurityError):
        kit.item_page("x", template_name="evil", template_dirs=[tmp_path])


@pytest.mark.parametrize("expression", ["'a' * 10**9", "[1] * 10**8", "9 ** 99999999"])
def test_user_templates_cannot_exhaust_memory(kit, tmp_path: Path, expression: str) -> None:
    """A user template that builds a huge string or number is stopped, not run."""
    theme = tmp_path / "greedy"
    theme.mkdir()
    (theme / "theme.json").write_text('{"base": "professional"}')
    (theme / "page.html").write_text(f"{{{{ ({expression}) | length }}}}")
    from jinja2.exceptions import SecurityError

    with pytest.raises(SecurityError):
        kit.item_page("x", template_name="greedy", template_dirs=[tmp_path])


def test_merged_page_has_a_toc_with_working_anchors(kit) -> None:
    """A merged page has one section per session and a nav whose links all resolve."""
    first = kit.session(("Intro", "## Setup\n\nx"), title="One", session_id="one")
    second = kit.session(("Intro", "## Setup\n\ny"), title="Two", session_id="two")
    page = kit.page(first, second, title="Course")
    outline = kit.outline(page)
    ids = outline.ids()
    assert len(ids) == len(set(ids))
    nav_links = [a for a in outline.all("a") if str(a.attrs.get("href", "")).startswith("#")]
    assert {a.text for a in nav_links} >= {"One", "Two"}
    for link in nav_links:
        assert str(link.attrs["href"])[1:] in ids
    assert len([s for s in outline.all("section") if "session" in str(s.attrs.get("class"))]) == 2
    assert re.findall(r"<h2[^>]*>(One|Two)</h2>", page) == ["One", "Two"]
