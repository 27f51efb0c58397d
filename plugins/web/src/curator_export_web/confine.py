"""Paths that requests name, confined to the folders the service owns.

A request names output folders (relative to its batch's folder), brand files and logos (by
name, inside the brand folder) and downloads (relative to its batch's folder). Each is
checked twice: as written (no absolute path, no ``..``, no drive or backslash) and once
resolved (a symlink must not lead out of the folder it was found in).
"""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath


def relative_problem(value: str, what: str) -> str | None:
    """Why ``value`` is not a plain relative path below its folder, or None when it is."""
    if not value.strip():
        return f"{what} must not be empty"
    if "\\" in value or "\x00" in value:
        return f"{what} must use '/' and hold no NUL or backslash"
    path = PurePosixPath(value)
    if path.is_absolute() or (len(value) > 1 and value[1] == ":"):
        return f"{what} must be relative to the service's folder, not absolute"
    if ".." in path.parts:
        return f"{what} must not contain '..'"
    return None


def inside(path: Path, folder: Path) -> bool:
    """Whether ``path``, symlinks resolved, lies in ``folder`` (also resolved)."""
    return Path(os.path.realpath(path)).is_relative_to(os.path.realpath(folder))


def resolve_below(folder: Path, value: str, what: str) -> Path:
    """``folder / value`` after checking both rules; raises ValueError with the reason."""
    problem = relative_problem(value, what)
    if problem is not None:
        raise ValueError(problem)
    path = folder / value
    if not inside(path, folder):
        raise ValueError(f"{what} leads out of its folder (through a symbolic link)")
    return path


def looks_like_a_path(value: str) -> bool:
    """Whether a setting's value names a file rather than being a plain word: the web
    service passes no server path from a request to a writer."""
    return (
        "/" in value
        or "\\" in value
        or value.startswith(("~", "."))
        or (len(value) > 1 and value[1] == ":")
        or os.path.exists(value)
    )
