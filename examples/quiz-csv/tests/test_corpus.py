"""The Carpentries lessons of the shared corpus: every challenge becomes one question, with its
solution for instructors only."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from curator_export.batch import BatchExportManager
from curator_export.document import Div, parse, walk
from curator_export.model import BatchExportJob, BatchExportOptions, ContentType, ExportStatus
from curator_export.store import SQLiteStore, import_path

LESSONS = ("shell-novice", "python-novice-inflammation")
ReadCsv = Callable[..., list[dict[str, str]]]


@pytest.fixture(params=LESSONS)
def lesson(
    request: pytest.FixtureRequest, corpus_dir: Path, tmp_path: Path
) -> Iterator[SQLiteStore]:
    """A store holding one lesson of the corpus (skipped with the reason when it is absent)."""
    with SQLiteStore(tmp_path / "lesson.db") as store:
        import_path(store, corpus_dir / "carpentries" / request.param)
        yield store


def challenges(store: SQLiteStore, ids: list[str]) -> dict[str, list[Div]]:
    """The top-level challenge boxes of each session's quiz items, read from the source."""
    found: dict[str, list[Div]] = {}
    for session in store.load_sessions(ids):
        found[session.id] = [
            block
            for item in session.items_of(ContentType.QUIZ)
            for block in parse(item.body).children
            if isinstance(block, Div) and block.kind == "challenge"
        ]
    return found


def test_every_challenge_is_one_row_and_students_get_no_solutions(
    lesson: SQLiteStore, tmp_path: Path, read_csv: ReadCsv
) -> None:
    """A merged export per audience: one row per challenge of the lesson, in order; for
    instructors a challenge with a solution has its answer, for students no row has one; no
    Markdown fence or div marker leaks into the text."""
    ids = [summary.id for summary in lesson.list_sessions()]
    boxes = challenges(lesson, ids)
    expected = [(session, n) for session in ids for n in range(1, len(boxes[session]) + 1)]
    assert len(expected) >= 20  # the lessons have dozens of challenges
    jobs = [
        BatchExportJob(
            job_id=audience,
            session_ids=ids,
            formats=["quiz-csv"],
            output_directory=tmp_path / audience,
            merge_sessions=True,
            audience=audience,
        )
        for audience in ("instructor", "student")
    ]
    result = BatchExportManager(lesson).execute_batch_export(
        jobs, BatchExportOptions(max_concurrent_jobs=2, create_manifest=False)
    )
    teacher, student = (job_result.exports[0] for job_result in result.job_results)
    assert teacher.status is student.status is ExportStatus.SUCCEEDED
    teacher_rows, student_rows = read_csv(teacher.path), read_csv(student.path)
    for rows in (teacher_rows, student_rows):
        assert [(row["session_id"], int(row["question_number"])) for row in rows] == expected
        assert all(row["question_title"] and row["question_text"] for row in rows)
        assert not any(
            ":::" in row["question_text"] or "```" in row["question_text"] for row in rows
        )
    with_solution = [
        any(isinstance(node, Div) and node.kind == "solution" for node in walk(box))
        for session in ids
        for box in boxes[session]
    ]
    assert [bool(row["answer_text"]) for row in teacher_rows] == with_solution
    assert {row["answer_text"] for row in student_rows} == {""}
    assert [row["question_text"] for row in student_rows] == [
        row["question_text"] for row in teacher_rows
    ]
