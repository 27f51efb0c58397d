"""Format writers for tests of the batch engine: some honest, some deliberately misbehaving.

They live in the installed package, not in a test module, because worker processes must
import them by name, and pytest's importlib import mode makes test modules unimportable
from another process. Every factory returns a ``Format`` whose writer is a module-level
function (or a ``functools.partial`` of one), so process pools can send it to their workers.

``plain_text_format`` writes the plain text of the parsed, audience-filtered documents;
``request_json_format`` what the writer was told (metadata, branding, template ...);
``companion_format`` text plus companion files in ``assets/``.

``chaos_format`` writes what ``write_text`` writes (the title, then the raw Markdown of every
item, as ``curator_export.testing.write_text``, without importing pytest), unless the raw
Markdown of an item it renders holds a marker (``[A-Z]+`` after ``CHAOS:``)::

    CHAOS:RAISE          raise ValueError (a writer bug)
    CHAOS:CRASH          SIGKILL the worker process (as the out-of-memory killer would)
    CHAOS:EXIT           os._exit(3) (as a C library calling exit() would)
    CHAOS:HANG           sleep forever (a layout loop)
    CHAOS:SLOW=0.5       sleep that many seconds, then write normally
    CHAOS:TRANSIENT=2    raise TransientError on the first 2 attempts (default 1), then write
    CHAOS:EAGAIN=1       raise OSError(EAGAIN) on the first attempt(s), then write
    CHAOS:DISKFULL       raise DiskFullError (ENOSPC)
    CHAOS:PARTIAL        first leave a half-written temporary file in the job's output folder,
                         as a process killed while writing would (combine with CRASH or HANG)

A marker followed by ``@NAME`` (``CHAOS:RAISE@chaos2``) applies only to the format ``NAME``.
``CRASH``, ``EXIT`` and ``HANG`` refuse to run in a main process (they raise RuntimeError):
a serial batch must never kill or freeze the test runner.

Given a ``log`` path, a chaos writer appends one JSON line per call and event (``start``,
``end``) with the format, session ids, attempt and pid, so tests can tell which exports ran,
in which process, and when one is under way. Attempts are counted per export in
``ATTEMPTS``, a per-process dict: retries happen inside one worker call, so they add up.
"""

from __future__ import annotations

import errno
import functools
import json
import multiprocessing
import os
import re
import signal
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

from curator_export.document import plain_text
from curator_export.errors import DiskFullError, TransientError
from curator_export.output import create_temporary
from curator_export.records import Format
from curator_export.render import Rendered, RenderRequest

#: Attempts per export (format, job, output folder, sessions) in this process.
ATTEMPTS: dict[str, int] = {}

MARKER = re.compile(r"CHAOS:(?P<action>[A-Z]+)(?:=(?P<value>[0-9.]+))?(?:@(?P<only>[a-z0-9_-]+))?")
PARTIAL_BYTES = b"half of a file that was being written when its process died"


def write_text(request: RenderRequest) -> bytes:
    """The title, then the Markdown of every item, one after another."""
    parts = [f"# {request.title}"]
    parts += [item.item.body for parsed in request.sessions for item in parsed.items]
    return "\n\n".join(parts).encode("utf-8")


def markers(request: RenderRequest) -> dict[str, str | None]:
    """The chaos markers in the request's items that apply to its format: action -> value."""
    found: dict[str, str | None] = {}
    for parsed in request.sessions:
        for item in parsed.items:
            for match in MARKER.finditer(item.item.body):
                if match["only"] in (None, request.format):
                    found[match["action"]] = match["value"]
    return found


def export_key(request: RenderRequest) -> str:
    """Identifies one export across its attempts (and apart from other tests' exports)."""
    sessions = "+".join(parsed.session.id for parsed in request.sessions)
    return f"{request.format}|{request.job.job_id}|{request.job.output_directory}|{sessions}"


def _in_main_process() -> bool:
    return multiprocessing.parent_process() is None


def _log(log: str | None, event: str, request: RenderRequest, attempt: int) -> None:
    if log is None:
        return
    line = {
        "event": event,
        "format": request.format,
        "job_id": request.job.job_id,
        "session_ids": [parsed.session.id for parsed in request.sessions],
        "attempt": attempt,
        "pid": os.getpid(),
        "time": time.time(),
    }
    with Path(log).open("a", encoding="utf-8") as file:
        file.write(json.dumps(line) + "\n")


