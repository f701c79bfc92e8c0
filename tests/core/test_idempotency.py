"""Idempotency-Key over HTTP, on the staff scheduling of departures (POST /api/v1/departures/)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.test import RequestFactory
from django.utils import timezone
from rest_framework.request import Request
from rest_framework.test import APIClient

from core import idempotency
from core.idempotency import (
    IDEMPOTENCY_KEY_REUSED,
    IDEMPOTENCY_REQUEST_IN_PROGRESS,
    INVALID_IDEMPOTENCY_KEY,
)
from core.models import IdempotencyKey, IdempotencyStatus
from core.tasks import purge_idempotency_keys
from itineraries.models import Departure, DepartureStatus
from itineraries.services import SITE_CAPACITY_EXCEEDED
from tests.conftest import assert_problem
from tests.factories import ItineraryFactory, SiteFactory, StaffFactory, in_days, schedule

pytestmark = pytest.mark.django_db

URL = "/api/v1/departures/"
KEY = "5f0c6c1e-8a3e-4c2b-9d57-2f1f3b0e7a11"


@pytest.fixture
def climb() -> Any:
    heap = SiteFactory(slug="terril-74a", max_visitors=40)
    return ItineraryFactory(slug="climb", stops=[{"site": heap}])


@pytest.fixture
def hook() -> Iterator[None]:
    yield
    idempotency._after_claim = None


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _payload(**data: Any) -> dict[str, Any]:
    return {"itinerary": "climb", "language": "fr", "starts_at": in_days(10).isoformat(), **data}


def _post(client: APIClient, payload: dict[str, Any], key: str | None = KEY, **extra: Any) -> Any:
    if key is not None:
        extra["HTTP_IDEMPOTENCY_KEY"] = key
    return client.post(URL, payload, format="json", **extra)


def test_second_identical_request_replays_the_first_response(
    staff_api: APIClient, climb: Any
) -> None:
    first = _post(staff_api, _payload(capacity=20))
    assert first.status_code == 201, first.content
    assert "Idempotent-Replayed" not in first

    second = _post(staff_api, _payload(capacity=20))
    assert second.status_code == 201
    assert second.content == first.content
    assert second["Content-Type"] == first["Content-Type"] == "application/json"
    assert second["Idempotent-Replayed"] == "true"
    assert Departure.objects.count() == 1
    row = IdempotencyKey.objects.get()
    assert row.status == IdempotencyStatus.DONE
    assert row.response_status == 201


def test_same_key_with_another_body_is_refused_with_422(staff_api: APIClient, climb: Any) -> None:
    assert _post(staff_api, _payload(capacity=20)).status_code == 201
    response = _post(staff_api, _payload(capacity=21))
    body = assert_problem(response, 422, IDEMPOTENCY_KEY_REUSED, "Idempotency-Key")
    assert "Idempotency-Key" in body["detail"]
    assert Departure.objects.count() == 1


def test_same_key_with_another_query_string_is_another_request(
    staff_api: APIClient, climb: Any
) -> None:
    assert _post(staff_api, _payload()).status_code == 201
    response = staff_api.post(
        f"{URL}?source=calendar", _payload(), format="json", HTTP_IDEMPOTENCY_KEY=KEY
    )
    assert_problem(response, 422, IDEMPOTENCY_KEY_REUSED, "Idempotency-Key")


def test_same_key_from_another_user_is_a_separate_key(staff_api: APIClient, climb: Any) -> None:
    first = _post(staff_api, _payload(capacity=10))
    other = APIClient()
    other.force_authenticate(StaffFactory(username="planner"))
    second = _post(other, _payload(capacity=10))
    assert second.status_code == 201, second.content
    assert "Idempotent-Replayed" not in second
    assert second.json()["id"] != first.json()["id"]
    assert Departure.objects.count() == 2
    assert IdempotencyKey.objects.filter(key_hash=_hash(KEY)).count() == 2


def test_same_key_with_another_booking_token_is_a_separate_key(
    staff_api: APIClient, climb: Any
) -> None:
    _post(staff_api, _payload(capacity=10), HTTP_X_BOOKING_TOKEN="group-a")
    second = _post(staff_api, _payload(capacity=10), HTTP_X_BOOKING_TOKEN="group-b")
    assert second.status_code == 201
    assert "Idempotent-Replayed" not in second
    assert Departure.objects.count() == 2
    # The token is part of the scope's hash, never stored as such.
    assert not IdempotencyKey.objects.filter(scope__contains="group").exists()


def test_a_validation_error_is_not_stored_so_the_corrected_form_goes_through(
    staff_api: APIClient, climb: Any
) -> None:
    # A form keeps its key until it succeeds (no double submission); an answer that changed
    # nothing must not block the corrected request sent under the same key.
    first = _post(staff_api, _payload(capacity=-3))
    assert_problem(first, 400, "validation_error", "capacity")
    assert not IdempotencyKey.objects.exists()
    corrected = _post(staff_api, _payload(capacity=12))
    assert corrected.status_code == 201, corrected.content
    assert "Idempotent-Replayed" not in corrected
    replayed = _post(staff_api, _payload(capacity=12))
    assert replayed["Idempotent-Replayed"] == "true"
    assert Departure.objects.count() == 1


def test_a_domain_refusal_is_not_stored_either(staff_api: APIClient, climb: Any) -> None:
    first = _post(staff_api, _payload(starts_at=in_days(-1).isoformat()))
    assert first.status_code == 400, first.content
    assert first["Content-Type"] == "application/problem+json"
    assert not IdempotencyKey.objects.exists()
    assert _post(staff_api, _payload()).status_code == 201


def test_a_conflict_is_not_stored_so_the_same_request_can_be_retried(
    staff_api: APIClient, climb: Any
) -> None:
    blocking = schedule(climb, days=10, capacity=30)
    payload = _payload(capacity=20)
    assert_problem(_post(staff_api, payload), 409, SITE_CAPACITY_EXCEEDED, "starts_at")
    assert not IdempotencyKey.objects.exists()

    Departure.objects.filter(pk=blocking.pk).update(status=DepartureStatus.CANCELLED)
    retried = _post(staff_api, payload)
    assert retried.status_code == 201, retried.content
    assert "Idempotent-Replayed" not in retried


def test_a_crash_releases_the_key(staff_api: APIClient, climb: Any, hook: None) -> None:
    def crash() -> None:
        raise RuntimeError("the view died")

    idempotency._after_claim = crash
    with pytest.raises(RuntimeError):
        _post(staff_api, _payload())
    assert not IdempotencyKey.objects.exists()

    idempotency._after_claim = None
    assert _post(staff_api, _payload()).status_code == 201


def test_a_duplicate_while_the_first_runs_gets_409_with_retry_after(
    staff_api: APIClient, climb: Any, hook: None
) -> None:
    answers: list[Any] = []

    def duplicate_arrives() -> None:
        idempotency._after_claim = None
        answers.append(_post(staff_api, _payload()))
        answers.append(_post(staff_api, _payload(capacity=5)))

    idempotency._after_claim = duplicate_arrives
    first = _post(staff_api, _payload())
    assert first.status_code == 201

    in_progress, other_body = answers
    assert_problem(in_progress, 409, IDEMPOTENCY_REQUEST_IN_PROGRESS, "Idempotency-Key")
    assert in_progress["Retry-After"] == "1"
    assert_problem(other_body, 422, IDEMPOTENCY_KEY_REUSED, "Idempotency-Key")
    assert Departure.objects.count() == 1


@pytest.mark.parametrize(
    "key",
    ["", "x" * 256, "with space", "tab\there", "caf\u00e9"],
    ids=["empty", "too-long", "space", "control", "non-ascii"],
)
def test_malformed_key_is_a_400_problem(staff_api: APIClient, climb: Any, key: str) -> None:
    response = _post(staff_api, _payload(), key=key)
    assert_problem(response, 400, INVALID_IDEMPOTENCY_KEY, "Idempotency-Key")
    assert not Departure.objects.exists()
    assert not IdempotencyKey.objects.exists()


def test_longest_valid_key_is_accepted(staff_api: APIClient, climb: Any) -> None:
    assert _post(staff_api, _payload(), key="~" * 255).status_code == 201


def test_without_a_key_every_request_runs(staff_api: APIClient, climb: Any) -> None:
    assert _post(staff_api, _payload(capacity=10), key=None).status_code == 201
    assert _post(staff_api, _payload(capacity=10), key=None).status_code == 201
    assert Departure.objects.count() == 2
    assert not IdempotencyKey.objects.exists()


def test_refused_credentials_never_touch_a_key(api: APIClient, climb: Any) -> None:
    assert_problem(_post(api, _payload()), 403, "not_authenticated")
    assert not IdempotencyKey.objects.exists()


def test_an_expired_key_runs_again(staff_api: APIClient, climb: Any) -> None:
    first = _post(staff_api, _payload(capacity=10))
    IdempotencyKey.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    second = _post(staff_api, _payload(capacity=10))
    assert second.status_code == 201
    assert "Idempotent-Replayed" not in second
    assert second.json()["id"] != first.json()["id"]
    assert Departure.objects.count() == 2
    assert IdempotencyKey.objects.get().expires_at > timezone.now() + timedelta(hours=23)


def test_a_key_is_kept_24_hours(staff_api: APIClient, climb: Any) -> None:
    before = timezone.now()
    _post(staff_api, _payload())
    row = IdempotencyKey.objects.get()
    assert before + timedelta(hours=24) <= row.expires_at <= timezone.now() + timedelta(hours=24)


def test_purge_deletes_only_expired_keys(staff_api: APIClient, climb: Any) -> None:
    _post(staff_api, _payload(capacity=5), key="old-1")
    _post(staff_api, _payload(capacity=5), key="old-2")
    _post(staff_api, _payload(capacity=5), key="fresh")
    IdempotencyKey.objects.exclude(key_hash=_hash("fresh")).update(expires_at=timezone.now())

    out = StringIO()
    call_command("purge_idempotency_keys", stdout=out)
    assert "Deleted 2 expired" in out.getvalue()
    assert list(IdempotencyKey.objects.values_list("key_hash", flat=True)) == [_hash("fresh")]

    IdempotencyKey.objects.update(expires_at=timezone.now())
    assert purge_idempotency_keys.delay().get() == 1
    assert not IdempotencyKey.objects.exists()


def test_a_form_body_already_read_still_has_a_fingerprint() -> None:
    """Django's CSRF check may read a form body before the view: the parsed form stands for it."""

    def identity(name: str) -> str:
        django_request = RequestFactory().post(URL, {"name": name})
        django_request.POST  # noqa: B018  (consumes the stream, as the CSRF check does)
        request = Request(django_request)
        return idempotency._identify(request, KEY).fingerprint

    assert identity("a") == identity("a")
    assert identity("a") != identity("b")


