"""Importing a folder of Markdown files with front matter."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from curator_export.errors import ImportSourceError, ImportValidationError
from curator_export.model import ContentType
from curator_export.store import SQLiteStore, import_path
from curator_export.store.importers import markdown_folder
from curator_export.testing import sqlite_rows

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(64))
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"/>'


def write(folder: Path, name: str, front: str, body: str = "Some text.\n") -> Path:
    """A Markdown file with the given front matter lines."""
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"---\n{front.strip()}\n---\n{body}", encoding="utf-8")
    return path


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SQLiteStore]:
    with SQLiteStore(tmp_path / "curator.db") as opened:
        yield opened


@pytest.fixture
def course(tmp_path: Path) -> Path:
    """A small course: two sessions, four items, one figure."""
    folder = tmp_path / "course"
    write(
        folder,
        "week1/slides.md",
        "session: week-1\nsession_title: Lakes\ncontent_type: Slides\ncourse: eco\n"
        "course_title: Ecology",
        "# Why lakes turn over\n\n![A lake](fig/lake.png)\n",
    )
    write(folder, "week1/notes.md", "session: week-1\ncontent_type: InstructorNotes\nminutes: 5")
    write(
        folder,
        "week1/quiz.md",
        "session: week-1\ncontent_type: quiz\ntitle: Check yourself\nposition: 0",
        "```markdown\n# Not a title\n```\n\nQ1?\n",
    )
    write(
        folder,
        "week2/guide.md",
        "session: week-2\nsession_title: Rivers\ncontent_type: activity-guide",
    )
    (folder / "week1/fig").mkdir()
    (folder / "week1/fig/lake.png").write_bytes(PNG)
    return folder


def test_folder_becomes_sessions_with_typed_items(store: SQLiteStore, course: Path) -> None:
    """Each file is one item of its session; types, titles and positions follow the rules."""
    report = import_path(store, course)
    assert (report.kind, report.course_id, report.sessions_created, report.items_created) == (
        "folder",
        "eco",
        2,
        4,
    )
    week1, week2 = store.load_sessions(["week-1", "week-2"])
    assert (week1.title, week1.course_id, week1.course_title, week1.position) == (
        "Lakes",
        "eco",
        "Ecology",
        1,
    )
    assert week2.position == 2
    assert [(i.id, i.content_type, i.title, i.position) for i in week1.items] == [
        ("week-1/week1/quiz", ContentType.QUIZ, "Check yourself", 0),
        ("week-1/week1/notes", ContentType.INSTRUCTOR_NOTES, "notes", 1),
        ("week-1/week1/slides", ContentType.SLIDES, "Why lakes turn over", 3),
    ]
    assert week1.items[1].metadata == {"minutes": 5, "source": "week1/notes.md"}
    assert week2.items[0].content_type is ContentType.ACTIVITY_GUIDE


def test_item_body_is_the_markdown_after_front_matter(store: SQLiteStore, tmp_path: Path) -> None:
    """The body is stored byte for byte, blank lines and trailing spaces included."""
    body = "\n# Title  \n\n\n- a\n- b\n\n"
    write(tmp_path / "c", "a.md", "session: s\nsession_title: S\ncontent_type: worksheet", body)
    import_path(store, tmp_path / "c")
    assert store.load_sessions(["s"])[0].items[0].body == body


@pytest.mark.parametrize(
    ("spelling", "expected"),
    [
        ("InstructorNotes", ContentType.INSTRUCTOR_NOTES),
        ("instructor-notes", ContentType.INSTRUCTOR_NOTES),
        ("Instructor Notes", ContentType.INSTRUCTOR_NOTES),
        ("ACTIVITY_GUIDE", ContentType.ACTIVITY_GUIDE),
        ("worksheet", ContentType.WORKSHEET),
    ],
)
def test_content_type_spellings(spelling: str, expected: ContentType) -> None:
    """The seed's spellings of content types are accepted, case-insensitively."""
    assert markdown_folder.parse_content_type(spelling) is expected


