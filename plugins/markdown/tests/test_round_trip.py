"""Round trip: reading the written Markdown gives back the tree the writer walked.

The comparison allows for what the writer documents: heading levels moved by one amount per
item, heading ids recomputed, image sources pointing at companion files, and raw HTML
written as its sanitized form (so HTML nodes compare by ``safe_html``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from functools import cache
from pathlib import Path

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from curator_export.demo import course_folder
from curator_export.document import (
    Block,
    BlockQuote,
    BulletList,
    Code,
    Div,
    Document,
    Emphasis,
    HardBreak,
    Heading,
    HtmlBlock,
    HtmlInline,
    Image,
    Inline,
    Link,
    ListItem,
    OrderedList,
    Paragraph,
    SoftBreak,
    Span,
    Strikethrough,
    Strong,
    Table,
    TableCell,
    Text,
    parse,
    walk,
)
from curator_export.model import Asset, Session
from curator_export.store.importers import read_source
from curator_export.testing import NO_CORPUS_REASON, find_corpus

ImageKey = Callable[[str], str]

CORPUS = find_corpus(Path(__file__))


def _inline(node: Inline, key: ImageKey, one_line: bool) -> Inline | None:
    match node:
        case HtmlInline(safe_html=safe):
            return HtmlInline("", safe) if safe else None
        case SoftBreak() | HardBreak() if one_line:
            return Text(" ")
        case Image():
            return attrs.evolve(node, src=key(node.src), children=_inlines(node.children, key))
        case Emphasis() | Strong() | Strikethrough() | Link() | Span():
            return attrs.evolve(node, children=_inlines(node.children, key, one_line))
    return node


def _inlines(nodes: Sequence[Inline], key: ImageKey, one_line: bool = False) -> tuple[Inline, ...]:
    result: list[Inline] = []
    for node in nodes:
        kept = _inline(node, key, one_line)
        if isinstance(kept, Text) and result and isinstance(result[-1], Text):
            result[-1] = Text(result[-1].text + kept.text)
        elif kept is not None:
            result.append(kept)
    return tuple(result)


def _cells(cells: Sequence[TableCell], key: ImageKey) -> tuple[TableCell, ...]:
    return tuple(TableCell(_inlines(cell.children, key, one_line=True)) for cell in cells)


def _block(block: Block, key: ImageKey, shift: int) -> Block | None:
    match block:
        case Heading():
            level = min(6, block.level + shift)
            return Heading(level, _inlines(block.children, key, one_line=True), "")
        case Paragraph():
            return Paragraph(_inlines(block.children, key))
        case BulletList() | OrderedList():
            items = tuple(
                ListItem(normalized(item.children, key, shift), item.checked)
                for item in block.items
            )
            return attrs.evolve(block, items=items)
        case Table():
            rows = tuple(_cells(row, key) for row in block.rows)
            return Table(_cells(block.header, key), rows, block.alignments)
        case BlockQuote() | Div():
            return attrs.evolve(block, children=normalized(block.children, key, shift))
        case HtmlBlock(safe_html=safe):
            return HtmlBlock("", safe.strip()) if safe.strip() else None
    return block


def normalized(blocks: Sequence[Block], key: ImageKey, shift: int = 0) -> tuple[Block, ...]:
    """Blocks as the writer promises to give them back (see the module docstring)."""
    return tuple(kept for block in blocks if (kept := _block(block, key, shift)) is not None)


def by_content(files: Mapping[str, bytes | Asset]) -> ImageKey:
    """Image sources keyed by what they show, so an asset and its companion compare equal."""

    def key(src: str) -> str:
        found = files.get(src)
        if found is None:
            return src
        data = found.data if isinstance(found, Asset) else found
        return "sha256:" + hashlib.sha256(data).hexdigest()

    return key


def shift_for(document: Document, section_level: int) -> int:
    levels = [node.level for node in walk(document) if isinstance(node, Heading)]
    return section_level + 1 - min(levels) if levels else 0


def assert_items_round_trip(md, session: Session) -> None:
    """Every item of ``session``, written alone, reads back as the item's own tree."""
    for item in session.items:
        source = parse(item.body)
        alone = attrs.evolve(session, items=(item,))
        rendered = md.write(alone, title=item.title)
        written = parse(rendered.data.decode("utf-8"))
        assert written.children[0] == Heading(1, (Text(item.title),), written.children[0].id)
        expected = normalized(source.children, by_content(session.assets), shift_for(source, 1))
        got = normalized(written.children[1:], by_content(rendered.companions))
        assert got == expected, f"{item.id} does not read back as written"


