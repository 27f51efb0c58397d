"""The style sheet of a text document: page, headings, body, code, lists, callouts, index.

Style names are LibreOffice's own where one exists (``Heading_20_1``, ``Text_20_body``,
``Preformatted_20_Text``, ``Source_20_Text``, ``Internet_20_link``, ``Contents_20_1`` ...)
so that the document's outline, navigator and "update index" work as users expect. Headings
take the brand's heading font and primary colour, body text its body font; the institution
name and the logo go in the page header, the title and page numbers in the footer.
"""

from __future__ import annotations

import attrs
from odf.element import Element
from odf.opendocument import OpenDocument

from curator_export_odf.build import E
from curator_export_odf.inlines import CharacterStyles
from curator_export_odf.styles import character_styles, font_faces, style, text_props
from curator_export_odf.theme import Palette

__all__ = [
    "CALLOUT_KINDS",
    "CHARACTER_STYLES",
    "Page",
    "add_styles",
    "callout_kind",
]

CHARACTER_STYLES = CharacterStyles()
HEADING_SIZES = (22.0, 17.0, 14.0, 12.5, 11.5, 11.0, 11.0, 11.0, 11.0, 11.0)
BODY_SIZE = 11.0
CODE_SIZE = 9.0

#: Callout kinds with a look of their own; other kinds look like ``callout``.
CALLOUT_KINDS = (
    "callout",
    "challenge",
    "solution",
    "instructor",
    "keypoints",
    "objectives",
    "questions",
    "discussion",
    "caution",
    "hint",
    "notes",
)


@attrs.frozen
class Page:
    """An A4 page with 2 cm margins; ``text_width`` is what paragraphs get."""

    width: float = 21.0
    height: float = 29.7
    margin: float = 2.0

    @property
    def text_width(self) -> float:
        return self.width - 2 * self.margin


def callout_kind(kind: str) -> str:
    """The look a fenced div of this kind gets: its own, or that of ``callout``."""
    return kind if kind in CALLOUT_KINDS else "callout"


def _tints(palette: Palette) -> dict[str, tuple[str, str]]:
    """(background, label colour) of each callout kind."""
    return {
        "callout": (palette.panel, palette.primary),
        "challenge": ("#eef2ff", palette.primary),
        "solution": ("#f0fdf4", "#166534"),
        "instructor": ("#fffbeb", "#92400e"),
        "keypoints": ("#f0f9ff", palette.secondary),
        "objectives": ("#f0f9ff", palette.secondary),
        "questions": ("#f0f9ff", palette.secondary),
        "discussion": (palette.panel, palette.primary),
        "caution": ("#fef2f2", "#991b1b"),
        "hint": (palette.panel, palette.primary),
        "notes": ("#fffbeb", "#92400e"),
    }


def add_styles(
    document: OpenDocument,
    palette: Palette,
    page: Page,
    *,
    language: str,
    header: Element | None,
    footer: Element,
) -> None:
    """Fill the document's font faces, styles, automatic styles and master page."""
    for face in font_faces((palette.body, palette.heading, palette.mono)):
        document.fontfacedecls.addElement(face)
    for element in _common_styles(palette, page, language):
        document.styles.addElement(element)
    for element in _content_automatic_styles(palette):
        document.automaticstyles.addElement(element)
    layout = E("style:page-layout", {"style:name": "PageLayout"})
    layout.addElement(
        E(
            "style:page-layout-properties",
            {
                "fo:page-width": f"{page.width}cm",
                "fo:page-height": f"{page.height}cm",
                "style:print-orientation": "portrait",
                "fo:margin-top": "1.2cm",
                "fo:margin-bottom": "1.2cm",
                "fo:margin-left": f"{page.margin}cm",
                "fo:margin-right": f"{page.margin}cm",
                "style:writing-mode": "lr-tb",
            },
        )
    )
    for kind, spacing in (("header", "fo:margin-bottom"), ("footer", "fo:margin-top")):
        layout.addElement(
            E(
                f"style:{kind}-style",
                {},
                E(
                    "style:header-footer-properties",
                    {"fo:min-height": "0.6cm", spacing: "0.5cm"},
                ),
            )
        )
    document.automaticstyles.addElement(layout)
    master = E(
        "style:master-page", {"style:name": "Standard", "style:page-layout-name": "PageLayout"}
    )
    if header is not None:
        master.addElement(E("style:header", {}, header))
    master.addElement(E("style:footer", {}, footer))
    document.masterstyles.addElement(master)


