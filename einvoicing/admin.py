"""Admin: invoice deliveries listed by status, with their history, a retry action, the
correction of a rejected invoice (credit note and new invoice, einvoicing.corrections) and, on
a suspended invoice's page, the form completing it at Chorus Pro (a comment and a PDF).

Rows are written by the services only; the retry action queues ``einvoicing.tasks.
retry_delivery`` (the portal is never waited on in the admin's request).
"""

from __future__ import annotations

from datetime import datetime

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
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
from einvoicing.corrections import Attachment, delivery_complete, delivery_correct
from einvoicing.models import (
    FOLLOWED,
    Delivery,
    DeliveryChannel,
    DeliveryStatus,
    PlatformSettings,
)
from einvoicing.reform import reform_status

COMPLETE_PERMISSION = "invoicing.issue_invoice"  # as the API: who issues invoices completes them


class CompletionForm(forms.Form):
    comment = forms.CharField(
        label=gettext_lazy("Comment for the buyer"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        help_text=gettext_lazy("What the buyer asked for, e.g. the commitment number."),
    )
    attachment = forms.FileField(
        label=gettext_lazy("Attached PDF"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
        help_text=gettext_lazy("Optional: the document the buyer asked for, a PDF."),
    )


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
        "completion",
    ]
    exclude = ["history"]
    actions = ["retry", "correct"]
    has_retry_permission = admin_permission("einvoicing.change_delivery")
    has_correct_permission = admin_permission("invoicing.issue_credit_note")

    def get_urls(self) -> list[URLPattern]:
        extra = [
            path(
                "<int:pk>/complete/",
                self.admin_site.admin_view(self.complete_view),
                name="einvoicing_delivery_complete",
            )
        ]
        return extra + super().get_urls()

    @admin.display(description=gettext_lazy("completion"))
    def completion(self, obj: Delivery) -> SafeString:
        """The link to the completion form, for an invoice suspended at Chorus Pro."""
        if not _completable(obj):
            return format_html("{}", "-")
        url = reverse("admin:einvoicing_delivery_complete", args=[obj.pk])
        return format_html(
            '<a href="{}" class="button" id="complete-delivery">{}</a>',
            url,
            _("Complete the suspended invoice"),
        )

    def complete_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """Complete a suspended invoice at Chorus Pro: a comment and, when given, a PDF (the
        service checks the file and calls the portal); a refusal is shown on the form."""
        if not request.user.has_perm(COMPLETE_PERMISSION):
            raise PermissionDenied
        delivery = get_object_or_404(Delivery.objects.select_related("invoice"), pk=pk)
        form = CompletionForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["attachment"]
            try:
                delivery_complete(
                    delivery=delivery,
                    comment=form.cleaned_data["comment"],
                    attachment=Attachment(name=upload.name or "", content=upload.read())
                    if upload
                    else None,
                )
            except DomainError as refused:
                form.add_error(
                    "attachment" if refused.field == "attachment" else None, str(refused.message)
                )
            else:
                self.message_user(
                    request,
                    _("%(invoice)s completed at Chorus Pro; it is followed again.")
                    % {"invoice": delivery.invoice.number},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(reverse("admin:einvoicing_delivery_change", args=[pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": delivery,
            "form": form,
            "asked": _suspension_reason(delivery),
            "completable": _completable(delivery),
            "max_mb": f"{settings.EINVOICING_ATTACHMENT_MAX_BYTES / 1_000_000:g}",
            "title": _("Complete %(invoice)s at Chorus Pro") % {"invoice": delivery.invoice.number},
        }
        return TemplateResponse(request, "admin/einvoicing/delivery/complete.html", context)

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
            said = delivery.last_error or _rejection_reason(delivery)
            if delivery.channel == DeliveryChannel.PLATFORM:
                reason = _("Refused at the buyer's platform: %(reason)s") % {"reason": said}
            else:
                reason = _("Rejected by Chorus Pro: %(reason)s") % {"reason": said}
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


def _completable(delivery: Delivery) -> bool:
    return (
        delivery.channel == DeliveryChannel.CHORUS_PRO
        and delivery.status == DeliveryStatus.SUSPENDED
        and bool(delivery.portal_invoice_id)
    )


def _suspension_reason(delivery: Delivery) -> str:
    for step in reversed(delivery.history):
        if step.get("status") == DeliveryStatus.SUSPENDED:
            return str(step.get("reason") or "")
    return ""


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
