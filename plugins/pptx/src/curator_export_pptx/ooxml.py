"""Small pieces of PresentationML that python-pptx has no API for.

Paragraph properties (bullets, numbering, exact line pitch), shrink-on-overflow with a scale,
pictures marked decorative, and PowerPoint sections (``p14:sectionLst``). Child elements are
written in the order the schema requires: PowerPoint refuses files that get it wrong, even
where LibreOffice and python-pptx do not mind.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from lxml import etree
from pptx.oxml.ns import qn

PML = "http://schemas.openxmlformats.org/presentationml/2006/main"
P14 = "http://schemas.microsoft.com/office/powerpoint/2010/main"
ADEC = "http://schemas.microsoft.com/office/drawing/2017/decorative"
SECTIONS_URI = "{521415D9-36F7-43E2-AB2F-B90AF26B5E84}"
DECORATIVE_URI = "{C183D7F6-B498-43B3-948B-1728B52AA6E4}"
#: Bullet characters by list depth.
BULLETS = ("•", "–", "◦")
#: The ``p:ph`` of every placeholder shape of a shape tree, in document order: the test
#: python-pptx makes per shape (``./*[1]/p:nvPr/p:ph``), compiled once for the whole tree.
_PLACEHOLDER_PH = etree.XPath(
    "./*[self::p:sp or self::p:grpSp or self::p:graphicFrame or self::p:cxnSp or self::p:pic"
    " or self::p:contentPart]/*[1]/p:nvPr/p:ph",
    namespaces={"p": PML},
)


def placeholder_elements(holder: Any) -> list[tuple[Any, Any]]:
    """``(p:ph, shape element)`` for each placeholder of a slide, layout or master, in the
    order of ``holder.placeholders`` (a slide's by ``idx``, others' in document order).

    python-pptx evaluates an XPath expression several times per shape to list placeholders
    and read their type, which made finding a slide's footer or body a large part of writing
    a deck; here it is one compiled query, and ``ph.type`` and ``ph.idx`` are attributes.
    """
    from pptx.slide import Slide

    tree = holder._element.cSld.spTree
    found = [(ph, ph.getparent().getparent().getparent()) for ph in _PLACEHOLDER_PH(tree)]
    if isinstance(holder, Slide):
        found.sort(key=lambda pair: pair[0].idx)
    return found


def placeholder_shape(holder: Any, element: Any) -> Any:
    """The python-pptx placeholder shape ``holder.placeholders`` gives for ``element``."""
    from pptx.shapes.shapetree import SlideShapeFactory
    from pptx.slide import Slide

    placeholders = holder.placeholders
    if isinstance(holder, Slide):
        return SlideShapeFactory(element, placeholders)
    return placeholders._shape_factory(element)


def find_placeholder(holder: Any, *types: Any) -> Any:
    """The first placeholder of ``holder`` whose type is one of ``types``, or None."""
    for ph, element in placeholder_elements(holder):
        if ph.type in types:
            return placeholder_shape(holder, element)
    return None


def paragraph_format(
    paragraph: Any,
    *,
    margin: int = 0,
    indent: int = 0,
    level: int = 0,
    bullet: str | None = None,
    number: int | None = None,
    space_before_pt: float = 0.0,
    pitch_pt: float | None = None,
    align: str | None = None,
) -> None:
    """Set a paragraph's indentation, bullet (a character, an arabic number starting at
    ``number``, or none), spacing and exact line pitch, replacing what it had."""
    p_pr = paragraph._p.get_or_add_pPr()
    for child in list(p_pr):
        p_pr.remove(child)
    p_pr.set("marL", str(margin))
    p_pr.set("indent", str(indent))
    if level:
        p_pr.set("lvl", str(min(level, 8)))
    if align:
        p_pr.set("algn", align)
    if pitch_pt is not None:
        etree.SubElement(etree.SubElement(p_pr, qn("a:lnSpc")), qn("a:spcPts")).set(
            "val", str(round(pitch_pt * 100))
        )
    etree.SubElement(etree.SubElement(p_pr, qn("a:spcBef")), qn("a:spcPts")).set(
        "val", str(round(space_before_pt * 100))
    )
    etree.SubElement(etree.SubElement(p_pr, qn("a:spcAft")), qn("a:spcPts")).set("val", "0")
    if number is not None:
        etree.SubElement(p_pr, qn("a:buFontTx"))
        numbering = etree.SubElement(p_pr, qn("a:buAutoNum"))
        numbering.set("type", "arabicPeriod")
        if number != 1:
            numbering.set("startAt", str(number))
    elif bullet is not None:
        etree.SubElement(p_pr, qn("a:buFont")).set("typeface", "Arial")
        etree.SubElement(p_pr, qn("a:buChar")).set("char", bullet)
    else:
        etree.SubElement(p_pr, qn("a:buNone"))


def body_format(text_frame: Any, *, insets: tuple[int, int, int, int] | None = None) -> None:
    """Wrap text in the frame, anchor it at the top, and keep the frame's size."""
    body_pr = text_frame._txBody.bodyPr
    body_pr.set("wrap", "square")
    body_pr.set("anchor", "t")
    if insets is not None:
        left, top, right, bottom = insets
        for name, value in (("lIns", left), ("tIns", top), ("rIns", right), ("bIns", bottom)):
            body_pr.set(name, str(value))
    _set_autofit(body_pr, None)


