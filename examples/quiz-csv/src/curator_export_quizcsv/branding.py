"""Institution branding by default: the brand file named by ``$CURATOR_QUIZCSV_BRAND_FILE``
(TOML, JSON or a Quarto ``_brand.yml``, as ``--brand`` takes) for every job without branding
of its own.

An IT department sets the variable once for everybody (in a shell profile, a CI secret, a
service's environment), and every export carries the institution's name, colours and logo
without each jobs file repeating them.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from curator_export import hookimpl

if TYPE_CHECKING:
    from curator_export import BatchExportJob, Branding

# --8<-- [start:branding]
BRAND_FILE_ENV = "CURATOR_QUIZCSV_BRAND_FILE"


@hookimpl
def curator_export_branding(job: BatchExportJob) -> Branding | None:
    """The brand file's branding; ``None`` when the variable is unset, so that another
    plugin may answer. The core asks only for jobs without ``branding_options`` of their own,
    so a job's (or ``--brand``'s) branding always wins."""
    path = os.environ.get(BRAND_FILE_ENV)
    if not path:
        return None
    from curator_export.branding import load_brand_file, validate_branding
    from curator_export.errors import BrandingError

    try:
        branding = load_brand_file(path)
        # The core validates a job's own branding when it plans the batch; branding from a
        # hook is the hook's to check, so that a bad logo is reported here, by name.
        validate_branding(branding)
    except BrandingError as exc:
        raise BrandingError(f"{BRAND_FILE_ENV}: {exc}") from exc
    return branding


# --8<-- [end:branding]
