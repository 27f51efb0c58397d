"""The document tree: what every format writer walks instead of re-parsing Markdown."""

from __future__ import annotations

import html
import pickle
import re
from collections import Counter
from functools import cache
from pathlib import Path
from textwrap import dedent
from typing import TypeVar
from urllib.parse import unquote

import attrs
import pytest

from curator_export.document import (
    Attr,
    Block,
    BlockQuote,
    BulletList,
    Code,
    CodeBlock,
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
    Node,
    OrderedList,
    Paragraph,
    SoftBreak,
    Span,
    Strikethrough,
    Strong,
    Table,
    TableCell,
    Text,
    ThematicBreak,
    parse,
    plain_text,
    sanitize_html,
    slugify,
    walk,
)
from curator_export.errors import DocumentError
from curator_export.testing import NO_CORPUS_REASON, find_corpus

# Helpers.


def only_block(markdown: str) -> Block:
    """The single block of a text that must parse to exactly one."""
    document = parse(markdown)
    assert len(document.children) == 1, document.children
    return document.children[0]


def inlines(markdown: str) -> tuple[Inline, ...]:
    """The inline content of a text that must parse to one paragraph."""
    block = only_block(markdown)
    assert isinstance(block, Paragraph), block
    return block.children


N = TypeVar("N")


def nodes_of(document: Node, kind: type[N]) -> list[N]:
    return [node for node in walk(document) if isinstance(node, kind)]


def divs(document: Document) -> list[Div]:
    return nodes_of(document, Div)


# Headings and paragraphs.


def test_heading_keeps_level_inline_children_and_slug_id() -> None:
    """An ATX or setext heading records its level, formatted text and a slug id."""
    document = parse("## Loading *data* into `numpy`\n\nSetext\n======\n")
    first, second = document.children
    assert first == Heading(
        2,
        (Text("Loading "), Emphasis((Text("data"),)), Text(" into "), Code("numpy")),
        "loading-data-into-numpy",
    )
    assert second == Heading(1, (Text("Setext"),), "setext")


def test_repeated_headings_get_unique_ids() -> None:
    """Two headings with the same text get distinct anchors, numbered as pandoc does."""
    document = parse("# Exercise\n\n## Exercise\n\n### Exercise\n\n# 1. Exercise!\n")
    assert [h.id for h in nodes_of(document, Heading)] == [
        "exercise",
        "exercise-1",
        "exercise-2",
        "exercise-3",
    ]


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("Data Type", "data-type"),
        ("What's `numpy.loadtxt`?", "whats-numpy.loadtxt"),
        ("2. Second  step", "second-step"),
        ("Überblick über Daten", "überblick-über-daten"),
        ("?!", "section"),
    ],
)
def test_slugify_follows_pandoc(text: str, slug: str) -> None:
    """Slugs are lowercase, hyphenated, start with a letter and keep non-ASCII letters."""
    assert slugify(text) == slug


def test_paragraph_inline_markup() -> None:
    """Emphasis, strong, strikethrough, code spans and both kinds of line break are nodes."""
    assert inlines("*a* **b** ~~c~~ `d`\ne  \nf\\\ng") == (
        Emphasis((Text("a"),)),
        Text(" "),
        Strong((Text("b"),)),
        Text(" "),
        Strikethrough((Text("c"),)),
        Text(" "),
        Code("d"),
        SoftBreak(),
        Text("e"),
        HardBreak(),
        Text("f"),
        HardBreak(),
        Text("g"),
    )


def test_escapes_and_entities_become_plain_text() -> None:
    """Backslash escapes and entities are decoded into one text run."""
    assert inlines(r"object\_name \*not emphasis\* &amp; &copy;") == (
        Text("object_name *not emphasis* & ©"),
    )


# Lists.


