"""The legal and help pages, rendered on the server in the language of their address."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from bookings import terms
from frontend.views import CSP
from legal import selectors
from legal.pages import PAGES_BY_KEY

OTHER = {"fr": "en", "en": "fr"}


def policy_lines(tiers: list[dict[str, int]]) -> list[str]:
    """The cancellation tiers as the itinerary page words them (frontend/js/itinerary.js)."""
    ordered = sorted(tiers, key=lambda tier: -tier["days_before"])
    lines = []
    for index, tier in enumerate(ordered):
        if index == len(ordered) - 1 and index > 0:
            text = _("Less than %(days)s days before: %(percent)s%% refunded")
            days = ordered[index - 1]["days_before"]
        else:
            text = _("Up to %(days)s days before: %(percent)s%% refunded")
            days = tier["days_before"]
        lines.append(text % {"days": days, "percent": tier["refund_percent"]})
    return lines


def contact_fields() -> list[tuple[str, str, str, bool, str]]:
    """Name, label, input type, required, autocomplete: the API's fields (legal/api.py)."""
    return [
        ("name", _("Your name"), "text", True, "name"),
        ("email", _("E-mail"), "email", True, "email"),
        ("organisation", _("Organisation"), "text", False, "organization"),
        ("subject", _("Subject"), "text", True, ""),
        ("message", _("Message"), "textarea", True, ""),
    ]


@require_GET
def legal_page(
    request: HttpRequest, *, key: str, lang: str, version: str | None = None
) -> HttpResponse:
    page = PAGES_BY_KEY[key]
    shown_terms = terms.current_terms()
    if version is not None:
        found = terms.terms_version_get(version)
        if found is None:
            raise Http404
        shown_terms = found
    with translation.override(lang):
        facts = selectors.page_facts()
        context = {
            **facts,
            "page": page,
            "lang": lang,
            "title": str(page.title),
            "alternate": {"lang": OTHER[lang], "href": page.path(OTHER[lang])},
            "page_paths": {key: p.path(lang) for key, p in PAGES_BY_KEY.items()},
            "terms": shown_terms,
            "terms_is_current": shown_terms == terms.current_terms(),
            "terms_versions": terms.TERMS_VERSIONS,
            "terms_template": f"legal/terms/{shown_terms.version}_{lang}.html",
            "cancellation_lines": policy_lines(facts["default_cancellation"]),
            "contact_fields": contact_fields() if key == "contact" else [],
        }
        response = render(request, f"legal/{lang}/{key}.html", context)
    response["Content-Security-Policy"] = CSP
    response["Content-Language"] = lang
    return response
