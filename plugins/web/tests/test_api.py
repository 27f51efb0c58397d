"""Every endpoint of the service, through httpx against the ASGI app, on a real store."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import anyio
import pytest

pytestmark = pytest.mark.anyio

SERIAL = {"parallelExports": False}


def job(sessions: list[str], formats: list[str], **more: Any) -> dict[str, Any]:
    return {"jobId": "j", "sessionIds": sessions, "formats": formats, **more}


def sse_messages(text: str) -> list[tuple[int, str, dict[str, Any]]]:
    """(id, event, data) of every message of an event stream."""
    found = []
    for block in text.strip().split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        if "event" in fields:
            found.append((int(fields["id"]), fields["event"], json.loads(fields["data"])))
    return found


async def test_formats_lists_formats_naming_templates_and_brands(client):
    """GET /api/formats: every installed and test format, strategies, themes, brand files."""
    response = await client.get("/api/formats")
    assert response.status_code == 200
    data = response.json()
    names = [item["name"] for item in data["formats"]]
    assert {"html", "markdown", "pdf", "chaos", "plain"} <= set(names)
    pdf = next(item for item in data["formats"] if item["name"] == "pdf")
    assert pdf["mediaType"] == "application/pdf"
    assert pdf["canMerge"] is True
    assert {"session", "custom"} <= {item["name"] for item in data["namingStrategies"]}
    assert "academic" in data["templates"]
    assert data["brandFiles"] == ["acme.toml"]
    assert "instructor_notes" in data["contentTypes"]


async def test_sessions_are_searched_and_filtered(client):
    """GET /api/sessions: words match title or id; course and content type filter."""
    everything = (await client.get("/api/sessions")).json()
    assert everything["total"] == 10
    assert [s["id"] for s in everything["sessions"][:3]] == ["s1", "s2", "s3"]
    assert everything["sessions"][0]["contentTypes"] == ["slides", "instructor_notes", "quiz"]
    lakes = (await client.get("/api/sessions", params={"q": "LAKE eco"})).json()
    assert [s["id"] for s in lakes["sessions"]] == ["s1"]
    by_type = (await client.get("/api/sessions", params={"contentType": "worksheet"})).json()
    assert [s["id"] for s in by_type["sessions"]] == ["s2"]
    course = everything["sessions"][0]["courseId"]
    by_course = (await client.get("/api/sessions", params={"course": course})).json()
    assert {s["courseId"] for s in by_course["sessions"]} == {course}
    none = (await client.get("/api/sessions", params={"course": "no-such-course"})).json()
    assert none["sessions"] == []
    bad = await client.get("/api/sessions", params={"contentType": "poster"})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["location"] == "contentType"


async def test_create_job_returns_the_canonical_job(client):
    """POST /api/jobs: the seed's spellings come back canonical, every field filled in."""
    response = await client.post(
        "/api/jobs",
        json=job(["s1"], ["PowerPoint", "Markdown"], namingStrategy="SessionBased"),
    )
    assert response.status_code == 200, response.text
    data = response.json()
    assert data["formats"] == ["pptx", "markdown"]
    assert data["namingStrategy"] == "session"
    assert data["outputDirectory"] == "."
    assert data["audience"] == "instructor"


async def test_create_job_reports_every_problem_with_its_location(client):
    """422 lists each problem once, located: bad format, bad output folder, missing field."""
    response = await client.post(
        "/api/jobs",
        json={"jobId": "j", "formats": ["pfd", "html"], "outputDirectory": "/etc", "colour": 1},
    )
    assert response.status_code == 422
    problems = {p["location"]: p["message"] for p in response.json()["errors"]}
    assert "did you mean 'pdf'" in problems["$.formats[0]"]
    assert "absolute" in problems["$.outputDirectory"]
    assert problems["$.sessionIds"] == "required field missing"
    assert "$.colour" in problems
    not_json = await client.post(
        "/api/jobs", content=b"{nope", headers={"Content-Type": "application/json"}
    )
    assert not_json.status_code == 422
    assert not_json.json()["errors"][0]["location"] == "$"


