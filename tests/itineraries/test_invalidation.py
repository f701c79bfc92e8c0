"""Every service and admin page that writes the catalogue invalidates the cached catalogue
(itineraries.invalidation).

No ``post_save`` receiver stands behind the cache: these tests watch the catalogue rows written
and the cache namespaces bumped while a service or an admin page runs, and fail for one that
writes a row without bumping ``catalogue`` and ``availability`` (and the guides' feeds, which
show the catalogue too).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any, cast

import pytest
from django.contrib import admin
from django.test import Client

from guides.calendar import FEED_NAMESPACE
from itineraries import services
from itineraries.inputs import OptionInput, StopInput
from itineraries.invalidation import CatalogueAdminMixin
from itineraries.models import (
    Closure,
    Departure,
    Itinerary,
    Option,
    Site,
    SiteFigure,
    Stop,
    Theme,
)
from tests.admin_forms import form_data
from tests.cache_watch import Seen, writes_watcher
from tests.factories import (
    ItineraryFactory,
    SiteFactory,
    ThemeFactory,
    UserFactory,
    in_days,
    schedule,
)

pytestmark = pytest.mark.django_db

CATALOGUE_MODELS = (Theme, Site, SiteFigure, Itinerary, Stop, Option, Departure, Closure)


class Watch(Seen):
    def check(self) -> None:
        self.require(("catalogue", "availability", FEED_NAMESPACE), what="catalogue row")


@pytest.fixture
def watch(monkeypatch: pytest.MonkeyPatch) -> Callable[[Callable[[], Any]], Watch]:
    return writes_watcher(monkeypatch, (*CATALOGUE_MODELS, Itinerary.themes.through), Watch)


# --- The services ---------------------------------------------------------------------------


def test_scheduling_a_departure_invalidates_the_catalogue(watch: Any) -> None:
    itinerary = ItineraryFactory()
    watch(lambda: schedule(itinerary, days=20)).check()


def test_moving_a_departure_invalidates_the_catalogue(watch: Any) -> None:
    departure = schedule(ItineraryFactory(), days=20)
    watch(
        lambda: services.departure_reschedule(
            departure=departure, starts_at=departure.starts_at + timedelta(days=1)
        )
    ).check()


def test_cancelling_a_departure_invalidates_the_catalogue(watch: Any) -> None:
    departure = schedule(ItineraryFactory(), days=20)
    watch(lambda: services.departure_cancel(departure=departure, reason="weather")).check()


def test_creating_and_changing_an_itinerary_invalidate_the_catalogue(watch: Any) -> None:
    site = SiteFactory()
    fields: Any = {
        "slug": "terrils",
        "title_fr": "Les terrils",
        "title_en": "The slag heaps",
        "summary_fr": "Montée.",
        "summary_en": "Climb.",
        "meeting_point_fr": "Base 11/19",
        "meeting_point_en": "Base 11/19",
        "min_participants": 5,
        "max_participants": 30,
        "price_per_person_cents": 1500,
        "is_published": True,
    }
    stops = [
        StopInput(site=site, position=1, offset_minutes=0, duration_minutes=90, title_fr="Montée")
    ]
    options = [
        OptionInput(
            code="lunch",
            name_fr="Déjeuner",
            name_en="Lunch",
            price_per_person_cents=1800,
            vat_rate=Decimal("10.00"),
        )
    ]
    theme = cast(Theme, ThemeFactory())
    created: list[Itinerary] = []
    watch(
        lambda: created.append(
            services.itinerary_create(fields=fields, themes=[theme], stops=stops, options=options)
        )
    ).check()
    watch(
        lambda: services.itinerary_update(itinerary=created[0], fields={"title_fr": "Terrils"})
    ).check()


# --- The admin ------------------------------------------------------------------------------


def test_every_catalogue_admin_says_what_its_writes_make_stale() -> None:
    for model in CATALOGUE_MODELS:
        model_admin = admin.site._registry.get(model)
        if model_admin is not None:
            assert isinstance(model_admin, CatalogueAdminMixin), type(model_admin).__name__


@pytest.fixture
def staff_client() -> Client:
    client = Client()
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def _post_change(client: Client, url: str, **changes: Any) -> None:
    data = form_data(client.get(url))
    data.update(changes)
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]


def test_adding_a_theme_in_the_admin_invalidates(watch: Any, staff_client: Client) -> None:
    url = "/admin/itineraries/theme/add/"
    watch(lambda: _post_change(staff_client, url, slug="energie", name_fr="Énergie")).check()


def test_changing_a_site_in_the_admin_invalidates(watch: Any, staff_client: Client) -> None:
    site = SiteFactory()
    url = f"/admin/itineraries/site/{site.pk}/change/"
    watch(lambda: _post_change(staff_client, url, name_fr="Base 11/19")).check()
    assert Site.objects.get(pk=site.pk).name_fr == "Base 11/19"


def test_changing_an_itinerary_with_its_stops_in_the_admin_invalidates(
    watch: Any, staff_client: Client
) -> None:
    itinerary = ItineraryFactory()
    url = f"/admin/itineraries/itinerary/{itinerary.pk}/change/"
    watch(lambda: _post_change(staff_client, url, **{"stops-0-title_fr": "Chevalement"})).check()
    assert itinerary.stops.get().title_fr == "Chevalement"


def test_unpublishing_an_itinerary_without_stops_in_the_admin_invalidates(
    watch: Any, staff_client: Client
) -> None:
    itinerary = ItineraryFactory()
    url = f"/admin/itineraries/itinerary/{itinerary.pk}/change/"
    watch(lambda: _post_change(staff_client, url, **{"stops-0-DELETE": "on"})).check()
    assert not Itinerary.objects.get(pk=itinerary.pk).is_published


def test_deleting_closures_in_the_admin_invalidates(watch: Any, staff_client: Client) -> None:
    day = in_days(30).date()
    closure = Closure.objects.create(starts_on=day, ends_on=day, reason_fr="Fête", site=None)
    data = {"action": "delete_selected", "_selected_action": [closure.pk], "post": "yes"}
    watch(lambda: staff_client.post("/admin/itineraries/closure/", data)).check()
    assert not Closure.objects.exists()


def test_adding_a_departure_in_the_admin_invalidates(watch: Any, staff_client: Client) -> None:
    itinerary = cast(Itinerary, ItineraryFactory())
    starts = in_days(25)
    data = {
        "itinerary": itinerary.pk,
        "starts_at_0": starts.strftime("%d/%m/%Y"),
        "starts_at_1": starts.strftime("%H:%M:%S"),
        "language": "fr",
        "capacity": 30,
        "kind": "public",
        "notes": "",
    }

    def add() -> None:
        url = "/admin/itineraries/departure/add/"
        response = staff_client.post(url, {**form_data(staff_client.get(url)), **data})
        assert response.status_code == 302, response.content.decode()[:3000]

    watch(add).check()
    assert Departure.objects.filter(itinerary=itinerary).exists()


def test_confirming_that_a_departure_goes_ahead_invalidates_the_catalogue(watch: Any) -> None:
    departure = schedule(ItineraryFactory(), days=20)
    watch(lambda: services.departure_go_confirm(departure=departure)).check()
