"""A pytest plugin for testing curator-export plugins in-process.

Installed with the core (entry point ``pytest11``), so a plugin author's tests get these
fixtures without configuration:

* ``plugin_host``: a fresh host per test with the installed plugins, ignoring the allow and
  block lists of the environment;
* ``bare_plugin_host``: a fresh host with no installed plugins at all;
* ``register_plugin``: registers a small hookimpl class (or instance) inline on
  ``plugin_host``::

      def test_my_format(plugin_host, register_plugin):
          class Txt:
              @hookimpl
              def curator_export_formats(self):
                  return [text_format("txt")]

          register_plugin(Txt)
          assert plugin_host.resolve_format("txt").extension == ".txt"

* ``corpus_dir``: the shared lesson corpus, or a skip that says why it is missing;
* ``run_cli`` / ``run_python``: run ``curator-export`` or a Python snippet in a fresh
  interpreter inside ``tmp_path``, with no ``CURATOR_EXPORT_*`` settings leaking in.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from curator_export.document import Document
from curator_export.model import (
    Asset,
    Audience,
    BatchExportJob,
    Branding,
    ContentItem,
    ContentType,
    Session,
)
from curator_export.plugins import PluginHost, PluginPolicy
from curator_export.records import Format
from curator_export.render import ParsedItem, ParsedSession, RenderRequest, SharedWork
from curator_export.selection import parse_session

if TYPE_CHECKING:  # the store is imported when a test asks for one
    from curator_export.store import SQLiteStore

CORPUS_ENV = "CURATOR_EXPORT_CORPUS"


def write_text(request: RenderRequest) -> bytes:
    """A tiny writer for tests: the title, then the Markdown of every item, one after another.

    Module-level, so process pools can send it to their workers.
    """
    parts = [f"# {request.title}"]
    parts += [item.item.body for parsed in request.sessions for item in parsed.items]
    return "\n\n".join(parts).encode("utf-8")


def text_format(
    name: str, *, extension: str | None = None, aliases: tuple[str, ...] = ()
) -> Format:
    """A plain-text format for tests, written by ``write_text``."""
    return Format(
        name=name,
        extension=extension or f".{name}",
        media_type="text/plain",
        writer=write_text,
        aliases=aliases,
    )


NO_CORPUS_REASON = (
    "the shared corpus is not beside this clone (../shared/corpus); "
    f"set {CORPUS_ENV} to its path to run this test"
)


def find_corpus(near: Path | None = None) -> Path | None:
    """``$CURATOR_EXPORT_CORPUS``, else ``shared/corpus`` beside the git clone holding ``near``."""
    if os.environ.get(CORPUS_ENV):
        path = Path(os.environ[CORPUS_ENV])
        return path if path.is_dir() else None
    for start in (near, Path.cwd()):
        if start is None:
            continue
        here = start.resolve()
        for folder in (here, *here.parents):
            candidate = folder.parent / "shared" / "corpus"
            if (folder / ".git").exists() and candidate.is_dir():
                return candidate
    return None


#: Where ``../shared/tools/validate/install.sh`` puts its tools (``$VALID_HOME``).
VALID_HOME = Path(os.environ.get("VALID_HOME", "/tmp/valid"))
NO_HARNESS_REASON = (
    f"the export validators are not installed in {VALID_HOME} "
    "(run ../shared/tools/validate/install.sh)"
)


def validation_harness(corpus: Path | None) -> Path | None:
    """``check_exports.sh`` of the shared validators beside ``corpus``, once installed."""
    if corpus is None:
        return None
    script = corpus.parent / "tools" / "validate" / "check_exports.sh"
    installed = (VALID_HOME / "venv" / "bin" / "python").is_file()
    return script if script.is_file() and installed else None


class HarnessRun:
    """What ``check_exports.sh`` said about some folders: one PASS/FAIL line per file."""

    def __init__(self, returncodes: Sequence[int], report: str, seconds: float) -> None:
        self.returncodes = tuple(returncodes)
        self.report = report
        self.seconds = seconds
        self.passed = [line for line in report.splitlines() if line.startswith("PASS")]
        self.failures = [line for line in report.splitlines() if line.startswith("FAIL")]

    def assert_all_passed(self, files: int) -> None:
        """Every run exited 0 (else its FAIL lines are the message) and ``files`` passed."""
        assert self.returncodes == (0,) * len(self.returncodes), (
            "\n".join(self.failures) or self.report
        )
        assert len(self.passed) == files, self.report


def run_validation_harness(
    script: Path, folders: Sequence[Path], *flags: str, timeout: float = 1500
) -> HarnessRun:
    """Run ``check_exports.sh FLAGS FOLDER`` for each folder, side by side (one process each:
    the checks are single-threaded and these machines have two cores)."""
    import time

    started = time.monotonic()
    runs = [
        subprocess.Popen(
            ["bash", str(script), *flags, str(folder)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for folder in folders
    ]
    outputs = [run.communicate(timeout=timeout) for run in runs]
    report = "\n".join(out + err for out, err in outputs)
    return HarnessRun([run.returncode for run in runs], report, time.monotonic() - started)


def sqlite_rows(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table of a SQLite file, to compare a store before and after."""
    with contextlib.closing(sqlite3.connect(path)) as connection:
        names = connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
        ).fetchall()
        return {
            name: connection.execute(f"SELECT * FROM {name} ORDER BY 1, 2").fetchall()
            for (name,) in names
        }


