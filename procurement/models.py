"""Quotes (devis), their versions, the buyer's acceptance and the audit trail of staff changes.

A quote has a number in its own gapless series per year (``D2026-000001``, ``QuoteSequence``
locked like the invoices' counters) and one or more versions: a revision adds a version and
supersedes the previous one, which stays readable. Each version freezes what was quoted (the
request, the categories of participants, the price snapshot of ``bookings.pricing``) and the
exact PDF the buyer reads, with its SHA-256.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bookings.models import Booking, OrganisationType, SeatHold
from core.models import Counter
from itineraries.models import Departure, Itinerary, Language


class QuoteStatus(models.TextChoices):
    SENT = "sent", _("Sent")  # open: the buyer may accept it until valid_until
    ACCEPTED = "accepted", _("Accepted")  # turned into a confirmed booking
    DECLINED = "declined", _("Declined")  # by staff, with a reason
    EXPIRED = "expired", _("Expired")  # valid_until passed (computed: see effective_status)


class QuoteSequence(Counter):
    """One counter row per year; locked (select_for_update) to take a number."""

    year = models.PositiveIntegerField(unique=True, verbose_name=_("year"))

    class Meta:
        verbose_name = _("quote sequence")
        verbose_name_plural = _("quote sequences")

    def __str__(self) -> str:
        return f"D{self.year}: {self.last_number}"


class Quote(models.Model):
    number = models.CharField(max_length=20, unique=True, verbose_name=_("number"))
    token_hash = models.CharField(max_length=64, verbose_name=_("token hash"))
    status = models.CharField(
        max_length=10,
        choices=QuoteStatus.choices,
        default=QuoteStatus.SENT,
        verbose_name=_("status"),
    )
    current_version = models.PositiveIntegerField(default=1, verbose_name=_("current version"))
    valid_until = models.DateTimeField(verbose_name=_("valid until"))
    language = models.CharField(max_length=2, choices=Language.choices, verbose_name=_("language"))

    organisation_type = models.CharField(
        max_length=20, choices=OrganisationType.choices, verbose_name=_("organisation type")
    )
    organisation_name = models.CharField(max_length=200, verbose_name=_("organisation name"))
    siret = models.CharField(max_length=14, blank=True)
    vat_number = models.CharField(max_length=20, blank=True, verbose_name=_("VAT number"))
    service_code = models.CharField(max_length=100, blank=True, verbose_name=_("service code"))
    commitment_number_follows = models.BooleanField(
        default=False, verbose_name=_("commitment number will follow")
    )
    contact_name = models.CharField(max_length=200, verbose_name=_("contact name"))
    contact_email = models.EmailField(verbose_name=_("contact e-mail"))
    contact_phone = models.CharField(max_length=40, blank=True, verbose_name=_("contact phone"))

    booking = models.OneToOneField(
        Booking,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="quote",
        verbose_name=_("booking"),
    )
    # The seats the open quote holds on its public departure (bookings.services.holds): placed
    # with the version, moved with the validity, released when the quote closes or expires.
    seat_hold = models.OneToOneField(
        SeatHold,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="quote",
        verbose_name=_("seat hold"),
    )
    # Given by the buyer after acceptance, until the final invoice is issued.
    purchase_order_number = models.CharField(
        max_length=60, blank=True, verbose_name=_("purchase order number")
    )
    commitment_number = models.CharField(
        max_length=60, blank=True, verbose_name=_("commitment number")
    )
    decline_reason = models.CharField(max_length=255, blank=True, verbose_name=_("reason"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("quote")
        verbose_name_plural = _("quotes")
        indexes = [models.Index(fields=["status", "valid_until"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="accepted") | Q(booking__isnull=False),
                name="quote_accepted_has_booking",
            )
        ]

    def __str__(self) -> str:
        return self.number

    def effective_status(self, now: Any = None) -> str:
        """``expired`` for an open quote past its validity, even before anything marks it."""
        now = now or timezone.now()
        if self.status == QuoteStatus.SENT and self.valid_until <= now:
            return QuoteStatus.EXPIRED
        return self.status


class QuoteVersion(models.Model):
    """One version of a quote, frozen when written; a later revision supersedes it."""

    quote = models.ForeignKey(
        Quote, on_delete=models.PROTECT, related_name="versions", verbose_name=_("quote")
    )
    version = models.PositiveIntegerField(verbose_name=_("version"))
    itinerary = models.ForeignKey(
        Itinerary, on_delete=models.PROTECT, related_name="+", verbose_name=_("itinerary")
    )
    # A public departure, or (null) a private date at ``starts_at``.
    departure = models.ForeignKey(
        Departure,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("departure"),
    )
    starts_at = models.DateTimeField(verbose_name=_("starts at"))
    pupils = models.PositiveIntegerField(default=0, verbose_name=_("pupils or students"))
    adults = models.PositiveIntegerField(default=0, verbose_name=_("adults"))
    staff = models.PositiveIntegerField(default=0, verbose_name=_("accompanying staff"))
    free_places = models.PositiveIntegerField(default=0, verbose_name=_("free places"))
    options = models.JSONField(default=list, blank=True)  # option codes
    objectives = models.TextField(blank=True, verbose_name=_("learning objectives"))
    # Funded as professional training: the quote is also a training agreement (convention de
    # formation, procurement.training), and acceptance marks the booking ``training``.
    training = models.BooleanField(default=False, verbose_name=_("professional training"))
    # The booking body acceptance will send to bookings.services (JSON-safe, dates ISO).
    request = models.JSONField()
    # The bookings.pricing snapshot, frozen: acceptance books at this price.
    price = models.JSONField()
    total_cents = models.BigIntegerField(verbose_name=_("total (cents)"))
    valid_until = models.DateTimeField(verbose_name=_("valid until"))
    # The payment terms and due dates printed on this version (procurement.terms), frozen.
    payment_schedule = models.JSONField(default=dict, blank=True)
    pdf = models.BinaryField(default=b"", editable=False)
    pdf_sha256 = models.CharField(max_length=64, verbose_name=_("PDF SHA-256"))
    superseded_at = models.DateTimeField(null=True, blank=True, verbose_name=_("superseded at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        ordering = ["quote", "version"]
        verbose_name = _("quote version")
        verbose_name_plural = _("quote versions")
        constraints = [
            models.UniqueConstraint(fields=["quote", "version"], name="quote_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.quote.number} v{self.version}"

    @property
    def participants(self) -> int:
        return self.pupils + self.adults + self.staff


class QuoteAcceptance(models.Model):
    """Who accepted which version, when, from where, and the hash of the exact PDF accepted."""

    quote = models.OneToOneField(
        Quote, on_delete=models.PROTECT, related_name="acceptance", verbose_name=_("quote")
    )
    version = models.PositiveIntegerField(verbose_name=_("version"))
    name = models.CharField(max_length=200, verbose_name=_("name"))
    role = models.CharField(max_length=200, verbose_name=_("role"))
    statement = models.BooleanField(verbose_name=_("may commit the organisation"))
    accepted_at = models.DateTimeField(verbose_name=_("accepted at"))
    client_address = models.GenericIPAddressField(
        null=True, blank=True, verbose_name=_("client address")
    )
    pdf_sha256 = models.CharField(max_length=64, verbose_name=_("PDF SHA-256"))

    class Meta:
        verbose_name = _("quote acceptance")
        verbose_name_plural = _("quote acceptances")
        constraints = [
            models.CheckConstraint(condition=Q(statement=True), name="acceptance_statement_made")
        ]

    def __str__(self) -> str:
        return f"{self.quote.number} v{self.version}: {self.name}"


class QuoteEvent(models.Model):
    """Append-only audit trail: created, revised, extended, declined, accepted."""

    quote = models.ForeignKey(
        Quote, on_delete=models.PROTECT, related_name="events", verbose_name=_("quote")
    )
    action = models.CharField(max_length=20, verbose_name=_("action"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    data = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(default=timezone.now, verbose_name=_("at"))

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("quote event")
        verbose_name_plural = _("quote events")

    def __str__(self) -> str:
        return f"{self.quote_id} {self.action}"


class QuoteLink(models.Model):
    """A secret link to the quote's page sent by e-mail: a fresh token per e-mail (only its
    SHA-256 here), so no secret travels through the task queue; the creation token stays valid."""

    quote = models.ForeignKey(
        Quote, on_delete=models.CASCADE, related_name="links", verbose_name=_("quote")
    )
    token_hash = models.CharField(max_length=64, unique=True, verbose_name=_("token hash"))
    reason = models.CharField(max_length=20, verbose_name=_("reason"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("quote link")
        verbose_name_plural = _("quote links")

    def __str__(self) -> str:
        return f"{self.quote_id} {self.reason}"


class QuoteDocumentKind(models.TextChoices):
    SIGNED_QUOTE = "signed_quote", _("Signed quote")
    PURCHASE_ORDER = "purchase_order", _("Purchase order")


def quote_document_path(instance: QuoteDocument, filename: str) -> str:
    """Under the quote's number, named by its content's hash (never the buyer's file name)."""
    return f"quotes/{instance.quote.number}/{instance.kind}-{instance.sha256[:16]}.pdf"


class QuoteDocument(models.Model):
    """A PDF the buyer uploaded on the quote's page: the signed quote or a purchase order,
    stored through Django's storage API (``STORAGES["default"]``)."""

    quote = models.ForeignKey(
        Quote, on_delete=models.PROTECT, related_name="documents", verbose_name=_("quote")
    )
    kind = models.CharField(
        max_length=20, choices=QuoteDocumentKind.choices, verbose_name=_("kind")
    )
    file = models.FileField(upload_to=quote_document_path, verbose_name=_("file"))
    sha256 = models.CharField(max_length=64, verbose_name=_("SHA-256"))
    size = models.PositiveIntegerField(verbose_name=_("size (bytes)"))
    uploaded_at = models.DateTimeField(auto_now_add=True, verbose_name=_("uploaded at"))
    client_address = models.GenericIPAddressField(
        null=True, blank=True, verbose_name=_("client address")
    )

    class Meta:
        ordering = ["uploaded_at", "pk"]
        verbose_name = _("quote document")
        verbose_name_plural = _("quote documents")

    def __str__(self) -> str:
        return f"{self.quote_id} {self.kind}"


class DepositRule(models.TextChoices):
    NONE = "none", _("No deposit")
    PERCENT = "percent", _("A fixed percentage")
    ITINERARY = "itinerary", _("The itinerary's deposit rule")


class PaymentMethods(models.TextChoices):
    TRANSFER = "transfer", _("Bank transfer")
    CARD_OR_TRANSFER = "card_or_transfer", _("Card or bank transfer")


class PaymentTerms(models.Model):
    """The seller's payment terms for one type of buyer, printed on its quotes with their due
    dates (``procurement.terms.payment_schedule``). Seeded with the issue's rules by migration
    ``0005_payment_terms``; staff change them in the admin, within what the law allows."""

    organisation_type = models.CharField(
        max_length=20,
        choices=OrganisationType.choices,
        unique=True,
        verbose_name=_("organisation type"),
    )
    days_after_invoice = models.PositiveIntegerField(
        default=30, verbose_name=_("days to pay after the invoice")
    )
    deposit_rule = models.CharField(
        max_length=10,
        choices=DepositRule.choices,
        default=DepositRule.NONE,
        verbose_name=_("deposit"),
    )
    deposit_percent = models.PositiveIntegerField(default=0, verbose_name=_("deposit (%)"))
    methods = models.CharField(
        max_length=20,
        choices=PaymentMethods.choices,
        default=PaymentMethods.TRANSFER,
        verbose_name=_("payment methods"),
    )

    class Meta:
        ordering = ["organisation_type"]
        verbose_name = _("payment terms")
        verbose_name_plural = _("payment terms")
        constraints = [
            models.CheckConstraint(
                condition=Q(deposit_percent__lte=100),
                name="payment_terms_percent_max",
                violation_error_message=_("A deposit is 100 %% at most."),
            ),
            # Public buyers (State, local authorities, public schools) pay within 30 days at
            # most (Code de la commande publique, R2192-10)...
            models.CheckConstraint(
                condition=~Q(organisation_type__in=["public_body", "school"])
                | Q(days_after_invoice__lte=30),
                name="payment_terms_public_30_days",
                violation_error_message=_("Public buyers pay within 30 days at most."),
            ),
            # ... and a school's deposit to a provider is capped at 70 %.
            models.CheckConstraint(
                condition=~Q(organisation_type="school") | Q(deposit_percent__lte=70),
                name="payment_terms_school_deposit_70",
                violation_error_message=_("A school's deposit is 70 %% at most."),
            ),
        ]

    def __str__(self) -> str:
        return str(self.get_organisation_type_display())


class ServiceCertification(models.Model):
    """Certified delivery (service fait): staff record, after the visit, that the service of an
    accepted quote was delivered. One per quote (recording it again changes nothing); a public
    buyer's final invoice waits for it, and its payment period runs from it when later than the
    invoice (``procurement.invoicing``)."""

    quote = models.OneToOneField(
        Quote,
        on_delete=models.PROTECT,
        related_name="service_certification",
        verbose_name=_("quote"),
    )
    certified_at = models.DateTimeField(verbose_name=_("certified at"))
    certified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("certified by"),
    )

    class Meta:
        verbose_name = _("certified delivery")
        verbose_name_plural = _("certified deliveries")

    def __str__(self) -> str:
        return f"{self.quote_id} {self.certified_at:%Y-%m-%d}"


