"""A small harness shared by the project's benchmarks.

Variants (A, B, ...) run alternately, one call each per round, the order rotated every round
(A B C, B C A, C A B, ...), after a warm-up round that is not timed. Ratios between variants
are computed per round, from calls made close together in time, so a busy spell of a shared
machine weighs on both sides of a ratio; their median and min–max are reported, not a mean.

Each call is timed twice: wall time (what a user waits, the headline) and the process's CPU
time, which other programs on a shared machine disturb far less than the wall time.

Nothing here asserts on time: a benchmark prints tables and records a JSON file, and people
read them. Benchmarks import their heavy libraries inside their variants, so that importing
one stays cheap and the import cost lands in the warm-up.
"""

from __future__ import annotations

import gc
import hashlib
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

#: Packages whose versions every result records (a benchmark can add its own).
DEFAULT_PACKAGES = ("curator-export", "weasyprint")


@dataclass(frozen=True)
class Variant:
    """One way of doing the benchmarked work; ``run`` does all of it once.

    ``cleanup``, when given, runs after every call, untimed: it removes what the call made
    (its output folder), which is the benchmark's housekeeping, not the work measured.
    """

    key: str  # a short name used in ratios: "A", "B", ...
    label: str
    run: Callable[[], object]
    description: str = ""
    cleanup: Callable[[], object] | None = None


@dataclass(frozen=True)
class Timing:
    """One call: wall-clock seconds and CPU seconds of this process."""

    wall: float
    cpu: float


@dataclass(frozen=True)
class Spread:
    """The median of some values and their range."""

    median: float
    low: float
    high: float

    @classmethod
    def of(cls, values: Sequence[float]) -> Spread:
        return cls(statistics.median(values), min(values), max(values))

    def as_dict(self) -> dict[str, float]:
        return {"median": self.median, "min": self.low, "max": self.high}


@dataclass
class Measurement:
    """The timings of every round, and what each variant returned in the warm-up."""

    variants: tuple[Variant, ...]
    warmup_rounds: int
    orders: list[tuple[str, ...]] = field(default_factory=list)
    rounds: list[dict[str, Timing]] = field(default_factory=list)  # variant key -> timing
    warmup_outputs: dict[str, object] = field(default_factory=dict)

    def times(self, key: str, clock: str = "wall") -> list[float]:
        return [getattr(timed[key], clock) for timed in self.rounds]

    def ratios(self, numerator: str, denominator: str, clock: str = "wall") -> list[float]:
        """``numerator / denominator`` in each round."""
        tops, bottoms = self.times(numerator, clock), self.times(denominator, clock)
        return [top / bottom for top, bottom in zip(tops, bottoms, strict=True)]


def rotated(keys: Sequence[str], round_index: int) -> tuple[str, ...]:
    """The order of a round: rotated by one more place every round, so that no variant always
    runs first (colder caches, a quieter machine) or always follows the same neighbour."""
    shift = round_index % len(keys)
    return (*keys[shift:], *keys[:shift])


def timed_call(run: Callable[[], object], *, children: bool = False) -> tuple[Timing, object]:
    """Call ``run`` once and time it.

    With ``children``, the CPU time also counts child processes that ``run`` waited for
    (subprocesses such as pandoc); not the workers of a pool started by a forkserver, which
    are not this process's children.
    """
    # Collect first, so garbage left by the previous variant is not billed to this one; and
    # flush the file systems, so that what it wrote or deleted is not written out during
    # this call (where a variant that syncs its own files would wait for it too).
    gc.collect()
    if hasattr(os, "sync"):
        os.sync()
    wall, cpu = time.perf_counter(), _cpu(children)
    output = run()
    return Timing(time.perf_counter() - wall, _cpu(children) - cpu), output


def _cpu(children: bool) -> float:
    if not children:
        return time.process_time()
    times = os.times()
    return time.process_time() + times.children_user + times.children_system


