"""Scheduled messages to the groups (issue 18, item 3): the rules staff edit per itinerary, and
the record of each message sent, one per booking and rule (``visits.messages``)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from bookings.models import Booking
from itineraries.models import Itinerary


class MessageKind(models.TextChoices):
    """What a message says; each kind has its text in French and English (templates)."""

    HEAD_COUNT = "head_count", _("Final head count and participant list")
    PRACTICAL = "practical", _("Meeting point, programme, kit and lock date")
    GUIDE = "guide", _("The guide's name and phone")
    THANKS = "thanks", _("Thanks after the visit")


class MessageTiming(models.TextChoices):
    BEFORE = "before", _("before the visit")
    AFTER = "after", _("after the visit")


class MessageRule(models.Model):
    """When a kind of message goes to every group of an itinerary.

    A rule without an itinerary belongs to the default set, which every itinerary follows; an
    itinerary's own rule of a kind replaces the default rule of that kind for its groups (an
    inactive one suppresses that kind there). The default set is made by a data migration and
    edited in the admin like the others.
    """

    itinerary = models.ForeignKey(
        Itinerary,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="message_rules",
        verbose_name=_("itinerary"),
        help_text=_("Empty: the default rule, for every itinerary without its own of this kind."),
    )
    kind = models.CharField(_("message"), max_length=20, choices=MessageKind.choices)
    days = models.PositiveSmallIntegerField(_("days"))
    timing = models.CharField(_("when"), max_length=10, choices=MessageTiming.choices)
    text = models.TextField(
        _("text added to the message"),
        blank=True,
        help_text=_("Optional: what this message adds for the groups (kit, resources, survey)."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["itinerary", "timing", "-days", "kind"]
        verbose_name = _("message rule")
        verbose_name_plural = _("message rules")
        constraints = [
            # One rule per kind in the default set, and one per kind and itinerary.
            models.UniqueConstraint(
                fields=["kind"],
                condition=Q(itinerary__isnull=True),
                name="message_rule_one_default_per_kind",
            ),
            models.UniqueConstraint(
                fields=["itinerary", "kind"],
                condition=Q(itinerary__isnull=False),
                name="message_rule_one_per_itinerary_and_kind",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=[choice.value for choice in MessageKind]),
                name="message_rule_kind_known",
            ),
            models.CheckConstraint(
                condition=Q(timing__in=[choice.value for choice in MessageTiming]),
                name="message_rule_timing_known",
            ),
            # A message before the visit goes at least a day ahead; "after" at least a day after.
            models.CheckConstraint(
                condition=Q(days__gte=1) & Q(days__lte=365), name="message_rule_days_in_range"
            ),
        ]

    def __str__(self) -> str:
        scope = self.itinerary.slug if self.itinerary is not None else "default"
        return f"{scope}: {self.kind} {self.days} {self.timing}"

    def send_at(self, starts_at: datetime) -> datetime:
        """When this rule's message is due for a visit starting at ``starts_at``."""
        delta = timedelta(days=self.days)
        return starts_at - delta if self.timing == MessageTiming.BEFORE else starts_at + delta


class MessageStatus(models.TextChoices):
    SENDING = "sending", _("Sending")  # claimed by a worker until claimed_until
    SENT = "sent", _("Sent")  # done: never sent again
    FAILED = "failed", _("Failed")  # the last attempt failed; tried again while still due


