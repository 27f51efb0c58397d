"""A module's ``__version__``, read from its distribution's metadata when first asked for.

Every plugin's entry module offers one; reading metadata at import would cost each plugin
about a millisecond at start-up, and listing plugins takes versions from the entry points'
distributions anyway. Usage, at the end of the module::

    __getattr__ = version_attribute("curator-export-html", __name__)
"""

from __future__ import annotations

from collections.abc import Callable


def version_attribute(distribution: str, module: str) -> Callable[[str], str]:
    """A module ``__getattr__`` (PEP 562) that answers ``__version__`` for ``distribution``."""

    def __getattr__(name: str) -> str:
        if name == "__version__":
            from importlib.metadata import version

            return version(distribution)
        raise AttributeError(f"module {module!r} has no attribute {name!r}")

    return __getattr__
