"""Serializer fields built once per class behave as DRF's own, instance by instance."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.utils import translation
from rest_framework import serializers

from bookings.api import BookingInputSerializer, BookingSerializer, booking_answer_parts
from bookings.models import Booking
from core.serializers import PrototypeFieldsMixin
from tests.bookings.helpers import book, bookable_departure, booking_body


class Address(serializers.Serializer[Any]):
    city = serializers.CharField(max_length=10)
    postcode = serializers.RegexField(r"^[0-9]{5}$", required=False)


class Plain(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=5)
    count = serializers.IntegerField(min_value=1, max_value=9)
    tags = serializers.ListField(child=serializers.SlugField(max_length=4), required=False)
    address = Address()
    addresses = Address(many=True, required=False)
    kind = serializers.ChoiceField(choices=["a", "b"])

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["name"] == "nope":
            raise serializers.ValidationError({"name": "refused"}, code="refused")
        return attrs


class PrototypedAddress(PrototypeFieldsMixin, Address):
    pass


class Prototyped(PrototypeFieldsMixin, Plain):
    address = PrototypedAddress()
    addresses = PrototypedAddress(many=True, required=False)


CASES: list[dict[str, Any]] = [
    {"name": "ok", "count": 3, "address": {"city": "Loos"}, "kind": "a"},
    {
        "name": "ok",
        "count": 3,
        "tags": ["ab", "cd"],
        "address": {"city": "Loos", "postcode": "62750"},
        "addresses": [{"city": "Lens"}, {"city": "Liévin", "postcode": "62800"}],
        "kind": "b",
    },
    {"name": "far too long", "count": 0, "address": {"city": ""}, "kind": "c"},
    {"name": "ok", "count": 3, "tags": ["toolong", "b c"], "address": {}, "kind": "a"},
    {"name": "ok", "count": 3, "address": {"city": "x"}, "addresses": [{"postcode": "1"}]},
    {"name": "nope", "count": 2, "address": {"city": "Loos"}, "kind": "a"},
    {},
    {"name": ["a"], "count": "x", "address": "not an object", "tags": "not a list"},
]


@pytest.fixture(params=[True, False], ids=["prototypes", "drf"])
def prototypes(request: pytest.FixtureRequest, settings: Any) -> bool:
    """Each test so marked runs with the prototypes and with the setting that turns them off."""
    settings.SERIALIZER_FIELD_PROTOTYPES = request.param
    return bool(request.param)


def outcome(serializer: serializers.Serializer[Any]) -> tuple[bool, Any, Any]:
    valid = serializer.is_valid()
    return valid, serializer.validated_data if valid else None, serializer.errors


@pytest.mark.parametrize("data", CASES)
def test_validation_is_drf_s_own(prototypes: bool, data: dict[str, Any]) -> None:
    assert outcome(Prototyped(data=data)) == outcome(Plain(data=data))


def test_every_instance_has_its_own_bound_fields_and_the_prototype_stays_unbound() -> None:
    first, second = Prototyped(data=CASES[0]), Prototyped(data=CASES[1])
    for name, field in first.fields.items():
        assert field is not second.fields[name]
        assert field.parent is first
        assert second.fields[name].parent is second
    nested = first.fields["address"]
    assert nested.fields["city"].parent is nested
    assert nested.fields["city"] is not second.fields["address"].fields["city"]
    assert first.fields["tags"].child.parent is first.fields["tags"]
    assert first.fields["addresses"].child.parent is first.fields["addresses"]
    for name in ("tags", "addresses"):
        assert first.fields[name].child is not second.fields[name].child
        assert first.fields[name].child.field_name == ""
    prototype = Prototyped.__dict__["_prototype_fields"][translation.get_language()]
    assert all(getattr(field, "parent", None) is None for field in prototype.values())
    assert prototype["tags"].child.parent is prototype["tags"]
    assert "fields" not in prototype["address"].__dict__


@pytest.mark.parametrize("first", ["en", "fr"])
def test_messages_are_in_the_language_of_each_request(prototypes: bool, first: str) -> None:
    # DRF formats a length or range message once and keeps it: a prototype built in one
    # language must not answer in it to a request in another.
    class Fresh(Prototyped):
        pass

    for language in (first, "fr" if first == "en" else "en", first):
        with translation.override(language):
            assert outcome(Fresh(data=CASES[2])) == outcome(Plain(data=CASES[2]))


def test_a_subclass_builds_fields_of_its_own() -> None:
    class Narrower(Prototyped):
        name = serializers.CharField(max_length=2)

    assert Prototyped(data=CASES[0]).fields["name"].max_length == 5
    assert Narrower(data=CASES[0]).fields["name"].max_length == 2
    assert Prototyped(data=CASES[0]).fields["name"].max_length == 5


def test_threads_validating_at_once_keep_their_own_results(prototypes: bool) -> None:
    # Each thread compares with DRF's own outcome computed in that thread: messages are
    # translated into the thread's active language.
    mismatches: dict[int, int] = {}
    start = threading.Barrier(8)

    def validate(index: int) -> None:
        data = CASES[index % len(CASES)]
        expected = outcome(Plain(data=data))
        start.wait()
        mismatches[index] = sum(outcome(Prototyped(data=data)) != expected for _ in range(50))

    threads = [threading.Thread(target=validate, args=(index,)) for index in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert mismatches == dict.fromkeys(range(8), 0)


@pytest.mark.django_db
def test_the_booking_serializers_answer_as_drf_builds_them(prototypes: bool, api: Any) -> None:
    class PlainBooking(BookingSerializer):
        def get_fields(self) -> dict[str, Any]:
            return serializers.ModelSerializer.get_fields(self)

    departure = bookable_departure()
    booking = Booking.objects.get(reference=book(api, departure).json()["reference"])
    ours = BookingSerializer(booking).data
    plain = PlainBooking(booking).data
    # The fields the apps above contribute come on top of the booking's own (payments' amounts).
    contributed = {name for part in booking_answer_parts for name in part.fields}
    assert contributed and contributed <= set(ours)
    assert {name: value for name, value in ours.items() if name not in contributed} == plain
    assert BookingSerializer(booking).data == ours
    assert issubclass(BookingInputSerializer, PrototypeFieldsMixin)


@pytest.mark.django_db
def test_a_booking_refused_in_english_then_in_french_answers_in_each(
    prototypes: bool, api: Any
) -> None:
    departure = bookable_departure()
    body = booking_body(departure, organisation={"name": "x" * 201, "type": "school"})
    messages: dict[str, set[str]] = {}
    for language in ("en", "fr", "en"):
        response = api.post("/api/v1/bookings/", body, format="json", HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 400, response.content
        (row,) = [r for r in response.json()["errors"] if r["field"] == "organisation.name"]
        messages.setdefault(language, set()).add(row["message"])
    assert messages["en"] == {"Ensure this field has no more than 200 characters."}
    assert len(messages["fr"]) == 1 and messages["fr"] != messages["en"]


def test_with_the_setting_off_drf_builds_the_fields_each_time(settings: Any) -> None:
    settings.SERIALIZER_FIELD_PROTOTYPES = False

    class Fresh(Prototyped):
        pass

    first, second = Fresh(data=CASES[0]), Fresh(data=CASES[0])
    assert first.fields["name"] is not second.fields["name"]
    assert "_prototype_fields" not in Fresh.__dict__  # no prototype was built
