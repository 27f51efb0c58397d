"""Document properties (``meta.xml``): title and language always; with ``include_metadata``
also the dates, the content types as keywords, and the job's fields as user-defined
properties (what the HTML page writes as meta tags)."""

from __future__ import annotations

from collections.abc import Sequence

from odf.opendocument import OpenDocument

from curator_export.render import RenderRequest
from curator_export_odf.build import E

__all__ = ["add_metadata"]


def add_metadata(document: OpenDocument, request: RenderRequest, language: str) -> None:
    meta = document.meta
    meta.addElement(E("dc:title", text=request.title))
    meta.addElement(E("dc:language", text=language))
    institution = request.branding.institution_name if request.branding else None
    if institution:
        meta.addElement(E("meta:initial-creator", text=institution))
    if not request.include_metadata:
        return
    if request.created_at is not None:
        stamp = request.created_at.replace(microsecond=0).isoformat()
        meta.addElement(E("meta:creation-date", text=stamp))
        meta.addElement(E("dc:date", text=stamp))
    metadata = dict(request.metadata)
    for content_type in metadata.pop("content_types", None) or ():
        meta.addElement(E("meta:keyword", text=str(content_type)))
    metadata.pop("created", None)
    for key, value in metadata.items():
        if isinstance(value, Sequence) and not isinstance(value, str):
            shown = ", ".join(str(part) for part in value)
        else:
            shown = str(value)
        attributes = {"meta:name": key, "meta:value-type": "string"}
        meta.addElement(E("meta:user-defined", attributes, text=shown))
