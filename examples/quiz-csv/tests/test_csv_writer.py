"""The quiz-csv writer on requests built as the core builds them: rows, text, CSV, options."""

from __future__ import annotations

import codecs
import csv
import io
from textwrap import dedent

import pytest

from curator_export.errors import NothingToExportError, NotImplementedFormatError
from curator_export.model import Audience, ContentType
from curator_export.testing import RequestKit
from curator_export_quizcsv import QuizCsvOptions, write_quiz_csv
from curator_export_quizcsv.csv_writer import HEADER, quiz_rows

QUIZ = ContentType.QUIZ
SLIDES = ContentType.SLIDES

CHALLENGES = dedent(
    """
    Answer what you can before the break.

    :::: challenge
    ## Which command lists files?
    Pick one, then try it with [the shell](https://example.org/shell "a shell").

    1. `ls -F`
    2. `cd`

    ::: solution
    ## Solution
    **1.** `cd` changes the directory; see `man ls`.
    :::
    ::::

    :::: challenge
    ## Why plain text?
    Say why, in a sentence, "briefly", please.
    ::::
    """
)

HEADINGS = dedent(
    """
    ## What is a pipe?

    - it joins commands
      - output to input
    - it is written `|`

    ::: solution
    It sends one command's output to the next command's input.
    :::

    ## Sorting numbers

    ```bash
    sort -n lengths.txt
    ```
    """
)


# --8<-- [start:request_kit]
@pytest.fixture
def kit() -> RequestKit:
    kit = RequestKit()
    kit.format_name = "quiz-csv"
    return kit


def rows_of(data: bytes, delimiter: str = ",") -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=delimiter))


def test_each_challenge_is_a_row_with_its_solution_for_instructors(kit: RequestKit) -> None:
    """Two challenges make two rows: title, plain-text question with numbered options and the
    link's address, and the solution without its "Solution" heading; text outside the
    challenges is no question."""
    session = kit.session(("Intro", "## Hello", SLIDES), ("Quiz", CHALLENGES, QUIZ))
    header, first, second = rows_of(write_quiz_csv(kit.request(session)))
    assert tuple(header) == HEADER
    assert first == [
        "s1",
        "Session",
        "1",
        "Which command lists files?",
        "Pick one, then try it with the shell (https://example.org/shell).\n\n1. ls -F\n2. cd",
        "1. cd changes the directory; see man ls.",
    ]
    assert second[2:] == ["2", "Why plain text?", 'Say why, in a sentence, "briefly", please.', ""]


def test_students_get_the_questions_and_no_answer(kit: RequestKit) -> None:
    """For the student audience the answer column is empty and no solution text is anywhere
    in the file."""
    session = kit.session(("Quiz", CHALLENGES, QUIZ))
    data = write_quiz_csv(kit.request(session, audience=Audience.STUDENT))
    rows = rows_of(data)
    assert [row[3] for row in rows[1:]] == ["Which command lists files?", "Why plain text?"]
    assert [row[5] for row in rows[1:]] == ["", ""]
    assert b"changes the directory" not in data


# --8<-- [end:request_kit]


def test_answers_never_reach_students_even_from_a_tree_that_kept_them(kit: RequestKit) -> None:
    """A student request whose tree still holds solutions (built by hand, not by the core)
    gets no answers either: the writer checks the audience itself."""
    session = kit.session(("Quiz", CHALLENGES, QUIZ))
    teacher = kit.parsed(session, audience=Audience.INSTRUCTOR)
    request = kit.request(teacher, audience=Audience.STUDENT)
    (first, _) = quiz_rows(request)
    assert first.answer == ""
    assert b"changes the directory" not in write_quiz_csv(request)


def test_a_quiz_without_challenges_is_cut_at_headings(kit: RequestKit) -> None:
    """Plain `##` sections are the questions; nested lists are indented, code kept."""
    rows = quiz_rows(kit.request(kit.session(("Quiz", HEADINGS, QUIZ))))
    assert [(row.number, row.title) for row in rows] == [
        (1, "What is a pipe?"),
        (2, "Sorting numbers"),
    ]
    assert rows[0].question == "- it joins commands\n  - output to input\n- it is written |"
    assert rows[0].answer == "It sends one command's output to the next command's input."
    assert rows[1].question == "sort -n lengths.txt"