def test_bullet_list_items_and_tightness() -> None:
    """A bullet list holds items of blocks and says whether it is tight."""
    tight = only_block("- one\n- two *2*\n")
    loose = only_block("- one\n\n- two\n")
    assert tight == BulletList(
        (
            ListItem((Paragraph((Text("one"),)),)),
            ListItem((Paragraph((Text("two "), Emphasis((Text("2"),)))),)),
        ),
        tight=True,
    )
    assert isinstance(loose, BulletList)
    assert not loose.tight


def test_ordered_list_start_and_nested_list() -> None:
    """An ordered list keeps its start number, and items can hold nested lists and code."""
    block = only_block("3. three\n   - nested\n4. four\n\n   ```python\n   x = 1\n   ```\n")
    assert isinstance(block, OrderedList)
    assert block.start == 3
    assert not block.tight
    first, second = block.items
    assert first.children == (
        Paragraph((Text("three"),)),
        BulletList((ListItem((Paragraph((Text("nested"),)),)),), tight=True),
    )
    assert second.children[1] == CodeBlock("x = 1", "python", "python")


def test_task_list_items_record_checked_state() -> None:
    """GFM task markers become ``checked`` and leave the item's text."""
    block = only_block("- [ ] to do\n- [x] done *well*\n- [X] done\n- plain [ ] item\n")
    assert isinstance(block, BulletList)
    assert [item.checked for item in block.items] == [False, True, True, None]
    assert block.items[0].children == (Paragraph((Text("to do"),)),)
    assert block.items[1].children == (Paragraph((Text("done "), Emphasis((Text("well"),)))),)
    assert plain_text(block.items[3]) == "plain [ ] item"


# Tables.


def test_table_header_rows_alignments_and_inline_cells() -> None:
    """A GFM table keeps its header, body rows, inline markup in cells and alignments."""
    block = only_block(
        "| Action | Files | Folders |\n"
        "|:-------|:-----:|--------:|\n"
        "| *View* | `cat` | ls |\n"
        "| Delete | rm |\n"
    )
    assert isinstance(block, Table)
    assert block.alignments == ("left", "center", "right")
    assert [plain_text(cell) for cell in block.header] == ["Action", "Files", "Folders"]
    assert block.rows[0] == (
        TableCell((Emphasis((Text("View"),)),)),
        TableCell((Code("cat"),)),
        TableCell((Text("ls"),)),
    )
    # A short row is padded so that every row has one cell per column.
    assert block.rows[1] == (TableCell((Text("Delete"),)), TableCell((Text("rm"),)), TableCell(()))


def test_table_without_alignment_or_body() -> None:
    """Columns without a colon have no alignment, and a header-only table has no rows."""
    block = only_block("| a | b |\n|---|---|\n")
    assert block == Table(
        (TableCell((Text("a"),)), TableCell((Text("b"),))), rows=(), alignments=(None, None)
    )


# Code.


def test_fenced_code_language_info_and_text() -> None:
    """A fence records its language, its whole info string and its text without the last newline."""
    document = parse(
        "```python\nprint(1)\n```\n\n~~~ output  extra\n60 40\n~~~\n\n```{.bash}\nls\n```\n"
    )
    assert document.children == (
        CodeBlock("print(1)", "python", "python"),
        CodeBlock("60 40", "output", "output  extra"),
        CodeBlock("ls", "bash", "{.bash}"),
    )


def test_indented_code_block_has_no_language() -> None:
    """Indented code is a CodeBlock with empty language and info."""
    assert only_block("    $ ls -F\n    data/\n") == CodeBlock("$ ls -F\ndata/")


def test_html_lookalikes_in_code_stay_code() -> None:
    """``<class 'float'>`` and tracebacks in code are code text, never HTML nodes."""
    document = parse(
        "```output\n<class 'float'>\n<ipython-input-1-70bd89baa4df> in <module>()\n```\n\n"
        "The script writes `<species>.txt` and prints <class 'str'>.\n"
    )
    code, paragraph = document.children
    assert code == CodeBlock(
        "<class 'float'>\n<ipython-input-1-70bd89baa4df> in <module>()", "output", "output"
    )
    assert paragraph == Paragraph(
        (Text("The script writes "), Code("<species>.txt"), Text(" and prints <class 'str'>."))
    )
    assert not nodes_of(document, HtmlInline)


