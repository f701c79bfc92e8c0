"""The residents' contribution pages, rendered on the server in the language of their address
(French at the root, English under /en/, like the legal pages): the form (contribute.js sends
it to ``POST /api/v1/contributions/``), and the pages the e-mailed links open, whose button
confirms or withdraws the proposal (a scanner that follows links changes nothing)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from core.errors import DomainError
from frontend.views import shell_csp, tile_origin
from itineraries.models import SiteCategory
from resources import contributions

OTHER = {"fr": "en", "en": "fr"}
DONE = {
    "confirm": gettext_lazy(
        "Thank you: your proposal is confirmed. Our team will read it before it is shown on "
        "the map."
    ),
    "withdraw": gettext_lazy(
        "Your proposal is withdrawn: it is no longer on the map, and your name, e-mail "
        "address and photo are erased."
    ),
}


def contribute_path(lang: str, step: str = "") -> str:
    return f"{'/en' if lang == 'en' else ''}/map/contribute/{step + '/' if step else ''}"


def _page(
    request: HttpRequest, lang: str, template: str, title: str, **extra: object
) -> HttpResponse:
    south, west, north, east = contributions.basin_bounds()
    context = {
        "lang": lang,
        "title": title,
        "alternate": {"lang": OTHER[lang], "href": contribute_path(OTHER[lang])},
        "map_path": "/map/",
        "categories": SiteCategory.choices,
        "bounds": {"south": south, "west": west, "north": north, "east": east},
        "map_tile_url": settings.MAP_TILE_URL if tile_origin(settings.MAP_TILE_URL) else "",
        "map_tile_attribution": settings.MAP_TILE_ATTRIBUTION,
        "photo_max_mb": settings.CONTRIBUTION_PHOTO_MAX_BYTES // (1024 * 1024),
        **extra,
    }
    response = render(request, template, context)
    response["Content-Security-Policy"] = shell_csp()
    response["Content-Language"] = lang
    # The links' pages carry a token: it goes to no other origin. ("no-referrer" would make
    # Chrome send "Origin: null" with the confirmation's form, which Django's CSRF refuses.)
    response["Referrer-Policy"] = "same-origin"
    response["Cache-Control"] = "no-store"
    return response


def contribute_form(request: HttpRequest, *, lang: str) -> HttpResponse:
    with translation.override(lang):
        return _page(
            request, lang, "frontend/contribute.html", _("Propose an installation for the map")
        )


@require_http_methods(["GET", "POST"])
def contribute_link(request: HttpRequest, *, lang: str, step: str) -> HttpResponse:
    """GET: the page with its button; POST: the confirmation or withdrawal itself."""
    with translation.override(lang):
        title = _("Confirm your proposal") if step == "confirm" else _("Withdraw your proposal")
        token = (request.POST if request.method == "POST" else request.GET).get("token", "")
        done = error = ""
        if request.method == "POST":
            service = (
                contributions.contribution_confirm
                if step == "confirm"
                else contributions.contribution_withdraw
            )
            try:
                service(token=token)
            except DomainError as exc:
                error = str(exc.message)
            else:
                done = str(DONE[step])
        return _page(
            request,
            lang,
            "frontend/contribute_link.html",
            title,
            step=step,
            token=token,
            done=done,
            error=error,
        )
