"""One session rendered by the installed ``html`` format, in memory, for the page's previews.

The request is built the way the core's worker builds one for an export (the session parsed
once and filtered for the audience by ``curator_export.selection``, the host's template
folders and branding, the format's default options), so a preview shows what the HTML
export will hold, and nothing is written to the output root. Rendering takes a thread (the
writer is synchronous and may take a moment); a small number run at once, so that a burst
of previews cannot take every thread of the server.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from curator_export.errors import CuratorExportError, ValidationError
from curator_export.model import Audience, BatchExportJob
from curator_export.planning import format_options
from curator_export.plugins import PluginHost
from curator_export.render import Rendered, RenderRequest
from curator_export.selection import parse_session
from curator_export.store import SQLiteStore
from curator_export.themes import find_themes, unknown_theme_message

#: The format whose writer makes previews: a self-contained page (figures as data: URIs).
PREVIEW_FORMAT = "html"
#: Previews rendered at once; more wait their turn (in the event loop, holding no thread).
MAX_RENDERING = 2

#: Only the page's own inline styles and embedded images: the preview holds course
#: authors' content, so nothing in it may run, load from elsewhere or submit anywhere.
PREVIEW_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:;"
    " base-uri 'none'; form-action 'none'; frame-ancestors 'none'; sandbox"
)
PREVIEW_HEADERS = {
    "Content-Security-Policy": PREVIEW_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",  # the store changes; a token-guarded page is not cached
}


class PreviewFormatMissingError(CuratorExportError):
    """No ``html`` format is installed (the curator-export-html distribution)."""


def preview_job(session_id: str, audience: Audience, template: str | None) -> BatchExportJob:
    """The job a preview stands for: one session, HTML, no metadata (it is not a file)."""
    return BatchExportJob(
        job_id="preview",
        session_ids=(session_id,),
        formats=(PREVIEW_FORMAT,),
        output_directory=Path("."),
        template_name=template,
        include_metadata=False,
        audience=audience,
    )


def check_template(host: PluginHost, template: str | None) -> None:
    """An unknown template is refused with the known ones, as a batch's plan refuses it."""
    if template is None:
        return
    themes = find_themes(host.template_dirs())
    if template not in themes:
        raise ValidationError([f"{unknown_theme_message(template, themes)} @ template"])


def render_preview(
    store_path: Path, host: PluginHost, session_id: str, audience: Audience, template: str | None
) -> bytes:
    """The session's HTML page. Raises ``SessionNotFoundError`` for an unknown session,
    ``ValidationError`` for an unknown template, ``PreviewFormatMissingError``."""
    try:
        record = host.resolve_format(PREVIEW_FORMAT)
    except CuratorExportError:
        raise PreviewFormatMissingError(
            "previews need the html format (pip install curator-export-html)"
        ) from None
    check_template(host, template)
    with SQLiteStore(store_path) as store:
        (session,) = store.load_sessions([session_id])
    job = preview_job(session_id, audience, template)
    options, _ = format_options(job, host)
    request = RenderRequest(
        job=job,
        format=record.name,
        title=session.title,
        sessions=(parse_session(session, job.content_types, audience),),
        branding=host.branding(job),
        template_name=template,
        audience=audience,
        include_metadata=False,
        template_dirs=tuple(host.template_dirs()),
        options=options.get(record.name),
    )
    rendered = record.writer(request)
    # Companion files have nowhere to go: the html writer embeds its figures instead.
    return rendered.data if isinstance(rendered, Rendered) else rendered


class PreviewRenderer:
    """Renders previews in threads, at most ``limit`` at once."""

    def __init__(self, store_path: Path, host: PluginHost, limit: int = MAX_RENDERING) -> None:
        self.store_path = store_path
        self.host = host
        self.limit = limit
        # Bound to the event loop that first waits on it (asyncio does so since 3.10).
        self._slots = asyncio.Semaphore(limit)

    async def render(self, session_id: str, audience: Audience, template: str | None) -> bytes:
        async with self._slots:
            return await asyncio.to_thread(
                render_preview, self.store_path, self.host, session_id, audience, template
            )