# Block quotes and breaks.


def test_block_quote_and_thematic_break() -> None:
    """Block quotes hold blocks; a thematic break is its own node."""
    document = parse("> quoted\n>\n> - item\n\n---\n")
    assert document.children == (
        BlockQuote(
            (
                Paragraph((Text("quoted"),)),
                BulletList((ListItem((Paragraph((Text("item"),)),)),), tight=True),
            )
        ),
        ThematicBreak(),
    )


def test_deep_nesting_keeps_its_text() -> None:
    """Thirty nested block quotes still hold their text (markdown-it would drop it)."""
    document = parse(">" * 30 + " deep text\n")
    assert plain_text(document) == "deep text"
    assert len(nodes_of(document, BlockQuote)) == 30


# Fenced divs.


def test_div_kind_and_block_children() -> None:
    """A Carpentries div records its kind and holds headings, lists and code."""
    div = only_block(
        "::::::::::::::::::::::::::::::::::::::: challenge\n"
        "\n"
        "## Sorting Output\n"
        "\n"
        "- first\n"
        "- second\n"
        "\n"
        "```bash\n"
        "$ sort -n lengths.txt\n"
        "```\n"
        "::::::::::::::::::::::::::::::::::::::::::::::::::\n"
    )
    assert div == Div(
        "challenge",
        (
            Heading(2, (Text("Sorting Output"),), "sorting-output"),
            BulletList(
                (
                    ListItem((Paragraph((Text("first"),)),)),
                    ListItem((Paragraph((Text("second"),)),)),
                ),
                tight=True,
            ),
            CodeBlock("$ sort -n lengths.txt", "bash", "bash"),
        ),
        Attr(classes=("challenge",)),
    )


@pytest.mark.parametrize(
    ("outer", "inner", "inner_close", "outer_close"),
    [
        (":::: ", "::: ", ":::", "::::"),  # tidy: shorter inside
        (":::::::::: ", ":::::: ", "::::::::::::::::::::", ":::"),  # closers longer, then shorter
        ("::: ", "::::::::: ", ":::", ":::::::::::::::::"),  # inner opener longer than outer
    ],
)
def test_nested_divs_close_innermost_whatever_the_fence_length(
    outer: str, inner: str, inner_close: str, outer_close: str
) -> None:
    """A bare colon fence closes the innermost open div, whatever its length (pandoc)."""
    document = parse(
        f"{outer}challenge\n\nQuestion?\n\n{inner}solution\n\nAnswer.\n\n"
        f"{inner_close}\n\nStill the challenge.\n\n{outer_close}\n\nAfter both.\n"
    )
    challenge, after = document.children
    assert isinstance(challenge, Div)
    assert challenge.kind == "challenge"
    question, solution, still = challenge.children
    assert solution == Div(
        "solution", (Paragraph((Text("Answer."),)),), Attr(classes=("solution",))
    )
    assert plain_text(question) == "Question?"
    assert plain_text(still) == "Still the challenge."
    assert after == Paragraph((Text("After both."),))
    assert document.warnings == ()


def test_div_fences_end_paragraphs_and_lists_without_blank_lines() -> None:
    """Fences need no blank line around them: they end the paragraph or list they follow."""
    document = parse("::: callout\nText\n- a\n- b\n:::\nAfter\n::: keypoints\n- c\n:::\n")
    callout, after, keypoints = document.children
    assert isinstance(callout, Div)
    assert [type(child) for child in callout.children] == [Paragraph, BulletList]
    assert after == Paragraph((Text("After"),))
    assert isinstance(keypoints, Div)
    assert plain_text(keypoints) == "c"


