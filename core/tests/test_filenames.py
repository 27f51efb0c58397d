"""Portable, bounded, unique file names: the rules every naming strategy's output goes through."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from curator_export.filenames import (
    MAX_PART_BYTES,
    SUFFIX_ROOM,
    UniqueNames,
    clean_part,
    safe_relative_path,
    truncate_utf8,
)

WINDOWS_FORBIDDEN = set('<>:"|?*\\')
RESERVED = {
    "CON",
    "PRN",
    "AUX",
    "NUL",
    *(f"COM{n}" for n in range(1, 10)),
    *(f"LPT{n}" for n in range(1, 10)),
}


def assert_portable(relative: str, extension: str) -> None:
    """The checks a Windows, macOS and Linux user would each make of a name."""
    assert relative.endswith(extension)
    parts = relative.split("/")
    for part in parts:
        assert part, relative
        assert len(part.encode("utf-8")) <= MAX_PART_BYTES
        assert not (set(part) & WINDOWS_FORBIDDEN), part
        assert not part.startswith((".", " ")), part
        assert not part.endswith((".", " ")), part
        assert part not in ("..", ".")
        assert part.split(".")[0].upper() not in RESERVED, part
        assert unicodedata.normalize("NFC", part) == part
        assert not any(unicodedata.category(char) in ("Cc", "Cf", "Cs") for char in part)
    stem = parts[-1][: -len(extension)]
    assert stem, relative
    assert len(parts[-1].encode()) + SUFFIX_ROOM <= MAX_PART_BYTES


def name(raw: str, *, fallback: str = "session_1", underscores: bool = False) -> str:
    return safe_relative_path(
        raw, extension=".html", fallback=fallback, spaces_to_underscores=underscores
    )


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Introduction to Programming", "Introduction to Programming.html"),
        ('a<b>c:d"e|f?g*h', "a_b_c_d_e_f_g_h.html"),
        (
            "Files & Folders: Naming Things You'll Find Again",
            "Files & Folders_Naming Things You'll Find Again.html",
        ),
        ("  .hidden  ", "hidden.html"),
        ("trailing dots...", "trailing dots.html"),
        ("-rf", "rf.html"),
        ("CON", "CON_.html"),
        ("nul", "nul_.html"),
        ("com1.backup", "com1_.backup.html"),
        ("CONSOLE", "CONSOLE.html"),
        ("tab\tand\nnewline", "tab and newline.html"),
        ("report.html", "report.html"),
    ],
)
def test_names_are_made_portable(raw, expected):
    """Forbidden characters, hidden, option-like and reserved names are all made harmless."""
    assert name(raw) == expected
    assert_portable(name(raw), ".html")


def test_content_naming_turns_spaces_into_underscores():
    """The seed's example: 'Introduction to Programming' becomes Introduction_to_Programming."""
    assert (
        name("Introduction to Programming", underscores=True) == "Introduction_to_Programming.html"
    )
    assert name("Tidy Tables: Spreadsheets", underscores=True) == "Tidy_Tables_Spreadsheets.html"


@pytest.mark.parametrize(
    "title",
    ["Εισαγωγή στον προγραμματισμό", "编程入门", "مقدمة في البرمجة", "Café crème", "Zürich–Genève"],
)
def test_unicode_titles_stay_readable(title):
    """Greek, Chinese, Arabic and accented titles are kept, in NFC."""
    assert name(title) == unicodedata.normalize("NFC", title) + ".html"


def test_decomposed_accents_are_normalized():
    """A title typed with combining accents is stored in composed (NFC) form."""
    decomposed = unicodedata.normalize("NFD", "Café")
    assert name(decomposed) == "Café.html"


@pytest.mark.parametrize(
    "invisible", ["\u202e", "\u200b", "\u200d", "\ufeff", "\x00", "\x1b", "\u00ad", "\u2066"]
)
def test_invisible_and_bidi_characters_are_removed(invisible):
    """Bidi overrides, zero-width and control characters cannot hide a name's real ending."""
    assert name(f"invoice{invisible}lmth.exe") == "invoicelmth.exe.html"


