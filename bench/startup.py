"""Benchmark 5, start-up: wall time of ``curator-export --help`` and ``curator-export plugins``.

Each call runs the command once as a subprocess (the installed console script on PATH) in an
empty folder, output discarded; C runs ``python -c pass`` with the same interpreter, the floor
that no command can go under. Targets: ``--help`` 0.25 s, ``plugins`` 0.4 s (median wall).

Usage: python bench/startup.py [--quick] [--rounds N]
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

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

NAME = "5 start-up"
TARGETS = {"A": 0.25, "B": 0.4}


def command_variant(key: str, label: str, argv: Sequence[str], cwd: Path) -> Variant:
    env = {**os.environ, "CURATOR_EXPORT_STORE": str(cwd / "curator.db")}

    def run() -> int:
        done = subprocess.run(
            list(argv),
            check=False,
            cwd=cwd,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)} exited {done.returncode}: {done.stderr!r}")
        return done.returncode

    return Variant(key, label, run, " ".join(argv))


def startup(quick: bool, rounds: int | None, console: Console, log: Console) -> list[Check]:
    rounds = rounds or (10 if quick else 30)
    command = shutil.which("curator-export")
    if command is None:
        console.print("[yellow]curator-export is not on PATH: comparison 5 skipped[/]")
        return [
            Check(NAME, f"{what} wall s", "", "", None, "no command")
            for what in ("--help", "plugins")
        ]
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as scratch:
        cwd = Path(scratch)
        variants = [
            command_variant("A", "curator-export --help", [command, "--help"], cwd),
            command_variant("B", "curator-export plugins", [command, "plugins"], cwd),
            command_variant("C", "python -c pass", [sys.executable, "-c", "pass"], cwd),
        ]
        machine = machine_info()
        measurement = measure(variants, rounds, console=log, children=True)
    summary = summarize(measurement, baseline="C", ratios=[])
    title = f"start-up: one subprocess per call, {rounds} rounds"
    print_summary(summary, title, console)
    console.print("CPU s includes the subprocess's", style="dim")
    machine["load_average_after"] = load_average()
    write_json(
        RESULTS_DIR / "startup.json", {"benchmark": "startup", "machine": machine, **summary}
    )
    checks = []
    for key, target in TARGETS.items():
        wall = summary["variants"][key]["wall_seconds"]
        checks.append(
            Check(
                NAME,
                f"{summary['variants'][key]['label']} wall s",
                f"≤ {target}",
                f"{wall['median']:.3f} ({wall['min']:.3f}–{wall['max']:.3f})",
                wall["median"] <= target,
            )
        )
    return checks


if __name__ == "__main__":
    sys.exit(run_comparison(startup))
