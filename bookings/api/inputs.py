"""What groups and staff send to the bookings API: the booking, its changes, a move, a reason."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from stdnum import luhn

from bookings.models import OrganisationType, PaymentMethod
from core.serializers import (
    PrototypeFieldsMixin,
)
from itineraries.models import Language

# --- Input ----------------------------------------------------------------------------------


LA_POSTE_SIREN = "356000000"


def siret_is_valid(value: str) -> bool:
    """14 digits whose Luhn check holds (La Poste's establishments use a digit sum mod 5)."""
    if len(value) != 14 or not value.isdigit():
        return False
    if value.startswith(LA_POSTE_SIREN):
        return sum(int(digit) for digit in value) % 5 == 0
    return bool(luhn.is_valid(value))


def validate_siret(value: str) -> None:
    if value and not siret_is_valid(value):
        raise serializers.ValidationError(
            _("A SIRET has 14 digits and a valid check digit."), code="invalid_siret"
        )


class OrganisationSerializer(PrototypeFieldsMixin, serializers.Serializer[Any]):
    name = serializers.CharField(max_length=200)
    type = serializers.ChoiceField(choices=OrganisationType.choices)
    siret = serializers.CharField(
        max_length=14, required=False, allow_blank=True, validators=[validate_siret]
    )
    vat_number = serializers.RegexField(
        r"^[A-Z]{2}[0-9A-Z]{2,13}$", max_length=20, required=False, allow_blank=True
    )


class ContactSerializer(PrototypeFieldsMixin, serializers.Serializer[Any]):
    name = serializers.CharField(max_length=200)
    email = serializers.EmailField(max_length=254)
    phone = serializers.RegexField(r"^\+?[0-9 ().-]{6,30}$", required=False, allow_blank=True)


class ContactChangeSerializer(ContactSerializer):
    name = serializers.CharField(max_length=200, required=False)
    email = serializers.EmailField(max_length=254, required=False)


class BillingSerializer(PrototypeFieldsMixin, serializers.Serializer[Any]):
    address = serializers.CharField(max_length=255, required=False, allow_blank=True)
    postal_code = serializers.CharField(max_length=20, required=False, allow_blank=True)
    city = serializers.CharField(max_length=120, required=False, allow_blank=True)
    country = serializers.RegexField(r"^[A-Z]{2}$", required=False, allow_blank=True)
    purchase_order = serializers.CharField(max_length=60, required=False, allow_blank=True)
    service_code = serializers.CharField(max_length=100, required=False, allow_blank=True)


class BookingInputSerializer(PrototypeFieldsMixin, serializers.Serializer[Any]):
    departure = serializers.IntegerField(min_value=1, required=False)
    itinerary = serializers.SlugField(required=False)
    starts_at = serializers.DateTimeField(required=False)
    participants = serializers.IntegerField(min_value=1, max_value=1000)
    language = serializers.ChoiceField(choices=Language.choices)
    options = serializers.ListField(
        child=serializers.SlugField(max_length=50), required=False, max_length=20
    )
    organisation = OrganisationSerializer()
    contact = ContactSerializer()
    billing = BillingSerializer(required=False)
    payment_method = serializers.ChoiceField(choices=PaymentMethod.choices)
    notes = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    # The version of the terms of sale the group accepted (bookings.terms); the one in force.
    terms_version = serializers.CharField(max_length=20)
    # Two groups on staggered times (bookings.services.staggered): the sizes of the two
    # sub-groups, the first starting at ``starts_at``, the second ``stagger_minutes`` later.
    split = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=1000),
        required=False,
        min_length=2,
        max_length=2,
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        public = attrs.get("departure") is not None
        private = attrs.get("itinerary") is not None or attrs.get("starts_at") is not None
        if public == private:
            raise serializers.ValidationError(
                {"departure": _("Give either a departure, or an itinerary and a start time.")},
                code="departure_or_private_date",
            )
        if public and attrs.get("split") is not None:
            raise serializers.ValidationError(
                {"split": _("Two groups on staggered times are booked as a private date.")},
                code="split_private_only",
            )
        if private:
            missing = {
                name: serializers.ErrorDetail(str(_("This field is required.")), code="required")
                for name in ("itinerary", "starts_at")
                if attrs.get(name) is None
            }
            if missing:
                raise serializers.ValidationError(missing)
        if attrs["payment_method"] == PaymentMethod.INVOICE:
            billing = attrs.get("billing") or {}
            missing = {
                f"billing.{name}": serializers.ErrorDetail(
                    str(_("Required for payment by invoice.")), code="billing_address_required"
                )
                for name in ("address", "postal_code", "city")
                if not billing.get(name)
            }
            if missing:
                raise serializers.ValidationError(missing)
        return attrs


class BookingChangeSerializer(PrototypeFieldsMixin, serializers.Serializer[Any]):
    participants = serializers.IntegerField(min_value=1, max_value=1000, required=False)
    contact = ContactChangeSerializer(required=False)
    notes = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class BookingMoveSerializer(PrototypeFieldsMixin, serializers.Serializer[Any]):
    """Staff: the new date, as a public departure (``departure``) or, for a private booking,
    its new start (``starts_at``)."""

    departure = serializers.IntegerField(min_value=1, required=False)
    starts_at = serializers.DateTimeField(required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs:
            raise serializers.ValidationError(
                {"departure": _("Give the departure or the new start time.")}
            )
        return attrs


class ReasonSerializer(PrototypeFieldsMixin, serializers.Serializer[Any]):
    reason = serializers.CharField(max_length=1000, required=False, allow_blank=True)


class FindBookingSerializer(serializers.Serializer[Any]):
    reference = serializers.CharField(max_length=20)
    email = serializers.EmailField(max_length=254)
