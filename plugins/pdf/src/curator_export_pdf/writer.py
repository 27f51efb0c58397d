"""The PDF writer: the HTML writer's page, a print stylesheet, and WeasyPrint with no leaks.

WeasyPrint is imported inside :func:`write_pdf`, so listing the plugin stays cheap. The HTML
writer embeds the run's own assets (lesson figures, the logo) in the page as ``data:`` URLs,
so every resource the page or the stylesheets ask for goes through a fetcher that serves
``data:`` URLs and refuses everything else (files, HTTP, FTP, ...); each refusal is a warning
in the result. No base URL is given, so relative references resolve against nothing, and no
attachment is ever embedded.

A worker keeps its font configuration, parsed print stylesheets and decoded images warm
across documents.
"""

from __future__ import annotations

import functools
import gc
import html
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from curator_export.errors import CuratorExportError
from curator_export.render import Rendered, RenderRequest
from curator_export_pdf import PAGE_SIZES, PdfOptions

#: The PDF variant written by default: a tagged, accessible PDF.
DEFAULT_PDF_VARIANT = "pdf/ua-1"

_PRINT_CSS = """
@page {
  size: PAGE_SIZE;
  margin: 22mm 18mm 20mm 18mm;
  font-family: sans-serif; font-size: 8.5pt; color: #555;
  @top-left { content: INSTITUTION; }
  @top-right { content: string(session-title, last); }
  @bottom-center {
    content: "Page " counter(page) " of " counter(pages);
  }
}
html, body { background: #fff; }
body { margin: 0; max-width: none; }
.skip-link { display: none; }
h1 { string-set: session-title content(); }
section.session > h1, section.session > h2 { string-set: session-title content(); }
section.session + section.session { break-before: page; }
h1, h2, h3, h4, h5, h6 { break-after: avoid; break-inside: avoid; }
.item-label, .div-label { display: table; }
.item-label, .div-label, summary { break-after: avoid; break-inside: avoid; }
pre, code { white-space: pre-wrap; overflow-wrap: anywhere; }
pre { overflow: visible; }
img, svg, video { max-width: 100%; height: auto; }
figure, img { break-inside: avoid; }
table { table-layout: fixed; width: 100%; max-width: 100%; border-collapse: collapse; }
th, td { overflow-wrap: anywhere; }
p, li, td, th, a { overflow-wrap: anywhere; }
.toc, main, .page-footer { max-width: none; }
"""

#: A merged document opens with its table of contents, with page numbers, on its own page.
_CONTENTS_CSS = """
nav.toc { display: block; break-after: page; border: none; }
nav.toc ol { list-style: none; padding-left: 0; }
nav.toc ol ol { padding-left: 1.5em; }
nav.toc a { text-decoration: none; color: inherit; }
nav.toc a::after {
  content: leader(dotted) " " target-counter(attr(href url), page);
}
"""

#: The presentation template as a deck: landscape pages, one slide per page, large type.
_SLIDES_CSS = """
html { font-size: 118%; }
section.slide {
  min-height: 0; margin: 0; border: none; border-radius: 0; padding: 0;
  break-before: page; break-after: page; break-inside: auto;
}
section.item > h1, section.item > h2, section.item > h3 { break-after: avoid; }
"""

_ALLOWED_SCHEMES = frozenset({"data"})
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9.+-]*):")
#: ``rel`` values naming an attachment, on ``<a>`` or ``<link>``: WeasyPrint would embed the
#: target as a PDF file attachment (CVE-2024-28184), so the relation is dropped.
_ATTACHMENT_REL = re.compile(
    r"(<(?:a|link)\b[^>]*?\brel\s*=\s*[\"']?[^\"'>]*?)\battachment\b", re.IGNORECASE
)
_HEAD_END = re.compile(r"</head\s*>", re.IGNORECASE)


def css_string(text: str) -> str:
    """``text`` as a CSS string literal, with every character outside [A-Za-z0-9 ] escaped."""
    out = []
    for char in text:
        if char.isascii() and (char.isalnum() or char == " "):
            out.append(char)
        else:
            out.append(f"\\{ord(char):06x}")
    return '"' + "".join(out) + '"'


def print_css(request: RenderRequest, options: PdfOptions | None = None) -> str:
    """The print stylesheet for ``request``: page box, running header and footer, wrapping,
    a contents page for merged documents, and landscape slide pages for ``presentation``."""
    options = options or PdfOptions()
    institution = request.branding.institution_name if request.branding else None
    size = PAGE_SIZES[options.page_size]
    slides = slide_pages(request)
    css = _PRINT_CSS.replace("PAGE_SIZE", f"{size} landscape" if slides else size)
    css = css.replace("INSTITUTION", css_string(institution) if institution else "none")
    if request.merged:
        css += _CONTENTS_CSS
    if slides:
        css += _SLIDES_CSS
    return css


def slide_pages(request: RenderRequest) -> bool:
    """Whether the PDF is a deck: the ``presentation`` template lays slides out one a page."""
    return request.template_name == "presentation"


def _meta(name: str, content: str) -> str:
    return f'<meta name="{html.escape(name)}" content="{html.escape(content)}">'


def _document_meta(request: RenderRequest) -> str:
    """Meta tags WeasyPrint turns into PDF metadata: author, description, keywords."""
    tags = []
    institution = request.branding.institution_name if request.branding else None
    if institution:
        tags.append(_meta("author", institution))
    if request.include_metadata:
        titles = [parsed.session.title for parsed in request.sessions]
        tags.append(_meta("description", "; ".join(titles)))
        keywords: Any = request.metadata.get("content_types") or request.metadata.get("keywords")
        if isinstance(keywords, Sequence) and not isinstance(keywords, str):
            keywords = ", ".join(str(part) for part in keywords)
        if keywords:
            tags.append(_meta("keywords", str(keywords)))
    return "".join(tags)