def test_every_problem_is_reported_at_once_and_nothing_written(
    store: SQLiteStore, tmp_path: Path
) -> None:
    """One run names every invalid file and field, and the store stays empty."""
    folder = tmp_path / "bad"
    write(folder, "ok.md", "session: s1\nsession_title: Fine\ncontent_type: slides")
    write(folder, "a-no-session.md", "content_type: slides")
    write(folder, "b-bad-type.md", "session: s1\ncontent_type: slidez")
    write(folder, "c-bad-yaml.md", "session: [unclosed")
    write(folder, "d-bad-position.md", "session: s1\ncontent_type: quiz\nposition: first")
    (folder / "e-no-front.md").write_text("# Just text\n")
    with pytest.raises(ImportValidationError) as caught:
        import_path(store, folder)
    message = str(caught.value)
    for expected in (
        "a-no-session.md: session: missing",
        "b-bad-type.md: content_type: 'slidez'",
        "c-bad-yaml.md: invalid YAML (line 3)",
        "flow sequence started on line 2",
        "d-bad-position.md: position:",
        "e-no-front.md: no front matter",
    ):
        assert expected in message
    assert len(caught.value.errors) == 5
    assert "ok.md" not in message
    assert store.session_ids() == []


def test_conflicting_session_titles_name_both_files(store: SQLiteStore, tmp_path: Path) -> None:
    """Two files giving a session different titles is an error naming both files."""
    folder = tmp_path / "c"
    write(folder, "one.md", "session: s\nsession_title: First\ncontent_type: slides")
    write(folder, "two.md", "session: s\nsession_title: Second\ncontent_type: quiz")
    with pytest.raises(ImportSourceError, match=r"two\.md: session_title: 'Second'.*one\.md"):
        import_path(store, folder)


def test_session_without_any_title_is_an_error(store: SQLiteStore, tmp_path: Path) -> None:
    """A session none of whose files gives session_title is refused, naming its files."""
    folder = tmp_path / "c"
    write(folder, "one.md", "session: s\ncontent_type: slides")
    with pytest.raises(ImportSourceError, match=r"one\.md: session_title: missing"):
        import_path(store, folder)


def test_images_are_stored_as_assets(store: SQLiteStore, course: Path) -> None:
    """Local images are kept with their exact bytes, keyed by the path as written."""
    (course / "week2/pics").mkdir()
    (course / "week2/pics/map.svg").write_bytes(SVG)
    write(
        course,
        "week2/worksheet.md",
        "session: week-2\ncontent_type: worksheet",
        '<img alt="map" src="pics/map.svg">\n\n![remote](https://example.org/x.png)\n',
    )
    report = import_path(store, course)
    assert report.warnings == ()
    week1, week2 = store.load_sessions(["week-1", "week-2"])
    lake = week1.assets["fig/lake.png"]
    assert (lake.data, lake.media_type, lake.sha256) == (
        PNG,
        "image/png",
        hashlib.sha256(PNG).hexdigest(),
    )
    assert week2.assets["pics/map.svg"].media_type == "image/svg+xml"
    assert week2.assets["pics/map.svg"].data == SVG


def test_references_leaving_the_folder_are_never_read(store: SQLiteStore, tmp_path: Path) -> None:
    """Paths escaping the folder (.., absolute, symlinks out) and missing files become warnings."""
    secret = tmp_path / "secret.png"
    secret.write_bytes(b"TOP SECRET")
    folder = tmp_path / "c"
    folder.mkdir()
    (folder / "link.png").symlink_to(secret)
    body = (
        "![a](../secret.png)\n![b](../../../../etc/passwd)\n"
        f"![c]({secret})\n![d](link.png)\n![e](missing.png)\n<img src='file:///etc/passwd'>\n"
    )
    write(folder, "s.md", "session: s\nsession_title: S\ncontent_type: slides", body)
    report = import_path(store, folder)
    assert store.load_sessions(["s"])[0].assets == {}
    warnings = "\n".join(report.warnings)
    assert "'../secret.png' points outside the imported folder" in warnings
    assert "'../../../../etc/passwd' points outside" in warnings
    assert f"'{secret}' is an absolute path" in warnings
    assert "'link.png' points outside" in warnings
    assert "'missing.png' is missing" in warnings
    assert "file:///etc/passwd" in warnings
    assert len(report.warnings) == 6
    with sqlite3.connect(store.path) as conn:
        assert conn.execute("SELECT count(*) FROM assets").fetchone()[0] == 0


