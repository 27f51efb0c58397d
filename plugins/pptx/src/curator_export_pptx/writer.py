"""The PowerPoint writer: a render request as an editable, branded ``.pptx`` deck.

The slides come from :func:`curator_export.deck.build_deck`, measured with this template's
geometry; each is made from a layout of the template so that titles sit in title
placeholders (the outline view and screen readers read them there) and the first text of a
slide in its body placeholder. python-pptx is imported here, never by the entry module.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from lxml import etree
from pptx.enum.shapes import PP_PLACEHOLDER
from pptx.oxml.ns import qn
from pptx.util import Pt

from curator_export.archive import redate_zip
from curator_export.branding import logo_media_type
from curator_export.deck import Deck, Slide, SlideKind, build_deck
from curator_export.model import Audience
from curator_export.render import Rendered, RenderRequest
from curator_export_pptx import PptxOptions, ooxml, template
from curator_export_pptx.flow import Flow
from curator_export_pptx.geometry import (
    BODY_PT,
    INSET_X,
    INSET_Y,
    LINE_PITCH,
    Box,
    forget_measurements,
    inches,
    pt_to_emu,
    wrapped_lines,
)
from curator_export_pptx.measure import Measure
from curator_export_pptx.pictures import Picture, PictureSource, convert
from curator_export_pptx.shapes import render
from curator_export_pptx.text import clean, clean_line

#: Titles are set smaller, down to this size, before they may wrap past their placeholder.
MIN_TITLE_PT = 16.0
_APP_XML = (
    '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"'
    ' xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
    "<Application>curator-export</Application><Slides>{slides}</Slides><Notes>{notes}</Notes>"
    "<HiddenSlides>0</HiddenSlides></Properties>"
)


def write_pptx(request: RenderRequest) -> Rendered:
    """One deck for ``request`` (see the module docstring)."""
    options = request.options if isinstance(request.options, PptxOptions) else PptxOptions()
    forget_measurements()
    warnings: list[str] = []
    opened = template.open_template(options.template, request.branding, request.template_name)
    institution = clean_line(request.branding.institution_name or "") if request.branding else ""
    logo = _logo(request, warnings)
    if logo is not None:
        template.add_logo(opened, logo, f"{institution} logo" if institution else "Logo")
    deck = build_deck(request, opened.geometry.fit())
    writer = _DeckWriter(request, opened, institution, PictureSource(warnings))
    slides = writer.slides(deck)
    presentation = opened.presentation
    ooxml.add_sections(
        presentation,
        _sections(deck, slides, request.merged),
        seed=f"{request.job.job_id}/{clean_line(request.title)}",
    )
    _properties(presentation, request, institution, slides)
    out = io.BytesIO()
    presentation.save(out)
    # python-pptx dates every entry with the time of the save; the request's time keeps the
    # same request's bytes the same (SOURCE_DATE_EPOCH makes them the same across batches).
    data = redate_zip(out.getvalue(), request.created_at)
    return Rendered(data, warnings=tuple(warnings))


def _logo(request: RenderRequest, warnings: list[str]) -> Picture | None:
    if request.branding is None or not request.branding.logo:
        return None
    path = Path(request.branding.logo)
    try:
        data = path.read_bytes()
        media_type = logo_media_type(data)
        if media_type is None:
            raise ValueError("not a PNG, JPEG or SVG file")
        return convert(data, media_type)
    except Exception as exc:  # a broken logo must not fail the deck
        warnings.append(f"logo {str(path)!r} left out: {exc}")
        return None


class _DeckWriter:
    def __init__(
        self,
        request: RenderRequest,
        opened: template.Template,
        institution: str,
        pictures: PictureSource,
    ) -> None:
        self.request = request
        self.template = opened
        self.institution = institution
        self.pictures = pictures
        self.warnings = pictures.warnings
        self.assets = {parsed.session.id: parsed.session.assets for parsed in request.sessions}
        geometry = opened.geometry
        image_height = pt_to_emu(geometry.fit().image_lines * BODY_PT * LINE_PITCH)
        self.measure = Measure(geometry.metrics, image_height)
        self.heading_factor = geometry.metrics.heading_factor
        self.title_boxes: dict[tuple[str, float], TitleBox] = {}

    def slides(self, deck: Deck) -> list[Any]:
        made = []
        for number, item in enumerate(deck.slides, start=1):
            if item.kind is SlideKind.TITLE:
                slide = self.title_slide(item)
            elif item.kind is SlideKind.SECTION:
                slide = self.section_slide(item, number)
            else:
                slide = self.content_slide(item, number)
            if item.notes and self.request.audience is Audience.INSTRUCTOR:
                slide.notes_slide.notes_text_frame.text = clean(item.notes)
            made.append(slide)
        return made

    def _new(self, layout_: Any) -> Any:
        return self.template.presentation.slides.add_slide(layout_)

    def title_slide(self, item: Slide) -> Any:
        slide = self._new(self.template.title_layout)
        set_title(slide, item.title, 40.0, self.heading_factor, self.title_boxes)
        subtitle = _placeholder(slide, PP_PLACEHOLDER.SUBTITLE, PP_PLACEHOLDER.BODY)
        if subtitle is not None and item.subtitle:
            subtitle.text_frame.text = clean(item.subtitle)
        elif subtitle is not None:
            _remove(subtitle)
        _drop_empty_placeholders(slide)
        return slide

    def section_slide(self, item: Slide, number: int) -> Any:
        slide = self._new(self.template.section_layout)
        set_title(slide, item.title, 40.0, self.heading_factor, self.title_boxes)
        body = _placeholder(slide, PP_PLACEHOLDER.BODY, PP_PLACEHOLDER.SUBTITLE)
        if body is not None and item.subtitle:
            body.text_frame.text = clean(item.subtitle)
        _drop_empty_placeholders(slide)
        self.footer(slide, self.template.section_layout, number)
        return slide

    def content_slide(self, item: Slide, number: int) -> Any:
        content_layout = self.template.content_layout
        slide = self._new(content_layout)
        geometry = self.template.geometry
        set_title(slide, item.title, geometry.title_pt, self.heading_factor, self.title_boxes)
        assets = self.assets.get(item.session_id or "", {})
        where = f"session {item.session_id!r}, slide {number} ({clean_line(item.title)[:60]!r})"
        items = Flow(assets, self.pictures, where).items(item.blocks)
        placed = self.measure.layout(items, geometry.body)
        if placed.overflows:
            self.warnings.append(
                f"{where}: the content is too large for one slide even at"
                f" {int(placed.scale * 100)} % type size; it shrinks on overflow"
            )
        render(slide, placed, template.body_placeholder(slide))
        _drop_empty_placeholders(slide)
        self.footer(slide, content_layout, number)
        return slide

    def footer(self, slide: Any, layout_: Any, number: int) -> None:
        """The institution in the footer placeholder, and the slide number."""
        footer = _placeholder(layout_, PP_PLACEHOLDER.FOOTER)
        if self.institution and footer is not None:
            slide.shapes.clone_placeholder(footer)
            shape = _placeholder(slide, PP_PLACEHOLDER.FOOTER)
            shape.text_frame.text = self.institution
            _theme_body_font(shape.text_frame.paragraphs[0].runs[0])
        elif self.institution:
            height = self.template.presentation.slide_height
            box = Box(
                self.template.geometry.body.left, height - inches(0.5), inches(6.0), inches(0.35)
            )
            shape = slide.shapes.add_textbox(box.left, box.top, box.width, box.height)
            shape.name = "Footer"
            shape.text_frame.text = self.institution
            shape.text_frame.paragraphs[0].runs[0].font.size = Pt(12)
        number_holder = _placeholder(layout_, PP_PLACEHOLDER.SLIDE_NUMBER)
        if number_holder is not None:
            slide.shapes.clone_placeholder(number_holder)
            shape = _placeholder(slide, PP_PLACEHOLDER.SLIDE_NUMBER)
            ooxml.slide_number_field(shape.text_frame.paragraphs[0], number)


def _theme_body_font(run: Any) -> None:
    """The theme's body font named on the run: LibreOffice sets footers in a serif face
    otherwise, whatever the master says."""
    run.font.name = "+mn-lt"


#: A title placeholder's inherited type size and inner width and height.
TitleBox = tuple[float, int, int]


def set_title(
    slide: Any,
    text: str,
    default_pt: float,
    factor: float,
    boxes: dict[tuple[str, float], TitleBox] | None = None,
) -> None:
    """The slide's title in its title placeholder, set smaller when it would not fit.

    ``boxes`` keeps each layout's title size and box for the slides after the first: a new
    slide's title is a bare copy of its layout's placeholder (no position, size or type size
    of its own), so all of these are inherited from the layout, and python-pptx finds the
    layout's placeholder again, shape by shape, every time one is read.
    """
    shape = slide.shapes.title
    if shape is None:
        return
    title = clean_line(text)
    shape.text_frame.text = title
    key = (str(slide.slide_layout.part.partname), default_pt)
    box = boxes.get(key) if boxes is not None else None
    if box is None:
        box = (
            inherited_size(shape, default_pt),
            shape.width - 2 * INSET_X,
            shape.height - 2 * INSET_Y,
        )
        if boxes is not None and _bare(shape):
            boxes[key] = box
    size, width, height = box
    fitted = size
    while fitted > MIN_TITLE_PT and title_height(title, width, fitted, factor) > height:
        fitted -= 2.0
    if fitted < size:
        for run in shape.text_frame.paragraphs[0].runs:
            run.font.size = Pt(fitted)


def _bare(shape: Any) -> bool:
    """Whether a title placeholder has no position, size or run size of its own."""
    element = shape._element
    return element.spPr.find(qn("a:xfrm")) is None and not element.xpath(
        "./p:txBody/a:p/a:r/a:rPr/@sz"
    )


def title_height(title: str, width: int, size: float, factor: float) -> int:
    return pt_to_emu(wrapped_lines([(title, "regular")], width, size, factor) * size * LINE_PITCH)


def inherited_size(shape: Any, default: float) -> float:
    """The type size a placeholder inherits: its layout's, else the master's title style."""
    sizes = shape._element.xpath("./p:txBody/a:p/a:r/a:rPr/@sz")
    if sizes:
        return int(sizes[0]) / 100
    try:
        base = shape._base_placeholder
    except (AttributeError, KeyError):
        base = None
    if base is not None:
        found = base._element.xpath("./p:txBody/a:lstStyle/a:lvl1pPr/a:defRPr/@sz")
        if found:
            return int(found[0]) / 100
    master = slide_master_title_size(shape)
    return master or default


def slide_master_title_size(shape: Any) -> float | None:
    try:
        master = shape.part.slide_layout.slide_master
    except AttributeError:
        return None
    found = master._element.xpath("./p:txStyles/p:titleStyle/a:lvl1pPr/a:defRPr/@sz")
    return int(found[0]) / 100 if found else None


def _placeholder(holder: Any, *types: Any) -> Any:
    return ooxml.find_placeholder(holder, *types)


def _remove(shape: Any) -> None:
    shape._element.getparent().remove(shape._element)


def _drop_empty_placeholders(slide: Any) -> None:
    """Placeholders left empty would show "Click to add text" to whoever edits the deck."""
    for ph, element in ooxml.placeholder_elements(slide):
        if ph.type in (PP_PLACEHOLDER.TITLE, PP_PLACEHOLDER.CENTER_TITLE):
            continue
        shape = ooxml.placeholder_shape(slide, element)
        if shape.has_text_frame and not shape.text_frame.text.strip():
            _remove(shape)


# -- sections and properties -----------------------------------------------------------------


def _limited(text: str, limit: int = 255) -> str:
    """python-pptx refuses core properties longer than 255 characters."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _sections(deck: Deck, slides: list[Any], merged: bool) -> list[tuple[str, list[int]]]:
    """PowerPoint sections: one per session in a merged deck, else one per section slide;
    the title slide (and what precedes the first section) opens the first."""
    sections: list[tuple[str, list[int]]] = [(clean_line(deck.title) or "Title", [])]
    previous: str | None = None
    for item, slide in zip(deck.slides, slides, strict=True):
        starts = (
            item.kind is SlideKind.SECTION and item.session_id != previous
            if merged
            else item.kind is SlideKind.SECTION
        )
        if starts and sections[-1][1]:
            sections.append((clean_line(item.title) or "Section", []))
        sections[-1][1].append(slide.slide_id)
        if item.kind is not SlideKind.TITLE:
            previous = item.session_id
    return sections


