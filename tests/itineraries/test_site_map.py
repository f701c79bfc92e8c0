"""What each site demonstrates: categories, FR/EN texts, accessibility, sourced key figures and
the published itineraries that visit it (``/api/v1/sites/``), the admin's form, the demo data."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.test import Client

from itineraries import demo
from itineraries.admin import SiteForm
from itineraries.models import Site, SiteCategory, SiteFigure
from tests.admin_forms import form_data
from tests.factories import ItineraryFactory, SiteFactory, StopFactory, UserFactory

pytestmark = pytest.mark.django_db


def _figure(site: Site, **overrides: Any) -> SiteFigure:
    fields: dict[str, Any] = {
        "site": site,
        "label_fr": "Puissance cumulée",
        "label_en": "Combined power",
        "value": "450",
        "unit_fr": "kWc",
        "unit_en": "kWp",
        "year": 2019,
        "source": "SEM Énergies Hauts-de-France",
        "source_url": "https://www.energies-hdf.fr/",
    }
    fields.update(overrides)
    return SiteFigure.objects.create(**fields)


def test_site_card_says_what_it_demonstrates_in_the_readers_language(api: Any) -> None:
    site = SiteFactory(
        slug="mine-de-soleil",
        categories=["solar_pv"],
        demonstrates_fr="Des toits citoyens.",
        demonstrates_en="Citizen roofs.",
        accessibility_notes_fr="Vu depuis la rue.",
        accessibility_notes_en="Seen from the street.",
    )
    _figure(site)
    visiting = ItineraryFactory(
        slug="ville-pilote", title_en="Pilot town", is_published=True, stops=[]
    )
    StopFactory(itinerary=visiting, site=site, position=1)
    StopFactory(itinerary=visiting, site=site, position=2)  # visited twice, listed once
    draft = ItineraryFactory(slug="brouillon", is_published=False, stops=[])
    StopFactory(itinerary=draft, site=site, position=1)

    body = api.get("/api/v1/sites/mine-de-soleil/", HTTP_ACCEPT_LANGUAGE="en").json()

    assert body["categories"] == ["solar_pv"]
    assert body["demonstrates"] == "Citizen roofs."
    assert body["accessibility_notes"] == "Seen from the street."
    assert body["on_map"] is True
    assert body["figures"] == [
        {
            "label": "Combined power",
            "value": "450",
            "unit": "kWp",
            "year": 2019,
            "source": "SEM Énergies Hauts-de-France",
            "source_url": "https://www.energies-hdf.fr/",
        }
    ]
    assert body["itineraries"] == [{"slug": "ville-pilote", "title": "Pilot town"}]
    french = api.get("/api/v1/sites/mine-de-soleil/").json()
    assert french["demonstrates"] == "Des toits citoyens."
    assert french["figures"][0]["unit"] == "kWc"


def test_site_list_query_count_does_not_grow_with_figures_and_visits(
    api: Any, django_assert_num_queries: Any
) -> None:
    for index in range(5):
        site = SiteFactory()
        _figure(site)
        _figure(site, position=1)
        StopFactory(site=site, position=1, itinerary=ItineraryFactory(is_published=True, stops=[]))
        assert index >= 0
    with django_assert_num_queries(4):  # count, page, figures, stops of published itineraries
        body = api.get("/api/v1/sites/").json()
    assert all(len(row["figures"]) == 2 and len(row["itineraries"]) == 1 for row in body["results"])


def test_a_figure_edited_in_the_site_admin_is_served_at_once(api: Any) -> None:
    """Figures are written through the site's admin page (an inline), which invalidates the
    cached catalogue (itineraries.invalidation.CatalogueAdminMixin)."""
    site = SiteFactory(slug="eglise")
    _figure(site)
    assert api.get("/api/v1/sites/eglise/").json()["figures"][0]["value"] == "450"
    staff = Client()
    staff.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    url = f"/admin/itineraries/site/{site.pk}/change/"
    data = form_data(staff.get(url))
    data["figures-0-value"] = "35"
    assert staff.post(url, data).status_code == 302
    assert api.get("/api/v1/sites/eglise/").json()["figures"][0]["value"] == "35"
    data = form_data(staff.get(url))
    data["figures-0-DELETE"] = "on"
    assert staff.post(url, data).status_code == 302
    assert api.get("/api/v1/sites/eglise/").json()["figures"] == []


@pytest.mark.parametrize(
    ("categories", "code"),
    [
        (["nuclear"], "unknown"),
        (["solar_pv", "solar_pv"], "duplicate"),
        ("solar_pv", "invalid"),
        ([1], "invalid"),
    ],
)
def test_a_bad_category_list_is_refused(categories: Any, code: str) -> None:
    site = SiteFactory.build(categories=categories)
    with pytest.raises(ValidationError) as raised:
        site.full_clean()
    assert [error.code for error in raised.value.error_dict["categories"]] == [code]


def test_a_figure_needs_a_source_and_a_plausible_year() -> None:
    site: Any = SiteFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        _figure(site, source="")
    with pytest.raises(IntegrityError), transaction.atomic():
        _figure(site, year=1200)
    with pytest.raises(ValidationError) as raised:
        SiteFigure(site=site, label="x", value="1", year=2300, source="").full_clean()
    assert set(raised.value.error_dict) == {"year", "source"}


def test_admin_form_ticks_categories_and_stores_them_in_a_stable_order() -> None:
    site = SiteFactory()
    data = {
        field: getattr(site, field)
        for field in ("slug", "name", "name_fr", "address", "latitude", "longitude", "max_visitors")
    }
    data.update(
        {
            "minimum_age": 0,
            "is_bookable": "on",
            "on_map": "on",
            "categories": ["culture", "solar_pv"],
        }
    )
    form = SiteForm(data=data, instance=site)
    assert form.is_valid(), form.errors
    assert form.save().categories == ["solar_pv", "culture"]
    refused = SiteForm(data={**data, "categories": ["nuclear"]}, instance=site)
    assert not refused.is_valid()
    assert "categories" in refused.errors


def test_demo_sites_say_what_they_demonstrate_and_every_figure_is_sourced() -> None:
    call_command("load_demo", stdout=_Null())
    call_command("load_demo", stdout=_Null())  # twice: figures are not duplicated
    sites = {site.slug: site for site in Site.objects.prefetch_related("figures")}
    assert set(demo.SITE_MAP) == set(sites)
    for site in sites.values():
        site.full_clean()
        assert site.demonstrates_fr and site.demonstrates_en, site.slug
        for figure in site.figures.all():
            assert figure.source and figure.source_url.startswith("https://"), figure
            assert 2000 <= figure.year <= 2026
    assert sites["mine-de-soleil"].figures.count() == 3
    assert SiteFigure.objects.count() == sum(len(rows) for rows in demo.SITE_FIGURES.values())
    assert sites["lumiwatt"].categories == [SiteCategory.SOLAR_PV]
    assert sites["terril-74"].is_bookable is False and sites["terril-74"].on_map is True


class _Null:
    def write(self, *args: Any) -> None:
        pass


def test_admin_edits_a_sites_categories_and_figures(client: Any, django_user_model: Any) -> None:
    admin_user = django_user_model.objects.create_superuser("root", "root@example.org", "pw")
    client.force_login(admin_user)
    site = SiteFactory(categories=["culture"])
    page = client.get(f"/admin/itineraries/site/{site.pk}/change/")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'name="categories" value="culture"' in html and "checked" in html
    assert 'name="figures-TOTAL_FORMS"' in html


def test_admin_saves_a_figure_and_refuses_one_without_a_source(
    client: Any, django_user_model: Any
) -> None:
    client.force_login(django_user_model.objects.create_superuser("root", "r@example.org", "pw"))
    site = SiteFactory(slug="eglise", name_fr="Église", name_en="Church")
    form = {
        "slug": "eglise",
        "name_fr": "Église",
        "name_en": "Church",
        "address": site.address,
        "latitude": "50.45830",
        "longitude": "2.79420",
        "max_visitors": "40",
        "minimum_age": "0",
        "is_bookable": "on",
        "on_map": "on",
        "categories": ["solar_pv", "biodiversity_water"],
        "demonstrates_fr": "Une toiture solaire.",
        "figures-TOTAL_FORMS": "1",
        "figures-INITIAL_FORMS": "0",
        "figures-MIN_NUM_FORMS": "0",
        "figures-MAX_NUM_FORMS": "1000",
        "figures-0-position": "0",
        "figures-0-label_fr": "Puissance installée",
        "figures-0-label_en": "Installed power",
        "figures-0-value": "35",
        "figures-0-unit_fr": "kWc",
        "figures-0-unit_en": "kWp",
        "figures-0-year": "2013",
        "figures-0-source": "",
        "figures-0-source_url": "eglisesetecologies.com/2013/06/04/",
    }
    url = f"/admin/itineraries/site/{site.pk}/change/"
    refused = client.post(url, form)
    assert refused.status_code == 200 and SiteFigure.objects.count() == 0
    saved = client.post(url, {**form, "figures-0-source": "Églises et écologies"})
    assert saved.status_code == 302, saved.content.decode()[:2000]
    site.refresh_from_db()
    assert site.categories == ["solar_pv", "biodiversity_water"]
    figure = SiteFigure.objects.get()
    assert (figure.value, figure.unit_en, figure.year) == ("35", "kWp", 2013)
    assert figure.source_url == "https://eglisesetecologies.com/2013/06/04/"
