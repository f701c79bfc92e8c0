"""The legal and help pages: one address per page and language, the footer's links.

Server-rendered Django templates (docs/architecture.md, "Legal pages"): they are read by people
and search engines without JavaScript, and they change with the settings, not with the API.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

LANGUAGES = ("fr", "en")


@dataclass(frozen=True)
class Page:
    key: str  # also the name of its templates: legal/<lang>/<key>.html
    slugs: dict[str, str]  # language -> path segment
    title: Promise

    def path(self, lang: str) -> str:
        """``/mentions-legales/`` in French, ``/en/legal-notice/`` in English."""
        return f"/{self.slugs[lang]}/" if lang == "fr" else f"/en/{self.slugs[lang]}/"


PAGES: tuple[Page, ...] = (
    Page("legal", {"fr": "mentions-legales", "en": "legal-notice"}, _("Legal notice")),
    Page(
        "terms",
        {"fr": "conditions-generales-de-vente", "en": "terms-of-sale"},
        _("Terms of sale"),
    ),
    Page("privacy", {"fr": "confidentialite", "en": "privacy"}, _("Privacy notice")),
    Page("accessibility", {"fr": "accessibilite", "en": "accessibility"}, _("Accessibility")),
    Page("faq", {"fr": "questions-frequentes", "en": "faq"}, _("Frequently asked questions")),
    Page("contact", {"fr": "contact", "en": "contact"}, _("Contact")),
)
PAGES_BY_KEY = {page.key: page for page in PAGES}


def page_path(key: str, lang: str) -> str:
    return PAGES_BY_KEY[key].path(lang)
