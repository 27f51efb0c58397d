"""The Markdown writer: structure, front matter, escaping, blocks, images and hostile content."""

from __future__ import annotations

import base64
import hashlib
import re
from datetime import UTC, datetime

import pytest
from markdown_it import MarkdownIt

from curator_export.document import (
    Attr,
    BulletList,
    Code,
    CodeBlock,
    Div,
    Document,
    Emphasis,
    Heading,
    Image,
    Link,
    ListItem,
    OrderedList,
    Paragraph,
    Span,
    Strong,
    Table,
    TableCell,
    Text,
    parse,
    plain_text,
    walk,
)
from curator_export.model import Audience, ContentType

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(64))
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>'


def headings(text: str) -> list[tuple[int, str]]:
    return [
        (node.level, plain_text(node)) for node in walk(parse(text)) if isinstance(node, Heading)
    ]


def images(text: str) -> list[Image]:
    return [node for node in walk(parse(text)) if isinstance(node, Image)]


# Structure.


def test_single_session_has_one_title_and_a_section_per_item(md) -> None:
    """A session's file has one `#` title and a `##` section per item, their headings below."""
    session = md.session(
        ("Slides", "## Intro\n\ntext\n\n### Detail\n\nmore"),
        ("Quiz", "## Question 1\n\nWhy?"),
        title="Lesson 1",
    )
    assert headings(md.text(session)) == [
        (1, "Lesson 1"),
        (2, "Slides"),
        (3, "Intro"),
        (4, "Detail"),
        (2, "Quiz"),
        (3, "Question 1"),
    ]


def test_sole_item_titled_like_its_session_gets_no_extra_heading(md) -> None:
    """An item that is the whole session does not repeat the session's title."""
    session = md.session(("Lesson 1", "## Intro\n\ntext"), title="Lesson 1")
    assert headings(md.text(session)) == [(1, "Lesson 1"), (2, "Intro")]


def test_item_headings_move_up_to_avoid_skipped_levels(md) -> None:
    """Headings that start deep are moved up under their section, keeping their order."""
    session = md.session(("Lesson", "#### Deep\n\n###### Deeper"), title="Lesson")
    assert headings(md.text(session)) == [(1, "Lesson"), (2, "Deep"), (4, "Deeper")]


def test_item_headings_never_go_past_level_six(md) -> None:
    """Moving headings down caps them at level 6."""
    first = md.session(("Slides", "# One\n\n##### Five"), ("Quiz", "text"), session_id="a")
    second = md.session(("Quiz", "text"), session_id="b")
    assert headings(md.text(first, second, title="Course"))[2:5] == [
        (3, "Slides"),
        (4, "One"),
        (6, "Five"),
    ]


def test_merged_file_has_one_title_and_a_section_per_session(md) -> None:
    """Merged sessions are `##` sections of one `#` title, their items `###` below them."""
    first = md.session(("Slides", "# Start\n\ntext"), ("Quiz", "q"), title="Day 1", session_id="a")
    second = md.session(("Day 2", "## Only\n\ntext"), title="Day 2", session_id="b")
    text = md.text(first, second, title="Course")
    assert headings(text) == [
        (1, "Course"),
        (2, "Day 1"),
        (3, "Slides"),
        (4, "Start"),
        (3, "Quiz"),
        (2, "Day 2"),
        (3, "Only"),
    ]
    assert re.findall(r"(?m)^# ", text) == ["# "]


def test_front_matter_holds_title_and_metadata_when_asked(md) -> None:
    """With include_metadata the file opens with YAML front matter a reader gets back."""
    created = datetime(2024, 5, 1, 12, 30, tzinfo=UTC)
    metadata = {
        "generator": "curator-export",
        "version": "0.1.0",
        "created": created,
        "job_id": "job-1",
        "session_ids": ("s1",),
        "content_types": (ContentType.SLIDES, ContentType.QUIZ),
        "audience": Audience.STUDENT,
    }
    text = md.text(md.session(("Session", "text")), include_metadata=True, metadata=metadata)
    assert text.startswith("---\n")
    assert parse(text).front_matter == {
        "title": "Session",
        "generator": "curator-export",
        "version": "0.1.0",
        "created": created,
        "job_id": "job-1",
        "session_ids": ["s1"],
        "content_types": ["slides", "quiz"],
        "audience": "student",
    }


