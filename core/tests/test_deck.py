"""The deck model every presentation writer lays out: slides, sections, notes, continuations."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from textwrap import dedent

import attrs
import pytest

from curator_export.deck import (
    CONTINUED,
    Deck,
    Slide,
    SlideFit,
    SlideKind,
    block_lines,
    build_deck,
    quiz_questions,
    split_slides,
)
from curator_export.demo import course_folder
from curator_export.document import (
    Block,
    CodeBlock,
    Div,
    Heading,
    Image,
    OrderedList,
    Paragraph,
    Table,
    parse,
    plain_text,
    walk,
)
from curator_export.model import Audience, Branding, ContentType, Session
from curator_export.render import RenderRequest
from curator_export.store.importers import read_source
from curator_export.testing import NO_CORPUS_REASON, RequestKit, find_corpus

SLIDES = ContentType.SLIDES
NOTES = ContentType.INSTRUCTOR_NOTES
QUIZ = ContentType.QUIZ
FIT = SlideFit()
LESSONS = ("shell-novice", "python-novice-inflammation")


@pytest.fixture
def kit() -> RequestKit:
    return RequestKit()


def deck_of(
    kit: RequestKit,
    *items: tuple[str, str, ContentType],
    audience: Audience = Audience.INSTRUCTOR,
    fit: SlideFit = FIT,
) -> Deck:
    """The deck of one session "Week 1" made of ``items``."""
    session = kit.session(*items, title="Week 1")
    return build_deck(kit.request(session, audience=audience), fit)


def titles(deck: Deck) -> list[str]:
    return [slide.title for slide in deck.slides]


def md(text: str) -> str:
    return dedent(text).strip() + "\n"


def over_budget(slide: Slide, fit: SlideFit) -> bool:
    """A slide holding more than ``fit.lines``, other than one block that cannot be cut."""
    used = sum(block_lines(block, fit) for block in slide.blocks)
    return used > fit.lines and len(slide.blocks) > 1 and not _lone_figure(slide, fit)


def _lone_figure(slide: Slide, fit: SlideFit) -> bool:
    # A figure may shrink into the rest of a slide (at least half its usual height).
    last = slide.blocks[-1]
    rest = sum(block_lines(block, fit) for block in slide.blocks[:-1])
    figure = isinstance(last, Paragraph) and any(isinstance(n, Image) for n in walk(last))
    return figure and fit.lines - rest >= fit.image_lines / 2


# -- the title slide and splitting --------------------------------------------------------------


def test_title_slide_has_the_title_institution_and_date(kit: RequestKit) -> None:
    """The first slide is the title slide: request title, institution and date below it."""
    session = kit.session(("Intro", "## Hello\n\nWorld", SLIDES))
    request = attrs.evolve(
        kit.request(session, title="Week 1", branding=Branding(institution_name="Lakeside U")),
        created_at=datetime(2026, 11, 29, 14, 30, tzinfo=UTC),
    )
    deck = build_deck(request)
    first = deck.slides[0]
    assert first.kind is SlideKind.TITLE
    assert (first.title, first.subtitle) == ("Week 1", "Lakeside U\n2026-11-29")
    assert first.session_id == "s1"
    assert deck.institution == "Lakeside U"


def test_slides_split_at_thematic_breaks_and_second_level_headings(kit: RequestKit) -> None:
    """`---` and `##` start slides; a heading titles its slide, text before any gets the
    item's title, a slide after `---` continues the title above it."""
    body = md(
        """
        Opening words.

        ## First

        One.

        ---

        Still first.

        ### A sub-heading stays inside

        Two.

        ## Second

        Three.
        """
    )
    deck = deck_of(kit, ("Intro", body, SLIDES))
    assert titles(deck) == ["Week 1", "Intro", "First", f"First{CONTINUED}", "Second"]
    kinds = [[type(block).__name__ for block in slide.blocks] for slide in deck.slides]
    assert kinds[3] == ["Paragraph", "Heading", "Paragraph"]
    assert [slide.continued for slide in deck.slides] == [False, False, False, True, False]


def test_split_slides_cuts_at_headings_breaks_and_boxes() -> None:
    """split_slides: headings and breaks cut; a box with its own heading is a slide alone."""
    blocks = parse(
        md(
            """
            Text.

            ::: callout
            ## Aside
            Inside.
            :::

            After the box.

            # Top

            ---

            End.
            """
        )
    ).children
    chunks = split_slides(blocks)
    assert [[type(block).__name__ for block in chunk] for chunk in chunks] == [
        ["Paragraph"],
        ["Div"],
        ["Paragraph"],
        ["Heading"],
        ["Paragraph"],
    ]


