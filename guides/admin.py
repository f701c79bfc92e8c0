"""Admin for guides: weekly hours alongside; time off and assignments through the services.

Time off and assignments are written only by ``guides.services`` (overlaps, weekly hours, the
no double-booking invariant), so their inlines are read-only and their own add pages call the
services; a refusal becomes an error message and nothing is saved.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.translation import gettext_lazy

from core.admin_display import AdminPart, InvalidatingAdminMixin
from core.errors import DomainError
from guides import selectors, services
from guides.invalidation import guides_written
from guides.models import Assignment, Guide, TimeOff, WeeklyAvailability
from itineraries.models import Departure


class _AdminRefusal(Exception):
    pass


class _GuidesAdmin(InvalidatingAdminMixin):
    """Every write of a guides' admin (a guide with its weekly hours, a deletion) invalidates
    what the guides' rows feed (``guides.invalidation``)."""

    def admin_written(self) -> None:
        guides_written()


class _ThroughServices(_GuidesAdmin):
    """Turns a service's refusal raised in ``save_model`` into a message; nothing is saved
    (the admin's transaction is rolled back by the exception)."""

    def changeform_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return super().changeform_view(request, *args, **kwargs)
        except _AdminRefusal as exc:
            self.message_user(request, str(exc), level=messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class WeeklyAvailabilityInline(admin.TabularInline):
    model = WeeklyAvailability
    extra = 0


class TimeOffInline(_ReadOnlyInline):
    model = TimeOff
    fields = readonly_fields = ("starts_at", "ends_at", "reason")


class GuideAssignmentInline(_ReadOnlyInline):
    model = Assignment
    fields = readonly_fields = ("departure", "role", "starts_at", "ends_at")


@admin.register(Guide)
class GuideAdmin(_GuidesAdmin, admin.ModelAdmin):
    """A guide with its weekly hours (written here) and its time off and assignments (shown)."""

    inlines = [WeeklyAvailabilityInline, TimeOffInline, GuideAssignmentInline]
    list_display = ["display_name", "user", "phone", "languages", "is_active"]
    list_filter = ["is_active", "themes"]
    search_fields = ["display_name", "user__username", "user__email"]
    filter_horizontal = ["themes"]
    exclude = ["feed_token_hash", "feed_token_seed"]  # rotated through the API, never shown
    readonly_fields = ["created_at", "updated_at"]


@admin.register(TimeOff)
class TimeOffAdmin(_ThroughServices, admin.ModelAdmin):
    list_display = ["guide", "starts_at", "ends_at", "reason"]
    list_filter = ["guide"]
    fields = ["guide", "starts_at", "ends_at", "reason"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: TimeOff, form: Any, change: bool) -> None:
        try:
            created = services.time_off_create(
                guide=obj.guide, starts_at=obj.starts_at, ends_at=obj.ends_at, reason=obj.reason
            )
        except DomainError as exc:
            raise _AdminRefusal(str(exc.message)) from exc
        obj.pk = created.pk


@admin.register(Assignment)
class AssignmentAdmin(_ThroughServices, admin.ModelAdmin):
    list_display = ["guide", "departure", "role", "starts_at", "ends_at"]
    list_filter = ["role", "guide"]
    list_select_related = ["guide", "departure__itinerary"]
    fields = ["departure", "guide", "role"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Assignment, form: Any, change: bool) -> None:
        try:
            created = services.assignment_create(
                departure=obj.departure, guide=obj.guide, role=obj.role, by=request.user
            )
        except DomainError as exc:
            raise _AdminRefusal(str(exc.message)) from exc
        obj.pk = created.pk

    def delete_model(self, request: HttpRequest, obj: Assignment) -> None:
        services.assignment_delete(departure=obj.departure, guide=obj.guide)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Assignment]) -> None:
        for assignment in queryset.select_related("departure", "guide"):
            self.delete_model(request, assignment)


class DepartureAssignmentInline(_ReadOnlyInline):
    model = Assignment
    fk_name = "departure"
    fields = readonly_fields = ("guide", "role")


def _with_guides_assigned(queryset: QuerySet[Departure]) -> QuerySet[Departure]:
    # A subquery, not a join: joining assignments would multiply the seats summed.
    assigned = (
        Assignment.objects.filter(departure=OuterRef("pk"))
        .order_by()
        .values("departure")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return queryset.annotate(
        guides_assigned=Coalesce(Subquery(assigned), Value(0), output_field=IntegerField())
    )


@admin.display(description=gettext_lazy("Guides (assigned / needed)"))
def guides(departure: Departure) -> str:
    taken = getattr(departure, "seats_taken_now", 0)
    needed = selectors.needed_for_seats(taken, departure.itinerary.participants_per_guide)
    return f"{getattr(departure, 'guides_assigned', 0)} / {needed}"


# Registered into ``itineraries.admin.departure_admin_parts`` (guides.apps).
DEPARTURE_GUIDES = AdminPart(
    columns=[guides], annotate=_with_guides_assigned, inlines=[DepartureAssignmentInline]
)