@pytest.mark.parametrize(
    ("fence", "attr"),
    [
        ("::: {.callout}", Attr(classes=("callout",))),
        (
            "::::: {#tip .callout .warning title=\"Mind the gap\" level='2'} :::::",
            Attr("tip", ("callout", "warning"), (("title", "Mind the gap"), ("level", "2"))),
        ),
        (":::  callout  :::", Attr(classes=("callout",))),
    ],
)
def test_div_attribute_syntax(fence: str, attr: Attr) -> None:
    """``{.class #id key=value}`` attributes and trailing colons are understood."""
    div = only_block(f"{fence}\nBody\n:::\n")
    assert div == Div("callout", (Paragraph((Text("Body"),)),), attr)


def test_div_without_class_has_empty_kind() -> None:
    """A div with only an id has kind "" and keeps the id."""
    div = only_block("::: {#anchor}\nBody\n:::\n")
    assert isinstance(div, Div)
    assert (div.kind, div.attr.id) == ("", "anchor")


def test_colon_lines_inside_code_fences_are_code() -> None:
    """Colon fences inside code fences (``` and ~~~, longer fences) are code, not divs."""
    document = parse(
        dedent(
            """\
            :::: challenge
            ```markdown
            ::: solution
            ```
            ~~~~
            :::
            ```
            :::
            ~~~~
            ::::
            after
            """
        )
    )
    challenge, after = document.children
    assert isinstance(challenge, Div)
    assert challenge.children == (
        CodeBlock("::: solution", "markdown", "markdown"),
        CodeBlock(":::\n```\n:::"),
    )
    assert after == Paragraph((Text("after"),))


def test_indented_colon_lines_are_code() -> None:
    """A colon line indented as code is code, and does not close the div around it."""
    document = parse("::: callout\n\n    :::\n\ntext\n:::\n")
    assert document.children == (
        Div("callout", (CodeBlock(":::"), Paragraph((Text("text"),))), Attr(classes=("callout",))),
    )


def test_unclosed_div_closes_at_end_of_document_with_a_warning() -> None:
    """An unclosed div keeps all the text to the end and is reported with file and line."""
    document = parse(
        "intro\n\n::: challenge\nquestion\n\n::: solution\nanswer\n:::\n\nmore text\n",
        source="ep.md",
    )
    intro, challenge = document.children
    assert plain_text(intro) == "intro"
    assert isinstance(challenge, Div)
    assert plain_text(challenge) == "question\n\nanswer\n\nmore text"
    assert [div.kind for div in divs(document)] == ["challenge", "solution"]
    assert len(document.warnings) == 1
    assert "ep.md:3" in document.warnings[0]
    assert "challenge" in document.warnings[0]


def test_stray_closing_fence_is_kept_as_text() -> None:
    """A closing fence with no open div is ordinary text, as in pandoc."""
    assert inlines("text\n:::") == (Text("text"), SoftBreak(), Text(":::"))


def test_invalid_div_opener_is_text() -> None:
    """Two words or broken attributes after the colons make a paragraph, not a div."""
    document = parse("::: two words\n\n::: {.unclosed\n")
    assert not divs(document)
    assert plain_text(document) == "::: two words\n\n::: {.unclosed"


def test_div_inside_list_item_and_block_quote() -> None:
    """Divs nest inside list items and block quotes and end with them."""
    document = parse(
        dedent(
            """\
            - item

              ::: callout
              inside
              :::
            - next

            > ::: spoiler
            > hidden
            > :::

            out
            """
        )
    )
    bullet, quote, out = document.children
    assert isinstance(bullet, BulletList)
    assert bullet.items[0].children[1] == Div(
        "callout", (Paragraph((Text("inside"),)),), Attr(classes=("callout",))
    )
    assert plain_text(bullet.items[1]) == "next"
    assert quote == BlockQuote(
        (Div("spoiler", (Paragraph((Text("hidden"),)),), Attr(classes=("spoiler",))),)
    )
    assert out == Paragraph((Text("out"),))


# Front matter.


