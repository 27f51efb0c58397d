"""Inline content as formatted runs, and text made safe for PowerPoint's XML.

python-pptx writes control characters as ``_x0007_``-style escapes that PowerPoint shows
literally, and a lone surrogate makes ``save()`` crash: :func:`clean` removes both before any
text reaches a run.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import attrs

from curator_export.document import (
    Code,
    Emphasis,
    HardBreak,
    HtmlInline,
    Image,
    Inline,
    Link,
    SoftBreak,
    Span,
    Strikethrough,
    Strong,
    Text,
    plain_text,
)

# C0 controls but tab and newline, DEL, C1 controls, surrogates, and the two non-characters
# XML 1.0 forbids.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_SAFE_SCHEMES = ("http://", "https://", "mailto:")


def clean(text: str) -> str:
    """``text`` without characters that XML cannot hold or PowerPoint would show as escapes;
    a carriage return becomes a newline and a tab a space (code keeps its tabs as spaces)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    return _UNSAFE.sub("", text)


def clean_line(text: str) -> str:
    """``text`` on one line: for titles, names and properties."""
    return " ".join(clean(text).split())


@attrs.frozen
class Run:
    """A run of text with one formatting; ``text`` == "\\n" is a line break."""

    text: str
    bold: bool = False
    italic: bool = False
    code: bool = False
    strike: bool = False
    link: str | None = None

    @property
    def is_break(self) -> bool:
        return self.text == "\n"


def runs(inlines: Iterable[Inline], *, base: Run | None = None) -> list[Run]:
    """Formatted runs of ``inlines``; images are left out (they are placed as pictures)."""
    style = base or Run("")
    out: list[Run] = []
    for inline in inlines:
        out += _runs(inline, style)
    return _merged(out)


def _runs(inline: Inline, style: Run) -> list[Run]:
    match inline:
        case Text(text=text):
            return [attrs.evolve(style, text=clean(text).replace("\n", " "))]
        case Code(text=text):
            return [attrs.evolve(style, text=clean(text).replace("\n", " "), code=True)]
        case Emphasis(children=children):
            return runs(children, base=attrs.evolve(style, italic=True))
        case Strong(children=children):
            return runs(children, base=attrs.evolve(style, bold=True))
        case Strikethrough(children=children):
            return runs(children, base=attrs.evolve(style, strike=True))
        case Link(href=href, children=children):
            target = href.strip()
            safe = target if target.lower().startswith(_SAFE_SCHEMES) else None
            return runs(children, base=attrs.evolve(style, link=safe or style.link))
        case Span(children=children):
            return runs(children, base=style)
        case SoftBreak():
            return [attrs.evolve(style, text=" ")]
        case HardBreak():
            return [Run("\n")]
        case HtmlInline():
            text = clean(plain_text(inline))
            return [attrs.evolve(style, text=text)] if text else []
        case Image():
            return []
    return []


def _merged(items: list[Run]) -> list[Run]:
    """Neighbouring runs of one formatting as one run; empty runs dropped."""
    merged: list[Run] = []
    for run in items:
        if not run.text:
            continue
        last = merged[-1] if merged else None
        if last and not last.is_break and not run.is_break and _same_style(last, run):
            merged[-1] = attrs.evolve(last, text=last.text + run.text)
        else:
            merged.append(run)
    return merged


def _same_style(first: Run, second: Run) -> bool:
    return attrs.evolve(first, text="") == attrs.evolve(second, text="")


def runs_text(items: Iterable[Run]) -> str:
    return "".join(run.text for run in items)


def strip_runs(items: list[Run]) -> list[Run]:
    """Runs without spaces at their start and end (a paragraph never starts with a space)."""
    out = list(items)
    while out and not out[0].is_break and not out[0].text.strip():
        out.pop(0)
    while out and not out[-1].is_break and not out[-1].text.strip():
        out.pop()
    if out:
        out[0] = (
            attrs.evolve(out[0], text=out[0].text.lstrip(" ")) if not out[0].is_break else out[0]
        )
        out[-1] = (
            attrs.evolve(out[-1], text=out[-1].text.rstrip(" "))
            if not out[-1].is_break
            else out[-1]
        )
    return out
