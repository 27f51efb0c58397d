"""Benchmark 2, overhead: the whole batch against a plain script calling the same writers.

Same sessions (``course.py``: synthetic course plus the corpus lessons), same formats (html
and markdown), same outputs, same worker count:

* A  the engine, 2 workers: ``BatchExportManager.execute_batch_export`` (planning, naming,
  plugins, atomic writes, progress, manifest, history);
* B  a plain script, 2 workers: sessions loaded from the store in the parent, a
  ``concurrent.futures.ProcessPoolExecutor`` (forkserver, as the engine) mapping a function
  that parses each session, calls ``write_html`` and ``write_markdown`` directly with the
  same metadata the engine gives them, and writes the bytes (and companion figures) with
  ``Path.write_bytes``: no plugins, manifest, progress, fsync;
* C  the engine with 1 worker (serial) and D the plain loop in this process: the same
  comparison without a pool.

Target: A/B at most 1.05 (the framework costs at most 5 % more).

Before timing, both make their files once with ``SOURCE_DATE_EPOCH`` set, and the two folders
are compared byte for byte (the manifest aside): a plain script that made less would make the
engine look slow, one that made more would flatter it.

Usage: python bench/overhead.py [--quick] [--rounds N]
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from course import (
    Engine,
    Outputs,
    build_store,
    find_corpus,
    lesson_paths,
    request_metadata,
    write_synthetic,
)
from harness import (
    RESULTS_DIR,
    Check,
    Variant,
    load_average,
    machine_info,
    measure,
    print_summary,
    run_comparison,
    summarize,
    write_json,
)
from rich.console import Console

if TYPE_CHECKING:
    from curator_export.model import Session

TARGET = 1.05
NAME = "2 overhead"
FORMATS = ("html", "markdown")


def render_plain(session: Session, output: str) -> int:
    """What a user's script does for one session: parse, call the writers, write the files."""
    from curator_export.model import BatchExportJob
    from curator_export.render import Rendered, RenderRequest
    from curator_export.reproducible import file_time
    from curator_export.selection import parse_session
    from curator_export_html import write_html
    from curator_export_markdown import write_markdown

    folder = Path(output)
    job = BatchExportJob(
        job_id="bench", session_ids=[session.id], formats=FORMATS, output_directory=output
    )
    parsed = parse_session(session, job.content_types, job.audience)
    created_at = file_time(datetime.now(UTC))
    metadata = request_metadata(job, session, parsed, created_at)
    files = 0
    for name, writer, extension in (
        ("html", write_html, ".html"),
        ("markdown", write_markdown, ".md"),
    ):
        request = RenderRequest(
            job=job,
            format=name,
            title=session.title,
            sessions=(parsed,),
            metadata=metadata,
            created_at=created_at,
        )
        rendered = writer(request)
        output_file = rendered if isinstance(rendered, Rendered) else Rendered(data=rendered)
        (folder / f"{session.id}{extension}").write_bytes(output_file.data)
        for relative, data in output_file.companions.items():
            path = folder / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        files += 1
    return files


def plain_script(db: Path, ids: Sequence[str], output: Path, workers: int) -> int:
    """Read the sessions from the store, as the engine does, then render them all into
    ``output``."""
    from curator_export.store import SQLiteStore

    with SQLiteStore(db) as store:
        sessions = store.load_sessions(ids)
    if workers == 1:
        return sum(render_plain(session, str(output)) for session in sessions)
    context = multiprocessing.get_context("forkserver")
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        return sum(pool.map(render_plain, sessions, [str(output)] * len(sessions)))


def check_same_outputs(engine: Engine, db: Path, ids: Sequence[str], scratch: Path) -> None:
    """Raise unless the engine and the plain script make the same files with the same bytes."""
    saved = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = "1764547200"
    try:
        made = {}
        for name, make in (
            ("engine", lambda folder: engine.run(ids, FORMATS, 1, folder)),
            ("plain", lambda folder: plain_script(db, ids, folder, 1)),
        ):
            folder = Path(tempfile.mkdtemp(prefix=f"same-{name}-", dir=scratch))
            make(folder)
            made[name] = {
                path.relative_to(folder).as_posix(): path.read_bytes()
                for path in folder.rglob("*")
                if path.is_file() and not path.name.startswith("batch_export_manifest")
            }
            shutil.rmtree(folder)
    finally:
        if saved is None:
            del os.environ["SOURCE_DATE_EPOCH"]
        else:
            os.environ["SOURCE_DATE_EPOCH"] = saved
    engine_files, plain_files = made["engine"], made["plain"]
    differ = sorted(
        name
        for name in engine_files.keys() | plain_files.keys()
        if engine_files.get(name) != plain_files.get(name)
    )
    if differ:
        raise RuntimeError(f"the engine and the plain script made different files: {differ[:5]}")


def overhead(quick: bool, rounds: int | None, console: Console, log: Console) -> list[Check]:
    rounds = rounds or 5
    synthetic = 60 if quick else 200
    lessons = lesson_paths(find_corpus())
    with tempfile.TemporaryDirectory(prefix="bench-overhead-") as scratch:
        root = Path(scratch)
        ids = build_store(
            root / "store.db", [write_synthetic(root / "course", synthetic), *lessons]
        )
        engine = Engine(root / "store.db")
        try:
            db = root / "store.db"
            check_same_outputs(engine, db, ids, root)
            files = len(ids) * len(FORMATS)
            outputs = Outputs(root)

            def variant(key: str, label: str, run: Callable[[Path], object]) -> Variant:
                return Variant(key, label, lambda: run(outputs.fresh()), cleanup=outputs.remove)

            variants = [
                variant("A", "engine, 2 workers", lambda out: engine.run(ids, FORMATS, 2, out)),
                variant("B", "plain script, 2 workers", lambda out: plain_script(db, ids, out, 2)),
                variant("C", "engine, serial", lambda out: engine.run(ids, FORMATS, 1, out)),
                variant("D", "plain loop, in-process", lambda out: plain_script(db, ids, out, 1)),
            ]
            title = f"overhead: {len(ids)} sessions × html+markdown"
            log.print(title)
            machine = machine_info()
            measurement = measure(variants, rounds, console=log)
        finally:
            engine.close()
    summary = summarize(
        measurement,
        baseline="B",
        ratios=[("A", "B"), ("C", "D")],
        work=dict.fromkeys("ABCD", files),
        work_unit="files",
    )
    print_summary(summary, title, console)
    machine["load_average_after"] = load_average()
    write_json(
        RESULTS_DIR / "overhead.json",
        {"benchmark": "overhead", "machine": machine, "title": title, **summary},
    )
    checks = []
    for pair, label in (("A/B", "engine / plain, 2 workers"), ("C/D", "engine / plain, serial")):
        ratio = summary["ratios"][pair]["wall"]
        checks.append(
            Check(
                NAME,
                label,
                f"≤ {TARGET}",
                f"{ratio['median']:.2f} ({ratio['min']:.2f}–{ratio['max']:.2f})",
                ratio["median"] <= TARGET,
            )
        )
    return checks


if __name__ == "__main__":
    sys.exit(run_comparison(overhead))
