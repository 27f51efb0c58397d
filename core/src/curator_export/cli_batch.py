"""The batch commands of ``curator-export``: export, run, plan, history.

Interrupts: the first Ctrl-C (or SIGTERM) cancels the batch cleanly (no new task, running ones
stopped, temporary files removed, the manifest marked interrupted) and exits 130 (143); a
second Ctrl-C exits at once.
"""

from __future__ import annotations

import json
import signal
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from curator_export.cli import App, _fail_cleanly, cli, pass_app
from curator_export.errors import CuratorExportError, ValidationError

if TYPE_CHECKING:
    from curator_export.batch import BatchExportManager
    from curator_export.model import BatchExportJob, BatchExportOptions, BatchExportResult
    from curator_export.naming import PlannedName
    from curator_export.planning import BatchPlan

EXIT_FAILED = 1
EXIT_INVALID = 2
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143


def _option_flags(func: Callable[..., Any]) -> Callable[..., Any]:
    """The batch options shared by `export` and `run` (for `run` they override the file)."""
    flags = [
        click.option(
            "--jobs",
            "max_concurrent_jobs",
            type=click.IntRange(min=1),
            help="Worker processes (default 4).",
        ),
        click.option("--serial", is_flag=True, default=None, help="Run in this process, in order."),
        click.option(
            "--executor",
            metavar="NAME",
            help="What runs the tasks: process (the default pool), serial, or a plugin's (dask).",
        ),
        click.option(
            "--scheduler",
            metavar="ADDRESS",
            help="The scheduler of a distributed executor (tcp://10.0.0.5:8786); without it"
            " --executor dask starts a local cluster.",
        ),
        click.option("--fail-fast", is_flag=True, default=None, help="Stop at the first failure."),
        click.option(
            "--zip", "compress_output", is_flag=True, default=None, help="One <job_id>.zip per job."
        ),
        click.option("--no-manifest", is_flag=True, default=None, help="Write no manifest."),
        click.option(
            "--on-conflict",
            type=click.Choice(["rename", "overwrite", "skip", "error"]),
            help="What to do with files already there (default rename).",
        ),
        click.option(
            "--template-dir",
            "template_dirs",
            multiple=True,
            type=click.Path(exists=True, file_okay=False, path_type=Path),
            help="A folder of themes, searched before the installed ones (repeatable).",
        ),
        click.option(
            "--force",
            is_flag=True,
            default=None,
            help="Render every file again, even those unchanged since the run that made them.",
        ),
        click.option(
            "--upload",
            metavar="URL",
            help="Copy finished files to this fsspec URL (s3://bucket/prefix, sftp://host/dir,"
            " a path) for jobs without an upload table; needs curator-export-upload.",
        ),
        click.option(
            "--progress",
            type=click.Choice(["bar", "jsonl", "none"]),
            help="Progress bar, JSON lines on stderr, or nothing (default: bar on a terminal).",
        ),
    ]
    for flag in reversed(flags):
        func = flag(func)
    return func


def _options(base: BatchExportOptions, flags: dict[str, Any]) -> BatchExportOptions:
    from curator_export.model import OnConflict

    changes: dict[str, Any] = {}
    if flags.get("max_concurrent_jobs"):
        changes["max_concurrent_jobs"] = flags["max_concurrent_jobs"]
    if flags.get("serial"):
        changes["parallel_exports"] = False
    if flags.get("fail_fast"):
        changes["continue_on_error"] = False
    if flags.get("compress_output"):
        changes["compress_output"] = True
    if flags.get("no_manifest"):
        changes["create_manifest"] = False
    if flags.get("on_conflict"):
        changes["on_conflict"] = OnConflict(flags["on_conflict"])
    if flags.get("force"):
        changes["force"] = True
    if flags.get("template_dirs"):
        changes["template_dirs"] = (*flags["template_dirs"], *base.template_dirs)
    import attrs

    return attrs.evolve(base, **changes)