@pytest.mark.parametrize("raw", ["", "   ", "...", "🎉🎉", "***", "///", "..", "\u200b"])
def test_empty_results_fall_back_to_the_session_id(raw):
    """A name with nothing usable left falls back to the session id, never to '.html'."""
    result = name(raw, fallback="session_42")
    if raw == "🎉🎉":
        assert result == "🎉🎉.html"  # emoji are valid file names and stay
    else:
        assert result == "session_42.html"


def test_sub_folders_are_kept_and_cannot_climb_out():
    """'/' makes sub-folders; '..' and '.' parts are dropped, absolute paths become relative."""
    assert name("s1/html/Intro") == "s1/html/Intro.html"
    assert name("../../etc/passwd") == "etc/passwd.html"
    assert name("/abs/path") == "abs/path.html"
    assert name("a//b/./c") == "a/b/c.html"
    assert name("back\\slash\\name") == "back/slash/name.html"


def test_long_names_keep_their_extension_within_the_byte_limit():
    """A very long title is cut to fit 255 bytes with room for -N, extension intact."""
    result = name("x" * 1000)
    assert result.endswith(".html")
    assert len(result.encode()) == MAX_PART_BYTES - SUFFIX_ROOM


def test_truncation_never_splits_a_character():
    """Multibyte titles are cut between characters, never inside one."""
    title = "日本語" * 200  # 3 bytes a character
    result = name(title)
    assert len(result.encode()) <= MAX_PART_BYTES - SUFFIX_ROOM
    assert result[: -len(".html")] == title[: len(result) - len(".html")]
    assert truncate_utf8("e\u0301" * 10, 5) == "e\u0301"  # no letter without its accent
    assert truncate_utf8("ab👍🏽", 6) == "ab"  # no thumb without its skin tone
    assert truncate_utf8("a👩\u200d💻", 9) == "a"  # no half of a joined emoji


def test_second_and_later_claims_are_numbered_in_order():
    """The same name claimed three times gives name, name-2, name-3."""
    names = UniqueNames()
    assert [names.claim("intro.html") for _ in range(3)] == [
        "intro.html",
        "intro-2.html",
        "intro-3.html",
    ]


def test_collisions_ignore_case_and_normalization():
    """Intro/intro and two spellings of Café collide, as on macOS and Windows."""
    names = UniqueNames()
    assert names.claim("Intro.html") == "Intro.html"
    assert names.claim("intro.html") == "intro-2.html"
    assert names.claim("Café.html") == "Café.html"
    assert names.claim(unicodedata.normalize("NFD", "café.html")).startswith("caf")
    assert names.is_taken("CAFÉ.html")


def test_numbering_skips_names_already_taken():
    """A numbered name that exists already (here on 'disk') is skipped."""
    on_disk = {"intro.html", "intro-2.html"}
    names = UniqueNames(taken=["sub/x.html"])
    assert names.claim("intro.html", exists=on_disk.__contains__) == "intro-3.html"
    assert names.claim("sub/X.html") == "sub/X-2.html"


def test_clean_part_is_idempotent():
    """Cleaning a cleaned name changes nothing."""
    once = clean_part(" ..Files & Folders: <draft>?. ")
    assert clean_part(once) == once


@given(st.text(max_size=400), st.sampled_from([".html", ".pdf", ".pptx", ".md", ".odt"]))
def test_any_title_gives_a_valid_bounded_name(title, extension):
    """For any title the name is valid everywhere, within the byte limit and never empty."""
    result = safe_relative_path(title, extension=extension, fallback="session_1")
    assert_portable(result, extension)


@given(st.lists(st.text(max_size=60), min_size=1, max_size=5))
def test_any_folder_structure_stays_relative(parts):
    """Whatever the parts, the path is relative, has no '..', and every part is portable."""
    result = name("/".join(parts))
    assert not result.startswith("/")
    assert_portable(result, ".html")


@given(
    st.lists(st.sampled_from(["Intro", "intro", "INTRO", "Café", "Cafe\u0301", "x"]), max_size=30)
)
def test_claimed_names_are_pairwise_distinct(raw_names):
    """However many similar names are claimed, no two collide case- or normalization-wise."""
    names = UniqueNames()
    claimed = [names.claim(name(raw)) for raw in raw_names]
    keys = [unicodedata.normalize("NFC", c).casefold() for c in claimed]
    assert len(set(keys)) == len(keys)
