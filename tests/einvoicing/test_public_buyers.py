"""The structure lookup (GET /api/v1/public-buyers/{siret}/) and the booking's check: a buyer
whose structure requires a service code or a commitment number is asked for it before it
books; the portal unreachable never turns into an error, nor blocks a booking."""

from __future__ import annotations

from typing import Any

import pytest

from bookings.models import Booking
from einvoicing.lookup import public_buyer_forget
from tests.bookings.helpers import bookable_departure, booking_body
from tests.conftest import assert_problem
from tests.fakes.chorus_pro import FakeChorusPro

pytestmark = pytest.mark.django_db

SIRET = "21620041600016"  # Mairie d'Arras
OTHER = "21590350100017"  # Mairie de Lille
UNKNOWN_SIRET = "44306184100047"
SERVICES = [
    {"codeService": "SERV-01", "libelleService": "Culture", "estActif": True},
    {"codeService": "SERV-02", "libelleService": "Jeunesse", "estActif": True},
    {"codeService": "OLD", "libelleService": "Ancien service", "estActif": False},
]
STRUCTURE_CALLS = (
    "/cpro/structures/v1/rechercher",
    "/cpro/structures/v1/consulter",
    "/cpro/structures/v1/rechercher/services",
)


def _lookup(api: Any, siret: str) -> Any:
    return api.get(f"/api/v1/public-buyers/{siret}/")


def _portal_calls(fake: FakeChorusPro) -> int:
    return sum(len(fake.calls(path)) for path in STRUCTURE_CALLS)


def _strict(fake: FakeChorusPro, **flags: Any) -> None:
    fake.add_structure(
        SIRET,
        name="Mairie d'Arras",
        service_code_required=flags.get("service", True),
        commitment_required=flags.get("commitment", True),
        services=SERVICES,
    )


def test_a_registered_structure_says_what_it_requires_and_lists_its_active_services(
    api: Any, chorus_pro: FakeChorusPro
) -> None:
    _strict(chorus_pro)
    response = _lookup(api, SIRET)
    assert response.status_code == 200, response.content
    assert response.json() == {
        "siret": SIRET,
        "chorus_pro": "registered",
        "name": "Mairie d'Arras",
        "service_code_required": True,
        "commitment_number_required": True,
        "services": [
            {"code": "SERV-01", "name": "Culture"},
            {"code": "SERV-02", "name": "Jeunesse"},
        ],
        "unknown_reason": "",
    }


def test_a_siret_the_portal_does_not_know_is_not_registered(
    api: Any, chorus_pro: FakeChorusPro
) -> None:
    body = _lookup(api, UNKNOWN_SIRET).json()
    assert body["chorus_pro"] == "not_registered"
    assert body["service_code_required"] is None and body["services"] == []


def test_the_answer_is_cached_for_the_configured_time(
    api: Any, chorus_pro: FakeChorusPro, settings: Any
) -> None:
    _strict(chorus_pro)
    assert _lookup(api, SIRET).json()["chorus_pro"] == "registered"
    calls = _portal_calls(chorus_pro)
    assert calls == 3
    chorus_pro.structures[SIRET].service_code_required = False  # changed at the portal
    assert _lookup(api, SIRET).json()["service_code_required"] is True  # from the cache
    assert _portal_calls(chorus_pro) == calls
    public_buyer_forget(SIRET)
    assert _lookup(api, SIRET).json()["service_code_required"] is False
    # A TTL of 0 (no caching) asks the portal every time.
    settings.CHORUS_PRO_LOOKUP_CACHE_SECONDS = 0
    public_buyer_forget(SIRET)
    _lookup(api, SIRET)
    before = _portal_calls(chorus_pro)
    _lookup(api, SIRET)
    assert _portal_calls(chorus_pro) == before + 3


@pytest.mark.parametrize("siret", ["21620041600017", "2162004160001", "ABCDEFGHIJKLMN"])
def test_a_malformed_siret_is_a_problem_naming_the_field(
    api: Any, chorus_pro: FakeChorusPro, siret: str
) -> None:
    assert_problem(_lookup(api, siret), 400, "invalid_siret", "siret")
    assert _portal_calls(chorus_pro) == 0


def test_the_portal_stopped_gives_unknown_never_an_error(
    api: Any, chorus_pro: FakeChorusPro
) -> None:
    _strict(chorus_pro)
    chorus_pro.stop()
    response = _lookup(api, SIRET)
    assert response.status_code == 200
    body = response.json()
    assert (body["chorus_pro"], body["unknown_reason"]) == ("unknown", "unavailable")
    assert body["service_code_required"] is None


