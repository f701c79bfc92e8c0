"""Bookings, their life cycle and their append-only audit trail."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from itineraries.models import Departure, Language


class BookingStatus(models.TextChoices):
    PENDING_PAYMENT = "pending_payment", _("Awaiting payment")  # card: holds seats 30 minutes
    REQUESTED = "requested", _("Requested")  # invoice or private date: holds seats, staff decide
    CONFIRMED = "confirmed", _("Confirmed")  # takes seats until the visit
    CANCELLED = "cancelled", _("Cancelled")  # by the group or staff; refund by policy
    DECLINED = "declined", _("Declined")  # a request staff refused
    EXPIRED = "expired", _("Expired")  # the hold ran out before payment or confirmation


# Which status may follow which (DESIGN §4). A service refuses any other move.
ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    BookingStatus.PENDING_PAYMENT: frozenset(
        {BookingStatus.CONFIRMED, BookingStatus.EXPIRED, BookingStatus.CANCELLED}
    ),
    BookingStatus.REQUESTED: frozenset(
        {
            BookingStatus.CONFIRMED,
            BookingStatus.DECLINED,
            BookingStatus.EXPIRED,
            BookingStatus.CANCELLED,
        }
    ),
    BookingStatus.CONFIRMED: frozenset({BookingStatus.CANCELLED}),
    BookingStatus.CANCELLED: frozenset(),
    BookingStatus.DECLINED: frozenset(),
    BookingStatus.EXPIRED: frozenset(),
}
HELD_STATUSES = (BookingStatus.PENDING_PAYMENT, BookingStatus.REQUESTED)
ACTIVE_STATUSES = (*HELD_STATUSES, BookingStatus.CONFIRMED)


class OrganisationType(models.TextChoices):
    PUBLIC_BODY = "public_body", _("Public body")
    SCHOOL = "school", _("School or university")
    COMPANY = "company", _("Company")
    ASSOCIATION = "association", _("Association")
    OTHER = "other", _("Other")


class PaymentMethod(models.TextChoices):
    CARD = "card", _("Card (online)")
    INVOICE = "invoice", _("Invoice (transfer or administrative mandate)")


# The seat rule, written once: a booking takes seats when it is confirmed, or held with a hold
# still running (an expired hold takes nothing, even before the sweep marks it expired). Three
# forms of that one rule follow, for the three places it is evaluated; tests/bookings/test_seats.py
# checks that they agree on every status and hold.


def seats_taking_q(now: Any, prefix: str = "") -> Q:
    """The seat rule as a filter: bookings that take seats at ``now``."""
    return Q(**{f"{prefix}status": BookingStatus.CONFIRMED}) | Q(
        **{f"{prefix}status__in": HELD_STATUSES, f"{prefix}hold_expires_at__gt": now}
    )


# The seat rule as a SQL condition on the bookings table, for the count that runs in every booking
# while the departure row is locked (building it through the ORM costs six times its CPU).
SEATS_TAKING_SQL = (
    "(status = %s OR (status IN ("
    + ", ".join("%s" for _status in HELD_STATUSES)
    + ") AND hold_expires_at > %s))"
)


def seats_taking_sql_params(now: Any) -> list[Any]:
    """The parameters of ``SEATS_TAKING_SQL``, in order."""
    return [BookingStatus.CONFIRMED.value, *(status.value for status in HELD_STATUSES), now]


def takes_seats(*, status: str, hold_expires_at: Any, now: Any) -> bool:
    """The seat rule on one booking's values (what ``Booking.takes_seats`` asks)."""
    if status == BookingStatus.CONFIRMED:
        return True
    return status in HELD_STATUSES and hold_expires_at is not None and hold_expires_at > now


# Seat holds: seats set aside on a public departure for what is not a booking yet (an open
# quote, procurement). The one seat count (``bookings.selectors.seats_taken`` and
# ``with_seats_taken``) adds the seats of running holds to the seats of bookings that take seats.
# A hold takes its seats while it is not released and its end has not passed (an expired hold
# takes nothing, even before the sweep releases it). Its three forms follow, as for bookings;
# tests/bookings/test_seat_holds.py checks that they agree.


def seat_hold_running_q(now: Any, prefix: str = "") -> Q:
    """The hold rule as a filter: holds that take seats at ``now``."""
    return Q(**{f"{prefix}released_at__isnull": True, f"{prefix}expires_at__gt": now})


SEAT_HOLD_RUNNING_SQL = "(released_at IS NULL AND expires_at > %s)"


