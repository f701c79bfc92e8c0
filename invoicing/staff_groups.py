"""The staff groups shipped with the platform, and the Django permissions each one holds.

The API (``core.permissions.StaffPermission``) and the admin check the same permissions, so a
group gives the same actions in both. The migration ``invoicing.0003_staff_groups`` creates the
groups. They live here because invoicing is the highest app: the only one that may name the
permissions of every app below it. Permissions are named by natural key (``app.codename``), so
nothing here imports another app.

A user may be in several groups. Superusers hold every permission without any group.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.apps import apps as global_apps
from django.apps.registry import Apps
from django.contrib.auth.management import create_permissions

OFFICE = "Office"
ACCOUNTING = "Accounting"
GUIDE_COORDINATION = "Guide coordination"


def _crud(app: str, model: str, *verbs: str) -> list[str]:
    return [f"{app}.{verb}_{model}" for verb in verbs]


STAFF_GROUPS: dict[str, tuple[str, ...]] = {
    # Plans the catalogue and departures, answers requests, changes and cancels bookings; sees
    # guides, payments and invoices without moving money.
    OFFICE: (
        *_crud("itineraries", "theme", "view", "add", "change"),
        *_crud("itineraries", "site", "view", "add", "change"),
        *_crud("itineraries", "itinerary", "view", "add", "change"),
        *_crud("itineraries", "stop", "view", "add", "change", "delete"),
        *_crud("itineraries", "option", "view", "add", "change", "delete"),
        *_crud("itineraries", "departure", "view", "add", "change"),
        "itineraries.cancel_departure",
        *_crud("bookings", "booking", "view", "change"),
        "bookings.confirm_booking",
        "bookings.cancel_booking",
        "bookings.view_bookingevent",
        "guides.view_guide",
        "guides.view_assignment",
        "payments.view_payment",
        "payments.view_refund",
        "invoicing.view_invoice",
    ),
    # Issues invoices and credit notes, records and refunds payments, exports the accounts,
    # keeps the seller profile; reads the bookings it invoices.
    ACCOUNTING: (
        "bookings.view_booking",
        "bookings.view_bookingevent",
        "payments.view_payment",
        "payments.record_payment",
        "payments.refund_payment",
        "payments.view_refund",
        "payments.view_stripeevent",
        "invoicing.view_invoice",
        "invoicing.issue_invoice",
        "invoicing.issue_credit_note",
        "invoicing.export_accounts",
        *_crud("invoicing", "sellerprofile", "view", "add", "change"),
        "invoicing.view_invoicesequence",
    ),
    # Keeps the guides, their hours and time off, and assigns them to departures.
    GUIDE_COORDINATION: (
        "itineraries.view_itinerary",
        "itineraries.view_departure",
        *_crud("guides", "guide", "view", "add", "change"),
        *_crud("guides", "weeklyavailability", "view", "add", "change", "delete"),
        *_crud("guides", "timeoff", "view", "add", "delete"),
        *_crud("guides", "assignment", "view", "add", "delete"),
    ),
}


def staff_groups_create(*, apps: Apps = global_apps, names: Iterable[str] | None = None) -> None:
    """Create the shipped groups that are missing and give them their permissions.

    Adds, never removes: a permission the office took away from a shipped group stays away
    until a later migration calls this again. Runs in migrations (``apps`` is then the
    historical registry), before ``post_migrate`` has created the permissions, so it creates
    them first, exactly as ``post_migrate`` would. Raises LookupError on an unknown permission.
    """
    for app_config in global_apps.get_app_configs():
        create_permissions(app_config, verbosity=0, apps=apps)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name in STAFF_GROUPS if names is None else names:
        wanted = STAFF_GROUPS[name]
        found = {
            f"{app_label}.{codename}": pk
            for pk, app_label, codename in Permission.objects.filter(
                codename__in=[perm.split(".", 1)[1] for perm in wanted]
            ).values_list("pk", "content_type__app_label", "codename")
        }
        missing = sorted(set(wanted) - set(found))
        if missing:
            raise LookupError(f"Unknown permissions for the group {name!r}: {missing}")
        group, _created = Group.objects.get_or_create(name=name)
        group.permissions.add(*(found[perm] for perm in wanted))