def _common_styles(palette: Palette, page: Page, language: str) -> list[Element]:
    lang, _, country = language.partition("-")
    locale = {"fo:language": lang.lower()} | ({"fo:country": country.upper()} if country else {})
    bold = {
        "fo:font-weight": "bold",
        "style:font-weight-asian": "bold",
        "style:font-weight-complex": "bold",
    }
    italic = {
        "fo:font-style": "italic",
        "style:font-style-asian": "italic",
        "style:font-style-complex": "italic",
    }
    right_tab = E(
        "style:tab-stops",
        {},
        E("style:tab-stop", {"style:position": f"{page.text_width}cm", "style:type": "right"}),
    )
    elements = [
        E(
            "style:default-style",
            {"style:family": "paragraph"},
            E("style:paragraph-properties", {"style:writing-mode": "page"}),
            E("style:text-properties", text_props(palette.body, BODY_SIZE, palette.text) | locale),
        ),
        style("Standard", "paragraph", attributes={"style:class": "text"}),
        style(
            "Text_20_body",
            "paragraph",
            display="Text body",
            parent="Standard",
            attributes={"style:class": "text"},
            paragraph={
                "fo:margin-top": "0cm",
                "fo:margin-bottom": "0.22cm",
                "fo:line-height": "120%",
            },
        ),
        style(
            "Heading",
            "paragraph",
            parent="Standard",
            next_style="Text_20_body",
            attributes={"style:class": "text"},
            paragraph={
                "fo:margin-top": "0.45cm",
                "fo:margin-bottom": "0.2cm",
                "fo:keep-with-next": "always",
            },
            text=text_props(palette.heading, 14, palette.primary) | bold,
        ),
    ]
    for level, size in enumerate(HEADING_SIZES, start=1):
        elements.append(
            style(
                f"Heading_20_{level}",
                "paragraph",
                display=f"Heading {level}",
                parent="Heading",
                next_style="Text_20_body",
                attributes={"style:default-outline-level": level, "style:class": "text"},
                text=text_props(size=size) | (italic if level > 6 else {}),
            )
        )
    elements += [
        style(
            "Title",
            "paragraph",
            parent="Heading",
            next_style="Subtitle",
            attributes={"style:class": "chapter"},
            paragraph={
                "fo:text-align": "center",
                "fo:margin-top": "0cm",
                "fo:margin-bottom": "0.2cm",
            },
            text=text_props(size=26),
        ),
        style(
            "Subtitle",
            "paragraph",
            parent="Standard",
            next_style="Text_20_body",
            attributes={"style:class": "chapter"},
            paragraph={"fo:text-align": "center", "fo:margin-bottom": "0.5cm"},
            text=text_props(palette.heading, 12, palette.secondary),
        ),
        style(
            "Item_20_Label",
            "paragraph",
            display="Item Label",
            parent="Standard",
            next_style="Text_20_body",
            paragraph={"fo:margin-bottom": "0.2cm", "fo:keep-with-next": "always"},
            text=text_props(
                palette.heading,
                9,
                palette.secondary,
                fo_text_transform="uppercase",
                fo_letter_spacing="0.03cm",
            )
            | bold,
        ),
        style(
            "Preformatted_20_Text",
            "paragraph",
            display="Preformatted Text",
            parent="Standard",
            attributes={"style:class": "html"},
            paragraph={
                "fo:margin-top": "0.1cm",
                "fo:margin-bottom": "0.25cm",
                "fo:background-color": palette.panel,
                "fo:border": f"0.5pt solid {palette.rule}",
                "fo:padding": "0.15cm",
                "fo:line-height": "115%",
            },
            text=text_props(palette.mono, CODE_SIZE, "#111827", fo_hyphenate="false"),
        ),
        style(
            "Code_20_Output",
            "paragraph",
            display="Code Output",
            parent="Preformatted_20_Text",
            paragraph={
                "fo:background-color": "#ffffff",
                "fo:padding": "0.15cm",
                "fo:border": "0.5pt solid #9ca3af",
            },
        ),
        style(
            "Code_20_Error",
            "paragraph",
            display="Code Error",
            parent="Preformatted_20_Text",
            paragraph={
                "fo:background-color": "#fef2f2",
                "fo:padding": "0.15cm",
                "fo:border": "0.5pt solid #b91c1c",
            },
            text={"fo:color": "#7f1d1d"},
        ),
        style(
            "Quotations",
            "paragraph",
            parent="Text_20_body",
            attributes={"style:class": "html"},
            paragraph={
                "fo:margin-left": "0.8cm",
                "fo:margin-right": "0.8cm",
                "fo:border-left": f"2.5pt solid {palette.rule}",
                "fo:padding-left": "0.3cm",
            },
        ),
        style(
            "List_20_Tight",
            "paragraph",
            display="List Tight",
            parent="Text_20_body",
            attributes={"style:class": "list"},
            paragraph={"fo:margin-top": "0cm", "fo:margin-bottom": "0.06cm"},
        ),
        style(
            "List_20_Tight_20_Last",
            "paragraph",
            display="List Tight Last",
            parent="List_20_Tight",
            attributes={"style:class": "list"},
            paragraph={"fo:margin-bottom": "0.22cm"},
        ),
        style(
            "List_20_Loose",
            "paragraph",
            display="List Loose",
            parent="Text_20_body",
            attributes={"style:class": "list"},
        ),
        style(
            "Table_20_Contents",
            "paragraph",
            display="Table Contents",
            parent="Standard",
            attributes={"style:class": "extra"},
            text=text_props(size=10),
        ),
        style(
            "Table_20_Heading",
            "paragraph",
            display="Table Heading",
            parent="Table_20_Contents",
            attributes={"style:class": "extra"},
            text=bold,
        ),
        style(
            "Figure",
            "paragraph",
            parent="Standard",
            attributes={"style:class": "extra"},
            paragraph={
                "fo:text-align": "center",
                "fo:margin-top": "0.15cm",
                "fo:margin-bottom": "0.25cm",
            },
        ),
        style(
            "Caption",
            "paragraph",
            parent="Standard",
            attributes={"style:class": "extra"},
            paragraph={"fo:text-align": "center", "fo:margin-bottom": "0.3cm"},
            text=text_props(size=9.5, color=palette.secondary) | italic,
        ),
        style(
            "Callout_20_Label",
            "paragraph",
            display="Callout Label",
            parent="Standard",
            next_style="Text_20_body",
            paragraph={
                "fo:margin-top": "0.1cm",
                "fo:margin-bottom": "0.15cm",
                "fo:keep-with-next": "always",
            },
            text=text_props(
                palette.heading,
                10,
                palette.primary,
                fo_text_transform="uppercase",
                fo_letter_spacing="0.02cm",
            )
            | bold,
        ),
        style(
            "Horizontal_20_Line",
            "paragraph",
            display="Horizontal Line",
            parent="Standard",
            next_style="Text_20_body",
            attributes={"style:class": "html"},
            paragraph={
                "fo:margin-top": "0.1cm",
                "fo:margin-bottom": "0.3cm",
                "fo:border-bottom": f"1pt solid {palette.accent}",
                "fo:padding": "0cm",
            },
            text=text_props(size=4),
        ),
        style(
            "Header",
            "paragraph",
            parent="Standard",
            attributes={"style:class": "extra"},
            children=[right_tab],
            paragraph={
                "fo:border-bottom": f"0.75pt solid {palette.primary}",
                "fo:padding-bottom": "0.1cm",
            },
            text=text_props(palette.heading, 9, palette.primary) | bold,
        ),
        style(
            "Footer",
            "paragraph",
            parent="Standard",
            attributes={"style:class": "extra"},
            children=[
                E(
                    "style:tab-stops",
                    {},
                    E(
                        "style:tab-stop",
                        {"style:position": f"{page.text_width}cm", "style:type": "right"},
                    ),
                )
            ],
            text=text_props(size=8.5, color=palette.secondary),
        ),
        style(
            "Contents_20_Heading",
            "paragraph",
            display="Contents Heading",
            parent="Heading",
            attributes={"style:class": "index"},
            text=text_props(size=16),
        ),
    ]
    for level in (1, 2, 3):
        elements.append(
            style(
                f"Contents_20_{level}",
                "paragraph",
                display=f"Contents {level}",
                parent="Standard",
                attributes={"style:class": "index"},
                paragraph={
                    "fo:margin-left": f"{0.5 * (level - 1)}cm",
                    "fo:margin-bottom": "0.08cm",
                },
                text=bold if level == 1 else {},
            )
        )
    elements.append(
        style(
            "Graphics",
            "graphic",
            graphic={
                "style:vertical-pos": "top",
                "style:vertical-rel": "baseline",
                "fo:border": "none",
                "fo:padding": "0cm",
                "style:wrap": "none",
            },
        )
    )
    elements += character_styles(palette, attrs.asdict(CHARACTER_STYLES))
    elements += [_outline_style(), _bullet_list_style(), _numbered_list_style()]
    return elements


