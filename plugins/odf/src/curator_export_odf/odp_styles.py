"""The geometry and style sheet of a presentation: a 16:9 slide, its placeholders, the
master page with the institution's name, logo and slide number, and the notes page.

Every length is in centimetres. The body holds ``LINES`` lines of ``BODY_SIZE`` type; the
deck (``curator_export.deck``) is cut with :data:`FIT`, which matches this geometry with
room to spare (the body type is smaller than a line's share of the height, and a line
holds more characters than ``FIT`` counts), so no text runs off a slide.
"""

from __future__ import annotations

import attrs
from odf.element import Element
from odf.opendocument import OpenDocument

from curator_export.deck import SlideFit
from curator_export_odf.build import E, add_text
from curator_export_odf.images import Picture, frame
from curator_export_odf.inlines import CharacterStyles
from curator_export_odf.styles import character_styles, font_faces, style, text_props
from curator_export_odf.theme import Palette

__all__ = [
    "BODY",
    "CHARACTER_STYLES",
    "FIT",
    "LINE",
    "SLIDE_HEIGHT",
    "SLIDE_WIDTH",
    "Box",
    "StyleBook",
    "add_master",
]

SLIDE_WIDTH = 28.0
SLIDE_HEIGHT = 15.75


@attrs.frozen
class Box:
    x: float
    y: float
    width: float
    height: float

    def attributes(self) -> dict[str, str]:
        return {
            "svg:x": f"{self.x:.3f}cm",
            "svg:y": f"{self.y:.3f}cm",
            "svg:width": f"{self.width:.3f}cm",
            "svg:height": f"{self.height:.3f}cm",
        }


TITLE = Box(1.2, 0.45, 25.6, 2.3)
BODY = Box(1.4, 3.05, 25.2, 11.0)
TITLE_SLIDE_TITLE = Box(1.5, 4.6, 25.0, 3.6)
TITLE_SLIDE_SUBTITLE = Box(1.5, 8.5, 25.0, 2.4)
SECTION_TITLE = Box(1.5, 5.2, 25.0, 3.2)
FOOTER_Y = 14.75
FOOTER_HEIGHT = 0.75

LINES = 13
LINE = BODY.height / LINES
BODY_SIZE = 18.0
CODE_SIZE = 14.0
TABLE_SIZE = 15.0
NOTES_SIZE = 12.0
#: What a content slide holds (see the module docstring): 66 characters of 18 pt type are
#: about 21 cm of the body's 25.2, 78 of 14 pt monospace about 23 cm, 80 of 15 pt table
#: text about 23 cm; a line of code (14 pt) or of a table cell (15 pt) is three quarters of
#: a body line.
FIT = SlideFit(
    lines=LINES,
    chars_per_line=66,
    code_chars_per_line=78,
    image_lines=9,
    code_line_height=0.75,
    table_chars_per_line=80,
    table_line_height=0.75,
)

CHARACTER_STYLES = CharacterStyles(
    emphasis="T_emphasis",
    strong="T_strong",
    code="T_code",
    strikethrough="T_strikethrough",
    subscript="T_subscript",
    superscript="T_superscript",
    link="T_link",
    visited_link="T_visited_link",
    missing_image="T_emphasis",
)

#: Title sizes (pt) by the length of the title: a long title gets smaller type.
_TITLE_SIZES = ((40, 30.0), (80, 26.0), (120, 22.0), (10**9, 18.0))


def title_size(title: str) -> float:
    return next(size for limit, size in _TITLE_SIZES if len(title) <= limit)


