"""The admin's side of the certified delivery: a form on an accepted quote's page that records
the delivery through ``procurement.delivery.delivery_record`` (the API's service, the same
checks, the same audit), prefilled with the guide's check-in; the deliveries' list, read only,
with each certificate."""

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
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from core.admin_display import ReadOnlyModelAdmin, paris
from core.errors import DomainError
from procurement import delivery as services
from procurement.delivery_document import delivery_filename, render_delivery_pdf
from procurement.models import Delivery, Quote, QuoteStatus

ADD_DELIVERY = "procurement.add_delivery"


class DeliveryForm(forms.Form):
    pupils = forms.IntegerField(label=_("pupils or students"), min_value=0, max_value=1000)
    adults = forms.IntegerField(label=_("adults"), min_value=0, max_value=1000)
    staff = forms.IntegerField(label=_("accompanying staff"), min_value=0, max_value=1000)
    issue_invoice = forms.BooleanField(
        label=_("Issue the final invoice"), required=False, initial=True
    )


def _initial(booking: Any, quote: Quote) -> dict[str, Any]:
    booked = services.booked_attendance(booking, quote)
    given = services.default_attendance(services.check_in_figures(booking), booked) or booked
    figures = given.as_dict() if given else {}
    return {**figures, "issue_invoice": True}


class QuoteDeliveryAdminMixin:
    """For ``QuoteAdmin``: the "record the delivery" form and the delivery on the quote's page."""

    admin_site: Any
    model: Any

    def get_urls(self) -> list[URLPattern]:
        extra = [
            path(
                "<int:pk>/delivery/",
                self.admin_site.admin_view(self.delivery_view),
                name="procurement_quote_delivery",
            )
        ]
        return extra + super().get_urls()  # type: ignore[misc]

    @admin.display(description=_("people present"))
    def delivery_box(self, obj: Quote) -> SafeString:
        delivery = getattr(obj, "delivery", None)
        if delivery is not None:
            url = reverse("admin:procurement_delivery_pdf", args=[delivery.pk])
            return format_html(
                '{} ({} / {} / {}), {} — <a href="{}" id="delivery-certificate">{}</a>',
                delivery.attended,
                delivery.pupils,
                delivery.adults,
                delivery.staff,
                paris(delivery.delivered_at),
                url,
                _("Certificate of delivery (PDF)"),
            )
        if obj.status != QuoteStatus.ACCEPTED:
            return format_html("{}", "-")
        url = reverse("admin:procurement_quote_delivery", args=[obj.pk])
        return format_html(
            '<a href="{}" id="record-delivery">{}</a>', url, _("Record the delivery")
        )

    def delivery_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """Record who came and certify the delivery (then the final invoice, if asked and
        allowed); a refusal is shown on the form, nothing written."""
        if not request.user.has_perm(ADD_DELIVERY):
            raise PermissionDenied
        quote = get_object_or_404(Quote.objects.select_related("booking"), pk=pk)
        booking = quote.booking
        if booking is None:
            raise PermissionDenied
        form = DeliveryForm(request.POST or None, initial=_initial(booking, quote))
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            may_invoice = request.user.has_perm("invoicing.issue_invoice")
            try:
                recorded = services.delivery_record(
                    booking=booking,
                    attendance_given=services.Attendance(
                        pupils=data["pupils"], adults=data["adults"], staff=data["staff"]
                    ),
                    user=request.user,
                    issue_invoice=data["issue_invoice"] and may_invoice,
                )
            except DomainError as refused:
                form.add_error(None, str(refused.message))
            else:
                self._report(request, quote, recorded, data["issue_invoice"] and not may_invoice)
                return HttpResponseRedirect(reverse("admin:procurement_quote_change", args=[pk]))
        figures = services.check_in_figures(booking)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": quote,
            "booking": booking,
            "form": form,
            "check_in": figures.as_dict() if figures else None,
            "title": _("Record the delivery of %(number)s") % {"number": quote.number},
        }
        return TemplateResponse(request, "admin/procurement/quote/delivery.html", context)

    def _report(self, request: HttpRequest, quote: Quote, recorded: Any, not_allowed: bool) -> None:
        say = self.message_user  # type: ignore[attr-defined]
        say(
            request,
            _("%(number)s: delivery recorded for %(n)d people, service certified.")
            % {"number": quote.number, "n": recorded.delivery.attended},
            messages.SUCCESS,
        )
        if recorded.invoice is not None:
            say(
                request,
                _("Invoice %(invoice)s issued, due on %(due)s.")
                % {
                    "invoice": recorded.invoice.number,
                    "due": recorded.invoice.due_date.strftime("%d/%m/%Y"),
                },
                messages.SUCCESS,
            )
        elif recorded.invoice_pending is not None:
            say(request, str(recorded.invoice_pending.message), messages.WARNING)
        elif not_allowed:
            say(request, _("The invoice is issued by staff who may issue invoices."), messages.INFO)


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyModelAdmin):
    list_display = ["booking", "quote", "people", "pupils", "adults", "staff", "when", "pdf"]
    list_select_related = ["booking", "quote"]
    search_fields = ["booking__reference", "quote__number"]

    @admin.display(description=_("people present"))
    def people(self, obj: Delivery) -> int:
        return obj.attended

    @admin.display(description=_("recorded at"), ordering="delivered_at")
    def when(self, obj: Delivery) -> str:
        return paris(obj.delivered_at)

    @admin.display(description="PDF")
    def pdf(self, obj: Delivery) -> SafeString:
        url = reverse("admin:procurement_delivery_pdf", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Certificate of delivery (PDF)"))

    def get_urls(self) -> list[URLPattern]:
        extra = [
            path(
                "<int:pk>/pdf/",
                self.admin_site.admin_view(self.pdf_view),
                name="procurement_delivery_pdf",
            )
        ]
        return extra + super().get_urls()

    def pdf_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        found = get_object_or_404(
            Delivery.objects.select_related("booking__departure__itinerary", "quote"), pk=pk
        )
        response = HttpResponse(render_delivery_pdf(found), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{delivery_filename(found)}"'
        return response
