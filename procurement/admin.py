"""Admin: quotes by status and expiry, read-only, with their versions, acceptance and events.

Quotes are written by ``procurement.services`` only (the API's staff actions revise, extend and
decline them); the admin shows them, converts one to a booking (``procurement.convert_admin``)
and records its delivery (``procurement.delivery_admin``).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.admin_display import ReadOnlyModelAdmin, euros, paris, price_table, rows_table
from core.errors import DomainError
from procurement import services
from procurement.convert_admin import QuoteConvertAdminMixin
from procurement.delivery_admin import QuoteDeliveryAdminMixin
from procurement.models import PaymentTerms, Quote, QuoteSequence, QuoteStatus


@admin.register(QuoteSequence)
class QuoteSequenceAdmin(ReadOnlyModelAdmin):
    list_display = ["year", "last_number"]


@admin.register(PaymentTerms)
class PaymentTermsAdmin(admin.ModelAdmin[PaymentTerms]):
    """The seller's payment terms by buyer type, printed on the next quotes (a quote already
    sent keeps the terms frozen on its version). The database refuses more than 30 days for
    public buyers and a school deposit above 70 %."""

    list_display = [
        "organisation_type",
        "days_after_invoice",
        "deposit_rule",
        "deposit_percent",
        "methods",
    ]

    def has_add_permission(self, request: Any) -> bool:
        return False  # one row per buyer type, seeded by migration

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


class StatusFilter(admin.SimpleListFilter):
    """The status as the buyer sees it: an open quote past its validity is expired."""

    title = _("status")
    parameter_name = "status"

    def lookups(self, request: Any, model_admin: Any) -> list[tuple[str, Any]]:
        return list(QuoteStatus.choices)

    def queryset(self, request: Any, queryset: Any) -> Any:
        from django.utils import timezone

        value = self.value()
        now = timezone.now()
        if value == QuoteStatus.SENT:
            return queryset.filter(status=QuoteStatus.SENT, valid_until__gt=now)
        if value == QuoteStatus.EXPIRED:
            return queryset.filter(status=QuoteStatus.SENT, valid_until__lte=now) | (
                queryset.filter(status=QuoteStatus.EXPIRED)
            )
        if value:
            return queryset.filter(status=value)
        return queryset


@admin.register(Quote)
class QuoteAdmin(QuoteConvertAdminMixin, QuoteDeliveryAdminMixin, ReadOnlyModelAdmin):
    list_display = [
        "number",
        "organisation_name",
        "shown_status",
        "valid_until",
        "current_version",
        "booking",
    ]
    list_filter = [StatusFilter, "organisation_type"]
    search_fields = ["number", "organisation_name", "contact_email"]
    ordering = ["valid_until"]
    date_hierarchy = "valid_until"
    fields = (
        "number",
        "shown_status",
        "valid_until",
        "language",
        "buyer",
        "booking",
        "seats_held",
        "convert_box",
        "order_table",
        "service_done",
        "delivery_box",
        "decline_reason",
        "versions_table",
        "acceptance_table",
        "events_table",
    )
    readonly_fields = fields
    actions = ["convert", "certify_service"]

    @admin.action(
        description=_("Certify that the service was delivered (service fait)"),
        permissions=["certify"],
    )
    def certify_service(self, request: HttpRequest, queryset: QuerySet[Quote]) -> None:
        """Each selected quote's service certified by this user now (idempotent); a refusal
        (not accepted, cancelled, visit to come) is reported with its quote, the others go on."""
        done = already = 0
        for quote in queryset:
            try:
                certified = services.quote_certify_service(quote=quote, user=request.user)
            except DomainError as error:
                self.message_user(request, f"{quote.number}: {error.message}", messages.ERROR)
                continue
            if certified.created:
                done += 1
            else:
                already += 1
        self.message_user(
            request,
            ngettext(
                "%(done)d service certified (%(already)d already were).",
                "%(done)d services certified (%(already)d already were).",
                done,
            )
            % {"done": done, "already": already},
            level=messages.SUCCESS if done else messages.WARNING,
        )

    def has_certify_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.has_perm("procurement.change_quote"))

    @admin.display(description=_("certified delivery"))
    def service_done(self, obj: Quote) -> str:
        certification = getattr(obj, "service_certification", None)
        if certification is None:
            return "-"
        return _("%(at)s, by %(by)s") % {
            "at": paris(certification.certified_at),
            "by": certification.certified_by.get_username(),
        }

    @admin.display(description=_("status"))
    def shown_status(self, obj: Quote) -> str:
        return str(QuoteStatus(obj.effective_status()).label)

    @admin.display(description=_("buyer"))
    def buyer(self, obj: Quote) -> SafeString:
        return rows_table(
            [
                (_("organisation name"), obj.organisation_name),
                (_("organisation type"), obj.get_organisation_type_display()),
                ("SIRET", obj.siret or "-"),
                (_("VAT number"), obj.vat_number or "-"),
                (_("service code"), obj.service_code or "-"),
                (
                    _("commitment number will follow"),
                    _("yes") if obj.commitment_number_follows else _("no"),
                ),
                (_("contact name"), obj.contact_name),
                (_("contact e-mail"), obj.contact_email),
            ]
        )

    @admin.display(description=_("versions"))
    def versions_table(self, obj: Quote) -> SafeString:
        parts = []
        for row in obj.versions.select_related("itinerary").order_by("version"):
            summary = rows_table(
                [
                    (_("version"), row.version),
                    (_("itinerary"), row.itinerary.title),
                    (_("starts at"), paris(row.starts_at)),
                    (
                        _("participants"),
                        f"{row.pupils} / {row.adults} / {row.staff} (+{row.free_places})",
                    ),
                    (_("total"), euros(row.total_cents)),
                    (_("superseded at"), paris(row.superseded_at) if row.superseded_at else "-"),
                    (_("PDF SHA-256"), row.pdf_sha256),
                ]
            )
            parts.append(format_html("{}{}", summary, price_table(row.price)))
        return format_html_join("", "<div>{}</div>", ((part,) for part in parts))

    @admin.display(description=_("seat hold"))
    def seats_held(self, obj: Quote) -> str:
        hold = obj.seat_hold
        if hold is None:
            return "-"
        if hold.takes_seats():
            return _("%(seats)d seats held until %(until)s") % {
                "seats": hold.seats,
                "until": paris(hold.expires_at),
            }
        return _("%(seats)d seats, released") % {"seats": hold.seats}

    @admin.display(description=_("purchase order"))
    def order_table(self, obj: Quote) -> SafeString:
        rows: list[tuple[Any, Any]] = [
            (_("purchase order number"), obj.purchase_order_number or "-"),
            (_("commitment number"), obj.commitment_number or "-"),
        ]
        for document in obj.documents.all():
            rows.append(
                (
                    document.get_kind_display(),
                    # Stored privately (no public URL): the storage name and the content hash.
                    f"{document.file.name} ({document.size} B, {paris(document.uploaded_at)}, "
                    f"SHA-256 {document.sha256})",
                )
            )
        return rows_table(rows)

    @admin.display(description=_("acceptance"))
    def acceptance_table(self, obj: Quote) -> SafeString:
        acceptance = getattr(obj, "acceptance", None)
        if acceptance is None:
            return format_html("{}", "-")
        return rows_table(
            [
                (_("version"), acceptance.version),
                (_("name"), acceptance.name),
                (_("role"), acceptance.role),
                (_("accepted at"), paris(acceptance.accepted_at)),
                (_("client address"), acceptance.client_address or "-"),
                (_("PDF SHA-256"), acceptance.pdf_sha256),
            ]
        )

    @admin.display(description=_("events"))
    def events_table(self, obj: Quote) -> SafeString:
        return rows_table(
            [(paris(event.at), f"{event.action} {event.data}") for event in obj.events.all()]
        )