def test_titled_boxes_and_key_points_get_slides_of_their_own(kit: RequestKit) -> None:
    """A callout opening with `##` is a slide titled by it; key points stand alone; the text
    after them continues the section they interrupted."""
    body = md(
        """
        ## Moving files

        Text.

        ::: callout
        ## Two ways of doing it
        Explained.
        :::

        More text.

        ::: keypoints
        - Remember this.
        :::
        """
    )
    deck = deck_of(kit, ("Files", body, SLIDES))
    assert titles(deck)[1:] == [
        "Moving files",
        "Two ways of doing it",
        f"Moving files{CONTINUED}",
        "Key Points",
    ]
    callout = deck.slides[2].blocks[0]
    assert isinstance(callout, Div)
    assert callout.kind == "callout"
    assert not any(isinstance(block, Heading) for block in callout.children)


def test_a_key_points_heading_keeps_its_box(kit: RequestKit) -> None:
    """`## Key points` followed by its box is one slide, not a title alone and then the box."""
    body = "## Key points\n\n::: keypoints\n- One.\n:::\n"
    deck = deck_of(kit, ("Files", body, SLIDES))
    assert titles(deck)[1:] == ["Key points"]
    assert isinstance(deck.slides[1].blocks[0], Div)


# -- sections, quizzes, notes ---------------------------------------------------------------------


def test_worksheets_quizzes_and_guides_become_sections(kit: RequestKit) -> None:
    """Each non-slide item opens with a section slide labelled with its type."""
    deck = deck_of(
        kit,
        ("Intro", "## A\n\nText.", SLIDES),
        ("Practice", "## Exercise 1\n\nDo it.", ContentType.WORKSHEET),
        ("Worksheet: Tables", "Do more.", ContentType.WORKSHEET),
        ("Folder Swap", "## At a glance\n\n- Groups of 3", ContentType.ACTIVITY_GUIDE),
    )
    sections = [s.title for s in deck.slides if s.kind is SlideKind.SECTION]
    assert sections == ["Worksheet: Practice", "Worksheet: Tables", "Activity guide: Folder Swap"]
    assert titles(deck)[3] == "Exercise 1"
    assert "Worksheet: Tables" in titles(deck)[5:]


QUIZ_BODY = md(
    """
    Answer what you can.

    :::: challenge
    ## Which sorts?
    Pick one.

    1. `a`
    2. `b`

    ::: solution
    ## Solution
    **2.** Because.
    :::
    ::::

    :::: challenge
    ## Second
    Why?
    ::::
    """
)


def test_quiz_questions_one_per_slide_with_answers_for_instructors(kit: RequestKit) -> None:
    """One slide per challenge, titled by its heading; the answer follows, without its
    "Solution" heading; a challenge without a solution has no answer slide."""
    deck = deck_of(kit, ("Quiz", QUIZ_BODY, QUIZ))
    assert titles(deck)[1:] == ["Quiz", "Quiz", "Which sorts?", "Answer: Which sorts?", "Second"]
    question, answer = deck.slides[3], deck.slides[4]
    assert not any(isinstance(node, Div) for b in question.blocks for node in walk(b))
    assert not any(isinstance(block, Heading) for block in answer.blocks)
    assert plain_text(answer.blocks[0]).startswith("2.")


def test_students_get_no_answer_slides(kit: RequestKit) -> None:
    """The student audience's quiz has the questions only."""
    deck = deck_of(kit, ("Quiz", QUIZ_BODY, QUIZ), audience=Audience.STUDENT)
    assert not [title for title in titles(deck) if title.startswith("Answer")]
    assert "Which sorts?" in titles(deck)


def test_quiz_questions_are_the_challenges_with_their_answers(kit: RequestKit) -> None:
    """`quiz_questions` gives each challenge's title, question and answer; text outside the
    challenges is no question, and students' questions have no answer."""
    (teacher,) = kit.parsed(kit.session(("Quiz", QUIZ_BODY, QUIZ))).items
    questions = quiz_questions(teacher.document.children)
    assert [(q.number, q.title) for q in questions] == [(1, "Which sorts?"), (2, "Second")]
    assert isinstance(questions[0].blocks[-1], OrderedList)
    assert plain_text(questions[0].answer[0]).startswith("2.")
    assert questions[1].answer == ()
    (student,) = kit.parsed(kit.session(("Quiz", QUIZ_BODY, QUIZ)), audience=Audience.STUDENT).items
    assert [q.answer for q in quiz_questions(student.document.children)] == [(), ()]