def test_no_front_matter_without_include_metadata(md) -> None:
    """Without include_metadata the file starts with its title and has no front matter."""
    text = md.text(md.session(("Session", "text")), metadata={"generator": "x"})
    assert text.startswith("# Session\n")
    assert parse(text).front_matter == {}


def test_front_matter_cannot_be_broken_by_a_title(md) -> None:
    """A title with YAML syntax or a `---` line stays a string in the front matter."""
    title = "---\nkey: value\n..."
    text = md.text(md.session(("Session", "text")), title=title, include_metadata=True)
    assert parse(text).front_matter == {"title": title}


def test_output_is_utf8_ending_with_exactly_one_newline(md) -> None:
    """The file is valid UTF-8 (non-ASCII kept) and ends with a single newline."""
    data = md.write(md.session(("Session", "Zürich 中文\n\n```\ncode\n\n\n```\n\n\n"))).data
    text = data.decode("utf-8")
    assert "Zürich 中文" in text
    assert text.endswith("\n")
    assert not text.endswith("\n\n")


def test_invalid_characters_never_make_invalid_utf8(md) -> None:
    """A lone surrogate (a broken store) is replaced, with a warning, not written as is."""
    rendered = md.write(md.session(("Session", "text")), title="bad \ud800 title")
    assert rendered.data.decode("utf-8").startswith("# bad ? title")
    assert rendered.warnings


def test_empty_session_is_just_its_title(md) -> None:
    """A session without items gives a file holding only its title."""
    assert md.text(md.session()) == "# Session\n"


# Escaping: text reads back as the same text.


@pytest.mark.parametrize(
    "text",
    [
        "*not emphasis* and **not strong**",
        "_not emphasis_ but snake_case_name",
        "`not code`",
        "[not a link](http://example.com) ![not an image](x.png)",
        "<b>not html</b> <http://not.an.autolink>",
        "# not a heading",
        "> not a quote",
        "- not a list",
        "+ not a list",
        "1. not a list",
        "2) not a list",
        "| not | a table |",
        "--- not a break",
        "===",
        "::: not a div",
        "&amp; is not an entity, nor &#35;",
        "\\* a backslash before a star, and C:\\Users\\nelle",
        "~~not struck~~ and ~not sub~",
        "$not math$ ^not super^ @not_a_citation",
        "{#not .attributes}",
        "% not a MyST comment",
        "ends with a backslash \\",
        "x < 5 and y > 3",
    ],
)
def test_special_characters_in_text_read_back_as_text(md, text: str) -> None:
    """Markdown syntax inside text is escaped, so the reader sees the very same text."""
    document = Document((Paragraph((Text(text),)),))
    assert md.item_tree(document).children == document.children


def test_title_with_markdown_syntax_is_written_literally(md) -> None:
    """A title holding Markdown syntax renders literally: no emphasis, link or extra heading."""
    title = "# **x** [y](z)"
    text = md.text(md.session(("Item", "body"), title=title))
    heading = parse(text).children[0]
    assert heading == Heading(1, (Text(title),), heading.id)


def test_template_like_title_stays_literal(md) -> None:
    """A title like `{{7*7}}` is neither evaluated nor readable as a template expression."""
    text = md.text(md.session(("Item", "body"), title="{{7*7}}"))
    assert headings(text)[0] == (1, "{{7*7}}")
    assert "{{" not in text


def test_heading_ending_with_hashes_keeps_them(md) -> None:
    """Hashes at the end of a heading are text, not a closing sequence."""
    text = md.text(md.session(("Item", "body"), title="C# and F #"))
    assert headings(text)[0] == (1, "C# and F #")


def test_code_span_uses_enough_backticks(md) -> None:
    """A code span holding backticks is fenced by a longer run and reads back exactly."""
    document = Document((Paragraph((Code("a `` b ` c"), Text(" and "), Code("`edge`"))),))
    assert md.item_tree(document).children == document.children


def test_code_block_fence_is_longer_than_any_backtick_run(md) -> None:
    """Fenced code holding a fence keeps its text and info string."""
    block = CodeBlock("```python\nprint(1)\n```", "markdown", "markdown {.numberLines}")
    text = md.text(md.parsed(md.session(("Session", "")), {"s1/1": Document((block,))}))
    assert "````markdown {.numberLines}\n```python" in text
    assert parse(text).children[1:] == (block,)


