"""The quote sent by e-mail, in the quote's language, with its PDF and a secret link to its page.

Sent from Celery after commit (``procurement.tasks.send_quote_email``); the link's token is issued
at send time (``procurement.services.quote_link_issue``), so no secret travels through the task
queue or sits in a log.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import translation

from core.dates import format_datetime
from core.emails import render_plain_text
from core.money import format_money
from procurement.models import Quote

KINDS = ("sent", "revised", "extended")


def quote_page_url(quote: Quote, token: str) -> str:
    return f"{settings.SITE_URL}/quotes/{quote.number}?token={token}"


def quote_email(quote: Quote, kind: str) -> EmailMessage:
    from procurement.services import current_version, quote_link_issue

    lang = quote.language if quote.language in ("fr", "en") else "en"
    row = current_version(quote)
    token = quote_link_issue(quote=quote, reason=kind)
    with translation.override(lang):
        context = {
            "quote": quote,
            "version": row,
            "itinerary": row.itinerary,
            "starts_at": format_datetime(row.starts_at, lang),
            "valid_until": format_datetime(quote.valid_until, lang),
            "total": format_money(row.total_cents, lang),
            "page_url": quote_page_url(quote, token),
            "office_email": settings.OFFICE_EMAIL,
        }
        text = render_plain_text(f"procurement/email/{kind}_{lang}.txt", context).strip()
    subject, _sep, body = text.partition("\n")
    message = EmailMessage(
        subject=subject.strip(), body=body.strip() + "\n", to=[quote.contact_email]
    )
    message.attach(f"{quote.number}-v{row.version}.pdf", bytes(row.pdf), "application/pdf")
    return message
