"""The page in headless Chromium (Debian's), against the real server: pick, start, download."""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists() and shutil.which("chromium") is None,
    reason="Debian's chromium is not installed (apt-get install chromium); Playwright's own"
    " browsers are never downloaded",
)


@pytest.fixture
def browser():
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="Playwright for Python is not installed"
    )
    executable = str(CHROMIUM) if CHROMIUM.exists() else shutil.which("chromium")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, headless=True)
        try:
            yield launched
        finally:
            launched.close()


def test_pick_two_sessions_and_two_formats_start_and_download_the_zip(
    browser, live_server, tmp_path
):
    """Keyboard and clicks as a coordinator would: search, tick, upload a brand file, start,
    watch 100 %, download the zip and find the files, branded, in it."""
    _, url = live_server
    # bypass_csp: Playwright's waits evaluate script, which the page's policy forbids.
    context = browser.new_context(accept_downloads=True, bypass_csp=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(url + "/")
    page.wait_for_selector("body[data-ready=yes]")
    # search narrows the list, and a choice survives the filtering
    page.get_by_label("Search").fill("lake")
    page.wait_for_function("document.querySelectorAll('#session-list li').length === 1")
    page.get_by_label("Lake Ecology").check()
    page.get_by_label("Search").fill("")
    page.wait_for_function("document.querySelectorAll('#session-list li').length > 3")
    page.get_by_label("Rivers").check()
    assert page.get_by_label("Lake Ecology").is_checked()
    page.get_by_label("html", exact=True).check()
    page.get_by_label("markdown", exact=True).focus()
    page.keyboard.press("Space")  # a checkbox works from the keyboard
    assert page.get_by_label("markdown", exact=True).is_checked()
    brand = b'institution_name = "Uploaded University"\n[colors]\nprimary = "#0F4C5C"\n'
    page.get_by_label("Or upload a brand file").set_input_files(
        files=[{"name": "brand.toml", "mimeType": "application/toml", "buffer": brand}]
    )
    page.get_by_role("button", name="Start export").click()
    page.wait_for_function("document.querySelector('#progress-bar').value === 100", timeout=60000)
    page.wait_for_selector("#zip-link:not([hidden])", timeout=30000)
    assert "Finished" in page.locator("#progress-text").inner_text()
    assert page.locator("#progress-text").get_attribute("aria-live") == "polite"
    rows = page.locator("#results tbody tr")
    assert rows.count() == 4
    assert page.locator("#results tbody a").count() == 4
    with page.expect_download() as download_info:
        page.locator("#zip-link").click()
    zip_path = tmp_path / "download.zip"
    download_info.value.save_as(zip_path)
    with zipfile.ZipFile(io.BytesIO(zip_path.read_bytes())) as archive:
        names = set(archive.namelist())
        assert archive.testzip() is None
        html = archive.read("s1.html").decode("utf-8")
    assert {"s1.html", "s2.html", "s1.md", "s2.md"} <= names
    assert any(name.startswith("batch_export_manifest_") for name in names)
    assert "Lakes turn over twice a year." in html
    assert "Uploaded University" in html  # the uploaded brand file was used
    assert errors == []
    context.close()


def test_a_refused_start_shows_every_reason(browser, live_server):
    """Nothing chosen: the page says so in an alert, without asking the server."""
    _, url = live_server
    page = browser.new_page(bypass_csp=True)
    page.goto(url + "/")
    page.wait_for_selector("body[data-ready=yes]")
    page.get_by_role("button", name="Start export").click()
    alert = page.get_by_role("alert")
    assert "at least one session" in alert.inner_text()
    assert "at least one format" in alert.inner_text()
    page.close()


def axe_script() -> Path | None:
    """axe-core from the shared validators (../shared/tools/validate/install.sh)."""
    import os

    home = Path(os.environ.get("VALID_HOME", "/tmp/valid"))
    script = home / "node" / "node_modules" / "axe-core" / "axe.min.js"
    return script if script.is_file() else None


def test_the_page_passes_axe_during_and_after_a_batch(browser, live_server):
    """axe-core (WCAG 2 A and AA rules: labels, contrast, names, landmarks) finds nothing on
    the page with a finished batch listed, a failed file and its reason included."""
    script = axe_script()
    if script is None:
        pytest.skip("axe-core is not installed (run ../shared/tools/validate/install.sh)")
    _, url = live_server
    page = browser.new_page(bypass_csp=True)
    page.goto(url + "/")
    page.wait_for_selector("body[data-ready=yes]")
    page.get_by_label("Lake Ecology").check()
    page.get_by_label("Broken Session").check()
    page.get_by_label("chaos", exact=True).check()
    page.get_by_label("plain", exact=True).check()
    page.get_by_role("button", name="Start export").click()
    page.wait_for_selector("#zip-link:not([hidden])", timeout=60000)
    failed = page.locator("#results tbody tr.failed")
    assert failed.count() == 1
    assert "chaos: the chaos writer broke" in failed.inner_text()
    assert "failures" in page.locator("#progress-text").inner_text()
    page.add_script_tag(path=str(script))
    found = page.evaluate(
        "async () => (await axe.run(document, {runOnly: {type: 'tag',"
        " values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})).violations"
        ".map(v => `${v.id}: ${v.help} (${v.nodes.length})`)"
    )
    assert found == []
    page.close()


def test_a_session_preview_opens_from_the_keyboard_in_a_new_tab(browser, live_server):
    """The row's Preview link (named with the session's title) opens the session as its
    HTML export shows it, for the audience chosen on the page."""
    _, url = live_server
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    page.goto(url + "/")
    page.wait_for_selector("body[data-ready=yes]")
    page.get_by_label("Audience").select_option("student")
    link = page.get_by_role("link", name="Preview Lake Ecology (opens in a new tab)")
    hidden = link.locator(".visually-hidden").bounding_box()
    assert hidden is not None
    assert hidden["width"] <= 1  # only "Preview" shows
    link.focus()
    with context.expect_page() as opened:
        page.keyboard.press("Enter")
    preview = opened.value
    preview.wait_for_load_state()
    assert "audience=student" in preview.url
    assert "Lake Ecology" in preview.title()
    text = preview.locator("body").inner_text()
    assert "Lakes turn over twice a year." in text
    assert "INSTRUCTOR-NOTE" not in text  # the student audience was applied
    context.close()


def test_the_preview_renders_styled_under_its_own_policy(browser, live_server):
    """Without bypassing the policy, Chromium blocks nothing of the page (its inline
    styles); a policy that blocked them would be reported on the console."""
    _, url = live_server
    context = browser.new_context()
    page = context.new_page()
    messages: list[str] = []
    page.on("console", lambda message: messages.append(message.text))
    page.goto(url + "/api/sessions/s1/preview")
    assert "Lake Ecology" in page.title()
    body = page.locator("body")
    assert "Lakes turn over twice a year." in body.inner_text()
    assert [m for m in messages if "Content Security Policy" in m] == []
    context.close()


def test_every_checkbox_has_the_same_size_however_long_its_label(browser, live_server):
    """In a narrow window long labels and descriptions wrap; no checkbox shrinks for them."""
    _, url = live_server
    page = browser.new_page(viewport={"width": 480, "height": 900}, bypass_csp=True)
    page.goto(url + "/")
    page.wait_for_selector("body[data-ready=yes]")
    sizes = page.evaluate(
        "() => [...document.querySelectorAll('input[type=checkbox]')].map(box => {"
        " const r = box.getBoundingClientRect(); return [box.id, r.width, r.height]; })"
    )
    assert len(sizes) > 10
    assert {(width, height) for _, width, height in sizes} == {(sizes[0][1], sizes[0][2])}, sizes
    page.close()