@pytest.fixture
def plugin_host() -> PluginHost:
    """A fresh plugin host with the installed plugins."""
    return PluginHost(PluginPolicy())


@pytest.fixture
def bare_plugin_host() -> PluginHost:
    """A fresh plugin host that loads no installed plugin: only what a test registers."""
    return PluginHost(PluginPolicy(), entry_points=None)


@pytest.fixture
def register_plugin(plugin_host: PluginHost) -> Callable[..., str]:
    """Register a hookimpl class or object on ``plugin_host``; returns its plugin name."""

    def register(plugin: object, name: str | None = None) -> str:
        instance = plugin() if isinstance(plugin, type) else plugin
        return plugin_host.register(instance, name or type(instance).__name__.lower())

    return register


@pytest.fixture
def make_store(tmp_path: Path) -> Iterator[Callable[..., SQLiteStore]]:
    """``make_store(course=SAMPLE_COURSE, name="course")``: a real SQLite store in
    ``tmp_path`` built from a course spec through the folder importer (see
    ``curator_export.testing_writers.write_course``); closed after the test."""
    from curator_export.store import SQLiteStore, import_path
    from curator_export.testing_writers import SAMPLE_COURSE, CourseSpec, write_course

    stores: list[SQLiteStore] = []

    def make(course: CourseSpec = SAMPLE_COURSE, name: str = "course") -> SQLiteStore:
        folder = write_course(tmp_path / f"{name}-source", course)
        store = SQLiteStore(tmp_path / f"{name}.db")
        import_path(store, folder)
        stores.append(store)
        return store

    yield make
    for store in stores:
        store.close()


@pytest.fixture
def corpus_dir(request: pytest.FixtureRequest) -> Path:
    """The shared corpus folder (``carpentries/`` inside), or skip with the reason."""
    corpus = find_corpus(Path(str(request.config.rootpath)))
    if corpus is None:
        pytest.skip(NO_CORPUS_REASON)
    return corpus


def _run_clean(
    args: Sequence[str], cwd: Path, env: Mapping[str, str] | None
) -> subprocess.CompletedProcess[str]:
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("CURATOR_EXPORT_") or key == CORPUS_ENV
    }
    environment.update(env or {})
    return subprocess.run(
        list(args),
        capture_output=True,
        text=True,
        env=environment,
        cwd=cwd,
        timeout=300,
        check=False,
    )


