"""Figures embedded in the package: found among the session's files, sized, described.

An image is one of the session's assets (keyed by its ``src`` as the Markdown writes it) or
an image ``data:`` URI; it is stored once per package as ``Pictures/<sha256 prefix>.<ext>``.
Anything else (a remote URL, a ``file:`` URL, an absolute path, a file the session does not
have) is never fetched or referenced: the writer keeps the alt text and reports a warning,
like the HTML writer. Sizes come from the file itself (PNG, JPEG and GIF headers, an SVG's
``width``/``height`` or ``viewBox``) at 96 pixels per inch, scaled down to fit a box.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import struct
from collections.abc import Mapping
from posixpath import normpath
from urllib.parse import unquote

import attrs
from odf.element import Element
from odf.opendocument import OpenDocument

from curator_export.branding import logo_data_uri
from curator_export.errors import BrandingError
from curator_export.model import Asset, Branding
from curator_export_odf.build import E

__all__ = ["Picture", "Pictures", "frame", "image_size_cm"]

#: Image types an office suite shows, with the extension they get in the package.
EXTENSIONS = {
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/gif": ".gif",
    "image/svg+xml": ".svg",
    "image/webp": ".webp",
    "image/bmp": ".bmp",
}
_BY_SUFFIX = {".jpeg": "image/jpeg"} | {ext: media for media, ext in EXTENSIONS.items()}
_DATA_URI = re.compile(r"data:(image/[a-z0-9.+-]+)(;base64)?,(.*)", re.IGNORECASE | re.DOTALL)
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
_SVG_TAG = re.compile(rb"<svg\b[^>]*>", re.IGNORECASE)
_SVG_ATTR = re.compile(rb"""\b(width|height|viewBox)\s*=\s*["']([^"']*)["']""")
_LENGTH = re.compile(r"\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*(px|pt|pc|mm|cm|in|em|ex|%)?\s*$")
_CM_PER_UNIT = {
    "px": 2.54 / 96,
    "pt": 2.54 / 72,
    "pc": 2.54 / 6,
    "mm": 0.1,
    "cm": 1.0,
    "in": 2.54,
    "em": 16 * 2.54 / 96,
    "ex": 8 * 2.54 / 96,
}
#: The size an image gets when its file does not say (a 4:3 figure).
DEFAULT_SIZE_CM = (12.0, 9.0)


@attrs.frozen
class Picture:
    """An image stored in the package: where, what, and how large it wants to be (cm)."""

    href: str
    media_type: str
    width: float
    height: float

    @property
    def vector(self) -> bool:
        """Whether it scales up without a loss (a drawing, not a photo)."""
        return self.media_type == "image/svg+xml"

    def fitted(
        self, max_width: float, max_height: float, *, grow: float = 1.0
    ) -> tuple[float, float]:
        """Its size scaled to fit the box, keeping its aspect ratio: scaled down as needed,
        and up by at most ``grow``."""
        scale = min(grow, max_width / self.width, max_height / self.height)
        return self.width * scale, self.height * scale


class Pictures:
    """The pictures of one package; ``warnings`` collects the images left out."""

    def __init__(self, document: OpenDocument, warnings: list[str]) -> None:
        self.document = document
        self.warnings = warnings
        self._stored: dict[str, Picture] = {}

    def find(self, src: str, assets: Mapping[str, Asset], source: str) -> Picture | None:
        """The stored picture for an image source, or None with a warning (see module)."""
        src = src.strip()
        found = _data_uri(src) or _asset(src, assets)
        if found is None:
            if _SCHEME.match(src) or src.startswith(("/", "\\")):
                reason = "remote or local-file images are not fetched"
            else:
                reason = "it is not one of the session's files"
            self.warnings.append(f"{source}: image {src[:80]!r} left out ({reason}); alt text kept")
            return None
        media_type, data = found
        if media_type not in EXTENSIONS:
            self.warnings.append(
                f"{source}: image {src[:80]!r} left out ({media_type} is not an image type"
                " office suites show); alt text kept"
            )
            return None
        return self.store(data, media_type)

    def logo(self, branding: Branding | None) -> Picture | None:
        """The brand's logo, checked as every writer checks it; None (with a warning when
        the file cannot be used) when there is none."""
        if branding is None or not branding.logo:
            return None
        try:
            uri = logo_data_uri(branding.logo)
        except BrandingError as error:
            self.warnings.append(f"logo left out: {error}")
            return None
        return self.find(uri, {}, "branding")

    def store(self, data: bytes, media_type: str) -> Picture:
        """Put ``data`` into the package once; the same bytes give the same picture."""
        digest = hashlib.sha256(data).hexdigest()
        if digest not in self._stored:
            href = f"Pictures/{digest[:32]}{EXTENSIONS[media_type]}"
            self.document.addPicture(href, media_type, data)
            width, height = image_size_cm(data, media_type) or DEFAULT_SIZE_CM
            self._stored[digest] = Picture(href, media_type, width, height)
        return self._stored[digest]


def frame(
    picture: Picture,
    *,
    width: float,
    height: float,
    description: str,
    title: str = "",
    attributes: Mapping[str, str] | None = None,
) -> Element:
    """A ``draw:frame`` showing the picture at this size, its text alternative in
    ``svg:title`` and ``svg:desc`` (what screen readers and LibreOffice's alt text use)."""
    frame_element = E(
        "draw:frame",
        {"svg:width": f"{width:.3f}cm", "svg:height": f"{height:.3f}cm", **(attributes or {})},
        E(
            "draw:image",
            {
                "xlink:href": picture.href,
                "xlink:type": "simple",
                "xlink:show": "embed",
                "xlink:actuate": "onLoad",
            },
        ),
    )
    summary = title.strip() or description.strip()
    if summary:
        frame_element.addElement(E("svg:title", text=summary))
    if description.strip():
        frame_element.addElement(E("svg:desc", text=description.strip()))
    return frame_element


def _asset(src: str, assets: Mapping[str, Asset]) -> tuple[str, bytes] | None:
    if _SCHEME.match(src) or src.startswith(("/", "\\")):
        return None
    path = re.split(r"[#?]", src, maxsplit=1)[0]
    for key in (src, unquote(src), path, unquote(path), normpath(unquote(path))):
        if key in assets:
            asset = assets[key]
            return _media_type(asset), asset.data
    return None


def _media_type(asset: Asset) -> str:
    media_type = asset.media_type.lower()
    if media_type in EXTENSIONS:
        return media_type
    suffix = asset.path[asset.path.rfind(".") :].lower() if "." in asset.path else ""
    return _BY_SUFFIX.get(suffix, media_type)


def _data_uri(src: str) -> tuple[str, bytes] | None:
    match = _DATA_URI.fullmatch(src)
    if match is None:
        return None
    try:
        if match[2]:
            data = base64.b64decode(match[3], validate=False)
        else:
            data = unquote(match[3]).encode("utf-8")
    except (binascii.Error, ValueError):
        return None
    return match[1].lower(), data


def image_size_cm(data: bytes, media_type: str) -> tuple[float, float] | None:
    """The natural size of an image in cm (96 pixels per inch), or None if unknown."""
    pixels = _pixel_size(data, media_type)
    if pixels is not None:
        width, height = pixels
        return width * _CM_PER_UNIT["px"], height * _CM_PER_UNIT["px"]
    if media_type == "image/svg+xml":
        return _svg_size(data)
    return None


def _pixel_size(data: bytes, media_type: str) -> tuple[int, int] | None:
    size: tuple[int, int] | None = None
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        size = struct.unpack(">II", data[16:24])
    elif data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        size = struct.unpack("<HH", data[6:10])
    elif data.startswith(b"\xff\xd8"):
        size = _jpeg_size(data)
    if size is None or size[0] <= 0 or size[1] <= 0:
        return None
    return size


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    offset = 2
    while offset + 9 < len(data):
        if data[offset] != 0xFF:
            return None
        marker = data[offset + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            offset += 2
            continue
        (length,) = struct.unpack(">H", data[offset + 2 : offset + 4])
        # Start-of-frame markers hold the size; C4, C8 and CC are other tables.
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[offset + 5 : offset + 9])
            return width, height
        offset += 2 + length
    return None


def _svg_size(data: bytes) -> tuple[float, float] | None:
    tag = _SVG_TAG.search(data[:65536])
    if tag is None:
        return None
    values = {
        name.decode("ascii"): value.decode("utf-8", "replace")
        for name, value in _SVG_ATTR.findall(tag[0])
    }
    width, height = _length_cm(values.get("width")), _length_cm(values.get("height"))
    if width and height:
        return width, height
    box = [float(part) for part in re.findall(r"-?[0-9]*\.?[0-9]+", values.get("viewBox", ""))]
    if len(box) == 4 and box[2] > 0 and box[3] > 0:
        ratio = box[3] / box[2]
        if width:
            return width, width * ratio
        if height:
            return height / ratio, height
        return box[2] * _CM_PER_UNIT["px"], box[3] * _CM_PER_UNIT["px"]
    return None


def _length_cm(value: str | None) -> float | None:
    if not value:
        return None
    match = _LENGTH.match(value)
    if match is None or match[2] == "%":
        return None
    number = float(match[1])
    return number * _CM_PER_UNIT[match[2] or "px"] if number > 0 else None
