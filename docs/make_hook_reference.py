"""Print docs/hooks.md from the hookspecs module, whose docstrings are the reference manual.

    python docs/make_hook_reference.py > docs/hooks.md

A test fails when docs/hooks.md is not what this prints.
"""

from __future__ import annotations

import inspect
import textwrap

from curator_export import hookspecs


def hook_reference() -> str:
    lines = [
        "# Hook reference",
        "",
        "Generated from `core/src/curator_export/hookspecs.py` by `docs/make_hook_reference.py`;",
        "edit the docstrings there, not this file.",
        "",
        _fence_examples(textwrap.dedent(hookspecs.__doc__ or "").strip()).replace("::\n", ":\n"),
        "",
    ]
    for name, function in sorted(vars(hookspecs).items()):
        if not name.startswith("curator_export_") or not callable(function):
            continue
        signature = str(inspect.signature(function)).replace("'", "")
        lines += [
            f"## `{name}`",
            "",
            "```python",
            f"def {name}{signature}",
            "```",
            "",
            _fence_examples(inspect.cleandoc(function.__doc__ or "")),
            "",
        ]
    return "\n".join(lines)


def _fence_examples(doc: str) -> str:
    """Turn reStructuredText ``Example::`` blocks into fenced Python code."""
    head, marker, example = doc.partition("Example::")
    if not marker:
        return doc
    code = textwrap.dedent(example.strip("\n"))
    return f"{head}Example:\n\n```python\n{code}\n```"


if __name__ == "__main__":
    print(hook_reference(), end="")
