"""Admin for bookings: the audit trail alongside, and the office's actions through the services."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from bookings import retention, selectors, services
from bookings.models import Booking, BookingEvent
from core.errors import DomainError
from core.permissions import admin_permission
from itineraries.admin import DepartureAdmin as CatalogueDepartureAdmin
from itineraries.models import Departure


class BookingEventInline(admin.TabularInline):  # type: ignore[type-arg]
    model = BookingEvent
    extra = 0
    can_delete = False
    fields = ["at", "actor_kind", "actor", "action", "data"]
    readonly_fields = ["at", "actor_kind", "actor", "action", "data"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def _run(
    modeladmin: admin.ModelAdmin[Any], request: HttpRequest, queryset: QuerySet[Any], action: Any
) -> None:
    done = 0
    for item in queryset:
        try:
            action(item)
            done += 1
        except DomainError as exc:
            modeladmin.message_user(request, f"{item}: {exc.message}", level=messages.ERROR)
    if done:
        modeladmin.message_user(request, f"{done} done.", level=messages.SUCCESS)


class ErasureFilter(admin.SimpleListFilter):
    """Erasure requests to act on (pending), and bookings already anonymised (done)."""

    title = "erasure of personal data"
    parameter_name = "erasure"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("pending", "Requested, not done yet"), ("done", "Anonymised")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Booking]) -> QuerySet[Booking]:
        if self.value() == "pending":
            return queryset.filter(erasure_requested_at__isnull=False, anonymised_at__isnull=True)
        if self.value() == "done":
            return queryset.filter(anonymised_at__isnull=False)
        return queryset


@admin.register(Booking)
class BookingAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Bookings are read here and moved only by the actions (the same services as the API)."""

    inlines = [BookingEventInline]
    list_display = [
        "reference",
        "organisation_name",
        "organisation_type",
        "departure",
        "participants",
        "status",
        "payment_method",
        "total_cents",
        "created_at",
    ]
    list_filter = [
        ErasureFilter,
        "status",
        "payment_method",
        "organisation_type",
        "departure__itinerary",
        "language",
    ]
    search_fields = ["reference", "organisation_name", "contact_name", "contact_email", "siret"]
    date_hierarchy = "created_at"
    list_select_related = ["departure__itinerary"]
    actions = ["confirm", "decline", "cancel", "erase_personal_data"]
    exclude = ["token_hash"]
    # The actions need the same permissions as the API's confirm, decline and cancel.
    has_confirm_booking_permission = admin_permission("bookings.confirm_booking")
    has_cancel_booking_permission = admin_permission("bookings.cancel_booking")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [field.name for field in Booking._meta.fields if field.name != "token_hash"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # groups book through the API, which takes the seats under the lock

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description="Confirm the selected requests", permissions=["confirm_booking"])
    def confirm(self, request: HttpRequest, queryset: QuerySet[Booking]) -> None:
        actor = services.Actor.staff(request.user)
        _run(self, request, queryset, lambda b: services.booking_confirm(booking=b, actor=actor))

    @admin.action(description="Decline the selected requests", permissions=["confirm_booking"])
    def decline(self, request: HttpRequest, queryset: QuerySet[Booking]) -> None:
        actor = services.Actor.staff(request.user)
        _run(self, request, queryset, lambda b: services.booking_decline(booking=b, actor=actor))

    @admin.action(
        description="Cancel the selected bookings (refund by the policy)",
        permissions=["cancel_booking"],
    )
    def cancel(self, request: HttpRequest, queryset: QuerySet[Booking]) -> None:
        actor = services.Actor.staff(request.user)
        _run(self, request, queryset, lambda b: services.booking_cancel(booking=b, actor=actor))

    @admin.action(
        description="Erase the contact's personal data (on request; invoices are kept)",
        permissions=["change"],
    )
    def erase_personal_data(self, request: HttpRequest, queryset: QuerySet[Booking]) -> None:
        """Refused, with the reason shown, while the visit is to come or money is open."""
        actor = services.Actor.staff(request.user)
        _run(
            self,
            request,
            queryset,
            lambda b: retention.booking_anonymise(
                booking=b, actor=actor, reason=retention.REASON_REQUEST
            ),
        )


admin.site.unregister(Departure)


@admin.register(Departure)
class DepartureAdmin(CatalogueDepartureAdmin):
    """The catalogue's departure admin, with seats. Its cancel action needs nothing more: the
    catalogue's service cancels the bookings too (``departure_cancelling``)."""

    list_display = [*CatalogueDepartureAdmin.list_display, "seats_left"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Departure]:
        return selectors.with_seats_taken(super().get_queryset(request))

    @admin.display(description="Seats left")
    def seats_left(self, obj: Departure) -> int:
        return max(obj.capacity - getattr(obj, "seats_taken_now", 0), 0)
