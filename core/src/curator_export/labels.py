"""What readers see for content types and lesson boxes, the same in every format, and the
language of a render request."""

from __future__ import annotations

import re
from collections.abc import Mapping

from curator_export.model import ContentType
from curator_export.render import RenderRequest

CONTENT_LABELS = {
    ContentType.SLIDES: "Slides",
    ContentType.INSTRUCTOR_NOTES: "Instructor notes",
    ContentType.WORKSHEET: "Worksheet",
    ContentType.QUIZ: "Quiz",
    ContentType.ACTIVITY_GUIDE: "Activity guide",
}

#: Visible labels of the fenced divs lessons use; other kinds get their name capitalised.
DIV_LABELS = {
    "objectives": "Objectives",
    "questions": "Questions",
    "challenge": "Challenge",
    "solution": "Solution",
    "callout": "Callout",
    "keypoints": "Key Points",
    "discussion": "Discussion",
    "instructor": "Instructor note",
    "prereq": "Prerequisite",
    "prerequisite": "Prerequisite",
    "checklist": "Checklist",
    "testimonial": "Testimonial",
    "caution": "Caution",
    "spoiler": "Spoiler",
    "hint": "Hint",
    "tab": "Tab",
    "group-tab": "Tab",
}
#: In a quiz, a challenge is a question.
QUIZ_DIV_LABELS = {**DIV_LABELS, "challenge": "Question"}

_LANG = re.compile(r"[A-Za-z]{2,8}(?:-[A-Za-z0-9]{1,8})*")


def content_label(content_type: ContentType) -> str:
    return CONTENT_LABELS.get(content_type, content_type.value.replace("_", " ").capitalize())


def div_label(kind: str, labels: Mapping[str, str] = DIV_LABELS) -> str:
    """The label of a fenced div of ``kind`` (``group-tab`` -> "Tab", ``my_box`` -> "My box")."""
    return labels.get(kind, kind.replace("-", " ").replace("_", " ").capitalize())


def language_of(request: RenderRequest) -> str:
    """The first ``lang`` of the items' front matter that looks like a language tag, else en."""
    for parsed in request.sessions:
        for item in parsed.items:
            lang = item.document.front_matter.get("lang")
            if isinstance(lang, str) and _LANG.fullmatch(lang):
                return lang
    return "en"


__all__ = [
    "CONTENT_LABELS",
    "DIV_LABELS",
    "QUIZ_DIV_LABELS",
    "content_label",
    "div_label",
    "language_of",
]
