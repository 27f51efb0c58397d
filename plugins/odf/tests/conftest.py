"""A kit for the OpenDocument writers' tests: requests, packages read back with zipfile and
ElementTree, and the shared corpus rendered once per test session."""

from __future__ import annotations

import io
import multiprocessing
import os
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import attrs
import pytest

from curator_export.model import BrandColors, BrandFonts, Branding, ContentType, Session
from curator_export.render import ParsedSession, Rendered, RenderRequest
from curator_export.store.importers import read_source
from curator_export.testing import NO_CORPUS_REASON, RequestKit, find_corpus
from curator_export_odf import write_odp, write_odt

NS = {
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "style": "urn:oasis:names:tc:opendocument:xmlns:style:1.0",
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
    "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
    "draw": "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0",
    "fo": "urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0",
    "xlink": "http://www.w3.org/1999/xlink",
    "dc": "http://purl.org/dc/elements/1.1/",
    "meta": "urn:oasis:names:tc:opendocument:xmlns:meta:1.0",
    "svg": "urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0",
    "presentation": "urn:oasis:names:tc:opendocument:xmlns:presentation:1.0",
    "manifest": "urn:oasis:names:tc:opendocument:xmlns:manifest:1.0",
}


def q(name: str) -> str:
    """``{namespace}local`` for ``prefix:local``."""
    prefix, local = name.split(":")
    return f"{{{NS[prefix]}}}{local}"


def text_of(element: ElementTree.Element) -> str:
    """The text of an element as a reader sees it: ``text:s`` as spaces, tabs and line
    breaks as white space, frames' titles and descriptions left out."""
    parts: list[str] = []
    tail, element.tail = element.tail, None

    def visit(node: ElementTree.Element) -> None:
        if node.tag in (q("svg:title"), q("svg:desc")):
            parts.append(node.tail or "")
            return
        if node.tag == q("text:s"):
            parts.append(" " * int(node.get(q("text:c"), "1")))
        elif node.tag == q("text:tab"):
            parts.append("\t")
        elif node.tag == q("text:line-break"):
            parts.append("\n")
        else:
            parts.append(node.text or "")
            for child in node:
                visit(child)
            if node.tag in (q("text:p"), q("text:h")):
                parts.append("\n")
        parts.append(node.tail or "")

    visit(element)
    element.tail = tail
    return "".join(parts)


def normalized(text: str) -> str:
    return " ".join(text.split())


class Package:
    """An ODF package read back: its zip entries and parsed XML parts."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.zip = zipfile.ZipFile(io.BytesIO(data))
        self.content = self.xml("content.xml")
        self.styles = self.xml("styles.xml")
        self.meta = self.xml("meta.xml")
        self.manifest = self.xml("META-INF/manifest.xml")

    def xml(self, name: str) -> ElementTree.Element:
        return ElementTree.fromstring(self.zip.read(name))

    @property
    def body(self) -> ElementTree.Element:
        body = self.content.find("office:body", NS)
        assert body is not None
        return body[0]

    def headings(self) -> list[tuple[int, str]]:
        return [
            (int(h.get(q("text:outline-level"), "0")), normalized(text_of(h)))
            for h in self.body.iter(q("text:h"))
        ]

    def text(self) -> str:
        return normalized(text_of(self.body))

    def images(self, root: ElementTree.Element | None = None) -> list[dict[str, str]]:
        """Every image frame: href, title, desc, width and height."""
        found = []
        for frame in (root if root is not None else self.body).iter(q("draw:frame")):
            image = frame.find("draw:image", NS)
            if image is None:
                continue
            title, desc = frame.find("svg:title", NS), frame.find("svg:desc", NS)
            found.append(
                {
                    "href": image.get(q("xlink:href"), ""),
                    "title": title.text or "" if title is not None else "",
                    "desc": desc.text or "" if desc is not None else "",
                    "width": frame.get(q("svg:width"), ""),
                    "height": frame.get(q("svg:height"), ""),
                }
            )
        return found

    def style(self, name: str, family: str | None = None) -> ElementTree.Element:
        """A style by name, from styles.xml or the automatic styles of content.xml."""
        for root in (self.styles, self.content):
            for element in root.iter(q("style:style")):
                if element.get(q("style:name")) == name and (
                    family is None or element.get(q("style:family")) == family
                ):
                    return element
        raise KeyError(name)

    def properties(self, name: str, kind: str = "text") -> dict[str, str]:
        """The ``style:<kind>-properties`` of a style, with its parents' underneath."""
        element = self.style(name)
        parent = element.get(q("style:parent-style-name"))
        props = self.properties(parent, kind) if parent else {}
        found = element.find(f"style:{kind}-properties", NS)
        if found is not None:
            props |= {key.split("}")[1] if "}" in key else key: v for key, v in found.items()}
        return props

    # Presentations.

    def slides(self) -> list[ElementTree.Element]:
        return list(self.body.iter(q("draw:page")))

    def slide_title(self, slide: ElementTree.Element) -> str:
        for frame in slide.findall("draw:frame", NS):
            if frame.get(q("presentation:class")) == "title":
                return normalized(text_of(frame))
        return ""

    def slide_text(self, slide: ElementTree.Element) -> str:
        """The text shown on a slide (its notes page left out)."""
        return normalized(
            " ".join(text_of(shape) for shape in slide if shape.tag != q("presentation:notes"))
        )

    def notes(self, slide: ElementTree.Element) -> str:
        notes = slide.find("presentation:notes", NS)
        return normalized(text_of(notes)) if notes is not None else ""


