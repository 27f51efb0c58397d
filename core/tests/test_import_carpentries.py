"""Importing Carpentries lessons: the fenced-div scanner, small lessons, the real corpus."""

from __future__ import annotations

import re
import shutil
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from curator_export.errors import ImportSourceError
from curator_export.model import ContentType, Session
from curator_export.store import SQLiteStore, import_path
from curator_export.store.importers.carpentries import (
    Block,
    div_name,
    split_episode,
    top_level_blocks,
)
from curator_export.testing import NO_CORPUS_REASON, find_corpus, sqlite_rows

LESSONS = {"shell-novice": 7, "python-novice-inflammation": 12}


@pytest.fixture(scope="module")
def lessons() -> Path:
    corpus = find_corpus(Path(__file__))
    if corpus is None:
        pytest.skip(NO_CORPUS_REASON)
    return corpus / "carpentries"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SQLiteStore]:
    with SQLiteStore(tmp_path / "curator.db") as opened:
        yield opened


def lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


# -- the fenced-div scanner --------------------------------------------------------------------


def test_div_names_in_both_spellings() -> None:
    """A div opens with a name or a {.class}; a line of colons alone opens nothing."""
    assert div_name("::::::: challenge\n") == "challenge"
    assert div_name("::: {.callout #tip}\n") == "callout"
    assert div_name(":::Instructor:::\n") == "instructor"
    assert div_name("::::::::::\n") is None
    assert div_name(":: too short\n") is None


def test_blocks_cover_every_line_in_order() -> None:
    """Top-level blocks partition the text: text, div, text, div, with nested divs inside."""
    text = lines(
        "intro\n"
        "::::: challenge\n"
        "Q\n"
        "::: solution\n"
        "A\n"
        ":::\n"
        ":::::::::::::\n"
        "middle\n"
        "::: instructor\n"
        "note\n"
        ":::\n"
    )
    assert top_level_blocks(text) == [
        Block(None, 0, 1),
        Block("challenge", 1, 7),
        Block(None, 7, 8),
        Block("instructor", 8, 11),
    ]


def test_closing_line_closes_the_innermost_div_whatever_its_length() -> None:
    """Mismatched colon counts (as in the corpus) still nest by order, not by length."""
    text = lines(
        ":::::::::::::::::::: challenge\n"
        "::::: solution\n"
        "A\n"
        "::::::::::::::::::::::::::::::::::\n"
        "still the challenge\n"
        ":::\n"
        "after\n"
    )
    assert top_level_blocks(text) == [Block("challenge", 0, 6), Block(None, 6, 7)]


@pytest.mark.parametrize("fence", ["```", "~~~~", "```bash"])
def test_colon_lines_inside_code_fences_do_not_count(fence: str) -> None:
    """Colons inside fenced code (``` or ~~~) are code, not div fences."""
    closing = fence.rstrip("bash")
    text = lines(f"::: challenge\n{fence}\n:::\n::: callout\n{closing}\n:::\nafter\n")
    assert top_level_blocks(text) == [Block("challenge", 0, 6), Block(None, 6, 7)]


def test_stray_closing_line_is_text_and_open_div_runs_to_the_end() -> None:
    """A closing line with nothing open is kept as text; an unclosed div takes the rest."""
    text = lines(":::\ntext\n::: challenge\nQ\n")
    assert top_level_blocks(text) == [Block(None, 0, 2), Block("challenge", 2, 4)]


def test_split_episode_slices_verbatim() -> None:
    """Challenges (with solutions) go to the quiz, instructor divs to notes, the rest to slides."""
    body = (
        "::: objectives\n- learn\n:::\n\n"
        "Text with `:::` inline.\n\n"
        "::::: challenge\n## Q1\n::: solution\nA1\n:::\n:::::\n\n"
        ":::: instructor\nSay this.\n::::\n\n"
        "::: {.challenge}\n## Q2\n:::\n"
        "::: callout\nNote\n:::\n"
    )
    parts = split_episode(body)
    assert parts.slides == (
        "::: objectives\n- learn\n:::\n\nText with `:::` inline.\n\n\n\n::: callout\nNote\n:::\n"
    )
    assert parts.quiz == (
        "::::: challenge\n## Q1\n::: solution\nA1\n:::\n:::::\n\n::: {.challenge}\n## Q2\n:::\n"
    )
    assert parts.instructor == ":::: instructor\nSay this.\n::::\n"


