"""The ``curator-export`` command.

Kept thin: each command parses its options and calls the library. Heavy modules (rich, the
store, the importers, the plugin host) are imported inside the commands so that ``--help``
stays fast: it imports click, this module, ``errors`` and ``cli_batch`` and nothing else of
ours (``--version`` reads the version when asked).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from curator_export.errors import CuratorExportError, ImportValidationError, ValidationError

if TYPE_CHECKING:
    from curator_export.plugins import PluginHost
    from curator_export.store import SQLiteStore

STORE_ENV = "CURATOR_EXPORT_STORE"
DEFAULT_STORE = "curator.db"

F = TypeVar("F", bound=Callable[..., Any])


class App:
    """What every command shares: where the store is and which plugins may load."""

    def __init__(self, store_path: Path, no_plugins: bool) -> None:
        self.store_path = store_path
        self.no_plugins = no_plugins
        self._host: PluginHost | None = None

    @property
    def host(self) -> PluginHost:
        if self._host is None:
            from curator_export.plugins import PluginHost, PluginPolicy

            self._host = PluginHost(PluginPolicy.from_env(no_plugins=self.no_plugins))
        return self._host

    @contextmanager
    def store(self) -> Iterator[SQLiteStore]:
        from curator_export.store import SQLiteStore

        with SQLiteStore(self.store_path) as store:
            yield store


pass_app = click.make_pass_decorator(App)


def _fail_cleanly(func: F) -> F:
    """Show our own errors as a message and an exit code, not a traceback."""
    import functools

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except (ValidationError, ImportValidationError) as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(2)
        except CuratorExportError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(1)

    return wrapper  # type: ignore[return-value]


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(
    None, "-V", "--version", package_name="curator-export", prog_name="curator-export"
)
@click.option(
    "--store",
    "store_path",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar=STORE_ENV,
    default=DEFAULT_STORE,
    show_default=True,
    help=f"The SQLite session store (also ${STORE_ENV}).",
)
@click.option("--no-plugins", is_flag=True, help="Load only the built-in plugins.")
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.option("--log-json", is_flag=True, help="Log as JSON lines on stderr.")
@click.pass_context
def cli(
    ctx: click.Context, store_path: Path, no_plugins: bool, verbose: int, log_json: bool
) -> None:
    """Batch-export course sessions into HTML, PDF, PowerPoint, Markdown and OpenDocument.

    Start with `curator-export demo`, or import your own content with
    `curator-export import PATH` and list it with `curator-export sessions`.
    """
    from curator_export import logging

    logging.configure(verbose, json=log_json)
    ctx.obj = App(store_path, no_plugins)


@cli.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the import reports as JSON.")
@pass_app
@_fail_cleanly
def import_command(app: App, paths: tuple[Path, ...], as_json: bool) -> None:
    """Import a Carpentries lesson or a folder of Markdown files into the store.

    Importing the same source again changes nothing; changed files update their items.
    """
    from curator_export.store import import_path

    with app.store() as store:
        reports = [import_path(store, path) for path in paths]
    if as_json:
        from curator_export.convert import unstructure

        click.echo(json.dumps([unstructure(report) for report in reports], indent=2))
        return
    from curator_export import views

    views.print_import_reports(reports, app.store_path)


@cli.command("sessions")
@click.option("--json", "as_json", is_flag=True, help="Print the sessions as JSON.")
@pass_app
@_fail_cleanly
def sessions_command(app: App, as_json: bool) -> None:
    """List the sessions in the store: id, title, items and content types."""
    if not app.store_path.exists():
        raise CuratorExportError(
            f"no session store at {app.store_path}; run `curator-export import PATH` "
            "or `curator-export demo` first"
        )
    with app.store() as store:
        summaries = store.list_sessions()
    if as_json:
        from curator_export.convert import unstructure

        click.echo(json.dumps(unstructure(summaries), indent=2))
        return
    from curator_export import views

    views.print_sessions(summaries)


@cli.command("plugins")
@click.option("--json", "as_json", is_flag=True, help="Print the plugins as JSON.")
@pass_app
@_fail_cleanly
def plugins_command(app: App, as_json: bool) -> None:
    """List plugins: distribution, version, status, formats, naming strategies and hooks.

    Reads metadata and registration records only; no writer is run.
    """
    infos = app.host.plugins()
    formats = app.host.formats()
    strategies = app.host.naming_strategies()
    if as_json:
        import attrs

        owners = {
            name: info.name for info in infos for name in (*info.formats, *info.naming_strategies)
        }
        catalog = {
            # PluginInfo holds only strings, flags, tuples and a StrEnum: plain attrs data
            # (no need for the converters, which import cattrs and the whole model)
            "plugins": [attrs.asdict(info) for info in infos],
            "formats": [
                {**_record_fields(record), "plugin": owners.get(name)}
                for name, record in formats.items()
            ],
            "naming_strategies": [
                {**_record_fields(record), "plugin": owners.get(name)}
                for name, record in strategies.items()
            ],
        }
        click.echo(json.dumps(catalog, indent=2))
        return
    from curator_export import views

    views.print_plugins(infos, formats, strategies)


def _record_fields(record: Any) -> dict[str, Any]:
    """A registration record's data, without its callables."""
    import attrs

    return {
        field.name: list(value) if isinstance(value, tuple) else value
        for field in attrs.fields(type(record))
        if not callable(value := getattr(record, field.name))
    }


