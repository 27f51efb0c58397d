"""Import a Carpentries lesson (``config.yaml`` + ``episodes/``) as a course of sessions.

The lesson is the course, each episode listed in ``config.yaml`` a session, in that order.
Ids do not depend on where the lesson lives: the course id is the lesson slug (the last part of
config ``source``, else the folder name) and a session id is ``{slug}-{episode stem}``, e.g.
``shell-novice-01-intro``; item ids add ``/slides``, ``/quiz``, ``/instructor-notes``, and
``/lesson-instructor-notes`` for the lesson-wide notes held by the first session.

An episode is cut, on its raw text, into verbatim slices: the top-level ``challenge`` divs
(their solutions inside) make the quiz, the ``instructor`` divs the instructor notes, and
everything else the slides. Nothing is rewritten, so every line of an episode lands in
exactly one item.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

import attrs

from curator_export.errors import ImportSourceError, ImportValidationError
from curator_export.model import ContentItem, ContentType, Session
from curator_export.store.base import Course, CoursePage, ParsedImport
from curator_export.store.importers.markdown_folder import (
    AssetCollector,
    code_fence_mask,
    json_safe,
    load_yaml,
    read_text,
    split_front_matter,
)

_DIV_OPEN = re.compile(r"^[ \t]*:{3,}[ \t]*([^\s:].*?)[ \t:]*$")
_DIV_CLOSE = re.compile(r"^[ \t]*:{3,}[ \t]*$")
_CLASS = re.compile(r"\.([\w-]+)")
_UNSAFE_ID = re.compile(r"[^A-Za-z0-9._-]+")
#: Config keys that are navigation, not facts about the lesson: kept out of course metadata.
_NAVIGATION = {"episodes", "learners", "instructors", "profiles"}
QUIZ_DIVS = frozenset({"challenge"})
INSTRUCTOR_DIVS = frozenset({"instructor"})


# -- the fenced-div scanner -----------------------------------------------------------------


@attrs.frozen
class Block:
    """A run of lines ``[start, end)``: a top-level fenced div (``kind`` is its name) or text."""

    kind: str | None
    start: int
    end: int


def div_name(line: str) -> str | None:
    """The name of the div a line opens (``challenge`` for ``::: challenge`` or
    ``::: {.challenge}``), or None when the line opens no div."""
    match = _DIV_OPEN.match(line)
    if match is None:
        return None
    spec = match[1]
    if spec.startswith("{"):
        found = _CLASS.search(spec)
        return found[1].lower() if found else ""
    return spec.split()[0].lower()


def top_level_blocks(lines: Sequence[str]) -> list[Block]:
    """Cut lines into top-level divs and the text between them; the blocks cover every line.

    A div opens with 3+ colons and a name or ``{attributes}`` and closes with a line of 3+
    colons alone, closing the innermost open div whatever the lengths (lessons mix them).
    Colon lines inside code fences do not count; a stray closing line is text; a div left
    open runs to the end.
    """
    blocks: list[Block] = []
    depth = 0
    start = 0  # where the current block began
    kind: str | None = None
    for index, (line, fenced) in enumerate(zip(lines, code_fence_mask(lines), strict=True)):
        if fenced:
            continue
        if _DIV_CLOSE.match(line):
            if depth == 0:
                continue
            depth -= 1
            if depth == 0:
                blocks.append(Block(kind, start, index + 1))
                start = index + 1
        elif (name := div_name(line)) is not None:
            if depth == 0:
                if start < index:
                    blocks.append(Block(None, start, index))
                start, kind = index, name
            depth += 1
    if start < len(lines):
        blocks.append(Block(kind if depth else None, start, len(lines)))
    return blocks


@attrs.frozen
class EpisodeParts:
    """An episode body cut into the verbatim text of its three items ("" when absent)."""

    slides: str
    quiz: str
    instructor: str


def split_episode(body: str) -> EpisodeParts:
    """Cut an episode into slides, challenges (with their solutions) and instructor notes."""
    lines = body.splitlines(keepends=True)
    slides: list[str] = []
    quiz: list[str] = []
    instructor: list[str] = []
    for block in top_level_blocks(lines):
        text = "".join(lines[block.start : block.end])
        if block.kind in QUIZ_DIVS:
            quiz.append(text)
        elif block.kind in INSTRUCTOR_DIVS:
            instructor.append(text)
        else:
            slides.append(text)
    return EpisodeParts("".join(slides), _join_divs(quiz), _join_divs(instructor))


def _join_divs(divs: list[str]) -> str:
    """Divs one after another, a blank line between them."""
    return "\n".join(div if div.endswith("\n") else div + "\n" for div in divs)


# -- reading a lesson -----------------------------------------------------------------------


def is_lesson(folder: Path) -> bool:
    """Whether a folder looks like a Carpentries lesson."""
    return (folder / "config.yaml").is_file() and (folder / "episodes").is_dir()


def lesson_slug(config: dict[str, Any], folder: Path) -> str:
    """The lesson's short name: the end of its ``source`` URL, else the folder's name."""
    source = config.get("source")
    slug = ""
    if isinstance(source, str):
        slug = urlsplit(source.strip()).path.rstrip("/").rsplit("/", 1)[-1].removesuffix(".git")
    slug = _UNSAFE_ID.sub("-", slug or folder.name).strip("-.")
    return slug or "lesson"


def _listed(config: dict[str, Any], key: str, root: Path, errors: list[str]) -> list[str]:
    """File names config lists under ``key`` (all ``*.md`` of the folder when left blank)."""
    listed = config.get(key)
    if listed is None:
        folder = root / key
        return sorted(p.name for p in folder.glob("*.md")) if folder.is_dir() else []
    if not isinstance(listed, list) or not all(isinstance(name, str) for name in listed):
        errors.append(f"config.yaml: {key}: must be a list of file names")
        return []
    return listed


def _source_file(root: Path, name: str, errors: list[str]) -> Path | None:
    """A file config names, refusing names that leave the lesson folder."""
    path = root / name
    if not path.resolve().is_relative_to(root):
        errors.append(f"config.yaml: {name!r} points outside the lesson folder")
        return None
    if not path.is_file():
        errors.append(f"{name}: listed in config.yaml but missing")
        return None
    return path


def _page(root: Path, name: str, errors: list[str]) -> tuple[dict[str, Any], str] | None:
    """Front matter (``{}`` if none) and body of a Markdown file of the lesson."""
    path = _source_file(root, name, errors)
    if path is None:
        return None
    try:
        front, body = split_front_matter(read_text(path, name), name)
    except ImportSourceError as error:
        errors.append(str(error))
        return None
    return front or {}, body


def _optional_page(root: Path, name: str, errors: list[str]) -> tuple[dict[str, Any], str] | None:
    return _page(root, name, errors) if (root / name).is_file() else None


def _episode(
    root: Path, file_name: str, slug: str, position: int, errors: list[str]
) -> tuple[Session, str] | None:
    """One episode as a session with its items, and its body; None (errors noted) if invalid."""
    name = f"episodes/{file_name}"
    page = _page(root, name, errors)
    if page is None:
        return None
    front, body = page
    title = front.get("title")
    if not isinstance(title, str) or not title.strip():
        errors.append(f"{name}: title: missing from the front matter (or not text)")
        return None
    title = title.strip()
    session_id = f"{slug}-{PurePosixPath(file_name).stem}"
    parts = split_episode(body)
    cuts = [
        ("slides", ContentType.SLIDES, title, parts.slides),
        ("quiz", ContentType.QUIZ, f"{title}: Challenges", parts.quiz),
        (
            "instructor-notes",
            ContentType.INSTRUCTOR_NOTES,
            f"{title}: Instructor Notes",
            parts.instructor,
        ),
    ]
    # Slides always exist (they carry the episode's title); quiz and notes only when found.
    present = [cut for cut in cuts if cut[3].strip() or cut[1] is ContentType.SLIDES]
    items = tuple(
        ContentItem(
            id=f"{session_id}/{suffix}",
            session_id=session_id,
            content_type=content_type,
            title=item_title,
            body=text,
            position=position,
            metadata={"source": name},
        )
        for position, (suffix, content_type, item_title, text) in enumerate(present, start=1)
    )
    metadata = {key: front[key] for key in ("teaching", "exercises") if key in front}
    session = Session(
        id=session_id,
        title=title,
        items=items,
        position=position,
        metadata=json_safe({**metadata, "episode": file_name}),
    )
    return session, body


def read_lesson(folder: Path) -> ParsedImport:
    """Read and check a lesson; raises ``ImportValidationError`` listing every problem."""
    if not is_lesson(folder):
        raise ImportSourceError(f"{folder}: not a Carpentries lesson (config.yaml and episodes/)")
    root = folder.resolve()
    errors: list[str] = []
    try:
        config = load_yaml(read_text(root / "config.yaml", "config.yaml"), "config.yaml")
    except ImportSourceError as error:
        raise ImportValidationError([str(error)], source=str(folder)) from error
    slug = lesson_slug(config, root)
    title = config.get("title")
    lesson_title = title.strip() if isinstance(title, str) and title.strip() else slug
    episodes = []
    listed = _listed(config, "episodes", root, errors)
    for twice in sorted({name for name in listed if listed.count(name) > 1}):
        errors.append(f"config.yaml: episodes: {twice!r} is listed more than once")
    for position, file_name in enumerate(listed, start=1):
        episode = _episode(root, file_name, slug, position, errors)
        if episode is not None:
            episodes.append(episode)
    if not episodes and not errors:
        errors.append("config.yaml: episodes: the lesson has no episodes")
    notes = _optional_page(root, "instructors/instructor-notes.md", errors)
    index = _optional_page(root, "index.md", errors)
    pages = _learner_pages(config, root, errors)
    if errors:
        raise ImportValidationError(errors, source=str(folder))

    collector = AssetCollector(root)
    sessions = []
    for number, (session, body) in enumerate(episodes):
        collector.start_session()
        collector.add_from(body, root / "episodes", f"episodes/{session.metadata['episode']}")
        items = session.items
        if number == 0 and notes is not None:
            items = (*items, _lesson_notes(session, notes[1], lesson_title))
            collector.add_from(notes[1], root / "instructors", "instructors/instructor-notes.md")
        sessions.append(
            attrs.evolve(
                session,
                items=items,
                course_id=slug,
                course_title=lesson_title,
                assets=collector.assets,
            )
        )
    source = config.get("source")
    course = Course(
        id=slug,
        title=lesson_title,
        source=source if isinstance(source, str) else str(root),
        description=index[1] if index is not None else None,
        metadata=json_safe({k: v for k, v in config.items() if k not in _NAVIGATION}),
        pages=pages,
    )
    return ParsedImport(
        source=str(root),
        kind="carpentries",
        course=course,
        sessions=tuple(sessions),
        warnings=tuple(collector.warnings),
    )


def _learner_pages(config: dict[str, Any], root: Path, errors: list[str]) -> tuple[CoursePage, ...]:
    """The pages under ``learners/`` (a glossary, setup notes), verbatim after front matter."""
    pages = []
    for file_name in _listed(config, "learners", root, errors):
        page = _page(root, f"learners/{file_name}", errors)
        if page is not None:
            front, body = page
            title = front.get("title")
            title = title.strip() if isinstance(title, str) else PurePosixPath(file_name).stem
            pages.append(CoursePage(f"learners/{file_name}", title, body))
    return tuple(pages)


def _lesson_notes(first: Session, body: str, lesson_title: str) -> ContentItem:
    """The lesson-wide instructor notes, as the last item of the first session."""
    return ContentItem(
        id=f"{first.id}/lesson-instructor-notes",
        session_id=first.id,
        content_type=ContentType.INSTRUCTOR_NOTES,
        title=f"Instructor Notes: {lesson_title}",
        body=body,
        position=len(first.items) + 1,
        metadata={"source": "instructors/instructor-notes.md"},
    )
