"""The package: what ODF 1.2 asks of the zip and the manifest that odfpy leaves out, style
elements in schema order, reproducible bytes, and text that is always valid XML."""

from __future__ import annotations

import zipfile
from datetime import UTC, datetime
from io import BytesIO
from xml.etree import ElementTree

import attrs
import pytest

from curator_export.model import Branding

MEDIA_TYPES = {
    "odt": "application/vnd.oasis.opendocument.text",
    "odp": "application/vnd.oasis.opendocument.presentation",
}
#: Property elements in the order the ODF schema accepts them within one style.
PROPERTY_ORDER = [
    "graphic-properties",
    "drawing-page-properties",
    "table-properties",
    "table-column-properties",
    "table-row-properties",
    "table-cell-properties",
    "section-properties",
    "paragraph-properties",
    "text-properties",
]
CONTROL = "bell\x07 nul\x00 esc\x1b del\x7f c1\x85 cr\r lone\ud800 end\ufffe"


@pytest.mark.parametrize("writer", ["odt", "odp"])
def test_mimetype_is_first_and_stored_and_manifest_is_versioned(kit, writer: str) -> None:
    """`mimetype` opens the zip uncompressed; the manifest says version 1.2, as content does."""
    kit.format_name = writer
    rendered = kit.write(writer, kit.request(kit.sample_session()))
    with zipfile.ZipFile(BytesIO(rendered.data)) as package:
        first = package.infolist()[0]
        assert first.filename == "mimetype"
        assert first.compress_type == zipfile.ZIP_STORED
        assert not first.extra
        assert package.read("mimetype").decode("ascii") == MEDIA_TYPES[writer]
    # Readers find the media type at a fixed offset: the name at 30, the type at 38.
    assert rendered.data[30:38] == b"mimetype"
    assert rendered.data[38 : 38 + len(MEDIA_TYPES[writer])] == MEDIA_TYPES[writer].encode()
    read = kit.read(rendered)
    q = kit.q
    assert read.manifest.get(q("manifest:version")) == "1.2"
    root = next(e for e in read.manifest if e.get(q("manifest:full-path")) == "/")
    assert root.get(q("manifest:version")) == "1.2"
    assert root.get(q("manifest:media-type")) == MEDIA_TYPES[writer]
    assert read.content.get(q("office:version")) == "1.2"
    assert read.styles.get(q("office:version")) == "1.2"


@pytest.mark.parametrize("writer", ["odt", "odp"])
def test_manifest_lists_every_part_and_picture(kit, writer: str) -> None:
    """Every file of the package but the mimetype and the manifest is in the manifest."""
    kit.format_name = writer
    read = kit.read(kit.write(writer, kit.request(kit.sample_session())))
    listed = {e.get(kit.q("manifest:full-path")) for e in read.manifest}
    files = set(read.zip.namelist()) - {"mimetype", "META-INF/manifest.xml"}
    assert files <= listed
    assert any(name.startswith("Pictures/") for name in files)


@pytest.mark.parametrize("writer", ["odt", "odp"])
def test_same_request_gives_same_bytes(kit, writer: str) -> None:
    """Entries are dated by the request and pictures named by content: output is stable."""
    kit.format_name = writer
    request = kit.request(kit.sample_session(), branding=kit.brand, include_metadata=True)
    request = attrs.evolve(request, created_at=datetime(2026, 3, 1, 9, 30, 5, tzinfo=UTC))
    first = kit.write(writer, request).data
    assert kit.write(writer, request).data == first
    with zipfile.ZipFile(BytesIO(first)) as package:
        assert {info.date_time for info in package.infolist()} == {(2026, 3, 1, 9, 30, 4)}


@pytest.mark.parametrize("writer", ["odt", "odp"])
def test_bytes_do_not_depend_on_what_the_process_rendered_before(run_python, writer: str) -> None:
    """odfpy shares its namespace declarations between all documents of a process: a small
    document rendered after a rich one must still give the bytes it gives first."""
    code = f"""
from curator_export.testing import RequestKit
from curator_export_odf import write_{writer} as write
kit = RequestKit()
plain = kit.request(kit.session(("Intro", "Just a paragraph.")))
rich = kit.request(kit.session(("Rich", "| a | b |\\n| - | - |\\n| 1 | 2 |\\n\\n- [x] done\\n")))
first = write(plain).data
write(rich)
print("SAME" if write(plain).data == first else "DIFFERENT")
"""
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "SAME"


@pytest.mark.parametrize("writer", ["odt", "odp"])
def test_style_properties_are_in_schema_order(kit, writer: str) -> None:
    """In every style, graphic before paragraph before text properties (table-cell first)."""
    kit.format_name = writer
    read = kit.read(kit.write(writer, kit.request(kit.sample_session(), branding=kit.brand)))
    checked = 0
    for root in (read.styles, read.content):
        styles = [*root.iter(kit.q("style:style")), *root.iter(kit.q("style:default-style"))]
        for element in styles:
            kinds = [c.tag.split("}")[1] for c in element if c.tag.endswith("-properties")]
            assert kinds == sorted(kinds, key=PROPERTY_ORDER.index), element.attrib
            checked += 1
    assert checked > 20


@pytest.mark.parametrize("writer", ["odt", "odp"])
def test_control_characters_never_make_invalid_xml(kit, writer: str) -> None:
    """Control characters and lone surrogates in titles, text, links, alt text and the
    brand leave well-formed XML: the characters XML cannot hold are dropped."""
    body = (
        f"## Heading {CONTROL}\n\n{CONTROL} [link {CONTROL}](https://example.org/\x01)\n\n"
        f"![alt {CONTROL}](fig/figure.png)\n\n```\ncode {CONTROL}\n```\n"
    )
    session = kit.session(
        (f"Item {CONTROL}", body),
        title=f"Title {CONTROL}",
        assets=[kit.asset("fig/figure.png", kit.png(4, 4))],
    )
    kit.format_name = writer
    request = kit.request(session, branding=Branding(institution_name=f"Inst {CONTROL}"))
    rendered = kit.write(writer, request)
    with zipfile.ZipFile(BytesIO(rendered.data)) as package:
        for name in package.namelist():
            if name.endswith(".xml"):
                ElementTree.fromstring(package.read(name))  # raises on invalid XML
    text = kit.read(rendered).text()
    assert "bell nul esc del c1 cr lone\ufffd end" in text
    assert "\x07" not in text


def test_names_are_unique_in_a_merged_document(kit) -> None:
    """Bookmarks, sections, tables and frames each have a name no other of their kind has."""
    first = kit.sample_session()
    second = kit.sample_session(session_id="s2", title="Again")
    read = kit.read(kit.odt(first, second, title="Both"))
    for tag, attribute in (
        ("text:bookmark", "text:name"),
        ("text:section", "text:name"),
        ("table:table", "table:name"),
        ("draw:frame", "draw:name"),
    ):
        names = [e.get(kit.q(attribute)) for e in read.body.iter(kit.q(tag))]
        assert names, tag
        assert len(names) == len(set(names)), tag