def test_front_matter_is_parsed_and_removed_from_the_body() -> None:
    """YAML front matter becomes a mapping; the body starts after it."""
    document = parse("---\ntitle: Analyzing Patient Data\nteaching: 40\n---\n\n# Body\n")
    assert document.front_matter == {"title": "Analyzing Patient Data", "teaching": 40}
    assert [plain_text(block) for block in document.children] == ["Body"]


def test_missing_or_empty_front_matter_is_an_empty_mapping() -> None:
    """No front matter, or an empty one, gives {}; a byte-order mark does not hide it."""
    assert parse("text").front_matter == {}
    assert parse("---\n---\ntext").front_matter == {}
    assert parse("\ufeff---\ntitle: x\n---\n").front_matter == {"title": "x"}


def test_invalid_front_matter_raises_naming_source_and_line() -> None:
    """Broken YAML raises DocumentError naming the file and the line of the problem."""
    with pytest.raises(DocumentError, match=r"^ep\.md: front matter .*line 3"):
        parse("---\ntitle: x\nbad: [1, 2\n---\ntext\n", source="ep.md")


def test_front_matter_that_is_not_a_mapping_raises() -> None:
    """A YAML list as front matter is refused with a message saying what was found."""
    with pytest.raises(DocumentError, match=r"mapping.*not a list"):
        parse("---\n- a\n- b\n---\n")


# Links and images.


def test_image_alt_title_and_src() -> None:
    """An image keeps its source, title and alt text (the text of its label)."""
    assert inlines('![A *line* graph](fig/average.svg "Average")') == (
        Image(
            "fig/average.svg",
            (Text("A "), Emphasis((Text("line"),)), Text(" graph")),
            alt="A line graph",
            title="Average",
        ),
    )


def test_image_alt_from_pandoc_attribute() -> None:
    """A pandoc ``{alt='...'}`` after an image is its alt text, escapes decoded."""
    (image,) = inlines("![Shelves](fig/veg0.png){alt='veg\\[0\\] is the \"top\" row' width=50%}")
    assert image == Image(
        "fig/veg0.png",
        (Text("Shelves"),),
        alt='veg[0] is the "top" row',
        attr=Attr(pairs=(("width", "50%"),)),
    )


def test_link_with_title_and_attributes() -> None:
    """An inline link keeps href, title, formatted text and pandoc attributes."""
    assert inlines('[**NumPy**](https://numpy.org/doc/stable "NumPy Docs"){.external}') == (
        Link(
            "https://numpy.org/doc/stable",
            (Strong((Text("NumPy"),)),),
            "NumPy Docs",
            Attr(classes=("external",)),
        ),
    )


def test_reference_links_are_resolved() -> None:
    """Full, collapsed and shortcut reference links resolve to their definitions."""
    document = parse(
        "[abs][abs-function], [Options][] and [Arguments].\n\n"
        "[abs-function]: https://docs.python.org/3/library/functions.html#abs\n"
        '[Options]: https://example.org/options "Opts"\n'
        "[arguments]: https://example.org/args\n"
    )
    assert [(link.href, plain_text(link), link.title) for link in nodes_of(document, Link)] == [
        ("https://docs.python.org/3/library/functions.html#abs", "abs", ""),
        ("https://example.org/options", "Options", "Opts"),
        ("https://example.org/args", "Arguments", ""),
    ]


def test_autolink_is_a_link() -> None:
    """``<https://...>`` is a link whose text is the URL."""
    assert inlines("<https://carpentries.org/>") == (
        Link("https://carpentries.org/", (Text("https://carpentries.org/"),)),
    )


def test_javascript_url_never_becomes_a_link() -> None:
    """markdown-it refuses ``javascript:`` links; the text stays as plain text."""
    document = parse("[click](javascript:alert(1))")
    assert not nodes_of(document, Link)
    assert plain_text(document) == "[click](javascript:alert(1))"


