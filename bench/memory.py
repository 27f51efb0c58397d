"""Benchmark 6, memory: peak RSS of the parent and of a worker as a batch grows.

Each measurement is a fresh subprocess (this script with ``--child``) that opens a store of
N small sessions (``course.write_synthetic(small=True)`` imported with the project's
importer beforehand, untimed), runs one job of every session through ``BatchExportManager``
with 2 workers, and reports:

* the parent's peak RSS (``VmHWM`` of /proc/self/status, else ``ru_maxrss``) when the batch
  has returned (its files are removed afterwards), and its peak before the batch (after
  imports and opening the store);
* the workers' peak RSS: a thread samples every descendant process's ``VmHWM`` (its peak RSS,
  from ``/proc``) every 0.1 s; the largest is reported (0 where ``/proc`` is missing).

Parent: markdown + html at two sizes (1,000 and 10,000 sessions; ``--quick``: 200 and 1,000);
target: flat, the larger at most 10 % above the smaller. Worker: pdf at two sizes (200 and
1,000; ``--quick``: 20 and 100), reported (the issue sets no number). Sizes alternate, and
each is measured ``--rounds`` times (default 3, 2 with ``--quick``): median and min–max.

Usage: python bench/memory.py [--quick] [--rounds N]
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from harness import RESULTS_DIR, Check, load_average, machine_info, run_comparison, write_json
from rich.console import Console
from rich.table import Table

NAME = "6 memory"
TARGET = 1.10
SCRIPT = Path(__file__).resolve()


def _descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    found, stack = [], [root]
    while stack:
        for child in children.get(stack.pop(), []):
            found.append(child)
            stack.append(child)
    return found


def _hwm_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class WorkerPeak(threading.Thread):
    """Samples the peak RSS of every descendant process until stopped."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak_kib = 0
        self.stopped = threading.Event()

    def run(self) -> None:
        if not Path("/proc").is_dir():
            return
        while not self.stopped.wait(0.1):
            for pid in _descendants(os.getpid()):
                self.peak_kib = max(self.peak_kib, _hwm_kib(pid))


def own_peak_kib() -> int:
    """This process's peak RSS: ``VmHWM``, which starts afresh at ``exec``; not ``ru_maxrss``,
    which Linux carries over ``exec`` from the forked parent (a big bench/run process)."""
    return _hwm_kib(os.getpid()) or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def child(db: Path, formats: list[str], scratch: Path) -> dict[str, Any]:
    """One batch in this process; what ``--child`` prints as JSON."""
    from course import Engine

    engine = Engine(db)
    ids = engine.store.session_ids()
    before = own_peak_kib()
    sampler = WorkerPeak()
    sampler.start()
    output = Path(tempfile.mkdtemp(prefix="out-", dir=scratch))
    started = time.perf_counter()
    result = engine.run(ids, formats, 2, output)
    elapsed = time.perf_counter() - started
    sampler.stopped.set()
    sampler.join()
    # Read before the files are removed: listing 20,000 files to delete them is this
    # script's work, not the batch's.
    parent_peak = own_peak_kib()
    engine.close()
    shutil.rmtree(output, ignore_errors=True)
    return {
        "sessions": len(ids),
        "files": result.total_files_created,
        "seconds": elapsed,
        "parent_before_kib": before,
        "parent_peak_kib": parent_peak,
        "worker_peak_kib": sampler.peak_kib,
    }


