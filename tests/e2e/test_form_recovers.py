"""A booking form refused by the API can be corrected and sent again, under the same
Idempotency-Key, without reloading and losing what was typed (issue 14, item 1)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from bookings.models import Booking
from core.models import IdempotencyKey
from tests.bookings.helpers import VALID_SIRET
from tests.e2e.conftest import shoot
from tests.e2e.test_frontend import (  # noqa: F401  (departure is a fixture)
    departure,
    fill_invoice_form,
    open_first_slot,
    unexpected,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# A SIRET whose check digit is wrong: the API refuses it with a field error.
WRONG_SIRET = "21620041600017"


def test_a_refused_form_is_corrected_and_sent_again(page: Any, departure: Any) -> None:  # noqa: F811
    open_first_slot(page, departure)
    fill_invoice_form(page)
    siret = page.get_by_label("SIRET (14 chiffres)")
    siret.fill(WRONG_SIRET)
    keys: list[str] = []
    page.on(
        "request",
        lambda request: (
            keys.append(request.headers.get("idempotency-key", ""))
            if request.method == "POST" and request.url.endswith("/api/v1/bookings/")
            else None
        ),
    )
    page.get_by_role("button", name="Envoyer la réservation").click()
    page.locator("#b-organisation-siret-error").wait_for()
    assert not IdempotencyKey.objects.exists()  # the refusal is not kept under the key
    shoot(page, "after-form-error-refused")  # desktop and phone

    siret.fill(VALID_SIRET)
    page.get_by_role("button", name="Envoyer la réservation").click()
    page.locator("#status").wait_for()
    expect(page.locator("#status")).not_to_be_empty()
    booking = Booking.objects.get()
    assert booking.siret == VALID_SIRET
    assert booking.organisation_name == "Mairie d'Arras"  # nothing typed was lost
    assert len(keys) == 2 and keys[0] == keys[1] and keys[0]  # the same key, both times
    shoot(page, "after-form-error-corrected")
    assert unexpected(page.problems) == []