def test_bracketed_span_keeps_text_and_attributes() -> None:
    """A pandoc span ``[term]{#id}`` (a glossary anchor) is a Span node."""
    assert inlines("[call stack]{#call-stack .term}: the stack") == (
        Span((Text("call stack"),), Attr("call-stack", ("term",))),
        Text(": the stack"),
    )


def test_brackets_before_text_braces_stay_text() -> None:
    """Brackets followed by a space or by non-attributes stay text."""
    assert inlines("[a] {b} [c]{not attributes}") == (Text("[a] {b} [c]{not attributes}"),)


# Raw HTML.


def test_script_block_is_removed_from_safe_html_but_kept_in_source() -> None:
    """A ``<script>`` block never reaches safe_html; its source is kept for the Markdown writer."""
    block = only_block("<script>alert('pwned')</script>\n")
    assert isinstance(block, HtmlBlock)
    assert block.source == "<script>alert('pwned')</script>\n"
    assert "script" not in block.safe_html
    assert "pwned" not in block.safe_html


def test_event_handlers_styles_and_iframes_are_removed() -> None:
    """``onerror``, ``style`` and ``<iframe>`` are stripped; allowed tags stay."""
    document = parse(
        '<img src="x.png" onerror="alert(1)" alt="x">\n\n'
        '<p style="color:red" onclick="x()">Hi <iframe src="https://evil.example"></iframe></p>\n'
    )
    image, paragraph = nodes_of(document, HtmlBlock)
    assert image.safe_html.strip() == '<img src="x.png" alt="x">'
    assert "onerror" in image.source
    assert paragraph.safe_html.strip() == "<p>Hi </p>"


def test_inline_html_tags_are_fragments_around_ordinary_text() -> None:
    """``<kbd>Tab</kbd>`` is two HtmlInline fragments around Text, each sanitized."""
    assert inlines("press <kbd>Tab</kbd> <span onmouseover='x()'>now</span>") == (
        Text("press "),
        HtmlInline("<kbd>", "<kbd>"),
        Text("Tab"),
        HtmlInline("</kbd>", "</kbd>"),
        Text(" "),
        HtmlInline("<span onmouseover='x()'>", "<span>"),
        Text("now"),
        HtmlInline("</span>", "</span>"),
    )


def test_html_element_split_across_blocks_keeps_its_nesting() -> None:
    """``<details>`` around Markdown stays open in its first block and closes in the last."""
    document = parse("<details>\n<summary>Answer</summary>\n\nIt is *42*.\n\n</details>\n")
    opening, answer, closing = document.children
    assert isinstance(opening, HtmlBlock)
    assert isinstance(closing, HtmlBlock)
    assert opening.safe_html == "<details>\n<summary>Answer</summary>\n"
    assert answer == Paragraph((Text("It is "), Emphasis((Text("42"),)), Text(".")))
    assert closing.safe_html == "</details>\n"


def test_sanitize_html_drops_disallowed_tags_and_their_scripts() -> None:
    """Disallowed tags go, their text stays, scripts and comments vanish entirely."""
    assert sanitize_html("<div><b>bold</b><script>x()</script><!-- note --></div>") == "<b>bold</b>"
    assert (
        sanitize_html('<a href="javascript:x()">link</a>')
        == '<a rel="noopener noreferrer">link</a>'
    )


def test_plain_text_of_raw_html_is_its_text() -> None:
    """plain_text of raw HTML gives the text between the tags, not the tags or scripts."""
    block = only_block("<p>Ctrl &amp; C<script>x()</script></p>\n")
    assert plain_text(block) == "Ctrl & C"


# Walking the tree.


def test_walk_yields_every_node_depth_first_in_document_order() -> None:
    """walk visits the root, then each subtree in order, including list items and cells."""
    document = parse("# T\n\n- a *b*\n\n| h |\n|---|\n| c |\n")
    kinds = [type(node).__name__ for node in walk(document)]
    assert kinds == [
        "Document",
        "Heading",
        "Text",
        "BulletList",
        "ListItem",
        "Paragraph",
        "Text",
        "Emphasis",
        "Text",
        "Table",
        "TableCell",
        "Text",
        "TableCell",
        "Text",
    ]


