"""Cache invalidation: any change to the catalogue makes cached catalogue answers stale."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from core.cache import bump
from itineraries.models import Closure, Departure, Itinerary, Option, Site, Stop, Theme

CATALOGUE_MODELS = (Theme, Site, Itinerary, Stop, Option, Departure, Closure)


@receiver(post_save)
@receiver(post_delete)
def catalogue_changed(sender: Any, **kwargs: Any) -> None:
    if sender in CATALOGUE_MODELS:
        bump("catalogue", "availability")


@receiver(m2m_changed, sender=Itinerary.themes.through)
def themes_changed(sender: Any, **kwargs: Any) -> None:
    bump("catalogue")
