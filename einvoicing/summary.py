"""The daily staff summary of deliveries that need someone: rejected or suspended at the portal
and not corrected yet, and those whose status has not moved for ``EINVOICING_STUCK_DAYS``.

Sent by the beat task ``einvoicing.tasks.send_daily_summary`` (every morning) to
``EINVOICING_SUMMARY_EMAIL`` (the office's address by default), in the office's language
(``LANGUAGE_CODE``), only when there is something to say, at most once a day (a cache key:
a task retried the same day does not send it again).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.core.cache import cache
from django.core.mail import EmailMessage
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.dates import format_datetime
from einvoicing.models import Delivery, DeliveryStatus
from einvoicing.services import deliveries_stuck

SENT_KEY = "einvoicing:daily-summary:{day}"


@dataclass(frozen=True)
class Summary:
    needing_action: list[Delivery]  # rejected or suspended, not corrected
    stuck: list[Delivery]  # not moved for EINVOICING_STUCK_DAYS (the others)

    def __bool__(self) -> bool:
        return bool(self.needing_action or self.stuck)


def summary_collect() -> Summary:
    needing_action = list(
        Delivery.objects.select_related("invoice")
        .filter(status__in=(DeliveryStatus.REJECTED, DeliveryStatus.SUSPENDED))
        .filter(corrected_by__isnull=True)
        .order_by("status_changed_at", "pk")
    )
    seen = {d.pk for d in needing_action}
    stuck = [d for d in deliveries_stuck() if d.pk not in seen]
    return Summary(needing_action=needing_action, stuck=stuck)


def _reason(delivery: Delivery) -> str:
    for step in reversed(delivery.history):
        if step.get("status") == delivery.status and step.get("reason"):
            return str(step["reason"])
    return delivery.last_error


def _line(delivery: Delivery, language: str) -> str:
    since = (
        format_datetime(delivery.status_changed_at, language) if delivery.status_changed_at else "-"
    )
    link = settings.SITE_URL + reverse("admin:einvoicing_delivery_change", args=[delivery.pk])
    text = _("%(invoice)s: %(status)s since %(since)s (%(channel)s)") % {
        "invoice": delivery.invoice.number,
        "status": delivery.get_status_display(),
        "since": since,
        "channel": delivery.get_channel_display(),
    }
    reason = _reason(delivery)
    if reason:
        text += "\n  " + _("Reason: %(reason)s") % {"reason": reason}
    return f"- {text}\n  {link}"


def summary_body(summary: Summary, language: str) -> str:
    parts = []
    if summary.needing_action:
        parts.append(_("Rejected or suspended by the portal, to correct or complete:"))
        parts += [_line(d, language) for d in summary.needing_action]
        parts.append("")
    if summary.stuck:
        parts.append(
            _("No change for %(days)d days or more:") % {"days": settings.EINVOICING_STUCK_DAYS}
        )
        parts += [_line(d, language) for d in summary.stuck]
        parts.append("")
    parts.append(
        _(
            "A rejected invoice is corrected from its delivery in the admin (credit note and "
            "new invoice, deposited again)."
        )
    )
    return "\n".join(parts) + "\n"


def summary_send(*, today: date | None = None) -> int:
    """E-mail today's summary once; answers how many deliveries it named (0: nothing sent)."""
    day = today or timezone.localdate()
    summary = summary_collect()
    if not summary:
        return 0
    if not cache.add(SENT_KEY.format(day=day.isoformat()), True, timeout=36 * 3600):
        return 0  # sent already today
    language = settings.LANGUAGE_CODE
    with translation.override(language):
        count = len(summary.needing_action) + len(summary.stuck)
        subject = _("Invoice deliveries needing attention (%(count)d)") % {"count": count}
        body = summary_body(summary, language)
    EmailMessage(subject=subject, body=body, to=[settings.EINVOICING_SUMMARY_EMAIL]).send()
    return count