def test_quiz_without_challenges_is_cut_at_headings(kit: RequestKit) -> None:
    """A quiz written as plain `##` sections has one question per section."""
    deck = deck_of(kit, ("Quiz", "## One?\n\nA.\n\n## Two?\n\nB.", QUIZ))
    assert titles(deck)[2:] == ["One?", "Two?"]


NOTES_BODY = md(
    """
    Arrive early.

    ## Second slide

    Point at the figure.

    ## Nothing like this

    General advice.
    """
)


def test_notes_follow_slide_titles_and_the_rest_goes_on_the_title_slide(
    kit: RequestKit,
) -> None:
    """Notes under a heading naming a slide go on that slide; the rest on the title slide."""
    slides = "## First slide\n\nA.\n\n## Second slide\n\nB."
    deck = deck_of(kit, ("Intro", slides, SLIDES), ("Notes", NOTES_BODY, NOTES))
    notes = {slide.title: slide.notes for slide in deck.slides}
    assert notes["Second slide"] == "Point at the figure."
    assert notes["First slide"] == ""
    assert "Arrive early." in notes["Week 1"]
    assert "Nothing like this\n\nGeneral advice." in notes["Week 1"]


def test_instructor_boxes_in_slides_become_speaker_notes(kit: RequestKit) -> None:
    """An `instructor` box inside slide content is the presenter's: notes, not slide text."""
    slides = "## Start\n\nShown.\n\n::: instructor\nSay this slowly.\n:::\n"
    deck = deck_of(kit, ("Intro", slides, SLIDES))
    start = deck.slides[1]
    assert start.notes == "Say this slowly."
    assert not any(isinstance(block, Div) for block in start.blocks)


def test_students_get_no_notes_at_all(kit: RequestKit) -> None:
    """With the student audience no slide has speaker notes."""
    slides = "## Second slide\n\nB.\n\n::: instructor\nHidden.\n:::\n"
    deck = deck_of(
        kit, ("Intro", slides, SLIDES), ("Notes", NOTES_BODY, NOTES), audience=Audience.STUDENT
    )
    assert all(slide.notes == "" for slide in deck.slides)


def test_merged_decks_have_a_section_per_session_with_its_notes(kit: RequestKit) -> None:
    """A merged deck: title slide, then per session a section slide and its slides; notes
    that match no slide go on the session's section slide."""
    first = kit.session(("A", "## One\n\nx", SLIDES), ("N", "General.", NOTES), title="Alpha")
    second = kit.session(("B", "## Two\n\ny", SLIDES), title="Beta", session_id="s2")
    deck = build_deck(kit.request(first, second, title="Course"))
    assert [(s.kind.value, s.title) for s in deck.slides] == [
        ("title", "Course"),
        ("section", "Alpha"),
        ("content", "One"),
        ("section", "Beta"),
        ("content", "Two"),
    ]
    assert deck.slides[1].notes == "General."
    assert deck.slides[0].session_id is None
    assert [s.session_id for s in deck.slides[1:]] == ["s1", "s1", "s2", "s2"]


# -- fitting ---------------------------------------------------------------------------------


def test_long_lists_continue_on_cont_slides_and_keep_their_numbers(kit: RequestKit) -> None:
    """A list longer than a slide is cut between items; an ordered list keeps counting."""
    items = "\n".join(f"{n}. Item number {n}" for n in range(1, 31))
    deck = deck_of(kit, ("Intro", f"## Steps\n\n{items}", SLIDES))
    steps = deck.slides[1:]
    assert [s.title for s in steps] == ["Steps"] + [f"Steps{CONTINUED}"] * (len(steps) - 1)
    assert len(steps) > 1
    starts = [s.blocks[0].start for s in steps if isinstance(s.blocks[0], OrderedList)]
    counts = [len(s.blocks[0].items) for s in steps if isinstance(s.blocks[0], OrderedList)]
    assert starts == [1 + sum(counts[:n]) for n in range(len(counts))]
    assert sum(counts) == 30
    assert not any(over_budget(slide, FIT) for slide in deck.slides)


def test_long_code_and_tables_are_cut_between_lines_and_rows(kit: RequestKit) -> None:
    """Code continues between lines; a table between rows, its header on every part."""
    code = "```python\n" + "\n".join(f"x{n} = {n}" for n in range(40)) + "\n```"
    rows = "\n".join(f"| r{n} | v{n} |" for n in range(40))
    table = f"| name | value |\n|---|---|\n{rows}"
    deck = deck_of(kit, ("Intro", f"## Code\n\n{code}\n\n## Table\n\n{table}", SLIDES))
    code_parts = [b for s in deck.slides for b in s.blocks if isinstance(b, CodeBlock)]
    assert "\n".join(part.text for part in code_parts).splitlines() == [
        f"x{n} = {n}" for n in range(40)
    ]
    assert all(part.language == "python" for part in code_parts)
    tables = [b for s in deck.slides for b in s.blocks if isinstance(b, Table)]
    assert len(tables) > 1
    assert all(plain_text(t.header[0]) == "name" for t in tables)
    assert sum(len(t.rows) for t in tables) == 40
    assert not any(over_budget(slide, FIT) for slide in deck.slides)


