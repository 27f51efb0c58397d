"""The ASGI application: the seed's two commands and what a front end needs, over HTTP.

Routes (camelCase JSON): ``POST /api/jobs`` (create_batch_export_job), ``POST /api/batches``
(batch_export_content, answered at once with the batch's id), ``GET /api/batches/{id}``,
``.../events`` (server-sent progress), ``.../cancel``, ``.../files/{path}``, ``GET
/api/sessions``, ``GET /api/sessions/{id}/preview`` (the session as an HTML page), ``GET
/api/formats``, ``GET /api/openapi.json``; the page at ``/``.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qs

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import (
    FileResponse,
    HTMLResponse,
    JSONResponse,
    RedirectResponse,
    Response,
)
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from curator_export.errors import CuratorExportError, SessionNotFoundError, ValidationError
from curator_export.logging import get_logger
from curator_export.model import Audience, ContentType
from curator_export.plugins import PluginHost
from curator_export.store import SQLiteStore
from curator_export_web import catalog
from curator_export_web.auth import COOKIE, AccessMiddleware, token_matches
from curator_export_web.batches import (
    BatchRegistry,
    BatchRun,
    ServiceStoppingError,
    TooManyBatchesError,
)
from curator_export_web.config import ServiceConfig, is_loopback
from curator_export_web.hosts import LOOPBACK_NAMES, LoopbackHostMiddleware
from curator_export_web.jobs import JobReader, job_payload
from curator_export_web.openapi import openapi_document
from curator_export_web.page import STATIC, index_page, login_page
from curator_export_web.payloads import catalog_payload, session_payload
from curator_export_web.preview import PREVIEW_HEADERS, PreviewRenderer
from curator_export_web.sse import event_stream, first_position

log = get_logger(__name__)


class WebService:
    """What the routes share: configuration, plugin host, job reader and batches."""

    def __init__(self, config: ServiceConfig, host: PluginHost | None = None) -> None:
        self.config = config
        self.host = host if host is not None else PluginHost()
        # Load every plugin now, in one thread, rather than racing in the batches' threads.
        self.host.formats()
        self.host.naming_strategies()
        self.reader = JobReader(self.host, config.brand_dir)
        self.batches = BatchRegistry(
            config.output_root,
            config.store_path,
            self.host,
            max_running=config.max_running_batches,
            keep_finished=config.keep_batches,
        )
        self.batches.remove_earlier_folders()
        self.previews = PreviewRenderer(config.store_path, self.host)

    async def aclose(self) -> None:
        """Cancel running batches and wait until each has finished cleanly."""
        await self.batches.stop()


def problem_response(exc: ValidationError) -> JSONResponse:
    """Every problem of a request with its location: 422, like the core's ValidationError."""
    problems = []
    for error in exc.errors:
        message, at, location = error.rpartition(" @ ")
        problems.append({"message": message, "location": location} if at else {"message": error})
    return JSONResponse({"detail": "the request is invalid", "errors": problems}, 422)


def _error(status: int, detail: str) -> JSONResponse:
    return JSONResponse({"detail": detail}, status)


async def _json_body(request: Request) -> Any:
    try:
        return json.loads(await request.body())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValidationError([f"the body is not JSON: {exc} @ $"]) from None


def _service(request: Request) -> WebService:
    service: WebService = request.app.state.service
    return service


def _batch(request: Request) -> BatchRun | None:
    return _service(request).batches.get(request.path_params["batch_id"])


async def create_job(request: Request) -> Response:
    """Validate one job; answer it with canonical names, or 422 with every problem."""
    try:
        job = _service(request).reader.job(await _json_body(request))
    except ValidationError as exc:
        return problem_response(exc)
    return JSONResponse(job_payload(job))


async def start_batch(request: Request) -> Response:
    """Start a batch; answer at once (202) with its id and where to follow it."""
    service = _service(request)
    try:
        batch_request = service.reader.batch(await _json_body(request))
        # In the event loop: the batch's thread reports to it (making a folder is quick).
        batch = service.batches.start(batch_request.jobs, batch_request.options)
    except ValidationError as exc:
        return problem_response(exc)
    except TooManyBatchesError as exc:
        return _error(429, str(exc))
    except ServiceStoppingError as exc:
        return _error(503, str(exc))
    location = f"/api/batches/{batch.batch_id}"
    return JSONResponse(batch.summary(), 202, headers={"Location": location})


async def list_batches(request: Request) -> Response:
    batches = _service(request).batches.batches.values()
    return JSONResponse({"batches": [batch.summary() for batch in batches]})


async def batch_status(request: Request) -> Response:
    batch = _batch(request)
    if batch is None:
        return _error(404, "no such batch")
    return JSONResponse(batch.summary())