class SentMessage(models.Model):
    """One rule's message to one booking: claimed, then sent, at most one row per pair.

    The row is the claim: a worker inserts it before sending, and the unique constraint on
    (booking, rule) makes a second worker, or a retry, find it and stand back. No personal data:
    the address and the text are not kept (they are the booking's, rendered at send time).
    """

    booking = models.ForeignKey(
        Booking,
        on_delete=models.CASCADE,
        related_name="scheduled_messages",
        verbose_name=_("booking"),
    )
    # PROTECT: a rule that has sent messages is deactivated, not deleted, so the record stays.
    rule = models.ForeignKey(
        MessageRule, on_delete=models.PROTECT, related_name="sent", verbose_name=_("rule")
    )
    status = models.CharField(_("status"), max_length=10, choices=MessageStatus.choices)
    language = models.CharField(_("language"), max_length=2)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    claimed_until = models.DateTimeField(_("claimed until"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=200, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("sent message")
        verbose_name_plural = _("sent messages")
        constraints = [
            models.UniqueConstraint(fields=["booking", "rule"], name="sent_message_once"),
            models.CheckConstraint(
                condition=Q(status__in=[choice.value for choice in MessageStatus]),
                name="sent_message_status_known",
            ),
            models.CheckConstraint(
                condition=~Q(status=MessageStatus.SENT) | Q(sent_at__isnull=False),
                name="sent_message_sent_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.booking_id} {self.rule_id} {self.status}"


class CheckIn(models.Model):
    """One tick of the guide's check-in on the day (issue 18, item 5), append-only.

    Either a named participant marked present or absent, or, for a group without names, how
    many of its people came, or how many came with a group without being on its list
    (walk-ins, up to the departure's seats left). The guide's phone sends each tick with its own
    ``client_id`` (unique): a tick sent twice, or sent again after the signal came back, is
    recorded once. Who came is read from the ticks: per participant (or per group's count, or
    walk-ins) the latest ``at`` wins, whatever order they arrive in
    (``visits.checkins.attendance``).
    """

    departure = models.ForeignKey(
        "itineraries.Departure",
        on_delete=models.PROTECT,
        related_name="check_ins",
        verbose_name=_("departure"),
    )
    booking = models.ForeignKey(
        Booking, on_delete=models.CASCADE, related_name="check_ins", verbose_name=_("booking")
    )
    # Erased with the participant (bookings.retention): what stays is a count per group.
    participant = models.ForeignKey(
        "bookings.Participant",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="check_ins",
        verbose_name=_("participant"),
    )
    present = models.BooleanField(_("present"), default=True)
    count = models.PositiveSmallIntegerField(_("people counted"), null=True, blank=True)
    # People who came with the group without being on its list (or beyond its head count).
    walk_ins = models.PositiveSmallIntegerField(_("walk-ins"), null=True, blank=True)
    at = models.DateTimeField(_("ticked at"))
    client_id = models.CharField(_("client id"), max_length=64, unique=True)
    guide = models.ForeignKey(
        "guides.Guide",
        on_delete=models.PROTECT,
        related_name="check_ins",
        verbose_name=_("guide"),
    )
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)

    class Meta:
        ordering = ["departure", "at", "id"]
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")
        constraints = [
            # A tick names a participant, counts a group or counts its walk-ins: one of them.
            models.CheckConstraint(
                condition=(
                    Q(participant__isnull=False) & Q(count__isnull=True) & Q(walk_ins__isnull=True)
                )
                | (Q(participant__isnull=True) & Q(count__isnull=False) & Q(walk_ins__isnull=True))
                | (Q(participant__isnull=True) & Q(count__isnull=True) & Q(walk_ins__isnull=False)),
                name="check_in_participant_or_count",
            ),
        ]
        indexes = [models.Index(fields=["departure", "booking"])]

    def __str__(self) -> str:
        return f"{self.departure_id} {self.client_id}"


class CertificateSource(models.TextChoices):
    ORGANISER = "organiser", _("The organiser, from the booking's link")
    STAFF = "staff", _("Staff, from the admin")
    TASK = "task", _("After the visit, with the e-mail to the organiser")


class Certificate(models.Model):
    """A certificate of attendance (issue 18, item 6): one per participant checked in at a
    visit that took place, with a verification code printed on it.

    The row records that it was issued, when and by whom, and holds the code; the document is
    rendered from the visit and the participant when it is downloaded (``visits.certificates``).
    The code is not a secret that opens anything: it is printed on the document so that a
    funder can check it, and answers only initials, itinerary and date; it is random (about 60
    bits) so that codes cannot be enumerated. Erased with the participant (retention).
    """

    participant = models.OneToOneField(
        "bookings.Participant",
        on_delete=models.CASCADE,
        related_name="attendance_certificate",
        verbose_name=_("participant"),
    )
    booking = models.ForeignKey(
        Booking,
        on_delete=models.CASCADE,
        related_name="attendance_certificates",
        verbose_name=_("booking"),
    )
    code = models.CharField(_("verification code"), max_length=20, unique=True)
    issued_by = models.CharField(_("issued by"), max_length=10, choices=CertificateSource.choices)
    issued_at = models.DateTimeField(_("issued at"), auto_now_add=True)

    class Meta:
        ordering = ["booking", "participant__name", "id"]
        verbose_name = _("attendance certificate")
        verbose_name_plural = _("attendance certificates")
        constraints = [
            models.CheckConstraint(
                condition=Q(issued_by__in=[choice.value for choice in CertificateSource]),
                name="certificate_source_known",
            ),
        ]

    def __str__(self) -> str:
        return self.code


class CertificateNotice(models.Model):
    """The e-mail telling a group's organiser that its certificates are ready, once per
    booking (``visits.certificate_notices``).

    The row is the claim, as for the scheduled messages (``SentMessage``): a worker inserts it
    before sending; the one-to-one key on the booking makes a second worker, or a retry, stand
    back. No address and no text are kept.
    """

    booking = models.OneToOneField(
        Booking,
        on_delete=models.CASCADE,
        related_name="certificate_notice",
        verbose_name=_("booking"),
    )
    status = models.CharField(_("status"), max_length=10, choices=MessageStatus.choices)
    language = models.CharField(_("language"), max_length=2)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    claimed_until = models.DateTimeField(_("claimed until"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=200, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("certificates-ready e-mail")
        verbose_name_plural = _("certificates-ready e-mails")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=[choice.value for choice in MessageStatus]),
                name="certificate_notice_status_known",
            ),
            models.CheckConstraint(
                condition=~Q(status=MessageStatus.SENT) | Q(sent_at__isnull=False),
                name="certificate_notice_sent_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.booking_id} {self.status}"


class Rebooking(models.Model):
    """A group whose public departure was cancelled moved to another date (visits.rebooking).

    The row is claimed before the new booking is placed, so two clicks or two tabs cannot book
    twice: the one-to-one key on the cancelled booking lets one claim through. ``booking`` is
    the booking placed; null while it is being placed (a claim left by a failure is retaken
    after ``visits.rebooking.CLAIM_TIMEOUT``).
    """

    cancelled = models.OneToOneField(
        Booking,
        on_delete=models.CASCADE,
        related_name="rebooking",
        verbose_name=_("cancelled booking"),
    )
    booking = models.OneToOneField(
        Booking,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="rebooked_from",
        verbose_name=_("new booking"),
    )
    claimed_at = models.DateTimeField(verbose_name=_("claimed at"))

    class Meta:
        verbose_name = _("move to another date")
        verbose_name_plural = _("moves to another date")

    def __str__(self) -> str:
        return f"{self.cancelled_id} -> {self.booking_id}"
