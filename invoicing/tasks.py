"""Celery tasks of the invoicing app (run eagerly when no broker is configured)."""

from __future__ import annotations

from celery import shared_task


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def render_and_send_invoice(invoice_id: int) -> None:
    """Render and store the PDF of a just-issued invoice, then e-mail it to the booking contact."""
    from invoicing.emails import invoice_email
    from invoicing.models import Invoice
    from invoicing.services import invoice_pdf

    invoice = Invoice.objects.select_related("booking", "credited_invoice").get(pk=invoice_id)
    pdf = invoice_pdf(invoice=invoice)
    invoice_email(invoice, pdf).send()