class StyleBook:
    """The presentation's styles; paragraph styles at a given type size are made when first
    asked for (a slide whose content is too tall gets all its type scaled down)."""

    def __init__(self, document: OpenDocument, palette: Palette) -> None:
        self.document = document
        self.palette = palette
        self._made: set[str] = set()

    def add_fixed(self, language: str) -> None:
        palette = self.palette
        document = self.document
        for face in font_faces((palette.body, palette.heading, palette.mono)):
            document.fontfacedecls.addElement(face)
        lang, _, country = language.partition("-")
        locale = {"fo:language": lang.lower()} | (
            {"fo:country": country.upper()} if country else {}
        )
        document.styles.addElement(
            E(
                "style:default-style",
                {"style:family": "graphic"},
                E("style:graphic-properties", {"draw:stroke": "none", "draw:fill": "none"}),
                E("style:paragraph-properties", {"style:writing-mode": "lr-tb"}),
                E(
                    "style:text-properties",
                    text_props(palette.body, BODY_SIZE, palette.text) | locale,
                ),
            )
        )
        frame_props = {
            "draw:stroke": "none",
            "draw:fill": "none",
            "draw:auto-grow-height": "false",
            "draw:textarea-vertical-align": "top",
            "fo:padding": "0cm",
        }
        bold = {
            "fo:font-weight": "bold",
            "style:font-weight-asian": "bold",
            "style:font-weight-complex": "bold",
        }
        for name, props in (
            ("Default-title", text_props(palette.heading, 30, palette.primary) | bold),
            ("Default-subtitle", text_props(palette.body, 20, palette.secondary)),
            ("Default-outline1", text_props(palette.body, BODY_SIZE, palette.text)),
            ("Default-notes", text_props(palette.body, NOTES_SIZE, palette.text)),
        ):
            document.styles.addElement(style(name, "presentation", graphic=frame_props, text=props))
        automatic = document.automaticstyles
        for element in character_styles(palette, attrs.asdict(CHARACTER_STYLES)):
            automatic.addElement(element)
        automatic.addElement(
            style(
                "gr_text", "graphic", graphic=frame_props | {"draw:textarea-vertical-align": "top"}
            )
        )
        automatic.addElement(
            style(
                "gr_code",
                "graphic",
                graphic=frame_props
                | {
                    "draw:fill": "solid",
                    "draw:fill-color": palette.panel,
                    "draw:stroke": "solid",
                    "svg:stroke-color": palette.rule,
                    "svg:stroke-width": "0.03cm",
                    "fo:padding": "0.15cm",
                },
            )
        )
        automatic.addElement(
            style(
                "gr_output",
                "graphic",
                graphic=frame_props
                | {
                    "draw:fill": "solid",
                    "draw:fill-color": "#ffffff",
                    "draw:stroke": "solid",
                    "svg:stroke-color": "#9ca3af",
                    "svg:stroke-width": "0.03cm",
                    "fo:padding": "0.15cm",
                },
            )
        )
        automatic.addElement(
            style(
                "gr_error",
                "graphic",
                graphic=frame_props
                | {
                    "draw:fill": "solid",
                    "draw:fill-color": "#fef2f2",
                    "draw:stroke": "solid",
                    "svg:stroke-color": "#b91c1c",
                    "svg:stroke-width": "0.03cm",
                    "fo:padding": "0.15cm",
                },
            )
        )
        automatic.addElement(
            style("gr_plain", "graphic", graphic={"draw:stroke": "none", "draw:fill": "none"})
        )
        automatic.addElement(
            style(
                "gr_rule",
                "graphic",
                graphic={
                    "draw:stroke": "none",
                    "draw:fill": "solid",
                    "draw:fill-color": palette.accent,
                },
            )
        )
        automatic.addElement(
            style(
                "dp_slide",
                "drawing-page",
                drawing_page={"draw:fill": "solid", "draw:fill-color": "#ffffff"},
            )
        )
        # LibreOffice reads a cell's fill only from graphic properties, which ODF does not
        # allow in cell styles: cells get their rules (from the paragraph properties, which
        # it reads) and keep its default fill.
        for name, props in (
            ("ce_head", {"fo:background-color": palette.panel}),
            ("ce_cell", {}),
        ):
            automatic.addElement(
                style(
                    name,
                    "table-cell",
                    cell=props
                    | {"fo:border": f"0.03cm solid {palette.rule}", "fo:padding": "0.1cm"},
                    paragraph=props
                    | {"fo:border": f"0.03cm solid {palette.rule}", "fo:padding": "0.1cm"},
                )
            )
        automatic.addElement(self._list_style())

    def paragraph(self, role: str, size: float, *, last: bool = False) -> str:
        """An automatic paragraph style for a role (body, list, heading, label, code,
        caption, cell, head, subtitle, notes, footer, number) at ``size`` points."""
        name = f"P_{role}_{size:.1f}{'_last' if last else ''}".replace(".", "_")
        if name in self._made:
            return name
        self._made.add(name)
        palette = self.palette
        line = LINE * size / BODY_SIZE
        bold = {
            "fo:font-weight": "bold",
            "style:font-weight-asian": "bold",
            "style:font-weight-complex": "bold",
        }
        after = f"{0.4 * line:.3f}cm"
        paragraph: dict[str, str] = {"fo:margin-top": "0cm", "fo:margin-bottom": after}
        text = text_props(palette.body, size, palette.text)
        match role:
            case "list":
                paragraph["fo:margin-bottom"] = after if last else "0cm"
            case "heading":
                paragraph = {
                    "fo:margin-top": f"{0.25 * line:.3f}cm",
                    "fo:margin-bottom": f"{0.2 * line:.3f}cm",
                }
                text = text_props(palette.heading, size, palette.primary) | bold
            case "label":
                paragraph["fo:margin-bottom"] = "0cm"
                text = text_props(palette.heading, size * 0.8, palette.secondary) | bold
            case "code":
                paragraph = {"fo:margin-top": "0cm", "fo:margin-bottom": "0cm"}
                text = text_props(palette.mono, size, "#111827")
            case "caption":
                paragraph |= {"fo:text-align": "center"}
                text = text_props(palette.body, size * 0.8, palette.secondary)
            case "cell" | "head":
                paragraph = {"fo:margin-top": "0cm", "fo:margin-bottom": "0cm"}
                text = text_props(palette.body, size, palette.text) | (
                    bold if role == "head" else {}
                )
            case "subtitle":
                paragraph = {"fo:text-align": "center", "fo:margin-bottom": "0.1cm"}
                text = text_props(palette.body, size, palette.secondary)
            case "title":
                paragraph = {"fo:text-align": "start"}
                text = text_props(palette.heading, size, palette.primary) | bold
            case "title_center":
                paragraph = {"fo:text-align": "center"}
                text = text_props(palette.heading, size, palette.primary) | bold
            case "notes":
                paragraph = {"fo:margin-bottom": "0.15cm"}
            case "footer" | "number":
                paragraph = {"fo:text-align": "end" if role == "number" else "start"}
                text = text_props(palette.body, size, palette.secondary)
        self.document.automaticstyles.addElement(
            style(name, "paragraph", paragraph=paragraph, text=text)
        )
        return name

    def _list_style(self) -> Element:
        bullets = ("\u2022", "\u2013", "\u25e6")
        list_style = E("text:list-style", {"style:name": "L_bullet"})
        for level in range(1, 11):
            list_style.addElement(
                E(
                    "text:list-level-style-bullet",
                    {
                        "text:level": level,
                        "text:bullet-char": bullets[(level - 1) % 3],
                        "text:bullet-relative-size": "100%",
                    },
                    E(
                        "style:list-level-properties",
                        {
                            "text:space-before": f"{0.8 * (level - 1):.2f}cm",
                            "text:min-label-width": "0.8cm",
                        },
                    ),
                    E("style:text-properties", {"fo:font-size": "100%"}),
                )
            )
        numbers = E("text:list-style", {"style:name": "L_number"})
        for level in range(1, 11):
            numbers.addElement(
                E(
                    "text:list-level-style-number",
                    {"text:level": level, "style:num-format": "1", "style:num-suffix": "."},
                    E(
                        "style:list-level-properties",
                        {
                            "text:space-before": f"{0.8 * (level - 1):.2f}cm",
                            "text:min-label-width": "0.8cm",
                        },
                    ),
                    E("style:text-properties", {"fo:font-size": "100%"}),
                )
            )
        self.document.automaticstyles.addElement(numbers)
        return list_style


