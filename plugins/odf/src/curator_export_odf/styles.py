"""Style elements in the order the ODF schema wants, and the pieces both formats share.

The OASIS schema fixes the order of a style's property elements (graphic, then paragraph,
then text properties; table-cell properties before paragraph properties); odfpy writes
children in the order they were added and checks none of it. :func:`style` takes the
properties by kind and always writes them in schema order.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from odf.element import Element

from curator_export_odf.build import E
from curator_export_odf.theme import Font, Palette

__all__ = ["Props", "character_styles", "font_faces", "style", "text_props"]

Props = Mapping[str, str | int | float]

#: Property elements in the order the schema accepts them within one style.
_PROPERTY_ORDER = (
    ("graphic", "style:graphic-properties"),
    ("drawing_page", "style:drawing-page-properties"),
    ("table", "style:table-properties"),
    ("column", "style:table-column-properties"),
    ("row", "style:table-row-properties"),
    ("cell", "style:table-cell-properties"),
    ("section", "style:section-properties"),
    ("paragraph", "style:paragraph-properties"),
    ("text", "style:text-properties"),
)


def style(
    name: str,
    family: str,
    *,
    parent: str | None = None,
    display: str | None = None,
    next_style: str | None = None,
    attributes: Props | None = None,
    children: Iterable[Element] = (),
    **properties: Props | None,
) -> Element:
    """A ``style:style`` with its property elements in schema order.

    ``properties`` are keyed ``graphic``, ``drawing_page``, ``table``, ``column``, ``row``,
    ``cell``, ``section``, ``paragraph`` or ``text``; each maps prefixed attribute names to
    values. ``children`` (tab stops, say) go inside the paragraph properties.
    """
    unknown = set(properties) - {key for key, _ in _PROPERTY_ORDER}
    if unknown:
        raise ValueError(f"unknown style properties {sorted(unknown)}")
    head: dict[str, str | int | float] = {"style:name": name, "style:family": family}
    if display:
        head["style:display-name"] = display
    if parent:
        head["style:parent-style-name"] = parent
    if next_style:
        head["style:next-style-name"] = next_style
    element = E("style:style", {**head, **(attributes or {})})
    extra = list(children)
    for key, tag in _PROPERTY_ORDER:
        values = properties.get(key)
        if values is None and not (key == "paragraph" and extra):
            continue
        props = E(tag, values or {})
        if key == "paragraph":
            for child in extra:
                props.addElement(child)
        element.addElement(props)
    return element


def font_faces(fonts: Iterable[Font]) -> list[Element]:
    """One ``style:font-face`` per distinct font."""
    seen: dict[str, Font] = {}
    for font in fonts:
        seen.setdefault(font.name, font)
    return [
        E(
            "style:font-face",
            {
                "style:name": font.name,
                "svg:font-family": font.family,
                "style:font-family-generic": font.generic,
                "style:font-pitch": font.pitch,
            },
        )
        for font in seen.values()
    ]


def text_props(
    font: Font | None = None, size: float | None = None, color: str | None = None, **extra: str
) -> dict[str, str]:
    """Text properties: a font (for Western, Asian and complex scripts), size in points,
    colour, and any other prefixed attributes given as ``fo_font_weight="bold"``."""
    props: dict[str, str] = {}
    if font is not None:
        props |= {
            "style:font-name": font.name,
            "style:font-name-asian": font.name,
            "style:font-name-complex": font.name,
        }
    if size is not None:
        props |= {
            "fo:font-size": f"{size:g}pt",
            "style:font-size-asian": f"{size:g}pt",
            "style:font-size-complex": f"{size:g}pt",
        }
    if color is not None:
        props["fo:color"] = color
    for key, value in extra.items():
        prefix, _, local = key.partition("_")
        props[f"{prefix}:{local.replace('_', '-')}"] = value
    return props


def character_styles(palette: Palette, names: Mapping[str, str]) -> list[Element]:
    """The character styles of inline content, named by ``names`` (see CharacterStyles):
    emphasis, strong, code, strikethrough, subscript, superscript, links."""
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
    underline = {
        "style:text-underline-style": "solid",
        "style:text-underline-width": "auto",
        "style:text-underline-color": "font-color",
    }
    specs: dict[str, tuple[str, dict[str, str]]] = {
        "emphasis": ("Emphasis", italic),
        "strong": ("Strong Emphasis", bold),
        "code": ("Source Text", text_props(palette.mono) | {"fo:background-color": palette.panel}),
        "strikethrough": (
            "Strikethrough",
            {"style:text-line-through-style": "solid", "style:text-line-through-type": "single"},
        ),
        "subscript": ("Subscript", {"style:text-position": "sub 58%"}),
        "superscript": ("Superscript", {"style:text-position": "super 58%"}),
        "link": ("Internet Link", {"fo:color": palette.primary} | underline),
        "visited_link": ("Visited Internet Link", {"fo:color": palette.secondary} | underline),
    }
    elements = []
    for key, (display, props) in specs.items():
        name = names[key]
        elements.append(
            style(name, "text", display=display if name != display else None, text=props)
        )
    return elements