def test_a_paragraph_longer_than_a_slide_is_cut_between_sentences(kit: RequestKit) -> None:
    """No slide gets a paragraph it cannot hold: it is cut where a sentence ends."""
    sentences = " ".join(f"Sentence number {n} says something quite long here." for n in range(80))
    deck = deck_of(kit, ("Intro", f"## Prose\n\n{sentences}", SLIDES))
    parts = [b for s in deck.slides for b in s.blocks if isinstance(b, Paragraph)]
    assert len(parts) > 2
    assert all(plain_text(part).endswith(".") for part in parts)
    assert " ".join(plain_text(part) for part in parts) == sentences
    assert all(block_lines(part, FIT) <= FIT.lines for part in parts)


def test_a_heading_never_ends_a_slide(kit: RequestKit) -> None:
    """A sub-heading that would be last on a slide moves to the next, with its text."""
    filler = "\n\n".join(f"Paragraph {n} with a few words." for n in range(11))
    body = f"## Topic\n\n{filler}\n\n### Sub-topic\n\nIts text.\n\n{filler}"
    deck = deck_of(kit, ("Intro", body, SLIDES))
    for slide in deck.slides[1:]:
        assert not isinstance(slide.blocks[-1], Heading), slide.title


def test_boxes_too_long_are_cut_inside(kit: RequestKit) -> None:
    """A box taller than a slide continues, as a box, on the next slide."""
    inner = "\n".join(f"- point {n}" for n in range(40))
    deck = deck_of(kit, ("Intro", f"## Box\n\n::: callout\n{inner}\n:::\n", SLIDES))
    boxes = [b for s in deck.slides for b in s.blocks if isinstance(b, Div)]
    assert len(boxes) > 1
    assert all(box.kind == "callout" for box in boxes)
    assert not any(over_budget(slide, FIT) for slide in deck.slides)


def test_a_figure_shrinks_into_the_rest_of_a_slide(kit: RequestKit) -> None:
    """A lone figure goes on a slide with half its height free instead of starting a new one;
    with less room than that it starts the next slide."""
    fit = SlideFit(lines=15, image_lines=9)

    def slides_with(paragraphs: int) -> list[Slide]:
        text = "\n\n".join(f"Line {n}." for n in range(paragraphs))
        body = f"## Figure\n\n{text}\n\n![a chart](chart.png)\n"
        return list(deck_of(kit, ("Intro", body, SLIDES), fit=fit).slides[1:])

    assert len(slides_with(6)) == 1  # 8.4 lines of text, 6.6 free: the figure fits
    assert len(slides_with(8)) == 2  # 11.2 lines of text, 3.8 free: it does not


def test_fit_parameters_change_where_slides_break(kit: RequestKit) -> None:
    """A writer with less room per slide gets more slides."""
    body = "## Many\n\n" + "\n".join(f"- item {n}" for n in range(20))
    roomy = deck_of(kit, ("Intro", body, SLIDES), fit=SlideFit(lines=30))
    tight = deck_of(kit, ("Intro", body, SLIDES), fit=SlideFit(lines=6))
    assert len(tight.slides) > len(roomy.slides) == 2


def test_table_lines_use_the_tables_own_type_size() -> None:
    """table_chars_per_line and table_line_height make a table count as smaller type."""
    table = parse("| a | b |\n|---|---|\n" + "| x | y |\n" * 10).children[0]
    small = SlideFit(table_chars_per_line=100, table_line_height=0.5)
    assert block_lines(table, small) < block_lines(table, SlideFit())


# -- the demo course and the corpus ----------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_sessions() -> list[Session]:
    with resources.as_file(course_folder()) as source:
        return list(read_source(source).sessions)


def visible_words(request: RenderRequest) -> set[str]:
    """Words of every item that slides must show (instructor notes and boxes excepted)."""
    words: set[str] = set()
    for parsed in request.sessions:
        for item in parsed.items:
            if item.item.content_type is NOTES:
                continue
            for block in item.document.children:
                words |= _words(block)
    return words


