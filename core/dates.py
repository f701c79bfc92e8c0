"""Dates and times for people, as their language writes them, in the office's time zone."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

_MONTHS = {
    "fr": [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ],
    "en": [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
}


def format_date(moment: datetime, language: str) -> str:
    """ "12 décembre 2026" ("1er décembre" for the first) / "12 December 2026"."""
    local = timezone.localtime(moment)
    lang = language if language in _MONTHS else "en"
    day = "1er" if lang == "fr" and local.day == 1 else str(local.day)
    return f"{day} {_MONTHS[lang][local.month - 1]} {local.year}"


def format_datetime(moment: datetime, language: str) -> str:
    """ "12 décembre 2026 à 9 h 30" / "12 December 2026 at 9:30" (Europe/Paris time): the
    templates put "le" or "du" before it, as the sentence needs."""
    local = timezone.localtime(moment)
    if language == "fr":
        minutes = f" {local.minute:02d}" if local.minute else ""
        return f"{format_date(moment, 'fr')} à {local.hour} h{minutes}"
    return f"{format_date(moment, 'en')} at {local.hour}:{local.minute:02d}"