def _with_upload(
    app: App, jobs: Sequence[BatchExportJob], flags: dict[str, Any]
) -> list[BatchExportJob]:
    """``jobs``, those without an ``upload`` table given ``--upload URL`` as theirs."""
    if not flags.get("upload"):
        return list(jobs)
    from curator_export.convert import Converters

    return Converters(app.host).with_settings(
        jobs, "upload", {"url": flags["upload"]}, where="--upload"
    )


@cli.command("export")
@click.option(
    "-s", "--session", "sessions", multiple=True, help="Session id (repeat or comma-separate)."
)
@click.option("--all", "all_sessions", is_flag=True, help="Every session in the store.")
@click.option(
    "-f",
    "--format",
    "formats",
    multiple=True,
    required=True,
    help="Format (repeat or comma-separate).",
)
@click.option(
    "-o",
    "--output",
    "output",
    required=True,
    type=click.Path(path_type=Path),
    help="Output folder.",
)
@click.option(
    "--job-id", default="export", show_default=True, help="The job's id (manifest, archive name)."
)
@click.option("--naming", default=None, help="session, content, sequential, custom or a plugin's.")
@click.option(
    "--pattern", default=None, help="The pattern of --naming custom, e.g. '{session_id}/{title}'."
)
@click.option("--merge", is_flag=True, help="One file per format for all sessions.")
@click.option("--title", default=None, help="Title of a merged export.")
@click.option("--template", default=None, help="Template (theme) name.")
@click.option(
    "--brand",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Branding file: TOML, JSON or a Quarto _brand.yml.",
)
@click.option("--no-metadata", is_flag=True, help="Leave generator, time and ids out of the files.")
@click.option("--types", default=None, help="Content types to include, comma-separated.")
@click.option("--audience", type=click.Choice(["student", "instructor"]), default=None)
@click.option(
    "-O",
    "--format-option",
    "format_options",
    multiple=True,
    metavar="FORMAT.NAME=VALUE",
    help="A format's own setting, e.g. pdf.page_size=letter or pdf.tagged=false (repeatable).",
)
@_option_flags
@pass_app
@_fail_cleanly
def export_command(app: App, /, **params: Any) -> None:
    """Export sessions into formats: one job from the command line."""
    from curator_export.convert import Converters
    from curator_export.model import BatchExportJob, BatchExportOptions

    with app.store() as store:
        sessions = _split(params["sessions"])
        if params["all_sessions"]:
            sessions = store.session_ids()
        if not sessions:
            raise click.UsageError("name sessions with -s ID (repeatable) or use --all")
        job: dict[str, Any] = {
            "job_id": params["job_id"],
            "session_ids": sessions,
            "formats": _split(params["formats"]),
            "output_directory": str(params["output"]),
            "merge_sessions": params["merge"],
            "include_metadata": not params["no_metadata"],
        }
        if params["naming"] or params["pattern"]:
            name = params["naming"] or "custom"
            job["naming_strategy"] = {name: params["pattern"]} if params["pattern"] else name
        for key, field in (
            ("template", "template_name"),
            ("title", "title"),
            ("audience", "audience"),
        ):
            if params[key]:
                job[field] = params[key]
        if params["types"]:
            job["content_types"] = params["types"]
        if params["format_options"]:
            job["format_options"] = _format_options(params["format_options"])
        converters = Converters(app.host)
        jobs = [converters.structure(job, BatchExportJob)]
        if params["brand"]:
            import attrs

            from curator_export.branding import load_brand_file
            from curator_export.errors import BrandingError

            try:
                branding = load_brand_file(params["brand"])
            except BrandingError as exc:  # bad input, like a bad option value: exit 2
                raise click.BadParameter(str(exc), param_hint="--brand") from exc
            jobs = [attrs.evolve(jobs[0], branding_options=branding)]
        options = _options(BatchExportOptions(), params)
        jobs = _with_upload(app, jobs, params)
        execute(app, store, jobs, options, params["progress"], executor=executor_args(app, params))


