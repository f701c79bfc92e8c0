"""Code that leans on a library's internals says which versions of it it was checked against.

Two modules of ``core`` use what a library does not promise to keep: ``core.sql`` Django's SQL
compiler, ``core.serializers`` DRF's field copying. Each
declares a ``SUPPORTED`` range next to its code and has a setting that turns it off, so that the
plain path of the library serves instead. ``tests/core/test_internals.py`` fails with the range
and the installed version when a dependency moves out of a range: read the module's differential
tests, widen the range, or turn the piece off.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.metadata import version

from packaging.version import Version


@dataclass(frozen=True)
class Supported:
    """``distribution`` from ``minimum`` (included) up to ``below`` (excluded)."""

    distribution: str
    minimum: str
    below: str
    setting: str  # the setting that turns the piece off

    def installed(self) -> str:
        return version(self.distribution)

    def problem(self) -> str | None:
        """Why the installed version is out of range, or None."""
        installed = self.installed()
        if Version(self.minimum) <= Version(installed) < Version(self.below):
            return None
        return (
            f"{self.distribution} {installed} is installed, but this code was checked against "
            f">={self.minimum},<{self.below} only. Run its differential tests, then widen the "
            f"range, or set {self.setting}=0 to use the library's plain path."
        )
