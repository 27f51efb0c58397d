"""Acceptance on the real corpus, read back: every episode of both lessons and each lesson
merged, as text documents and presentations.

Text documents have the page's outline (title, sessions, items, every heading of every
item), the text of every paragraph and code block, and every figure embedded with its alt
text. Presentations have the deck's slides with their titles, each slide's text on its
page, figures described by their alt text, and no shape outside the slide or below the body.
The files are rendered once per test session by the ``corpus_lessons`` fixture.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from curator_export.deck import build_deck
from curator_export.document import CodeBlock, Heading, Image, Paragraph, plain_text, walk
from curator_export.render import ParsedItem, RenderRequest
from curator_export_odf.odp_styles import BODY, FIT, SLIDE_HEIGHT, SLIDE_WIDTH

pytestmark = pytest.mark.corpus


def normalized(text: str) -> str:
    return " ".join(text.split())


def items(request: RenderRequest) -> Iterator[tuple[str, ParsedItem]]:
    for parsed in request.sessions:
        for item in parsed.items:
            yield parsed.session.id, item


def expected_headings(request: RenderRequest) -> list[str]:
    """The outline the page has: title, session titles when merged, item titles, and the
    items' own headings in document order."""
    headings = [request.title]
    for parsed in request.sessions:
        if request.merged:
            headings.append(parsed.session.title)
        for item in parsed.items:
            headings.append(item.item.title)
            headings += [
                plain_text(node).strip()
                for node in walk(item.document)
                if isinstance(node, Heading)
            ]
    return [normalized(heading) for heading in headings]


def test_text_documents_have_every_heading_paragraph_and_code_block(kit, corpus_lessons) -> None:
    """Each .odt has the outline and every paragraph and code block of its items."""
    checked = 0
    for lesson in corpus_lessons.values():
        for file_name, request, rendered in lesson.items():
            if not file_name.endswith(".odt"):
                continue
            read = kit.read(rendered)
            assert [text for _, text in read.headings()] == expected_headings(request), file_name
            text = read.text()
            for _, item in items(request):
                for node in walk(item.document):
                    if isinstance(node, CodeBlock):
                        assert normalized(node.text) in text, (file_name, node.text[:60])
                    elif isinstance(node, Paragraph) and not any(
                        isinstance(inner, Image) for inner in walk(node)
                    ):
                        assert normalized(plain_text(node)) in text, (file_name, item.item.id)
                    else:
                        continue
                    checked += 1
    assert checked > 1000


def test_figures_are_embedded_with_their_alt_text(kit, corpus_lessons) -> None:
    """Every figure the lessons have is in each file showing it, described by its alt text."""
    for lesson in corpus_lessons.values():
        for file_name, request, rendered in lesson.items():
            read = kit.read(rendered)
            descriptions = [image["desc"] for image in read.images()]
            for image in read.images():
                assert image["href"] in read.zip.namelist(), file_name
            for session_id, item in items(request):
                assets = next(
                    p.session.assets for p in request.sessions if p.session.id == session_id
                )
                for node in walk(item.document):
                    if isinstance(node, Image) and node.src in assets and node.alt.strip():
                        assert node.alt.strip() in descriptions, (file_name, node.src)


def test_presentations_have_the_decks_slides(kit, corpus_lessons) -> None:
    """Each .odp has one page per slide of the deck, with its title and its text, and no
    shape outside the slide or below the body."""
    q = kit.q
    for lesson in corpus_lessons.values():
        for file_name, request, rendered in lesson.items():
            if not file_name.endswith(".odp"):
                continue
            read = kit.read(rendered)
            deck = build_deck(request, FIT)
            pages = read.slides()
            assert [read.slide_title(p) for p in pages] == [
                normalized(s.title) for s in deck.slides
            ], file_name
            for slide, page in zip(deck.slides, pages, strict=True):
                text = read.slide_text(page)
                for block in slide.blocks:
                    for node in walk(block):
                        if isinstance(node, Paragraph) and not any(
                            isinstance(inner, Image) for inner in walk(node)
                        ):
                            assert normalized(plain_text(node)) in text, (file_name, slide.title)
                for shape in page:
                    if shape.tag == q("presentation:notes"):
                        continue
                    x, y, width, height = (
                        float(shape.get(q(f"svg:{name}"), "0cm").removesuffix("cm"))
                        for name in ("x", "y", "width", "height")
                    )
                    where = (file_name, slide.title)
                    assert min(x, y) >= 0, where
                    assert x + width <= SLIDE_WIDTH + 1e-6, where
                    assert y + height <= SLIDE_HEIGHT + 1e-6, where
                    if shape.get(q("presentation:class")) not in ("title", "subtitle") and (
                        shape.get(q("draw:name")) not in ("Rule", "Title logo")
                    ):
                        assert y + height <= BODY.y + BODY.height + 1e-6, where


def test_presentations_have_notes_where_the_deck_has_them(kit, corpus_lessons) -> None:
    """Speaker notes are on exactly the slides the deck gives notes (instructors' decks)."""
    for lesson in corpus_lessons.values():
        for file_name, request, rendered in lesson.items():
            if not file_name.endswith(".odp"):
                continue
            read = kit.read(rendered)
            deck = build_deck(request, FIT)
            with_notes = [bool(read.notes(page)) for page in read.slides()]
            assert with_notes == [bool(s.notes.strip()) for s in deck.slides], file_name