def _content_automatic_styles(palette: Palette) -> list[Element]:
    elements = []
    for kind, (background, label) in _tints(palette).items():
        elements += [
            style(
                f"Callout_20_Frame_{kind}",
                "table-cell",
                cell={
                    "fo:background-color": background,
                    "fo:padding": "0.25cm",
                    "fo:border": "none",
                    "fo:border-left": f"3pt solid {label}",
                },
            ),
            style(
                f"Callout_20_Label_{kind}",
                "paragraph",
                parent="Callout_20_Label",
                text={"fo:color": label},
            ),
        ]
    elements += [
        style("Callout_20_Row", "table-row", row={"fo:keep-together": "auto"}),
        style(
            "Session_20_Heading",
            "paragraph",
            parent="Heading_20_2",
            paragraph={"fo:break-before": "page"},
        ),
        style(
            "Table_20_Center",
            "paragraph",
            parent="Table_20_Contents",
            paragraph={"fo:text-align": "center"},
        ),
        style(
            "Table_20_Right",
            "paragraph",
            parent="Table_20_Contents",
            paragraph={"fo:text-align": "end"},
        ),
        style(
            "Table_20_Cell",
            "table-cell",
            cell={"fo:padding": "0.1cm", "fo:border": f"0.5pt solid {palette.rule}"},
        ),
        style(
            "Table_20_Head_20_Cell",
            "table-cell",
            cell={
                "fo:padding": "0.1cm",
                "fo:border": f"0.5pt solid {palette.rule}",
                "fo:background-color": palette.panel,
            },
        ),
    ]
    return elements


