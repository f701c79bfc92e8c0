"""The public library page: the published documents of ``resources``, filtered by theme, site,
itinerary and language with a plain GET form (no script), each with its download link.
Rendered on the server in the language of its address (``/library/``, ``/en/library/``)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from frontend.views import CSP
from itineraries.models import Itinerary, Language, Site, Theme
from resources import selectors
from resources.api import ResourceFilter

OTHER = {"fr": "en", "en": "fr"}


def library_path(lang: str) -> str:
    return "/en/library/" if lang == "en" else "/library/"


@require_GET
def library(request: HttpRequest, *, lang: str) -> HttpResponse:
    with translation.override(lang):
        filters = ResourceFilter(request.GET, queryset=selectors.published_resources())
        valid = filters.is_valid()
        resources = list(filters.qs.distinct()) if valid else []
        for resource in resources:
            resource.download_url = reverse("resource-download", kwargs={"slug": resource.slug})
        context = {
            "lang": lang,
            "title": _("Documents to read before and after a visit"),
            "alternate": {"lang": OTHER[lang], "href": library_path(OTHER[lang])},
            "resources": resources,
            "valid": valid,
            "chosen": {
                key: request.GET.get(key, "") for key in ("theme", "site", "itinerary", "language")
            },
            "themes": Theme.objects.order_by("position", "slug"),
            "sites": Site.objects.order_by("name", "pk"),
            "itineraries": Itinerary.objects.filter(is_published=True).order_by("title", "pk"),
            "languages": Language.choices,
            "filtered": any(
                request.GET.get(key) for key in ("theme", "site", "itinerary", "language")
            ),
        }
        response = render(request, "frontend/library.html", context)
    response["Content-Security-Policy"] = CSP
    response["Content-Language"] = lang
    return response