@cache
def lesson_sessions(lesson: str) -> dict[str, Session]:
    assert CORPUS is not None
    parsed = read_source(CORPUS / "carpentries" / lesson)
    return {str(session.metadata["episode"]): session for session in parsed.sessions}


def corpus_episodes() -> list[object]:
    if CORPUS is None:
        return [pytest.param(None, marks=pytest.mark.skip(reason=NO_CORPUS_REASON))]
    return [
        pytest.param(path, id=f"{path.parent.parent.name}/{path.stem}")
        for path in sorted(CORPUS.glob("carpentries/*/episodes/*.md"))
    ]


@pytest.mark.corpus
@pytest.mark.parametrize("episode", corpus_episodes())
def test_corpus_episode_items_read_back_as_written(md, episode: Path) -> None:
    """Each item of a Carpentries episode, exported alone, reads back as the same tree."""
    session = lesson_sessions(episode.parent.parent.name)[episode.name]
    assert_items_round_trip(md, session)


@pytest.mark.corpus
@pytest.mark.parametrize("episode", corpus_episodes())
def test_corpus_episode_reads_back_as_written(md, episode: Path) -> None:
    """A whole episode as one item (divs, code, tables, figures) reads back the same."""
    session = lesson_sessions(episode.parent.parent.name)[episode.name]
    body = parse(episode.read_text(encoding="utf-8"))
    item = attrs.evolve(session.items[0], title=session.title, body="")
    whole = attrs.evolve(session, items=(item,))
    rendered = md.write(md.parsed(whole, {item.id: body}))
    assert len(rendered.companions) == len({asset.sha256 for asset in session.assets.values()})
    written = parse(rendered.data.decode("utf-8"))
    expected = normalized(body.children, by_content(session.assets), shift_for(body, 1))
    assert normalized(written.children[1:], by_content(rendered.companions)) == expected


def demo_sessions() -> list[Session]:
    return list(read_source(Path(str(course_folder()))).sessions)


@pytest.mark.parametrize("session", demo_sessions(), ids=lambda session: session.id)
def test_demo_course_items_read_back_as_written(md, session: Session) -> None:
    """Each item of the demo course, exported alone, reads back as the same tree."""
    assert_items_round_trip(md, session)


def test_session_sections_read_back_as_their_items(md) -> None:
    """In a session's file, the content under each item heading is that item's tree."""
    for session in demo_sessions():
        rendered = md.write(session)
        written = parse(rendered.data.decode("utf-8")).children
        starts = [
            number
            for number, block in enumerate(written)
            if isinstance(block, Heading) and block.level == 2
        ]
        assert written[0] == Heading(1, (Text(session.title),), written[0].id)
        assert len(starts) == len(session.items)
        for item, start, end in zip(
            session.items, starts, [*starts[1:], len(written)], strict=True
        ):
            source = parse(item.body)
            assert written[start] == Heading(2, (Text(item.title),), written[start].id)
            expected = normalized(source.children, by_content(session.assets), shift_for(source, 2))
            got = normalized(written[start + 1 : end], by_content(rendered.companions))
            assert got == expected, item.id


# Any text reads back as itself: the escaping leaves nothing to chance.

TEXT = st.text(
    alphabet=st.one_of(
        st.characters(blacklist_categories=("Cs", "Cc")),
        st.sampled_from(list("\t*_`[]<>#&!|~{}\\-+=:.)(0123456789 $^@%;")),
    ),
    min_size=1,
    max_size=40,
)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])  # md is stateless
@given(text=TEXT)
def test_any_text_reads_back_as_itself(md, text: str) -> None:
    """Text of any characters, in a paragraph, a heading or a table cell, reads back as is."""
    document = Document(
        (
            Paragraph((Text(text),)),
            Heading(2, (Text(text),), ""),
            Table((TableCell((Text(text),)),), ((TableCell((Code(text),)),),), (None,)),
            Paragraph((Link("https://example.org/", (Text(text),), title=text),)),
        )
    )
    back = md.item_tree(document).children
    assert normalized(back, str) == normalized(document.children, str)
