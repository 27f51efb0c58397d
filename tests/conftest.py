"""Shared helpers of the cross-distribution tests."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _run(
    *args: str, env: Mapping[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("CURATOR_EXPORT_") or key == "CURATOR_EXPORT_CORPUS"
    }
    environment.update(env or {})
    return subprocess.run(
        args, capture_output=True, text=True, env=environment, cwd=cwd, timeout=120, check=False
    )


@pytest.fixture
def run_cli(tmp_path: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run ``curator-export`` in a subprocess, in tmp_path, with a clean plugin environment."""

    def run(*args: str, env: Mapping[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return _run(sys.executable, "-m", "curator_export.cli", *args, env=env, cwd=tmp_path)

    return run


@pytest.fixture
def run_python(tmp_path: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run a Python snippet in a fresh interpreter with a clean plugin environment."""

    def run(code: str, env: Mapping[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return _run(sys.executable, "-c", code, env=env, cwd=tmp_path)

    return run