def seat_hold_running(*, released_at: Any, expires_at: Any, now: Any) -> bool:
    """The hold rule on one hold's values (what ``SeatHold.takes_seats`` asks)."""
    return released_at is None and expires_at > now


class SeatHold(models.Model):
    """Seats held on a public departure until ``expires_at`` for something not yet a booking.

    Written only through ``bookings.services.holds`` (departure row locked, seats counted);
    ``reason`` names the holder for staff (``quote D2026-000001``)."""

    departure = models.ForeignKey(
        Departure, on_delete=models.PROTECT, related_name="seat_holds", verbose_name=_("departure")
    )
    seats = models.PositiveIntegerField(verbose_name=_("seats"))
    expires_at = models.DateTimeField(verbose_name=_("held until"))
    released_at = models.DateTimeField(null=True, blank=True, verbose_name=_("released at"))
    reason = models.CharField(max_length=100, verbose_name=_("reason"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("seat hold")
        verbose_name_plural = _("seat holds")
        indexes = [models.Index(fields=["departure", "released_at", "expires_at"])]
        constraints = [
            models.CheckConstraint(condition=Q(seats__gte=1), name="seat_hold_seats_positive")
        ]

    def __str__(self) -> str:
        return f"{self.reason}: {self.seats}"

    def takes_seats(self, now: Any = None) -> bool:
        return seat_hold_running(
            released_at=self.released_at,
            expires_at=self.expires_at,
            now=now or timezone.now(),
        )


class Booking(models.Model):
    reference = models.CharField(max_length=12, unique=True, verbose_name=_("reference"))
    token_hash = models.CharField(max_length=64, verbose_name=_("token hash"))
    departure = models.ForeignKey(
        Departure, on_delete=models.PROTECT, related_name="bookings", verbose_name=_("departure")
    )
    participants = models.PositiveIntegerField()
    language = models.CharField(max_length=2, choices=Language.choices, verbose_name=_("language"))
    options = models.JSONField(default=list, blank=True)  # option codes, as booked

    organisation_name = models.CharField(max_length=200, verbose_name=_("organisation name"))
    organisation_type = models.CharField(
        max_length=20, choices=OrganisationType.choices, verbose_name=_("organisation type")
    )
    siret = models.CharField(max_length=14, blank=True)
    vat_number = models.CharField(max_length=20, blank=True, verbose_name=_("VAT number"))
    contact_name = models.CharField(max_length=200, verbose_name=_("contact name"))
    contact_email = models.EmailField(verbose_name=_("contact e-mail"))
    contact_phone = models.CharField(max_length=40, blank=True, verbose_name=_("contact phone"))
    billing_address = models.CharField(
        max_length=255, blank=True, verbose_name=_("billing address")
    )
    billing_postal_code = models.CharField(
        max_length=20, blank=True, verbose_name=_("billing postal code")
    )
    billing_city = models.CharField(max_length=120, blank=True, verbose_name=_("billing city"))
    billing_country = models.CharField(
        max_length=2, default="FR", verbose_name=_("billing country")
    )
    purchase_order = models.CharField(max_length=60, blank=True, verbose_name=_("purchase order"))
    service_code = models.CharField(max_length=100, blank=True, verbose_name=_("service code"))
    notes = models.TextField(blank=True)
    # Two groups on staggered times (bookings.services.staggered): each sub-group's booking points
    # to the other's, both written in one transaction. Null for a booking on its own.
    companion = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("other group (staggered times)"),
    )

    payment_method = models.CharField(
        max_length=10, choices=PaymentMethod.choices, verbose_name=_("payment method")
    )
    status = models.CharField(
        max_length=20, choices=BookingStatus.choices, verbose_name=_("status")
    )
    hold_expires_at = models.DateTimeField(null=True, blank=True, verbose_name=_("hold expires at"))
    # Price snapshot: lines, VAT per rate, totals, deposit. Computed by bookings.pricing only.
    price = models.JSONField(verbose_name=_("price"))
    total_cents = models.PositiveIntegerField(verbose_name=_("total incl. VAT (cents)"))
    # Maintained by the payments app (succeeded payments minus refunds).
    amount_paid_cents = models.PositiveIntegerField(
        default=0, verbose_name=_("amount paid (cents)")
    )
    # iCalendar SEQUENCE of the group's event: bumped on every change of time, size or status.
    sequence = models.PositiveIntegerField(default=0, verbose_name=_("sequence"))
    cancelled_at = models.DateTimeField(null=True, blank=True, verbose_name=_("cancelled at"))
    # GDPR (bookings.retention): when the group asked for erasure, and when the personal data
    # were erased. Set once each, never cleared.
    erasure_requested_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("erasure requested at")
    )
    anonymised_at = models.DateTimeField(null=True, blank=True, verbose_name=_("anonymised at"))
    # The terms of sale the group accepted when booking (bookings.terms), and when. Empty on
    # bookings made before the terms were versioned.
    terms_version = models.CharField(_("terms of sale accepted"), max_length=20, blank=True)
    terms_accepted_at = models.DateTimeField(_("terms accepted at"), null=True, blank=True)
    # Funded as professional training (issue 16, item 5): set from the accepted quote
    # (procurement) or by staff in the admin. The apps above read it here: visits prints the
    # certificates of completion and the sign-in sheet, invoicing the VAT exemption when the
    # seller's settings say it applies, retention keeps the trainees' certificates longer.
    training = models.BooleanField(_("professional training"), default=False)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")
        # Staff actions beyond view and change, checked by the API and the admin alike.
        permissions = [
            ("confirm_booking", "Can confirm or decline a booking request"),
            ("cancel_booking", "Can cancel a booking for its group"),
        ]
        indexes = [
            models.Index(fields=["departure", "status"]),
            models.Index(fields=["status", "hold_expires_at"]),
            # The staff list's order (``ordering``): a page is read from the index instead of
            # sorting every booking (bench/scale.py: 0.77 s to 0.2 ms at 21,300 bookings).
            models.Index(fields=["created_at", "id"], name="booking_created_order"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(participants__gte=1), name="booking_participants_positive"
            ),
            models.CheckConstraint(
                condition=~Q(status__in=HELD_STATUSES) | Q(hold_expires_at__isnull=False),
                name="booking_held_has_hold_expiry",
            ),
            models.CheckConstraint(
                condition=Q(status__in=[choice.value for choice in BookingStatus]),
                name="booking_status_known",
            ),
            models.CheckConstraint(
                condition=~Q(companion=models.F("pk")), name="booking_companion_not_itself"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} — {self.organisation_name}"

    def takes_seats(self, now: Any = None) -> bool:
        """Whether this booking takes seats now (the seat rule, ``seats_taking_q``)."""
        return takes_seats(
            status=self.status,
            hold_expires_at=self.hold_expires_at,
            now=timezone.now() if now is None else now,
        )

    @property
    def correspondence_language(self) -> str:
        """E-mails and documents are in French for French visits, in English otherwise."""
        return "fr" if self.language == Language.FR else "en"


# The fields of a booking that describe a natural person (the group's contact), erased by
# ``bookings.retention``. Organisation name, type, SIRET and VAT number describe a legal person.
PERSONAL_FIELDS = (
    "contact_name",
    "contact_email",
    "contact_phone",
    "notes",
    "billing_address",
)


def _personal_keys(data: Any) -> set[str]:
    if isinstance(data, dict):
        found = {key for key in data if key in PERSONAL_FIELDS}
        for value in data.values():
            found |= _personal_keys(value)
        return found
    if isinstance(data, list):
        return set().union(*(_personal_keys(item) for item in data))
    return set()


class ActorKind(models.TextChoices):
    GROUP = "group", _("Group (booking token)")
    STAFF = "staff", _("Staff")
    SYSTEM = "system", _("System")


class BookingEvent(models.Model):
    """Append-only audit trail: rows are written once and never changed or deleted."""

    booking = models.ForeignKey(Booking, on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField(auto_now_add=True)
    actor_kind = models.CharField(max_length=10, choices=ActorKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    action = models.CharField(max_length=40)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("booking event")
        verbose_name_plural = _("booking events")

    def __str__(self) -> str:
        # Europe/Paris, as everywhere people read a time (the admin shows this in its inline).
        return f"{timezone.localtime(self.at):%d/%m/%Y %H:%M} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionError("Booking events are append-only.")
        # An append-only row cannot be erased later: it records which fields changed (their
        # names, as a list), never a personal value keyed by a personal field.
        if keys := _personal_keys(self.data):
            raise ValueError(f"Booking events keep no personal values: {sorted(keys)}")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise PermissionError("Booking events are append-only.")


class OrganiserLink(models.Model):
    """A further secret link of the organiser, issued by an e-mail or by "find my booking".

    The first organiser token is ``Booking.token_hash``; each later e-mail carrying the link
    issues a fresh one here instead of rotating it, so that an older e-mail forwarded to a
    colleague keeps working (docs/architecture.md, "The booking's links"). Only the hash is kept.
    """

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="organiser_links")
    token_hash = models.CharField(max_length=64, unique=True)
    reason = models.CharField(max_length=20)  # "email" or "recovery"
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("organiser link")
        verbose_name_plural = _("organiser links")

    def __str__(self) -> str:
        return f"{self.booking_id} {self.reason} {self.created_at:%Y-%m-%d}"


class SignInLink(models.Model):
    """A one-time link to "my bookings", e-mailed to a contact address (bookings/signin.py).

    Only the token's hash is kept; it opens one session, once, before ``expires_at``. ``email``
    is the normalised address (stripped, lower case), the one the bookings are matched on.
    """

    email = models.EmailField(db_index=True)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("sign-in link")
        verbose_name_plural = _("sign-in links")

    def __str__(self) -> str:
        return f"sign-in link {self.pk} {self.created_at:%Y-%m-%d %H:%M}"


class ContactSession(models.Model):
    """A signed-in "my bookings" session, bound to one contact e-mail (bookings/signin.py).

    The browser holds the token in an HttpOnly cookie; the database holds its hash, so a copy of
    the database opens no session, and signing out or erasing the e-mail deletes the row.
    """

    email = models.EmailField(db_index=True)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("contact session")
        verbose_name_plural = _("contact sessions")

    def __str__(self) -> str:
        return f"contact session {self.pk} {self.created_at:%Y-%m-%d %H:%M}"


class ParticipantCategory(models.TextChoices):
    PUPIL = "pupil", _("Pupil or student")
    ADULT = "adult", _("Adult")
    ACCOMPANYING_STAFF = "accompanying_staff", _("Accompanying staff")
    ELECTED_OFFICIAL = "elected_official", _("Elected official")
    EMPLOYEE = "employee", _("Employee")


class ParticipantSource(models.TextChoices):
    ORGANISER = "organiser", _("Organiser")
    SELF = "self", _("Self-registration")
    STAFF = "staff", _("Staff")


# The needs a participant may declare, as flags (bookings.participants); ``needs_details`` is
# the free text. Staff and the guides assigned to the departure read them, never other groups.
NEED_FLAGS = ("reduced_mobility", "diet", "hearing", "sight", "other")


class Participant(models.Model):
    """A named person of a booking's group (issue 18), entered by the organiser or by themselves
    through the self-registration link. Personal data: erased with the booking's contact
    (bookings.retention), listed in the group's download."""

    booking = models.ForeignKey(
        Booking, on_delete=models.CASCADE, related_name="participant_entries"
    )
    name = models.CharField(_("name"), max_length=200)
    category = models.CharField(_("category"), max_length=20, choices=ParticipantCategory.choices)
    needs_reduced_mobility = models.BooleanField(_("reduced mobility"), default=False)
    needs_diet = models.BooleanField(_("diet"), default=False)
    needs_hearing = models.BooleanField(_("hearing"), default=False)
    needs_sight = models.BooleanField(_("sight"), default=False)
    needs_other = models.BooleanField(_("other need"), default=False)
    needs_details = models.CharField(_("needs, in words"), max_length=500, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    entered_by = models.CharField(_("entered by"), max_length=10, choices=ParticipantSource.choices)
    # A self-registered participant corrects their own entry with a secret returned once; only
    # its hash is kept (core.tokens). Empty for entries made by the organiser or staff.
    secret_hash = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["booking", "created_at", "id"]
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="participant_name_not_empty"),
            models.CheckConstraint(
                condition=Q(category__in=[choice.value for choice in ParticipantCategory]),
                name="participant_category_known",
            ),
            models.CheckConstraint(
                condition=Q(entered_by__in=[choice.value for choice in ParticipantSource]),
                name="participant_source_known",
            ),
            models.CheckConstraint(
                condition=Q(entered_by=ParticipantSource.SELF) | Q(secret_hash=""),
                name="participant_secret_only_self_registered",
            ),
            models.UniqueConstraint(
                fields=["secret_hash"],
                condition=~Q(secret_hash=""),
                name="participant_secret_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.booking_id} participant {self.pk}"

    def needs(self) -> dict[str, Any]:
        flags: dict[str, Any] = {flag: getattr(self, f"needs_{flag}") for flag in NEED_FLAGS}
        return {**flags, "details": self.needs_details}


class RegistrationLink(models.Model):
    """The booking's self-registration link (at most one): participants add themselves with it.

    Only the token's hash is kept (core.tokens); the organiser sees the token once, when it is
    made. Making a new one replaces the old one; revoking deletes the row.
    """

    booking = models.OneToOneField(
        Booking, on_delete=models.CASCADE, related_name="registration_link"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("self-registration link")
        verbose_name_plural = _("self-registration links")

    def __str__(self) -> str:
        return f"{self.booking_id} registration link {self.created_at:%Y-%m-%d}"
