"""The ``upload`` table of a job: where its files go, and how hard to try.

Credentials are refused here on purpose: a jobs file is shared, committed and copied into
the manifest, so a key in it leaks. They come from the environment or the file system's
own configuration (``AWS_ACCESS_KEY_ID``, ``GOOGLE_APPLICATION_CREDENTIALS``,
``AZURE_STORAGE_ACCOUNT_KEY``, ``~/.ssh``), where fsspec's back ends look for them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import attrs

#: Option names that hold a credential in some fsspec back end (s3fs ``key``/``secret``/
#: ``token``, adlfs ``account_key``/``sas_token``/``connection_string``, sftp ``password``
#: ``pkey``, gcsfs ``token``), matched on the lowercased name without ``_`` and ``-``.
_SECRET_NAMES = re.compile(
    r"^(key|secret|token|pkey|sas|accesskey|accesskeyid|awsaccesskeyid)$"
    r"|secret|password|passwd|passphrase|token|credential|privatekey|accountkey"
    r"|connectionstring|sessiontoken|apikey"
)

#: gcsfs ``token`` values that name a way to find credentials, not a credential.
_CREDENTIAL_METHODS = frozenset({"anon", "google_default", "cache", "cloud", "browser"})

ENVIRONMENT_HINT = (
    "credentials are never read from a jobs file or the command line: set them in the "
    "environment (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, GOOGLE_APPLICATION_CREDENTIALS, "
    "AZURE_STORAGE_ACCOUNT_KEY ...) or the storage tool's own configuration"
)


def secret_names(options: Mapping[str, Any], prefix: str = "") -> list[str]:
    """The dotted names of every option in ``options`` (nested tables too) that looks like a
    credential."""
    found: list[str] = []
    for name, value in options.items():
        dotted = f"{prefix}{name}"
        naming_a_method = isinstance(value, str) and value in _CREDENTIAL_METHODS
        if _SECRET_NAMES.search(str(name).lower().replace("_", "").replace("-", "")):
            if not naming_a_method:
                found.append(dotted)
        elif isinstance(value, Mapping):
            found += secret_names(value, f"{dotted}.")
    return found


def _check_url(instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    if not value.strip():
        raise ValueError("url must name a destination, e.g. s3://bucket/prefix or /srv/share")
    if urlsplit(value).password is not None:
        raise ValueError(f"url holds a password; {ENVIRONMENT_HINT}")


def _check_storage_options(
    instance: object, attribute: attrs.Attribute[Mapping[str, Any]], value: Mapping[str, Any]
) -> None:
    secrets = secret_names(value)
    if secrets:
        raise ValueError(f"{', '.join(secrets)}: {ENVIRONMENT_HINT}")


@attrs.frozen
class UploadSettings:
    """``upload = { url = "s3://bucket/prefix", storage_options = { ... } }`` in a job.

    Each file goes to ``url`` plus its path inside the job's output folder, so the
    destination mirrors the folder (``s3://bucket/prefix/01-why/Slides.html``).
    """

    #: Any fsspec URL (``s3://``, ``gs://``, ``az://``, ``sftp://user@host/path``) or a
    #: local path.
    url: str = attrs.field(validator=_check_url)
    #: Options of the fsspec file system, without credentials: ``endpoint_url``,
    #: ``client_kwargs``, ``anon`` ...
    storage_options: Mapping[str, Any] = attrs.field(
        factory=dict, converter=dict, validator=_check_storage_options
    )
    #: Attempts after the first for a file whose upload failed (the client library's own
    #: retries happen inside each attempt).
    retries: int = attrs.field(
        default=3, validator=[attrs.validators.ge(0), attrs.validators.le(10)]
    )
    #: Seconds before the first retry; doubled for each further one, at most 60.
    backoff_seconds: float = attrs.field(
        default=1.0, converter=float, validator=[attrs.validators.ge(0), attrs.validators.le(60)]
    )
