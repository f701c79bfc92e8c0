"""The footer's links to the legal pages, in both languages, for every template of the site.

The web app's shell shows the list of the reader's language (main.js switches them); the
server-rendered pages show the list of their own language.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import translation

from legal.pages import LANGUAGES, PAGES


def footer_links(request: HttpRequest) -> dict[str, Any]:
    links: dict[str, list[dict[str, str]]] = {}
    for lang in LANGUAGES:
        with translation.override(lang):
            links[lang] = [{"href": page.path(lang), "title": str(page.title)} for page in PAGES]
    return {"legal_footer": links}