def test_plain_text_includes_code_alt_and_link_text() -> None:
    """plain_text joins text, code, image alt text and link text, blocks by blank lines."""
    document = parse(
        "Run `ls` on [the *data*](data/).\n\n![A plot](plot.png)\n\n```bash\nls -F\n```\n"
    )
    assert plain_text(document) == "Run ls on the data.\n\nA plot\n\nls -F"


def test_writers_can_match_on_nodes_positionally() -> None:
    """Node classes support positional ``match`` patterns, the way writers dispatch."""
    match only_block("### Step *one*"):
        case Heading(3, (Text(text), Emphasis((Text(emphasised),))), slug):
            assert (text, emphasised, slug) == ("Step ", "one", "step-one")
        case other:
            pytest.fail(f"unexpected {other!r}")


def test_nodes_are_frozen_and_picklable() -> None:
    """Trees cannot be changed by a writer, and cross process boundaries intact."""
    document = parse("---\ntitle: x\n---\n::: challenge\n![a](b.png){alt='c'}\n:::\n")
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        document.children[0].kind = "solution"  # type: ignore[misc,union-attr]
    assert pickle.loads(pickle.dumps(document)) == document


# The Carpentries corpus.

_LESSON_FILES = (
    "carpentries/*/episodes/*.md",
    "carpentries/*/instructors/*.md",
    "carpentries/*/learners/*.md",
    "carpentries/*/index.md",
)


CORPUS = find_corpus(Path(__file__))
CORPUS_FILES = sorted(
    {path for pattern in _LESSON_FILES for path in CORPUS.glob(pattern)} if CORPUS else ()
)


def corpus_files() -> list[object]:
    if CORPUS is None:
        return [pytest.param(None, id="no-corpus", marks=pytest.mark.skip(NO_CORPUS_REASON))]
    return [pytest.param(path, id=path.relative_to(CORPUS).as_posix()) for path in CORPUS_FILES]


# Underscores split words on both sides: `object\_name` in the source is `object_name` in the tree.
_WORD = re.compile(r"[^\W_]+")
_FRONT_MATTER = re.compile(r"\A---\n.*?\n(?:---|\.\.\.)[ \t]*\n", re.DOTALL)
_ORDERED_MARKER = re.compile(r"^([ \t>]*)\d{1,9}[.)](?=[ \t]|$)", re.MULTILINE)
_REFERENCE_LABEL = re.compile(r"^ {0,3}\[[^\]]+\]:|(?<=\])\[[^\]]+\]", re.MULTILINE)
_CODE_FENCE = re.compile(r"^[ \t>]*(`{3,}|~{3,})[ \t]*([^\s`{}]*)")
_DIV_OPENER = re.compile(r"^[ \t]*:{3,}[ \t]*(?:\{[^}]*?\.([\w-]+)[^}]*\}|([\w-]+))[ \t]*:*[ \t]*$")


@cache
def parsed(path: Path) -> tuple[str, Document]:
    """A lesson file's text and tree, parsed once for all the corpus tests."""
    markdown = path.read_text(encoding="utf-8")
    return markdown, parse(markdown, source=str(path))


def source_words(markdown: str) -> Counter[str]:
    """The words of a lesson file as written, without what Markdown defines as non-content."""
    text = _FRONT_MATTER.sub("", markdown, count=1)
    # The tree records an ordered list's start, not each item's number as typed.
    text = _ORDERED_MARKER.sub(r"\1", text)
    # Reference labels are resolved away; the URLs they stand for must still be in the tree.
    text = _REFERENCE_LABEL.sub("", text)
    return Counter(_WORD.findall(html.unescape(text)))


def _attr_texts(attr: Attr) -> list[str]:
    return [attr.id, *attr.classes, *(part for pair in attr.pairs for part in pair)]


