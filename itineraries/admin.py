"""Admin for the catalogue. Departures are scheduled and moved through the same service as the
API, so the site occupancy invariant holds whichever door an administrator uses. Every admin here
invalidates the cached catalogue on each write (``itineraries.invalidation``)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import models
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from modeltranslation.admin import TranslationAdmin, TranslationTabularInline

from core.admin_display import AdminPart, ContributedAdminMixin
from core.errors import DomainError
from core.extensions import ExtensionPoint
from core.permissions import admin_permission
from itineraries import selectors, services
from itineraries.invalidation import CatalogueAdminMixin, catalogue_written
from itineraries.models import (
    Closure,
    Departure,
    DepartureStatus,
    Itinerary,
    Option,
    Site,
    SiteCategory,
    SiteFigure,
    Stop,
    Theme,
)


@admin.register(Theme)
class ThemeAdmin(CatalogueAdminMixin, TranslationAdmin):
    list_display = ["name", "slug", "position"]
    search_fields = ["slug", "name_fr", "name_en"]
    prepopulated_fields = {"slug": ("name_fr",)}


@admin.register(Closure)
class ClosureAdmin(CatalogueAdminMixin, TranslationAdmin):
    """Days without visits. Saving one never touches departures already scheduled on those days:
    the admin lists them, for staff to move or cancel with the groups."""

    list_display = ["__str__", "starts_on", "ends_on", "reason"]
    list_filter = ["site"]
    date_hierarchy = "starts_on"
    autocomplete_fields = ["site"]

    def save_model(self, request: HttpRequest, obj: Closure, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        held = list(selectors.departures_during(closure=obj)[:20])
        if held:
            self.message_user(
                request,
                _("Departures already scheduled on these days, to move or cancel: %(list)s")
                % {"list": "; ".join(str(departure) for departure in held)},
                level=messages.WARNING,
            )


class SiteForm(forms.ModelForm):
    # The JSON column holds a list of codes; staff tick boxes instead of typing JSON.
    categories = forms.MultipleChoiceField(
        label=gettext_lazy("what it demonstrates (categories)"),
        choices=SiteCategory.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = Site
        fields = "__all__"  # noqa: DJ007 (the admin lists the fields it shows)

    def clean_categories(self) -> list[str]:
        chosen = set(self.cleaned_data.get("categories") or [])
        return [code for code in SiteCategory.values if code in chosen]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        new_max = cleaned.get("max_visitors")
        if self.instance.pk and new_max and new_max < self.instance.max_visitors:
            peak = selectors.site_peak_load(site=self.instance)
            if new_max < peak:
                raise ValidationError(
                    f"Scheduled departures already bring {peak} visitors at once to this site."
                )
        if self.instance.pk and not cleaned.get("is_bookable", True):
            visited = Itinerary.objects.filter(is_published=True, stops__site=self.instance)
            if visited.exists():
                names = ", ".join(sorted({i.title for i in visited}))
                raise ValidationError(
                    f"Published itineraries visit this site: unpublish them first ({names})."
                )
        return cleaned


class SiteFigureInline(TranslationTabularInline):
    """Key figures: each with its year and its public source, or not shown at all."""

    model = SiteFigure
    extra = 0
    ordering = ["position", "pk"]
    # A source address typed without a scheme is https (Django 6's default, said now).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(Site)
class SiteAdmin(CatalogueAdminMixin, TranslationAdmin):
    form = SiteForm
    inlines = [SiteFigureInline]
    list_display = [
        "name",
        "max_visitors",
        "is_bookable",
        "on_map",
        "wheelchair_accessible",
        "toilets",
        "minimum_age",
    ]
    list_filter = ["is_bookable", "on_map", "wheelchair_accessible", "toilets"]
    search_fields = ["slug", "name_fr", "name_en", "address"]
    prepopulated_fields = {"slug": ("name_fr",)}


def _has_scheduled_departures(obj: Any) -> bool:
    return bool(
        obj is not None
        and obj.pk
        and obj.departures.filter(status=DepartureStatus.SCHEDULED).exists()
    )


class StopInline(TranslationTabularInline):
    """Stops are frozen while departures are scheduled: moving one would silently change the
    site occupancy and the end time of those departures (the API refuses the same change)."""

    model = Stop
    extra = 0
    autocomplete_fields = ["site"]
    ordering = ["position"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not _has_scheduled_departures(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not _has_scheduled_departures(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not _has_scheduled_departures(obj) and super().has_delete_permission(request, obj)


class OptionInline(TranslationTabularInline):
    model = Option
    extra = 0


@admin.register(Itinerary)
class ItineraryAdmin(CatalogueAdminMixin, TranslationAdmin):
    inlines = [StopInline, OptionInline]
    list_display = [
        "title",
        "slug",
        "is_published",
        "min_participants",
        "max_participants",
        "price_per_person_cents",
    ]
    list_filter = ["is_published", "themes", "private_dates_allowed"]
    search_fields = ["slug", "title_fr", "title_en", "summary_fr"]
    filter_horizontal = ["themes"]
    prepopulated_fields = {"slug": ("title_fr",)}

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        itinerary = form.instance
        if itinerary.is_published:
            closed = [
                s.site.name
                for s in itinerary.stops.select_related("site")
                if not s.site.is_bookable
            ]
            if not itinerary.stops.exists() or closed:
                Itinerary.objects.filter(pk=itinerary.pk).update(is_published=False)
                catalogue_written()
                messages.error(
                    request,
                    "The itinerary was saved unpublished: it has no stops or visits a closed "
                    f"site ({', '.join(closed)}).",
                )


@admin.register(Stop)
class StopAccessAdmin(CatalogueAdminMixin, TranslationAdmin):
    """The access facts of each stop (issue 18, item 2): walking distance, climb and the
    alternative offered, editable even while departures are scheduled (they change no time
    nor site). Stops are made, moved and deleted in their itinerary's page only."""

    list_display = ["title", "itinerary", "position", "site", "walking_distance_m", "climb_m"]
    list_filter = ["itinerary"]
    search_fields = ["title_fr", "title_en", "itinerary__title_fr", "site__name_fr"]
    fields = [
        "itinerary",
        "position",
        "title",
        "site",
        "walking_distance_m",
        "climb_m",
        "alternative",
    ]
    readonly_fields = ["itinerary", "position", "title", "site"]
    ordering = ["itinerary__slug", "position"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class DepartureForm(forms.ModelForm):
    class Meta:
        model = Departure
        fields = ["itinerary", "starts_at", "language", "capacity", "kind", "notes"]


# Columns and inlines the apps above add to the departures' admin (bookings: seats left;
# guides: guides assigned and needed, the assignments). Registered in their AppConfig.ready.
departure_admin_parts = ExtensionPoint[AdminPart]("itineraries.departure_admin_parts")


@admin.register(Departure)
class DepartureAdmin(CatalogueAdminMixin, ContributedAdminMixin, admin.ModelAdmin):
    """The one admin of departures: scheduled, moved and cancelled through the services."""

    admin_points = (departure_admin_parts,)
    form = DepartureForm
    list_display = [
        "itinerary",
        "starts_at",
        "ends_at",
        "language",
        "capacity",
        "kind",
        "status",
        "go_no_go",
    ]
    list_filter = ["status", "kind", "language", "itinerary"]
    date_hierarchy = "starts_at"
    search_fields = ["itinerary__title_fr", "itinerary__slug"]
    list_select_related = ["itinerary"]
    actions = ["cancel_departures", "confirm_go"]

    def get_readonly_fields(self, request: HttpRequest, obj: Departure | None = None) -> Any:
        if obj is not None:
            return ["itinerary", "kind", "status", "ends_at", "sequence", "go_confirmed_at"]
        return ["status", "go_confirmed_at"]

    @admin.display(description=gettext_lazy("Go/no-go"))
    def go_no_go(self, obj: Departure) -> str:
        """Confirmed (and when), or the date its minimum is decided; "-" without a minimum."""
        if obj.go_confirmed_at is not None:
            return _("Goes ahead (confirmed %(date)s)") % {
                "date": f"{timezone.localtime(obj.go_confirmed_at):%d/%m/%Y}"
            }
        decision = obj.decision_at
        if decision is None or obj.status != "scheduled":
            return "-"
        return _("Minimum %(minimum)d, decided on %(date)s") % {
            "minimum": obj.itinerary.departure_minimum,
            "date": f"{timezone.localtime(decision):%d/%m/%Y %H:%M}",
        }

    @admin.action(
        description=gettext_lazy(
            "Confirm that the selected departures go ahead (the groups are told)"
        ),
        permissions=["change"],
    )
    def confirm_go(self, request: HttpRequest, queryset: Any) -> None:
        """Staff decide before the decision time: the departure will not be cancelled for want
        of participants (``services.departure_go_confirm``)."""
        count = 0
        for departure in queryset:
            try:
                count += services.departure_go_confirm(departure=departure, by=request.user)
            except DomainError as exc:
                self.message_user(request, f"{departure}: {exc.message}", level=messages.ERROR)
        self.message_user(
            request,
            ngettext(
                "%(count)d departure confirmed to go ahead.",
                "%(count)d departures confirmed to go ahead.",
                count,
            )
            % {"count": count},
        )

    def save_model(self, request: HttpRequest, obj: Departure, form: Any, change: bool) -> None:
        # Scheduling goes through the service; a refusal becomes a form error, nothing is saved.
        try:
            if change:
                services.departure_reschedule(
                    departure=obj,
                    starts_at=form.cleaned_data["starts_at"],
                    capacity=form.cleaned_data["capacity"],
                    language=form.cleaned_data["language"],
                    notes=form.cleaned_data.get("notes", ""),
                )
            else:
                created = services.departure_schedule(
                    itinerary=form.cleaned_data["itinerary"],
                    starts_at=form.cleaned_data["starts_at"],
                    language=form.cleaned_data["language"],
                    capacity=form.cleaned_data["capacity"],
                    kind=form.cleaned_data["kind"],
                    notes=form.cleaned_data.get("notes", ""),
                    by=request.user,
                )
                obj.pk = created.pk
        except DomainError as exc:
            raise _AdminRefusal(str(exc.message)) from exc

    def changeform_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().changeform_view(request, *args, **kwargs)
        except _AdminRefusal as exc:
            self.message_user(request, str(exc), level=messages.ERROR)
            from django.http import HttpResponseRedirect

            return HttpResponseRedirect(request.get_full_path())

    has_cancel_departure_permission = admin_permission("itineraries.cancel_departure")

    @admin.action(
        description=gettext_lazy(
            "Cancel the selected departures and all their bookings (full refund)"
        ),
        permissions=["cancel_departure"],
    )
    def cancel_departures(self, request: HttpRequest, queryset: Any) -> None:
        # The one service: the bookings (and what they owe) follow, whichever admin is shown.
        count = 0
        for departure in queryset:
            services.departure_cancel(departure=departure, by=request.user, reason="admin")
            count += 1
        self.message_user(
            request,
            ngettext("%(count)d departure cancelled.", "%(count)d departures cancelled.", count)
            % {"count": count},
        )


class _AdminRefusal(Exception):
    pass
