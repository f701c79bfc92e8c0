"""Cache invalidation for the map's own rows: a site's key figures are part of the catalogue's
cached answers (``/sites/``, the GeoJSON and CSV open data).

Kept apart from ``itineraries/receivers.py`` so that the two can change independently; folding
``SiteFigure`` into ``receivers.CATALOGUE_MODELS`` would do the same.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from core.cache import bump
from itineraries.models import SiteFigure


@receiver(post_save, sender=SiteFigure)
@receiver(post_delete, sender=SiteFigure)
def site_figure_changed(sender: Any, **kwargs: Any) -> None:
    bump("catalogue")