def test_the_portal_failing_or_refusing_the_account_gives_unknown(
    api: Any, chorus_pro: FakeChorusPro, settings: Any
) -> None:
    _strict(chorus_pro)
    chorus_pro.fail_next(1, 500)
    assert _lookup(api, SIRET).json()["unknown_reason"] == "unavailable"
    public_buyer_forget(SIRET)  # the outage is remembered a minute; forget it here
    settings.CHORUS_PRO_PASSWORD = "wrong"
    assert _lookup(api, SIRET).json()["unknown_reason"] == "bad_credentials"
    public_buyer_forget(SIRET)
    settings.CHORUS_PRO_PASSWORD = "tech-password-loopback"
    assert _lookup(api, SIRET).json()["chorus_pro"] == "registered"


def test_an_outage_is_remembered_briefly_so_a_burst_does_not_wait_each_time(
    api: Any, chorus_pro: FakeChorusPro
) -> None:
    _strict(chorus_pro)
    chorus_pro.down()
    assert _lookup(api, SIRET).json()["chorus_pro"] == "unknown"
    chorus_pro.down(False)
    requests_before = len(chorus_pro.requests)
    assert _lookup(api, SIRET).json()["chorus_pro"] == "unknown"  # the memo, no new call
    assert len(chorus_pro.requests) == requests_before


def test_with_the_channel_off_the_answer_is_unknown_not_configured(api: Any) -> None:
    body = _lookup(api, SIRET).json()
    assert (body["chorus_pro"], body["unknown_reason"]) == ("unknown", "not_configured")


# --- The booking's check ------------------------------------------------------------------


def _book(api: Any, **billing: str) -> Any:
    departure = bookable_departure()
    body = booking_body(departure)
    body["billing"].update(billing)
    return api.post("/api/v1/bookings/", body, format="json")


def test_a_structure_requiring_a_service_code_refuses_a_booking_without_one(
    api: Any, chorus_pro: FakeChorusPro
) -> None:
    _strict(chorus_pro, commitment=False)
    response = _book(api, service_code="")
    body = assert_problem(response, 400, "service_code_required", "billing.service_code")
    assert body["services"][0] == {"code": "SERV-01", "name": "Culture"}
    assert not Booking.objects.exists()


def test_both_missing_fields_are_named_at_once(api: Any, chorus_pro: FakeChorusPro) -> None:
    _strict(chorus_pro)
    body = assert_problem(
        _book(api, service_code="", purchase_order=""),
        400,
        "service_code_required",
        "billing.service_code",
    )
    assert ("billing.purchase_order", "commitment_number_required") in [
        (row["field"], row["code"]) for row in body["errors"]
    ]
    assert not Booking.objects.exists()


def test_a_service_code_that_is_not_an_active_service_is_refused(
    api: Any, chorus_pro: FakeChorusPro
) -> None:
    _strict(chorus_pro, service=False, commitment=False)
    assert_problem(
        _book(api, service_code="OLD"), 400, "service_code_unknown", "billing.service_code"
    )
    assert not Booking.objects.exists()


def test_a_booking_giving_what_the_structure_requires_goes_ahead(
    api: Any, chorus_pro: FakeChorusPro
) -> None:
    _strict(chorus_pro)
    response = _book(api, service_code="SERV-02", purchase_order="EJ-2026-0042")
    assert response.status_code == 201, response.content
    booking = Booking.objects.get()
    assert (booking.service_code, booking.purchase_order) == ("SERV-02", "EJ-2026-0042")


def test_a_structure_without_requirements_or_unknown_to_the_portal_books_as_before(
    api: Any, chorus_pro: FakeChorusPro
) -> None:
    _strict(chorus_pro, service=False, commitment=False)
    assert _book(api, service_code="", purchase_order="").status_code == 201
    departure = bookable_departure(slug="another")
    body = booking_body(departure)
    body["organisation"]["siret"] = UNKNOWN_SIRET
    body["billing"].update(service_code="", purchase_order="")
    assert api.post("/api/v1/bookings/", body, format="json").status_code == 201


def test_the_portal_stopped_never_blocks_a_booking(api: Any, chorus_pro: FakeChorusPro) -> None:
    _strict(chorus_pro)
    chorus_pro.stop()
    response = _book(api, service_code="", purchase_order="")
    assert response.status_code == 201, response.content


def test_with_the_channel_off_nothing_is_asked(api: Any) -> None:
    assert _book(api, service_code="", purchase_order="").status_code == 201
