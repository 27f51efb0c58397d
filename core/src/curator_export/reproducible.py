"""The time written into output files: ``SOURCE_DATE_EPOCH`` when it is set, else the batch's.

The reproducible-builds convention: with the variable set, two batches of the same content
give byte-identical files (document metadata dates, zip entry times inside ODF and OOXML
packages, archives), so a file's checksum changes only when its content does.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import UTC, datetime

SOURCE_DATE_ENV = "SOURCE_DATE_EPOCH"


def source_date_epoch(environ: Mapping[str, str] | None = None) -> int | None:
    """The variable's seconds since 1970, or None when it is unset or empty; a value that is
    not a whole number raises ``ValueError`` naming the variable."""
    raw = (os.environ if environ is None else environ).get(SOURCE_DATE_ENV, "").strip()
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError:
        raise ValueError(
            f"{SOURCE_DATE_ENV} must be a whole number of seconds, not {raw!r}"
        ) from None


def file_time(batch_time: datetime, environ: Mapping[str, str] | None = None) -> datetime:
    """The time files of a batch that started at ``batch_time`` say they were made."""
    seconds = source_date_epoch(environ)
    return batch_time if seconds is None else datetime.fromtimestamp(seconds, UTC)
