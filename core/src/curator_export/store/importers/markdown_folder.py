"""Import a folder of Markdown files, one content item each, described by YAML front matter.

Every ``*.md`` file below the folder (hidden files and folders skipped, symlinked folders not
followed), in sorted path order, must start with front matter::

    ---
    session: week-1               # required: the session id
    session_title: Lake Ecology   # required on at least one file of the session
    content_type: slides          # required: slides, instructor_notes, worksheet, quiz,
                                  #   activity_guide (InstructorNotes, instructor-notes ... too)
    title: Why lakes turn over    # default: the first heading, else the file stem
    position: 1                   # default: the file's order within its session
    course: ecology-101           # optional, the same on every file that names it
    course_title: Ecology 101
    session_position: 1           # default: the order sessions first appear in
    ---

Other keys are kept in the item's metadata, with ``source`` (the file's path in the folder).
The item id is ``{session}/{path of the file in the folder, without .md}``, e.g.
``week-1/week1/slides``: stable as long as the file keeps its name, whatever the folder is
called or where it lives. Every file is checked before anything is returned, so one run
reports every problem.

The helpers that read front matter and images are shared with the Carpentries importer.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote, urlsplit

import attrs
import yaml

from curator_export.errors import ImportSourceError, ImportValidationError
from curator_export.model import Asset, ContentItem, ContentType, Session
from curator_export.store.base import Course, ParsedImport

try:  # libyaml is several times faster; the pure-Python loader gives the same result
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

MAX_ASSET_BYTES = 20 * 1024 * 1024
MEDIA_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".svg": "image/svg+xml",
    ".webp": "image/webp",
}
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
_CODE_FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})(.*)$")
_HEADING = re.compile(r"^ {0,3}#{1,6}[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$")
_MD_IMAGE = re.compile(r"!\[(?:[^\]\\]|\\.)*\]\(\s*(?:<([^>\n]*)>|([^\s)]+))")
_HTML_IMAGE = re.compile(
    r"<img\b[^>]*?\bsrc\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s>]+))", re.IGNORECASE
)
_TYPE_SPELLINGS = {t.value.replace("_", ""): t for t in ContentType}

# -- helpers shared by the importers --------------------------------------------------------


def read_text(path: Path, name: str) -> str:
    """A source file as text; ``name`` is how messages refer to it."""
    try:
        return path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportSourceError(
            f"{name}: not UTF-8 text ({error.reason} at byte {error.start})"
        ) from error
    except OSError as error:
        raise ImportSourceError(f"{name}: cannot be read ({error.strerror})") from error


def load_yaml(text: str, name: str, *, first_line: int = 1) -> dict[str, Any]:
    """A YAML mapping (``{}`` when empty); ``first_line`` makes line numbers match the file."""
    try:
        data = yaml.load(text, Loader=_Loader)  # a safe loader (C or Python)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + first_line})" if mark is not None else ""
        problem = getattr(error, "problem", None) or str(error)
        context, started = getattr(error, "context", None), getattr(error, "context_mark", None)
        if context and started is not None:
            problem += f", {context} started on line {started.line + first_line}"
        raise ImportSourceError(f"{name}: invalid YAML{where}: {problem}") from error
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ImportSourceError(f"{name}: YAML must be a mapping of keys to values")
    return {str(key): value for key, value in data.items()}


def split_front_matter(text: str, name: str) -> tuple[dict[str, Any] | None, str]:
    """The front matter (None when the file has none) and the body after it, verbatim."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].rstrip() != "---":
        return None, text
    for index in range(1, len(lines)):
        if lines[index].rstrip() in ("---", "..."):
            front = load_yaml("".join(lines[1:index]), name, first_line=2)
            return front, "".join(lines[index + 1 :])
    raise ImportSourceError(f"{name}: front matter opened with '---' is never closed")


