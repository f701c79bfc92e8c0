"""Admin for bookings: the audit trail alongside, and the office's actions through the services."""

from __future__ import annotations

from types import MethodType
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import display_for_field
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import translation
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bookings import participants as participant_lists
from bookings import retention, selectors, services
from bookings.models import NEED_FLAGS, Booking, BookingEvent, Participant
from bookings.services import move as staff_changes
from bookings.services.training import booking_set_training
from core.admin_display import AdminPart, data_list, euros, paris, price_table
from core.dates import format_datetime
from core.errors import DomainError
from core.permissions import admin_permission
from itineraries.models import Departure


class ParticipantInline(admin.TabularInline):
    """The group's named participants and their needs. Staff add, correct and remove them
    here; ``BookingAdmin.save_formset`` writes the whole list through
    ``bookings.participants.participants_replace`` as staff (head count, audit trail, the
    accessibility warning), never a raw save. Who may: staff who may change the booking, as in
    the API (``PUT …/participants/``), at any time, the lock date aside."""

    model = Participant
    extra = 0
    fields = [
        "name",
        "category",
        *[f"needs_{flag}" for flag in NEED_FLAGS],
        "needs_details",
        "email",
        "entered_by",
    ]
    readonly_fields = ["entered_by"]
    verbose_name = gettext_lazy("participant")
    verbose_name_plural = gettext_lazy("participants (names and needs)")

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.has_perm("bookings.view_booking") or self._may_change(request)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may_change(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may_change(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may_change(request)

    def _may_change(self, request: HttpRequest) -> bool:
        return request.user.has_perm("bookings.change_booking")


def _participant_entries(formset: Any) -> list[participant_lists.Entry]:
    """The list the inline's forms describe: the rows kept (by id) and the new ones."""
    entries = []
    for form in formset.forms:
        if not form.has_changed() and form.instance.pk is None:
            continue  # an empty extra row
        if formset.can_delete and formset._should_delete_form(form):
            continue
        data = form.cleaned_data
        needs: dict[str, Any] = {flag: data.get(f"needs_{flag}", False) for flag in NEED_FLAGS}
        needs["details"] = data.get("needs_details", "")
        entries.append(
            participant_lists.Entry(
                name=data["name"],
                category=data["category"],
                needs=needs,
                email=data.get("email", ""),
                id=form.instance.pk,
            )
        )
    return entries


class BookingEventInline(admin.TabularInline):
    model = BookingEvent
    extra = 0
    can_delete = False
    fields = ["when", "who", "actor", "what", "details"]
    readonly_fields = ["when", "who", "actor", "what", "details"]

    @admin.display(description=gettext_lazy("When"))
    def when(self, obj: BookingEvent) -> str:
        return paris(obj.at)

    @admin.display(description=gettext_lazy("By"))
    def who(self, obj: BookingEvent) -> str:
        return str(obj.get_actor_kind_display())

    @admin.display(description=gettext_lazy("Action"))
    def what(self, obj: BookingEvent) -> str:
        return obj.action

    @admin.display(description=gettext_lazy("Details"))
    def details(self, obj: BookingEvent) -> str:
        return data_list(obj.data)

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
        modeladmin.message_user(
            request, _("%(count)d done.") % {"count": done}, level=messages.SUCCESS
        )


class ErasureFilter(admin.SimpleListFilter):
    """Erasure requests to act on (pending), and bookings already anonymised (done)."""

    title = gettext_lazy("erasure of personal data")
    parameter_name = "erasure"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("pending", _("Requested, not done yet")), ("done", _("Anonymised"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Booking]) -> QuerySet[Booking]:
        if self.value() == "pending":
            return queryset.filter(erasure_requested_at__isnull=False, anonymised_at__isnull=True)
        if self.value() == "done":
            return queryset.filter(anonymised_at__isnull=False)
        return queryset


# Not shown: the token's hash; shown in euros or as a table instead of cents and JSON.
HIDDEN_FIELDS = {"token_hash", "price", "total_cents", "amount_paid_cents"}


# The booking's fields as the office reads them, capitalised as the admin shows labels.
FIELD_LABELS: dict[str, Any] = {
    "id": "ID",
    "reference": gettext_lazy("Reference"),
    "departure": gettext_lazy("Departure"),
    "participants": gettext_lazy("Participants"),
    "language": gettext_lazy("Language"),
    "options": gettext_lazy("Options"),
    "organisation_name": gettext_lazy("Organisation"),
    "organisation_type": gettext_lazy("Organisation type"),
    "siret": "SIRET",
    "vat_number": gettext_lazy("VAT number"),
    "contact_name": gettext_lazy("Contact name"),
    "contact_email": gettext_lazy("Contact email"),
    "contact_phone": gettext_lazy("Contact phone"),
    "billing_address": gettext_lazy("Billing address"),
    "billing_postal_code": gettext_lazy("Billing postal code"),
    "billing_city": gettext_lazy("Billing city"),
    "billing_country": gettext_lazy("Billing country"),
    "purchase_order": gettext_lazy("Purchase order"),
    "service_code": gettext_lazy("Service code"),
    "notes": gettext_lazy("Notes"),
    "training": gettext_lazy("Professional training"),
    "payment_method": gettext_lazy("Payment method"),
    "status": gettext_lazy("Status"),
    "hold_expires_at": gettext_lazy("Hold expires at"),
    "sequence": gettext_lazy("Version"),
    "cancelled_at": gettext_lazy("Cancelled at"),
    "erasure_requested_at": gettext_lazy("Erasure requested at"),
    "anonymised_at": gettext_lazy("Anonymised at"),
    "created_at": gettext_lazy("Created at"),
    "updated_at": gettext_lazy("Updated at"),
}
SHOWN = "_shown"  # suffix of the display methods made below for the read-only fields


def _shown(name: str) -> Any:
    """A read-only field under its French or English label, displayed as the admin would."""
    field = next(field for field in Booking._meta.fields if field.name == name)

    def show(modeladmin: Any, obj: Booking) -> Any:
        value = getattr(obj, name)
        if name == "options":
            return ", ".join(value) or "-"
        return display_for_field(value, field, "-")

    show.__name__ = f"{name}{SHOWN}"
    return admin.display(description=FIELD_LABELS.get(name, str(field.verbose_name)))(show)


class BookingChangeForm(forms.ModelForm):
    """What staff may change on a booking (head count, contact, notes), applied through
    ``booking_change``; the rest is read only."""

    class Meta:
        model = Booking
        fields = [
            "participants",
            "contact_name",
            "contact_email",
            "contact_phone",
            "notes",
            "training",
        ]
        labels = {name: FIELD_LABELS[name] for name in fields}


class BookingMoveForm(forms.Form):
    """The new date: a public departure of the same itinerary, with its seats left, or, for
    a private booking, its new start (Europe/Paris)."""

    departure = forms.TypedChoiceField(
        label=gettext_lazy("New departure"), coerce=int, required=False
    )
    starts_at = forms.DateTimeField(
        label=gettext_lazy("New start (Paris time)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"],
    )

    def __init__(self, *args: Any, booking: Booking, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.private = booking.departure.kind == "private"
        if self.private:
            del self.fields["departure"]
            self.fields["starts_at"].required = True
            return
        del self.fields["starts_at"]
        language = translation.get_language() or "fr"
        choices = []
        # Every date is listed with its seats left; the move counts them again under the lock
        # and refuses with the seats left when the group does not fit (no oversell).
        for departure in staff_changes.move_targets(booking):
            left = staff_changes.seats_left(departure)
            label = _("%(when)s — %(left)d seats left") % {
                "when": format_datetime(departure.starts_at, language),
                "left": left,
            }
            choices.append((departure.pk, label))
        field = self.fields["departure"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = choices
        field.required = True


@admin.register(Booking)
class BookingAdmin(admin.ModelAdmin):
    """Bookings are read here and moved only by the actions (the same services as the API)."""

    inlines = [ParticipantInline, BookingEventInline]
    list_display = [
        "reference",
        "organisation_name",
        "organisation_type",
        "departure",
        "participants",
        "status",
        "payment_method",
        "total",
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
    # The actions need the same permissions as the API's confirm, decline and cancel.
    has_confirm_booking_permission = admin_permission("bookings.confirm_booking")
    has_cancel_booking_permission = admin_permission("bookings.cancel_booking")

    form = BookingChangeForm

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        shown = [
            field.name
            for field in Booking._meta.fields
            if field.name not in HIDDEN_FIELDS and not field.name.endswith("token_hash")
        ]
        editable = BookingChangeForm.Meta.fields if self.has_change_permission(request, obj) else []
        shown = [name if name in editable else f"{name}{SHOWN}" for name in shown]
        # Money in euros and the price as a table, where the raw cents and JSON would be.
        at = shown.index(f"sequence{SHOWN}")
        shown = [*shown[:at], "price_table", "total", "paid", "due", *shown[at:]]
        if obj is not None and self.has_change_permission(request, obj):
            shown.insert(shown.index(f"departure{SHOWN}") + 1, "change_date")
        return shown

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [
            name
            for name in self.get_fields(request, obj)
            if name not in BookingChangeForm.Meta.fields
        ]

    def __getattr__(self, name: str) -> Any:
        # The display methods of the read-only fields (``status_shown``...), made on demand so
        # that fields added to the model later are shown too.
        if name.endswith(SHOWN):
            field_name = name.removesuffix(SHOWN)
            if any(field.name == field_name for field in Booking._meta.fields):
                return MethodType(_shown(field_name), self)
        raise AttributeError(name)

    @admin.display(description=gettext_lazy("Date"))
    def change_date(self, obj: Booking) -> str:
        url = reverse("admin:bookings_booking_move", args=[obj.pk])
        return format_html('<a class="button" href="{}">{}</a>', url, _("Change the date"))

    def get_urls(self) -> list[URLPattern]:
        extra = [
            path(
                "<int:object_id>/move/",
                self.admin_site.admin_view(self.move_view),
                name="bookings_booking_move",
            )
        ]
        return extra + super().get_urls()

    def move_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        """Move the booking to another date through ``staff_changes.booking_move``."""
        booking = Booking.objects.select_related("departure__itinerary").filter(pk=object_id)
        obj = booking.first()
        if obj is None or not self.has_change_permission(request, obj):
            raise PermissionDenied
        form = BookingMoveForm(request.POST or None, booking=obj)
        if request.method == "POST" and form.is_valid():
            try:
                moved = staff_changes.booking_move(
                    booking=obj,
                    actor=services.Actor.staff(request.user),
                    departure_id=form.cleaned_data.get("departure"),
                    starts_at=form.cleaned_data.get("starts_at"),
                )
            except DomainError as exc:
                field = exc.field if exc.field in form.fields else None
                form.add_error(field, str(exc.message))
            else:
                language = translation.get_language() or "fr"
                self.message_user(
                    request,
                    _("%(booking)s moved to %(when)s; the group was e-mailed the new date.")
                    % {
                        "booking": obj.reference,
                        "when": format_datetime(moved.to_starts_at, language),
                    },
                    level=messages.SUCCESS,
                )
                return HttpResponseRedirect(reverse("admin:bookings_booking_change", args=[obj.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": obj,
            "form": form,
            "current": format_datetime(obj.departure.starts_at, translation.get_language() or "fr"),
            "title": _("Change the date of %(booking)s") % {"booking": obj.reference},
        }
        return TemplateResponse(request, "admin/bookings/booking/move.html", context)

    @admin.display(description=gettext_lazy("Total incl. VAT"), ordering="total_cents")
    def total(self, obj: Booking) -> str:
        return euros(obj.total_cents)

    @admin.display(description=gettext_lazy("Paid"))
    def paid(self, obj: Booking) -> str:
        return euros(obj.amount_paid_cents)

    @admin.display(description=gettext_lazy("Due"))
    def due(self, obj: Booking) -> str:
        return euros(max(obj.total_cents - obj.amount_paid_cents, 0))

    @admin.display(description=gettext_lazy("Price"))
    def price_table(self, obj: Booking) -> str:
        return price_table(obj.price)

    def save_model(self, request: HttpRequest, obj: Booking, form: Any, change: bool) -> None:
        """Staff changes go through ``booking_change`` (seats, price, audit as staff), never a
        raw save; a refusal is shown and nothing is written."""
        data = form.cleaned_data
        stored = Booking.objects.get(pk=obj.pk)
        contact = {
            key: data[f"contact_{key}"]
            for key in ("name", "email", "phone")
            if f"contact_{key}" in data
            and data[f"contact_{key}"] != getattr(stored, f"contact_{key}")
        }
        participants = data.get("participants")
        notes = data.get("notes")
        try:
            services.booking_change(
                booking=stored,
                actor=services.Actor.staff(request.user),
                participants=participants if participants != stored.participants else None,
                contact=contact or None,
                notes=notes if notes is not None and notes != stored.notes else None,
            )
            if "training" in data and data["training"] != stored.training:
                # Funded as professional training (procurement, visits and invoicing read it).
                booking_set_training(
                    booking_id=stored.pk,
                    training=data["training"],
                    actor=services.Actor.staff(request.user),
                    reason="admin",
                )
        except DomainError as exc:
            request.booking_change_refused = True  # type: ignore[attr-defined]
            self.message_user(request, str(exc.message), level=messages.ERROR)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        if getattr(request, "booking_change_refused", False):
            # The change was refused: the list is not written either.
            for formset in formsets:
                formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
            return
        super().save_related(request, form, formsets, change)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        """The participants' list goes through its service, whole, as staff; a refusal (more
        names than the head count, a closed booking) is shown and nothing is written."""
        if formset.model is not Participant:
            super().save_formset(request, form, formset, change)
            return
        # Read by the admin's change message (not logged: the booking's own trail audits).
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        if not formset.has_changed():
            return
        try:
            participant_lists.participants_replace(
                booking=form.instance,
                entries=_participant_entries(formset),
                actor=services.Actor.staff(request.user),
            )
        except DomainError as exc:
            # The admin's change view is one transaction: a head count changed in the same
            # form is rolled back with the refused list, so the page writes all or nothing.
            transaction.set_rollback(True)
            request.booking_change_refused = True  # type: ignore[attr-defined]
            self.message_user(request, str(exc.message), level=messages.ERROR)

    def response_change(self, request: HttpRequest, obj: Booking) -> HttpResponse:
        if getattr(request, "booking_change_refused", False):
            # The refusal is shown; not the "changed successfully" message too.
            return HttpResponseRedirect(request.path)
        return super().response_change(request, obj)

    def log_change(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        return None  # audited by the service in the booking's own trail, as staff

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # groups book through the API, which takes the seats under the lock

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(
        description=gettext_lazy("Confirm the selected requests"), permissions=["confirm_booking"]
    )
    def confirm(self, request: HttpRequest, queryset: QuerySet[Booking]) -> None:
        actor = services.Actor.staff(request.user)
        _run(self, request, queryset, lambda b: services.booking_confirm(booking=b, actor=actor))

    @admin.action(
        description=gettext_lazy("Decline the selected requests"), permissions=["confirm_booking"]
    )
    def decline(self, request: HttpRequest, queryset: QuerySet[Booking]) -> None:
        actor = services.Actor.staff(request.user)
        _run(self, request, queryset, lambda b: services.booking_decline(booking=b, actor=actor))

    @admin.action(
        description=gettext_lazy("Cancel the selected bookings (refund by the policy)"),
        permissions=["cancel_booking"],
    )
    def cancel(self, request: HttpRequest, queryset: QuerySet[Booking]) -> None:
        actor = services.Actor.staff(request.user)
        _run(self, request, queryset, lambda b: services.booking_cancel(booking=b, actor=actor))

    @admin.action(
        description=gettext_lazy(
            "Erase the contact's personal data (on request; invoices are kept)"
        ),
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


@admin.display(description=gettext_lazy("Seats left"))
def seats_left(departure: Departure) -> int:
    return max(departure.capacity - getattr(departure, "seats_taken_now", 0), 0)


# Registered into ``itineraries.admin.departure_admin_parts`` (bookings.apps).
DEPARTURE_SEATS_COLUMN = AdminPart(columns=[seats_left], annotate=selectors.with_seats_taken)
