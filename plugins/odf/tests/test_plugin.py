"""The plugin as the host sees it: two formats whose writers work, in a cheap entry module."""

from __future__ import annotations

import pickle
import zipfile
from io import BytesIO

from curator_export.plugins import PluginHost
from curator_export.render import Rendered
from curator_export_odf import write_odp, write_odt


def test_odt_and_odp_are_registered(plugin_host: PluginHost) -> None:
    """`odt` (alias `opendocument`) and `odp` are mergeable formats with ODF media types."""
    odt = plugin_host.resolve_format("opendocument")
    assert (odt.name, odt.extension) == ("odt", ".odt")
    assert odt.media_type == "application/vnd.oasis.opendocument.text"
    odp = plugin_host.resolve_format("opendocument-presentation")
    assert (odp.name, odp.extension) == ("odp", ".odp")
    assert odp.media_type == "application/vnd.oasis.opendocument.presentation"
    assert odt.can_merge
    assert odp.can_merge


def test_registered_writers_write_packages(plugin_host: PluginHost, kit) -> None:
    """Both registered writers return a zip package whose mimetype is their media type."""
    session = kit.session(("Intro", "Some *text*."))
    for name in ("odt", "odp"):
        record = plugin_host.resolve_format(name)
        kit.format_name = name
        rendered = record.writer(kit.request(session))
        assert isinstance(rendered, Rendered)
        with zipfile.ZipFile(BytesIO(rendered.data)) as package:
            assert package.read("mimetype").decode() == record.media_type


def test_writers_can_be_sent_to_worker_processes() -> None:
    """The writers are module-level functions: a process pool can pickle them."""
    for writer in (write_odt, write_odp):
        assert pickle.loads(pickle.dumps(writer)) is writer


def test_entry_module_does_not_import_odfpy(run_python) -> None:
    """Importing the plugin and listing its formats leaves odfpy and the writers unloaded."""
    result = run_python(
        "import sys, curator_export_odf\n"
        "curator_export_odf.curator_export_formats()\n"
        "print(sorted(m for m in sys.modules if m == 'odf' or m.startswith('odf.')"
        " or m.startswith('curator_export_odf.')))"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_cli_exports_odt_and_odp_through_the_batch_engine(run_cli, tmp_path) -> None:
    """`curator-export export -f odt,odp` writes both files per session and the merged
    set, in worker processes, with a figure embedded."""
    course = tmp_path / "course"
    (course / "fig").mkdir(parents=True)
    (course / "fig" / "dot.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>', encoding="utf-8"
    )
    for number in (1, 2):
        (course / f"s{number}.md").write_text(
            f"---\nsession: s{number}\nsession_title: Session {number}\ncontent_type: slides\n"
            f"title: Slides {number}\n---\n## Point {number}\n\nText.\n\n![A dot](fig/dot.svg)\n",
            encoding="utf-8",
        )
    store = str(tmp_path / "course.db")
    imported = run_cli("--store", store, "import", str(course))
    assert imported.returncode == 0, imported.stderr
    out = tmp_path / "out"
    for extra in ([], ["--merge", "--title", "Course"]):
        result = run_cli(
            "--store", store, "export", "--all", "-f", "odt,odp", "-o", str(out),
            "--progress", "none", *extra,
        )  # fmt: skip
        assert result.returncode == 0, result.stdout + result.stderr
    files = sorted(path.name for path in out.rglob("*.od?"))
    # Session naming: a merged file is named by the job.
    assert files == ["export.odp", "export.odt", "s1.odp", "s1.odt", "s2.odp", "s2.odt"]
    for path in out.rglob("*.od?"):
        with zipfile.ZipFile(path) as package:
            assert any(name.startswith("Pictures/") for name in package.namelist()), path
