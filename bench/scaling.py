"""Benchmark 1, scaling: the same batch with 1 worker (serial) and with 2 workers.

The batch runs through the real engine (``BatchExportManager`` over a ``SQLiteStore``): a
synthetic course (``course.py``) plus the two corpus lessons when the corpus is found, in
html and markdown (and pdf without ``--quick``). One call is the whole batch, into a fresh
folder. A: ``parallel_exports=False`` (what ``--serial`` does); B: two worker processes.
The speed-up is A/B in wall time, per round. Target: at least 1.9 on 2 cores.

Usage: python bench/scaling.py [--quick] [--rounds N]
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from course import Engine, Outputs, build_store, find_corpus, lesson_paths, write_synthetic
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

TARGET = 1.9
NAME = "1 scaling"


def scaling(quick: bool, rounds: int | None, console: Console, log: Console) -> list[Check]:
    rounds = rounds or 3
    synthetic = 40 if quick else 100
    formats = ["html", "markdown"] if quick else ["html", "markdown", "pdf"]
    lessons = lesson_paths(find_corpus())
    if not lessons:
        log.print("[yellow]corpus not found: synthetic course only[/]")
    with tempfile.TemporaryDirectory(prefix="bench-scaling-") as scratch:
        root = Path(scratch)
        folder = write_synthetic(root / "course", synthetic)
        ids = build_store(root / "store.db", [folder, *lessons])
        engine = Engine(root / "store.db")
        outputs = Outputs(root)
        try:
            files = len(ids) * len(formats)
            variants = [
                Variant(
                    "A",
                    "1 worker (serial)",
                    lambda: engine.run(ids, formats, 1, outputs.fresh()),
                    cleanup=outputs.remove,
                ),
                Variant(
                    "B",
                    "2 workers",
                    lambda: engine.run(ids, formats, 2, outputs.fresh()),
                    cleanup=outputs.remove,
                ),
            ]
            title = (
                f"scaling: {len(ids)} sessions ({synthetic} synthetic"
                f"{', ' + ', '.join(p.name for p in lessons) if lessons else ''})"
                f" × {'+'.join(formats)}"
            )
            log.print(title)
            machine = machine_info()
            measurement = measure(variants, rounds, console=log)
        finally:
            engine.close()
    summary = summarize(measurement, baseline="B", work={"A": files, "B": files}, work_unit="files")
    print_summary(summary, title, console)
    speedup = summary["ratios"]["A/B"]["wall"]
    console.print(
        "speed-up = A/B wall; CPU s counts this process only (not the pool's workers)",
        style="dim",
    )
    machine["load_average_after"] = load_average()
    write_json(
        RESULTS_DIR / "scaling.json",
        {"benchmark": "scaling", "machine": machine, "title": title, "sessions": ids, **summary},
    )
    return [
        Check(
            NAME,
            "speed-up 2 workers vs 1",
            f"≥ {TARGET}",
            f"{speedup['median']:.2f} ({speedup['min']:.2f}–{speedup['max']:.2f})",
            speedup["median"] >= TARGET,
        )
    ]


if __name__ == "__main__":
    sys.exit(run_comparison(scaling))
