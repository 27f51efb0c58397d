"""Acceptance on the real corpus: every episode of both lessons, and each lesson merged.

Each deck has the slides and titles of the deck model, no text frame overflowing or shape
off its slide (measured with real glyph widths, see conftest.py), speaker notes where the
instructor notes are, pictures described by their Markdown alt text, and the theme of the
built-in template. The decks are made once per test session (``corpus_decks``).
"""

from __future__ import annotations

import functools

import pytest
from lxml import etree

from curator_export.deck import Deck, SlideFit, build_deck
from curator_export.document import Image, walk
from curator_export.model import Audience, ContentType
from curator_export_pptx import write_pptx
from curator_export_pptx.template import open_template
from curator_export_pptx.text import clean

pytestmark = pytest.mark.corpus
P14 = "{http://schemas.microsoft.com/office/powerpoint/2010/main}"


@functools.cache
def built_in_fit() -> SlideFit:
    return open_template(None, None, None).geometry.fit()


def expected_deck(kit, sessions, title: str | None = None) -> Deck:
    """The deck model of these sessions, measured with the built-in template's geometry."""
    return build_deck(kit.request(*sessions, title=title), built_in_fit())


def alt_texts(deck: Deck) -> list[str]:
    return [
        clean(node.alt).strip()
        for slide in deck.slides
        for block in slide.blocks
        for node in walk(block)
        if isinstance(node, Image)
    ]


def each_deck(corpus_decks):
    """(lesson, sessions of the deck, title, rendered) for every episode and merged lesson."""
    for lesson in corpus_decks.values():
        for parsed in lesson.sessions:
            yield lesson, (parsed,), None, lesson.episodes[parsed.session.id]
        yield lesson, lesson.sessions, lesson.name, lesson.merged


def test_slides_and_titles_are_those_of_the_deck_model(kit, corpus_decks) -> None:
    """Every deck has one slide per slide of the model, titled alike, in order."""
    for _, sessions, title, rendered in each_deck(corpus_decks):
        expected = [slide.title for slide in expected_deck(kit, sessions, title).slides]
        assert kit.titles(kit.deck(rendered)) == expected


def test_no_text_overflows_and_nothing_leaves_its_slide(kit, corpus_decks) -> None:
    """No text frame or table needs more room than it has; no shape is off its slide or on
    top of another (measured in DejaVu, which LibreOffice uses here)."""
    for _, sessions, _, rendered in each_deck(corpus_decks):
        problems = kit.problems(kit.deck(rendered))
        assert problems == [], (sessions[0].session.id, problems[:5])


def test_pictures_are_described_by_their_alt_text(kit, corpus_decks) -> None:
    """Every figure is a picture whose description is its Markdown alt text."""
    seen = 0
    for _, sessions, title, rendered in each_deck(corpus_decks):
        expected = alt_texts(expected_deck(kit, sessions, title))
        assert kit.descriptions(kit.deck(rendered)) == expected
        assert rendered.warnings == ()
        seen += len(expected)
    assert seen > 40


def test_instructor_notes_are_speaker_notes(kit, corpus_decks) -> None:
    """An episode with instructor notes has them on its slides (the title slide at least)."""
    for lesson in corpus_decks.values():
        for parsed in lesson.sessions:
            notes = kit.notes(kit.deck(lesson.episodes[parsed.session.id]))
            has_notes = any(
                item.item.content_type is ContentType.INSTRUCTOR_NOTES for item in parsed.items
            )
            assert bool([text for text in notes if text]) is has_notes, parsed.session.id
            if has_notes:
                assert notes[0]


def test_student_decks_have_no_notes_and_no_answers(kit, corpus_decks) -> None:
    """For students (here: the shell lesson's episodes), no notes pages and no answer slides."""
    lesson = corpus_decks["shell-novice"]
    for parsed in lesson.sessions:
        rendered = write_pptx(kit.request(parsed.session, audience=Audience.STUDENT))
        deck = kit.deck(rendered)
        assert set(kit.notes(deck)) == {None}
        assert not [title for title in kit.titles(deck) if title.startswith("Answer: ")]
        assert kit.problems(deck) == []


def test_merged_lessons_have_a_section_per_episode(kit, corpus_decks) -> None:
    """Each merged lesson opens every episode with a section slide and a PowerPoint section."""
    for lesson in corpus_decks.values():
        names = []
        root = kit.parts(lesson.merged.data)["ppt/presentation.xml"]
        for section in root.iter(f"{P14}section"):
            names.append(section.get("name"))
        assert names == [lesson.name, *(parsed.session.title for parsed in lesson.sessions)]


def test_decks_use_the_built_in_theme(kit, corpus_decks) -> None:
    """Without a brand the decks carry the professional palette and are widescreen."""
    deck = kit.deck(corpus_decks["shell-novice"].merged)
    assert (deck.slide_width, deck.slide_height) == (12192000, 6858000)
    theme = deck.slide_master.part.part_related_by(
        "http://schemas.openxmlformats.org/officeDocument/2006/relationships/theme"
    )
    accent = etree.fromstring(theme.blob).find(
        ".//{http://schemas.openxmlformats.org/drawingml/2006/main}accent1/*"
    )
    assert accent.get("val") == "1E3A8A"