# Blocks.


def test_lists_keep_start_tightness_and_nesting(md) -> None:
    """Ordered list starts, tight and loose lists and nested blocks read back the same."""
    body = (
        "3. first\n4. second\n\n"
        "- loose item\n\n  with a second paragraph\n\n- another\n\n"
        "1. code inside:\n\n   ```python\n   x = 1\n   ```\n   - nested\n     - deeper\n"
    )
    source = parse(body)
    assert md.item_tree(body).children == source.children
    assert isinstance(source.children[0], OrderedList)
    assert source.children[0].start == 3
    assert isinstance(source.children[1], BulletList)
    assert not source.children[1].tight


def test_adjacent_lists_stay_separate(md) -> None:
    """Two lists in a row get different markers, so they do not merge into one."""

    def item(text: str) -> ListItem:
        return ListItem((Paragraph((Text(text),)),))

    document = Document(
        (
            BulletList(items=(item("a"),)),
            BulletList(items=(item("b"),)),
            OrderedList(items=(item("c"),)),
            OrderedList(items=(item("d"),), start=5),
        )
    )
    assert md.item_tree(document).children == document.children


def test_list_item_opening_with_a_fence_inside_a_div_reads_back(md) -> None:
    """In a div, a list item opening with code or a div keeps the div's end where it is."""
    code = ListItem((CodeBlock("x = 1", "python", "python"),))
    nested = ListItem((Div("solution", (Paragraph((Text("s"),)),), Attr(classes=("solution",))),))
    challenge = Div("challenge", (BulletList((code, nested)),), Attr(classes=("challenge",)))
    document = Document((challenge, Paragraph((Text("after"),))))
    assert md.item_tree(document).children == document.children


def test_task_list_items_keep_their_checkboxes(md) -> None:
    """Checked and unchecked task items read back as such."""
    body = "- [x] done\n- [ ] to do\n"
    assert md.item_tree(body).children == parse(body).children


def test_tables_keep_alignment_and_escape_pipes(md) -> None:
    """GFM tables keep their alignments; pipes in text and code stay inside their cell."""
    table = Table(
        header=(TableCell((Text("left"),)), TableCell((Text("centre"),)), TableCell(())),
        rows=((TableCell((Text("a|b"),)), TableCell((Code("x | y"),)), TableCell((Text("\\"),))),),
        alignments=("left", "center", "right"),
    )
    text = md.text(md.parsed(md.session(("Session", "")), {"s1/1": Document((table,))}))
    assert text.splitlines()[2:] == [
        "| left | centre   |     |",
        "| :--- | :------: | --: |",
        "| a\\|b | `x \\| y` | \\\\  |",
    ]
    assert parse(text).children[1:] == (table,)


def test_nested_divs_use_longer_outer_fences(md) -> None:
    """A solution inside a challenge is written `:::: challenge` around `::: solution`."""
    body = (
        ":::::::: challenge\n\n## Try\n\nDo it.\n\n"
        "::: solution\n\nDone.\n\n:::\n\n::::::::\n\n"
        "::: {#note-1 .callout data-x='a \"b\"'}\n\nNote.\n\n:::\n"
    )
    text = md.item_text(body)
    lines = text.splitlines()
    assert ":::: challenge" in lines
    assert "::: solution" in lines
    assert '::: {#note-1 .callout data-x="a \\"b\\""}' in lines
    assert lines.index("::::") > lines.index(":::")
    assert md.item_tree(body).children == parse(body).children


def test_spans_links_and_image_attributes_read_back(md) -> None:
    """Bracketed spans, link titles and image attributes (pandoc alt text) survive."""
    body = (
        'A [term]{#t .glossary} and [a link](https://example.org/a_(b) "the \\"title\\"")'
        "{.external} and ![](https://example.org/fig.svg){alt='a figure' width=50%}"
        " and <https://example.org/auto>.\n"
    )
    assert md.item_tree(body).children == parse(body).children
    image = images(md.item_text(body))[0]
    assert image.alt == "a figure"
    assert image.attr == Attr(pairs=(("width", "50%"),))


def test_autolinks_stay_autolinks(md) -> None:
    """A bare URL link is written `<url>`, as people write it."""
    assert "<https://example.org/x>" in md.item_text("See <https://example.org/x>.")