def test_oversized_images_are_skipped_with_a_warning(
    store: SQLiteStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An image over the size cap is not stored, and the report says so."""
    monkeypatch.setattr(markdown_folder, "MAX_ASSET_BYTES", 10)
    folder = tmp_path / "c"
    write(folder, "s.md", "session: s\nsession_title: S\ncontent_type: slides", "![](big.png)\n")
    (folder / "big.png").write_bytes(PNG)
    report = import_path(store, folder)
    assert "over the 10 byte limit" in report.warnings[0]
    assert store.load_sessions(["s"])[0].assets == {}


def test_images_inside_code_blocks_are_not_assets(tmp_path: Path) -> None:
    """An image written inside a code block is an example, not a reference."""
    assert markdown_folder.image_refs("```\n![x](a.png)\n```\n![y](b.png)\n") == ["b.png"]


def test_reimporting_the_same_folder_changes_nothing(store: SQLiteStore, course: Path) -> None:
    """A second import reports no change and leaves every row (and timestamp) as it was."""
    assert import_path(store, course).changed
    before = sqlite_rows(Path(store.path))
    again = import_path(store, course)
    assert not again.changed
    assert (again.sessions_unchanged, again.items_unchanged) == (2, 4)
    assert sqlite_rows(Path(store.path)) == before


def test_edits_update_and_deletions_remove_items(store: SQLiteStore, course: Path) -> None:
    """Editing one file updates one item; deleting a file removes its item."""
    import_path(store, course)
    (course / "week1/quiz.md").write_text(
        (course / "week1/quiz.md").read_text() + "Q2?\n", encoding="utf-8"
    )
    (course / "week1/notes.md").unlink()
    report = import_path(store, course)
    assert (report.sessions_updated, report.sessions_unchanged) == (1, 1)
    # The quiz changed, and the slides moved up a place (positions default to file order).
    assert (report.items_updated, report.items_removed, report.items_unchanged) == (2, 1, 1)
    week1 = store.load_sessions(["week-1"])[0]
    assert [item.id for item in week1.items] == ["week-1/week1/quiz", "week-1/week1/slides"]


def test_ids_do_not_depend_on_the_folder_location(store: SQLiteStore, course: Path) -> None:
    """A copy of the folder under another name imports into the same sessions and items."""
    import_path(store, course)
    copy = shutil.copytree(course, course.parent / "elsewhere" / "renamed")
    report = import_path(store, copy)
    assert (report.sessions_unchanged, report.items_unchanged) == (2, 4)
    assert report.sessions_created == report.items_created == 0


def test_failed_import_keeps_the_previous_content(store: SQLiteStore, course: Path) -> None:
    """A broken re-import leaves what the last good import wrote."""
    import_path(store, course)
    before = sqlite_rows(Path(store.path))
    write(course, "week2/broken.md", "session: week-2\ncontent_type: nonsense")
    with pytest.raises(ImportValidationError):
        import_path(store, course)
    assert sqlite_rows(Path(store.path)) == before


def test_hidden_files_and_folders_are_skipped(store: SQLiteStore, course: Path) -> None:
    """Editor and VCS leftovers (.git/, .notes.md) are not imported."""
    (course / ".git").mkdir()
    (course / ".git/README.md").write_text("no front matter")
    (course / ".draft.md").write_text("no front matter")
    assert import_path(store, course).items_created == 4


def test_folder_without_markdown_is_an_error(store: SQLiteStore, tmp_path: Path) -> None:
    """An empty folder is refused with a message naming it."""
    (tmp_path / "empty").mkdir()
    with pytest.raises(ImportSourceError, match="no Markdown files"):
        import_path(store, tmp_path / "empty")


def test_a_file_is_not_a_source(store: SQLiteStore, tmp_path: Path) -> None:
    """Importing a single file (not a folder) says what import expects."""
    path = write(tmp_path, "a.md", "session: s")
    with pytest.raises(ImportSourceError, match="not a folder"):
        import_path(store, path)


def test_title_defaults_to_first_heading_then_file_stem() -> None:
    """The first heading outside code wins; setext and code lines are not headings."""
    assert markdown_folder.first_heading("```\n# no\n```\n\n## Yes ##\n# Later\n") == "Yes"
    assert markdown_folder.first_heading("plain\ntext\n") is None