def measure(
    variants: Sequence[Variant],
    rounds: int,
    *,
    warmup_rounds: int = 1,
    console: Console | None = None,
    children: bool = False,
) -> Measurement:
    """Run every variant once per round, alternately, after ``warmup_rounds`` untimed rounds.

    The warm-up pays one-off costs (imports, font discovery, caches) and keeps each variant's
    output, so a benchmark can check it and count the work done (pages, files). ``children``:
    CPU times include waited-for child processes (see ``timed_call``).
    """
    if rounds < 1:
        raise ValueError("rounds must be at least 1")
    keys = [variant.key for variant in variants]
    if len(set(keys)) != len(keys):
        raise ValueError(f"variant keys must be unique: {keys}")
    by_key = {variant.key: variant for variant in variants}
    result = Measurement(variants=tuple(variants), warmup_rounds=warmup_rounds)
    for index in range(warmup_rounds):
        for key in rotated(keys, index):
            timing, result.warmup_outputs[key] = timed_call(by_key[key].run, children=children)
            _clean_up(by_key[key])
            _say(console, f"warm-up {index + 1}/{warmup_rounds}: {key} {timing.wall:.2f} s")
    for index in range(rounds):
        order = rotated(keys, index)
        timed: dict[str, Timing] = {}
        for key in order:
            timed[key] = timed_call(by_key[key].run, children=children)[0]
            _clean_up(by_key[key])
        result.orders.append(order)
        result.rounds.append(timed)
        times = ", ".join(f"{key} {timed[key].wall:.2f} s" for key in order)
        _say(console, f"round {index + 1}/{rounds}: {times}")
    return result


def _clean_up(variant: Variant) -> None:
    if variant.cleanup is not None:
        variant.cleanup()


def _say(console: Console | None, message: str) -> None:
    if console is not None:
        console.log(message)


def summarize(
    measurement: Measurement,
    *,
    baseline: str,
    ratios: Sequence[tuple[str, str]] | None = None,
    work: Mapping[str, float] | None = None,
    work_unit: str = "items",
) -> dict[str, Any]:
    """Per-variant and per-ratio statistics, ready for JSON.

    ``ratios`` defaults to every other variant against ``baseline``. ``work`` is the amount of
    work one call of a variant does (pages, files), for a throughput per wall second.
    """
    keys = [variant.key for variant in measurement.variants]
    pairs = ratios if ratios is not None else [(key, baseline) for key in keys if key != baseline]
    return {
        "baseline": baseline,
        "work_unit": work_unit,
        "rounds": len(measurement.rounds),
        "warmup_rounds": measurement.warmup_rounds,
        "orders": ["".join(order) for order in measurement.orders],
        "variants": {
            variant.key: _variant_summary(measurement, variant, (work or {}).get(variant.key))
            for variant in measurement.variants
        },
        "ratios": {
            f"{top}/{bottom}": {
                clock: {
                    **Spread.of(measurement.ratios(top, bottom, clock)).as_dict(),
                    "rounds": measurement.ratios(top, bottom, clock),
                }
                for clock in ("wall", "cpu")
            }
            for top, bottom in pairs
        },
    }


def _variant_summary(
    measurement: Measurement, variant: Variant, work: float | None
) -> dict[str, Any]:
    entry: dict[str, Any] = {"label": variant.label, "description": variant.description}
    for clock in ("wall", "cpu"):
        times = measurement.times(variant.key, clock)
        entry[f"{clock}_seconds"] = {**Spread.of(times).as_dict(), "rounds": times}
    if work:
        walls = measurement.times(variant.key)
        entry["work"] = work
        entry["per_second"] = Spread.of([work / seconds for seconds in walls]).as_dict()
    return entry


def _range(spread: Mapping[str, float], digits: int) -> str:
    return f"{spread['min']:.{digits}f}–{spread['max']:.{digits}f}"


def variants_table(summary: Mapping[str, Any], title: str) -> Table:
    """Wall seconds per call (median, min–max), throughput and CPU seconds (medians)."""
    unit = summary["work_unit"]
    table = Table(title=title, caption="medians over rounds; s: wall seconds per call")
    table.add_column("", no_wrap=True)
    table.add_column("variant", no_wrap=True)
    for name in (unit, "s", "s min–max", f"{unit}/s", "CPU s"):
        table.add_column(name, justify="right", no_wrap=True)
    for key, entry in summary["variants"].items():
        wall, rate = entry["wall_seconds"], entry.get("per_second")
        table.add_row(
            key,
            entry["label"],
            f"{entry['work']:g}" if rate else "",
            f"{wall['median']:.2f}",
            _range(wall, 2),
            f"{rate['median']:.1f}" if rate else "",
            f"{entry['cpu_seconds']['median']:.2f}",
        )
    return table


