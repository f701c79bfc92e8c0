"""Extension points: how a lower app lets the apps above it contribute, without importing them.

Imports go one way (core <- itineraries <- bookings <- guides, payments <- invoicing). When a
lower app needs what a higher one knows (a check that may refuse, a section of a document, an
amount), it declares an ``ExtensionPoint`` with the signature of a contribution, and reads the
contributions where it needs them. The higher app registers its callable in its
``AppConfig.ready()``::

    # bookings/selectors.py: the declaration, named after what it holds
    PrivateSlotCheck = Callable[[Itinerary, str | None, int, Sequence[datetime]], list[datetime]]
    private_slot_checks = ExtensionPoint[PrivateSlotCheck]("bookings.private_slot_checks")

    # guides/apps.py, in GuidesConfig.ready(): the contribution
    private_slot_checks.register(private_starts_with_guides)

    # bookings/selectors.py: the use, in registration order (the order of INSTALLED_APPS)
    for check in private_slot_checks: ...

A contribution returns its contribution (a subset, a blocker, a section, an amount); it never
writes. Registering the same callable again does nothing, so a ``ready()`` that runs twice is
harmless. Every point is listed by ``points()``, and docs/architecture.md ("Extension points")
lists them all; a test checks that the two agree.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Generic, TypeVar

# A contribution is usually a callable; an answer's fields or an admin's columns are values.
C = TypeVar("C")

_POINTS: dict[str, ExtensionPoint[Any]] = {}


class ExtensionPoint(Generic[C]):
    """A named, ordered set of contributions of one callable type ``C``."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._contributions: list[C] = []
        _POINTS[name] = self

    def register(self, contribution: C) -> C:
        """Add ``contribution`` (once); returned as is, so this may be used as a decorator."""
        if contribution not in self._contributions:
            self._contributions.append(contribution)
        return contribution

    def unregister(self, contribution: C) -> None:
        """Take ``contribution`` out, if it was registered."""
        if contribution in self._contributions:
            self._contributions.remove(contribution)

    def contributions(self) -> tuple[C, ...]:
        """What is registered, in registration order."""
        return tuple(self._contributions)

    def __iter__(self) -> Iterator[C]:
        return iter(self.contributions())

    def __contains__(self, contribution: object) -> bool:
        return contribution in self._contributions

    def __len__(self) -> int:
        return len(self._contributions)

    def __repr__(self) -> str:
        names = ", ".join(getattr(c, "__qualname__", repr(c)) for c in self._contributions)
        return f"<ExtensionPoint {self.name}: {names}>"


def points() -> dict[str, ExtensionPoint[Any]]:
    """Every extension point declared in the modules imported so far, by name."""
    return dict(sorted(_POINTS.items()))
