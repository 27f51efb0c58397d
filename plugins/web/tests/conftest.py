"""Fixtures of the web service's tests: a real SQLite store, test formats, the ASGI app.

Requests go through httpx to the app in-process (``ASGITransport``); ``live_server`` runs
the same app under a real uvicorn on 127.0.0.1 and a free port.
"""

from __future__ import annotations

import contextlib
import functools
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import attrs
import httpx
import pytest

from curator_export import hookimpl
from curator_export.plugins import PluginHost
from curator_export.store import SQLiteStore, import_path
from curator_export.testing_writers import SAMPLE_COURSE, CourseSpec, sample_formats, write_course
from curator_export_web.app import create_app
from curator_export_web.config import ServiceConfig
from curator_export_web.server import CancellingServer, bound_port, make_server

BASE = "http://127.0.0.1"
TOKEN = "s3cret-token-for-tests-only"

#: A course whose every export takes a while: for cancels and live progress.
SLOW_COURSE: CourseSpec = {
    f"slow{number}": (f"Slow {number}", [("slides", "Slides", "# Slow\n\nCHAOS:SLOW=0.4")])
    for number in range(1, 7)
}


#: A session whose chaos export fails (its writer raises): an error with its reason.
BROKEN_COURSE: CourseSpec = {
    "broken": ("Broken Session", [("slides", "Broken", "# Broken\n\nCHAOS:RAISE@chaos")]),
}


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def make_store_file(folder: Path, course: CourseSpec) -> Path:
    """A real session store (SQLite file) holding ``course``, imported like a user would."""
    source = write_course(folder / "source", course)
    path = folder / "curator.db"
    with SQLiteStore(path) as store:
        import_path(store, source)
    return path


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    """The sample course, the slow course and a broken session in one store."""
    return make_store_file(tmp_path, {**SAMPLE_COURSE, **SLOW_COURSE, **BROKEN_COURSE})


@pytest.fixture
def host(plugin_host: PluginHost, register_plugin: Callable[..., str]) -> PluginHost:
    """The installed plugins plus the test formats chaos, chaos2, plain, request, figures."""

    class TestFormats:
        @hookimpl
        def curator_export_formats(self):  # type: ignore[no-untyped-def]
            return sample_formats()

    register_plugin(TestFormats)
    return plugin_host


@pytest.fixture
def brand_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "brands"
    folder.mkdir()
    (folder / "acme.toml").write_text(
        'institution_name = "Acme University"\n[colors]\nprimary = "#1E3A8A"\n', encoding="utf-8"
    )
    return folder


@pytest.fixture
def config(tmp_path: Path, store_path: Path, brand_dir: Path) -> ServiceConfig:
    return ServiceConfig(store_path=store_path, output_root=tmp_path / "root", brand_dir=brand_dir)


def client_for(app: Any, **kwargs: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE, **kwargs)


@pytest.fixture
def open_client() -> Callable[..., httpx.AsyncClient]:
    """``async with open_client(app) as http:`` a client of another app than ``app``."""
    return client_for


@pytest.fixture
async def app(config: ServiceConfig, host: PluginHost) -> AsyncIterator[Any]:
    application = create_app(config, host=host)
    yield application
    await application.state.service.aclose()


@pytest.fixture
async def client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(app) as http:
        yield http


async def wait_until_finished(
    http: httpx.AsyncClient, batch_id: str, timeout: float = 30.0
) -> dict[str, Any]:
    """Poll the batch's status until it is no longer running."""
    import anyio

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        data: dict[str, Any] = (await http.get(f"/api/batches/{batch_id}")).json()
        if data["status"] != "running":
            return data
        await anyio.sleep(0.05)
    raise AssertionError(f"batch {batch_id} still running after {timeout} s")


@pytest.fixture
def finished() -> Callable[..., Any]:
    """``await finished(client, batch_id)``: the batch's status once it has ended."""
    return wait_until_finished


@contextlib.contextmanager
def running_server(
    config: ServiceConfig, host: PluginHost, address: str = "127.0.0.1"
) -> Iterator[tuple[CancellingServer, int]]:
    """The app for ``config`` under a real uvicorn on ``address``, port 0 (a free one), in a
    thread; yields the server and its port."""
    server = make_server(attrs.evolve(config, host=address, port=0), host=host, log_level="warning")
    thread = threading.Thread(target=server.run, name="uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise AssertionError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield server, bound_port(server)
    finally:
        server.should_exit = True
        thread.join(30)


@pytest.fixture
def server_on(
    config: ServiceConfig, host: PluginHost
) -> Callable[[str], contextlib.AbstractContextManager[tuple[CancellingServer, int]]]:
    """``with server_on("::1") as (server, port):`` the app under uvicorn on that address."""
    return functools.partial(running_server, config, host)


@pytest.fixture
def live_server(config: ServiceConfig, host: PluginHost) -> Iterator[tuple[CancellingServer, str]]:
    """The app under a real uvicorn on 127.0.0.1, port 0 (a free one), in a thread."""
    with running_server(config, host) as (server, port):
        yield server, f"http://127.0.0.1:{port}"
