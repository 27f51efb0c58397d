"""Who may use the service: the token on every request, no cross-site writes, loopback."""

from __future__ import annotations

import attrs
import httpx
import pytest

from curator_export_web.app import create_app
from curator_export_web.config import ServiceConfig, ServiceConfigError, is_loopback

pytestmark = pytest.mark.anyio

TOKEN = "s3cret-token-for-tests-only"
BASE = "http://127.0.0.1"
ROUTES = [
    ("GET", "/"),
    ("GET", "/api/formats"),
    ("GET", "/api/sessions"),
    ("GET", "/api/sessions/s1/preview"),
    ("GET", "/api/openapi.json"),
    ("GET", "/api/batches"),
    ("GET", "/api/batches/x"),
    ("GET", "/api/batches/x/events"),
    ("GET", "/api/batches/x/files/a.txt"),
    ("POST", "/api/batches/x/cancel"),
    ("POST", "/api/jobs"),
    ("POST", "/api/batches"),
    ("GET", "/static/app.js"),
]


@pytest.fixture
async def guarded(config, host, tmp_path):
    """The app with a token, as on a non-loopback address."""
    guarded_config = ServiceConfig(
        store_path=config.store_path,
        output_root=config.output_root,
        token=TOKEN,
        host="0.0.0.0",
    )
    app = create_app(guarded_config, host=host)
    yield app
    await app.state.service.aclose()


def http(app, **kwargs):
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE, **kwargs)


async def test_every_route_needs_the_token(guarded):
    """Without the token, or with a wrong one, every route answers 401; with it, not."""
    async with http(guarded) as client:
        for method, path in ROUTES:
            assert (await client.request(method, path)).status_code == 401, path
            wrong = {"Authorization": "Bearer not-the-token-at-all"}
            assert (await client.request(method, path, headers=wrong)).status_code == 401
    async with http(guarded, headers={"Authorization": f"Bearer {TOKEN}"}) as client:
        for method, path in ROUTES:
            response = await client.request(method, path, json={} if method == "POST" else None)
            assert response.status_code != 401, path
        assert (await client.get("/api/formats")).status_code == 200


async def test_api_refusal_says_how_and_the_page_offers_a_login(guarded):
    """401 from the API names the scheme; the page shows a login form instead."""
    async with http(guarded) as client:
        api = await client.get("/api/formats")
        assert api.headers["www-authenticate"] == "Bearer"
        page = await client.get("/")
        assert page.status_code == 401
        assert '<input id="token" name="token" type="password"' in page.text


async def test_login_sets_a_strict_cookie_that_opens_the_page(guarded):
    """The login form's cookie (HTTP-only, SameSite=Strict) is accepted like the header."""
    async with http(guarded) as client:
        wrong = await client.post("/login", data={"token": "nope"})
        assert wrong.status_code == 401
        assert "not the server" in wrong.text
        login = await client.post("/login", data={"token": TOKEN})
        assert login.status_code == 303
        cookie = login.headers["set-cookie"]
        assert "httponly" in cookie.lower()
        assert "samesite=strict" in cookie.lower()
        assert (await client.get("/")).status_code == 200  # the client keeps the cookie
        assert (await client.get("/api/sessions")).status_code == 200


async def test_cross_origin_writes_and_non_json_bodies_are_refused(client):
    """Another site's page cannot start batches in the user's browser (403), and a form
    post, which needs no preflight, is not read as JSON (415)."""
    body = {"jobs": [{"jobId": "j", "sessionIds": ["s1"], "formats": ["plain"]}]}
    evil = await client.post("/api/batches", json=body, headers={"Origin": "https://evil.example"})
    assert evil.status_code == 403
    form = await client.post(
        "/api/batches", content=b'{"jobs": []}', headers={"Content-Type": "text/plain"}
    )
    assert form.status_code == 415
    ours = await client.post("/api/jobs", json=body["jobs"][0], headers={"Origin": BASE})
    assert ours.status_code == 200
    assert (await client.get("/api/batches")).json()["batches"] == []


async def test_a_loopback_server_answers_only_to_loopback_names(app):
    """A DNS name pointed at 127.0.0.1 (DNS rebinding) is refused by the Host check."""
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://attacker.example"
    ) as client:
        assert (await client.get("/api/formats")).status_code == 400
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://localhost:8750"
    ) as client:
        assert (await client.get("/api/formats")).status_code == 200


def test_non_loopback_without_a_token_is_refused(tmp_path):
    """check_exposure: 0.0.0.0 or a host name needs a token, and a long one."""
    base = {"store_path": tmp_path / "s.db", "output_root": tmp_path / "out"}
    ServiceConfig(**base).check_exposure()  # loopback, no token: fine
    for host in ("0.0.0.0", "192.168.1.20", "example.org", "::"):
        with pytest.raises(ServiceConfigError, match="CURATOR_EXPORT_TOKEN"):
            ServiceConfig(**base, host=host).check_exposure()
    with pytest.raises(ServiceConfigError, match="too short"):
        ServiceConfig(**base, host="0.0.0.0", token="short").check_exposure()
    ServiceConfig(**base, host="0.0.0.0", token=TOKEN).check_exposure()
    assert is_loopback("127.0.0.5")
    assert is_loopback("::1")
    assert is_loopback("localhost")
    assert not is_loopback("0.0.0.0")


def test_serve_refuses_a_public_address_without_a_token(run_cli, store_path):
    """`curator-export serve --host 0.0.0.0` without $CURATOR_EXPORT_TOKEN exits 2."""
    result = run_cli(
        "--store",
        str(store_path),
        "serve",
        "--host",
        "0.0.0.0",
        env={"CURATOR_EXPORT_TOKEN": ""},
    )
    assert result.returncode == 2
    assert "CURATOR_EXPORT_TOKEN" in result.stderr


def test_host_headers_are_parsed_with_their_brackets():
    """[::1]:8750 is ::1 (not "[" as a cut at the first colon gives); malformed is None."""
    from curator_export_web.hosts import host_name, normalized

    assert host_name("[::1]:8750") == "::1"
    assert host_name("[::1]") == "::1"
    assert host_name("[0:0:0:0:0:0:0:1]:80") == "::1"
    assert host_name("LocalHost:8750") == "localhost"
    assert host_name("127.0.0.1:8750") == "127.0.0.1"
    for malformed in (None, "", "[", "[::1", "::1", "[::1]x", "[nonsense]:80", "a b", "h:port"):
        assert host_name(malformed) is None, malformed
    assert normalized("::1") == normalized("[::1]") == "::1"
    assert normalized("127.0.0.5") == "127.0.0.5"


async def test_a_loopback_server_answers_to_ipv6_loopback_and_its_own_address(config, host):
    """Host: [::1]:PORT is loopback; [::2] or a name is not; the configured 127.0.0.5 is."""
    app = create_app(attrs.evolve(config, host="127.0.0.5"), host=host)
    try:
        for name, status in (
            ("[::1]:8750", 200),
            ("[::1]", 200),
            ("127.0.0.5:8750", 200),
            ("[::2]:8750", 400),
            ("[::1].attacker.example", 400),
            ("127.0.0.1.nip.io", 400),
        ):
            async with http(app, headers={"Host": name}) as client:
                assert (await client.get("/api/formats")).status_code == status, name
    finally:
        await app.state.service.aclose()
