"""Admin of the visits app: the message rules staff edit, the messages sent and the check-ins
(read only), and the certificates of attendance (issued from a booking, downloaded)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bookings.models import Booking
from core.admin_display import AdminPart, paris
from core.errors import DomainError
from itineraries.models import Departure
from visits import certificates
from visits.models import (
    Certificate,
    CertificateNotice,
    CertificateSource,
    CheckIn,
    MessageRule,
    SentMessage,
)


@admin.register(MessageRule)
class MessageRuleAdmin(admin.ModelAdmin):
    """The default set (no itinerary) and each itinerary's own rules, which replace the default
    of their kind. A rule that has sent messages is deactivated rather than deleted."""

    list_display = ["scope", "kind", "days", "timing", "is_active"]
    list_filter = ["itinerary", "kind", "is_active"]
    list_select_related = ["itinerary"]
    fields = ["itinerary", "kind", "days", "timing", "text_fr", "text_en", "is_active"]

    @admin.display(description=gettext_lazy("itinerary"), ordering="itinerary__slug")
    def scope(self, obj: MessageRule) -> str:
        return str(obj.itinerary) if obj.itinerary_id else str(gettext_lazy("Default set"))


@admin.register(SentMessage)
class SentMessageAdmin(admin.ModelAdmin):
    """What went out to whom (the booking), when, in which language; written by the beat task
    only."""

    list_display = ["booking", "rule", "status", "language", "sent", "attempts", "last_error"]
    list_filter = ["status", "rule__kind", "language"]
    list_select_related = ["booking", "rule__itinerary"]
    search_fields = ["booking__reference"]

    @admin.display(description=gettext_lazy("sent at"), ordering="sent_at")
    def sent(self, obj: SentMessage) -> str:
        return paris(obj.sent_at) if obj.sent_at else "-"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(CertificateNotice)
class CertificateNoticeAdmin(admin.ModelAdmin):
    """The certificates-ready e-mails, one per booking (read only; written by the beat)."""

    list_display = ["booking", "status", "language", "sent", "attempts", "last_error"]
    list_filter = ["status", "language"]
    list_select_related = ["booking"]
    search_fields = ["booking__reference"]

    @admin.display(description=gettext_lazy("sent at"), ordering="sent_at")
    def sent(self, obj: CertificateNotice) -> str:
        return paris(obj.sent_at) if obj.sent_at else "-"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(CheckIn)
class CheckInAdmin(admin.ModelAdmin):
    """The guides' ticks, as received (read only): who came is the latest tick per person."""

    list_display = [
        "departure",
        "booking",
        "participant",
        "present",
        "count",
        "walk_ins",
        "ticked",
        "guide",
    ]
    list_filter = ["present"]
    list_select_related = ["departure__itinerary", "booking", "participant", "guide"]
    search_fields = ["booking__reference", "client_id"]

    @admin.display(description=gettext_lazy("ticked at"), ordering="at")
    def ticked(self, obj: CheckIn) -> str:
        return paris(obj.at)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class CertificateIssueForm(forms.Form):
    reference = forms.RegexField(
        regex=r"^VA-[A-Z0-9]{6}$",
        label=gettext_lazy("Booking reference"),
        help_text=gettext_lazy("For example VA-7K3M9Q."),
    )


@admin.register(Certificate)
class CertificateAdmin(admin.ModelAdmin):
    """Certificates of attendance, read only: staff issue a booking's certificates from the
    "issue" page (``certificates_issue``, the organiser's rule) and download each PDF."""

    list_display = ["code", "holder", "booking", "issued_by", "issued", "pdf"]
    list_filter = ["issued_by"]
    list_select_related = ["participant", "booking"]
    search_fields = ["booking__reference", "code"]

    @admin.display(description=gettext_lazy("participant"), ordering="participant__name")
    def holder(self, obj: Certificate) -> str:
        return obj.participant.name

    @admin.display(description=gettext_lazy("issued at"), ordering="issued_at")
    def issued(self, obj: Certificate) -> str:
        return paris(obj.issued_at)

    @admin.display(description="PDF")
    def pdf(self, obj: Certificate) -> str:
        url = reverse("admin:visits_certificate_pdf", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Download"))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_urls(self) -> list[URLPattern]:
        extra = [
            path(
                "issue/",
                self.admin_site.admin_view(self.issue_view),
                name="visits_certificate_issue",
            ),
            path(
                "<int:pk>/pdf/",
                self.admin_site.admin_view(self.pdf_view),
                name="visits_certificate_pdf",
            ),
        ]
        return extra + super().get_urls()

    def issue_view(self, request: HttpRequest) -> HttpResponse:
        """Issue the certificates of everyone checked in on a booking (after its visit)."""
        if not request.user.has_perm("visits.add_certificate"):
            raise PermissionDenied
        form = CertificateIssueForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            reference = form.cleaned_data["reference"]
            booking = (
                Booking.objects.select_related("departure__itinerary")
                .filter(reference=reference)
                .first()
            )
            if booking is None:
                form.add_error("reference", _("No booking has this reference."))
            else:
                try:
                    issued = certificates.certificates_issue(
                        booking=booking, by=CertificateSource.STAFF
                    )
                except DomainError as exc:
                    form.add_error("reference", str(exc.message))
                else:
                    self.message_user(
                        request,
                        _("%(booking)s: %(count)d certificate(s) of attendance.")
                        % {"booking": reference, "count": len(issued)},
                        level=messages.SUCCESS if issued else messages.WARNING,
                    )
                    changelist = reverse("admin:visits_certificate_changelist")
                    return HttpResponseRedirect(f"{changelist}?q={reference}")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "form": form,
            "title": _("Issue the certificates of a booking"),
        }
        return TemplateResponse(request, "admin/visits/certificate/issue.html", context)

    def pdf_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """One certificate's PDF, as the group downloads it."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        found = get_object_or_404(
            Certificate.objects.select_related("participant", "booking__departure__itinerary"),
            pk=pk,
        )
        pdf = certificates.certificates_pdf(found.booking, [found])
        response = HttpResponse(pdf, content_type="application/pdf")
        filename = certificates.certificates_filename(found.booking, found.code)
        response["Content-Disposition"] = f'inline; filename="{filename}"'
        return response


@admin.display(description=gettext_lazy("Manifest"))
def manifest_link(departure: Departure) -> str:
    """The printable manifest of the departure (names and needs: the PDF answers staff with
    ``bookings.view_booking`` and the departure's guides, else 404)."""
    url = reverse("departure-manifest-pdf", args=[departure.pk])
    return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', url, _("PDF"))


# A column of the departures' admin list (itineraries.departure_admin_parts).
DEPARTURE_MANIFEST = AdminPart(columns=[manifest_link])
