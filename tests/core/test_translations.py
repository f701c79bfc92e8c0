"""API errors in French by default, in English on request; a complete French catalogue."""

from __future__ import annotations

import ast
import gettext
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from bookings import errors
from tests.bookings.helpers import bookable_departure, booking_body
from tests.conftest import assert_problem

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "fr" / "LC_MESSAGES"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


@dataclass
class Entry:
    flags: set[str] = field(default_factory=set)
    msgid: str = ""
    msgstr: str = ""
    msgid_plural: str = ""
    plurals: list[str] = field(default_factory=list)
    line: int = 0

    @property
    def translations(self) -> list[str]:
        return self.plurals if self.msgid_plural else [self.msgstr]


def _unquote(text: str) -> str:
    value = ast.literal_eval(text.strip())
    assert isinstance(value, str)
    return value


def parse_po(path: Path) -> list[Entry]:
    """A small reader for the .po files makemessages writes (plurals, no contexts)."""
    entries: list[Entry] = []
    current = Entry()
    target: str | None = None
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#,"):
            if target == "msgstr":
                entries.append(current)
                current, target = Entry(), None
            current.flags.update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#"):
            if target == "msgstr":
                entries.append(current)
                current, target = Entry(), None
        elif line.startswith("msgid "):
            if target == "msgstr":
                entries.append(current)
                current = Entry()
            current.msgid, current.line, target = _unquote(line[6:]), number, "msgid"
        elif line.startswith("msgid_plural "):
            current.msgid_plural, target = _unquote(line[13:]), "msgid_plural"
        elif line.startswith("msgstr["):
            current.plurals.append(_unquote(line.split("]", 1)[1]))
            target = "msgstr"
        elif line.startswith("msgstr "):
            current.msgstr, target = _unquote(line[7:]), "msgstr"
        elif line.startswith('"'):
            assert target is not None, f"line {number}: continuation outside an entry"
            if target == "msgstr" and current.msgid_plural:
                current.plurals[-1] += _unquote(line)
            else:
                setattr(current, target, getattr(current, target) + _unquote(line))
        else:
            pytest.fail(f"line {number}: unexpected {line!r} (plural or context entry?)")
    if target == "msgstr":
        entries.append(current)
    return entries


@pytest.mark.django_db
def test_not_found_title_is_french_by_default(api: APIClient) -> None:
    body = assert_problem(api.get("/api/v1/sites/nowhere/"), 404, "not_found")
    assert body["title"] == "Introuvable."
    assert body["detail"] == "Introuvable."


@pytest.mark.django_db
def test_not_found_title_is_english_on_request(api: APIClient) -> None:
    response = api.get("/api/v1/sites/nowhere/", HTTP_ACCEPT_LANGUAGE="en")
    body = assert_problem(response, 404, "not_found")
    assert body["title"] == "Not found."
    assert response["Content-Language"] == "en"


@pytest.mark.django_db
def test_booking_refusal_is_french_by_default(api: APIClient) -> None:
    departure = bookable_departure(capacity=5)
    response = api.post("/api/v1/bookings/", booking_body(departure, participants=6), format="json")
    body = assert_problem(response, 409, errors.SOLD_OUT, "participants")
    assert "places" in body["detail"]
    assert body["detail"] == "Nombre de places insuffisant sur ce départ\u00a0: il en reste 5."
    assert body["errors"][0]["message"] == body["detail"]
    assert body["seats_left"] == 5


@pytest.mark.django_db
def test_booking_refusal_is_english_on_request(api: APIClient) -> None:
    departure = bookable_departure(capacity=5)
    response = api.post(
        "/api/v1/bookings/",
        booking_body(departure, participants=6),
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    body = assert_problem(response, 409, errors.SOLD_OUT, "participants")
    assert body["detail"] == "Only 5 seats are left on this departure."


@pytest.mark.django_db
def test_validation_title_follows_the_language(api: APIClient) -> None:
    french = assert_problem(
        api.post("/api/v1/bookings/", {}, format="json"), 400, "validation_error"
    )
    english = assert_problem(
        api.post("/api/v1/bookings/", {}, format="json", HTTP_ACCEPT_LANGUAGE="en"),
        400,
        "validation_error",
    )
    assert french["title"] == "La demande n\u2019est pas valide."
    assert english["title"] == "The request is not valid."


def test_french_catalogue_has_no_untranslated_or_fuzzy_entry() -> None:
    entries = parse_po(CATALOGUE / "django.po")
    header, messages = entries[0], entries[1:]
    assert header.msgid == "" and "Language: fr" in header.msgstr
    assert "fuzzy" not in header.flags
    assert len(messages) > 50
    untranslated = [e.msgid for e in messages if not all(t.strip() for t in e.translations)]
    fuzzy = [e.msgid for e in messages if "fuzzy" in e.flags]
    assert not untranslated, untranslated
    assert not fuzzy, fuzzy
    for entry in messages:
        wanted = sorted(PLACEHOLDER.findall(entry.msgid))
        for translation in entry.translations:
            assert sorted(PLACEHOLDER.findall(translation)) == wanted, entry.msgid


def test_compiled_catalogue_matches_the_po_file() -> None:
    """The committed .mo is up to date: a fresh machine needs no gettext tools."""
    with (CATALOGUE / "django.mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    for entry in parse_po(CATALOGUE / "django.po")[1:]:
        if entry.msgid_plural:
            # French: n <= 1 takes the first form, n > 1 the second.
            for n, wanted in ((1, entry.plurals[0]), (2, entry.plurals[1])):
                assert compiled.ngettext(entry.msgid, entry.msgid_plural, n) == wanted
        else:
            assert compiled.gettext(entry.msgid) == entry.msgstr, f"stale .mo: {entry.msgid!r}"