def _measure_once(db: Path, formats: list[str], scratch: Path) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--child", str(db), ",".join(formats), str(scratch)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"memory child failed: {done.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _mib(kib: float) -> str:
    return f"{kib / 1024:.0f}"


def _series(  # noqa: PLR0917
    label: str,
    sizes: tuple[int, int],
    formats: list[str],
    measure_key: str,
    rounds: int,
    root: Path,
    log: Console,
) -> dict[int, list[dict[str, Any]]]:
    from course import build_store, write_synthetic

    stores = {}
    for size in sizes:
        folder = write_synthetic(root / f"small-{size}", size, small=True)
        stores[size] = root / f"small-{size}.db"
        build_store(stores[size], [folder])
    runs: dict[int, list[dict[str, Any]]] = {size: [] for size in sizes}
    for index in range(rounds):
        order = sizes if index % 2 == 0 else sizes[::-1]
        for size in order:
            outcome = _measure_once(stores[size], formats, root)
            runs[size].append(outcome)
            log.log(
                f"{label} {size} sessions, round {index + 1}/{rounds}: "
                f"{measure_key} {_mib(outcome[measure_key])} MiB, {outcome['seconds']:.1f} s"
            )
    return runs


def memory(quick: bool, rounds: int | None, console: Console, log: Console) -> list[Check]:
    rounds = rounds or (2 if quick else 3)
    parent_sizes = (200, 1000) if quick else (1000, 10000)
    pdf_sizes = (20, 100) if quick else (200, 1000)
    machine = machine_info()
    with tempfile.TemporaryDirectory(prefix="bench-memory-") as scratch:
        root = Path(scratch)
        parent = _series(
            "markdown+html",
            parent_sizes,
            ["markdown", "html"],
            "parent_peak_kib",
            rounds,
            root,
            log,
        )
        pdf = _series("pdf", pdf_sizes, ["pdf"], "worker_peak_kib", rounds, root, log)
    table = Table(title="peak RSS in MiB, 2 workers: median (min–max) over rounds")
    for name in ("formats", "sessions", "parent before", "parent peak", "worker peak", "batch s"):
        table.add_column(name, justify="left" if name == "formats" else "right")
    medians: dict[str, dict[int, float]] = {"parent": {}, "worker": {}}
    for formats, runs in (("markdown+html", parent), ("pdf", pdf)):
        for size, outcomes in runs.items():
            cells = []
            for key in ("parent_before_kib", "parent_peak_kib", "worker_peak_kib", "seconds"):
                values = [outcome[key] for outcome in outcomes]
                median = statistics.median(values)
                if key == "seconds":
                    cells.append(f"{median:.1f}")
                else:
                    cells.append(f"{_mib(median)} ({_mib(min(values))}–{_mib(max(values))})")
                if key == "parent_peak_kib" and formats != "pdf":
                    medians["parent"][size] = median
                if key == "worker_peak_kib" and formats == "pdf":
                    medians["worker"][size] = median
            table.add_row(formats, f"{size:,}", *cells)
    console.print(table)
    small, large = parent_sizes
    growth = medians["parent"][large] / medians["parent"][small]
    worker_small, worker_large = (medians["worker"][size] for size in pdf_sizes)
    worker_growth = worker_large / worker_small if worker_small else float("nan")
    machine["load_average_after"] = load_average()
    write_json(
        RESULTS_DIR / "memory.json",
        {
            "benchmark": "memory",
            "machine": machine,
            "rounds": rounds,
            "parent": {"formats": ["markdown", "html"], "runs": parent},
            "pdf_worker": {"formats": ["pdf"], "runs": pdf},
            "parent_growth": growth,
            "worker_growth": worker_growth,
        },
    )
    return [
        Check(
            NAME,
            f"parent peak, {large:,} / {small:,} sessions",
            f"≤ {TARGET:.2f}",
            f"{growth:.2f} ({_mib(medians['parent'][small])} → "
            f"{_mib(medians['parent'][large])} MiB)",
            growth <= TARGET,
        ),
        Check(
            NAME,
            f"pdf worker peak, {pdf_sizes[1]:,} / {pdf_sizes[0]:,} sessions",
            "reported (flat)",
            f"{worker_growth:.2f} ({_mib(worker_small)} → {_mib(worker_large)} MiB)",
            None if not worker_small else worker_growth <= TARGET,
        ),
    ]


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        db, formats, scratch = Path(sys.argv[2]), sys.argv[3].split(","), Path(sys.argv[4])
        print(json.dumps(child(db, formats, scratch)))
        sys.exit(0)
    sys.exit(run_comparison(memory))
