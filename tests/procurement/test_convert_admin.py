"""Staff convert a quote to a booking from the admin (issue 16, item 7): the list's action
opens a form for one quote, the form accepts the current version on the buyer's behalf through
the API's service (frozen price, seats, audit as the staff member), the order numbers with it;
a refusal (an expired quote) is shown and changes nothing; staff without the permission
cannot."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from bookings.models import Booking, BookingStatus
from procurement.models import Quote, QuoteAcceptance, QuoteEvent, QuoteStatus
from tests.bookings.helpers import bookable_departure
from tests.procurement.helpers import quote_body, quote_staff

pytestmark = pytest.mark.django_db


def _ask(api: APIClient, departure: Any) -> Quote:
    response = api.post("/api/v1/quotes/", quote_body(departure), format="json")
    assert response.status_code == 201, response.content
    return Quote.objects.get(number=response.json()["number"])


def _staff_client(**kwargs: Any) -> tuple[Client, Any]:
    user = quote_staff(username="office", **kwargs)
    user.user_permissions.add(Permission.objects.get(codename="view_booking"))
    client = Client()
    client.force_login(user)
    return client, user


def test_the_action_opens_the_form_and_the_form_converts_the_quote(api: APIClient) -> None:
    departure = bookable_departure(capacity=60)
    quote = _ask(api, departure)
    client, user = _staff_client()

    listing = client.post(
        "/admin/procurement/quote/",
        {"action": "convert", "_selected_action": [quote.pk]},
    )
    assert listing.status_code == 302
    assert listing["Location"] == f"/admin/procurement/quote/{quote.pk}/convert/"
    page = client.get(listing["Location"])
    assert page.status_code == 200
    assert 'id="convert-form"' in page.content.decode()
    detail = client.get(f"/admin/procurement/quote/{quote.pk}/change/").content.decode()
    assert f'href="/admin/procurement/quote/{quote.pk}/convert/"' in detail

    # Wrong input: no signatory; nothing changes.
    refused = client.post(listing["Location"], {"name": "", "role": "Maire"})
    assert refused.status_code == 200
    assert not QuoteAcceptance.objects.exists()

    done = client.post(
        listing["Location"],
        {
            "name": "Claire Martin",
            "role": "Maire",
            "purchase_order_number": "BC-77",
            "commitment_number": "EJ-2026-9",
        },
    )
    assert done.status_code == 302, done.content
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.ACCEPTED
    assert quote.commitment_number == "EJ-2026-9" and quote.purchase_order_number == "BC-77"
    booking = Booking.objects.get(reference=quote.booking.reference)
    assert booking.status == BookingStatus.CONFIRMED
    assert booking.total_cents == quote.versions.get().total_cents
    acceptance = QuoteAcceptance.objects.get(quote=quote)
    assert (acceptance.name, acceptance.role) == ("Claire Martin", "Maire")
    event = QuoteEvent.objects.get(quote=quote, action="accepted")
    assert event.actor == user and event.data["by_staff"] is True
    assert QuoteEvent.objects.filter(quote=quote, action="order_details").exists()


def test_an_expired_quote_is_refused_on_the_form_and_nothing_changes(api: APIClient) -> None:
    quote = _ask(api, bookable_departure(capacity=60))
    Quote.objects.filter(pk=quote.pk).update(valid_until=timezone.now() - timedelta(days=1))
    client, _user = _staff_client()
    answer = client.post(
        f"/admin/procurement/quote/{quote.pk}/convert/", {"name": "Claire", "role": "Maire"}
    )
    assert answer.status_code == 200
    assert "expired" in answer.content.decode() or "expiré" in answer.content.decode()
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.SENT and quote.booking_id is None
    assert not Booking.objects.exists()


def test_staff_who_may_only_view_quotes_cannot_convert(api: APIClient) -> None:
    quote = _ask(api, bookable_departure(capacity=60))
    client, user = _staff_client()
    user.user_permissions.remove(Permission.objects.get(codename="change_quote"))
    assert client.get(f"/admin/procurement/quote/{quote.pk}/convert/").status_code == 403
    listing = client.get("/admin/procurement/quote/").content.decode()
    assert 'value="convert"' not in listing
