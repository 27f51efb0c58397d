"""The hooks of curator-export: this module is their reference manual.

A plugin is a module (or object) with functions marked ``@hookimpl`` whose names match the
specs below; it is found through an entry point in the group ``curator_export`` whose name is
the plugin's short name::

    # pyproject.toml of a plugin distribution
    [project.entry-points.curator_export]
    epub = "acme_epub"

Three kinds of hooks:

* **registration** hooks return a list of frozen records (``Format``, ``NamingStrategy``,
  ``ExecutorSpec``, template folders). The host collects them from every plugin, sorts them by
  name and refuses two plugins that claim the same name, naming both distributions.
* **broadcast** hooks are called on every plugin that implements them; their return values
  are ignored.
* **first result** hooks stop at the first plugin that returns something other than ``None``.

Plugin modules must stay cheap to import: heavy libraries (WeasyPrint, python-pptx, odfpy)
are imported inside the writer, never at module level, so ``curator-export --help`` and
``curator-export plugins`` stay fast.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from curator_export.model import (
        BatchExportJob,
        BatchExportResult,
        BatchProgress,
        Branding,
        ExportResult,
    )
    from curator_export.records import ExecutorSpec, Format, NamingStrategy

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
def curator_export_after_export(job: BatchExportJob, result: ExportResult) -> None:
    """Act on one finished output file (upload, audit, notify). *Broadcast hook.*

    Called in the parent process only once ``result.path`` is final and complete: never
    for a temporary file, and not for failed exports (``result.status`` tells).

    Example::

        @hookimpl
        def curator_export_after_export(job, result):
            audit_log.append((job.job_id, str(result.path), result.sha256))
    """


@hookspec
def curator_export_after_batch(result: BatchExportResult) -> None:
    """Act on a whole finished batch, after the manifest is final. *Broadcast hook.*

    Example::

        @hookimpl
        def curator_export_after_batch(result):
            notify(f"{result.total_files_created} files in {result.elapsed_time:.1f} s")
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
def curator_export_executors() -> Sequence[ExecutorSpec]:
    """Register executors that run batch tasks (a distributed engine). *Registration hook.*

    Example::

        @hookimpl
        def curator_export_executors():
            return [ExecutorSpec(name="dask", factory=make_dask_executor)]
    """
    raise NotImplementedError
