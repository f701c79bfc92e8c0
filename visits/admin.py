"""Admin of the visits app: the message rules staff edit, and the messages sent (read only)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy

from core.admin_display import paris
from visits.models import CheckIn, MessageRule, SentMessage


@admin.register(MessageRule)
class MessageRuleAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """The default set (no itinerary) and each itinerary's own rules, which replace the default
    of their kind. A rule that has sent messages is deactivated rather than deleted."""

    list_display = ["scope", "kind", "days", "timing", "is_active"]
    list_filter = ["itinerary", "kind", "is_active"]
    list_select_related = ["itinerary"]
    fields = ["itinerary", "kind", "days", "timing", "text_fr", "text_en", "is_active"]

    @admin.display(description=gettext_lazy("itinerary"), ordering="itinerary__slug")
    def scope(self, obj: MessageRule) -> str:
        return str(obj.itinerary) if obj.itinerary_id else str(gettext_lazy("Default set"))


@admin.register(SentMessage)
class SentMessageAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """What went out to whom (the booking), when, in which language; written by the beat task
    only."""

    list_display = ["booking", "rule", "status", "language", "sent", "attempts", "last_error"]
    list_filter = ["status", "rule__kind", "language"]
    list_select_related = ["booking", "rule__itinerary"]
    search_fields = ["booking__reference"]

    @admin.display(description=gettext_lazy("sent at"), ordering="sent_at")
    def sent(self, obj: SentMessage) -> str:
        return paris(obj.sent_at) if obj.sent_at else "-"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(CheckIn)
class CheckInAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """The guides' ticks, as received (read only): who came is the latest tick per person."""

    list_display = ["departure", "booking", "participant", "present", "count", "ticked", "guide"]
    list_filter = ["present"]
    list_select_related = ["departure__itinerary", "booking", "participant", "guide"]
    search_fields = ["booking__reference", "client_id"]

    @admin.display(description=gettext_lazy("ticked at"), ordering="at")
    def ticked(self, obj: CheckIn) -> str:
        return paris(obj.at)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
