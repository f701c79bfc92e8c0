"""What a write to the catalogue makes stale, said once by the service or admin that writes it.

The catalogue's rows (themes, sites, itineraries with their stops and options, departures,
closures) feed the cached catalogue answers (the ``catalogue`` namespace) and the seats and
start times offered (``availability``); the apps above show them too (a guide's calendar feed
lists the departures, their itineraries and sites) and name their own namespaces through
``catalogue_dependents``. Every service of ``itineraries.services`` and every admin of the
catalogue (``CatalogueAdminMixin``, after ``core.admin_display.InvalidatingAdminMixin``) calls
``catalogue_written`` once, right after its write and inside its transaction; ``core.cache``
bumps now and again after commit.

There is no ``post_save`` receiver behind this: ``tests/itineraries/test_invalidation.py`` fails
for a service or an admin page that writes a catalogue row without saying so.
"""

from __future__ import annotations

from core.admin_display import InvalidatingAdminMixin
from core.cache import bump
from core.extensions import ExtensionPoint

CATALOGUE = "catalogue"
AVAILABILITY = "availability"

# The cache namespaces of a higher app that show catalogue rows (a value per app, e.g. the
# guides' feed namespace).
catalogue_dependents = ExtensionPoint[str]("itineraries.catalogue_dependents")


def catalogue_written() -> None:
    """Invalidate every cached answer that shows the catalogue."""
    bump(CATALOGUE, AVAILABILITY, *catalogue_dependents)


class CatalogueAdminMixin(InvalidatingAdminMixin):
    """An admin of a catalogue model: each of its writes invalidates the catalogue once."""

    def admin_written(self) -> None:
        catalogue_written()