def json_safe(value: Any) -> Any:
    """YAML values (dates ...) as the JSON the store keeps, so re-imports compare equal."""
    return json.loads(json.dumps(value, default=str))


def code_fence_mask(lines: Sequence[str]) -> list[bool]:
    """For each line, whether it belongs to a fenced code block (fence lines included)."""
    mask: list[bool] = []
    fence: str | None = None  # the opening fence while inside a code block
    for line in lines:
        match = _CODE_FENCE.match(line)
        if fence is None:
            # A backtick fence's info string cannot hold backticks (CommonMark).
            if match and not (match[1][0] == "`" and "`" in match[2]):
                fence = match[1]
                mask.append(True)
            else:
                mask.append(False)
            continue
        mask.append(True)
        if (
            match
            and match[1][0] == fence[0]
            and len(match[1]) >= len(fence)
            and not match[2].strip()
        ):
            fence = None
    return mask


def image_refs(body: str) -> list[str]:
    """Image paths as written (``![alt](path)``, ``<img src=...>``), outside code, in order."""
    lines = body.splitlines(keepends=True)
    mask = code_fence_mask(lines)
    prose = "".join("\n" if fenced else line for line, fenced in zip(lines, mask, strict=True))
    found: list[tuple[int, str]] = []
    for match in _MD_IMAGE.finditer(prose):
        found.append((match.start(), match[1] if match[1] is not None else match[2]))
    for match in _HTML_IMAGE.finditer(prose):
        found.append((match.start(), next(group for group in match.groups() if group is not None)))
    return list(dict.fromkeys(ref for _, ref in sorted(found)))


@attrs.define
class AssetCollector:
    """Reads the images a session's Markdown refers to, never outside ``root``.

    A reference that is remote is left alone; one that is absolute, escapes ``root`` (also
    through a symlink), is missing, too large or not an image becomes a warning and is not
    read. Assets are keyed by the path as written, as exporters look them up.
    """

    root: Path  # resolved
    assets: dict[str, Asset] = attrs.field(factory=dict)
    warnings: list[str] = attrs.field(factory=list)
    _origin: dict[str, Path] = attrs.field(factory=dict)  # asset path -> the file it came from
    _cache: dict[Path, Asset] = attrs.field(factory=dict)  # shared by every session

    def start_session(self) -> None:
        """Forget the assets of the previous session (keeping the file cache)."""
        self.assets = {}
        self._origin = {}

    def add_from(self, body: str, base: Path, name: str) -> None:
        """Collect the images ``body`` refers to; ``base`` is the folder of its file."""
        for ref in image_refs(body):
            warning = self._add(ref, base)
            if warning:
                self.warnings.append(f"{name}: image {ref!r} {warning}")

    def _add(self, ref: str, base: Path) -> str | None:
        parts = urlsplit(ref)
        if len(parts.scheme) == 1 or ref.startswith(("/", "\\")):
            return "is an absolute path; not read"
        if parts.scheme == "file":
            return "is a file: URL; local files are only read relative to the folder"
        if parts.scheme or parts.netloc or not parts.path:
            return None  # remote (http, data ...) or a bare fragment: not ours to fetch
        try:
            target = (base / unquote(parts.path)).resolve()
        except (OSError, RuntimeError) as error:  # RuntimeError: a symlink loop
            return f"cannot be resolved ({error}); not read"
        if not target.is_relative_to(self.root):
            return "points outside the imported folder; not read"
        if ref in self.assets:
            if self._origin[ref] != target:
                return f"means another file than before ({self._origin[ref].name}); kept the first"
            return None
        media_type = MEDIA_TYPES.get(target.suffix.lower())
        if not target.is_file():
            return "is missing; not stored"
        if media_type is None:
            return "is not a PNG, JPEG, GIF, SVG or WebP image; not stored"
        if target not in self._cache:
            try:
                size = target.stat().st_size
                if size > MAX_ASSET_BYTES:
                    return f"is {size} bytes, over the {MAX_ASSET_BYTES} byte limit; not stored"
                data = target.read_bytes()
            except OSError as error:
                return f"cannot be read ({error.strerror}); not stored"
            self._cache[target] = Asset(ref, media_type, hashlib.sha256(data).hexdigest(), data)
        self.assets[ref] = attrs.evolve(self._cache[target], path=ref)
        self._origin[ref] = target
        return None


