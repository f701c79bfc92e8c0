"""The quotes admin: the list by status and expiry, and a read-only detail with the versions,
the acceptance and the audit trail."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from procurement.models import Quote
from tests.bookings.helpers import bookable_departure
from tests.factories import UserFactory
from tests.procurement.helpers import quote_body, quote_staff

pytestmark = pytest.mark.django_db


def _quotes(api: APIClient) -> list[dict[str, str]]:
    departure = bookable_departure(capacity=60)  # two quotes of 24 seats, each held
    made = [
        api.post("/api/v1/quotes/", quote_body(departure), format="json").json() for _ in range(2)
    ]
    Quote.objects.filter(number=made[1]["number"]).update(
        valid_until=timezone.now() - timedelta(days=1)
    )
    accepted = api.post(
        f"/api/v1/quotes/{made[0]['number']}/accept/",
        {"name": "Claire Martin", "role": "Directrice", "statement": True},
        format="json",
        HTTP_X_QUOTE_TOKEN=made[0]["token"],
    )
    assert accepted.status_code == 200, accepted.content
    return made


def test_the_list_filters_by_status_and_expiry_and_the_detail_is_read_only(api: APIClient) -> None:
    accepted, expired = _quotes(api)
    client = Client()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    listing = client.get("/admin/procurement/quote/", {"status": "expired"}).content.decode()
    assert expired["number"] in listing and accepted["number"] not in listing
    listing = client.get("/admin/procurement/quote/", {"status": "accepted"}).content.decode()
    assert accepted["number"] in listing and expired["number"] not in listing

    quote = Quote.objects.get(number=accepted["number"])
    detail = client.get(f"/admin/procurement/quote/{quote.pk}/change/")
    assert detail.status_code == 200
    page = detail.content.decode()
    assert "Directrice" in page  # the acceptance
    assert quote.versions.get().pdf_sha256 in page
    assert "accepted" in page  # the audit trail
    assert 'name="_save"' not in page  # read only


def test_staff_without_the_permission_do_not_see_quotes(api: APIClient) -> None:
    _quotes(api)
    client = Client()
    client.force_login(quote_staff(username="reader"))
    assert client.get("/admin/procurement/quote/").status_code == 200
    nobody = Client()
    nobody.force_login(UserFactory(is_staff=True))
    assert nobody.get("/admin/procurement/quote/").status_code == 403