# -- small lessons built in tmp_path -----------------------------------------------------------


def make_lesson(folder: Path, *, source: str | None = None, episodes: int = 2) -> Path:
    config = {"title": "Tiny Lesson", "episodes": [f"{n:02}-ep.md" for n in range(1, episodes + 1)]}
    if source:
        config["source"] = source
    (folder / "episodes/fig").mkdir(parents=True)
    (folder / "config.yaml").write_text(yaml.safe_dump(config))
    for number in range(1, episodes + 1):
        (folder / f"episodes/{number:02}-ep.md").write_text(
            f"---\ntitle: Episode {number}\nteaching: 10\nexercises: 5\n---\n\n"
            "Intro.\n\n![](fig/f.svg)\n\n::: challenge\nQ\n:::\n"
        )
    (folder / "episodes/fig/f.svg").write_text("<svg/>")
    return folder


def test_lesson_without_source_uses_the_folder_name(store: SQLiteStore, tmp_path: Path) -> None:
    """No config source: the course id is the folder's name, sessions follow config order."""
    report = import_path(store, make_lesson(tmp_path / "tiny"))
    assert (report.kind, report.course_id, report.sessions_created) == ("carpentries", "tiny", 2)
    assert store.session_ids() == ["tiny-01-ep", "tiny-02-ep"]
    first = store.load_sessions(["tiny-01-ep"])[0]
    assert first.metadata == {"teaching": 10, "exercises": 5, "episode": "01-ep.md"}
    assert [item.id for item in first.items] == ["tiny-01-ep/slides", "tiny-01-ep/quiz"]


def test_listed_but_missing_episode_names_the_file(store: SQLiteStore, tmp_path: Path) -> None:
    """An episode in config.yaml that does not exist is an error naming it; nothing is written."""
    lesson = make_lesson(tmp_path / "tiny")
    (lesson / "episodes/02-ep.md").unlink()
    with pytest.raises(ImportSourceError, match=r"episodes/02-ep\.md: listed in config\.yaml"):
        import_path(store, lesson)
    assert store.session_ids() == []


def test_malformed_config_names_config_yaml(store: SQLiteStore, tmp_path: Path) -> None:
    """Broken YAML in config.yaml is reported with the file name and line."""
    lesson = make_lesson(tmp_path / "tiny")
    (lesson / "config.yaml").write_text("title: 'unclosed\nepisodes: [\n")
    with pytest.raises(ImportSourceError, match=r"config\.yaml: invalid YAML \(line \d+\)"):
        import_path(store, lesson)


def test_malformed_episode_front_matter_names_the_episode(
    store: SQLiteStore, tmp_path: Path
) -> None:
    """Bad front matter and a missing title are reported for every episode at once."""
    lesson = make_lesson(tmp_path / "tiny")
    (lesson / "episodes/01-ep.md").write_text("---\ntitle: [oops\n---\nbody\n")
    (lesson / "episodes/02-ep.md").write_text("---\nteaching: 5\n---\nbody\n")
    with pytest.raises(ImportSourceError) as caught:
        import_path(store, lesson)
    assert "episodes/01-ep.md: invalid YAML" in str(caught.value)
    assert "episodes/02-ep.md: title: missing" in str(caught.value)


def test_episode_list_leaving_the_lesson_is_refused(store: SQLiteStore, tmp_path: Path) -> None:
    """config.yaml cannot make the importer read files outside the lesson."""
    lesson = make_lesson(tmp_path / "tiny")
    (tmp_path / "outside.md").write_text("---\ntitle: Out\n---\n")
    (lesson / "config.yaml").write_text(yaml.safe_dump({"episodes": ["../../outside.md"]}))
    with pytest.raises(ImportSourceError, match="outside the lesson folder"):
        import_path(store, lesson)