def _outline_style() -> Element:
    """Headings are not numbered; the outline style still names every level."""
    outline = E("text:outline-style", {"style:name": "Outline"})
    for level in range(1, 11):
        outline.addElement(
            E(
                "text:outline-level-style",
                {"text:level": level, "style:num-format": ""},
            )
        )
    return outline


def _list_level_properties(level: int) -> Element:
    indent = 0.635 * level
    return E(
        "style:list-level-properties",
        {"text:list-level-position-and-space-mode": "label-alignment"},
        E(
            "style:list-level-label-alignment",
            {
                "text:label-followed-by": "listtab",
                "text:list-tab-stop-position": f"{indent:.3f}cm",
                "fo:text-indent": "-0.635cm",
                "fo:margin-left": f"{indent:.3f}cm",
            },
        ),
    )


def _bullet_list_style() -> Element:
    bullets = ("\u2022", "\u25e6", "\u25aa")
    list_style = E(
        "text:list-style", {"style:name": "List_20_Bullet", "style:display-name": "List Bullet"}
    )
    for level in range(1, 11):
        list_style.addElement(
            E(
                "text:list-level-style-bullet",
                {"text:level": level, "text:bullet-char": bullets[(level - 1) % 3]},
                _list_level_properties(level),
            )
        )
    return list_style


def _numbered_list_style() -> Element:
    formats = ("1", "a", "i")
    list_style = E(
        "text:list-style", {"style:name": "Numbering_20_123", "style:display-name": "Numbering 123"}
    )
    for level in range(1, 11):
        list_style.addElement(
            E(
                "text:list-level-style-number",
                {
                    "text:level": level,
                    "style:num-suffix": ".",
                    "style:num-format": formats[(level - 1) % 3],
                },
                _list_level_properties(level),
            )
        )
    return list_style