def _format_options(settings: Sequence[str]) -> dict[str, dict[str, Any]]:
    """``pdf.page_size=letter`` settings as ``{"pdf": {"page_size": "letter"}}``; a value is
    read as TOML when it is one (``false``, ``2``, ``"x"``) and as a plain string otherwise."""
    import tomllib

    options: dict[str, dict[str, Any]] = {}
    for setting in settings:
        key, equals, text = setting.partition("=")
        format_name, dot, name = key.strip().partition(".")
        if not (equals and dot and format_name and name):
            raise click.BadParameter(
                f"{setting!r} is not FORMAT.NAME=VALUE (e.g. pdf.page_size=letter)",
                param_hint="--format-option",
            )
        try:
            value: Any = tomllib.loads(f"value = {text.strip()}")["value"]
        except tomllib.TOMLDecodeError:
            value = text.strip()
        options.setdefault(format_name, {})[name.strip()] = value
    return options


@cli.command("run")
@click.argument("jobs_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_option_flags
@pass_app
@_fail_cleanly
def run_command(app: App, /, jobs_file: Path, **params: Any) -> None:
    """Run the jobs of a TOML or JSON jobs file; flags override its [options]."""
    from curator_export.convert import Converters

    parsed = Converters(app.host).read_jobs_file(jobs_file)
    jobs = _with_upload(app, parsed.jobs, params)
    options = _options(parsed.options, params)
    executor = executor_args(app, params)
    with app.store() as store:
        execute(app, store, jobs, options, params["progress"], executor=executor)


@cli.command("plan")
@click.argument("jobs_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON.")
@pass_app
@_fail_cleanly
def plan_command(app: App, jobs_file: Path, as_json: bool) -> None:
    """Show every file a jobs file would write, or every validation error; writes nothing."""
    from curator_export.batch import BatchExportManager
    from curator_export.convert import Converters

    parsed = Converters(app.host).read_jobs_file(jobs_file)
    with app.store() as store:
        plan = BatchExportManager(store, host=app.host).plan(list(parsed.jobs), parsed.options)
    if plan.invalid_jobs:
        raise ValidationError(
            [
                f"job {job}: {problem}"
                for job, found in plan.invalid_jobs.items()
                for problem in found
            ],
            str(jobs_file),
        )
    rows = plan_rows(plan)
    if as_json:
        click.echo(json.dumps({"batch_id": plan.batch_id, "files": rows}, indent=2))
        return
    from curator_export import views

    views.print_plan(rows)


@cli.command("history")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(min=1))
@click.option("--json", "as_json", is_flag=True, help="Print the history as JSON.")
@pass_app
@_fail_cleanly
def history_command(app: App, limit: int, as_json: bool) -> None:
    """List the batches run against the store, newest first."""
    if not app.store_path.exists():
        raise CuratorExportError(f"no session store at {app.store_path}")
    with app.store() as store:
        records = store.batch_history(limit)
    if as_json:
        from curator_export.convert import unstructure

        click.echo(json.dumps(unstructure(records), indent=2, default=str))
        return
    from curator_export import views

    views.print_history(records)


_SETTLED_ACTIONS = {"skipped": "skip", "unchanged": "unchanged (kept)"}


def plan_rows(plan: BatchPlan) -> list[dict[str, Any]]:
    """Every file of a plan with what will happen to it, as ``plan`` prints them."""
    rows = [
        {
            "job_id": task.job.job_id,
            "format": export.format.name,
            "session_ids": list(task.session_ids),
            "path": str(export.name.path),
            "action": _action(export.name),
        }
        for task in plan.tasks
        for export in task.exports
    ]
    return rows + [
        {
            "job_id": result.job_id,
            "format": result.format,
            "session_ids": list(result.session_ids),
            "path": str(result.path),
            "action": _SETTLED_ACTIONS.get(result.status, "error: exists"),
        }
        for result in plan.settled
    ]


