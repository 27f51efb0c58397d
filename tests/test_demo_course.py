"""The demo course shows off what exports must handle: every type, tables, code, images, quizzes."""

from __future__ import annotations

from pathlib import Path

import pytest

from curator_export.demo import create_demo
from curator_export.document import CodeBlock, Div, Image, Table, parse, walk
from curator_export.model import ContentType
from curator_export.store import SQLiteStore


@pytest.fixture(scope="module")
def demo_sessions(tmp_path_factory: pytest.TempPathFactory):
    demo = create_demo(tmp_path_factory.mktemp("demo") / "course")
    with SQLiteStore(demo.store_path) as store:
        return store.load_sessions([summary.id for summary in demo.sessions])


def test_demo_has_six_sessions_in_order(demo_sessions):
    """Six sessions, in course order, each with slides."""
    assert len(demo_sessions) == 6
    assert [session.id for session in demo_sessions] == sorted(s.id for s in demo_sessions)
    assert all(session.items_of(ContentType.SLIDES) for session in demo_sessions)


def test_demo_uses_every_content_type(demo_sessions):
    """All five content types occur, and two sessions have at least four."""
    types = {item.content_type for session in demo_sessions for item in session.items}
    assert types == set(ContentType)
    rich_sessions = [s for s in demo_sessions if len({i.content_type for i in s.items}) >= 4]
    assert len(rich_sessions) >= 2


def test_demo_has_tables_code_images_and_quizzes(demo_sessions):
    """The content has a table, code with a language, an image with alt text, and solutions."""
    nodes = [
        node
        for session in demo_sessions
        for item in session.items
        for node in walk(parse(item.body, source=item.id))
    ]
    assert any(isinstance(node, Table) for node in nodes)
    assert {node.language for node in nodes if isinstance(node, CodeBlock)} >= {"python", "bash"}
    images = [node for node in nodes if isinstance(node, Image)]
    assert images
    assert all(image.alt.strip() for image in images)
    kinds = {node.kind for node in nodes if isinstance(node, Div)}
    assert {"challenge", "solution", "objectives", "keypoints"} <= kinds


def test_demo_images_are_stored_with_their_sessions(demo_sessions):
    """Every image the demo refers to is in the store, as real PNG or SVG data."""
    for session in demo_sessions:
        for item in session.items:
            for node in walk(parse(item.body)):
                if isinstance(node, Image):
                    asset = session.assets[node.src]
                    assert asset.data.startswith((b"\x89PNG\r\n", b"<svg", b"<?xml"))
                    assert Path(node.src).suffix in (".png", ".svg")
