"""The four naming strategies, their placeholders and patterns, planned through the core namer."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from curator_export import NamingStrategy, hookimpl
from curator_export.convert import Converters
from curator_export.errors import ValidationError
from curator_export.filenames import MAX_PART_BYTES
from curator_export.model import BatchExportJob, NamingChoice, OnConflict
from curator_export.naming import NamingError, OutputNamer, PlannedName, check_pattern

BATCH_TIME = datetime(2026, 11, 29, 14, 30, 5)


@attrs.frozen
class Ref:
    id: str
    title: str
    course_title: str | None = None


INTRO = Ref("session_123", "Introduction to Programming", "CS 101")
LOOPS = Ref("session_124", "Loops & Lists: Doing Things Again", "CS 101")


def job(
    tmp_path: Path, strategy: str = "session", pattern: str | None = None, **changes
) -> BatchExportJob:
    fields = {
        "job_id": "weekly",
        "session_ids": ["session_123"],
        "formats": ["html"],
        "output_directory": tmp_path / "out",
        "naming_strategy": NamingChoice(strategy, pattern),
    }
    fields.update(changes)
    return BatchExportJob(**fields)


@pytest.fixture
def namer_for(plugin_host):
    def make(total: int = 1, on_conflict: OnConflict = OnConflict.RENAME) -> OutputNamer:
        return OutputNamer(
            plugin_host.naming_strategies(),
            batch_time=BATCH_TIME,
            total_outputs=total,
            on_conflict=on_conflict,
        )

    return make


def relative(planned: PlannedName) -> str:
    return planned.relative_path


def test_session_strategy_uses_the_session_id(plugin_host, namer_for, tmp_path):
    """`session` names a file after its session id, as in the seed (session_123.html)."""
    namer = namer_for(2)
    html = plugin_host.resolve_format("html")
    pptx = plugin_host.resolve_format("PowerPoint")
    assert relative(namer.name(job(tmp_path), [INTRO], html)) == "session_123.html"
    assert relative(namer.name(job(tmp_path), [INTRO], pptx)) == "session_123.pptx"


def test_session_strategy_uses_the_job_id_when_merged(plugin_host, namer_for, tmp_path):
    """A merged job is named after the job."""
    merged = job(tmp_path, merge_sessions=True, session_ids=["session_123", "session_124"])
    planned = namer_for().name(merged, [INTRO, LOOPS], plugin_host.resolve_format("pdf"))
    assert relative(planned) == "weekly.pdf"


def test_content_strategy_uses_the_title_with_underscores(plugin_host, namer_for, tmp_path):
    """`content` gives Introduction_to_Programming.html; a title with : and & stays readable."""
    namer = namer_for(2)
    html = plugin_host.resolve_format("html")
    assert relative(namer.name(job(tmp_path, "content"), [INTRO], html)) == (
        "Introduction_to_Programming.html"
    )
    assert relative(namer.name(job(tmp_path, "content"), [LOOPS], html)) == (
        "Loops_&_Lists_Doing_Things_Again.html"
    )


def test_content_strategy_for_merged_jobs(plugin_host, namer_for, tmp_path):
    """A merged job is named after the job title, else the shared course, else the first session."""
    html = plugin_host.resolve_format("html")
    both = [INTRO, LOOPS]
    titled = job(tmp_path, "content", merge_sessions=True, title="Week 1 Pack")
    assert relative(namer_for().name(titled, both, html)) == "Week_1_Pack.html"
    untitled = job(tmp_path / "b", "content", merge_sessions=True)
    assert relative(namer_for().name(untitled, both, html)) == "CS_101.html"
    mixed = [INTRO, Ref("x", "Other Course Session", "Other")]
    assert relative(
        namer_for().name(job(tmp_path / "c", "content", merge_sessions=True), mixed, html)
    ) == ("Introduction_to_Programming.html")


def test_sequential_strategy_numbers_in_plan_order(plugin_host, namer_for, tmp_path):
    """`sequential` gives export_{timestamp}_{seq}, with one timestamp for the whole batch."""
    namer = namer_for(3)
    html = plugin_host.resolve_format("html")
    names = [
        relative(namer.name(job(tmp_path, "sequential"), [ref], html))
        for ref in (INTRO, LOOPS, INTRO)
    ]
    assert names == [
        "export_20261129_143005_001.html",
        "export_20261129_143005_002.html",
        "export_20261129_143005_003.html",
    ]


def test_sequence_width_grows_with_the_batch(plugin_host, namer_for, tmp_path):
    """A batch of 1,500 outputs numbers them 0001 ... 1500."""
    namer = namer_for(1500)
    planned = namer.name(job(tmp_path, "sequential"), [INTRO], plugin_host.resolve_format("md"))
    assert relative(planned) == "export_20261129_143005_0001.md"


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("{job_id}", "weekly.html"),
        ("{timestamp}", "20261129_143005.html"),
        ("{format}", "html.html"),
        ("{title}", "Introduction_to_Programming.html"),
        ("{session_id}", "session_123.html"),
        ("{date}", "20261129.html"),
        ("{seq}", "001.html"),
        ("{title}.{ext}", "Introduction_to_Programming.html"),
        ("complete_course_{timestamp}", "complete_course_20261129_143005.html"),
        ("{session_id}/{format}/{title}", "session_123/html/Introduction_to_Programming.html"),
        ("Week 1/{title} ({format})", "Week 1/Introduction_to_Programming (html).html"),
        ("{{literal}} {job_id}", "{literal} weekly.html"),
    ],
)
def test_custom_placeholders(plugin_host, namer_for, tmp_path, pattern, expected):
    """Every placeholder of a custom pattern is filled in, and '/' makes sub-folders."""
    assert check_pattern(pattern) == []
    planned = namer_for().name(
        job(tmp_path, "custom", pattern), [INTRO], plugin_host.resolve_format("html")
    )
    assert relative(planned) == expected
    assert planned.path == (tmp_path / "out" / expected).absolute()


def test_placeholder_values_cannot_make_folders(plugin_host, namer_for, tmp_path):
    """A title with '/' or '..' stays one file name: only the pattern's own '/' make folders."""
    sneaky = Ref("s9", "../../etc/passwd", None)
    planned = namer_for().name(
        job(tmp_path, "custom", "{title}"), [sneaky], plugin_host.resolve_format("md")
    )
    assert "/" not in relative(planned)
    assert planned.path.parent == (tmp_path / "out").absolute()


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("{titel}", "unknown placeholder {titel} (did you mean {title}?)"),
        ("{title", "unbalanced braces"),
        ("title}", "unbalanced braces"),
        ("{title.__class__}", "{title.__class__}: attribute and index access"),
        ("{job_id[0]}", "{job_id[0]}: attribute and index access"),
        ("{job_id!r}", "{job_id!r}: conversions like !r"),
        ("{title:>999}", "{title:>999}: format specs like :>999"),
        ("/abs/{title}", "absolute path"),
        ("C:/x/{title}", "absolute path"),
        ("../{title}", "'..' would leave the output directory"),
        ("a/../../{title}", "'..' would leave the output directory"),
        ("{}", "empty placeholder"),
        ("", "empty"),
        ("a\\{title}", "use '/'"),
    ],
)
def test_bad_patterns_are_refused_naming_the_part(pattern, message):
    """Each kind of bad pattern is refused, naming what is wrong."""
    problems = check_pattern(pattern)
    assert any(message in problem for problem in problems), problems


