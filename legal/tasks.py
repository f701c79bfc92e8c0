"""Celery tasks of the legal app (run eagerly when no broker is configured)."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMessage

from core.emails import render_plain_text


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_contact_message(
    name: str, email: str, organisation: str, subject: str, message: str, language: str
) -> None:
    """E-mail a contact-form message to the office; answering it replies to the sender."""
    context = {
        "name": name,
        "email": email,
        "organisation": organisation,
        "subject": subject,
        "message": message,
        "language": language,
    }
    body = render_plain_text("legal/email/contact.txt", context)
    EmailMessage(
        subject=f"[Contact] {subject}",
        body=body,
        to=[settings.OFFICE_EMAIL],
        reply_to=[f"{name} <{email}>"],
    ).send()
