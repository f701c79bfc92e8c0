"""One delivery per invoice or credit note: where it went, its identifiers there, its history."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from invoicing.models import Invoice


class DeliveryChannel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    CHORUS_PRO = "chorus_pro", _("Chorus Pro")
    PLATFORM = "platform", _("Accredited platform")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent by e-mail")
    DEPOSITED = "deposited", _("Deposited")
    MADE_AVAILABLE = "made_available", _("Made available to the buyer")
    REJECTED = "rejected", _("Rejected")
    SUSPENDED = "suspended", _("Suspended")
    SERVICE_CERTIFIED = "service_certified", _("Service certified")
    PAYMENT_ORDERED = "payment_ordered", _("Payment ordered")
    PAID = "paid", _("Paid")


# Statuses after which the portal still has something to say (the periodic task follows them).
FOLLOWED = (
    DeliveryStatus.DEPOSITED,
    DeliveryStatus.MADE_AVAILABLE,
    DeliveryStatus.SUSPENDED,
    DeliveryStatus.SERVICE_CERTIFIED,
    DeliveryStatus.PAYMENT_ORDERED,
)


class Delivery(models.Model):
    invoice = models.OneToOneField(  # one per invoice: nothing is delivered twice
        Invoice, on_delete=models.PROTECT, related_name="delivery", verbose_name=_("invoice")
    )
    channel = models.CharField(
        max_length=20, choices=DeliveryChannel.choices, verbose_name=_("channel")
    )
    status = models.CharField(
        max_length=20,
        choices=DeliveryStatus.choices,
        default=DeliveryStatus.PENDING,
        db_index=True,
        verbose_name=_("status"),
    )
    attempts = models.PositiveIntegerField(default=0, verbose_name=_("attempts"))
    flux_number = models.CharField(max_length=40, blank=True, verbose_name=_("flux number"))
    portal_invoice_id = models.CharField(
        max_length=40, blank=True, verbose_name=_("invoice id at the portal")
    )
    structure_id = models.CharField(
        max_length=40, blank=True, verbose_name=_("buyer's structure at the portal")
    )
    # [{"status": ..., "at": ISO 8601 UTC, "reason": ...}], oldest first.
    history = models.JSONField(default=list, blank=True, verbose_name=_("status history"))
    last_error = models.TextField(blank=True, verbose_name=_("last error"))
    status_changed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("status since"))
    # The next consultation of the portal (backoff after its errors).
    next_check_at = models.DateTimeField(null=True, blank=True, verbose_name=_("next check"))
    check_failures = models.PositiveIntegerField(default=0, verbose_name=_("failed checks"))
    # A rejected invoice's correction (einvoicing.corrections): the credit note cancelling it
    # and the new invoice replacing it. One correction per delivery, whatever the retries.
    credit_note = models.OneToOneField(
        Invoice,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="corrected_delivery",
        verbose_name=_("correcting credit note"),
    )
    corrected_by = models.OneToOneField(
        Invoice,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replaced_delivery",
        verbose_name=_("replacing invoice"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("invoice delivery")
        verbose_name_plural = _("invoice deliveries")
        constraints = [
            # A flux number names one deposit: two deliveries never share one.
            models.UniqueConstraint(
                fields=["flux_number"],
                condition=~models.Q(flux_number=""),
                name="einvoicing_delivery_unique_flux",
            )
        ]

    def __str__(self) -> str:
        return f"{self.invoice.number} → {self.get_channel_display()} ({self.status})"


class CompanySize(models.TextChoices):
    # The reform's categories (loi de modernisation de l'économie, décret 2008-1354).
    LARGE = "large", _("Large company")
    MID = "mid", _("Mid-sized company (ETI)")
    SME = "sme", _("Small or medium-sized company, or micro-enterprise")


class PlatformAdapter(models.TextChoices):
    # The API the seller's issuing PA speaks (einvoicing.platforms.ADAPTERS).
    AFNOR_FLOW = "afnor_flow", _("AFNOR XP Z12-013 Flow Service API")


class PlatformSettings(models.Model):
    """The seller's accredited platform (plateforme agréée, PA) for the e-invoicing reform: one
    row (pk 1), edited in the admin, read by ``einvoicing.reform`` and, for issuing, by
    ``einvoicing.platforms`` (the adapter; docs/einvoicing.md)."""

    company_size = models.CharField(
        max_length=10,
        choices=CompanySize.choices,
        default=CompanySize.SME,
        verbose_name=_("company size"),
        help_text=_("Decides the date from which invoices must be issued through a PA."),
    )
    receiving_platform = models.CharField(
        max_length=120,
        blank=True,
        verbose_name=_("platform receiving the seller's invoices"),
        help_text=_("The accredited platform chosen to receive supplier invoices."),
    )
    directory_registered = models.BooleanField(
        default=False,
        verbose_name=_("registered in the directory"),
        help_text=_(
            "The platform has registered the seller's SIREN in the public invoicing directory "
            "(annuaire), so that suppliers' invoices find it."
        ),
    )
    issues_through_platform = models.BooleanField(
        default=False, verbose_name=_("issues its invoices through a PA")
    )
    issuing_platform = models.CharField(
        max_length=120, blank=True, verbose_name=_("platform issuing the seller's invoices")
    )
    adapter = models.CharField(
        max_length=20,
        choices=PlatformAdapter.choices,
        blank=True,
        verbose_name=_("platform's API"),
        help_text=_(
            "The interface the issuing platform offers. Empty: no adapter, invoices go by "
            "Chorus Pro or e-mail as before."
        ),
    )
    platform_number = models.CharField(
        max_length=40,
        blank=True,
        verbose_name=_("platform's accreditation number"),
        help_text=_("The issuing platform's number in the tax administration's list of PAs."),
    )
    # How far the lifecycle flows of the seller's invoices have been read: the platform's own
    # ``updatedAt`` of the last one (einvoicing.services.platform_lifecycle_read); "" at first.
    lifecycle_mark = models.CharField(
        max_length=40, blank=True, editable=False, verbose_name=_("lifecycle read until")
    )
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("accredited platform (reform)")
        verbose_name_plural = _("accredited platform (reform)")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(pk=1), name="einvoicing_platform_settings_single_row"
            ),
            # Issuing through a PA names it.
            models.CheckConstraint(
                condition=models.Q(issues_through_platform=False) | ~models.Q(issuing_platform=""),
                name="einvoicing_platform_issuing_named",
            ),
        ]

    def __str__(self) -> str:
        return str(_("accredited platform (reform)"))
