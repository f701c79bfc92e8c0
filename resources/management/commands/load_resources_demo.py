"""Load the demo library (unpublished until a PDF is uploaded). Idempotent; run after load_demo."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from itineraries.models import Itinerary, Theme
from resources import demo
from resources.models import Resource


class Command(BaseCommand):
    help = "List the town's documents in the resources library (no file: the operator uploads)."

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            for raw in demo.RESOURCES:
                data = dict(raw)
                themes = data.pop("themes")
                itineraries = data.pop("itineraries")
                resource, _created = Resource.objects.update_or_create(
                    slug=data["slug"], defaults={"licence": demo.TOWN, "language": "fr", **data}
                )
                resource.themes.set(Theme.objects.filter(slug__in=themes))
                resource.itineraries.set(Itinerary.objects.filter(slug__in=itineraries))
        self.stdout.write(
            self.style.SUCCESS(f"Demo library: {Resource.objects.count()} documents.")
        )