def test_episode_listed_twice_is_an_error(store: SQLiteStore, tmp_path: Path) -> None:
    """The same episode twice in config.yaml would be one session twice: refused."""
    lesson = make_lesson(tmp_path / "tiny")
    (lesson / "config.yaml").write_text(yaml.safe_dump({"episodes": ["01-ep.md", "01-ep.md"]}))
    with pytest.raises(ImportSourceError, match=r"'01-ep\.md' is listed more than once"):
        import_path(store, lesson)


def test_blank_episode_list_means_every_episode(store: SQLiteStore, tmp_path: Path) -> None:
    """As in the Carpentries template, a blank episodes list includes all episodes, sorted."""
    lesson = make_lesson(tmp_path / "tiny", episodes=3)
    (lesson / "config.yaml").write_text("title: Tiny\nepisodes:\n")
    import_path(store, lesson)
    assert store.session_ids() == ["tiny-01-ep", "tiny-02-ep", "tiny-03-ep"]


def test_edited_episode_updates_its_session_only(store: SQLiteStore, tmp_path: Path) -> None:
    """Changing one episode updates that session; the others stay untouched."""
    lesson = make_lesson(tmp_path / "tiny")
    import_path(store, lesson)
    episode = lesson / "episodes/02-ep.md"
    episode.write_text(episode.read_text().replace("Intro.", "A better intro."))
    report = import_path(store, lesson)
    assert (report.sessions_updated, report.sessions_unchanged) == (1, 1)
    assert (report.items_updated, report.items_unchanged) == (1, 3)


# -- the real corpus -----------------------------------------------------------------------------


def episode_bodies(lesson: Path) -> dict[str, str]:
    """Episode file name -> body after the front matter, read independently of the importer."""
    config = yaml.safe_load((lesson / "config.yaml").read_text())
    bodies = {}
    for name in config["episodes"]:
        text = (lesson / "episodes" / name).read_text(encoding="utf-8")
        bodies[name] = text.split("\n---\n", 1)[1]
    return bodies


def front_title(lesson: Path, name: str) -> str:
    text = (lesson / "episodes" / name).read_text(encoding="utf-8")
    title: str = yaml.safe_load(text.split("---\n")[1])["title"]
    return title


@pytest.fixture(params=sorted(LESSONS))
def lesson(request: pytest.FixtureRequest, lessons: Path) -> Path:
    folder: Path = lessons / request.param
    return folder


@pytest.fixture
def imported(store: SQLiteStore, lesson: Path) -> list[Session]:
    import_path(store, lesson)
    return store.load_sessions(store.session_ids())


@pytest.mark.corpus
def test_episodes_become_sessions_in_teaching_order(
    store: SQLiteStore, lesson: Path, imported: list[Session]
) -> None:
    """shell-novice gives 7 sessions, python-novice-inflammation 12, in config order."""
    names = list(episode_bodies(lesson))
    assert len(imported) == LESSONS[lesson.name] == len(names)
    assert [s.id for s in imported] == [f"{lesson.name}-{name[:-3]}" for name in names]
    assert [s.position for s in imported] == list(range(1, len(names) + 1))
    assert {s.course_id for s in imported} == {lesson.name}


@pytest.mark.corpus
def test_titles_match_episode_front_matter(lesson: Path, imported: list[Session]) -> None:
    """Session and slide titles are the episode titles; quiz and notes titles derive from them."""
    for session in imported:
        title = front_title(lesson, session.metadata["episode"])
        assert session.title == title
        assert session.items[0].title == title
        for item in session.items_of(ContentType.QUIZ):
            assert item.title == f"{title}: Challenges"


