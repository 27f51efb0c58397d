"""The ODF package (the zip file) as the standard wants it, from what odfpy writes.

odfpy 1.4.1 writes a package that office suites open but an ODF 1.2 validator rejects: the
manifest has no ``manifest:version``. It also stamps every entry with the local time of the
save and names itself as the generator. :func:`package_bytes` rewrites the zip: ``mimetype``
first and stored (uncompressed, no extra field), then the other entries in a fixed order,
all dated ``created_at`` (or 1980-01-01), the manifest versioned, the generator ours.

odfpy also keeps the namespaces it declares on each root element in one dict shared by every
element of every document (``Element.namespaces``), filled as elements are made: a document
declared the namespaces of all the documents made before it in the process, in the order they
were first used. Before saving, the dict is set to every namespace odfpy knows, in prefix
order, so the same request gives the same bytes whatever the worker rendered before.
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import datetime
from html import escape

from odf.opendocument import OpenDocument

from curator_export.archive import zip_date_time

__all__ = ["ODF_VERSION", "package_bytes"]

ODF_VERSION = "1.2"

_MANIFEST_ROOT = re.compile(rb"<manifest:manifest\b")
_ROOT_ENTRY = re.compile(rb'(<manifest:file-entry manifest:full-path="/")')
_GENERATOR = re.compile(rb"<meta:generator>[^<]*</meta:generator>")
#: Entries in the order LibreOffice writes them; pictures and anything else follow, sorted.
_ORDER = ("mimetype", "content.xml", "styles.xml", "meta.xml", "settings.xml")
_COMPRESSED = (".png", ".jpg", ".jpeg", ".gif", ".webp")


def package_bytes(document: OpenDocument, *, created_at: datetime | None, generator: str) -> bytes:
    """The document's package, valid ODF 1.2 and reproducible (see the module docstring)."""
    _declare_every_namespace()
    raw = io.BytesIO()
    document.save(raw)  # write() would leave the zip unclosed
    with zipfile.ZipFile(raw) as source:
        entries = {info.filename: source.read(info) for info in source.infolist()}
    entries["META-INF/manifest.xml"] = _versioned_manifest(entries["META-INF/manifest.xml"])
    if "meta.xml" in entries:
        tag = f"<meta:generator>{escape(generator, quote=False)}</meta:generator>"
        entries["meta.xml"] = _GENERATOR.sub(tag.encode("utf-8"), entries["meta.xml"], count=1)
    stamp = zip_date_time(created_at)
    names = sorted(
        entries,
        key=lambda name: (_ORDER.index(name) if name in _ORDER else len(_ORDER), name),
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        for name in names:
            info = zipfile.ZipInfo(name, stamp)
            info.external_attr = 0o644 << 16
            # The mimetype must be stored so that it can be read at a fixed offset; pictures
            # are compressed already.
            stored = name == "mimetype" or name.lower().endswith(_COMPRESSED)
            info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
            package.writestr(info, entries[name])
    return out.getvalue()


def _declare_every_namespace() -> None:
    from odf.element import Element
    from odf.namespaces import nsdict

    shared: dict[str, str] = Element.namespaces
    # Namespaces odfpy does not know (none that we write) keep their place after the known.
    unknown = sorted((ns, prefix) for ns, prefix in shared.items() if ns not in nsdict)
    shared.clear()
    shared.update(sorted(nsdict.items(), key=lambda item: item[1]))
    shared.update(unknown)


def _versioned_manifest(manifest: bytes) -> bytes:
    version = f' manifest:version="{ODF_VERSION}"'.encode("ascii")
    if b"manifest:version=" not in manifest[:2000]:
        manifest = _MANIFEST_ROOT.sub(b"<manifest:manifest" + version, manifest, count=1)
        manifest = _ROOT_ENTRY.sub(rb"\1" + version, manifest, count=1)
    return manifest