def test_emphasis_nested_at_its_edges_reads_back(md) -> None:
    """Emphasis and strong emphasis nested at their edges or inside words read back."""
    for body in ("***both***", "**strong *em***", "*em **strong***", "in*side*word", "a**b**c"):
        assert md.item_tree(body).children == parse(body).children, body


def test_unwritable_emphasis_falls_back_to_html_tags(md) -> None:
    """Emphasis no delimiter can express (inside a word next to punctuation) becomes `<em>`."""
    document = Document((Paragraph((Text("a"), Emphasis((Text('"b"'),)), Text("c"))),))
    text = md.text(md.parsed(md.session(("Session", "")), {"s1/1": document}))
    assert 'a<em>"b"</em>c' in text


def test_constructed_trees_with_odd_shapes_still_read_back(md) -> None:
    """Breaks at edges, space at line ends and nested links give sound Markdown."""
    document = Document(
        (
            Paragraph((Text("  lead"), Text(" and trail  "))),
            Heading(
                2, (Link("https://a.example", (Link("https://b.example", (Text("x"),)),)),), ""
            ),
            Paragraph(
                (Strong((Emphasis((Text("x"),)),)), Span((Text("s"),), Attr(classes=("c",))))
            ),
        )
    )
    back = md.item_tree(document).children
    assert back[0] == Paragraph((Text("  lead and trail  "),))
    assert back[1] == Heading(2, (Link("https://a.example", (Text("x"),)),), back[1].id)
    assert back[2] == document.children[2]


# Raw HTML and links: hostile content stays inert.


def test_script_in_raw_html_never_appears(md) -> None:
    """Script tags and event handlers in raw HTML are not written, only sanitized HTML."""
    body = (
        "<script>alert(1)</script>\n\n"
        'Text <script>alert(2)</script> and <img src="x.png" onerror="alert(3)"> and'
        ' <kbd>Tab</kbd>.\n\n<div onclick="alert(4)">\n<p>kept</p>\n</div>\n'
    )
    text = md.item_text(body)
    assert "<script" not in text.lower()
    assert "onerror" not in text
    assert "onclick" not in text
    assert "<kbd>Tab</kbd>" in text
    assert "<p>kept</p>" in text


def test_text_never_writes_a_tag(md) -> None:
    """Text that looks like a tag (from `&lt;script&gt;`) is written as an entity, not `<`."""
    text = md.item_text("&lt;script&gt;alert(1)&lt;/script&gt;")
    assert "<script" not in text
    assert plain_text(parse(text).children[1]) == "<script>alert(1)</script>"


def test_dropped_html_between_texts_cannot_join_them_into_a_tag(md) -> None:
    """Text split by removed HTML is escaped as a whole, so no tag forms where it joins."""
    text = md.item_text("a &lt;<script></script>img src=x onerror=alert(1)>")
    rendered = MarkdownIt("commonmark").render(text)
    assert "<img" not in rendered


def test_javascript_links_stay_inert(md) -> None:
    """`javascript:` links never become links, written by an author or built in a tree."""
    body = "[click](javascript:alert(1)) <javascript:alert(2)> [x](JAVASCRIPT:alert(3))"
    text = md.item_text(body)
    rendered = MarkdownIt("commonmark").render(text).lower()
    assert 'href="javascript' not in rendered
    document = Document((Paragraph((Link("javascript:alert(4)", (Text("click me"),)),)),))
    written = md.write(md.parsed(md.session(("Session", "")), {"s1/1": document}))
    assert parse(written.data.decode()).children[1] == Paragraph((Text("click me"),))
    assert "javascript" not in written.data.decode()
    assert any("javascript:alert(4)" in warning for warning in written.warnings)


def test_html_block_that_sanitizing_unwraps_becomes_escaped_text(md) -> None:
    """An HTML block left without tags by the sanitizer is written as text, not Markdown."""
    text = md.item_text('<div class="x">\n*not* [markdown](javascript:x)\n</div>\n')
    assert parse(text).children[1] == Paragraph((Text("*not* [markdown](javascript:x)"),))


# Images.


