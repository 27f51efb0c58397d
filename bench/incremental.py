"""Benchmark 7, incremental re-export: a batch run again with nothing changed, against its
first run.

The batch is the scaling benchmark's (``course.py``: 100 synthetic sessions plus the corpus
lessons, without them and with one round for ``--quick``) in html, markdown and pdf with 2
workers, through the real engine and store. A: the first run into a new, empty folder; B:
the same jobs again into the folder A made last, where every output is unchanged (B checks
that all of them are reported ``unchanged`` and that none was rendered). Target: A/B ≥ 20.

Usage: python bench/incremental.py [--quick] [--rounds N]
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from course import Engine, build_store, find_corpus, lesson_paths, write_synthetic
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

TARGET = 20.0
NAME = "7 incremental"
FORMATS = ("html", "markdown", "pdf")


class Reruns:
    """Runs the batch into a new folder (first runs) or into the last one again (re-runs)."""

    def __init__(self, engine: Engine, session_ids: list[str], scratch: Path) -> None:
        self.engine = engine
        self.session_ids = session_ids
        self.scratch = scratch
        self.folder: Path | None = None

    def first_run(self) -> int:
        self.folder = Path(tempfile.mkdtemp(prefix="out-", dir=self.scratch))
        result = self._run()
        made = result.total_files_created
        if made != len(self.session_ids) * len(FORMATS):
            raise RuntimeError(f"first run made {made} files: {result.job_results}")
        return made

    def remove_older(self) -> None:
        """Remove the folders of earlier first runs, untimed (``Variant.cleanup``); the last
        one is what re-runs export into."""
        for folder in self.scratch.glob("out-*"):
            if folder != self.folder:
                shutil.rmtree(folder)

    def rerun(self) -> int:
        if self.folder is None:
            self.first_run()
        result = self._run()
        if result.total_files_created or result.total_files_unchanged != len(
            self.session_ids
        ) * len(FORMATS):
            raise RuntimeError(
                f"re-run rendered {result.total_files_created} files, kept"
                f" {result.total_files_unchanged}: nothing should have been rendered"
            )
        return result.total_files_unchanged

    def _run(self):  # type: ignore[no-untyped-def]
        from curator_export.model import BatchExportJob, BatchExportOptions

        job = BatchExportJob(
            job_id="bench",
            session_ids=self.session_ids,
            formats=FORMATS,
            output_directory=str(self.folder),
        )
        options = BatchExportOptions(max_concurrent_jobs=2)
        result = self.engine.manager().execute_batch_export([job], options)
        if result.failed_jobs:
            raise RuntimeError(f"benchmark batch failed: {result.job_results}")
        return result


def incremental(quick: bool, rounds: int | None, console: Console, log: Console) -> list[Check]:
    rounds = rounds or (1 if quick else 3)
    synthetic = 100
    lessons = [] if quick else lesson_paths(find_corpus())
    with tempfile.TemporaryDirectory(prefix="bench-incremental-") as scratch:
        root = Path(scratch)
        folder = write_synthetic(root / "course", synthetic)
        ids = build_store(root / "store.db", [folder, *lessons])
        engine = Engine(root / "store.db")
        reruns = Reruns(engine, ids, root)
        try:
            files = len(ids) * len(FORMATS)
            variants = [
                Variant(
                    "A", "first run (new folder)", reruns.first_run, cleanup=reruns.remove_older
                ),
                Variant("B", "re-run, nothing changed", reruns.rerun),
            ]
            title = (
                f"incremental: {len(ids)} sessions ({synthetic} synthetic"
                f"{', ' + ', '.join(p.name for p in lessons) if lessons else ''})"
                f" × {'+'.join(FORMATS)}, 2 workers"
            )
            log.print(title)
            machine = machine_info()
            measurement = measure(variants, rounds, console=log)
        finally:
            engine.close()
    summary = summarize(measurement, baseline="B", work={"A": files, "B": files}, work_unit="files")
    print_summary(summary, title, console)
    speedup = summary["ratios"]["A/B"]["wall"]
    console.print("A/B: how many times faster the unchanged re-run is", style="dim")
    machine["load_average_after"] = load_average()
    write_json(
        RESULTS_DIR / "incremental.json",
        {"benchmark": "incremental", "machine": machine, "title": title, **summary},
    )
    return [
        Check(
            NAME,
            f"unchanged re-run vs first run ({len(ids)} sessions × {len(FORMATS)})",
            f"≥ {TARGET:.0f}",
            f"{speedup['median']:.1f} ({speedup['min']:.1f}–{speedup['max']:.1f})",
            speedup["median"] >= TARGET,
        )
    ]


if __name__ == "__main__":
    sys.exit(run_comparison(incremental))
