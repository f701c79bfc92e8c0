"""The outbox in the admin, read only: what is still to do, and why it failed."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin import AdminSite
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.admin_display import ReadOnlyModelAdmin
from core.models import Consequence


@admin.register(Consequence)
class ConsequenceAdmin(ReadOnlyModelAdmin):
    list_display = ["key", "handler", "created_at", "attempts", "next_attempt_at", "done_at"]
    list_filter = ["handler", ("done_at", admin.EmptyFieldListFilter)]
    search_fields = ["key"]
    readonly_fields = [field.name for field in Consequence._meta.fields]


# --- Technical tables apart from daily work ----------------------------------------------------

# What the office does not use day to day: sign-in attempts and lockouts, tokens, Stripe's
# events, the outbox, invoice counters. Listed last, in a section of their own.
TECHNICAL_MODELS = {
    ("axes", "accessattempt"),
    ("axes", "accesslog"),
    ("axes", "accessfailurelog"),
    ("core", "consequence"),
    ("payments", "stripeevent"),
    ("invoicing", "invoicesequence"),
}
TECHNICAL_LABEL = "technical"


def _app_list_with_technical_apart(
    request: HttpRequest, app_label: str | None = None
) -> list[dict[str, Any]]:
    apps = AdminSite.get_app_list(admin.site, request, app_label)
    if app_label is not None:
        return apps
    technical: list[dict[str, Any]] = []
    daily: list[dict[str, Any]] = []
    for app in apps:
        models: list[dict[str, Any]] = []
        for model in app["models"]:
            key = (app["app_label"], model["object_name"].lower())
            (technical if key in TECHNICAL_MODELS else models).append(model)
        if models:
            daily.append({**app, "models": models})
    if technical:
        daily.append(
            {
                "name": _("Technical"),
                "app_label": TECHNICAL_LABEL,
                "app_url": "",
                "has_module_perms": True,
                "models": technical,
            }
        )
    return daily


admin.site.get_app_list = _app_list_with_technical_apart  # type: ignore[method-assign]


def _name_the_sign_in_status_column() -> None:
    """django-axes' attempts list shows a ``status`` column without a description, so the admin
    titles it with the bare English method name; give it a translatable one (the other axes
    labels are translated in this project's catalogue). Checked by
    tests/core/test_admin_speaks_french.py, which fails if axes renames the column."""
    from axes.admin import AccessAttemptAdmin

    status = getattr(AccessAttemptAdmin, "status", None)
    if status is not None and not hasattr(status, "short_description"):
        status.short_description = gettext_lazy("Sign-in status")


_name_the_sign_in_status_column()