class ReminderStage(models.TextChoices):
    DUE_SOON = "due_soon", _("Due soon")
    OVERDUE = "overdue", _("Overdue")


class InvoiceReminder(models.Model):
    """One payment reminder of a quoted booking's invoice, at most one per stage (a unique
    constraint: the beat task may run again, the buyer gets each reminder once)."""

    invoice = models.ForeignKey(
        "invoicing.Invoice",
        on_delete=models.PROTECT,
        related_name="reminders",
        verbose_name=_("invoice"),
    )
    stage = models.CharField(max_length=10, choices=ReminderStage.choices, verbose_name=_("stage"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("payment reminder")
        verbose_name_plural = _("payment reminders")
        constraints = [
            models.UniqueConstraint(fields=["invoice", "stage"], name="invoice_reminder_once")
        ]

    def __str__(self) -> str:
        return f"{self.invoice_id} {self.stage}"


class Delivery(models.Model):
    """The delivered service of a confirmed booking, with who actually came (issue 16, item 4):
    staff record it after the visit (``procurement.delivery.delivery_record``), from the guide's
    check-in when there is one; for a quoted booking it is also the quote's certified delivery
    (``ServiceCertification``). One per booking, never changed; the certificate of delivery
    (attestation de service fait) is rendered from it."""

    booking = models.OneToOneField(
        Booking, on_delete=models.PROTECT, related_name="delivery", verbose_name=_("booking")
    )
    quote = models.OneToOneField(
        Quote,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="delivery",
        verbose_name=_("quote"),
    )
    pupils = models.PositiveIntegerField(default=0, verbose_name=_("pupils or students"))
    adults = models.PositiveIntegerField(default=0, verbose_name=_("adults"))
    staff = models.PositiveIntegerField(default=0, verbose_name=_("accompanying staff"))
    # Whether the figures are the guide's check-in as it stood (staff did not type them).
    from_check_in = models.BooleanField(default=False, verbose_name=_("from the check-in"))
    delivered_at = models.DateTimeField(verbose_name=_("recorded at"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.CheckConstraint(
                condition=Q(pupils__gt=0) | Q(adults__gt=0) | Q(staff__gt=0),
                name="delivery_someone_came",
            )
        ]

    def __str__(self) -> str:
        return f"{self.booking_id} {self.delivered_at:%Y-%m-%d}"

    @property
    def attended(self) -> int:
        return self.pupils + self.adults + self.staff
