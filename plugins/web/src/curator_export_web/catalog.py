"""What a request can choose from: sessions (searched and filtered), themes, brand files."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from curator_export.model import ContentType
from curator_export.plugins import PluginHost
from curator_export.store.base import SessionSummary
from curator_export_web.jobs import BRAND_SUFFIXES


def filter_sessions(
    sessions: Iterable[SessionSummary],
    *,
    query: str = "",
    course: str | None = None,
    content_type: ContentType | None = None,
) -> list[SessionSummary]:
    """Sessions whose id, title or course title holds every word of ``query`` (ignoring
    case), of ``course`` and holding items of ``content_type``, in the store's order."""
    words = query.casefold().split()
    found = []
    for session in sessions:
        text = " ".join(filter(None, (session.id, session.title, session.course_title)))
        if not all(word in text.casefold() for word in words):
            continue
        if course is not None and session.course_id != course:
            continue
        if content_type is not None and content_type not in session.content_types:
            continue
        found.append(session)
    return found


def courses(sessions: Iterable[SessionSummary]) -> list[dict[str, str | None]]:
    """The courses the sessions belong to, once each, in the store's order."""
    seen: dict[str, str | None] = {}
    for session in sessions:
        if session.course_id is not None:
            seen.setdefault(session.course_id, session.course_title)
    return [{"id": course_id, "title": title} for course_id, title in seen.items()]


def template_names(host: PluginHost) -> list[str]:
    from curator_export.themes import find_themes

    return sorted(find_themes(host.template_dirs()))


def brand_files(brand_dir: Path | None) -> list[str]:
    """The brand files a request may name: those directly in the brand folder."""
    if brand_dir is None or not brand_dir.is_dir():
        return []
    return sorted(
        path.name
        for path in brand_dir.iterdir()
        if path.is_file() and path.suffix.lower() in BRAND_SUFFIXES
    )
