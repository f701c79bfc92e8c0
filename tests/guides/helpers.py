"""Builders for guide tests: guides with weekly hours, departures at a given local time."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any, cast

import factory
from django.utils import timezone

from guides import services
from guides.invalidation import guides_written
from guides.models import Assignment, Guide, WeeklyAvailability
from itineraries import services as itinerary_services
from itineraries.models import Departure
from tests.factories import ItineraryFactory, SiteFactory, UserFactory

EVERY_DAY = [(weekday, "08:00", "19:00") for weekday in range(7)]


class GuideFactory(factory.django.DjangoModelFactory):
    """A guide who works every day from 8:00 to 19:00, in French and English."""

    class Meta:
        model = Guide
        skip_postgeneration_save = True

    @classmethod
    def _after_postgeneration(cls, instance: Any, create: bool, results: Any = None) -> None:
        # Stands for a guide written through the services or the admin (guides.invalidation).
        super()._after_postgeneration(instance, create, results)
        if create:
            guides_written()

    user = factory.SubFactory(UserFactory, password=None)  # no hashing: guides sign in by token
    display_name = factory.Sequence(lambda n: f"Guide {n:02d}")
    phone = "+33 6 00 00 00 00"
    languages = factory.LazyFunction(lambda: ["fr", "en"])

    @factory.post_generation
    def weekly_hours(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if not create:
            return
        for weekday, start, end in EVERY_DAY if extracted is None else extracted:
            WeeklyAvailability.objects.create(
                guide=cast(Guide, self),
                weekday=weekday,
                start_time=time.fromisoformat(start),
                end_time=time.fromisoformat(end),
            )

    @factory.post_generation
    def themes(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create and extracted:
            self.themes.set(extracted)


def make_guide(**kwargs: Any) -> Guide:
    return cast(Guide, GuideFactory(**kwargs))


def at(days: int, hour: int, minute: int = 0) -> datetime:
    """A local time ``days`` from today."""
    moment = timezone.localtime() + timedelta(days=days)
    return moment.replace(hour=hour, minute=minute, second=0, microsecond=0)


def departure_at(
    starts_at: datetime, *, minutes: int = 90, language: str = "fr", **itinerary: Any
) -> Departure:
    """A scheduled departure of a new itinerary (one stop at its own site) at ``starts_at``."""
    site = SiteFactory(max_visitors=200)
    themes = itinerary.pop("themes", [])
    itinerary.setdefault("languages", ["fr", "en", "nl", "de"])
    it = ItineraryFactory(
        stops=[{"site": site, "offset_minutes": 0, "duration_minutes": minutes}], **itinerary
    )
    it.themes.set(themes)
    return itinerary_services.departure_schedule(
        itinerary=it, starts_at=starts_at, language=language
    )


def assign(departure: Departure, guide: Guide, role: str = "lead") -> Assignment:
    return services.assignment_create(departure=departure, guide=guide, role=role, by=None)


def assign_over_http(client: Any, departure: Departure, guide: Guide, role: str = "lead") -> Any:
    return client.post(
        f"/api/v1/departures/{departure.pk}/assignments/",
        {"guide": guide.pk, "role": role},
        format="json",
    )