def test_the_stored_answer_is_sealed_with_the_key(staff_api: APIClient, climb: Any) -> None:
    first = _post(staff_api, _payload(capacity=20))
    row = IdempotencyKey.objects.get()
    assert row.key_hash == _hash(KEY)
    assert b'"id"' not in bytes(row.response_sealed)
    # Another key's hash planted in the row cannot open it: the answer is bound to its key.
    IdempotencyKey.objects.update(key_hash=_hash("another-key"))
    stolen = _post(staff_api, _payload(capacity=20), key="another-key")
    assert_problem(stolen, 422, idempotency.IDEMPOTENCY_ANSWER_UNREADABLE, "Idempotency-Key")
    assert f'"id":{first.json()["id"]}' not in stolen.content.decode()


def test_a_secret_key_rotation_keeps_the_answers_in_flight(
    staff_api: APIClient, climb: Any, settings: Any
) -> None:
    first = _post(staff_api, _payload(capacity=20))
    former = settings.SECRET_KEY
    settings.SECRET_KEY = "a-new-secret-key-of-enough-length-0123456789abcdef"
    settings.SECRET_KEY_FALLBACKS = [former]
    replayed = _post(staff_api, _payload(capacity=20))
    assert replayed.content == first.content
    assert replayed["Idempotent-Replayed"] == "true"

    settings.SECRET_KEY_FALLBACKS = []
    lost = _post(staff_api, _payload(capacity=20))
    assert_problem(lost, 422, idempotency.IDEMPOTENCY_ANSWER_UNREADABLE, "Idempotency-Key")
    assert Departure.objects.count() == 1  # never run twice
