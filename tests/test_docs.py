"""The user guide builds without a warning and keeps up with the code it documents."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import attrs
import click
import pytest

from curator_export.cli import cli
from curator_export.convert import Converters
from curator_export.model import BatchExportJob, BatchExportOptions
from curator_export.plugins import PluginHost

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"
GUIDE = DOCS / "guide"
JOBS_PAGE = GUIDE / "jobs-file.md"
CLI_PAGE = GUIDE / "cli.md"
FENCE = re.compile(
    r"^(?P<indent>[ \t]*)```(?P<lang>[\w-]*)[^\n]*\n(?P<body>.*?)^(?P=indent)```", re.M | re.S
)


def test_mkdocs_build_is_strict_clean(tmp_path):
    """`mkdocs build --strict` succeeds: no broken link or anchor, no missing snippet."""
    pytest.importorskip("mkdocs", reason="MkDocs is not installed (see requirements.txt)")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "NO_COLOR": "1"}
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", "mkdocs.yml"]
    built = subprocess.run(
        [*command, "-d", str(tmp_path / "site")],
        check=False,
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = built.stdout + built.stderr
    assert built.returncode == 0, f"mkdocs build --strict failed:\n{output}"
    assert "WARNING" not in output, output
    assert (tmp_path / "site" / "guide" / "jobs-file" / "index.html").is_file()


def _table_names(page: Path) -> set[str]:
    """The names in the first column of the page's tables: `| `name` | ...`."""
    text = page.read_text(encoding="utf-8")
    return set(re.findall(r"^\| `([a-z_]+)` \|", text, re.M))


@pytest.mark.parametrize("cls", [BatchExportJob, BatchExportOptions])
def test_every_model_field_is_in_the_jobs_file_reference(cls):
    """Each attrs field of a job and of the batch options has a row in docs/guide/jobs-file.md."""
    documented = _table_names(JOBS_PAGE)
    missing = [field.name for field in attrs.fields(cls) if field.name not in documented]
    assert not missing, (
        f"{cls.__name__} fields without a row in {JOBS_PAGE.relative_to(REPO)}: {missing}"
        " (add `| `name` | type | default | meaning |`)"
    )


def _commands() -> list[tuple[str, click.Command]]:
    group: click.Group = cli
    return [("curator-export", group)] + [
        (f"curator-export {name}", command) for name, command in sorted(group.commands.items())
    ]


@pytest.mark.parametrize(("name", "command"), _commands(), ids=str)
def test_every_cli_option_is_in_the_cli_reference(name, command):
    """Every option of every command (export's above all) is named in docs/guide/cli.md."""
    text = CLI_PAGE.read_text(encoding="utf-8")
    missing = []
    for param in command.params:
        if not isinstance(param, click.Option):
            continue
        longest = max(param.opts, key=len)
        if not re.search(r"`" + re.escape(longest) + r"(?![\w-])[^`]*`", text):
            missing.append(longest)
    assert not missing, f"{name}: options not in {CLI_PAGE.relative_to(REPO)}: {missing}"


def _jobs_examples() -> list[tuple[str, str]]:
    """Every ```toml block of the user guide that holds [[jobs]], as (page:line, text)."""
    pages = [DOCS / "index.md", *sorted(GUIDE.glob("*.md"))]
    examples = []
    for page in pages:
        text = page.read_text(encoding="utf-8")
        for match in FENCE.finditer(text):
            if match["lang"] == "toml" and "[[jobs]]" in match["body"]:
                line = text.count("\n", 0, match.start()) + 1
                examples.append((f"{page.relative_to(REPO)}:{line}", match["body"]))
    return examples


def test_the_guide_has_jobs_file_examples():
    """The example collector finds the guide's jobs files (so the test below checks something)."""
    assert len(_jobs_examples()) >= 3


@pytest.mark.parametrize(
    ("where", "example"), [pytest.param(*example, id=example[0]) for example in _jobs_examples()]
)
def test_jobs_file_examples_are_valid(where, example, tmp_path):
    """Each jobs file example of the guide is read without error by the real converter."""
    assert tomllib.loads(example)  # a TOML error names the line in the block
    jobs_file = tmp_path / "jobs.toml"
    jobs_file.write_text(example, encoding="utf-8")
    parsed = Converters(PluginHost()).read_jobs_file(jobs_file)
    assert parsed.jobs, where
