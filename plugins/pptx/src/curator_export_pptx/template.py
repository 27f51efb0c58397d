"""The deck's template: the built-in widescreen look, or an institution's own ``.pptx``.

The built-in template is python-pptx's default file made 16:9 and dressed here, in code, so
that every change is reviewable: a coloured band on the title slide, a bar on section
headers, a rule under content titles, and the brand in the theme (``accent1`` primary,
``accent2`` secondary, ``accent3`` accent, ``dk2`` and hyperlinks primary; heading and body
fonts as the theme's major and minor fonts). A user's template keeps its masters, layouts
and theme; the brand, when the job has one, still sets the theme's colours and fonts.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections import OrderedDict
from collections.abc import Callable, Mapping
from functools import partial
from pathlib import Path
from typing import Any

import attrs
from lxml import etree
from pptx import Presentation
from pptx.enum.shapes import PP_PLACEHOLDER
from pptx.opc.constants import RELATIONSHIP_TYPE as RT
from pptx.oxml import parse_xml
from pptx.oxml.ns import qn

from curator_export.branding import contrast_ratio
from curator_export.errors import BrandingError
from curator_export.model import Branding
from curator_export_pptx import ooxml
from curator_export_pptx.geometry import WIDESCREEN, Box, Geometry, Metrics, inches
from curator_export_pptx.pictures import Picture
from curator_export_pptx.text import clean_line

#: Colours and fonts of the built-in themes (the HTML themes' palettes).
PALETTES = {
    "professional": ("#1E3A8A", "#374151", "#B45309", "Calibri", "Calibri"),
    "academic": ("#7F1D1D", "#44403C", "#1D4ED8", "Georgia", "Georgia"),
    "minimal": ("#111827", "#4B5563", "#2563EB", "Arial", "Arial"),
    "presentation": ("#0F172A", "#334155", "#C2410C", "Calibri", "Calibri"),
}
_GENERIC_FONTS = {"serif": "Georgia", "sans-serif": "Calibri", "monospace": "Consolas"}
_SYSTEM_FONTS = frozenset(
    {"system-ui", "-apple-system", "blinkmacsystemfont", "ui-sans-serif", "ui-serif", "cursive"}
)
_POTX = "application/vnd.openxmlformats-officedocument.presentationml.template.main+xml"
_PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"
_DARK_TEXT = "111827"


@attrs.frozen
class Palette:
    primary: str
    secondary: str
    accent: str
    heading_font: str
    body_font: str


@attrs.frozen
class Template:
    """An opened template: the presentation to add slides to and where things go."""

    presentation: Any
    geometry: Geometry
    title_layout: Any
    section_layout: Any
    content_layout: Any
    builtin: bool


def palette(branding: Branding | None, template_name: str | None) -> Palette:
    """The built-in theme's colours and fonts, with the brand's values over them."""
    primary, secondary, accent, heading, body = PALETTES.get(
        template_name or "professional", PALETTES["professional"]
    )
    if branding is not None:
        primary = branding.colors.primary or primary
        secondary = branding.colors.secondary or secondary
        accent = branding.colors.accent or accent
        heading = font_family(branding.fonts.heading) or heading
        body = font_family(branding.fonts.body) or body
    return Palette(_hex(primary), _hex(secondary), _hex(accent), heading, body)


def font_family(stack: str | None) -> str | None:
    """The first font of a CSS font stack a slide can name ("Georgia, serif" -> Georgia)."""
    if not stack:
        return None
    for part in stack.split(","):
        name = clean_line(part.strip().strip("'\""))
        if not name or name.lower() in _SYSTEM_FONTS:
            continue
        return _GENERIC_FONTS.get(name.lower(), name)
    return None


def _hex(color: str) -> str:
    digits = color.lstrip("#").upper()
    return "".join(c * 2 for c in digits) if len(digits) == 3 else digits


def open_template(
    path: str | None, branding: Branding | None, template_name: str | None
) -> Template:
    """The built-in template dressed in the brand, or the institution's file at ``path``.

    Each call returns a presentation of its own to add slides to. What it is made from (the
    built-in file dressed in a palette, or a user's file with the brand's theme) is prepared
    once per process and kept as a saved package, since a worker writes many decks with the
    same template and brand: reading the package again costs a tenth of dressing it.
    """
    if path is None:
        colors = palette(branding, template_name)
        prepared = _cached(("builtin", colors), partial(_prepare_builtin, colors))
    else:
        data = _template_bytes(path)
        brand = _brand_theme(branding)
        key = ("file", hashlib.sha256(data).hexdigest(), brand)
        prepared = _cached(key, partial(_prepare_file, path, data, brand))
    presentation = Presentation(io.BytesIO(prepared.package))
    layouts = presentation.slide_layouts
    title, section, content = (layouts[index] for index in prepared.layouts)
    return Template(presentation, prepared.geometry, title, section, content, prepared.builtin)


@attrs.frozen
class _Prepared:
    """A template ready to open: the package's bytes, its geometry, and the indices of its
    title, section and content layouts among the first master's layouts."""

    package: bytes = attrs.field(repr=lambda data: f"<{len(data)} bytes>")
    geometry: Geometry
    layouts: tuple[int, int, int]
    builtin: bool


