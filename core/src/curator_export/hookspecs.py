"""The hooks of curator-export: this module is their reference manual.

A plugin is a module (or object) with functions marked ``@hookimpl`` whose names match the
specs below; it is found through an entry point in the group ``curator_export`` whose name is
the plugin's short name::

    # pyproject.toml of a plugin distribution
    [project.entry-points.curator_export]
    epub = "acme_epub"

Three kinds of hooks:

* **registration** hooks return a list of frozen records (``Format``, ``NamingStrategy``,
  ``ExecutorSpec``, ``JobSettings``, template folders). The host collects them from every
  plugin, sorts them by name and refuses two plugins that claim the same name, naming both
  distributions.
* **broadcast** hooks are called on every plugin that implements them; one that raises is
  logged and the others still run. Their return values are ignored, except those of
  ``curator_export_after_export`` (annotations for the manifest).
* **first result** hooks stop at the first plugin that returns something other than ``None``.

Plugin modules must stay cheap to import: heavy libraries (WeasyPrint, python-pptx, odfpy)
are imported inside the writer, never at module level, so ``curator-export --help`` and
``curator-export plugins`` stay fast.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from curator_export.model import (
        BatchExportJob,
        BatchExportResult,
        BatchProgress,
        Branding,
        ExportResult,
    )
    from curator_export.records import ExecutorSpec, Format, JobSettings, NamingStrategy

PROJECT_NAME = "curator_export"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


@hookspec
def curator_export_formats() -> Sequence[Format]:
    """Register output formats. *Registration hook.*

    Return ``Format`` records. A format's ``name`` and ``aliases`` must be unique across all
    installed plugins; a clash stops loading with a message naming both distributions. The
    writer runs in a worker process and receives a ``RenderRequest``; it returns the file's
    bytes and imports its heavy libraries itself.

    Example::

        from curator_export import Format, hookimpl

        def write_txt(request):
            return "\\n\\n".join(
                item.item.body for s in request.sessions for item in s.items
            ).encode()

        @hookimpl
        def curator_export_formats():
            return [Format(name="txt", extension=".txt", media_type="text/plain",
                           writer=write_txt, aliases=("text",))]
    """
    raise NotImplementedError


@hookspec
def curator_export_naming_strategies() -> Sequence[NamingStrategy]:
    """Register naming strategies. *Registration hook.*

    Return ``NamingStrategy`` records. The strategy's function gets a naming context (job,
    sessions, format, batch timestamp, sequence number) and returns a relative path without
    extension; the core sanitizes and de-duplicates whatever it returns, so a strategy cannot
    escape the output directory.

    Example::

        from curator_export import NamingStrategy, hookimpl

        def by_job(ctx):
            return f"{ctx.job.job_id}/{ctx.session_id}"

        @hookimpl
        def curator_export_naming_strategies():
            return [NamingStrategy(name="by-job", description="job/session", function=by_job)]
    """
    raise NotImplementedError


@hookspec
def curator_export_progress(event: BatchProgress) -> None:
    """Receive every progress event of a batch. *Broadcast hook.*

    Called in the parent process, in order, for each ``BatchProgress`` event. Keep it quick:
    a slow sink slows the batch. An exception is logged and does not stop the batch.

    Example::

        @hookimpl
        def curator_export_progress(event):
            print(f"{event.completed_files}/{event.total_files}")
    """


@hookspec
def curator_export_after_export(
    job: BatchExportJob, result: ExportResult
) -> Mapping[str, Any] | None:
    """Act on one finished output file (upload, audit, notify). *Broadcast hook.*

    Called in the parent process, in plugin-name order, only once ``result.path`` is final
    and complete: never for a temporary file, never for failed, skipped or cancelled
    exports. ``result.status`` is ``succeeded`` (written by this batch) or ``unchanged``
    (kept from an earlier batch, which ``result.reused_from`` names; nothing was written):
    a hook for new files only checks it. ``result.companions`` are final too.

    Return ``None``, or a mapping of JSON data (strings, numbers, booleans, null, lists,
    mappings): the core keeps it in ``result.annotations`` under the plugin's name and
    writes it into the export's manifest entry (``"annotations": {"audit": {...}}``). A
    value that is not JSON data is logged and dropped. An annotation whose ``status`` is
    ``"failed"`` says the plugin's step failed for this file: the export stays
    ``succeeded`` (its file is complete and kept) and the job fails with the annotation's
    ``error`` (``upload failed for 2 files after export (first: ...)``), so the batch's
    exit code says so. The hook runs between files, so a slow one slows the batch.

    Example::

        @hookimpl
        def curator_export_after_export(job, result):
            audit_log.append((job.job_id, str(result.path), result.sha256))
            return {"audited": True, "entry": len(audit_log)}
    """


@hookspec
def curator_export_after_batch(result: BatchExportResult, jobs: Sequence[BatchExportJob]) -> None:
    """Act on a whole finished batch, after the manifest is final. *Broadcast hook.*

    ``result.manifest_path`` and ``result.archive_paths`` are written; ``jobs`` are the
    batch's jobs in the order of ``result.job_results``, with their output folders filled
    in (``{date}``) and their ``settings``. A hook that needs neither leaves ``jobs`` out.

    Example::

        @hookimpl
        def curator_export_after_batch(result, jobs):
            notify(f"{result.total_files_created} files of {len(jobs)} jobs"
                   f" in {result.elapsed_time:.1f} s")
    """


@hookspec(firstresult=True)
def curator_export_branding(job: BatchExportJob) -> Branding | None:
    """Supply an institution's default branding for a job. *First-result hook.*

    Used only when the job has no ``branding_options`` of its own; return ``None`` to pass.

    Example::

        @hookimpl
        def curator_export_branding(job):
            return Branding(institution_name="Acme University")
    """


@hookspec
def curator_export_template_dirs() -> Sequence[Path]:
    """Add template folders, searched before the built-in ones. *Registration hook.*

    Each folder holds theme folders (``<theme>/theme.json`` plus templates); a theme names its
    base theme, so an institution overrides one block instead of copying a theme.

    Example::

        @hookimpl
        def curator_export_template_dirs():
            return [Path(__file__).parent / "templates"]
    """
    raise NotImplementedError


@hookspec
def curator_export_job_settings() -> Sequence[JobSettings]:
    """Register a table of settings a job may carry for the plugin. *Registration hook.*

    Return ``JobSettings`` records: the table's ``name`` and an attrs ``options`` class.
    Jobs files then accept the table at the job level (``[jobs.NAME]`` or ``NAME = {...}``;
    camelCase keys in payloads), structured into the class and checked when the file is
    read, every problem with its place (``@ $.jobs[0].upload.url``). An unknown table is
    refused with "did you mean". Hooks read the instance from ``job.settings[NAME]``, absent
    when the job has no such table. String fields named in ``placeholder_fields`` get
    ``{date}``, ``{timestamp}`` and ``{job_id}`` filled in when the batch is planned, as the
    output folder does (hooks see the filled-in values). A name must be unique and not a
    job field (``formats``, ``title`` ...); a clash stops loading, naming both providers.

    Example::

        import attrs
        from curator_export import JobSettings, hookimpl

        @attrs.frozen
        class AuditSettings:
            log: str = attrs.field()  # required: no default
            level: int = attrs.field(default=1, validator=attrs.validators.ge(0))

        @hookimpl
        def curator_export_job_settings():
            return [JobSettings(name="audit", options=AuditSettings,
                                description="where the audit log of a job goes")]

        @hookimpl
        def curator_export_after_export(job, result):
            audit = job.settings.get("audit")
            if audit is not None:
                append_line(audit.log, f"{result.path} {result.sha256}")
    """
    raise NotImplementedError


@hookspec
def curator_export_executors() -> Sequence[ExecutorSpec]:
    """Register executors that run batch tasks (a distributed engine). *Registration hook.*

    Example::

        @hookimpl
        def curator_export_executors():
            return [ExecutorSpec(name="dask", factory=make_dask_executor)]
    """
    raise NotImplementedError
