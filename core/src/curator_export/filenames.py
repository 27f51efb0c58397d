"""Safe, portable, unique file names, whatever a naming strategy returns.

A name made here is valid on Linux, macOS and Windows at once, keeps readable Unicode, fits
the 255-byte limit of common file systems with room for a uniqueness suffix, and can never
climb out of the output directory. Core applies this after every naming strategy, third
parties' included, so a strategy only has to say what it means, not how to be safe.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable, Iterable

MAX_PART_BYTES = 255
#: Room kept in a file name for the ``-N`` suffix that makes it unique in a batch.
SUFFIX_ROOM = len("-99999")

_FORBIDDEN = re.compile(r'[<>:"|?*\\/]')
_WHITESPACE = re.compile(r"\s+")
_REPEATS = re.compile(r"([_ ])[_ ]+")
_RESERVED = frozenset(
    {"con", "prn", "aux", "nul"}
    | {f"{device}{n}" for device in ("com", "lpt") for n in (*"123456789", "¹", "²", "³")}
)
# Characters that are invisible or reorder text: control, format (bidi overrides, zero-width
# joiners, BOM, soft hyphen), surrogates, private use and unassigned code points.
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})


def _visible(text: str) -> str:
    if text.isascii() and text.isprintable():
        return text  # nothing invisible, no whitespace but spaces: most names, one C call
    return "".join(
        " " if char.isspace() else char
        for char in text
        if char.isspace() or unicodedata.category(char) not in _INVISIBLE_CATEGORIES
    )


def clean_part(text: str, *, spaces_to_underscores: bool = False) -> str:
    """One path part made portable; may return ``""`` when nothing usable is left."""
    text = _visible(unicodedata.normalize("NFC", text))
    text = _FORBIDDEN.sub("_", text)
    text = _WHITESPACE.sub(" ", text).strip()
    if spaces_to_underscores:
        text = text.replace(" ", "_")
    text = _REPEATS.sub(r"\1", text)
    # A leading dot hides the file, a leading dash reads as an option; trailing dots and
    # spaces are silently dropped by Windows, so two names could end up the same.
    text = text.lstrip(".-_ ").rstrip(". _")
    if text.split(".", 1)[0].casefold() in _RESERVED:
        text = f"{text}_" if "." not in text else text.replace(".", "_.", 1)
    return text


def _extends(char: str) -> bool:
    """Whether ``char`` belongs to the character before it (accent, joiner, skin tone ...)."""
    return bool(
        unicodedata.combining(char)
        or char in "\u200d\ufe0e\ufe0f"
        or "\U0001f3fb" <= char <= "\U0001f3ff"
        or unicodedata.category(char) in ("Mn", "Mc", "Me")
    )


def truncate_utf8(text: str, max_bytes: int) -> str:
    """``text`` cut to ``max_bytes`` of UTF-8 without splitting a character as users see it."""
    if len(text.encode("utf-8")) <= max_bytes:
        return text
    end = len(text.encode("utf-8")[:max_bytes].decode("utf-8", errors="ignore"))
    # Step back to a boundary: the first character dropped must not extend the last one kept,
    # and a zero-width joiner must not be left dangling at the end.
    while end > 0 and (_extends(text[end]) or text[end - 1] == "\u200d"):
        end -= 1
    return text[:end].rstrip(". _")


def safe_relative_path(
    raw: str,
    *,
    extension: str,
    fallback: str,
    spaces_to_underscores: bool = False,
) -> str:
    """A strategy's answer as a safe relative POSIX path ending with ``extension``.

    ``raw`` may hold ``/`` for sub-folders; empty parts, ``.`` and ``..`` are dropped. An empty
    file name falls back to ``fallback`` (the session id), never to a bare extension.
    """
    extension = extension.lower()
    *folders, stem = raw.replace("\\", "/").split("/")
    if stem.lower().endswith(extension):
        stem = stem[: -len(extension)]
    safe_folders = [
        truncate_utf8(
            clean_part(folder, spaces_to_underscores=spaces_to_underscores), MAX_PART_BYTES
        )
        for folder in folders
    ]
    safe_folders = [folder for folder in safe_folders if folder]
    stem_bytes = MAX_PART_BYTES - len(extension.encode()) - SUFFIX_ROOM
    safe_stem = truncate_utf8(
        clean_part(stem, spaces_to_underscores=spaces_to_underscores), stem_bytes
    )
    if not safe_stem:
        safe_stem = truncate_utf8(clean_part(fallback), stem_bytes) or "export"
    return "/".join([*safe_folders, safe_stem + extension])


def collision_key(relative_path: str) -> str:
    """Two paths with the same key are the same file on a case-insensitive file system."""
    return unicodedata.normalize("NFC", relative_path).casefold()


def _fingerprint(relative_path: str) -> int:
    return int.from_bytes(
        hashlib.blake2b(collision_key(relative_path).encode(), digest_size=8).digest()
    )


class UniqueNames:
    """Hands out paths that differ from every path handed out before (and any ``taken``).

    The second and later claims of a name get ``-2``, ``-3`` ... before the extension, in the
    order of the claims, so the same plan always gives the same names.

    What it keeps of each name is a 64-bit fingerprint, not the name: a batch of many files
    holds a few bytes per file. Two names with one fingerprint (about once in 10^11 batches
    of 20,000 files) make the second one numbered as if it were taken: never a clash, and the
    same every time.
    """

    def __init__(self, taken: Iterable[str] = ()) -> None:
        self._taken = {_fingerprint(path) for path in taken}

    def is_taken(self, relative_path: str) -> bool:
        return _fingerprint(relative_path) in self._taken

    def claim(self, relative_path: str, *, exists: Callable[[str], bool] | None = None) -> str:
        """The path itself or the first free ``name-N.ext``; ``exists`` adds files to avoid."""
        folder, _, name = relative_path.rpartition("/")
        stem, dot, extension = name.rpartition(".")
        if not dot:
            stem = name
        candidate, number = relative_path, 1
        while _fingerprint(candidate) in self._taken or (exists and exists(candidate)):
            number += 1
            numbered = f"{stem}-{number}" + (f".{extension}" if dot else "")
            candidate = f"{folder}/{numbered}" if folder else numbered
        self._taken.add(_fingerprint(candidate))
        return candidate
