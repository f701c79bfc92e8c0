"""Reads of the resources app."""

from __future__ import annotations

from django.db.models import QuerySet

from resources.models import Resource


def published_resources() -> QuerySet[Resource]:
    return (
        Resource.objects.filter(is_published=True)
        .prefetch_related("themes", "sites", "itineraries")
        .order_by("title", "pk")
    )