#: Prepared templates by what they are made from, the most recently used last.
_PREPARED: OrderedDict[tuple[Any, ...], _Prepared] = OrderedDict()
_PREPARED_LIMIT = 8


def _cached(key: tuple[Any, ...], prepare: Callable[[], _Prepared]) -> _Prepared:
    """The prepared template for ``key``, made by ``prepare`` the first time (a template
    that cannot be used raises every time: failures are not kept)."""
    prepared = _PREPARED.get(key)
    if prepared is None:
        prepared = _PREPARED[key] = prepare()
        while len(_PREPARED) > _PREPARED_LIMIT:
            _PREPARED.popitem(last=False)
    else:
        _PREPARED.move_to_end(key)
    return prepared


#: The brand's part in a user's template: the theme's colour slots it sets, and its fonts.
_BrandTheme = tuple[tuple[tuple[str, str], ...], str | None, str | None]


def _brand_theme(branding: Branding | None) -> _BrandTheme | None:
    if branding is None:
        return None
    brand = palette(branding, None)
    slots = tuple(
        (slot, value) for slot, value in _theme_slots(brand).items() if _brand_sets(branding, slot)
    )
    return slots, font_family(branding.fonts.heading), font_family(branding.fonts.body)


def _prepare_builtin(colors: Palette) -> _Prepared:
    presentation = Presentation()
    _dress_builtin(presentation, colors)
    _set_theme(presentation, _theme_slots(colors), colors.heading_font, colors.body_font)
    geometry = attrs.evolve(
        WIDESCREEN, metrics=Metrics.for_fonts(colors.heading_font, colors.body_font)
    )
    return _Prepared(_saved(presentation), geometry, (0, 2, 1), True)


def _prepare_file(path: str, data: bytes, brand: _BrandTheme | None) -> _Prepared:
    try:
        presentation = Presentation(_readable(data))
    except Exception as exc:  # python-pptx says KeyError, PackageNotFoundError, BadZipFile...
        message = f"template {path!r} is not a PowerPoint file that can be used: {exc}"
        raise BrandingError(message) from exc
    _drop_slides(presentation)
    if brand is not None:
        slots, heading, body = brand
        _set_theme(presentation, dict(slots), heading, body)
    chosen = _pick_layouts(presentation)
    geometry = attrs.evolve(
        _geometry(presentation, chosen[2]), metrics=Metrics.for_fonts(*theme_fonts(presentation))
    )
    layouts = list(presentation.slide_layouts)
    title, section, content = (layouts.index(layout) for layout in chosen)
    return _Prepared(_saved(presentation), geometry, (title, section, content), False)


def _saved(presentation: Any) -> bytes:
    out = io.BytesIO()
    presentation.save(out)
    return out.getvalue()