async def batch_events(request: Request) -> Response:
    from starlette.responses import StreamingResponse

    batch = _batch(request)
    if batch is None:
        return _error(404, "no such batch")
    start = first_position(request.headers.get("last-event-id"))
    return StreamingResponse(
        event_stream(batch, start),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


async def cancel_batch(request: Request) -> Response:
    """Cancel a running batch (no new task starts, running ones stop); harmless when done."""
    batch = _batch(request)
    if batch is None:
        return _error(404, "no such batch")
    if not batch.finished:
        batch.cancel("cancelled")
    return JSONResponse(batch.summary(), 202)


async def batch_file(request: Request) -> Response:
    """A file this batch made (an export, a figure, the manifest, a zip), and nothing else."""
    batch = _batch(request)
    if batch is None:
        return _error(404, "no such batch")
    path = batch.file(request.path_params["path"])
    if path is None:
        return _error(404, "no such file in this batch")
    return FileResponse(path, filename=path.name, content_disposition_type="attachment")


async def sessions(request: Request) -> Response:
    """Sessions, searched (``q``) and filtered by ``course`` and ``contentType``."""
    params = request.query_params
    content_type = None
    if params.get("contentType"):
        try:
            content_type = ContentType(params["contentType"])
        except ValueError:
            known = ", ".join(item.value for item in ContentType)
            return problem_response(
                ValidationError([f"unknown content type; known: {known} @ contentType"])
            )
    service = _service(request)
    try:
        summaries = await run_in_threadpool(_list_sessions, service)
    except CuratorExportError as exc:
        return _error(503, str(exc))
    found = catalog.filter_sessions(
        summaries,
        query=params.get("q", ""),
        course=params.get("course") or None,
        content_type=content_type,
    )
    return JSONResponse(
        {
            "sessions": [session_payload(session) for session in found],
            "courses": catalog.courses(summaries),
            "total": len(summaries),
        }
    )


async def session_preview(request: Request) -> Response:
    """One session as the html format renders it (``audience``, ``template``), in memory."""
    params = request.query_params
    try:
        audience = Audience(params.get("audience") or Audience.INSTRUCTOR.value)
    except ValueError:
        known = ", ".join(item.value for item in Audience)
        return problem_response(ValidationError([f"unknown audience; known: {known} @ audience"]))
    try:
        page = await _service(request).previews.render(
            request.path_params["session_id"], audience, params.get("template") or None
        )
    except SessionNotFoundError:
        return _error(404, "no such session")
    except ValidationError as exc:
        return problem_response(exc)
    except CuratorExportError as exc:  # the html format is missing, the store unreadable
        return _error(503, str(exc))
    except Exception as exc:  # a writer's bug: say which, as an export's result would
        log.error("preview failed", session=request.path_params["session_id"], error=repr(exc))
        return _error(500, f"the html writer failed: {type(exc).__name__}: {exc}")
    return HTMLResponse(page, headers=PREVIEW_HEADERS)


def _list_sessions(service: WebService) -> list[Any]:
    with SQLiteStore(service.config.store_path) as store:
        return list(store.list_sessions())


async def formats(request: Request) -> Response:
    """Formats, naming strategies, templates, brand files, audiences and content types."""
    service = _service(request)
    templates = await run_in_threadpool(catalog.template_names, service.host)
    return JSONResponse(
        catalog_payload(
            service.host.formats(),
            service.host.naming_strategies(),
            templates,
            catalog.brand_files(service.config.brand_dir),
        )
    )


async def openapi(request: Request) -> Response:
    return JSONResponse(openapi_document(sorted(_service(request).host.formats())))


async def index(request: Request) -> Response:
    return index_page()


async def login(request: Request) -> Response:
    """The login form sets the token as a strict, HTTP-only cookie for the page."""
    token = _service(request).config.token
    if request.method == "GET" or token is None:
        return login_page() if token else RedirectResponse("/", 303)
    form = parse_qs((await request.body()).decode("utf-8", "replace"))
    given = (form.get("token") or [""])[0]
    if not token_matches(given, token):
        return login_page(401, "That token is not the server's.")
    response = RedirectResponse("/", 303)
    response.set_cookie(COOKIE, given, httponly=True, samesite="strict", path="/")
    return response


def create_app(config: ServiceConfig, *, host: PluginHost | None = None) -> Starlette:
    """The service as an ASGI app. ``app.state.service`` is its ``WebService``; an app that
    mounts this one calls ``await service.aclose()`` when it stops (mounted apps get no
    lifespan events)."""
    service = WebService(config, host)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        await service.aclose()

    middleware = [Middleware(AccessMiddleware, token=config.token)]
    if is_loopback(config.host):
        # Any other name pointed at this machine is a DNS-rebinding attempt.
        allowed = [*LOOPBACK_NAMES, config.host]
        middleware.insert(0, Middleware(LoopbackHostMiddleware, allowed=allowed))
    routes = [
        Route("/", index),
        Route("/login", login, methods=["GET", "POST"]),
        Route("/api/openapi.json", openapi),
        Route("/api/jobs", create_job, methods=["POST"]),
        Route("/api/batches", start_batch, methods=["POST"]),
        Route("/api/batches", list_batches, methods=["GET"]),
        Route("/api/batches/{batch_id}", batch_status),
        Route("/api/batches/{batch_id}/events", batch_events),
        Route("/api/batches/{batch_id}/cancel", cancel_batch, methods=["POST"]),
        Route("/api/batches/{batch_id}/files/{path:path}", batch_file),
        Route("/api/sessions", sessions),
        Route("/api/sessions/{session_id}/preview", session_preview),
        Route("/api/formats", formats),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    app = Starlette(routes=routes, middleware=middleware, lifespan=lifespan)
    app.state.service = service
    return app