@pytest.mark.corpus
def test_no_line_of_an_episode_is_lost(lesson: Path, imported: list[Session]) -> None:
    """Every non-blank episode line is in exactly one item, and each item keeps source order."""
    bodies = episode_bodies(lesson)
    for session in imported:
        source = [line for line in lines(bodies[session.metadata["episode"]]) if line.strip()]
        parts = [
            [line for line in lines(item.body) if line.strip()]
            for item in session.items
            if not item.id.endswith("/lesson-instructor-notes")
        ]
        assert Counter(source) == Counter(line for part in parts for line in part), session.id
        for part in parts:
            remaining = iter(source)
            assert all(line in remaining for line in part), session.id  # a subsequence


@pytest.mark.corpus
def test_challenges_and_instructor_divs_are_split_out(imported: list[Session]) -> None:
    """Slides hold no challenge, solution or instructor div; the quiz holds every challenge."""
    for session in imported:
        slides = session.items_of(ContentType.SLIDES)[0].body
        assert not re.search(r"^:{3,}\s*(challenge|solution|instructor)\b", slides, re.M)
        for quiz in session.items_of(ContentType.QUIZ):
            assert quiz.body.startswith(":")
            assert re.search(r"^:{3,}\s*solution", quiz.body, re.M)


@pytest.mark.corpus
def test_lesson_notes_index_and_learner_pages(
    store: SQLiteStore, lesson: Path, imported: list[Session]
) -> None:
    """Lesson-wide notes close the first session; index.md and learners/ become course text."""
    notes = imported[0].items[-1]
    assert notes.content_type is ContentType.INSTRUCTOR_NOTES
    assert notes.title.startswith("Instructor Notes: ")
    raw = (lesson / "instructors/instructor-notes.md").read_text(encoding="utf-8")
    assert raw.endswith(notes.body)
    assert notes.body.strip()
    course = store.load_course(lesson.name)
    assert course is not None
    assert course.title == yaml.safe_load((lesson / "config.yaml").read_text())["title"]
    assert course.description is not None
    assert (lesson / "index.md").read_text(encoding="utf-8").endswith(course.description)
    assert [page.name for page in course.pages] == ["learners/reference.md"]
    reference = (lesson / "learners/reference.md").read_text(encoding="utf-8")
    assert reference.endswith(course.pages[0].body)


@pytest.mark.corpus
def test_figures_are_kept_byte_for_byte(lesson: Path, imported: list[Session]) -> None:
    """Every figure an episode shows is stored with the same bytes, keyed as written."""
    bodies = episode_bodies(lesson)
    for session in imported:
        body = bodies[session.metadata["episode"]]
        written = set(re.findall(r"!\[[^\]]*\]\((fig/[^)\s]+)\)", body))
        assert written <= set(session.assets), session.id
        for path in written:
            stored = session.assets[path]
            assert stored.data == (lesson / "episodes" / path).read_bytes()
    assert any(session.assets for session in imported)


@pytest.mark.corpus
def test_reimporting_a_lesson_changes_nothing(store: SQLiteStore, lesson: Path) -> None:
    """The second import reports no change, and every row of every table is identical."""
    first = import_path(store, lesson)
    assert first.changed
    assert first.warnings == ()
    before = sqlite_rows(Path(store.path))
    second = import_path(store, lesson)
    assert not second.changed
    assert second.sessions_unchanged == LESSONS[lesson.name]
    assert sqlite_rows(Path(store.path)) == before


@pytest.mark.corpus
def test_ids_survive_a_renamed_copy_of_the_lesson(
    store: SQLiteStore, lesson: Path, tmp_path: Path
) -> None:
    """A copy in a folder with another name imports into the same sessions (config source)."""
    import_path(store, lesson)
    ids = store.session_ids()
    copy = shutil.copytree(lesson, tmp_path / "some-other-name")
    report = import_path(store, copy)
    assert store.session_ids() == ids
    assert report.sessions_created == 0
    assert report.sessions_unchanged == len(ids)


@pytest.mark.corpus
def test_shell_novice_imports_fast(store: SQLiteStore, lessons: Path) -> None:
    """Importing the whole shell-novice lesson takes well under a second."""
    started = time.perf_counter()
    import_path(store, lessons / "shell-novice")
    assert time.perf_counter() - started < 1.0
