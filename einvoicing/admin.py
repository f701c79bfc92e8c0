"""Admin: invoice deliveries listed by status, with their history, a retry action and the
correction of a rejected invoice (credit note and new invoice, einvoicing.corrections).

Rows are written by the services only; the retry action queues ``einvoicing.tasks.
retry_delivery`` (the portal is never waited on in the admin's request).
"""

from __future__ import annotations

from datetime import datetime

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _

from bookings.services import Actor
from core.admin_display import ReadOnlyModelAdmin, rows_table
from core.dates import format_datetime
from core.errors import DomainError
from core.permissions import admin_permission
from core.tasks import enqueue
from einvoicing import tasks
from einvoicing.corrections import delivery_correct
from einvoicing.models import FOLLOWED, Delivery, DeliveryStatus, PlatformSettings
from einvoicing.reform import reform_status


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyModelAdmin):
    list_display = [
        "invoice",
        "channel",
        "status",
        "attempts",
        "flux_number",
        "status_changed_at",
        "last_error",
    ]
    list_filter = ["status", "channel"]
    search_fields = ["invoice__number", "flux_number", "portal_invoice_id"]
    list_select_related = ["invoice"]
    readonly_fields = [
        "invoice",
        "channel",
        "status",
        "attempts",
        "flux_number",
        "portal_invoice_id",
        "structure_id",
        "history_table",
        "last_error",
        "status_changed_at",
        "next_check_at",
        "check_failures",
        "credit_note",
        "corrected_by",
    ]
    exclude = ["history"]
    actions = ["retry", "correct"]
    has_retry_permission = admin_permission("einvoicing.change_delivery")
    has_correct_permission = admin_permission("invoicing.issue_credit_note")

    @admin.display(description=gettext_lazy("status history"))
    def history_table(self, obj: Delivery) -> SafeString:
        """One row per status, oldest first: when (Europe/Paris), what, the portal's reason."""
        labels = dict(DeliveryStatus.choices)
        rows = [
            (
                format_datetime(datetime.fromisoformat(row["at"]), get_language() or "fr"),
                f"{labels.get(row['status'], row['status'])} {row.get('reason', '')}".strip(),
            )
            for row in obj.history
        ]
        return rows_table(rows)

    @admin.action(
        description=gettext_lazy("Deliver again, or consult the portal now"),
        permissions=["retry"],
    )
    def retry(self, request: HttpRequest, queryset: QuerySet[Delivery]) -> None:
        retried = queryset.filter(status__in=(*FOLLOWED, DeliveryStatus.PENDING))
        count = 0
        for delivery in retried:
            enqueue(tasks.retry_delivery, delivery.pk)
            count += 1
        self.message_user(
            request,
            ngettext("%(count)d delivery retried.", "%(count)d deliveries retried.", count)
            % {"count": count},
            level=messages.SUCCESS if count else messages.WARNING,
        )

    @admin.action(
        description=gettext_lazy("Correct: credit note and new invoice, delivered again"),
        permissions=["correct"],
    )
    def correct(self, request: HttpRequest, queryset: QuerySet[Delivery]) -> None:
        """Each rejected delivery selected: its invoice credited and issued again (the new one
        delivered after commit). The others are left alone and counted."""
        done = skipped = 0
        for delivery in queryset.select_related("invoice"):
            if delivery.status != DeliveryStatus.REJECTED or delivery.corrected_by_id:
                skipped += 1
                continue
            reason = _("Rejected by Chorus Pro: %(reason)s") % {
                "reason": delivery.last_error or _rejection_reason(delivery)
            }
            try:
                correction = delivery_correct(
                    delivery=delivery, actor=Actor.staff(request.user), reason=str(reason)[:500]
                )
            except DomainError as exc:
                self.message_user(
                    request, f"{delivery.invoice.number}: {exc.message}", level=messages.ERROR
                )
                continue
            done += 1
            self.message_user(
                request,
                _("%(invoice)s corrected by %(credit_note)s and replaced by %(new)s.")
                % {
                    "invoice": delivery.invoice.number,
                    "credit_note": correction.credit_note.number,
                    "new": correction.invoice.number,
                },
                level=messages.SUCCESS,
            )
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%(count)d delivery was not rejected or is corrected already.",
                    "%(count)d deliveries were not rejected or are corrected already.",
                    skipped,
                )
                % {"count": skipped},
                level=messages.WARNING,
            )


def _rejection_reason(delivery: Delivery) -> str:
    for step in reversed(delivery.history):
        if step.get("status") == DeliveryStatus.REJECTED:
            return str(step.get("reason") or "")
    return ""


@admin.register(PlatformSettings)
class PlatformSettingsAdmin(admin.ModelAdmin):
    """The seller's accredited platform for the reform (one row), with what the reform still
    asks of the operator today."""

    list_display = ["__str__", "company_size", "receiving_platform", "issues_through_platform"]
    readonly_fields = ["reform_to_do"]
    fields = [
        "company_size",
        "receiving_platform",
        "directory_registered",
        "issues_through_platform",
        "issuing_platform",
        "adapter",
        "platform_number",
        "reform_to_do",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request) and not PlatformSettings.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def save_model(
        self, request: HttpRequest, obj: PlatformSettings, form: object, change: bool
    ) -> None:
        obj.pk = 1  # the one row
        super().save_model(request, obj, form, change)

    @admin.display(description=gettext_lazy("what the reform still asks"))
    def reform_to_do(self, obj: PlatformSettings | None) -> SafeString:
        status = reform_status(settings=obj or PlatformSettings(pk=1), today=timezone.localdate())
        items = [str(item) for item in status.to_do] or [
            _("Nothing: the seller receives and issues through its platform.")
        ]
        return format_html(
            "<ul>{}</ul>", format_html_join("", "<li>{}</li>", ((i,) for i in items))
        )