# -- the folder importer ----------------------------------------------------------------


@attrs.frozen
class _Entry:
    """One valid Markdown file of the folder."""

    name: str  # path in the folder, POSIX style
    session: str
    content_type: ContentType
    body: str
    title: str
    front: Mapping[str, Any]


def markdown_files(root: Path) -> Iterator[Path]:
    """Every non-hidden ``*.md`` below ``root``, in sorted path order; symlinked folders are
    not entered (they could lead out of the folder)."""
    found: list[Path] = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        found.extend(Path(folder, f) for f in files if f.endswith(".md") and not f.startswith("."))
    yield from sorted(found, key=lambda path: path.relative_to(root).parts)


def parse_content_type(value: Any) -> ContentType | None:
    """A content type from any usual spelling (``InstructorNotes``, ``instructor-notes`` ...)."""
    if not isinstance(value, str):
        return None
    return _TYPE_SPELLINGS.get(re.sub(r"[\s_-]", "", value).lower())


def first_heading(body: str) -> str | None:
    """The text of the first ATX heading outside code, if any."""
    lines = body.splitlines()
    for line, fenced in zip(lines, code_fence_mask(lines), strict=True):
        match = None if fenced else _HEADING.match(line)
        if match and match[1].strip():
            return match[1].strip()
    return None


def _check_id(front: Mapping[str, Any], key: str, name: str, errors: list[str]) -> str | None:
    value = front.get(key)
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if value is None:
        return None
    if not isinstance(value, str) or not _ID.match(value):
        errors.append(
            f"{name}: {key}: {value!r} must be letters, digits, '.', '_' or '-', starting with a"
            " letter or digit (at most 128)"
        )
        return None
    return value


def _check_text(front: Mapping[str, Any], key: str, name: str, errors: list[str]) -> None:
    value = front.get(key)
    if value is not None and (not isinstance(value, str) or not value.strip()):
        errors.append(f"{name}: {key}: must be non-empty text, not {value!r}")


def _check_int(front: Mapping[str, Any], key: str, name: str, errors: list[str]) -> None:
    value = front.get(key)
    if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
        errors.append(f"{name}: {key}: must be a whole number, not {value!r}")


def _read_entry(path: Path, name: str, errors: list[str]) -> _Entry | None:
    """Parse and check one file; every problem found goes to ``errors``."""
    try:
        front, body = split_front_matter(read_text(path, name), name)
    except ImportSourceError as error:
        errors.append(str(error))
        return None
    if front is None:
        errors.append(f"{name}: no front matter (a '---' block with session and content_type)")
        return None
    before = len(errors)
    session = _check_id(front, "session", name, errors)
    if session is None and "session" not in front:
        errors.append(f"{name}: session: missing (the id of the session this file belongs to)")
    content_type = parse_content_type(front.get("content_type"))
    if content_type is None:
        choices = ", ".join(t.value for t in ContentType)
        got = "missing" if "content_type" not in front else repr(front["content_type"])
        errors.append(f"{name}: content_type: {got}; expected one of {choices}")
    course = _check_id(front, "course", name, errors)
    for key in ("title", "session_title", "course_title"):
        _check_text(front, key, name, errors)
    for key in ("position", "session_position"):
        _check_int(front, key, name, errors)
    if len(errors) > before or session is None or content_type is None:
        return None
    title = front.get("title") or first_heading(body) or PurePosixPath(name).stem
    front = {
        key: value.strip() if isinstance(value, str) else value for key, value in front.items()
    }
    if course is not None:
        front["course"] = course  # ``course: 2024`` is the id "2024"
    return _Entry(name, session, content_type, body, title.strip(), front)