def add_master(
    document: OpenDocument,
    book: StyleBook,
    *,
    institution: str | None,
    logo: Picture | None,
) -> None:
    """The slide and notes page layouts and the one master page every slide uses."""
    automatic = document.automaticstyles
    for name, width, height, orientation in (
        ("PM_slide", SLIDE_WIDTH, SLIDE_HEIGHT, "landscape"),
        ("PM_notes", 21.0, 29.7, "portrait"),
    ):
        automatic.addElement(
            E(
                "style:page-layout",
                {"style:name": name},
                E(
                    "style:page-layout-properties",
                    {
                        "fo:margin-top": "0cm",
                        "fo:margin-bottom": "0cm",
                        "fo:margin-left": "0cm",
                        "fo:margin-right": "0cm",
                        "fo:page-width": f"{width}cm",
                        "fo:page-height": f"{height}cm",
                        "style:print-orientation": orientation,
                    },
                ),
            )
        )
    master = E(
        "style:master-page",
        {
            "style:name": "Default",
            "style:page-layout-name": "PM_slide",
            "draw:style-name": "dp_slide",
        },
    )
    left = 1.2
    if logo is not None:
        width, height = logo.fitted(4.0, FOOTER_HEIGHT)
        master.addElement(
            frame(
                logo,
                width=width,
                height=height,
                description=f"{institution} logo" if institution else "Logo",
                attributes={
                    "draw:style-name": "gr_plain",
                    "draw:name": "Logo",
                    "svg:x": f"{left:.3f}cm",
                    "svg:y": f"{FOOTER_Y + (FOOTER_HEIGHT - height) / 2:.3f}cm",
                },
            )
        )
        left += width + 0.3
    if institution:
        paragraph = E("text:p", {"text:style-name": book.paragraph("footer", 11)})
        add_text(paragraph, institution)
        master.addElement(
            _text_frame(Box(left, FOOTER_Y, 20.0, FOOTER_HEIGHT), "Footer", paragraph)
        )
    number = E(
        "text:p",
        {"text:style-name": book.paragraph("number", 11)},
        E("text:page-number", {}, text="1"),
    )
    master.addElement(_text_frame(Box(23.8, FOOTER_Y, 3.0, FOOTER_HEIGHT), "Slide number", number))
    master.addElement(notes_page())
    document.masterstyles.addElement(master)


def _text_frame(box: Box, name: str, *paragraphs: Element) -> Element:
    return E(
        "draw:frame",
        {"draw:style-name": "gr_text", "draw:name": name, **box.attributes()},
        E("draw:text-box", {}, *paragraphs),
    )


def notes_page(page_number: int | None = None, *paragraphs: Element) -> Element:
    """A notes page: the slide's picture on top, the notes below (placeholders on the
    master, the slide's own notes on a slide)."""
    thumbnail: dict[str, str | int] = {
        "presentation:class": "page",
        **Box(2.0, 2.0, 17.0, 9.56).attributes(),
    }
    placeholder = {"presentation:placeholder": "true"} if page_number is None else {}
    if page_number is not None:
        thumbnail["draw:page-number"] = page_number
    notes = E(
        "draw:frame",
        {
            **placeholder,
            "presentation:class": "notes",
            "presentation:style-name": "Default-notes",
            **Box(2.0, 12.5, 17.0, 15.0).attributes(),
        },
        E("draw:text-box", {}, *paragraphs),
    )
    return E(
        "presentation:notes",
        {"style:page-layout-name": "PM_notes"},
        E("draw:page-thumbnail", thumbnail),
        notes,
    )
