""" "My bookings": a contact signs in by a one-time link e-mailed to its address and sees every
booking made with it (issue 14 item 2, last sentence)."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import override_settings
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from bookings import signin
from bookings.models import Booking, ContactSession, SignInLink
from bookings.retention import booking_anonymise
from bookings.services import Actor
from bookings.tasks import purge_sign_ins
from core.gunicorn_logging import masked_path
from core.logging import redact
from core.tokens import hash_token
from itineraries.models import Departure
from tests.bookings.helpers import book, bookable_departure
from tests.conftest import CommittingAPIClient, assert_problem
from tests.factories import schedule

pytestmark = pytest.mark.django_db

SIGN_IN = "/api/v1/my-bookings/sign-in/"
SESSION = "/api/v1/my-bookings/session/"
LIST = "/api/v1/my-bookings/"
LINK = re.compile(r"https?://\S+/my-bookings/sign-in\?token=([-_A-Za-z0-9]+)")
CLAIRE = "claire@example.org"


def _contact(email: str) -> dict[str, str]:
    return {"name": "Claire Martin", "email": email, "phone": "+33 6 12 34 56 78"}


@pytest.fixture
def bookings(api: Any) -> dict[str, str]:
    """Claire's three bookings (one past, one cancelled) and one of somebody else's."""
    first = bookable_departure(capacity=40, days=20)
    itinerary = first.itinerary
    later = schedule(itinerary, days=60, capacity=40)
    past = schedule(itinerary, days=30, capacity=40)
    refs = {}
    for name, departure, email in (
        ("soon", first, CLAIRE),
        ("later", later, " Claire@Example.org"),
        ("past", past, CLAIRE),
        ("other", first, "someone@example.net"),
    ):
        answer = book(api, departure, participants=5, contact=_contact(email))
        assert answer.status_code == 201, answer.content
        refs[name] = answer.json()["reference"]
    # The visit of "past" took place last month.
    Departure.objects.filter(pk=past.pk).update(starts_at=timezone.now() - timedelta(days=30))
    created = book(api, later, participants=3, contact=_contact(CLAIRE)).json()
    refs["cancelled"] = created["reference"]
    cancelled = api.post(
        f"/api/v1/bookings/{refs['cancelled']}/cancel/",
        {"reason": ""},
        format="json",
        HTTP_X_BOOKING_TOKEN=created["token"],
    )
    assert cancelled.status_code == 200, cancelled.content
    mail.outbox.clear()
    cache.clear()
    return refs


def _ask(api: Any, email: str, **extra: Any) -> Any:
    return api.post(SIGN_IN, {"email": email}, format="json", **extra)


def _token_in(message: Any) -> str:
    found = LINK.search(message.body)
    assert found, message.body
    return found.group(1)


def _signed_in(email: str = CLAIRE) -> APIClient:
    client = CommittingAPIClient()
    assert _ask(client, email).status_code == 202
    token = _token_in(mail.outbox[-1])
    assert client.post(SESSION, {"token": token}, format="json").status_code == 201
    return client


def test_a_sign_in_link_is_sent_to_an_address_with_bookings(api: Any, bookings: Any) -> None:
    answer = _ask(api, "  CLAIRE@example.org ", HTTP_ACCEPT_LANGUAGE="en")
    assert answer.status_code == 202
    (message,) = mail.outbox
    assert message.to == [CLAIRE]
    assert "works once and expires in 30 minutes" in message.body
    token = _token_in(message)
    # Only the hash is stored.
    assert SignInLink.objects.get().token_hash == hash_token(token)
    assert not SignInLink.objects.filter(token_hash=token).exists()


def test_the_answer_is_the_same_for_an_address_without_bookings(api: Any, bookings: Any) -> None:
    known = _ask(api, CLAIRE)
    unknown = _ask(api, "nobody@example.org")
    assert known.status_code == unknown.status_code == 202
    assert known.json() == unknown.json()
    assert len(mail.outbox) == 1  # nothing is sent to an address that never booked
    assert SignInLink.objects.filter(email="nobody@example.org").count() == 0


def test_a_malformed_address_is_a_problem_with_its_field(api: Any) -> None:
    assert_problem(_ask(api, "claire-at-example.org"), 400, "invalid", "email")
    assert_problem(api.post(SIGN_IN, {}, format="json"), 400, "required", "email")
    assert mail.outbox == []


@pytest.fixture
def tight_rates(monkeypatch: pytest.MonkeyPatch) -> None:
    rates = {
        **SimpleRateThrottle.THROTTLE_RATES,
        "my_bookings_signin": "3/hour",
        "my_bookings_signin_email": "2/hour",
    }
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)


def test_sign_in_requests_are_throttled_per_client_and_per_address(
    api: Any, bookings: Any, tight_rates: None
) -> None:
    assert _ask(api, CLAIRE).status_code == 202
    assert _ask(api, "Claire@example.org").status_code == 202
    # A third request for the same address, from another client: the address's limit.
    assert_problem(_ask(api, CLAIRE, REMOTE_ADDR="198.51.100.7"), 429, "throttled")
    # The first client's third request passes (another address); its fourth does not.
    assert _ask(api, "other@example.org").status_code == 202
    assert_problem(_ask(api, "more@example.org"), 429, "throttled")
    assert len(mail.outbox) == 2


def test_the_link_opens_one_session_once(api: Any, bookings: Any) -> None:
    _ask(api, CLAIRE)
    token = _token_in(mail.outbox[0])
    opened = api.post(SESSION, {"token": token}, format="json")
    assert opened.status_code == 201, opened.content
    assert opened.json()["email"] == CLAIRE
    cookie = opened.cookies[signin.COOKIE_NAME]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert cookie["path"] == "/api/v1/my-bookings/"
    assert int(cookie["max-age"]) == 30 * 86400
    # Only the session token's hash is stored.
    assert ContactSession.objects.get().token_hash == hash_token(cookie.value)
    # The same link a second time, from anywhere: refused.
    assert_problem(
        APIClient().post(SESSION, {"token": token}, format="json"),
        400,
        signin.SIGN_IN_LINK_INVALID,
        "token",
    )
    assert ContactSession.objects.count() == 1


def test_an_expired_or_unknown_link_opens_nothing(api: Any, bookings: Any) -> None:
    _ask(api, CLAIRE)
    token = _token_in(mail.outbox[0])
    SignInLink.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    for value in (token, token + "x"):
        answer = api.post(SESSION, {"token": value}, format="json")
        assert_problem(answer, 400, signin.SIGN_IN_LINK_INVALID, "token")
    too_long = api.post(SESSION, {"token": "x" * 300}, format="json")
    assert_problem(too_long, 400, "max_length", "token")
    assert ContactSession.objects.count() == 0


@override_settings(MY_BOOKINGS_LINK_MINUTES=5)
def test_the_link_lives_as_long_as_the_setting_says(api: Any, bookings: Any) -> None:
    before = timezone.now()
    _ask(api, CLAIRE)
    link = SignInLink.objects.get()
    assert before + timedelta(minutes=5) <= link.expires_at <= timezone.now() + timedelta(minutes=5)
    assert "expire dans 5 minutes" in mail.outbox[0].body


def test_the_list_shows_that_address_s_bookings_only_upcoming_first(bookings: Any) -> None:
    client = _signed_in()
    answer = client.get(LIST)
    assert answer.status_code == 200
    body = answer.json()
    refs = [row["reference"] for row in body["results"]]
    # Upcoming soonest first (the cancelled one is on the later date, booked after), then past.
    assert refs == [bookings["soon"], bookings["later"], bookings["cancelled"], bookings["past"]]
    assert bookings["other"] not in refs
    assert body["count"] == 4
    first = body["results"][0]
    booking = Booking.objects.get(reference=bookings["soon"])
    assert first == {
        "reference": booking.reference,
        "status": "requested",
        "organisation": "Mairie d'Arras",
        "itinerary": {"slug": "base-11-19", "title": booking.departure.itinerary.title},
        "starts_at": first["starts_at"],
        "participants": 5,
        "language": "fr",
        "total_cents": booking.total_cents,
        "currency": "EUR",
        "is_past": False,
    }
    statuses = {row["reference"]: (row["status"], row["is_past"]) for row in body["results"]}
    assert statuses[bookings["cancelled"]] == ("cancelled", False)
    assert statuses[bookings["past"]][1] is True
    assert "token" not in answer.content.decode()


def test_the_list_is_paginated(bookings: Any) -> None:
    client = _signed_in()
    page = client.get(LIST, {"page_size": 3}).json()
    assert page["count"] == 4 and len(page["results"]) == 3 and page["next"]
    rest = client.get(LIST, {"page_size": 3, "page": 2}).json()
    assert [row["reference"] for row in rest["results"]] == [bookings["past"]]


def test_the_list_pins_its_queries(bookings: Any, django_assert_num_queries: Any) -> None:
    client = _signed_in()
    # The session, the count, the page (with departure and itinerary joined).
    with django_assert_num_queries(3):
        assert client.get(LIST).status_code == 200


def test_another_address_never_sees_these_bookings(bookings: Any) -> None:
    other = _signed_in("someone@example.net")
    refs = [row["reference"] for row in other.get(LIST).json()["results"]]
    assert refs == [bookings["other"]]
    # Nor opens one of them by its reference.
    assert_problem(
        other.post(f"/api/v1/my-bookings/{bookings['soon']}/organiser-link/"), 404, "not_found"
    )


def test_a_booking_of_the_list_opens_by_a_fresh_organiser_link(api: Any, bookings: Any) -> None:
    client = _signed_in()
    answer = client.post(f"/api/v1/my-bookings/{bookings['later'].lower()}/organiser-link/")
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["reference"] == bookings["later"]
    assert body["url"].endswith(f"/bookings/{bookings['later']}?token={body['token']}")
    page = api.get(f"/api/v1/bookings/{bookings['later']}/", HTTP_X_BOOKING_TOKEN=body["token"])
    assert page.status_code == 200
    again = client.post(f"/api/v1/my-bookings/{bookings['later']}/organiser-link/").json()
    assert again["token"] != body["token"]


def test_without_a_session_nothing_is_listed_or_opened(api: Any, bookings: Any) -> None:
    assert_problem(api.get(LIST), 403, signin.NOT_SIGNED_IN)
    assert_problem(api.get(SESSION), 403, signin.NOT_SIGNED_IN)
    assert_problem(
        api.post(f"/api/v1/my-bookings/{bookings['soon']}/organiser-link/"),
        403,
        signin.NOT_SIGNED_IN,
    )
    api.cookies[signin.COOKIE_NAME] = "forged"
    assert_problem(api.get(LIST), 403, signin.NOT_SIGNED_IN)


def test_signing_out_ends_the_session_on_the_server(bookings: Any) -> None:
    client = _signed_in()
    stolen = client.cookies[signin.COOKIE_NAME].value
    assert client.get(SESSION).json()["email"] == CLAIRE
    out = client.delete(SESSION)
    assert out.status_code == 204
    assert out.cookies[signin.COOKIE_NAME]["max-age"] == 0
    assert ContactSession.objects.count() == 0
    # A copy of the cookie taken before signing out opens nothing.
    thief = APIClient()
    thief.cookies[signin.COOKIE_NAME] = stolen
    assert_problem(thief.get(LIST), 403, signin.NOT_SIGNED_IN)


def test_an_expired_session_opens_nothing(bookings: Any) -> None:
    client = _signed_in()
    ContactSession.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert_problem(client.get(LIST), 403, signin.NOT_SIGNED_IN)


def test_cookie_authorised_writes_need_the_csrf_token(api: Any, bookings: Any) -> None:
    client = CommittingAPIClient(enforce_csrf_checks=True)
    _ask(client, CLAIRE)
    opened = client.post(SESSION, {"token": _token_in(mail.outbox[-1])}, format="json")
    assert opened.status_code == 201
    csrf = client.cookies["csrftoken"].value
    link = f"/api/v1/my-bookings/{bookings['soon']}/organiser-link/"
    assert_problem(client.post(link), 403, "permission_denied")
    assert_problem(client.delete(SESSION), 403, "permission_denied")
    assert ContactSession.objects.count() == 1
    assert client.post(link, HTTP_X_CSRFTOKEN=csrf).status_code == 201
    assert client.delete(SESSION, HTTP_X_CSRFTOKEN=csrf).status_code == 204


def test_erasing_a_contact_deletes_its_sign_in_links_and_sessions(bookings: Any) -> None:
    client = _signed_in()
    _ask(CommittingAPIClient(), CLAIRE)  # a link still unused
    _signed_in("someone@example.net")
    booking = Booking.objects.get(reference=bookings["past"])
    Booking.objects.filter(pk=booking.pk).update(status="cancelled")
    booking_anonymise(booking=booking, actor=Actor.system(), reason="erasure_request")
    assert not SignInLink.objects.filter(email=CLAIRE).exists()
    assert not ContactSession.objects.filter(email=CLAIRE).exists()
    assert ContactSession.objects.filter(email="someone@example.net").count() == 1
    assert_problem(client.get(LIST), 403, signin.NOT_SIGNED_IN)


def test_expired_links_and_sessions_are_purged(bookings: Any) -> None:
    _signed_in()
    _ask(CommittingAPIClient(), CLAIRE)
    assert SignInLink.objects.count() == 2 and ContactSession.objects.count() == 1
    assert purge_sign_ins() == 0
    SignInLink.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert purge_sign_ins() == 2
    ContactSession.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert purge_sign_ins() == 1
    assert SignInLink.objects.count() == ContactSession.objects.count() == 0


def test_the_sign_in_flow_writes_no_token_to_the_logs(
    bookings: Any, captured_logs: io.StringIO
) -> None:
    client = _signed_in()
    token = _token_in(mail.outbox[-1])
    session = client.cookies[signin.COOKIE_NAME].value
    client.get(LIST)
    client.post(SESSION, {"token": token}, format="json")  # used: a 400, logged
    output = captured_logs.getvalue()
    assert output
    assert token not in output and session not in output
    # The page's address carries it in the query: both log nets mask it.
    url = f"/my-bookings/sign-in?token={token}"
    assert token not in redact(f'"GET {url} HTTP/1.1" 200')
    assert token not in masked_path(url)
