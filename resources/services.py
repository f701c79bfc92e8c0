"""Writes of the resources app."""

from __future__ import annotations

from django.db.models import F

from resources.models import Resource


def resource_downloaded(*, resource: Resource) -> None:
    """Count one download, in the database (no read-modify-write race between requests)."""
    Resource.objects.filter(pk=resource.pk).update(download_count=F("download_count") + 1)