def test_merged_sessions_number_their_questions_each_from_one(kit: RequestKit) -> None:
    """A merged request holds every session's questions, in order, numbered per session;
    a session without a quiz adds no row."""
    one = kit.session(("Quiz", CHALLENGES, QUIZ), session_id="s1", title="One")
    two = kit.session(("Slides", "## Only slides", SLIDES), session_id="s2", title="Two")
    three = kit.session(("Quiz", HEADINGS, QUIZ), session_id="s3", title="Three")
    rows = quiz_rows(kit.request(one, two, three, title="Course"))
    assert [(row.session_id, row.session_title, row.number) for row in rows] == [
        ("s1", "One", 1),
        ("s1", "One", 2),
        ("s3", "Three", 1),
        ("s3", "Three", 2),
    ]


def test_no_questions_skips_the_export(kit: RequestKit) -> None:
    """Sessions without quiz questions raise NothingToExportError, which the core reports as
    a skipped export (it is a NotImplementedFormatError); a challenge in slides is no quiz."""
    session = kit.session(("Slides", CHALLENGES, SLIDES), ("Sheet", HEADINGS))
    with pytest.raises(NothingToExportError, match="no quiz questions in s1"):
        write_quiz_csv(kit.request(session))
    assert issubclass(NothingToExportError, NotImplementedFormatError)


def test_the_file_is_rfc_4180_utf8_with_a_byte_order_mark(kit: RequestKit) -> None:
    """A BOM, then CRLF after every row; a field with a comma, quote or line break is
    quoted, and the line break inside it is kept."""
    data = write_quiz_csv(kit.request(kit.session(("Quiz", CHALLENGES + "\nSee °C.", QUIZ))))
    assert data.startswith(codecs.BOM_UTF8 + b"session_id,session_title,question_number,")
    body = data.removeprefix(codecs.BOM_UTF8).decode("utf-8")
    assert body.endswith("\r\n")
    assert '"Pick one, then try it with the shell (https://example.org/shell).\n\n1. ls -F' in body
    assert '"Say why, in a sentence, ""briefly"", please."' in body
    records = body.split("\r\n")
    assert records[0] == ",".join(HEADER)
    assert len(rows_of(data)) == 3


def test_options_turn_off_the_mark_and_change_the_delimiter(kit: RequestKit) -> None:
    """`bom = false` and `delimiter = semicolon` give a file that starts with the header and
    splits on `;`, with commas left inside fields unquoted."""
    options = QuizCsvOptions(bom=False, delimiter="semicolon")
    data = write_quiz_csv(kit.request(kit.session(("Quiz", CHALLENGES, QUIZ)), options=options))
    assert data.startswith(b"session_id;session_title;")
    assert b"Say why, in a sentence, " in data
    assert rows_of(data, ";")[2][3] == "Why plain text?"
    tabbed = write_quiz_csv(
        kit.request(
            kit.session(("Quiz", CHALLENGES, QUIZ)), options=QuizCsvOptions(delimiter="tab")
        )
    )
    assert rows_of(tabbed, "\t")[1][3] == "Which command lists files?"


def test_text_a_spreadsheet_would_run_is_escaped_unless_turned_off(kit: RequestKit) -> None:
    """A title starting with `=` or `-` gets a leading `'` (CSV injection); with
    `escape_formulas = false` it is written as it is."""
    body = '## =HYPERLINK("http://evil")\n\nClick.\n\n## -1 or 1?\n\nWhich?'
    request = kit.request(kit.session(("Quiz", body, QUIZ)))
    titles = [row[3] for row in rows_of(write_quiz_csv(request))[1:]]
    assert titles == ['\'=HYPERLINK("http://evil")', "'-1 or 1?"]
    raw = kit.request(
        kit.session(("Quiz", body, QUIZ)), options=QuizCsvOptions(escape_formulas=False)
    )
    assert [row[3] for row in rows_of(write_quiz_csv(raw))[1:]] == [
        '=HYPERLINK("http://evil")',
        "-1 or 1?",
    ]


def test_the_format_is_registered_with_its_options(plugin_host) -> None:  # type: ignore[no-untyped-def]
    """The installed plugin registers quiz-csv (alias quizcsv) as mergeable text/csv with its
    options class, whose defaults are a BOM, commas and escaped formulas."""
    record = plugin_host.resolve_format("QuizCSV")
    assert (record.name, record.extension, record.media_type) == ("quiz-csv", ".csv", "text/csv")
    assert record.can_merge
    assert record.options is QuizCsvOptions
    assert QuizCsvOptions() == QuizCsvOptions(bom=True, delimiter=",", escape_formulas=True)
    with pytest.raises(ValueError, match="must be one of comma, semicolon or tab"):
        QuizCsvOptions(delimiter="|")