def png(width: int, height: int, rgb: tuple[int, int, int] = (200, 30, 60)) -> bytes:
    """A small solid PNG, made without an imaging library."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" + bytes(rgb) * width
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


SVG = (
    b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="120mm" '
    b'height="60mm" viewBox="0 0 120 60"><rect width="120" height="60" fill="#1e3a8a"/></svg>'
)


# Content that exercises every node of the document tree.

KITCHEN_SINK = """\
## First section

A paragraph with *emphasis*, **strong**, `code  with  spaces`, ~~struck~~ and a
[link](https://example.org "Example") and a [relative link](../other.html) and
an [anchor](#second-section) and <kbd>Ctrl</kbd>+<kbd>C</kbd>.\\
After a hard break.

- one
- two
  - two a
  - two b
- [x] done
- [ ] not done

3. three
4. four

| Left | Centre | Right |
|:-----|:------:|------:|
| a    | b      | c     |
| *d*  | `e`    | f     |

```python
def f(x):
	return  x  # tab and spaces
```

```output
result
```

```error
Traceback
```

> A quotation
> over two lines.

---

::: challenge
## A challenge

Do the thing.

::: solution
The answer.
:::
:::

::: instructor
A note for instructors only.
:::

::: callout
- a list in a callout

| x | y |
|---|---|
| 1 | 2 |
:::

1. A list item holding a table:

   | p | q |
   |---|---|
   | 3 | 4 |

   ::: hint
   A hint in a list.
   :::

![A figure](fig/figure.png)

![](fig/drawing.svg){alt='A drawing with alt text'}

![Missing figure](fig/missing.png)

<p>Raw <b>HTML</b> block</p>

## Second section

#### Skipped a level

Text [with a span]{#glossary-term}.
"""

NOTES = """\
General remarks before any heading.

## First section

Say this on the first section's slide.
"""

QUIZ = """\
::: challenge
## Question one

What is 2 + 2?

::: solution
Four.
:::
:::
"""

BRAND = Branding(
    institution_name="Northfield Institute",
    colors=BrandColors(primary="#0F4C5C", secondary="#5F6B73", accent="#E36414"),
    fonts=BrandFonts(heading="'Source Serif Pro', Georgia, serif", body="Arial, sans-serif"),
)

ITEMS = (
    ("Kitchen sink", KITCHEN_SINK, ContentType.SLIDES),
    ("Notes", NOTES, ContentType.INSTRUCTOR_NOTES),
    ("Quiz", QUIZ, ContentType.QUIZ),
)


class OdfKit(RequestKit):
    """Sessions, requests and packages for the OpenDocument writers' tests."""

    format_name = "odt"
    kitchen_sink = KITCHEN_SINK
    brand = BRAND
    ns = NS
    #: ``{namespace}local`` for ``prefix:local``, for ElementTree lookups.
    q = staticmethod(q)
    text_of = staticmethod(text_of)
    png = staticmethod(png)
    svg = SVG

    def write(self, writer: str, request: RenderRequest) -> Rendered:
        return WRITERS[writer](request)

    def sample_session(self, title: str = "Sample session", session_id: str = "s1") -> Session:
        """A session with slides, instructor notes and a quiz, and the figures they use."""
        return self.session(
            *ITEMS,
            title=title,
            session_id=session_id,
            assets=[
                self.asset("fig/figure.png", png(80, 40)),
                self.asset("fig/drawing.svg", SVG, "image/svg+xml"),
            ],
        )

    def odt(self, *sessions: Session | ParsedSession, **options: Any) -> Rendered:
        self.format_name = "odt"
        return write_odt(self.request(*sessions, **options))

    def odp(self, *sessions: Session | ParsedSession, **options: Any) -> Rendered:
        self.format_name = "odp"
        return write_odp(self.request(*sessions, **options))

    def read(self, rendered: Rendered | bytes) -> Package:
        return Package(rendered.data if isinstance(rendered, Rendered) else rendered)

    def item_odt(self, body: str, **options: Any) -> Package:
        """The text document of one session holding one worksheet item with ``body``."""
        return self.read(self.odt(self.session(("Item", body)), **options))


@pytest.fixture
def kit() -> OdfKit:
    """Sessions, requests and packages read back for the OpenDocument writers' tests."""
    return OdfKit()


# The shared corpus rendered once per test session.

LESSONS = ("shell-novice", "python-novice-inflammation")
WRITERS: Mapping[str, Callable[[RenderRequest], Rendered]] = {"odt": write_odt, "odp": write_odp}


@attrs.frozen
class Lesson:
    """One corpus lesson as both writers rendered it: each episode alone, and all merged."""

    name: str
    #: The requests by file stem (session id, or the lesson's name for the merged one).
    requests: Mapping[str, RenderRequest]
    #: The packages by file name (``<stem>.odt`` / ``<stem>.odp``).
    files: Mapping[str, Rendered]

    def items(self) -> Iterator[tuple[str, RenderRequest, Rendered]]:
        """(file name, request, rendered) of every file of the lesson."""
        for file_name, rendered in self.files.items():
            yield file_name, self.requests[file_name.rsplit(".", 1)[0]], rendered


def render_lessons(corpus: Path, names: Sequence[str]) -> dict[str, Lesson]:
    """Every episode of these lessons and each lesson merged, as ``.odt`` and ``.odp``,
    rendered in up to two worker processes (about 12 s on two cores)."""
    kit = OdfKit()
    requests: dict[str, dict[str, RenderRequest]] = {}
    for name in names:
        sessions = read_source(corpus / "carpentries" / name).sessions
        by_stem = {session.id: kit.request(session) for session in sessions}
        by_stem[name] = kit.request(*sessions, title=name)
        requests[name] = by_stem
    jobs = [
        (name, f"{stem}.{writer}", writer, request)
        for name, by_stem in requests.items()
        for stem, request in by_stem.items()
        for writer in WRITERS
    ]
    # The merged lessons are the longest: start them first.
    jobs.sort(key=lambda job: -len(job[3].sessions))
    workers = min(2, os.cpu_count() or 1)
    if workers < 2:
        results = [WRITERS[writer](request) for _, _, writer, request in jobs]
    else:
        context = multiprocessing.get_context("forkserver")
        with ProcessPoolExecutor(workers, mp_context=context) as pool:
            # The writers themselves go to the workers: they are module-level functions.
            futures = [pool.submit(WRITERS[writer], request) for _, _, writer, request in jobs]
            results = [future.result() for future in futures]
    files: dict[str, dict[str, Rendered]] = {name: {} for name in names}
    for (name, file_name, _, _), rendered in zip(jobs, results, strict=True):
        files[name][file_name] = rendered
    return {name: Lesson(name, requests[name], dict(sorted(files[name].items()))) for name in names}


@pytest.fixture(scope="session")
def corpus_lessons() -> dict[str, Lesson]:
    """Both corpus lessons rendered once per test session, as odt and odp."""
    corpus = find_corpus(Path(__file__))
    if corpus is None:
        pytest.skip(NO_CORPUS_REASON)
    return render_lessons(corpus, LESSONS)