def prepare_html(page: str, request: RenderRequest, css: str) -> str:
    """The HTML writer's page with the print stylesheet and the meta tags WeasyPrint reads
    into PDF metadata, at the end of its head.

    The stylesheet goes into the page rather than WeasyPrint's ``stylesheets``: those are
    user-origin styles, which lose to every rule of the theme. It cannot close its element:
    the only text in it from outside is the institution, escaped by ``css_string``.
    """
    head_end = _document_meta(request) + f"<style>{css}</style>"
    return _HEAD_END.sub(lambda match: head_end + match.group(0), page, count=1)


def _weasyprint() -> Any:
    """WeasyPrint, or an error that says which system libraries it is missing."""
    try:
        import weasyprint
    except OSError as exc:  # WeasyPrint loads Pango through cffi when imported
        raise CuratorExportError(
            "the pdf format needs the Pango text library (Debian/Ubuntu: apt-get install "
            f"libpango-1.0-0 libpangoft2-1.0-0): {exc}"
        ) from exc
    return weasyprint


#: ``text-anchor`` values SVG does not define but lesson figures use (drawn with tools that
#: write them): browsers ignore them (start), WeasyPrint 70 anchors them at the end, which
#: moves every such label left by its own width onto its neighbours.
_BAD_TEXT_ANCHOR = re.compile(rb"""text-anchor\s*(=\s*["']|:\s*)(left|right)\b""")


def svg_for_weasyprint(svg: bytes) -> bytes:
    """An SVG figure with the text anchors browsers ignore made explicit (``start``)."""
    return _BAD_TEXT_ANCHOR.sub(rb"text-anchor\1start", svg)


@functools.cache
def _fetcher_class() -> type[Any]:
    """WeasyPrint's ``URLFetcher`` limited to ``data:`` URLs (built on first use)."""
    _weasyprint()  # a clear error when the system libraries are missing
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class DataOnlyFetcher(URLFetcher):  # type: ignore[misc]
        """Serves ``data:`` URLs only, follows no redirect, and records every refusal."""

        def __init__(self) -> None:
            super().__init__(
                timeout=5, allowed_protocols=tuple(_ALLOWED_SCHEMES), allow_redirects=False
            )
            self.refused: list[str] = []

        def fetch(self, url: str, headers: Any = None) -> Any:
            match = _SCHEME.match(url)
            if match is None or match[1].lower() not in _ALLOWED_SCHEMES:
                self.refused.append(url)
                raise ValueError(f"refused to fetch {url!r}: only embedded data is allowed")
            response = super().fetch(url, headers)
            if response.headers.get_content_type() != "image/svg+xml":
                return response
            body = svg_for_weasyprint(response.read())
            return URLFetcherResponse(response.url, body, response.headers, response.status)

    return DataOnlyFetcher


@functools.cache
def _font_config() -> Any:
    """One font configuration per worker: fontconfig's set-up is paid once, not per file."""
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


#: Decoded images by URL, shared by a worker's documents (the logo is on every page of a
#: batch); emptied when it grows, so a long batch of distinct figures cannot fill memory.
_IMAGE_CACHE: dict[str, Any] = {}
_IMAGE_CACHE_LIMIT = 64


#: Allocations between young-generation collections while WeasyPrint lays out a document.
_LAYOUT_GC_THRESHOLD = 100_000


@contextmanager
def _fewer_collections() -> Iterator[None]:
    """Collect garbage less often during a render: layout allocates millions of short-lived
    objects that reference counting frees anyway, and the default threshold (700) spends
    about a tenth of the render in the collector (measured on these machines)."""
    threshold = gc.get_threshold()
    gc.set_threshold(max(threshold[0], _LAYOUT_GC_THRESHOLD), *threshold[1:])
    try:
        yield
    finally:
        gc.set_threshold(*threshold)


def render_page(page: str, *, tagged: bool = True) -> Rendered:
    """Render an HTML page to PDF, fetching nothing but ``data:`` URLs.

    Attachment relations are dropped first; every refused fetch is a warning.
    """
    weasyprint = _weasyprint()
    fetcher = _fetcher_class()()
    document = weasyprint.HTML(
        string=_ATTACHMENT_REL.sub(r"\1nofollow", page), base_url=None, url_fetcher=fetcher
    )
    if len(_IMAGE_CACHE) > _IMAGE_CACHE_LIMIT:
        _IMAGE_CACHE.clear()
    with _fewer_collections():
        data = document.write_pdf(
            font_config=_font_config(),
            attachments=[],
            pdf_variant=DEFAULT_PDF_VARIANT if tagged else None,
            pdf_tags=tagged,
            cache=_IMAGE_CACHE,
        )
    warnings = [f"pdf: refused to fetch {_short(url)}" for url in dict.fromkeys(fetcher.refused)]
    return Rendered(data=bytes(data), warnings=tuple(warnings))


def write_pdf(request: RenderRequest) -> Rendered:
    """Render one PDF from the HTML writer's page (built once per task and shared with the
    html format) with the print stylesheet."""
    from curator_export_html import shared_page

    options = request.options if isinstance(request.options, PdfOptions) else PdfOptions()
    page = shared_page(request)
    pdf = render_page(
        prepare_html(page.data.decode("utf-8"), request, print_css(request, options)),
        tagged=options.tagged,
    )
    return Rendered(data=pdf.data, warnings=page.warnings + pdf.warnings)


def _short(url: str, limit: int = 200) -> str:
    return url if len(url) <= limit else url[:limit] + "…"
