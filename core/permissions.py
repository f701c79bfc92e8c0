"""Who may do what: Django model permissions, checked per action by the API as by the admin.

A staff action needs the ``is_staff`` flag (as the admin does) and the Django permission named
for it (``bookings.view_booking``, ``itineraries.cancel_departure``...). Superusers hold every
permission. The groups that bundle them for the office are shipped by the
``invoicing.staff_groups`` migration (see docs/operations.md, "Staff groups and permissions").
"""

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest
from rest_framework.permissions import BasePermission
from rest_framework.request import Request


def staff_may(request: Request | HttpRequest, *perms: str) -> bool:
    """Whether the signed-in user is active staff holding every one of these permissions."""
    user = getattr(request, "user", None)
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and user.is_staff
        and user.has_perms(perms)
    )


def is_staff_user(request: Request | HttpRequest) -> bool:
    """Signed-in staff, whatever they may do: only to choose a 403 over a 404, never to allow."""
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated and user.is_staff)


class StaffPermission(BasePermission):
    """Staff holding every one of ``perms``; anyone else is refused (401 or 403 problem+json).

    Instantiate it in ``get_permissions`` with the permissions of the action being run.
    """

    def __init__(self, *perms: str) -> None:
        if not perms:
            raise ValueError("A staff action names the permissions it needs.")
        self.perms = perms

    def has_permission(self, request: Request, view: Any) -> bool:
        return staff_may(request, *self.perms)


def admin_permission(perm: str) -> Callable[[Any, HttpRequest], bool]:
    """A ``has_<name>_permission`` ModelAdmin method, for an admin action's ``permissions``, so
    that the admin's actions need the same permission as the API's."""

    def has_permission(modeladmin: Any, request: HttpRequest) -> bool:
        return bool(request.user.has_perm(perm))

    return has_permission