def _agreed(entries: Sequence[_Entry], key: str, errors: list[str]) -> Any:
    """The value files give for ``key``; two files that disagree are an error naming both."""
    first: _Entry | None = None
    for entry in entries:
        value = entry.front.get(key)
        if value is None:
            continue
        if first is None:
            first = entry
        elif value != first.front[key]:
            errors.append(
                f"{entry.name}: {key}: {value!r} conflicts with {first.front[key]!r}"
                f" in {first.name}"
            )
    return None if first is None else first.front[key]


_KNOWN = {
    "session",
    "session_title",
    "content_type",
    "title",
    "position",
    "course",
    "course_title",
    "session_position",
}


def read_folder(folder: Path) -> ParsedImport:
    """Read and check a Markdown folder; raises ``ImportValidationError`` listing every problem."""
    if not folder.is_dir():
        raise ImportSourceError(f"{folder}: not a folder")
    root = folder.resolve()
    errors: list[str] = []
    warnings: list[str] = []
    groups: dict[str, list[_Entry]] = {}  # session id -> its files, in file order
    for path in markdown_files(root):
        name = path.relative_to(root).as_posix()
        if not path.resolve().is_relative_to(root):
            warnings.append(f"{name}: a symlink to a file outside the folder; not read")
            continue
        entry = _read_entry(path, name, errors)
        if entry is not None:
            groups.setdefault(entry.session, []).append(entry)
    if not groups and not errors:
        raise ImportSourceError(f"{folder}: no Markdown files (*.md) to import")

    every = [entry for group in groups.values() for entry in group]
    course_id = _agreed(every, "course", errors)
    course_title = _agreed(every, "course_title", errors)
    if course_title is not None and course_id is None:
        errors.append(f"{folder}: course_title is given but no file names the course")
    titles = {sid: _agreed(group, "session_title", errors) for sid, group in groups.items()}
    positions = {sid: _agreed(group, "session_position", errors) for sid, group in groups.items()}
    for sid, group in groups.items():
        if titles[sid] is None:
            names = ", ".join(entry.name for entry in group)
            errors.append(f"{names}: session_title: missing on every file of session {sid!r}")
    if errors:
        raise ImportValidationError(errors, source=str(folder))

    course = None
    if course_id is not None:
        course = Course(id=course_id, title=course_title or course_id, source=str(root))
    collector = AssetCollector(root)
    sessions = []
    for index, (sid, group) in enumerate(groups.items(), start=1):
        session = Session(
            id=sid,
            title=titles[sid],
            items=_items(sid, group),
            course_id=course_id,
            course_title=course.title if course else None,
            position=index if positions[sid] is None else positions[sid],
        )
        collector.start_session()
        for entry in group:
            collector.add_from(entry.body, (root / entry.name).parent, entry.name)
        sessions.append(attrs.evolve(session, assets=collector.assets))
    return ParsedImport(
        source=str(root),
        kind="folder",
        course=course,
        sessions=tuple(sessions),
        warnings=(*warnings, *collector.warnings),
    )


def _items(session_id: str, group: Sequence[_Entry]) -> tuple[ContentItem, ...]:
    """The items of one session, by position (default: file order), then id."""
    items = [
        ContentItem(
            id=f"{session_id}/{entry.name.removesuffix('.md')}",
            session_id=session_id,
            content_type=entry.content_type,
            title=entry.title,
            body=entry.body,
            position=entry.front.get("position", order),
            metadata=json_safe(
                {**{k: v for k, v in entry.front.items() if k not in _KNOWN}, "source": entry.name}
            ),
        )
        for order, entry in enumerate(group, start=1)
    ]
    return tuple(sorted(items, key=lambda item: (item.position, item.id)))
