"""GET /api/sessions/{id}/preview: one session by the html writer, in memory, locked down."""

from __future__ import annotations

import json
import threading
import time

import pytest

from curator_export import Format, hookimpl
from curator_export.model import Audience
from curator_export.testing_writers import request_json_format
from curator_export_web import preview
from curator_export_web.app import create_app

pytestmark = pytest.mark.anyio


async def test_a_preview_is_the_session_as_an_html_page(client, config):
    """The page holds the session's title and text, instructor notes for instructors, and
    comes with a policy that runs nothing; no file is written under the output root."""
    response = await client.get("/api/sessions/s1/preview")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert page.lstrip().lower().startswith("<!doctype html>")
    assert "<title>Lake Ecology" in page
    assert "Lakes turn over twice a year." in page
    assert "INSTRUCTOR-NOTE" in page  # the default audience is instructor
    policy = response.headers["content-security-policy"]
    assert "default-src 'none'" in policy
    assert "img-src data:" in policy
    assert "script-src" not in policy  # no script source at all: default-src 'none' holds
    assert "sandbox" in policy.split("; ")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "<script" not in page.lower()
    written = list(config.output_root.rglob("*")) if config.output_root.exists() else []
    assert written == []


async def test_a_student_preview_leaves_out_notes_and_solutions(client):
    """audience=student filters like an export for students: no notes, no solutions."""
    response = await client.get("/api/sessions/s1/preview", params={"audience": "student"})
    assert response.status_code == 200
    assert "Lakes turn over twice a year." in response.text
    assert "INSTRUCTOR-NOTE" not in response.text
    assert "SECRET-SOLUTION" not in response.text


async def test_a_preview_uses_the_chosen_template(client):
    """template=academic renders with that theme; an unknown one is refused with the known."""
    default = (await client.get("/api/sessions/s2/preview")).text
    academic = await client.get("/api/sessions/s2/preview", params={"template": "academic"})
    assert academic.status_code == 200
    assert "Rivers flow downhill." in academic.text
    assert academic.text != default
    unknown = await client.get("/api/sessions/s2/preview", params={"template": "gothic"})
    assert unknown.status_code == 422
    problem = unknown.json()["errors"][0]
    assert problem["location"] == "template"
    assert "academic" in problem["message"]


async def test_unknown_sessions_and_audiences_are_refused(client):
    """404 for a session the store does not hold, 422 for an unknown audience."""
    missing = await client.get("/api/sessions/no-such-session/preview")
    assert missing.status_code == 404
    assert missing.json() == {"detail": "no such session"}
    bad = await client.get("/api/sessions/s1/preview", params={"audience": "everyone"})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["location"] == "audience"


async def test_the_writer_gets_the_request_an_export_would(config, bare_plugin_host, open_client):
    """The installed html format's writer is called with the session parsed for the
    audience, the template and no metadata (here a format that answers its request)."""

    class Html:
        @hookimpl
        def curator_export_formats(self):
            return [request_json_format("html", extension=".html")]

    bare_plugin_host.register(Html(), "fake-html")
    app = create_app(config, host=bare_plugin_host)
    try:
        async with open_client(app) as http:
            response = await http.get("/api/sessions/s1/preview", params={"audience": "student"})
        assert response.status_code == 200, response.text
        request = json.loads(response.text)
        assert request["format"] == "html"
        assert request["title"] == "Lake Ecology"
        assert request["session_ids"] == ["s1"]
        assert request["audience"] == "student"
        assert request["item_titles"] == ["Lakes", "Lake quiz"]  # no instructor notes
        assert request["include_metadata"] is False
        assert request["options"] == {"indent": 2, "output_label": ""}  # the format's defaults
    finally:
        await app.state.service.aclose()


async def test_without_the_html_format_previews_say_what_to_install(
    config, bare_plugin_host, open_client
):
    """No html format installed: 503 naming the distribution, not a server error."""
    app = create_app(config, host=bare_plugin_host)
    try:
        async with open_client(app) as http:
            response = await http.get("/api/sessions/s1/preview")
        assert response.status_code == 503
        assert "curator-export-html" in response.json()["detail"]
    finally:
        await app.state.service.aclose()


async def test_previews_render_in_threads_a_few_at_a_time(config, host, monkeypatch):
    """Six previews at once: each renders off the event loop, never more than the limit
    together, and all six are answered."""
    import anyio

    lock = threading.Lock()
    running = 0
    most = 0
    threads = set()

    def slow_render(store_path, plugin_host, session_id, audience, template):
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
            threads.add(threading.get_ident())
        time.sleep(0.1)
        with lock:
            running -= 1
        return f"<p>{session_id} {audience.value}</p>".encode()

    monkeypatch.setattr(preview, "render_preview", slow_render)
    renderer = preview.PreviewRenderer(config.store_path, host, limit=2)
    pages: list[bytes] = []

    async def one(number: int) -> None:
        pages.append(await renderer.render(f"s{number}", Audience.STUDENT, None))

    async with anyio.create_task_group() as group:
        for number in range(6):
            group.start_soon(one, number)
    assert sorted(pages) == [f"<p>s{n} student</p>".encode() for n in range(6)]
    assert most == 2
    assert threading.get_ident() not in threads


async def test_a_failing_writer_is_a_500_that_says_why(config, bare_plugin_host, open_client):
    """The html writer raises: 500 with the writer's error, as an export's result gives it."""

    def broken(request):
        raise RuntimeError("the theme lost its page")

    class Html:
        @hookimpl
        def curator_export_formats(self):
            return [Format(name="html", extension=".html", media_type="text/html", writer=broken)]

    bare_plugin_host.register(Html(), "broken-html")
    app = create_app(config, host=bare_plugin_host)
    try:
        async with open_client(app) as http:
            response = await http.get("/api/sessions/s1/preview")
        assert response.status_code == 500
        assert response.json()["detail"] == (
            "the html writer failed: RuntimeError: the theme lost its page"
        )
    finally:
        await app.state.service.aclose()
