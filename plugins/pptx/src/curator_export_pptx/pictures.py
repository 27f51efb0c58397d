"""Figures of a session as pictures PowerPoint can show: found, converted, measured.

Images come only from the session's stored assets (keyed by the path the Markdown writes);
remote, ``file:`` and absolute sources are never fetched. PNG, JPEG and GIF are embedded as
they are; SVG is rasterised with CairoSVG (which fetches nothing but ``data:`` URLs here),
anything else Pillow reads becomes a PNG.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from posixpath import normpath
from typing import Any
from urllib.parse import unquote

import attrs

from curator_export.model import Asset

#: The pixel density at which an image's pixels give its natural size on a slide.
NATURAL_DPI = 96
#: Longest side of a rasterised SVG, in pixels.
MAX_RASTER = 2400
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
_NATIVE = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif"}


@attrs.frozen
class Picture:
    """Image bytes python-pptx can embed, and their natural size in pixels at 96 dpi."""

    data: bytes = attrs.field(repr=lambda data: f"<{len(data)} bytes>")
    width_px: int
    height_px: int


class PictureSource:
    """Finds and converts the figures of one deck, each once."""

    def __init__(self, warnings: list[str]) -> None:
        self.warnings = warnings
        self._cache: dict[str, Picture | None] = {}

    def picture(self, src: str, assets: Mapping[str, Asset], where: str) -> Picture | None:
        """The picture for ``src`` among ``assets``, or None with a warning saying why."""
        asset = find_asset(src, assets)
        if asset is None:
            if _SCHEME.match(src.strip()) or src.strip().startswith(("/", "\\")):
                reason = "remote or local-file images are not fetched"
            else:
                reason = "it is not one of the session's files"
            self.warnings.append(f"{where}: image {src[:80]!r} left out ({reason}); alt text kept")
            return None
        if asset.sha256 not in self._cache:
            try:
                self._cache[asset.sha256] = convert(asset.data, asset.media_type)
            except Exception as exc:  # a broken figure must not fail the deck
                self.warnings.append(
                    f"{where}: image {src[:80]!r} left out (cannot be read: {exc}); alt text kept"
                )
                self._cache[asset.sha256] = None
        return self._cache[asset.sha256]


def find_asset(src: str, assets: Mapping[str, Asset]) -> Asset | None:
    """The asset an image source names, as written or normalised (``./a/../fig.png``)."""
    src = src.strip()
    if src in assets:
        return assets[src]
    if _SCHEME.match(src) or src.startswith(("/", "\\")):
        return None
    key = normpath(unquote(re.split(r"[#?]", src, maxsplit=1)[0]))
    return assets.get(key)


def convert(data: bytes, media_type: str) -> Picture:
    """``data`` as PNG, JPEG or GIF bytes with its natural size."""
    if media_type == "image/svg+xml" or _looks_like_svg(data):
        return _from_svg(data)
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        width, height = image.size
        if image.format in _NATIVE:
            dpi = image.info.get("dpi")
            return Picture(data, *_natural(width, height, dpi))
        out = io.BytesIO()
        image.save(out, format="PNG")
    return Picture(out.getvalue(), width, height)


def _natural(width: int, height: int, dpi: object) -> tuple[int, int]:
    """Pixels at 96 dpi: a 300 dpi scan is shown at its printed size, not three times it."""
    if isinstance(dpi, tuple) and len(dpi) == 2:
        try:
            x_dpi, y_dpi = float(dpi[0]), float(dpi[1])
        except (TypeError, ValueError):
            return width, height
        if x_dpi > NATURAL_DPI and y_dpi > NATURAL_DPI:
            return (
                max(round(width * NATURAL_DPI / x_dpi), 1),
                max(round(height * NATURAL_DPI / y_dpi), 1),
            )
    return width, height


def _looks_like_svg(data: bytes) -> bool:
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith((b"<svg", b"<?xml", b"<!--")) and b"<svg" in head


#: Attributes some SVG editors write with no value ("null"): browsers ignore them, CairoSVG
#: fails on them, so they are dropped.
_VOID_ATTRIBUTE = re.compile(rb'\s[A-Za-z:-]+\s*=\s*(["\'])(?:null|undefined|NaN)\1')


def _from_svg(data: bytes) -> Picture:
    data = _VOID_ATTRIBUTE.sub(b"", data)
    from cairosvg.parser import Tree
    from cairosvg.surface import PNGSurface
    from cairosvg.url import safe_fetch

    # safe_fetch: only data: URLs; every other reference becomes an empty image.
    tree = Tree(bytestring=data, unsafe=False, url_fetcher=safe_fetch)
    width, height = _svg_size(tree)
    # Twice the natural size, for projectors and zooming, within MAX_RASTER.
    scale = min(2.0, MAX_RASTER / max(width, height, 1))
    if abs(scale - 1.0) <= 0.01:
        scale = 1.0
    # What PNGSurface.convert does, on the tree already parsed.
    out = io.BytesIO()
    PNGSurface(tree, out, NATURAL_DPI, scale=scale).finish()
    return Picture(out.getvalue(), width, height)


def _svg_size(tree: Any) -> tuple[int, int]:
    """The pixel size CairoSVG gives the SVG at scale 1, without drawing it (it used to be
    rendered once at scale 1 for this): the surface is sized and rounded exactly as for a
    rendering, and nothing is drawn on it."""
    from cairosvg.surface import PNGSurface

    class Sizing(PNGSurface):  # type: ignore[misc]
        def draw(self, node: Any) -> None:
            pass

    sized = Sizing(tree, None, NATURAL_DPI)
    return int(sized.width), int(sized.height)