def test_asset_images_become_companions_named_by_hash(md) -> None:
    """Session images are copied to `assets/<stem>-<hash><ext>` with identical bytes."""
    session = md.session(
        ("Session", "![Files](<fig/file system.png>)\n\n![](fig/diagram.svg){alt='A diagram'}"),
        assets=[
            md.asset("fig/file system.png", PNG),
            md.asset("fig/diagram.svg", SVG, "image/svg+xml"),
        ],
    )
    rendered = md.write(session)
    png = f"assets/file-system-{hashlib.sha256(PNG).hexdigest()[:8]}.png"
    svg = f"assets/diagram-{hashlib.sha256(SVG).hexdigest()[:8]}.svg"
    assert dict(rendered.companions) == {png: PNG, svg: SVG}
    written = images(rendered.data.decode())
    assert [image.src for image in written] == [png, svg]
    assert [image.alt for image in written] == ["Files", "A diagram"]
    assert rendered.warnings == ()


def test_image_used_twice_is_one_companion(md) -> None:
    """The same image referenced twice is copied once."""
    session = md.session(
        ("Session", "![a](fig/x.png) and ![b](fig/x.png)"), assets=[md.asset("fig/x.png", PNG)]
    )
    rendered = md.write(session)
    assert len(rendered.companions) == 1


def test_merged_sessions_each_use_their_own_images(md) -> None:
    """Two sessions with the same image path but different files keep both images."""
    other = PNG + b"other"
    first = md.session(("A", "![](fig/x.png)"), session_id="a", assets=[md.asset("fig/x.png", PNG)])
    second = md.session(
        ("B", "![](fig/x.png)"), session_id="b", assets=[md.asset("fig/x.png", other)]
    )
    rendered = md.write(first, second, title="Course")
    sources = [image.src for image in images(rendered.data.decode())]
    assert [rendered.companions[src] for src in sources] == [PNG, other]


def test_remote_images_stay_links(md) -> None:
    """An image on the web stays a link to the web, with no companion and no warning."""
    rendered = md.write(md.session(("Session", "![logo](https://example.org/logo.png)")))
    assert [image.src for image in images(rendered.data.decode())] == [
        "https://example.org/logo.png"
    ]
    assert rendered.companions == {}
    assert rendered.warnings == ()


@pytest.mark.parametrize(
    "src", ["/Users/nelle/secret.png", "file:///home/nelle/secret.png", "C:\\nelle\\secret.png"]
)
def test_local_image_paths_never_leak(md, src: str) -> None:
    """Absolute paths and file: URLs are written as the image's alt text, with a warning."""
    document = Document((Paragraph((Image(src, (Text("Secret"),), "Secret"),)),))
    rendered = md.write(md.parsed(md.session(("Session", "")), {"s1/1": document}))
    text = rendered.data.decode()
    assert "secret.png" not in text
    assert "nelle" not in text
    assert parse(text).children[1] == Paragraph((Text("Secret"),))
    assert any("secret.png" in warning for warning in rendered.warnings)


def test_relative_image_that_is_no_asset_is_kept_with_a_warning(md) -> None:
    """A relative image the store does not hold is kept as written, and reported."""
    rendered = md.write(md.session(("Session", "![gone](fig/missing.png)")))
    assert [image.src for image in images(rendered.data.decode())] == ["fig/missing.png"]
    assert any("fig/missing.png" in warning for warning in rendered.warnings)


def test_raw_html_images_are_handled_like_markdown_images(md) -> None:
    """An `<img>` of the session is copied too; one with a local absolute path is dropped."""
    body = '<img src="fig/x.png" alt="X"> and <img src="/Users/nelle/secret.png" alt="S">'
    session = md.session(("Session", body), assets=[md.asset("fig/x.png", PNG)])
    rendered = md.write(session)
    (name,) = rendered.companions
    text = rendered.data.decode()
    assert f'<img src="{name}" alt="X">' in text
    assert "nelle" not in text
    assert any("secret.png" in warning for warning in rendered.warnings)


def test_single_file_template_embeds_images(md) -> None:
    """With the `single-file` template images are embedded as data URIs, without companions."""
    session = md.session(("Session", "![Files](fig/x.png)"), assets=[md.asset("fig/x.png", PNG)])
    rendered = md.write(session, template_name="single-file")
    assert rendered.companions == {}
    (image,) = images(rendered.data.decode())
    prefix = "data:image/png;base64,"
    assert image.src.startswith(prefix)
    assert base64.b64decode(image.src.removeprefix(prefix)) == PNG
