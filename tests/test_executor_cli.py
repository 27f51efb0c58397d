"""The executor flags of the batch commands: contradictions and unknown names are usage
errors (exit 2), reported before anything is planned or written."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--scheduler", "tcp://127.0.0.1:1"], "--scheduler needs --executor"),
        (["--executor", "process", "--serial"], "contradict"),
        (["--executor", "proces"], "unknown executor 'proces'; built in: process, serial"),
        (
            ["--executor", "process", "--scheduler", "tcp://127.0.0.1:1"],
            "the process executor takes no executor options (given: scheduler)",
        ),
    ],
)
def test_executor_flags_are_checked_before_the_batch(cli, tmp_path, flags, message):
    """Each bad combination exits 2 with its reason; no output folder is made."""
    out = tmp_path / "out"
    done = cli("export", "-s", "s1", "-f", "chaos", "-o", str(out), *flags)
    assert done.returncode == 2, done.stderr
    assert message in " ".join(done.stderr.split())
    assert not out.exists()


def test_executor_serial_runs_the_batch(cli, tmp_path):
    """`--executor serial` is the built-in serial executor."""
    done = cli(
        "export", "-s", "s1", "-f", "chaos", "-o", str(tmp_path / "out"), "--executor", "serial"
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out" / "s1.chaos").is_file()
