"""Payment reminders of the invoices of quoted bookings (beat: ``send_invoice_reminders``).

Two stages, each sent at most once per invoice (``InvoiceReminder``, unique per invoice and
stage, written before the e-mail is queued after commit): ``due_soon`` from
``INVOICE_REMINDER_DAYS_BEFORE`` days before the due date, ``overdue`` the day after it. Only
unpaid invoices (not credit notes, not deposits' credited away) of bookings made from a quote.
The overdue reminder states what the law adds to a late payment: for public buyers (public
bodies, schools) the late-payment interest at the ECB main refinancing rate plus 8 points and
the 40 EUR recovery indemnity (STANDARDS.md, "Public buyers"); for the others the penalties
the invoice states (the seller's mention) and the 40 EUR indemnity (Code de commerce L441-10,
D441-5). The amounts of interest are not computed (docs/procurement.md, "Not done yet").
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import partial

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from core.dates import format_date
from core.emails import render_plain_text
from core.money import format_money
from core.tasks import enqueue
from invoicing.models import Invoice, InvoiceKind
from invoicing.services import invoice_pdf, remaining_incl_vat
from procurement.invoice_terms import PUBLIC_BUYERS
from procurement.models import InvoiceReminder, ReminderStage


def _days_before() -> int:
    return int(getattr(settings, "INVOICE_REMINDER_DAYS_BEFORE", 3))


def _left_to_pay(invoice: Invoice) -> int:
    return remaining_incl_vat(invoice) - invoice.prepaid_cents - invoice.paid_cents


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
                transaction.on_commit(partial(_queue, reminder.pk))
        except IntegrityError:
            continue  # this stage was already sent
        queued += 1
    return queued


def _queue(reminder_id: int) -> None:
    from procurement import tasks

    enqueue(tasks.send_invoice_reminder, reminder_id)


def reminder_email(reminder: InvoiceReminder) -> EmailMessage:
    invoice = reminder.invoice
    booking = invoice.booking
    quote = booking.quote
    lang = quote.language if quote.language in ("fr", "en") else "en"
    with translation.override(lang):
        context = {
            "invoice": invoice,
            "quote": quote,
            "overdue": reminder.stage == ReminderStage.OVERDUE,
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