def shrink_on_overflow(text_frame: Any, scale: float) -> None:
    """Shrink-on-overflow, already applied at ``scale`` (PowerPoint shows the stored scale
    until the text is edited; LibreOffice computes its own)."""
    _set_autofit(text_frame._txBody.bodyPr, scale)


def _set_autofit(body_pr: Any, scale: float | None) -> None:
    for tag in ("a:noAutofit", "a:normAutofit", "a:spAutoFit"):
        for old in body_pr.findall(qn(tag)):
            body_pr.remove(old)
    if scale is None:
        autofit = etree.Element(qn("a:noAutofit"))
    else:
        autofit = etree.Element(qn("a:normAutofit"))
        if scale < 0.999:
            autofit.set("fontScale", str(max(int(scale * 100000), 25000)))
            autofit.set("lnSpcReduction", "10000" if scale < 0.9 else "0")
    # bodyPr children: prstTxWarp, then the autofit choice, then scene3d, sp3d, flatTx, extLst.
    warp = body_pr.find(qn("a:prstTxWarp"))
    if warp is not None:
        warp.addnext(autofit)
    else:
        body_pr.insert(0, autofit)


def describe(shape: Any, description: str, *, decorative: bool = False, title: str = "") -> None:
    """Set a shape's alternative text (``descr``), replacing the file name python-pptx puts
    there; a decorative shape is marked so (Office 2019+), which screen readers skip."""
    c_nv_pr = shape._element[0].find(qn("p:cNvPr"))
    c_nv_pr.set("descr", description)
    if title:
        c_nv_pr.set("title", title)
    elif "title" in c_nv_pr.attrib:
        del c_nv_pr.attrib["title"]
    if decorative:
        ext_lst = c_nv_pr.find(qn("a:extLst"))
        if ext_lst is None:
            ext_lst = etree.SubElement(c_nv_pr, qn("a:extLst"))
        ext = etree.SubElement(ext_lst, qn("a:ext"))
        ext.set("uri", DECORATIVE_URI)
        etree.SubElement(ext, f"{{{ADEC}}}decorative", nsmap={"adec": ADEC}).set("val", "1")


def is_decorative(shape: Any) -> bool:
    return bool(shape._element.xpath(".//*[local-name()='decorative'][@val='1']"))


def add_sections(
    presentation: Any, sections: Sequence[tuple[str, Sequence[int]]], seed: str
) -> None:
    """PowerPoint sections: (name, slide ids) in order; ids from ``seed`` so that the same
    deck gets the same section ids every time."""
    root = presentation.part._element
    ext_lst = root.find(qn("p:extLst"))
    if ext_lst is None:
        ext_lst = etree.SubElement(root, qn("p:extLst"))  # the last child of p:presentation
    for old in ext_lst.findall(qn("p:ext")):
        if old.get("uri") == SECTIONS_URI:
            ext_lst.remove(old)
    ext = etree.SubElement(ext_lst, qn("p:ext"))
    ext.set("uri", SECTIONS_URI)
    section_list = etree.SubElement(ext, f"{{{P14}}}sectionLst", nsmap={"p14": P14})
    for number, (name, slide_ids) in enumerate(sections):
        section = etree.SubElement(section_list, f"{{{P14}}}section")
        section.set("name", name)
        section.set(
            "id", "{" + str(uuid.uuid5(uuid.NAMESPACE_URL, f"{seed}#{number}")).upper() + "}"
        )
        ids = etree.SubElement(section, f"{{{P14}}}sldIdLst")
        for slide_id in slide_ids:
            etree.SubElement(ids, f"{{{P14}}}sldId").set("id", str(slide_id))


def slide_number_field(paragraph: Any, number: int) -> None:
    """A slide-number field showing ``number`` until the viewer updates it."""
    field = etree.SubElement(paragraph._p, qn("a:fld"))
    field.set(
        "id", "{" + str(uuid.uuid5(uuid.NAMESPACE_URL, "curator-export-slidenum")).upper() + "}"
    )
    field.set("type", "slidenum")
    etree.SubElement(field, qn("a:rPr")).set("lang", "en-US")
    etree.SubElement(field, qn("a:t")).text = str(number)
    end = paragraph._p.find(qn("a:endParaRPr"))
    if end is not None:  # endParaRPr stays the paragraph's last child
        paragraph._p.remove(end)
        paragraph._p.append(end)
