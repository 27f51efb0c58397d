"""A batch's messages as server-sent events, from any position (``Last-Event-ID``)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

from curator_export_web.batches import BatchRun

#: A comment line this often keeps proxies from closing a quiet stream, and lets the
#: server notice a client that has gone.
KEEP_ALIVE_SECONDS = 15.0


def first_position(last_event_id: str | None) -> int:
    """Where a (re)connecting client starts: after the last event it saw."""
    if last_event_id is not None and last_event_id.strip().isdigit():
        return int(last_event_id) + 1
    return 0


async def event_stream(
    batch: BatchRun, start: int = 0, keep_alive: float = KEEP_ALIVE_SECONDS
) -> AsyncIterator[str]:
    """Every message from ``start`` on, as they come, ending after the batch's ``end``."""
    seen = start
    while True:
        messages = batch.messages[seen:]
        for position, message in enumerate(messages, seen):
            data = json.dumps(message.data, ensure_ascii=False)
            yield f"id: {position}\nevent: {message.event}\ndata: {data}\n\n"
        seen += len(messages)
        if batch.ended and seen >= len(batch.messages):
            return
        if not await batch.wait_for_messages(seen, keep_alive):
            yield ": keep-alive\n\n"