def tree_words(document: Document) -> Counter[str]:
    """Every word the tree holds: text, code, URLs, titles, alt text, attributes, raw HTML."""
    parts: list[str] = []
    for node in walk(document):
        match node:
            case Text(text=text) | Code(text=text):
                parts.append(text)
            case CodeBlock():
                parts += [node.text, node.info]
            case Link():
                parts += [node.href, unquote(node.href), node.title, *_attr_texts(node.attr)]
            case Image():
                # "alt" is a field name in the tree and a word of `{alt='...'}` in the source.
                parts += [node.src, unquote(node.src), "alt", node.alt, node.title]
                parts += _attr_texts(node.attr)
            case Span():
                parts += _attr_texts(node.attr)
            case Div():
                parts += [node.kind, *_attr_texts(node.attr)]
            case HtmlBlock(source=source) | HtmlInline(source=source):
                parts.append(source)
    return Counter(_WORD.findall("\n".join(parts)))


def split_code_fences(markdown: str) -> tuple[list[str], Counter[str]]:
    """The lines outside fenced code, and the languages named by the code fences."""
    outside: list[str] = []
    languages: Counter[str] = Counter()
    fence = ""
    for line in markdown.splitlines():
        opener = _CODE_FENCE.match(line)
        if fence:
            closing = line.strip().lstrip(">").strip()
            if closing.startswith(fence) and set(closing) == {fence[0]}:
                fence = ""
        elif opener:
            fence = opener[1]
            languages[opener[2]] += bool(opener[2])
        else:
            outside.append(line)
    return outside, +languages


@pytest.mark.corpus
def test_corpus_has_lessons() -> None:
    """The corpus, when present, holds lesson files for the tests below to read."""
    if CORPUS is None:
        pytest.skip(NO_CORPUS_REASON)
    assert CORPUS_FILES, f"no lesson files matching {_LESSON_FILES} under {CORPUS}"


@pytest.mark.corpus
@pytest.mark.parametrize("path", corpus_files())
def test_corpus_text_is_all_in_the_tree(path: Path) -> None:
    """Nothing is dropped: every word of the source is somewhere in the tree."""
    markdown, document = parsed(path)
    missing = source_words(markdown) - tree_words(document)
    assert not missing, f"{path}: words missing from the tree: {dict(missing.most_common(30))}"


@pytest.mark.corpus
@pytest.mark.parametrize("path", corpus_files())
def test_corpus_divs_and_code_match_the_source(path: Path) -> None:
    """Every opening div fence is a Div of its kind, every code fence a CodeBlock, no warnings."""
    markdown, document = parsed(path)
    outside_code, fence_languages = split_code_fences(markdown)
    openers = Counter(
        match[1] or match[2] for line in outside_code if (match := _DIV_OPENER.match(line))
    )
    assert Counter(div.kind for div in divs(document)) == openers
    languages = Counter(block.language for block in nodes_of(document, CodeBlock))
    assert +Counter({k: v for k, v in languages.items() if k}) == fence_languages
    assert document.warnings == ()


def test_code_fence_after_a_list_marker_does_not_swallow_the_div_end() -> None:
    """A fence opened on a list item's line inside a div leaves the div's closing fence alone."""
    document = parse(":::: challenge\n\n- ```python\n  x = 1\n  ```\n\n::::\n\nAfter the div.\n")
    assert [type(block).__name__ for block in document.children] == ["Div", "Paragraph"]
    assert plain_text(document.children[1]) == "After the div."
    assert "x = 1" in plain_text(document.children[0])


def test_double_and_triple_hyphens_in_prose_are_dashes() -> None:
    """As pandoc reads lessons: --- an em dash, -- an en dash; code and escapes keep hyphens."""
    document = parse("weekend --- someone, pages 3--5, `--verbose`, \\-\\-x and ----\n")
    text = plain_text(document)
    assert "weekend \u2014 someone" in text
    assert "pages 3\u20135" in text
    assert "--verbose" in text
    assert "--x" in text
    assert "----" in text
