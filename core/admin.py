"""The outbox in the admin, read only: what is still to do, and why it failed."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from core.models import Consequence


@admin.register(Consequence)
class ConsequenceAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["key", "handler", "created_at", "attempts", "next_attempt_at", "done_at"]
    list_filter = ["handler", ("done_at", admin.EmptyFieldListFilter)]
    search_fields = ["key"]
    readonly_fields = [field.name for field in Consequence._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