def test_bad_pattern_fails_in_the_jobs_file_with_its_location(plugin_host):
    """A bad pattern in a jobs file is a validation error at the job's naming_strategy."""
    converters = Converters(plugin_host)
    with pytest.raises(ValidationError) as raised:
        converters.jobs_file(
            {
                "jobs": [
                    {
                        "job_id": "j",
                        "session_ids": ["s"],
                        "formats": ["html"],
                        "output_directory": "out",
                        "naming_strategy": {"custom": "{titel}_{job_id!r}"},
                    }
                ]
            }
        )
    (error,) = raised.value.errors
    assert "unknown placeholder {titel}" in error
    assert "conversions like !r" in error
    assert error.endswith("@ $.jobs[0].naming_strategy")


def test_same_names_in_one_batch_get_numbered(plugin_host, namer_for, tmp_path):
    """Two sessions with the same title get Title.html and Title-2.html, in plan order."""
    namer = namer_for(3)
    html = plugin_host.resolve_format("html")
    twins = [Ref("a", "Intro"), Ref("b", "intro"), Ref("c", "INTRO")]
    assert [relative(namer.name(job(tmp_path, "content"), [t], html)) for t in twins] == [
        "Intro.html",
        "intro-2.html",
        "INTRO-3.html",
    ]


def test_jobs_sharing_a_folder_share_the_namespace(plugin_host, namer_for, tmp_path):
    """Two jobs writing to one folder never get the same path; different folders do not clash."""
    namer = namer_for(3)
    md = plugin_host.resolve_format("markdown")
    first = namer.name(job(tmp_path, job_id="a"), [INTRO], md)
    second = namer.name(job(tmp_path, job_id="b"), [INTRO], md)
    elsewhere = namer.name(
        job(tmp_path, job_id="c", output_directory=tmp_path / "other"), [INTRO], md
    )
    assert (relative(first), relative(second), relative(elsewhere)) == (
        "session_123.md",
        "session_123-2.md",
        "session_123.md",
    )