def read_log(log: Path) -> list[dict[str, Any]]:
    """The lines a chaos writer logged, oldest first (an absent log is empty)."""
    if not log.exists():
        return []
    lines = log.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def _refuse_in_main_process(action: str) -> None:
    if _in_main_process():
        raise RuntimeError(f"CHAOS:{action} refused: this is not a worker process")


def _leave_partial_file(request: RenderRequest) -> None:
    folder = Path(request.job.output_directory)
    folder.mkdir(parents=True, exist_ok=True)
    _, descriptor = create_temporary(folder)
    os.write(descriptor, PARTIAL_BYTES)
    os.fsync(descriptor)
    os.close(descriptor)


def _fails_now(value: str | None, attempt: int) -> bool:
    return attempt <= int(float(value or 1))


def chaos_write(request: RenderRequest, log: str | None = None) -> bytes:
    """Write like ``write_text``, or misbehave as the item markers say (see the module doc)."""
    key = export_key(request)
    attempt = ATTEMPTS[key] = ATTEMPTS.get(key, 0) + 1
    _log(log, "start", request, attempt)
    found = markers(request)
    if "PARTIAL" in found:
        _leave_partial_file(request)
    if "SLOW" in found:
        time.sleep(float(found["SLOW"] or 1))
    if "RAISE" in found:
        raise ValueError(f"chaos: the {request.format} writer broke on {request.title!r}")
    if "TRANSIENT" in found and _fails_now(found["TRANSIENT"], attempt):
        raise TransientError(f"chaos: busy, attempt {attempt}")
    if "EAGAIN" in found and _fails_now(found["EAGAIN"], attempt):
        raise OSError(errno.EAGAIN, os.strerror(errno.EAGAIN))
    if "DISKFULL" in found:
        target = Path(request.job.output_directory) / f"{request.title}.{request.format}"
        raise DiskFullError(target, "the disk is full (chaos)", errno.ENOSPC)
    if "CRASH" in found:
        _refuse_in_main_process("CRASH")
        os.kill(os.getpid(), signal.SIGKILL)
    if "EXIT" in found:
        _refuse_in_main_process("EXIT")
        os._exit(3)
    if "HANG" in found:
        _refuse_in_main_process("HANG")
        while True:
            time.sleep(3600)
    data = write_text(request)
    _log(log, "end", request, attempt)
    return data


def write_plain_text(request: RenderRequest) -> bytes:
    """The parsed documents as plain text: what survived content selection and filtering.

    Unlike ``write_text`` (raw Markdown), this shows the audience filtering of fenced divs.
    """
    lines = [f"# {request.title}"]
    for parsed in request.sessions:
        lines.append(f"## {parsed.session.id}: {parsed.session.title}")
        for item in parsed.items:
            lines.append(f"### {item.item.title} [{item.item.content_type.value}]")
            lines.append(plain_text(item.document))
    return ("\n\n".join(lines) + "\n").encode("utf-8")


@attrs.frozen
class RequestJsonOptions:
    """The ``request`` test format's own options (``format_options.request``)."""

    indent: int = attrs.field(default=2, validator=attrs.validators.ge(0))
    output_label: str = ""


def write_request_json(request: RenderRequest) -> bytes:
    """Everything a writer learns about its output besides the content, as JSON."""
    options = request.options or RequestJsonOptions()
    branding = attrs.asdict(request.branding) if request.branding else None
    data: Mapping[str, Any] = {
        "format": request.format,
        "title": request.title,
        "job_id": request.job.job_id,
        "job_session_ids": list(request.job.session_ids),
        "session_ids": [parsed.session.id for parsed in request.sessions],
        "item_titles": [item.item.title for parsed in request.sessions for item in parsed.items],
        "merged": request.merged,
        "audience": request.audience.value,
        "include_metadata": request.include_metadata,
        "metadata": dict(request.metadata),
        "template_name": request.template_name,
        "branding": branding,
        "created_at": request.created_at.isoformat() if request.created_at else None,
        "options": attrs.asdict(options),
    }
    text = json.dumps(data, indent=options.indent, sort_keys=True, default=str)
    return (text + "\n").encode("utf-8")


def write_with_companions(request: RenderRequest) -> Rendered:
    """``write_text`` plus companion files: one shared by every output, one per output."""
    own = "+".join(parsed.session.id for parsed in request.sessions)
    return Rendered(
        data=write_text(request),
        companions={
            "assets/shared.txt": b"a figure every output shows\n",
            f"assets/{own}.txt": f"the figure of {own}\n".encode(),
        },
        warnings=("companions written",),
    )