@cli.command("demo")
@click.argument(
    "directory", required=False, default="curator-demo", type=click.Path(path_type=Path)
)
@click.option(
    "--progress",
    type=click.Choice(["bar", "jsonl", "none"]),
    help="Progress bar, JSON lines on stderr, or nothing (default: bar on a terminal).",
)
@pass_app
@_fail_cleanly
def demo_command(app: App, directory: Path, progress: str | None) -> None:
    """Create DIRECTORY (default ./curator-demo) with a sample course, and export it.

    Every session goes into every installed format, and the whole course into one merged
    file per format; the exports land in DIRECTORY/exports with a manifest.
    """
    from curator_export import demo, views
    from curator_export.cli_batch import execute
    from curator_export.store import SQLiteStore

    created = demo.create_demo(directory)
    views.print_demo(created)
    formats = sorted(app.host.formats())
    mergeable = [name for name in formats if app.host.resolve_format(name).can_merge]
    jobs = demo.demo_jobs(created, formats, mergeable)
    with SQLiteStore(created.store_path) as store:
        execute(
            app,
            store,
            jobs,
            demo.DEMO_OPTIONS,
            progress,
            after=lambda result: views.print_demo_exports(result, created.store_path),
        )


@cli.command("serve")
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on; anything but loopback needs $CURATOR_EXPORT_TOKEN.",
)
@click.option(
    "--port",
    default=8750,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="Port to listen on (0: any free port).",
)
@click.option(
    "--output-root",
    type=click.Path(file_okay=False, path_type=Path),
    default="curator-web-exports",
    show_default=True,
    help="The folder every batch writes into (each in a folder of its own); nothing else is.",
)
@click.option(
    "--brand-dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Brand files (and their logos) that requests may choose by name.",
)
@click.option(
    "--max-batches",
    type=click.IntRange(min=1),
    default=4,
    show_default=True,
    help="Batches running at once; more are refused (429).",
)
@click.option(
    "--keep-batches",
    type=click.IntRange(min=1),
    default=None,
    help="Keep the folders of the N batches that finished last; remove older ones"
    " (also those earlier runs left). Default: keep all.",
)
@pass_app
@_fail_cleanly
def serve_command(
    app: App,
    *,
    host: str,
    port: int,
    output_root: Path,
    brand_dir: Path | None,
    max_batches: int,
    keep_batches: int | None,
) -> None:
    """Serve the export page and its HTTP API (from the curator-export-web distribution).

    Batches go into --output-root; off loopback every request needs the token in
    $CURATOR_EXPORT_TOKEN. Ctrl-C cancels running batches cleanly and stops.
    """
    try:
        from curator_export_web.config import ServiceConfig, ServiceConfigError
        from curator_export_web.server import make_server
    except ImportError as exc:
        click.echo(
            "error: `serve` needs the curator-export-web distribution"
            f" (pip install curator-export-web): {exc}",
            err=True,
        )
        sys.exit(2)
    if not app.store_path.exists():
        raise CuratorExportError(
            f"no session store at {app.store_path}; run `curator-export import PATH` "
            "or `curator-export demo` first"
        )
    config = ServiceConfig.from_env(
        store_path=app.store_path,
        output_root=output_root,
        brand_dir=brand_dir,
        host=host,
        port=port,
        max_running_batches=max_batches,
        keep_batches=keep_batches,
    )
    try:
        server = make_server(config, host=app.host)
    except ServiceConfigError as exc:
        raise click.UsageError(str(exc)) from None
    click.echo(f"exports go to {config.output_root}", err=True)
    try:
        server.run()
    except KeyboardInterrupt:  # uvicorn raises the Ctrl-C again once it has stopped cleanly
        click.echo("stopped", err=True)


def main() -> None:
    cli(prog_name="curator-export")


# The batch commands register themselves on `cli`; importing them costs only click.
from curator_export import cli_batch  # noqa: E402, F401

if __name__ == "__main__":  # pragma: no cover
    # Run as `python -m curator_export.cli`, this module is __main__, but the batch commands
    # registered themselves on the `cli` of the imported curator_export.cli: run that one.
    from curator_export.cli import main as imported_main

    imported_main()
