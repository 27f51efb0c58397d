"""Building odfpy elements by their XML names, with text that is always valid XML.

``E("text:p", {"text:style-name": "Standard"})`` makes an element from its prefixed name and
prefixed attributes; odfpy still checks which children an element may hold. Every string
that reaches the document goes through :func:`clean` first: odfpy turns control characters
into U+FFFD without a word and writes a carriage return in an attribute as ``&#12;``, a
character reference XML 1.0 forbids, so we drop what XML cannot hold before odfpy sees it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache

from odf.element import Element
from odf.namespaces import nsdict

__all__ = ["E", "add_text", "clean"]

_NAMESPACES = {prefix: namespace for namespace, prefix in nsdict.items()}

# XML 1.0 forbids C0 controls but tab, newline and carriage return, lone surrogates and
# U+FFFE/U+FFFF; C1 controls and the other noncharacters are allowed but discouraged.
_NOT_XML = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufdd0-\ufdef\ufffe\uffff"
    "\U0001fffe\U0001ffff\U0010fffe\U0010ffff]"
)
_SURROGATE = re.compile("[\ud800-\udfff]")
_UNSAFE_ATTRIBUTE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]")
_SPACES = re.compile(r"( {2,}|\t|\n)")


def clean(text: str) -> str:
    """``text`` with only characters XML 1.0 allows: controls dropped, a lone surrogate
    (which cannot be encoded) as U+FFFD, and line ends as ``\\n``."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _SURROGATE.sub("\ufffd", _NOT_XML.sub("", text))


@cache
def qname(name: str) -> tuple[str, str]:
    """``("urn:...:text:1.0", "p")`` for ``"text:p"``."""
    prefix, _, local = name.partition(":")
    return _NAMESPACES[prefix], local


def E(
    name: str,
    attributes: Mapping[str, str | int | float] | None = None,
    *children: Element,
    text: str | None = None,
) -> Element:
    """The element ``name`` with these attributes and children, then ``text`` as it is
    (white space is not made ODF's: :func:`add_text` does that)."""
    element = Element(
        qname=qname(name),
        qattributes={qname(key): _attribute(value) for key, value in (attributes or {}).items()},
        check_grammar=False,
    )
    for child in children:
        element.addElement(child)
    if text:
        element.addText(clean(text))
    return element


def _attribute(value: str | int | float) -> str:
    if not isinstance(value, str):
        return str(value)
    return clean(value).replace("\n", " ") if _UNSAFE_ATTRIBUTE.search(value) else value


def add_text(element: Element, text: str) -> None:
    """Append ``text`` to ``element`` as ODF writes white space: runs of spaces as
    ``text:s``, tabs as ``text:tab``, line ends as ``text:line-break`` (a reader collapses
    white space in plain character data)."""
    line_start = not element.childNodes
    for index, part in enumerate(_SPACES.split(clean(text))):
        if not part:
            continue
        if index % 2 == 0:
            words = part
            if line_start and words.startswith(" "):
                # White space opening a paragraph or a line is dropped by readers.
                element.addElement(E("text:s"))
                words = words[1:]
            if words:
                element.addText(words)
        elif part == "\t":
            element.addElement(E("text:tab"))
        elif part == "\n":
            element.addElement(E("text:line-break"))
        elif line_start:
            element.addElement(E("text:s", {"text:c": len(part)}))
        else:
            # One space as text keeps words apart for readers that ignore text:s.
            element.addText(" ")
            element.addElement(E("text:s", {"text:c": len(part) - 1}))
        line_start = part == "\n"