def chaos_format(
    name: str,
    *,
    log: str | os.PathLike[str] | None = None,
    extension: str | None = None,
    can_merge: bool = True,
) -> Format:
    """A plain-text format whose writer obeys ``CHAOS:`` markers; calls go to ``log``."""
    writer = functools.partial(chaos_write, log=None if log is None else os.fspath(log))
    return Format(
        name=name,
        extension=extension or f".{name}",
        media_type="text/plain",
        writer=writer,
        can_merge=can_merge,
        description="a misbehaving writer for tests",
    )


def plain_text_format(name: str, *, extension: str | None = None) -> Format:
    """A format that writes the plain text of the parsed (audience-filtered) documents."""
    return Format(
        name=name,
        extension=extension or f".{name}",
        media_type="text/plain",
        writer=write_plain_text,
        description="plain text of the parsed documents, for tests",
    )


def request_json_format(name: str, *, extension: str = ".json") -> Format:
    """A format that writes what the writer was asked (metadata, branding ...) as JSON."""
    return Format(
        name=name,
        extension=extension,
        media_type="application/json",
        writer=write_request_json,
        description="the render request as JSON, for tests",
        options=RequestJsonOptions,
    )


#: A course for ``write_course``: session id -> (session title, [(content type, title, body)]).
CourseSpec = Mapping[str, tuple[str, Sequence[tuple[str, str, str]]]]


#: Three small sessions: instructor notes and a solution in the first, other types after.
SAMPLE_COURSE: CourseSpec = {
    "s1": (
        "Lake Ecology",
        [
            ("slides", "Lakes", "# Lakes\n\nLakes turn over twice a year."),
            ("instructor_notes", "Teaching lakes", "INSTRUCTOR-NOTE: start with a drawing."),
            (
                "quiz",
                "Lake quiz",
                "What turns over?\n\n::: solution\n\nSECRET-SOLUTION: the lake.\n\n:::",
            ),
        ],
    ),
    "s2": (
        "Rivers",
        [
            ("slides", "Rivers", "# Rivers\n\nRivers flow downhill."),
            ("worksheet", "River sheet", "Measure the flow of the river."),
        ],
    ),
    "s3": (
        "Wetlands",
        [
            ("slides", "Wetlands", "# Wetlands\n\nWetlands store carbon."),
            ("activity_guide", "Field trip", "Bring boots to the wetland."),
        ],
    ),
}


def write_course(folder: Path, course: CourseSpec) -> Path:
    """Write ``course`` as a Markdown folder that ``curator_export.store.import_path`` reads.

    Sessions keep the order of ``course``; items keep their order within a session.
    """
    for session_number, (session_id, (session_title, items)) in enumerate(course.items(), 1):
        session_folder = folder / session_id
        session_folder.mkdir(parents=True, exist_ok=True)
        for position, (content_type, title, body) in enumerate(items, 1):
            front = {
                "session": session_id,
                "session_title": session_title,
                "session_position": session_number,
                "content_type": content_type,
                "title": title,
                "position": position,
            }
            header = "".join(f"{key}: {json.dumps(value)}\n" for key, value in front.items())
            path = session_folder / f"{position:02d}-{content_type}.md"
            path.write_text(f"---\n{header}---\n\n{body}\n", encoding="utf-8")
    return folder


def companion_format(name: str, *, extension: str | None = None) -> Format:
    """A format whose outputs come with companion files in ``assets/``."""
    return Format(
        name=name,
        extension=extension or f".{name}",
        media_type="text/plain",
        writer=write_with_companions,
        description="text with companion files, for tests",
    )


def sample_formats(log: str | os.PathLike[str] | None = None) -> list[Format]:
    """The formats a test distribution registers: chaos, chaos2, plain, request and figures."""
    return [
        chaos_format("chaos", log=log),
        chaos_format("chaos2", log=log),
        plain_text_format("plain"),
        request_json_format("request"),
        companion_format("figures"),
    ]


__all__ = [
    "ATTEMPTS",
    "SAMPLE_COURSE",
    "CourseSpec",
    "RequestJsonOptions",
    "chaos_format",
    "chaos_write",
    "companion_format",
    "markers",
    "plain_text_format",
    "read_log",
    "request_json_format",
    "sample_formats",
    "write_course",
    "write_plain_text",
    "write_request_json",
    "write_text",
    "write_with_companions",
]