def _properties(
    presentation: Any, request: RenderRequest, institution: str, slides: list[Any]
) -> None:
    properties = presentation.core_properties
    titles = [clean_line(parsed.session.title) for parsed in request.sessions]
    kinds = sorted({item.item.content_type.value for p in request.sessions for item in p.items})
    properties.title = _limited(clean_line(request.title))
    properties.author = _limited(institution)
    properties.last_modified_by = "curator-export"
    properties.subject = _limited("; ".join(titles))
    properties.keywords = _limited("; ".join(kinds))
    properties.category = "slides"
    properties.revision = 1
    properties.comments = (
        _limited(
            "; ".join(
                f"{key}: {', '.join(map(str, value)) if isinstance(value, list) else value}"
                for key, value in request.metadata.items()
            )
        )
        if request.include_metadata
        else ""
    )
    if request.created_at is not None:
        created = request.created_at
        if created.tzinfo is not None:
            created = created.astimezone(UTC).replace(tzinfo=None)
        properties.created = properties.modified = created
    else:
        properties.created = properties.modified = datetime.now(UTC).replace(tzinfo=None)
    notes = sum(1 for slide in slides if slide.has_notes_slide)
    for part in presentation.part.package.iter_parts():
        if str(part.partname) == "/docProps/app.xml":
            xml = _APP_XML.format(slides=len(slides), notes=notes)
            part.blob = etree.tostring(
                etree.fromstring(xml), xml_declaration=True, encoding="UTF-8", standalone=True
            )