async def test_batch_runs_and_reports_status_events_files_and_zip(client, finished, config):
    """POST /api/batches answers 202 at once; the events, the status, the files and the zip
    tell the same story, with the seed's BatchProgress fields in camelCase."""
    response = await client.post(
        "/api/batches", json={"jobs": [job(["s1", "s2"], ["plain", "figures"])], "options": SERIAL}
    )
    assert response.status_code == 202, response.text
    started = response.json()
    batch_id = started["batchId"]
    assert response.headers["location"] == f"/api/batches/{batch_id}"
    status = await finished(client, batch_id)
    assert status["status"] == "completed"
    events = sse_messages((await client.get(f"/api/batches/{batch_id}/events")).text)
    assert [position for position, _, _ in events] == list(range(len(events)))
    kinds = [kind for _, kind, _ in events]
    assert kinds[0] == "progress"
    assert kinds[-1] == "end"
    assert kinds.count("export") == 4
    progress = [data for _, kind, data in events if kind == "progress"]
    assert set(progress[0]) >= {
        "totalJobs",
        "completedJobs",
        "totalFiles",
        "completedFiles",
        "failedFiles",
        "currentJobId",
        "currentOperation",
        "errorsEncountered",
        "estimatedRemainingSeconds",
        "progressPercent",
    }
    assert progress[0]["totalFiles"] == 4
    assert progress[-1]["progressPercent"] == 100.0
    assert events[-1][2]["status"] == "completed"
    # the files: each export's link, the manifest, the batch's zip; nothing else
    result = status["result"]
    assert result["totalFilesCreated"] == 4
    assert result["manifestPath"].startswith("batch_export_manifest_")
    exports = status["exports"]
    made = {"s1.plain", "s2.plain", "s1.figures", "s2.figures"}
    assert {e["outputPath"] for e in exports} == made
    for export in exports:
        download = await client.get(export["downloadUrl"])
        assert download.status_code == 200
        folder = config.output_root / batch_id
        assert download.content == (folder / export["outputPath"]).read_bytes()
        assert "attachment" in download.headers["content-disposition"]
    archive = await client.get(status["zipUrl"])
    assert archive.status_code == 200
    with zipfile.ZipFile(io.BytesIO(archive.content)) as opened:
        names = set(opened.namelist())
        assert opened.testzip() is None
    assert {"s1.plain", "s2.plain", "s1.figures", "s2.figures"} <= names
    assert any(name.startswith("assets/") for name in names)  # the figures' companions
    assert result["manifestPath"] in names
    assert {item["path"] for item in status["files"]} == names | {f"{batch_id}.zip"}


async def test_failed_exports_carry_their_reason(client, finished):
    """A writer that raises and an unknown session: each failure comes with its reason and
    kind, in its export event and in the result; the batch is 'failed'."""
    jobs = [
        job(["s1", "broken"], ["chaos"]),
        {**job(["nope"], ["plain"]), "jobId": "missing"},
    ]
    response = await client.post("/api/batches", json={"jobs": jobs, "options": SERIAL})
    status = await finished(client, response.json()["batchId"])
    assert status["status"] == "failed"
    failed = [export for export in status["exports"] if not export["success"]]
    assert len(failed) == 1
    assert failed[0]["sessionIds"] == ["broken"]
    assert failed[0]["errorKind"] == "writer_error"
    assert "chaos: the chaos writer broke" in failed[0]["errorMessage"]
    assert failed[0]["downloadUrl"] is None
    missing = status["result"]["jobResults"][1]
    assert "nope" in missing["errorMessage"]
    assert missing["errorKind"] == "not_found"


async def test_batch_request_problems_are_all_reported(client):
    """Two bad jobs and bad options: one 422 with every problem, and no batch started."""
    response = await client.post(
        "/api/batches",
        json={
            "jobs": [job(["s1"], ["nope"]), job(["s1"], ["plain"], outputDirectory="../out")],
            "options": {"maxConcurrentJobs": 0, "templateDirs": ["/tmp"]},
            "storePath": "/etc/other.db",
        },
    )
    assert response.status_code == 422
    locations = {p["location"] for p in response.json()["errors"]}
    assert {
        "$.jobs[0].formats[0]",
        "$.jobs[1].outputDirectory",
        "$.jobs[1].jobId",  # the same id twice
        "$.options.maxConcurrentJobs",
        "$.options.templateDirs",
        "$.storePath",
    } <= locations
    assert (await client.get("/api/batches")).json()["batches"] == []


