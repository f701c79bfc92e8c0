"""Payment reminders of the invoices of quoted bookings (beat: ``send_invoice_reminders``).

Two stages, each sent at most once per invoice (``InvoiceReminder``, unique per invoice and
stage, written before the e-mail is queued after commit): ``due_soon`` from
``INVOICE_REMINDER_DAYS_BEFORE`` days before the due date, ``overdue`` the day after it. Only
unpaid invoices (not credit notes, not deposits' credited away) of bookings made from a quote.
The overdue reminder states what the law adds to a late payment: for public buyers (public
bodies, schools) the late-payment interest at the ECB main refinancing rate plus 8 points and
the 40 EUR recovery indemnity (STANDARDS.md, "Public buyers"); for the others the penalties
the invoice states (the seller's mention) and the 40 EUR indemnity (Code de commerce L441-10,
D441-5), and what is owed on the day of the run: the interest, the indemnity and their total,
computed by ``invoicing.late_payment`` (the ECB rate staff record in the admin; when none is
recorded for the interest's half-year, the e-mail states the rule without an amount).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import partial

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from core.dates import format_date
from core.emails import render_plain_text
from core.money import format_money
from core.tasks import enqueue
from invoicing.late_payment import LatePayment, invoice_late_payment, left_to_pay_cents
from invoicing.models import Invoice, InvoiceKind
from invoicing.services import invoice_pdf
from procurement.invoice_terms import PUBLIC_BUYERS
from procurement.models import InvoiceReminder, ReminderStage


def _days_before() -> int:
    return int(getattr(settings, "INVOICE_REMINDER_DAYS_BEFORE", 3))


def _left_to_pay(invoice: Invoice) -> int:
    return left_to_pay_cents(invoice)


def stage_for(due_date: date, today: date) -> str | None:
    """The reminder an invoice due on ``due_date`` calls for on ``today``, if any."""
    if today > due_date:
        return ReminderStage.OVERDUE
    if today >= due_date - timedelta(days=_days_before()):
        return ReminderStage.DUE_SOON
    return None


def invoice_reminders_send(*, today: date | None = None) -> int:
    """Record and queue the reminders due today; answers how many were queued."""
    today = today or timezone.localdate()
    candidates = (
        Invoice.objects.filter(
            kind=InvoiceKind.INVOICE,
            paid=False,
            booking__quote__isnull=False,
            due_date__lte=today + timedelta(days=_days_before()),
        )
        .prefetch_related("credit_notes")
        .order_by("pk")
    )
    queued = 0
    for invoice in candidates:
        stage = stage_for(invoice.due_date, today)
        if stage is None or _left_to_pay(invoice) <= 0:
            continue
        try:
            with transaction.atomic():
                reminder = InvoiceReminder.objects.create(invoice=invoice, stage=stage)
                transaction.on_commit(partial(_queue, reminder.pk, today))
        except IntegrityError:
            continue  # this stage was already sent
        queued += 1
    return queued


def _queue(reminder_id: int, today: date) -> None:
    from procurement import tasks

    enqueue(tasks.send_invoice_reminder, reminder_id, today.isoformat())


def _owed(owed: LatePayment | None, lang: str, as_of: date) -> dict[str, str] | None:
    """The late payment's figures as the e-mail prints them (money and rates for people)."""
    if owed is None:
        return None

    def percent(value: Decimal | None) -> str:
        text = f"{value:.2f}" if value is not None else ""
        return text.replace(".", ",") if lang == "fr" else text

    def day(value: date) -> str:
        return format_date(timezone.make_aware(datetime.combine(value, time(12))), lang)

    return {
        "as_of": day(as_of),
        "days": str(owed.days_late),
        "interest": "" if owed.interest_cents is None else format_money(owed.interest_cents, lang),
        "rate": percent(owed.rate),
        "ecb_rate": percent(owed.ecb_rate),
        "reference": day(owed.rate_reference_date),
        "points": percent(owed.margin_points),
        "indemnity": format_money(owed.indemnity_cents, lang),
        "total": format_money(owed.total_cents, lang),
        "with_principal": format_money(owed.total_cents + owed.principal_cents, lang),
    }


def reminder_email(reminder: InvoiceReminder, *, as_of: date | None = None) -> EmailMessage:
    """The reminder's e-mail; an overdue one states what is owed on ``as_of`` (the day of the
    run that recorded it; today when absent)."""
    invoice = reminder.invoice
    booking = invoice.booking
    quote = booking.quote
    lang = quote.language if quote.language in ("fr", "en") else "en"
    as_of = as_of or timezone.localdate()
    overdue = reminder.stage == ReminderStage.OVERDUE
    owed = invoice_late_payment(invoice, today=as_of) if overdue else None
    with translation.override(lang):
        context = {
            "invoice": invoice,
            "quote": quote,
            "overdue": overdue,
            "owed": _owed(owed, lang, as_of),
            "public_buyer": booking.organisation_type in PUBLIC_BUYERS,
            "due_date": format_date(
                timezone.make_aware(datetime.combine(invoice.due_date, time(12))), lang
            ),
            "amount": format_money(_left_to_pay(invoice), lang),
            "purchase_order": booking.purchase_order,
            "late_payment_mention": invoice.seller.get("late_payment_mention", ""),
            "iban": invoice.seller.get("iban", ""),
            "office_email": settings.OFFICE_EMAIL,
        }
        text = render_plain_text(f"procurement/email/reminder_{lang}.txt", context).strip()
    subject, _sep, body = text.partition("\n")
    message = EmailMessage(
        subject=subject.strip(), body=body.strip() + "\n", to=[booking.contact_email]
    )
    message.attach(f"{invoice.number}.pdf", invoice_pdf(invoice=invoice), "application/pdf")
    return message
