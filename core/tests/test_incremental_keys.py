"""Output keys: the same inputs give the same key; any input that shapes a file changes it."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

import attrs
import pytest

from curator_export.incremental import OutputKeys, OutputRecord, PreviousOutputs, session_digest
from curator_export.model import Asset, BatchExportJob, Branding, ContentItem, Session

PLUGINS = {"html": "curator-export-html 0.1.0", "pdf": "curator-export-pdf 0.1.0"}


@attrs.frozen
class TemplateOptions:
    template: str | None = None
    page_size: str = "a4"


def session(body: str = "# Lakes\n\nLakes turn over.", figure: bytes = b"png") -> Session:
    item = ContentItem(
        id="s1-slides", session_id="s1", content_type="slides", title="Lakes", body=body
    )
    asset = Asset(
        path="fig/lake.png", media_type="image/png", sha256=str(hash(figure)), data=figure
    )
    return Session(id="s1", title="Lake Ecology", items=(item,), assets={asset.path: asset})


def key(keys: OutputKeys, **changes: object) -> str:
    job = BatchExportJob(job_id="j", session_ids=["s1"], formats=["pdf"], output_directory="out")
    parts: dict[str, object] = {
        "job": job,
        "sessions": [session()],
        "format_name": "pdf",
        "options": TemplateOptions(),
        "branding": Branding(institution_name="Lakeside"),
    }
    parts.update(changes)
    return keys.key(**parts)  # type: ignore[arg-type]


def test_the_same_inputs_give_the_same_key_in_another_batch(tmp_path):
    """Keys are deterministic: a new batch (a new OutputKeys) computes the same key."""
    assert key(OutputKeys(PLUGINS, [tmp_path])) == key(
        OutputKeys(dict(reversed(PLUGINS.items())), [tmp_path])
    )


@pytest.mark.parametrize(
    "changes",
    [
        {"sessions": [session(body="# Lakes\n\nLakes freeze.")]},
        {"sessions": [session(figure=b"another png")]},
        {"format_name": "html"},
        {"options": TemplateOptions(page_size="letter")},
        {"branding": Branding(institution_name="Hillside")},
        {"branding": None},
    ],
    ids=["body", "figure", "format", "option", "branding", "no-branding"],
)
def test_any_change_of_content_or_settings_changes_the_key(tmp_path, changes):
    """Content, figures, format, options and branding are all in the key."""
    keys = OutputKeys(PLUGINS, [tmp_path])
    assert key(keys, **changes) != key(keys)


def test_a_plugin_upgrade_changes_every_key(tmp_path):
    """A new version of any plugin may write other bytes: nothing is kept across upgrades."""
    upgraded = {**PLUGINS, "html": "curator-export-html 0.2.0"}
    assert key(OutputKeys(PLUGINS, [tmp_path])) != key(OutputKeys(upgraded, [tmp_path]))


def test_a_file_named_by_an_option_counts_by_its_content(tmp_path):
    """A PowerPoint template (or a logo) edited in place changes the key, same path or not."""
    template = tmp_path / "house.pptx"
    template.write_bytes(b"first version")
    with_template = TemplateOptions(template=str(template))
    first = key(OutputKeys(PLUGINS, []), options=with_template)
    assert key(OutputKeys(PLUGINS, []), options=with_template) == first
    template.write_bytes(b"second version")
    assert key(OutputKeys(PLUGINS, []), options=with_template) != first


def test_a_theme_file_edited_anywhere_in_the_search_path_changes_the_key(tmp_path):
    """Themes extend each other, so every file of the template folders counts."""
    (tmp_path / "house").mkdir()
    css = tmp_path / "house" / "theme.css"
    css.write_text("body { color: black }")
    first = key(OutputKeys(PLUGINS, [tmp_path]))
    css.write_text("body { color: navy }")
    assert key(OutputKeys(PLUGINS, [tmp_path])) != first


def record(path: Path, data: bytes, **more: object) -> OutputRecord:
    fields: dict[str, object] = {
        "path": path,
        "folder": path.parent,
        "job_id": "j",
        "format": "html",
        "session_ids": ("s1",),
        "key": "k",
        "size": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
        "batch_id": "b1",
        "written_at": datetime(2026, 12, 3, tzinfo=UTC),
    }
    fields.update(more)
    return OutputRecord(**fields)  # type: ignore[arg-type]


def test_only_a_file_exactly_as_recorded_is_intact(tmp_path):
    """Same size and sha256; an edit of the same size, a symlink or a folder is not ours."""
    path = tmp_path / "s1.html"
    path.write_bytes(b"<p>lakes</p>")
    assert PreviousOutputs([record(path, b"<p>lakes</p>")]).intact(path) is not None
    path.write_bytes(b"<p>LAKES</p>")  # same size, other bytes
    assert PreviousOutputs([record(path, b"<p>lakes</p>")]).intact(path) is None
    path.unlink()
    path.symlink_to(tmp_path / "elsewhere.html")
    (tmp_path / "elsewhere.html").write_bytes(b"<p>lakes</p>")
    assert PreviousOutputs([record(path, b"<p>lakes</p>")]).intact(path) is None
    assert PreviousOutputs([]).intact(tmp_path / "never-written.html") is None


def test_text_moved_from_one_item_to_the_next_changes_the_digest():
    """Bodies are hashed one after another: where one ends is part of the hash."""

    def two_items(first: str, second: str) -> Session:
        items = tuple(
            ContentItem(id=f"s1-{n}", session_id="s1", content_type="slides", title="T", body=body)
            for n, body in enumerate((first, second))
        )
        return Session(id="s1", title="Lake Ecology", items=items)

    assert session_digest(two_items("# A\n\nab", "c")) != session_digest(
        two_items("# A\n\na", "bc")
    )
    assert session_digest(two_items("x", "y")) == session_digest(two_items("x", "y"))
