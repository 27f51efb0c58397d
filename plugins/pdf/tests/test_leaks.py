"""No leaks: content pointing at local files or the network never reaches the PDF or the net."""

from __future__ import annotations

import base64
import http.server
import re
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest

from curator_export.render import Rendered
from curator_export_pdf import writer
from curator_export_pdf.writer import render_page

SECRET = "TOP-SECRET-7f3a9c1e"


class _Recorder(http.server.BaseHTTPRequestHandler):
    requests: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        type(self).requests.append(self.path)
        body = SECRET.encode()
        self.send_response(200)
        self.send_header("Content-Type", "image/svg+xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[tuple[str, list[str]]]:
    """A local HTTP server on 127.0.0.1 that records every request it receives."""
    handler = type("Recorder", (_Recorder,), {"requests": []})
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", handler.requests
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


def hostile_markdown(secret: Path, base: str) -> str:
    """Markdown and raw HTML that point at ``secret`` and ``base`` in every way we know."""
    uri = secret.as_uri()
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        f'width="10" height="10"><image href="{uri}" width="10" height="10"/>'
        f'<image xlink:href="{base}/svg.svg" width="10" height="10"/></svg>'
    )
    svg_uri = "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
    css = (
        f'@import url("{uri}"); @import "{base}/import.css";'
        f' @font-face {{ font-family: leak; src: url("{uri}"), url("{base}/font.woff"); }}'
        f' body {{ background: url("{uri}"); font-family: leak; }}'
        f' p {{ background-image: url("{base}/bg.png"); }}'
    )
    return "\n\n".join(
        [
            "Visible paragraph.",
            f"![file image]({uri})",
            "![relative image](../secret.txt)",
            f"![absolute path image]({secret})",
            f"![http image]({base}/img.png)",
            f"![svg image]({svg_uri})",
            f'<img src="{uri}" alt="raw file image">',
            f'<img src="{base}/raw.png" alt="raw http image">',
            f'<link rel="attachment" href="{uri}">',
            f'<a rel="attachment" href="{uri}">attached</a>',
            f'<a rel="attachment" href="{base}/attached.txt">attached too</a>',
            f'<link rel="stylesheet" href="{base}/style.css">',
            f"<style>{css}</style>",
            f'<p style="background: url({uri})">inline style</p>',
            f'<object data="{uri}"></object><embed src="{uri}"><iframe src="{uri}"></iframe>',
            f'<svg width="10" height="10"><image href="{uri}"/></svg>',
            '<img src="/dev/urandom" alt="dev"><img src="file:///proc/self/environ" alt="proc">',
        ]
    )


def test_secret_file_and_local_server_are_never_reached(kit, tmp_path, server) -> None:
    """Secret file text is nowhere in the PDF, nothing is attached, the server sees nothing."""
    base, requests = server
    folder = tmp_path / "lesson"
    folder.mkdir()
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET)
    session = kit.session(("Hostile", hostile_markdown(secret, base)), title="Leaks")
    rendered = kit.write(session, include_metadata=True)
    assert "Visible paragraph." in " ".join(kit.pages_text(kit.reader(rendered)))
    assert_no_leak(rendered.data, kit, requests)
    assert_server_is_live(base, requests)


def hostile_page(secret: Path, base: str) -> str:
    """A whole HTML page reaching for ``secret`` and ``base`` through every WeasyPrint door."""
    uri = secret.as_uri()
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        f'width="10" height="10"><image href="{uri}" width="10" height="10"/>'
        f'<image xlink:href="{base}/svg-nested.png" width="10" height="10"/></svg>'
    )
    svg_uri = "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
    return f"""<!DOCTYPE html><html lang="en"><head><title>Hostile</title>
<link rel="stylesheet" href="{base}/link.css">
<link rel="stylesheet" href="{uri}">
<link rel="attachment" href="{uri}">
<link rel="attachment" href="{base}/link-attachment.txt">
<style>
@import url("{uri}");
@import "{base}/import.css";
@font-face {{ font-family: leak; src: url("{uri}"), url("{base}/font.woff"); }}
body {{ font-family: leak; background: url("{uri}"); }}
p {{ background-image: url("{base}/bg.png"); }}
</style></head><body>
<p>Visible paragraph.</p>
<img src="{uri}" alt="file"><img src="../secret.txt" alt="relative">
<img src="{secret}" alt="path"><img src="/dev/urandom" alt="dev">
<img src="file:///proc/self/environ" alt="proc"><img src="{base}/img.png" alt="http">
<img src="{svg_uri}" alt="svg">
<svg width="10" height="10"><image href="{uri}" width="10" height="10"/></svg>
<p style="background: url({uri})">inline style</p>
<a rel="attachment" href="{uri}">attached</a>
<a rel="Attachment nofollow" href="{base}/a-attachment.txt">attached too</a>
<object data="{uri}"></object><embed src="{uri}"><iframe src="{base}/frame.html"></iframe>
</body></html>"""


def assert_no_leak(data: bytes, kit, requests: list[str]) -> None:
    """The secret is not in the bytes, text or attachments, and the server saw nothing."""
    assert SECRET.encode() not in data
    reader = kit.reader(Rendered(data=data))
    assert SECRET not in " ".join(kit.pages_text(reader))
    assert "/EmbeddedFiles" not in reader.trailer["/Root"].get("/Names", {})
    assert reader.attachments == {}
    for page in reader.pages:
        for annotation in page.get("/Annots", []) or []:
            assert annotation.get_object().get("/Subtype") != "/FileAttachment"
    assert requests == []


def assert_server_is_live(base: str, requests: list[str]) -> None:
    """The recording server answers, so an empty request log means something."""
    with urllib.request.urlopen(f"{base}/probe", timeout=5) as response:
        assert response.read() == SECRET.encode()
    assert requests == ["/probe"]


def test_fetcher_refuses_every_door_of_a_hostile_page(kit, tmp_path, server) -> None:
    """Raw hostile HTML rendered directly leaks nothing and every refusal is a warning."""
    base, requests = server
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET)
    rendered = render_page(hostile_page(secret, base))
    assert_no_leak(rendered.data, kit, requests)
    refused = " ".join(rendered.warnings)
    assert secret.as_uri() in refused
    for path in ("link.css", "import.css", "font.woff", "bg.png", "img.png", "svg-nested.png"):
        assert f"{base}/{path}" in refused, path
    assert all(warning.startswith("pdf: refused to fetch ") for warning in rendered.warnings)
    assert "attachment.txt" not in refused  # the rel rewrite dropped the attachment relations
    assert_server_is_live(base, requests)


def test_attachment_links_are_refused_even_without_the_rel_rewrite(
    kit, tmp_path, server, monkeypatch
) -> None:
    """With the rel rewrite disabled, the fetcher alone still keeps attachments out."""
    base, requests = server
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET)
    monkeypatch.setattr(writer, "_ATTACHMENT_REL", re.compile(r"((?!x)x)"))
    rendered = render_page(hostile_page(secret, base))
    assert_no_leak(rendered.data, kit, requests)
    refused = " ".join(rendered.warnings)
    assert f"{base}/link-attachment.txt" in refused
    assert f"{base}/a-attachment.txt" in refused