def ratios_table(summary: Mapping[str, Any]) -> Table:
    """Time ratios computed per round (above 1: the first variant is slower)."""
    table = Table(title="time ratios, computed per round")
    table.add_column("ratio")
    for name in ("wall", "wall min–max", "CPU", "CPU min–max"):
        table.add_column(name, justify="right", no_wrap=True)
    for name, ratio in summary["ratios"].items():
        wall, cpu = ratio["wall"], ratio["cpu"]
        table.add_row(
            name, f"{wall['median']:.2f}", _range(wall, 2), f"{cpu['median']:.2f}", _range(cpu, 2)
        )
    return table


def print_summary(summary: Mapping[str, Any], title: str, console: Console) -> None:
    console.print(variants_table(summary, title))
    if summary["ratios"]:
        console.print(ratios_table(summary))


def load_average() -> list[float] | None:
    """The 1, 5 and 15 minute load averages: a busy shared machine explains an odd result."""
    return list(os.getloadavg()) if hasattr(os, "getloadavg") else None


def machine_info(packages: Sequence[str] = DEFAULT_PACKAGES) -> dict[str, Any]:
    """What a result depends on besides the benchmark: machine, Python, versions, code, date."""
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpu_count": os.cpu_count(),
        "usable_cpus": usable,
        "load_average": load_average(),
        "python": sys.version.split()[0],
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "packages": {name: _version(name) for name in packages},
        "git": _git_state(),
    }


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def _git_state() -> dict[str, Any] | None:
    """The commit measured and a hash of uncommitted changes to tracked files, which pins
    the code measured when someone is editing the tree (None outside a clone)."""
    folder = Path(__file__).resolve().parent
    try:
        commit = _git(folder, "rev-parse", "HEAD").strip()
        diff = _git(folder, "diff", "HEAD")
    except (OSError, subprocess.CalledProcessError, subprocess.TimeoutExpired):
        return None
    changes = hashlib.sha256(diff.encode()).hexdigest()[:16] if diff else None
    return {"commit": commit, "dirty": bool(diff), "diff_sha256": changes}


def _git(folder: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", *args], cwd=folder, capture_output=True, text=True, check=True, timeout=10
    )
    return done.stdout


def write_json(path: Path, payload: Mapping[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")


@dataclass(frozen=True)
class Check:
    """A measurement against the target the issue sets; reported, never asserted."""

    comparison: str
    name: str
    target: str
    measured: str
    met: bool | None  # None: not measured (skipped)
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "comparison": self.comparison,
            "name": self.name,
            "target": self.target,
            "measured": self.measured,
            "met": self.met,
            "note": self.note,
        }


def checks_table(checks: Sequence[Check], title: str = "targets") -> Table:
    """One row per target: what was measured and whether it meets the target."""
    table = Table(title=title)
    for name in ("comparison", "measure", "target", "measured", "met"):
        table.add_column(name, no_wrap=name != "measure")
    for check in checks:
        verdict = {True: "[green]yes[/]", False: "[red]no[/]", None: "[yellow]skipped[/]"}
        measured = f"{check.measured} ({check.note})" if check.note else check.measured
        table.add_row(check.comparison, check.name, check.target, measured, verdict[check.met])
    return table


RESULTS_DIR = Path(__file__).resolve().parent / "results"

#: A comparison's entry: quick mode, rounds (None: its default), the tables' console, the
#: log console (stderr); returns its checks.
Comparison = Callable[[bool, int | None, Console, Console], list[Check]]


def run_comparison(comparison: Comparison, argv: Sequence[str] | None = None) -> int:
    """The command line of a comparison script: ``--quick`` and ``--rounds N``."""
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="a smaller run: a few minutes")
    parser.add_argument("--rounds", type=int, help="timed rounds (default: the comparison's)")
    args = parser.parse_args(argv)
    if args.rounds is not None and args.rounds < 1:
        parser.error("--rounds must be at least 1")
    console = Console()
    checks = comparison(args.quick, args.rounds, console, Console(stderr=True, log_path=False))
    console.print(checks_table(checks))
    return 0
