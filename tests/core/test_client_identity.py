"""One client-identity rule behind the documented reverse proxy (``NUM_PROXIES=1``).

The proxy connects from one address (``REMOTE_ADDR``) for every client and appends the client's
address to ``X-Forwarded-For``: the sign-in lockout, the throttles and the idempotency scope must
all count that address, never the proxy's, and never what the client itself wrote in the header.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.test import Client, RequestFactory, override_settings

from core.clients import client_address
from core.throttling import ClientRateThrottle
from tests.bookings.helpers import bookable_departure, booking_body
from tests.conftest import CommittingAPIClient
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.2"
PASSWORD = "right password 42"


@pytest.fixture(autouse=True)
def behind_one_proxy() -> Iterator[None]:
    with override_settings(REST_FRAMEWORK={**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}):
        yield


def through_proxy(client_ip: str, client_said: str = "") -> dict[str, str]:
    """What the proxy passes on: its own address, and the client's appended to the header."""
    forwarded = f"{client_said}, {client_ip}" if client_said else client_ip
    return {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": forwarded}


@pytest.mark.parametrize("login_url", ["/admin/login/", "/accounts/login/"])
def test_another_clients_failures_do_not_lock_out_the_right_password_from_elsewhere(
    login_url: str,
) -> None:
    UserFactory(username="office", is_staff=True, password=PASSWORD)
    attacker = Client(**through_proxy("203.0.113.66"))
    for _ in range(5):
        attacker.post(login_url, {"username": "office", "password": "wrong"})
    assert attacker.post(login_url, {"username": "office", "password": PASSWORD}).status_code == (
        429
    )

    office = Client(**through_proxy("198.51.100.20"))
    signed_in = office.post(login_url, {"username": "office", "password": PASSWORD})
    assert signed_in.status_code == 302, signed_in.content[:300]


def test_a_client_cannot_escape_its_lockout_by_writing_its_own_forwarded_for() -> None:
    UserFactory(username="office", is_staff=True, password=PASSWORD)
    for _ in range(5):
        Client(**through_proxy("203.0.113.66")).post(
            "/admin/login/", {"username": "office", "password": "wrong"}
        )
    spoofing = Client(**through_proxy("203.0.113.66", client_said="198.51.100.20"))
    answer = spoofing.post("/admin/login/", {"username": "office", "password": PASSWORD})
    assert answer.status_code == 429


def test_behind_the_proxy_a_replay_never_hands_a_booking_to_another_client() -> None:
    departure = bookable_departure()
    body = booking_body(departure, participants=10)
    key = {"HTTP_IDEMPOTENCY_KEY": "booking-attempt-1"}
    first_client = CommittingAPIClient(**through_proxy("198.51.100.20"))
    first = first_client.post("/api/v1/bookings/", body, format="json", **key)
    assert first.status_code == 201, first.content
    retried = first_client.post("/api/v1/bookings/", body, format="json", **key)
    assert retried["Idempotent-Replayed"] == "true"

    other = CommittingAPIClient(**through_proxy("203.0.113.66")).post(
        "/api/v1/bookings/", body, format="json", **key
    )
    assert other.status_code == 201, other.content
    assert "Idempotent-Replayed" not in other
    assert other.json()["token"] != first.json()["token"]
    assert other.json()["reference"] != first.json()["reference"]


def test_the_throttles_count_the_client_not_the_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    # DRF reads the rates once, into a class attribute.
    rates = {**ClientRateThrottle.THROTTLE_RATES, "anon": "2/minute"}
    monkeypatch.setattr(ClientRateThrottle, "THROTTLE_RATES", rates)
    busy = Client(**through_proxy("203.0.113.66"))
    assert [busy.get("/api/v1/themes/").status_code for _ in range(3)] == [200, 200, 429]
    quiet = Client(**through_proxy("198.51.100.20"))
    assert quiet.get("/api/v1/themes/").status_code == 200


@pytest.mark.parametrize(
    ("proxies", "meta", "expected"),
    [
        (0, {"REMOTE_ADDR": "192.0.2.1", "HTTP_X_FORWARDED_FOR": "198.51.100.9"}, "192.0.2.1"),
        (1, {"REMOTE_ADDR": PROXY}, PROXY),
        (1, {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "a, 198.51.100.9"}, "198.51.100.9"),
        (2, {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "1.2.3.4, 5.6.7.8, 9.9.9.9"}, "5.6.7.8"),
        (1, {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "not an address"}, PROXY),
        (1, {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": " 2001:db8::1 "}, "2001:db8::1"),
    ],
)
def test_client_address_rule(proxies: int, meta: dict[str, Any], expected: str) -> None:
    with override_settings(REST_FRAMEWORK={**settings.REST_FRAMEWORK, "NUM_PROXIES": proxies}):
        request = RequestFactory().get("/", **meta)
        assert client_address(request) == expected
