"""The whole page: theme lookup, jinja2 environments, branding and metadata, one HTML file.

Themes are folders found by ``curator_export.themes`` along the request's search path
(``--template-dir`` first, plugins' folders next, this plugin's ``themes`` folder last). A
template name like ``page.html`` resolves to the most specific theme of the chain that has
it, and ``professional/page.html`` to that theme's own copy, so a child theme can
``{% extends "professional/page.html" %}`` and override blocks. Every template renders in
jinja2's sandbox with autoescape on: user folders hold templates we did not write.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import jinja2
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from curator_export.branding import contrast_warnings, css_variables, logo_data_uri
from curator_export.labels import language_of
from curator_export.render import Rendered, RenderRequest
from curator_export.themes import theme_chain
from curator_export_html.nodes import PageIds
from curator_export_html.structure import build_sections

THEMES_DIR = Path(__file__).parent / "themes"
DEFAULT_THEME = "professional"

#: Environments by (theme, search path): workers render many pages with the same theme.
_ENVIRONMENTS: dict[tuple[str, tuple[Path, ...]], jinja2.Environment] = {}

#: Metadata keys as meta names: registered names where one fits (the Nu checker knows them).
_META_NAMES = {
    "generator": "generator",
    "created": "dcterms.created",
    "job_id": "dcterms.identifier",
    "session_ids": "dcterms.relation",
    "content_types": "dcterms.type",
    "audience": "dcterms.audience",
}


#: The largest string or sequence a template may build with ``*`` (the page itself is larger).
MAX_TEMPLATE_PRODUCT = 1_000_000


class CappedSandbox(SandboxedEnvironment):
    """jinja2's sandbox, plus a cap on ``*`` and ``**``: the sandbox alone stops attribute
    tricks but lets ``'a' * 10**9`` exhaust a worker's memory.
    """

    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**" and isinstance(right, int) and abs(right) > 64:
            raise SecurityError(f"template exponent {right} is too large")
        if operator == "*":
            for sized, count in ((left, right), (right, left)):
                if (
                    isinstance(sized, str | list | tuple)
                    and isinstance(count, int)
                    and len(sized) * count > MAX_TEMPLATE_PRODUCT
                ):
                    raise SecurityError("template builds a string or list that is too large")
        return super().call_binop(context, operator, left, right)


def search_path(request: RenderRequest) -> tuple[Path, ...]:
    """The request's template folders, with the built-in themes last if the host left them out."""
    folders = tuple(request.template_dirs)
    if THEMES_DIR not in folders:
        folders += (THEMES_DIR,)
    return folders


def environment(theme: str, folders: tuple[Path, ...]) -> jinja2.Environment:
    """The (cached) sandboxed environment that renders ``theme`` from ``folders``.

    Raises ``curator_export.themes.ThemeError`` listing the known themes for an unknown name.
    """
    key = (theme, folders)
    if key not in _ENVIRONMENTS:
        chain = theme_chain(theme, folders)
        by_theme: dict[str, list[str]] = {}
        for folder in chain:
            by_theme.setdefault(folder.name, []).append(str(folder))
        loader = jinja2.ChoiceLoader(
            [
                jinja2.FileSystemLoader([str(folder) for folder in chain]),
                jinja2.PrefixLoader(
                    {name: jinja2.FileSystemLoader(paths) for name, paths in by_theme.items()}
                ),
            ]
        )
        _ENVIRONMENTS[key] = CappedSandbox(
            loader=loader,
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
    return _ENVIRONMENTS[key]


def write_html(request: RenderRequest) -> Rendered:
    """Render the request into one self-contained HTML page."""
    warnings: list[str] = []
    env = environment(request.template_name or DEFAULT_THEME, search_path(request))
    ids = PageIds()
    # Ids the templates use themselves; content must not take them.
    ids.used.update({"main", "contents", "top"})
    sessions = build_sections(request, ids, warnings)
    for parsed in request.sessions:
        for item in parsed.items:
            warnings += item.document.warnings
    warnings += contrast_warnings(request.branding)
    branding = request.branding
    page: dict[str, Any] = {
        "lang": language_of(request),
        "title": request.title,
        "merged": request.merged,
        "audience": request.audience.value,
        "sessions": sessions,
        "metadata": _meta_tags(request.metadata) if request.include_metadata else [],
        "institution": branding.institution_name if branding else None,
        "logo": logo_data_uri(branding.logo) if branding and branding.logo else None,
        "brand_css": Markup(css_variables(branding)),
    }
    html = env.get_template("page.html").render(page=page)
    return Rendered(data=html.encode("utf-8"), warnings=tuple(warnings))


def _meta_tags(metadata: Mapping[str, Any]) -> list[tuple[str, str]]:
    tags = []
    for key, value in metadata.items():
        name = _META_NAMES.get(key, f"curator-export.{re.sub(r'[^a-z0-9]+', '-', key.lower())}")
        if isinstance(value, Sequence) and not isinstance(value, str):
            tags.append((name, ", ".join(str(part) for part in value)))
        else:
            tags.append((name, str(value)))
    return tags
