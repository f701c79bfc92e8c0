"""The admin's "convert" of a quote (issue 16, item 7): staff turn an open quote into a
confirmed booking on the buyer's behalf, after a paper order or a signed quote received by
post, through ``procurement.services.quote_convert`` (the API's service: quote lock, checks,
seats, frozen price, audited as accepted by the staff member). From the list, the action
"Convert to a booking" on one selected quote opens the form; the quote's page links it too."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError
from procurement import services
from procurement.models import Quote, QuoteStatus

CHANGE_QUOTE = "procurement.change_quote"


class ConvertForm(forms.Form):
    name = forms.CharField(label=_("Signatory's name"), max_length=200)
    role = forms.CharField(label=_("Signatory's role"), max_length=200)
    purchase_order_number = forms.CharField(
        label=_("purchase order number"), max_length=60, required=False
    )
    commitment_number = forms.CharField(label=_("commitment number"), max_length=60, required=False)


def _client_address(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR") or "")


class QuoteConvertAdminMixin:
    """For ``QuoteAdmin``: the "convert" action, its form, and the link on the quote's page."""

    admin_site: Any
    model: Any

    def get_urls(self) -> list[URLPattern]:
        extra = [
            path(
                "<int:pk>/convert/",
                self.admin_site.admin_view(self.convert_view),
                name="procurement_quote_convert",
            )
        ]
        return extra + super().get_urls()  # type: ignore[misc]

    @admin.action(description=_("Convert to a booking"), permissions=["convert"])
    def convert(self, request: HttpRequest, queryset: QuerySet[Quote]) -> HttpResponse | None:
        """One quote at a time: the signatory's name and role are asked on the next page."""
        if queryset.count() != 1:
            self.message_user(  # type: ignore[attr-defined]
                request, _("Select one quote to convert."), messages.WARNING
            )
            return None
        quote = queryset.get()
        return HttpResponseRedirect(reverse("admin:procurement_quote_convert", args=[quote.pk]))

    def has_convert_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.has_perm(CHANGE_QUOTE))

    @admin.display(description=_("Convert to a booking"))
    def convert_box(self, obj: Quote) -> SafeString:
        if obj.effective_status() != QuoteStatus.SENT:
            return format_html("{}", "-")
        url = reverse("admin:procurement_quote_convert", args=[obj.pk])
        return format_html('<a href="{}" id="convert-quote">{}</a>', url, _("Convert to a booking"))

    def convert_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """Accept the current version for the buyer; a refusal (expired, superseded, already
        accepted, declined, seats gone) is shown on the form and nothing is written."""
        if not request.user.has_perm(CHANGE_QUOTE):
            raise PermissionDenied
        quote = get_object_or_404(Quote, pk=pk)
        form = ConvertForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                converted = services.quote_convert(
                    quote=quote,
                    user=request.user,
                    name=data["name"],
                    role=data["role"],
                    client_address=_client_address(request),
                    version=quote.current_version,
                    purchase_order_number=data["purchase_order_number"] or None,
                    commitment_number=data["commitment_number"] or None,
                )
            except DomainError as refused:
                form.add_error(None, str(refused.message))
            else:
                booking = converted.booking
                self.message_user(  # type: ignore[attr-defined]
                    request,
                    _("%(number)s converted: booking %(reference)s confirmed.")
                    % {
                        "number": converted.number,
                        "reference": booking.reference if booking else "-",
                    },
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(reverse("admin:procurement_quote_change", args=[pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": quote,
            "form": form,
            "title": _("Convert %(number)s to a booking") % {"number": quote.number},
        }
        return TemplateResponse(request, "admin/procurement/quote/convert.html", context)