async def test_concurrent_batches_keep_their_files_apart(client, finished, config):
    """Three batches at once, same job id and file names: each in its own folder, each
    listing and serving only its own files."""
    responses = [
        await client.post(
            "/api/batches",
            json={"jobs": [job([session], ["chaos"])], "options": SERIAL},
        )
        for session in ("slow1", "slow2", "slow3")
    ]
    ids = [r.json()["batchId"] for r in responses]
    assert len(set(ids)) == 3
    listed = (await client.get("/api/batches")).json()["batches"]
    assert sum(batch["status"] == "running" for batch in listed) >= 2  # they overlap
    statuses = [await finished(client, batch_id) for batch_id in ids]
    for session, batch_id, status in zip(("slow1", "slow2", "slow3"), ids, statuses, strict=True):
        assert status["status"] == "completed"
        folder = config.output_root / batch_id
        made = sorted(p.name for p in folder.iterdir() if p.suffix == ".chaos")
        assert made == [f"{session}.chaos"]
        text = (folder / f"{session}.chaos").read_text(encoding="utf-8")
        assert text.startswith(f"# Slow {session.removeprefix('slow')}\n")
    other = f"/api/batches/{ids[0]}/files/slow2.chaos"
    assert (await client.get(other)).status_code == 404


async def test_cancel_stops_a_running_batch_cleanly(client, finished, config):
    """POST .../cancel: no new export starts, the batch ends 'interrupted', the manifest
    says so, no temporary file is left, and what was made can still be downloaded."""
    sessions = [f"slow{n}" for n in range(1, 7)]
    response = await client.post(
        "/api/batches", json={"jobs": [job(sessions, ["chaos"])], "options": SERIAL}
    )
    batch_id = response.json()["batchId"]
    while not (await client.get(f"/api/batches/{batch_id}")).json()["exports"]:
        await anyio.sleep(0.05)
    cancelled = await client.post(f"/api/batches/{batch_id}/cancel")
    assert cancelled.status_code == 202
    status = await finished(client, batch_id)
    assert status["status"] == "interrupted"
    made = [e for e in status["result"]["jobResults"][0]["exports"] if e["success"]]
    assert 1 <= len(made) < 6
    folder: Path = config.output_root / batch_id
    manifest = json.loads((folder / status["result"]["manifestPath"]).read_text("utf-8"))
    assert manifest["batch_export_manifest"]["status"] == "interrupted"
    assert not [p for p in folder.rglob("*") if ".tmp" in p.name or p.name.startswith(".")]
    assert (await client.get(made[0]["downloadUrl"])).status_code == 200
    again = await client.post(f"/api/batches/{batch_id}/cancel")  # harmless when done
    assert again.json()["status"] == "interrupted"


async def test_unknown_batches_are_404(client):
    """Status, events, cancel and files of an unknown batch: 404."""
    for method, path in [
        ("GET", "/api/batches/nope"),
        ("GET", "/api/batches/nope/events"),
        ("POST", "/api/batches/nope/cancel"),
        ("GET", "/api/batches/nope/files/a.txt"),
    ]:
        assert (await client.request(method, path)).status_code == 404, path


async def test_openapi_describes_every_route(client, app):
    """GET /api/openapi.json names every API route of the app, with this server's formats."""
    document = (await client.get("/api/openapi.json")).json()
    assert document["openapi"].startswith("3.1")
    routes = {
        route.path.replace("{path:path}", "{path}")
        for route in app.routes
        if getattr(route, "path", "").startswith("/api/") and route.path != "/api/openapi.json"
    }
    assert routes == set(document["paths"])
    formats = document["components"]["schemas"]["Job"]["properties"]["formats"]["items"]
    assert "pdf" in formats["enum"]


async def test_the_page_is_served_with_a_strict_policy(client):
    """GET / is the page (labels, a live region), with a CSP allowing only our scripts."""
    page = await client.get("/")
    assert page.status_code == 200
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert 'aria-live="polite"' in page.text
    assert '<label for="search">' in page.text
    script = await client.get("/static/app.js")
    assert script.status_code == 200
    assert "innerHTML" not in script.text  # server text is only ever set as text


async def test_the_app_mounts_in_another_asgi_app(config, host, finished):
    """Embedded under /exports of a host app, the API answers there, and aclose() (what the
    host's lifespan calls) cancels a running batch and waits for its cleanup."""
    import httpx
    from starlette.applications import Starlette
    from starlette.routing import Mount

    from curator_export_web.app import create_app

    exports = create_app(config, host=host)
    outer = Starlette(routes=[Mount("/exports", app=exports)])
    transport = httpx.ASGITransport(app=outer)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as http:
        formats = await http.get("/exports/api/formats")
        assert formats.status_code == 200
        body = {"jobs": [job([f"slow{n}" for n in range(1, 7)], ["chaos"])], "options": SERIAL}
        started = await http.post("/exports/api/batches", json=body)
        assert started.status_code == 202
        batch_id = started.json()["batchId"]
        await exports.state.service.aclose()
        status = (await http.get(f"/exports/api/batches/{batch_id}")).json()
    assert status["status"] == "interrupted"
    refused = exports.state.service.batches
    assert refused.stopping
