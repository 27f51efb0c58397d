"""Tables and summaries the CLI prints (rich), kept apart from the commands themselves."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table

if TYPE_CHECKING:
    from curator_export.demo import DemoCourse
    from curator_export.model import BatchExportResult
    from curator_export.plugins import PluginInfo
    from curator_export.records import Format, NamingStrategy
    from curator_export.store import BatchRecord, ImportReport, SessionSummary

console = Console(highlight=False)

_STATUS_STYLE = {"loaded": "green", "blocked": "yellow", "disabled": "dim", "failed": "red"}


def print_plugins(
    infos: Sequence[PluginInfo],
    formats: Mapping[str, Format],
    strategies: Mapping[str, NamingStrategy],
) -> None:
    table = Table(
        title="curator-export plugins", title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False
    )
    for column in ("name", "distribution", "status"):
        table.add_column(column, no_wrap=True)
    table.add_column("formats / naming", min_width=10)
    table.add_column("hooks", overflow="fold")
    for info in infos:
        style = _STATUS_STYLE.get(str(info.status), "")
        table.add_row(
            info.name + ("" if info.builtin else " *"),
            info.provider if info.distribution else "-",
            f"[{style}]{info.status}[/]" if style else str(info.status),
            " ".join((*info.formats, *info.naming_strategies)),
            " ".join(hook.removeprefix("curator_export_") for hook in info.hooks),
        )
    console.print(table)
    if any(not info.builtin for info in infos):
        console.print("* third-party plugin")
    for info in infos:
        if info.error:
            console.print(f"[red]{escape(info.name)}[/]: {escape(info.error)}")
    if formats:
        console.print("\n[bold]Formats[/]")
        for name, record in formats.items():
            aliases = f" (also {', '.join(record.aliases)})" if record.aliases else ""
            text = escape(record.description + aliases)
            console.print(f"  {name:<12} {record.extension:<6} {text}")
    if strategies:
        console.print("\n[bold]Naming strategies[/]")
        for name, strategy in strategies.items():
            console.print(f"  {name:<12} {escape(strategy.description)}")


def print_sessions(summaries: Sequence[SessionSummary]) -> None:
    if not summaries:
        console.print("The store holds no sessions yet: run `curator-export import PATH`.")
        return
    courses = {summary.course_title or summary.course_id for summary in summaries}
    title = f"{len(summaries)} sessions"
    if len(courses) == 1 and None not in courses:
        title += f" of {courses.pop()}"
    table = Table(title=title, title_justify="left")
    table.add_column("id", no_wrap=True)  # ids are typed back in: never split them
    table.add_column("title", ratio=1)
    table.add_column("items", justify="right")
    table.add_column("content types", min_width=17)  # fits "instructor_notes,"
    for summary in summaries:
        table.add_row(
            summary.id,
            summary.title,
            str(summary.item_count),
            ", ".join(summary.content_types),
        )
    console.print(table)


def print_import_reports(reports: Sequence[ImportReport], store_path: Path) -> None:
    for report in reports:
        verdict = "imported" if report.changed else "unchanged, nothing to do"
        console.print(
            f"[bold]{report.source}[/] ({report.kind}, course {report.course_id}): {verdict}"
        )
        console.print(
            f"  sessions: {report.sessions_created} new, {report.sessions_updated} updated, "
            f"{report.sessions_unchanged} unchanged; items: {report.items_created} new, "
            f"{report.items_updated} updated, {report.items_unchanged} unchanged, "
            f"{report.items_removed} removed; assets: {report.assets_added} added"
        )
        for warning in report.warnings:
            console.print(f"  [yellow]warning:[/] {warning}")
    console.print(f"Store: {store_path}")


def print_demo(demo: DemoCourse) -> None:
    console.print(f"[bold]Demo course created in {demo.directory}[/]")
    print_sessions(demo.sessions)
    console.print(f"Store: {demo.store_path}")


def print_plan(rows: Sequence[Mapping[str, object]]) -> None:
    table = Table(title=f"{len(rows)} files would be written", title_justify="left")
    for column in ("job", "format", "sessions", "path", "action"):
        table.add_column(column, overflow="fold")
    for row in rows:
        sessions = row["session_ids"]
        assert isinstance(sessions, list)
        table.add_row(
            str(row["job_id"]),
            str(row["format"]),
            ", ".join(sessions),
            escape(str(row["path"])),
            str(row["action"]),
        )
    console.print(table)


def print_batch_result(result: BatchExportResult) -> None:
    table = Table(title="Batch summary", title_justify="left")
    for column in ("job", "status", "files", "unchanged", "skipped", "failed", "first problem"):
        table.add_column(column, overflow="fold")
    for job in result.job_results:
        skipped = sum(1 for export in job.exports if export.status == "skipped")
        failed = [export for export in job.exports if export.status in ("failed", "cancelled")]
        problem = job.error or next((f"{e.format}: {e.error}" for e in failed), "")
        if not problem and skipped:
            problem = next(w for e in job.exports for w in e.warnings)
        status = "[green]ok[/]" if job.success else "[red]failed[/]"
        table.add_row(
            job.job_id,
            status,
            str(job.files_created),
            str(job.files_unchanged),
            str(skipped),
            str(len(failed)),
            escape(problem),
        )
    console.print(table)
    made, unchanged = result.total_files_created, result.total_files_unchanged
    console.print(
        f"{made} {'file' if made == 1 else 'files'} written in {result.elapsed_time:.1f} s"
        + (f" ({unchanged} unchanged, kept)" if unchanged else "")
        + f"; {result.successful_jobs} of {result.total_jobs} jobs succeeded"
    )
    if result.manifest_path:
        console.print(f"Manifest: {escape(str(result.manifest_path))}")
    for archive in result.archive_paths:
        console.print(f"Archive: {escape(str(archive))}")


def print_history(records: Sequence[BatchRecord]) -> None:
    if not records:
        console.print("No batch has run against this store yet.")
        return
    table = Table(title="Batches, newest first", title_justify="left")
    for column in ("started", "batch", "user", "status", "jobs", "files", "seconds"):
        table.add_column(column, overflow="fold")
    for record in records:
        table.add_row(
            f"{record.started_at:%Y-%m-%d %H:%M:%S}",
            record.batch_id,
            record.user,
            record.status,
            ", ".join(record.jobs),
            str(record.files_created),
            f"{record.elapsed_seconds:.1f}",
        )
    console.print(table)


def print_demo_exports(result: BatchExportResult, store_path: Path) -> None:
    folders = sorted(
        {
            str(export.path.parent)
            for job in result.job_results
            for export in job.exports
            if export.path and export.status == "succeeded"
        }
    )
    for folder in folders:
        console.print(f"Files: {escape(folder)}")
    console.print(
        f"Next: `curator-export --store {escape(str(store_path))} sessions`, or export your "
        "own lessons with `curator-export import PATH` and `curator-export export`."
    )
