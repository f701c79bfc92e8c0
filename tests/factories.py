"""factory_boy factories shared by the whole suite."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from invoicing.staff_groups import STAFF_GROUPS, staff_groups_create
from itineraries import services
from itineraries.invalidation import catalogue_written
from itineraries.models import Departure, Itinerary, Option, Site, Stop, Theme


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password("correct horse battery")


class StaffFactory(UserFactory):
    """Staff in the shipped groups that are named (all of them by default), so that the tests
    go through the real permissions; ``groups=[]`` gives staff who may do nothing."""

    class Meta:
        skip_postgeneration_save = True

    is_staff = True

    @factory.post_generation
    def groups(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if not create:
            return
        names = list(STAFF_GROUPS) if extracted is None else list(extracted)
        # The migration made them; a transactional test's flush empties the table.
        if Group.objects.filter(name__in=names).count() < len(names):
            staff_groups_create(names=names)
        self.groups.set(Group.objects.filter(name__in=names))


class CatalogueFactory(factory.django.DjangoModelFactory):
    """A catalogue row a test writes stands for a write through the services or the admin,
    which say what they make stale (``itineraries.invalidation``): so does the factory."""

    class Meta:
        abstract = True

    @classmethod
    def _after_postgeneration(cls, instance: Any, create: bool, results: Any = None) -> None:
        super()._after_postgeneration(instance, create, results)
        if create:
            catalogue_written()


class ThemeFactory(CatalogueFactory):
    class Meta:
        model = Theme

    slug = factory.Sequence(lambda n: f"theme-{n}")
    name_fr = factory.Sequence(lambda n: f"Thème {n}")
    name_en = factory.Sequence(lambda n: f"Theme {n}")


class SiteFactory(CatalogueFactory):
    class Meta:
        model = Site

    slug = factory.Sequence(lambda n: f"site-{n}")
    name_fr = factory.Sequence(lambda n: f"Site {n}")
    name_en = factory.Sequence(lambda n: f"Site {n} (en)")
    address = "Rue de Bourgogne, 62750 Loos-en-Gohelle"
    latitude = Decimal("50.44320")
    longitude = Decimal("2.78850")
    max_visitors = 60


class ItineraryFactory(CatalogueFactory):
    class Meta:
        model = Itinerary
        skip_postgeneration_save = True

    slug = factory.Sequence(lambda n: f"itinerary-{n}")
    title_fr = factory.Sequence(lambda n: f"Itinéraire {n}")
    title_en = factory.Sequence(lambda n: f"Itinerary {n}")
    summary_fr = "Une visite guidée."
    summary_en = "A guided visit."
    meeting_point_fr = "Base 11/19"
    meeting_point_en = "Base 11/19"
    languages = factory.LazyFunction(lambda: ["fr", "en"])
    min_participants = 1
    max_participants = 30
    price_per_person_cents = 1500
    minimum_charge_cents = 0
    is_published = True

    @factory.post_generation
    def stops(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        """By default one 90-minute stop at a new site; pass ``stops=[]`` for none."""
        if not create:
            return
        if extracted is None:
            StopFactory(itinerary=self, position=1, offset_minutes=0, duration_minutes=90)
        else:
            for position, stop in enumerate(extracted, start=1):
                StopFactory(itinerary=self, position=position, **stop)


class StopFactory(CatalogueFactory):
    class Meta:
        model = Stop

    itinerary = factory.SubFactory(ItineraryFactory, stops=[])
    site = factory.SubFactory(SiteFactory)
    position = factory.Sequence(lambda n: n + 1)
    offset_minutes = 0
    duration_minutes = 60
    title_fr = "Étape"
    title_en = "Stop"


class OptionFactory(CatalogueFactory):
    class Meta:
        model = Option

    itinerary = factory.SubFactory(ItineraryFactory)
    code = factory.Sequence(lambda n: f"option-{n}")
    name_fr = "Déjeuner"
    name_en = "Lunch"
    price_per_person_cents = 1800
    vat_rate = Decimal("10.00")


def in_days(days: int, hour: int = 10) -> Any:
    moment = timezone.localtime() + timedelta(days=days)
    return moment.replace(hour=hour, minute=0, second=0, microsecond=0)


def schedule(itinerary: Itinerary, *, days: int = 10, hour: int = 10, **kwargs: Any) -> Departure:
    """A departure made through the scheduling service, as production makes them."""
    kwargs.setdefault("language", "fr")
    return services.departure_schedule(itinerary=itinerary, starts_at=in_days(days, hour), **kwargs)