def _action(name: PlannedName) -> str:
    if name.previous is not None and name.action is not None:
        return f"{name.action} (an earlier run's output, inputs changed)"
    if name.action is not None:
        return str(name.action)
    if name.renamed_from is not None:
        return f"write (renamed: {name.renamed_from} exists)"
    return "write"


def _split(values: Sequence[str]) -> list[str]:
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def execute(
    app: App,
    store: Any,
    jobs: list[BatchExportJob],
    options: BatchExportOptions,
    progress: str | None,
    *,
    executor: Mapping[str, Any] | None = None,
    after: Callable[[BatchExportResult], None] | None = None,
) -> None:
    """Run a batch with a progress display and clean interrupts; exit with its status code.

    ``executor``: ``BatchExportManager``'s executor arguments (``executor_args``); none
    runs with the default pool."""
    from curator_export import views
    from curator_export.batch import BatchExportManager

    manager = BatchExportManager(store, host=app.host, **(executor or {}))
    with _progress_display(manager, progress), _interrupts(manager) as interrupted:
        result = manager.execute_batch_export(jobs, options)
    views.print_batch_result(result)
    if after is not None:
        after(result)
    if interrupted:
        sys.exit(interrupted[0])
    if code := exit_code(result):
        sys.exit(code)


def executor_args(app: App, flags: Mapping[str, Any]) -> dict[str, Any]:
    """``BatchExportManager``'s executor arguments from ``--executor`` and ``--scheduler``.

    An executor nothing provides, or flags that contradict each other, are usage errors
    (exit 2), raised before anything is planned.
    """
    name = flags.get("executor")
    options = {"scheduler": flags["scheduler"]} if flags.get("scheduler") else {}
    if options and name is None:
        raise click.UsageError("--scheduler needs --executor NAME (the executor it is for: dask)")
    if name is None:
        return {}
    if flags.get("serial") and name != "serial":
        raise click.UsageError(f"--serial and --executor {name} contradict each other")
    from curator_export.batch import check_executor
    from curator_export.errors import UnknownNameError

    try:
        check_executor(app.host, name, options)
    except UnknownNameError as exc:
        raise click.BadParameter(str(exc), param_hint="--executor") from exc
    return {"executor": name, "executor_options": options}


def exit_code(result: BatchExportResult) -> int:
    """0 when every job succeeded, 2 when none could even start (every job failed
    validation), else 1 when an export failed."""
    if result.job_results and all(job.error and not job.exports for job in result.job_results):
        return EXIT_INVALID
    return EXIT_FAILED if result.failed_jobs else 0


@contextmanager
def _progress_display(manager: BatchExportManager, choice: str | None) -> Iterator[None]:
    from curator_export.progress import JsonLinesSink, RichProgressSink

    choice = choice or ("bar" if sys.stderr.isatty() else "none")
    if choice == "jsonl":
        manager.with_progress_tracking(JsonLinesSink(sys.stderr))
        yield
    elif choice == "bar":
        bar = RichProgressSink()
        manager.with_progress_tracking(bar)
        try:
            yield
        finally:
            bar.close()
    else:
        yield


@contextmanager
def _interrupts(manager: BatchExportManager) -> Iterator[list[int]]:
    """Turn the first SIGINT/SIGTERM into a clean cancel; a second SIGINT exits at once."""
    exit_codes: list[int] = []

    def handle(signum: int, frame: object) -> None:
        if exit_codes and signum == signal.SIGINT:
            raise KeyboardInterrupt
        code = EXIT_INTERRUPTED if signum == signal.SIGINT else EXIT_TERMINATED
        if not exit_codes:
            exit_codes.append(code)
            click.echo(
                "\nstopping: finishing cleanly (press Ctrl-C again to quit at once)", err=True
            )
        manager.cancel("interrupted" if signum == signal.SIGINT else "terminated")

    previous = {sig: signal.signal(sig, handle) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield exit_codes
    except KeyboardInterrupt:
        sys.exit(EXIT_INTERRUPTED)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


from curator_export import cli_schedule  # noqa: E402, F401  (registers `schedule`)
