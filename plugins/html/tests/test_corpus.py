"""Every episode of both corpus lessons in every theme: valid outline, embedded images, ids."""

from __future__ import annotations

import functools
import itertools
from pathlib import Path

import pytest

from curator_export.model import Audience, Session
from curator_export.store.importers import read_source
from curator_export.testing import NO_CORPUS_REASON, find_corpus

CORPUS = find_corpus(Path(__file__))
LESSONS = ("shell-novice", "python-novice-inflammation")
THEMES = ("professional", "academic", "minimal", "presentation")

pytestmark = pytest.mark.skipif(CORPUS is None, reason=NO_CORPUS_REASON)


@functools.cache
def lesson(name: str) -> tuple[Session, ...]:
    assert CORPUS is not None
    return read_source(CORPUS / "carpentries" / name).sessions


def check_page(kit, page: str) -> None:
    """One h1, no skipped level, alt and data: src on every image, landmarks, lang, unique ids."""
    outline = kit.outline(page)
    levels = [level for level, _ in outline.headings()]
    assert levels.count(1) == 1
    assert levels[0] == 1
    for before, after in itertools.pairwise(levels):
        assert after <= before + 1, (before, after)
    for image in outline.all("img"):
        assert "alt" in image.attrs
        assert str(image.attrs["src"]).startswith("data:image/")
    for tag in ("header", "nav", "main", "footer"):
        assert len(outline.all(tag)) == 1, tag
    assert outline.all("html")[0].attrs.get("lang")
    ids = outline.ids()
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    for link in outline.all("a"):
        href = str(link.attrs.get("href", ""))
        if href.startswith("#"):
            assert href[1:] in ids, href
    lowered = page.lower()
    for needle in ('src="http', "<script", "@import", "url(http", "<link"):
        assert needle not in lowered


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("name", LESSONS)
def test_every_episode_renders_in_every_theme(kit, name: str, theme: str) -> None:
    """Each episode, alone, makes a well-formed accessible page in this theme."""
    for session in lesson(name):
        for audience in Audience:
            check_page(kit, kit.page(session, template_name=theme, audience=audience))


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("name", LESSONS)
def test_whole_lesson_merged_renders_with_a_working_toc(kit, name: str, theme: str) -> None:
    """A whole lesson merged into one page has one section per episode and working anchors."""
    sessions = lesson(name)
    page = kit.page(*sessions, title=name, template_name=theme)
    check_page(kit, page)
    outline = kit.outline(page)
    sections = [s for s in outline.all("section") if s.attrs.get("class") == "session"]
    assert len(sections) == len(sessions)
    nav_targets = {
        str(a.attrs["href"])[1:]
        for a in outline.all("a")
        if a.text in {session.title for session in sessions}
    }
    assert {str(s.attrs["id"]) for s in sections} <= nav_targets


def test_corpus_figures_are_embedded(kit) -> None:
    """The lesson figures (PNG and SVG) are embedded, none left out."""
    rendered = [kit.write(session) for session in lesson("shell-novice")]
    pages = "".join(r.data.decode() for r in rendered)
    assert "data:image/svg+xml;base64," in pages
    assert "data:image/png;base64," in pages
    assert not [w for r in rendered for w in r.warnings if "image" in w]