@pytest.fixture
def run_cli(tmp_path: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run ``curator-export ARGS`` in a subprocess in ``tmp_path``; ``env`` adds variables."""

    def run(*args: str, env: Mapping[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return _run_clean([sys.executable, "-m", "curator_export.cli", *args], tmp_path, env)

    return run


@pytest.fixture
def run_python(tmp_path: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run a Python snippet in a fresh interpreter in ``tmp_path``; ``env`` adds variables."""

    def run(code: str, env: Mapping[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return _run_clean([sys.executable, "-c", code], tmp_path, env)

    return run


class RequestKit:
    """Builds sessions and render requests the way core hands them to a writer.

    Writer tests subclass it (or use it as is) to get small, realistic inputs without a store
    or a batch: ``kit.request(kit.session(("Intro", "# Hello")))``.
    """

    format_name = "txt"
    default_type = ContentType.WORKSHEET

    def asset(self, path: str, data: bytes, media_type: str = "image/png") -> Asset:
        """A file of a session (a figure), keyed by ``path`` as the Markdown writes it."""
        return Asset(path, media_type, hashlib.sha256(data).hexdigest(), data)

    def session(
        self,
        *items: tuple[str, str] | tuple[str, str, ContentType],
        title: str = "Session",
        session_id: str = "s1",
        assets: Sequence[Asset] = (),
    ) -> Session:
        """A session of ``(title, Markdown body[, content type])`` items, ids ``s1/1`` ..."""
        return Session(
            id=session_id,
            title=title,
            items=tuple(
                ContentItem(
                    id=f"{session_id}/{number}",
                    session_id=session_id,
                    content_type=item[2] if len(item) == 3 else self.default_type,
                    title=item[0],
                    body=item[1],
                    position=number,
                )
                for number, item in enumerate(items, start=1)
            ),
            assets={asset.path: asset for asset in assets},
        )

    def parsed(
        self,
        session: Session,
        documents: Mapping[str, Document] | None = None,
        audience: Audience = Audience.INSTRUCTOR,
    ) -> ParsedSession:
        """The session parsed once for ``audience``; ``documents`` replaces trees by item id."""
        parsed = parse_session(session, None, audience)
        if not documents:
            return parsed
        return ParsedSession(
            session=session,
            items=tuple(
                ParsedItem(item=p.item, document=documents.get(p.item.id, p.document))
                for p in parsed.items
            ),
        )

    def request(
        self,
        *sessions: Session | ParsedSession,
        title: str | None = None,
        template_name: str | None = None,
        branding: Branding | None = None,
        audience: Audience = Audience.INSTRUCTOR,
        include_metadata: bool = False,
        metadata: Mapping[str, Any] | None = None,
        template_dirs: Sequence[Path] = (),
        options: Any = None,
        shared: SharedWork | None = None,
    ) -> RenderRequest:
        """A request for these sessions (merged when there are several); pass one ``shared``
        to several requests to act as the formats of one task."""
        parsed = tuple(
            self.parsed(session, audience=audience) if isinstance(session, Session) else session
            for session in sessions
        )
        ids = tuple(item.session.id for item in parsed)
        job = BatchExportJob(
            job_id="job-1",
            session_ids=ids,
            formats=(self.format_name,),
            output_directory=Path("out"),
            merge_sessions=len(ids) > 1,
            template_name=template_name,
            include_metadata=include_metadata,
            audience=audience,
        )
        return RenderRequest(
            job=job,
            format=self.format_name,
            title=title if title is not None else parsed[0].session.title,
            sessions=parsed,
            branding=branding,
            template_name=template_name,
            audience=audience,
            include_metadata=include_metadata,
            metadata=dict(metadata or {}),
            template_dirs=tuple(template_dirs),
            options=options,
            shared=shared if shared is not None else SharedWork(),
        )