@pytest.mark.parametrize(
    ("policy", "expected", "action"),
    [
        (OnConflict.RENAME, "session_123-2.html", None),
        (OnConflict.OVERWRITE, "session_123.html", OnConflict.OVERWRITE),
        (OnConflict.SKIP, "session_123.html", OnConflict.SKIP),
        (OnConflict.ERROR, "session_123.html", OnConflict.ERROR),
    ],
)
def test_existing_files_follow_the_conflict_policy(
    plugin_host, namer_for, tmp_path, policy, expected, action
):
    """An existing file is renamed around by default, and never silently replaced."""
    existing = tmp_path / "out" / "session_123.html"
    existing.parent.mkdir()
    existing.write_text("keep me")
    planned = namer_for(on_conflict=policy).name(
        job(tmp_path), [INTRO], plugin_host.resolve_format("html")
    )
    assert relative(planned) == expected
    assert planned.action is action
    renamed = "session_123.html" if policy is OnConflict.RENAME else None
    assert planned.renamed_from == renamed
    assert existing.read_text() == "keep me"


def test_symlinked_sub_folder_out_of_the_output_directory_is_refused(
    plugin_host, namer_for, tmp_path
):
    """A pattern folder that is a symlink pointing outside the output directory is refused."""
    (tmp_path / "out").mkdir()
    (tmp_path / "elsewhere").mkdir()
    os.symlink(tmp_path / "elsewhere", tmp_path / "out" / "html")
    with pytest.raises(NamingError, match="outside the output directory"):
        namer_for().name(
            job(tmp_path, "custom", "{format}/{title}"), [INTRO], plugin_host.resolve_format("html")
        )


def test_third_party_strategy_is_usable_by_name_and_sanitized(
    plugin_host, register_plugin, tmp_path
):
    """A strategy registered through the hook works from a jobs file and is made safe by core."""

    class ByCourse:
        @hookimpl
        def curator_export_naming_strategies(self):
            return [
                NamingStrategy(
                    name="by-course",
                    description="course/session, unsafe on purpose",
                    function=lambda context: (
                        f"../{context.sessions[0].course_title}/CON: {context.title}?"
                    ),
                )
            ]

    register_plugin(ByCourse)
    jobs = Converters(plugin_host).jobs_file(
        {
            "jobs": [
                {
                    "job_id": "j",
                    "session_ids": ["session_123"],
                    "formats": ["html"],
                    "output_directory": str(tmp_path / "out"),
                    "naming_strategy": "By-Course",
                }
            ]
        }
    )
    (only,) = jobs.jobs
    assert only.naming_strategy == NamingChoice("by-course")
    namer = OutputNamer(plugin_host.naming_strategies(), batch_time=BATCH_TIME, total_outputs=1)
    planned = namer.name(only, [INTRO], plugin_host.resolve_format("html"))
    assert relative(planned) == "CS 101/CON_Introduction to Programming.html"


def test_strategy_that_raises_names_the_job(bare_plugin_host, tmp_path):
    """A failing strategy is reported with the job and the strategy's name."""

    class Broken:
        @hookimpl
        def curator_export_naming_strategies(self):
            return [NamingStrategy(name="broken", function=lambda context: 1 / 0)]

    bare_plugin_host.register(Broken(), "broken")
    from curator_export.testing import text_format

    namer = OutputNamer(
        bare_plugin_host.naming_strategies(), batch_time=BATCH_TIME, total_outputs=1
    )
    with pytest.raises(
        NamingError, match="job 'weekly': naming strategy 'broken' failed: ZeroDivisionError"
    ):
        namer.name(job(tmp_path, "broken"), [INTRO], text_format("txt"))


def test_plugins_command_describes_each_strategy(run_cli):
    """`curator-export plugins` lists the four strategies, each with a description."""
    result = run_cli("plugins", env={"COLUMNS": "120"})
    assert result.returncode == 0, result.stderr
    section = result.stdout.split("Naming strategies", 1)[1]
    for strategy in ("session", "content", "sequential", "custom"):
        line = next(line for line in section.splitlines() if line.strip().startswith(strategy))
        assert len(line.split()) > 3, line


SAFE_PATTERN_PARTS = st.lists(
    st.one_of(
        st.sampled_from(
            ["{job_id}", "{title}", "{format}", "{session_id}", "{seq}", "{date}", "/"]
        ),
        st.text(alphabet=st.characters(blacklist_characters="{}/\\"), max_size=12),
    ),
    min_size=1,
    max_size=8,
)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=150)
@given(title=st.text(max_size=300), parts=SAFE_PATTERN_PARTS)
def test_any_title_and_valid_pattern_give_a_safe_name(plugin_host, tmp_path, title, parts):
    """For any title and valid pattern the name is non-empty, bounded and inside the folder."""
    pattern = "".join(parts)
    if check_pattern(pattern):
        return  # an invalid pattern never reaches the namer
    namer = OutputNamer(plugin_host.naming_strategies(), batch_time=BATCH_TIME, total_outputs=1)
    planned = namer.name(
        job(tmp_path, "custom", pattern), [Ref("s-1", title)], plugin_host.resolve_format("pdf")
    )
    folder = (tmp_path / "out").absolute()
    assert planned.path.is_relative_to(folder)
    assert os.path.normpath(planned.path) == str(planned.path)
    name_part = planned.path.name
    assert name_part.endswith(".pdf")
    assert name_part != ".pdf"
    assert all(len(part.encode()) <= MAX_PART_BYTES for part in planned.relative_path.split("/"))
