"""One address per legal page and language: French at the root, English under /en/."""

from __future__ import annotations

from django.urls import URLPattern, path

from legal.pages import LANGUAGES, PAGES
from legal.views import legal_page

urlpatterns: list[URLPattern] = []
for _page in PAGES:
    for _lang in LANGUAGES:
        _route = _page.path(_lang).lstrip("/")
        _kwargs = {"key": _page.key, "lang": _lang}
        urlpatterns.append(path(_route, legal_page, _kwargs, name=f"{_page.key}-{_lang}"))
        if _page.key == "terms":
            # Every published version stays readable at its own address.
            urlpatterns.append(
                path(f"{_route}<str:version>/", legal_page, _kwargs, name=f"terms-version-{_lang}")
            )
