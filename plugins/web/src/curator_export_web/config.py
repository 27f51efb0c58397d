"""What a service is configured with, and the rule that keeps it off the network unguarded."""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path

import attrs

from curator_export.errors import CuratorExportError

TOKEN_ENV = "CURATOR_EXPORT_TOKEN"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8750
DEFAULT_OUTPUT_ROOT = "curator-web-exports"
#: Shorter tokens are guessable over a network in reasonable time.
MIN_TOKEN_LENGTH = 16


class ServiceConfigError(CuratorExportError):
    """The service cannot start this way (a public address without a token, a bad root)."""


def is_loopback(host: str) -> bool:
    """Whether ``host`` only accepts connections from this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:  # a host name: it may resolve to anything
        return False


def _absolute(path: str | os.PathLike[str]) -> Path:
    return Path(os.path.abspath(path))


@attrs.frozen
class ServiceConfig:
    """Where the service reads sessions and brand files and writes exports, and who may ask.

    Every batch writes into its own folder below ``output_root``; nothing a request says
    can make it write or read anywhere else. ``token``, when set, is required on every
    request; ``check_exposure`` refuses a non-loopback host without one.
    """

    store_path: Path = attrs.field(converter=_absolute)
    output_root: Path = attrs.field(converter=_absolute, default=Path(DEFAULT_OUTPUT_ROOT))
    brand_dir: Path | None = attrs.field(
        default=None, converter=attrs.converters.optional(_absolute)
    )
    token: str | None = attrs.field(default=None, repr=False)
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    #: Batches running at once; more are refused with 429 rather than queued unseen.
    max_running_batches: int = attrs.field(default=4, validator=attrs.validators.ge(1))
    #: Folders of finished batches kept in ``output_root`` (the last to finish); older ones
    #: are removed. None keeps every one. At least 1: a batch that just ended stays.
    keep_batches: int | None = attrs.field(
        default=None, validator=attrs.validators.optional(attrs.validators.ge(1))
    )

    @classmethod
    def from_env(cls, **values: object) -> ServiceConfig:
        """The configuration with the token from ``$CURATOR_EXPORT_TOKEN`` (never a flag: a
        command line is visible to every user of the machine)."""
        token = os.environ.get(TOKEN_ENV) or None
        return cls(token=token, **values)  # type: ignore[arg-type]

    def check_exposure(self) -> None:
        """Refuse to listen beyond loopback without a token, or with a short one."""
        if self.token is not None and len(self.token) < MIN_TOKEN_LENGTH:
            raise ServiceConfigError(
                f"${TOKEN_ENV} is too short: use at least {MIN_TOKEN_LENGTH} characters"
                " (for example `python -c 'import secrets; print(secrets.token_urlsafe())'`)"
            )
        if not is_loopback(self.host) and self.token is None:
            raise ServiceConfigError(
                f"refusing to listen on {self.host}: anything but loopback needs a token;"
                f" set ${TOKEN_ENV} (every request must then carry it)"
            )
        if self.brand_dir is not None and not self.brand_dir.is_dir():
            raise ServiceConfigError(f"the brand folder {self.brand_dir} is not a folder")