def _words(block: Block) -> set[str]:
    if isinstance(block, Div) and block.kind == "instructor":
        return set()
    if isinstance(block, Div):
        return {w for child in block.children for w in _words(child)}
    return set(re.findall(r"\w+", plain_text(block)))


def deck_words(deck: Deck) -> set[str]:
    words = set()
    for slide in deck.slides:
        words |= set(re.findall(r"\w+", slide.title))
        for block in slide.blocks:
            words |= set(re.findall(r"\w+", plain_text(block)))
    return words


@pytest.mark.parametrize("audience", list(Audience))
def test_every_demo_session_makes_a_deck_that_keeps_all_its_text(
    kit: RequestKit, demo_sessions: list[Session], audience: Audience
) -> None:
    """Each demo session, alone: no word of its content lost, no slide over its budget, no
    slide without a title, notes only for instructors."""
    for session in demo_sessions:
        request = kit.request(session, audience=audience)
        deck = build_deck(request, FIT)
        missing = visible_words(request) - deck_words(deck) - {"Solution"}
        assert not missing, (session.id, sorted(missing)[:10])
        assert all(slide.title.strip() for slide in deck.slides)
        assert not [s.title for s in deck.slides if over_budget(s, FIT)], session.id
        has_notes = any(slide.notes for slide in deck.slides)
        assert has_notes is (audience is Audience.INSTRUCTOR and session.id != "rdm-04-metadata")


def test_the_merged_demo_course_has_one_section_per_session(
    kit: RequestKit, demo_sessions: list[Session]
) -> None:
    """The whole demo course merged: sessions in order, each opening with its section slide."""
    deck = build_deck(kit.request(*demo_sessions, title="Research Data Management"))
    openers = [
        s
        for s in deck.slides
        if s.kind is SlideKind.SECTION and s.title in {session.title for session in demo_sessions}
    ]
    assert [s.title for s in openers] == [session.title for session in demo_sessions]
    sessions_in_order = [s.session_id for s in deck.slides[1:]]
    assert sessions_in_order == sorted(sessions_in_order)


@pytest.fixture(scope="module")
def corpus_lessons() -> dict[str, list[Session]]:
    corpus = find_corpus(Path(__file__))
    if corpus is None:
        pytest.skip(NO_CORPUS_REASON)
    return {name: list(read_source(corpus / "carpentries" / name).sessions) for name in LESSONS}


def _challenges(session: Session) -> Iterator[Div]:
    for item in session.items:
        if item.content_type is QUIZ:
            for block in parse(item.body).children:
                if isinstance(block, Div) and block.kind == "challenge":
                    yield block


@pytest.mark.corpus
def test_every_corpus_episode_makes_a_deck(
    kit: RequestKit, corpus_lessons: dict[str, list[Session]]
) -> None:
    """Every episode of both lessons: all text kept, no slide over budget, one question slide
    per challenge and one answer slide per answered challenge (for instructors only)."""
    fit = SlideFit(lines=15, chars_per_line=90, code_chars_per_line=100, image_lines=9)
    for sessions in corpus_lessons.values():
        for session in sessions:
            for audience in Audience:
                request = kit.request(session, audience=audience)
                deck = build_deck(request, fit)
                missing = visible_words(request) - deck_words(deck) - {"Solution", "Solutions"}
                assert not missing, (session.id, sorted(missing)[:10])
                assert not [s.title for s in deck.slides if over_budget(s, fit)], session.id
                answers = [s for s in deck.slides if s.title.startswith("Answer: ")]
                answered = [
                    c
                    for c in _challenges(session)
                    if any(isinstance(b, Div) and b.kind == "solution" for b in c.children)
                ]
                expected = len(answered) if audience is Audience.INSTRUCTOR else 0
                assert len({a.title.removesuffix(CONTINUED) for a in answers}) <= expected
                assert bool(answers) is bool(expected), session.id


@pytest.mark.corpus
def test_each_corpus_lesson_merges_into_one_deck(
    kit: RequestKit, corpus_lessons: dict[str, list[Session]]
) -> None:
    """Each lesson merged: a section slide per episode, in teaching order, and the lesson-wide
    instructor notes on the first episode's section slide."""
    for name, sessions in corpus_lessons.items():
        deck = build_deck(kit.request(*sessions, title=name))
        sections = [s for s in deck.slides if s.kind is SlideKind.SECTION and s.session_id]
        openers = []
        for slide in sections:
            if not openers or openers[-1].session_id != slide.session_id:
                openers.append(slide)
        assert [s.title for s in openers] == [session.title for session in sessions]
        assert openers[0].notes  # the lesson's instructor notes come with the first session