def _template_bytes(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        message = f"template {path!r} is not a PowerPoint file that can be used: {exc}"
        raise BrandingError(message) from exc


def _theme_slots(colors: Palette) -> dict[str, str]:
    return {
        "dk2": colors.primary,
        "accent1": colors.primary,
        "accent2": colors.secondary,
        "accent3": colors.accent,
        "hlink": colors.primary,
        "folHlink": colors.secondary,
    }


def _brand_sets(branding: Branding, slot: str) -> bool:
    source = {
        "dk2": branding.colors.primary,
        "accent1": branding.colors.primary,
        "hlink": branding.colors.primary,
        "accent2": branding.colors.secondary,
        "folHlink": branding.colors.secondary,
        "accent3": branding.colors.accent,
    }
    return source.get(slot) is not None


def _readable(data: bytes) -> io.BytesIO:
    """The template's bytes; a ``.potx`` gets the presentation content type python-pptx
    expects (the files differ only there)."""
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        types = source.read("[Content_Types].xml")
        if _POTX.encode() not in types:
            return io.BytesIO(data)
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
            for info in source.infolist():
                content = source.read(info.filename)
                if info.filename == "[Content_Types].xml":
                    content = types.replace(_POTX.encode(), _PPTX.encode())
                target.writestr(info, content)
    out.seek(0)
    return out


def _drop_slides(presentation: Any) -> None:
    """A template's own sample slides are not part of the deck."""
    id_list = presentation.slides._sldIdLst
    for slide_id in list(id_list):
        presentation.part.drop_rel(slide_id.rId)
        id_list.remove(slide_id)


# -- theme ---------------------------------------------------------------------------------


def _theme_part(presentation: Any) -> Any:
    return presentation.slide_master.part.part_related_by(RT.THEME)


def _set_theme(
    presentation: Any, slots: Mapping[str, str], heading: str | None, body: str | None
) -> None:
    part = _theme_part(presentation)
    root = etree.fromstring(part.blob)
    scheme = root.find(f"{qn('a:themeElements')}/{qn('a:clrScheme')}")
    for slot, value in slots.items():
        holder = scheme.find(qn(f"a:{slot}")) if scheme is not None else None
        if holder is None:
            continue
        for child in list(holder):
            holder.remove(child)
        etree.SubElement(holder, qn("a:srgbClr")).set("val", value)
    fonts = root.find(f"{qn('a:themeElements')}/{qn('a:fontScheme')}")
    for tag, family in (("a:majorFont", heading), ("a:minorFont", body)):
        latin = fonts.find(f"{qn(tag)}/{qn('a:latin')}") if fonts is not None else None
        if family and latin is not None:
            latin.set("typeface", family)
            for attribute in ("panose", "pitchFamily", "charset"):
                latin.attrib.pop(attribute, None)
    part.blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def theme_colors(presentation: Any) -> dict[str, str]:
    """The theme's colour slots as RRGGBB (for tests and checks)."""
    root = etree.fromstring(_theme_part(presentation).blob)
    scheme = root.find(f"{qn('a:themeElements')}/{qn('a:clrScheme')}")
    colors = {}
    for holder in scheme if scheme is not None else []:
        value = holder[0].get("val") or holder[0].get("lastClr") or ""
        colors[etree.QName(holder).localname] = value.upper()
    return colors


def theme_fonts(presentation: Any) -> tuple[str, str]:
    root = etree.fromstring(_theme_part(presentation).blob)
    fonts = root.find(f"{qn('a:themeElements')}/{qn('a:fontScheme')}")
    assert fonts is not None
    major = fonts.find(f"{qn('a:majorFont')}/{qn('a:latin')}")
    minor = fonts.find(f"{qn('a:minorFont')}/{qn('a:latin')}")
    return (
        major.get("typeface", "") if major is not None else "",
        minor.get("typeface", "") if minor is not None else "",
    )


# -- the built-in look ---------------------------------------------------------------------


def _dress_builtin(presentation: Any, colors: Palette) -> None:
    geometry = WIDESCREEN
    old_width = presentation.slide_width
    presentation.slide_width, presentation.slide_height = geometry.width, geometry.height
    stretch = geometry.width / old_width
    master = presentation.slide_master
    for holder in (master, *presentation.slide_layouts):
        for shape in holder.shapes:
            if shape.left is not None and shape.width is not None:
                shape.left, shape.width = int(shape.left * stretch), int(shape.width * stretch)
    footer_top, footer_height = inches(6.95), inches(0.35)
    places = {
        PP_PLACEHOLDER.TITLE: geometry.title,
        PP_PLACEHOLDER.BODY: geometry.body,
        PP_PLACEHOLDER.DATE: Box(inches(9.0), footer_top, inches(2.4), footer_height),
        PP_PLACEHOLDER.FOOTER: Box(geometry.body.left, footer_top, inches(8.0), footer_height),
        PP_PLACEHOLDER.SLIDE_NUMBER: Box(inches(11.53), footer_top, inches(1.2), footer_height),
    }
    for shape in master.placeholders:
        _place(shape, places.get(shape.placeholder_format.type))
        if shape.placeholder_format.type in _FOOTERS:
            _body_font(shape)
    _master_styles(master)
    on_primary = "FFFFFF" if contrast_ratio(f"#{colors.primary}", "#FFFFFF") >= 4.5 else _DARK_TEXT
    layouts = presentation.slide_layouts
    for layout in layouts:
        for shape in layout.placeholders:
            if shape.placeholder_format.type in _FOOTERS:
                _body_font(shape)
    _dress_title_layout(layouts[0], geometry, on_primary)
    _dress_content_layout(layouts[1], geometry, places)
    _dress_section_layout(layouts[2], geometry, places)
    _dress_content_layout(layouts[5], geometry, places)


_FOOTERS = (PP_PLACEHOLDER.DATE, PP_PLACEHOLDER.FOOTER, PP_PLACEHOLDER.SLIDE_NUMBER)


def _body_font(shape: Any) -> None:
    """Footers in the theme's body font (without one, LibreOffice picks a serif); the footer
    text starts at the left margin, under the slide's text."""
    for def_rpr in shape._element.iter(qn("a:defRPr")):
        if def_rpr.find(qn("a:latin")) is None:
            etree.SubElement(def_rpr, qn("a:latin")).set("typeface", "+mn-lt")
    if shape.placeholder_format.type == PP_PLACEHOLDER.FOOTER:
        for level in shape._element.iter(qn("a:lvl1pPr")):
            level.set("algn", "l")


def _place(shape: Any, box: Box | None) -> None:
    if box is not None:
        shape.left, shape.top, shape.width, shape.height = box.left, box.top, box.width, box.height


def _master_styles(master: Any) -> None:
    styles = master._element.find(qn("p:txStyles"))
    title = styles.find(f"{qn('p:titleStyle')}/{qn('a:lvl1pPr')}")
    title.set("algn", "l")
    _run_style(title.find(qn("a:defRPr")), size=3200, color="tx2")
    body = styles.find(qn("p:bodyStyle"))
    for level, size in enumerate((2000, 1800, 1600, 1600, 1600, 1600, 1600, 1600, 1600), 1):
        properties = body.find(qn(f"a:lvl{level}pPr"))
        if properties is not None:
            _run_style(properties.find(qn("a:defRPr")), size=size)


def _run_style(def_rpr: Any, *, size: int | None = None, color: str | None = None) -> None:
    if def_rpr is None:
        return
    if size is not None:
        def_rpr.set("sz", str(size))
    if color is not None:
        fill = def_rpr.find(qn("a:solidFill"))
        if fill is None:
            fill = etree.Element(qn("a:solidFill"))
            def_rpr.insert(0, fill)  # fills come before fonts in rPr
        for child in list(fill):
            fill.remove(child)
        if len(color) == 6:
            etree.SubElement(fill, qn("a:srgbClr")).set("val", color)
        else:
            etree.SubElement(fill, qn("a:schemeClr")).set("val", color)


def _placeholder_style(
    shape: Any, *, size: int, color: str, align: str = "l", anchor: str | None = None
) -> None:
    """A layout placeholder's own first-level text style (size, colour, alignment)."""
    tx_body = shape._element.find(qn("p:txBody"))
    if anchor is not None:
        tx_body.find(qn("a:bodyPr")).set("anchor", anchor)
    lst_style = tx_body.find(qn("a:lstStyle"))
    for child in list(lst_style):
        lst_style.remove(child)
    level = etree.SubElement(lst_style, qn("a:lvl1pPr"))
    level.set("marL", "0")
    level.set("indent", "0")
    level.set("algn", align)
    etree.SubElement(level, qn("a:buNone"))
    _run_style(etree.SubElement(level, qn("a:defRPr")), size=size, color=color)


def _by_type(layout: Any, *types: Any) -> Any:
    for shape in layout.placeholders:
        if shape.placeholder_format.type in types:
            return shape
    return None


def _dress_title_layout(layout: Any, geometry: Geometry, on_primary: str) -> None:
    band = Box(0, 0, geometry.width, inches(4.2))
    add_rectangle(layout, band, "accent1", name="Title band")
    title = _by_type(layout, PP_PLACEHOLDER.CENTER_TITLE)
    _place(title, Box(inches(0.8), inches(0.9), inches(11.7), inches(3.0)))
    _placeholder_style(title, size=4000, color=on_primary, anchor="b")
    subtitle = _by_type(layout, PP_PLACEHOLDER.SUBTITLE)
    _place(subtitle, Box(inches(0.8), inches(4.55), inches(8.8), inches(1.6)))
    _placeholder_style(subtitle, size=2000, color="tx1", anchor="t")


def _dress_content_layout(layout: Any, geometry: Geometry, places: Mapping[Any, Box]) -> None:
    for shape in layout.placeholders:
        kind = shape.placeholder_format.type
        box = places.get(PP_PLACEHOLDER.BODY if kind == PP_PLACEHOLDER.OBJECT else kind)
        _place(shape, box)
    title = _by_type(layout, PP_PLACEHOLDER.TITLE)
    _placeholder_style(title, size=3200, color="tx2", anchor="b")
    rule = Box(
        geometry.title.left, geometry.title.bottom + inches(0.05), geometry.body.width, inches(0.04)
    )
    add_rectangle(layout, rule, "accent3", name="Title rule")


def _dress_section_layout(layout: Any, geometry: Geometry, places: Mapping[Any, Box]) -> None:
    for shape in layout.placeholders:
        _place(
            shape,
            places.get(shape.placeholder_format.type)
            if shape.placeholder_format.type not in (PP_PLACEHOLDER.TITLE, PP_PLACEHOLDER.BODY)
            else None,
        )
    add_rectangle(layout, Box(0, 0, inches(0.35), geometry.height), "accent1", name="Section bar")
    title = _by_type(layout, PP_PLACEHOLDER.TITLE)
    _place(title, Box(inches(1.0), inches(1.6), inches(11.3), inches(2.6)))
    _placeholder_style(title, size=4000, color="tx2", anchor="b")
    add_rectangle(
        layout,
        Box(inches(1.1), inches(4.3), inches(2.0), inches(0.06)),
        "accent3",
        name="Section rule",
    )
    body = _by_type(layout, PP_PLACEHOLDER.BODY)
    _place(body, Box(inches(1.0), inches(4.5), inches(11.3), inches(1.2)))
    _placeholder_style(body, size=2000, color="tx1", anchor="t")


def add_rectangle(holder: Any, box: Box, color: str, *, name: str) -> Any:
    """A filled rectangle behind everything else of ``holder`` (a layout or slide), in a
    theme colour, marked decorative."""
    tree = holder.shapes._spTree
    shape_id = max((int(x) for x in tree.xpath(".//p:cNvPr/@id")), default=1) + 1
    xml = (
        f'<p:sp xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main" '
        f'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main">'
        f'<p:nvSpPr><p:cNvPr id="{shape_id}" name="{name}" descr=""/><p:cNvSpPr/>'
        f'<p:nvPr userDrawn="1"/></p:nvSpPr><p:spPr><a:xfrm><a:off x="{box.left}" y="{box.top}"/>'
        f'<a:ext cx="{box.width}" cy="{box.height}"/></a:xfrm>'
        f'<a:prstGeom prst="rect"><a:avLst/></a:prstGeom>'
        f'<a:solidFill><a:schemeClr val="{color}"/></a:solidFill><a:ln><a:noFill/></a:ln>'
        f"</p:spPr></p:sp>"
    )
    element = parse_xml(xml)
    tree.insert(2, element)  # after nvGrpSpPr and grpSpPr: at the back
    ooxml.describe(_ElementShape(element), "", decorative=True)
    return element


class _ElementShape:
    """Just enough of a shape for ``ooxml.describe``."""

    def __init__(self, element: Any) -> None:
        self._element = element


# -- logo ----------------------------------------------------------------------------------


def add_logo(template: Template, logo: Picture, description: str) -> None:
    """The logo on the title layout (in the white area, bottom right) and in the top right
    corner of the content layout, marked decorative."""
    presentation = template.presentation
    width, height = presentation.slide_width, presentation.slide_height
    margin = inches(0.35)
    title_box = Box(
        width - margin - inches(2.6), height - margin - inches(1.1), inches(2.6), inches(1.1)
    )
    corner = Box(width - margin - inches(1.35), inches(0.3), inches(1.35), inches(0.8))
    _picture_on_layout(template.title_layout, logo, title_box, description, bottom=True)
    if template.content_layout is not template.title_layout:
        _picture_on_layout(template.content_layout, logo, corner, description, bottom=False)


def _picture_on_layout(
    layout: Any, logo: Picture, area: Box, description: str, *, bottom: bool
) -> None:
    """The logo in ``area``, as large as fits, against its right edge and its top or bottom."""
    scale = min(area.width / logo.width_px, area.height / logo.height_px)
    width, height = int(logo.width_px * scale), int(logo.height_px * scale)
    left = area.right - width
    top = area.bottom - height if bottom else area.top
    _, r_id = layout.part.get_or_add_image_part(io.BytesIO(logo.data))
    tree = layout.shapes._spTree
    shape_id = max((int(x) for x in tree.xpath(".//p:cNvPr/@id")), default=1) + 1
    xml = (
        '<p:pic xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main" '
        'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        f'<p:nvPicPr><p:cNvPr id="{shape_id}" name="Logo"/>'
        '<p:cNvPicPr><a:picLocks noChangeAspect="1"/></p:cNvPicPr>'
        '<p:nvPr userDrawn="1"/></p:nvPicPr>'
        f'<p:blipFill><a:blip r:embed="{r_id}"/><a:stretch><a:fillRect/></a:stretch></p:blipFill>'
        f'<p:spPr><a:xfrm><a:off x="{left}" y="{top}"/><a:ext cx="{width}" cy="{height}"/></a:xfrm>'
        '<a:prstGeom prst="rect"><a:avLst/></a:prstGeom></p:spPr></p:pic>'
    )
    element = parse_xml(xml)
    tree.append(element)
    ooxml.describe(_ElementShape(element), description, decorative=True)


# -- an institution's template ---------------------------------------------------------------


def _pick_layouts(presentation: Any) -> tuple[Any, Any, Any]:
    layouts = list(presentation.slide_layouts)
    if not layouts:
        raise ValueError("the template has no slide layouts")

    def types(layout: Any) -> set[Any]:
        return {shape.placeholder_format.type for shape in layout.placeholders}

    def named(*words: str) -> Any:
        for layout in layouts:
            if all(word in layout.name.lower() for word in words):
                return layout
        return None

    titled = [
        layout
        for layout in layouts
        if types(layout) & {PP_PLACEHOLDER.TITLE, PP_PLACEHOLDER.CENTER_TITLE}
    ]
    content = (
        named("title", "content")
        or next(
            (
                layout
                for layout in titled
                if PP_PLACEHOLDER.TITLE in types(layout)
                and types(layout) & {PP_PLACEHOLDER.OBJECT, PP_PLACEHOLDER.BODY}
            ),
            None,
        )
        or named("title", "only")
        or (titled[0] if titled else layouts[0])
    )
    title = (
        next((layout for layout in layouts if PP_PLACEHOLDER.CENTER_TITLE in types(layout)), None)
        or content
    )
    section = named("section") or title
    return title, section, content


def body_placeholder(holder: Any) -> Any:
    """The main text placeholder of a layout or slide (object or body, lowest index)."""
    candidates = [
        (ph.idx, element)
        for ph, element in ooxml.placeholder_elements(holder)
        if ph.type in (PP_PLACEHOLDER.OBJECT, PP_PLACEHOLDER.BODY)
    ]
    if not candidates:
        return None
    return ooxml.placeholder_shape(holder, min(candidates, key=lambda pair: pair[0])[1])


def _geometry(presentation: Any, layout: Any) -> Geometry:
    width, height = presentation.slide_width, presentation.slide_height
    margin = int(width * 0.05)
    title = _by_type(layout, PP_PLACEHOLDER.TITLE, PP_PLACEHOLDER.CENTER_TITLE)
    title_box = (
        Box(title.left, title.top, title.width, title.height)
        if title is not None and title.width
        else Box(margin, int(height * 0.05), width - 2 * margin, int(height * 0.15))
    )
    body = body_placeholder(layout)
    if body is not None and body.width and body.height:
        body_box = Box(body.left, body.top, body.width, body.height)
    else:
        top = title_box.bottom + inches(0.15)
        body_box = Box(margin, top, width - 2 * margin, int(height * 0.9) - top)
    return Geometry(width, height, title_box, body_box, title_pt=_master_title_size(presentation))


def _master_title_size(presentation: Any) -> float:
    style = presentation.slide_master._element.find(
        f"{qn('p:txStyles')}/{qn('p:titleStyle')}/{qn('a:lvl1pPr')}/{qn('a:defRPr')}"
    )
    size = style.get("sz") if style is not None else None
    return int(size) / 100 if size else 44.0
