"""Write docs/images/web-page.png: the export page in the middle of a batch.

    python docs/make_web_image.py

Makes the demo course in a temporary folder, serves it with ``curator_export_web`` on a free
loopback port, and drives Debian's Chromium (``/usr/bin/chromium``, through Playwright for
Python; no browser is downloaded): two sessions, PDF and PowerPoint, start, and a screenshot
once the first files are listed and the bar is between 1 and 99 %.
"""

from __future__ import annotations

import sys
import tempfile
import threading
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

from curator_export.demo import create_demo
from curator_export_web.config import ServiceConfig
from curator_export_web.server import bound_port, make_server

IMAGE = Path(__file__).parent / "images" / "web-page.png"
CHROMIUM = "/usr/bin/chromium"


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="curator-web-image-") as folder:
        demo = create_demo(Path(folder) / "demo")
        server = make_server(
            ServiceConfig(store_path=demo.store_path, output_root=Path(folder) / "out", port=0),
            log_level="warning",
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.05)
        url = f"http://127.0.0.1:{bound_port(server)}/"
        try:
            shoot(url)
        finally:
            server.should_exit = True
            thread.join(60)
    print(f"wrote {IMAGE}")
    return 0


def shoot(url: str) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        page = browser.new_page(viewport={"width": 1000, "height": 1500}, bypass_csp=True)
        page.goto(url)
        page.wait_for_selector("body[data-ready=yes]")
        page.get_by_label("Why Manage Research Data?").check()
        page.get_by_label("Files & Folders: Naming Things You'll Find Again").check()
        page.get_by_label("pdf", exact=True).check()
        page.get_by_label("pptx", exact=True).check()
        page.get_by_role("button", name="Start export").click()
        page.wait_for_function(
            "(() => { const v = document.querySelector('#progress-bar').value;"
            " return v > 0 && v < 100; })()",
            timeout=20000,
        )
        page.screenshot(path=str(IMAGE), full_page=True)
        page.wait_for_selector("#zip-link:not([hidden])", timeout=120000)
        browser.close()


if __name__ == "__main__":
    sys.exit(main())
