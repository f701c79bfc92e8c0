"""The admin speaks French (issue 14, item 12): every registered model's names, the labels of
its change form and its changelist's columns, filters and actions are translated.

A label is taken as untranslated when it reads the same in French and in English, unless it is
a word both languages share (the allow-list below). Walks every ``ModelAdmin`` of the site."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib import admin
from django.contrib.admin.utils import label_for_field
from django.test import RequestFactory
from django.utils import translation

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# Words spelt the same in French and English, and proper names: not a missing translation.
SAME_IN_BOTH = {
    "id",
    "siret",
    "siren",
    "slug",
    "latitude",
    "longitude",
    "position",
    "description",
    "notes",
    "options",
    "code",
    "date",
    "sites",
    "site",
    "type",
    "source",
    "stripe",
    "total",
    "message",
    "url",
    "action",
    "actions",
    "guide",
    "guides",
    "minutes",
    "version",
    "contact",
    "permissions",
    "article",
    "distance",
    "session",
    "transaction",
    "participants",
    "participant",
    "occupation",
    "organisation",
    "initiales",
    "pdf",
    "ics",
    "e-mail",
    "email",
    "iban",
    "bic",
    "tva",
}

# The framework's own models: Django ships their French.
SKIPPED_APPS = {"auth", "sites", "django_celery_beat", "django_celery_results"}


def _labels(model_admin: admin.ModelAdmin[Any], request: Any) -> dict[str, str]:
    model = model_admin.model
    labels = {
        "verbose_name": str(model._meta.verbose_name),
        "verbose_name_plural": str(model._meta.verbose_name_plural),
    }
    for field in model._meta.get_fields():
        if getattr(field, "auto_created", False) and not getattr(field, "concrete", False):
            continue
        verbose = getattr(field, "verbose_name", None)
        if verbose is not None and field.name != "id":
            labels[f"field {field.name}"] = str(verbose)
    for name in model_admin.get_list_display(request):
        if name == "__str__":
            continue
        labels[f"column {name}"] = str(label_for_field(name, model, model_admin))
    actions: dict[str, Any] = model_admin.get_actions(request) or {}
    for name, (_func, _name, description) in actions.items():
        labels[f"action {name}"] = str(description) % {
            "verbose_name_plural": model._meta.verbose_name_plural
        }
    for list_filter in model_admin.get_list_filter(request):
        # A field's filter shows the field's name, checked above; a filter class has a title.
        if isinstance(list_filter, type):
            labels[f"filter {list_filter.__name__}"] = str(list_filter.title)
    return labels


def _untranslated() -> list[str]:
    request = RequestFactory().get("/admin/")
    request.user = UserFactory(  # type: ignore[assignment]
        username="root-labels", is_staff=True, is_superuser=True
    )
    missing = []
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label in SKIPPED_APPS:
            continue
        with translation.override("en"):
            english = _labels(model_admin, request)
        with translation.override("fr"):
            french = _labels(model_admin, request)
        for key, text in french.items():
            # A translated field's copies read "description [fr]": judge the field's own name.
            word = text.removesuffix(" [fr]").removesuffix(" [en]").strip().lower()
            if text == english.get(key) and word not in SAME_IN_BOTH:
                missing.append(f"{model._meta.label} {key}: {text!r}")
    return missing


def test_every_admin_label_is_french() -> None:
    missing = _untranslated()
    assert missing == [], f"{len(missing)} labels left in English:\n" + "\n".join(missing)
