"""E-mails to a guide when assigned to a visit, when it changes, and when released.

Sent from Celery after commit, in French unless the guide does not speak it. The role is not
repeated for a release, since the assignment no longer exists then.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import timezone, translation
from django.utils.formats import date_format

from core.emails import render_plain_text
from guides.models import Assignment, Guide
from itineraries.models import Departure

KINDS = ("assigned", "changed", "released")


def guide_email(*, guide: Guide, departure: Departure, kind: str) -> EmailMessage | None:
    """The message, or None when the guide has no e-mail address."""
    if kind not in KINDS:
        raise ValueError(kind)
    email = guide.user.email
    if not email:
        return None
    lang = "fr" if "fr" in guide.languages or "en" not in guide.languages else "en"
    assignment = Assignment.objects.filter(guide=guide, departure=departure).first()
    with translation.override(lang):
        context = {
            "guide": guide,
            "itinerary": departure.itinerary,
            "starts_at": date_format(timezone.localtime(departure.starts_at), "DATETIME_FORMAT"),
            "language": departure.get_language_display().lower(),
            "role": assignment.get_role_display().lower() if assignment else "",
            "guide_page_url": f"{settings.SITE_URL}/guide/",
        }
        text = render_plain_text(f"guides/email/{kind}_{lang}.txt", context).strip()
    subject, _sep, body = text.partition("\n")
    return EmailMessage(subject=subject.strip(), body=body.strip() + "\n", to=[email])
