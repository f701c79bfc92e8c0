"""Invoicing API (staff only): issue, list, read, PDF, credit notes, accounting export.

No update and no delete: an issued invoice never changes (corrections are credit notes).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from bookings.models import Booking
from core.errors import DomainError
from core.extensions import ExtensionPoint
from core.idempotency import idempotent
from core.permissions import StaffPermission
from core.serializers import AnswerPart, ContributedFieldsMixin, annotate_for
from invoicing import errors, late_payment, selectors, services
from invoicing.models import Invoice, InvoiceKind

ISSUE_KINDS = [
    (services.DEPOSIT, _("Deposit invoice")),
    (services.FINAL, _("Final invoice, deducting the deposit invoices")),
    (services.FULL, _("Single invoice for everything")),
]


class IssueSerializer(serializers.Serializer[Any]):
    booking = serializers.CharField(max_length=12, help_text="The booking's reference.")
    kind = serializers.ChoiceField(choices=ISSUE_KINDS)


class CreditNoteSerializer(serializers.Serializer[Any]):
    amount_cents = serializers.IntegerField(
        min_value=1, required=False, help_text="Incl. VAT; all that remains creditable if absent."
    )
    reason = serializers.CharField(max_length=255)


class LineSerializer(serializers.Serializer[Any]):
    description = serializers.CharField()
    quantity = serializers.IntegerField()
    unit_price_cents = serializers.IntegerField()
    total_excl_vat_cents = serializers.IntegerField()
    vat_rate = serializers.CharField()
    vat_category = serializers.CharField()


class VatRowSerializer(serializers.Serializer[Any]):
    vat_rate = serializers.CharField()
    vat_category = serializers.CharField()
    total_excl_vat_cents = serializers.IntegerField()
    vat_cents = serializers.IntegerField()


# Fields the apps above add to every invoice answer (docs/architecture.md, "Extension points"):
# einvoicing's ``delivery`` (channel, status at the portal, history).
invoice_answer_parts = ExtensionPoint[AnswerPart]("invoicing.invoice_answer_parts")


class LatePaymentSerializer(serializers.Serializer[Any]):
    """What a late invoice owes today on top of what is left to pay, or what an invoice paid
    after its due date owed up to its payment day (invoicing.late_payment)."""

    days_late = serializers.IntegerField()
    principal_cents = serializers.IntegerField(help_text="What is left to pay, VAT included.")
    interest_from = serializers.DateField(help_text="The day after the due date.")
    rate_reference_date = serializers.DateField(
        help_text="First day of the half-year the interest started in: the ECB rate's day."
    )
    ecb_rate = serializers.CharField(
        allow_null=True, help_text="Percent; null when no ECB rate is recorded for that day."
    )
    margin_points = serializers.CharField(help_text="8 for public buyers, the seller's else.")
    rate = serializers.CharField(allow_null=True)
    interest_cents = serializers.IntegerField(allow_null=True)
    indemnity_cents = serializers.IntegerField(help_text="The fixed 40 EUR recovery indemnity.")
    total_cents = serializers.IntegerField(help_text="Interest (when known) plus indemnity.")
    public_buyer = serializers.BooleanField()
    paid_on = serializers.DateField(
        allow_null=True,
        help_text="Paid after its due date: the day it was paid, up to which the interest "
        "ran (principal: what was to be paid after issue); null while unpaid.",
    )


class InvoiceSerializer(ContributedFieldsMixin, serializers.ModelSerializer[Invoice]):
    """An invoice, with the fields the apps above add (``invoice_answer_parts``)."""

    answer_points: tuple[ExtensionPoint[AnswerPart], ...] = (invoice_answer_parts,)

    booking = serializers.CharField(source="booking.reference")
    credited_invoice = serializers.CharField(
        source="credited_invoice.number", allow_null=True, default=None
    )
    lines = LineSerializer(many=True)
    vat_breakdown = VatRowSerializer(many=True)
    seller = serializers.DictField()
    buyer = serializers.DictField()
    amount_due_cents = serializers.IntegerField()
    late_payment = serializers.SerializerMethodField()
    pdf_url = serializers.SerializerMethodField()

    class Meta:
        model = Invoice
        fields = [
            "number",
            "kind",
            "purpose",
            "booking",
            "issue_date",
            "service_date",
            "due_date",
            "seller",
            "buyer",
            "lines",
            "vat_breakdown",
            "total_excl_vat_cents",
            "vat_cents",
            "total_incl_vat_cents",
            "deposits_deducted_cents",
            "prepaid_cents",
            "amount_due_cents",
            "currency",
            "credited_invoice",
            "reason",
            "paid",
            "paid_cents",
            "paid_at",
            "late_payment",
            "pdf_url",
        ]
        read_only_fields = fields

    @extend_schema_field(LatePaymentSerializer(allow_null=True))
    def get_late_payment(self, obj: Invoice) -> dict[str, Any] | None:
        """Null unless the invoice is past its due date with something left to pay, or was
        paid after its due date (then what it owed up to its payment day)."""
        context: dict[str, Any] = self.context  # type: ignore[assignment]  # the root's
        rates = context.get("ecb_rates")
        paid_late = (
            obj.paid and obj.paid_at is not None and timezone.localdate(obj.paid_at) > obj.due_date
        )
        late = obj.due_date < timezone.localdate() and (not obj.paid or paid_late)
        if rates is None and late:
            rates = context["ecb_rates"] = late_payment.ecb_rates()  # once per answer
        if rates is None:
            return None
        return late_payment.as_answer(late_payment.invoice_late_payment(obj, rates=rates))

    def get_pdf_url(self, obj: Invoice) -> str:
        return f"/api/v1/invoices/{obj.number}/pdf"


class InvoiceFilter(filters.FilterSet):
    kind = filters.ChoiceFilter(choices=InvoiceKind.choices)
    booking = filters.CharFilter(field_name="booking__reference")
    from_ = filters.DateFilter(field_name="issue_date", lookup_expr="gte")
    to = filters.DateFilter(field_name="issue_date", lookup_expr="lte")

    class Meta:
        model = Invoice
        fields = ["kind", "booking"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.filters["from"] = self.filters.pop("from_")


class ExportQuerySerializer(serializers.Serializer[Any]):
    to = serializers.DateField(required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # ``from`` is a Python keyword, so the field is added by name here.
        self.fields["from"] = serializers.DateField(required=False)


class InvoiceViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[Invoice]
):
    """Invoices, deposit invoices and credit notes; issued by the services, never changed."""

    lookup_field = "number"
    lookup_value_regex = "[A-Z]{1,2}[0-9]{4}-[0-9]{6}"
    serializer_class = InvoiceSerializer
    filterset_class = InvoiceFilter
    http_method_names = ["get", "post", "head", "options"]
    staff_permissions = {
        "create": "invoicing.issue_invoice",
        "credit_note": "invoicing.issue_credit_note",
        "export": "invoicing.export_accounts",
    }

    def get_permissions(self) -> list[Any]:
        # Reading (list, retrieve, pdf) needs the view permission; the rest their own.
        return [StaffPermission(self.staff_permissions.get(self.action, "invoicing.view_invoice"))]

    def get_queryset(self) -> QuerySet[Invoice]:
        queryset = selectors.invoice_queryset().order_by("-issue_date", "-pk")
        queryset = late_payment.with_credited_total(queryset)
        return annotate_for(invoice_answer_parts, queryset)

    def get_object(self) -> Invoice:
        invoice = self.get_queryset().filter(number=self.kwargs["number"]).first()
        if invoice is None:
            raise DomainError(
                errors.INVOICE_NOT_FOUND, _("No invoice has this number."), status=404
            )
        return invoice

    @extend_schema(request=IssueSerializer, responses={201: InvoiceSerializer})
    @idempotent
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = IssueSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        booking = Booking.objects.filter(reference=serializer.validated_data["booking"]).first()
        if booking is None:
            raise DomainError(
                errors.BOOKING_NOT_FOUND,
                _("No booking has this reference."),
                field="booking",
                status=404,
            )
        invoice = services.invoice_issue(booking=booking, kind=serializer.validated_data["kind"])
        return self._answer(invoice, status.HTTP_201_CREATED)

    def _answer(self, invoice: Invoice, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=invoice.pk)
        return Response(InvoiceSerializer(fresh).data, status=code)

    @extend_schema(request=CreditNoteSerializer, responses={201: InvoiceSerializer})
    @idempotent
    @action(detail=True, methods=["post"], url_path="credit-note")
    def credit_note(self, request: Request, number: str) -> Response:
        invoice = self.get_object()
        serializer = CreditNoteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        note = services.credit_note_issue(invoice=invoice, **serializer.validated_data)
        return self._answer(note, status.HTTP_201_CREATED)

    @extend_schema(responses={(200, "application/pdf"): bytes})
    def pdf(self, request: Request, number: str) -> HttpResponse:
        """The PDF/A-3b with its Factur-X XML (routed in backend/api.py, no trailing slash)."""
        invoice = self.get_object()
        response = HttpResponse(
            services.invoice_pdf(invoice=invoice), content_type="application/pdf"
        )
        response["Content-Disposition"] = f'attachment; filename="{invoice.number}.pdf"'
        response["Cache-Control"] = "private, no-store"
        return response

    @extend_schema(
        parameters=[
            OpenApiParameter("from", str, description="First issue date (YYYY-MM-DD)."),
            OpenApiParameter("to", str, description="Last issue date (YYYY-MM-DD)."),
        ],
        responses={(200, "text/csv"): bytes},
    )
    def export(self, request: Request) -> HttpResponse:
        """Accounting export (routed in backend/api.py as ``export.csv``)."""
        query = ExportQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        body = selectors.invoices_csv(
            date_from=query.validated_data.get("from"), date_to=query.validated_data.get("to")
        )
        response = HttpResponse(body, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="invoices.csv"'
        response["Cache-Control"] = "private, no-store"
        return response
