"""The service under a real uvicorn on 127.0.0.1: live events, and a stop that cancels."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time

import httpx
import pytest

SERIAL = {"parallelExports": False}
SLOW_JOB = {
    "jobId": "slow",
    "sessionIds": [f"slow{n}" for n in range(1, 7)],
    "formats": ["chaos"],
}


def test_events_stream_live_over_real_http(live_server):
    """The first progress event arrives while the batch still runs, not at its end."""
    _, url = live_server
    with httpx.Client(base_url=url, timeout=30) as client:
        assert client.get("/api/formats").status_code == 200
        started = client.post("/api/batches", json={"jobs": [SLOW_JOB], "options": SERIAL})
        assert started.status_code == 202
        batch_id = started.json()["batchId"]
        kinds = []
        with client.stream("GET", f"/api/batches/{batch_id}/events") as stream:
            assert stream.headers["content-type"].startswith("text/event-stream")
            for line in stream.iter_lines():
                if line.startswith("event: "):
                    kinds.append(line.removeprefix("event: "))
                if kinds == ["progress", "export"]:
                    # one file of six is done: the batch is still running
                    assert client.get(f"/api/batches/{batch_id}").json()["status"] == "running"
                if kinds and kinds[-1] == "end":
                    break
        assert kinds.count("export") == 6
        assert client.get(f"/api/batches/{batch_id}").json()["status"] == "completed"


def test_stopping_the_server_cancels_running_batches_cleanly(live_server, config):
    """A stop signal: running batches are cancelled, their streams end, the manifest says
    interrupted, no temporary file is left; the server then exits."""
    server, url = live_server
    with httpx.Client(base_url=url, timeout=30) as client:
        batch_id = client.post("/api/batches", json={"jobs": [SLOW_JOB], "options": SERIAL}).json()[
            "batchId"
        ]
        with client.stream("GET", f"/api/batches/{batch_id}/events") as stream:
            lines = stream.iter_lines()
            for line in lines:
                if line == "event: export":
                    break
            server.handle_exit(signal.SIGTERM, None)  # what uvicorn's signal handler calls
            rest = list(lines)  # the stream ends: the batch has ended
    end = json.loads(next(line for line in reversed(rest) if line.startswith("data: "))[6:])
    assert end["status"] == "interrupted"
    folder = config.output_root / batch_id
    manifests = list(folder.glob("batch_export_manifest_*.json"))
    assert len(manifests) == 1
    manifest = json.loads(manifests[0].read_text(encoding="utf-8"))
    assert manifest["batch_export_manifest"]["status"] == "interrupted"
    assert len(list(folder.glob("*.chaos"))) < 6
    assert not [p for p in folder.rglob("*") if p.name.startswith(".")]
    assert server.should_exit
    assert refused(url), "the server still answers after the stop"


def refused(url: str) -> bool:
    """Whether connections are refused within a few seconds (the listener closes)."""
    for _ in range(100):
        try:
            httpx.get(f"{url}/api/formats", timeout=1)
        except httpx.HTTPError:
            return True
        time.sleep(0.05)
    return False


def test_the_serve_command_runs_uvicorn_and_stops_on_ctrl_c(store_path, tmp_path):
    """`curator-export serve --port 0 --keep-batches 1`: answers on the printed address,
    has pruned the folders an earlier run left, exits 0 on SIGINT."""
    env = {**os.environ, "CURATOR_EXPORT_TOKEN": ""}
    earlier = ["20261101-090000-aaaaaaaaaaaa", "20261102-090000-bbbbbbbbbbbb"]
    for name in earlier:
        (tmp_path / "exports" / name).mkdir(parents=True)
    command = [
        sys.executable,
        "-m",
        "curator_export.cli",
        "--store",
        str(store_path),
        "serve",
        "--port",
        "0",
        "--output-root",
        str(tmp_path / "exports"),
        "--keep-batches",
        "1",
    ]
    process = subprocess.Popen(
        command, cwd=tmp_path, env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True
    )
    try:
        assert process.stderr is not None
        address = None
        deadline = time.monotonic() + 30
        seen = []
        while address is None and time.monotonic() < deadline:
            line = process.stderr.readline()
            seen.append(line)
            if found := re.search(r"running on (http://127\.0\.0\.1:\d+)", line):
                address = found[1]
        assert address, "".join(seen)
        formats = httpx.get(f"{address}/api/formats", timeout=10).json()
        assert "html" in {item["name"] for item in formats["formats"]}
        assert [path.name for path in (tmp_path / "exports").iterdir()] == earlier[1:]
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def ipv6_loopback() -> bool:
    """Whether this machine can listen on ::1 (containers often have no IPv6 at all)."""
    if not socket.has_ipv6:
        return False
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as probe:
            probe.bind(("::1", 0))
    except OSError:
        return False
    return True


@pytest.mark.skipif(not ipv6_loopback(), reason="this machine has no IPv6 loopback (::1)")
def test_a_server_on_ipv6_loopback_answers_to_its_bracketed_address(server_on):
    """`serve --host ::1`: http://[::1]:PORT/ works (Host: [::1]:PORT), while a foreign
    name or another IPv6 address in the Host header is still refused."""
    with server_on("::1") as (_, port):
        url = f"http://[::1]:{port}"
        with httpx.Client(base_url=url, timeout=10) as client:
            page = client.get("/")
            assert page.status_code == 200, page.text
            assert "curator-export" in page.text
            assert client.get("/api/formats").status_code == 200
            assert client.get("/", headers={"Host": "localhost"}).status_code == 200
            # the page's own writes carry Origin: http://[::1]:PORT, which is this origin
            job = {"jobId": "j", "sessionIds": ["s1"], "formats": ["plain"]}
            written = client.post("/api/jobs", json=job, headers={"Origin": url})
            assert written.status_code == 200, written.text
            for foreign in ("attacker.example", f"evil.example:{port}", f"[2001:db8::1]:{port}"):
                refused_host = client.get("/api/formats", headers={"Host": foreign})
                assert refused_host.status_code == 400, foreign
