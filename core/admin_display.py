"""What the admin shows people: euros in the staff member's language, snapshots as tables.

Money is integer cents inside; here it becomes ``540,00 €`` (French) or ``€540.00`` (English),
the language the admin follows (the browser's, French by default).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.contrib.admin.options import InlineModelAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from core.extensions import ExtensionPoint
from core.money import format_money


def euros(cents: int | None) -> str:
    """Cents as euros in the active language; an empty cell for no amount."""
    if cents is None:
        return "-"
    return format_money(int(cents), get_language() or "fr")


def paris(moment: Any) -> str:
    """An aware datetime as read in Europe/Paris (the project's TIME_ZONE)."""
    if moment is None:
        return "-"
    return f"{timezone.localtime(moment):%d/%m/%Y %H:%M}"


def rows_table(rows: list[tuple[Any, Any]]) -> SafeString:
    """Label and value pairs as a two-column table (a snapshot, never a JSON blob)."""
    body = format_html_join("", "<tr><th>{}</th><td>{}</td></tr>", rows)
    return format_html('<table class="va-snapshot">{}</table>', body)


def price_table(price: dict[str, Any] | None) -> SafeString:
    """A booking's or an invoice's price lines and totals, in euros."""
    if not price:
        return format_html("{}", "-")
    head = format_html(
        "<tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
        _("Line"),
        _("Quantity"),
        _("Unit price"),
        _("Total excl. VAT"),
        _("VAT rate"),
    )
    lines = format_html_join(
        "",
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}\u00a0%</td></tr>",
        (
            (
                line.get("label") or line.get("description", ""),
                line.get("quantity", ""),
                euros(line.get("unit_price_cents", line.get("unit_price_excl_vat_cents"))),
                euros(line.get("total_excl_vat_cents")),
                line.get("vat_rate", ""),
            )
            for line in price.get("lines", [])
        ),
    )
    totals: list[tuple[str, Any]] = [
        (_("Total excl. VAT"), euros(price.get("total_excl_vat_cents"))),
        (_("VAT"), euros(price.get("vat_cents"))),
        (_("Total incl. VAT"), euros(price.get("total_cents"))),
    ]
    if price.get("deposit_cents") is not None:
        totals.append(
            (
                _("Deposit (%(percent)s %%)") % {"percent": price.get("deposit_percent", "")},
                euros(price.get("deposit_cents")),
            )
        )
    return format_html('<table class="va-snapshot">{}{}</table>{}', head, lines, rows_table(totals))


def data_list(data: dict[str, Any] | None) -> SafeString:
    """An audit event's data as ``key: value`` lines (amounts in cents shown in euros)."""
    if not data:
        return format_html("{}", "-")
    rows = []
    for key, value in data.items():
        if key.endswith("_cents") and isinstance(value, int):
            value = euros(value)
        elif isinstance(value, list):
            value = ", ".join(str(item) for item in value)
        elif isinstance(value, dict):
            value = ", ".join(f"{k}: {v}" for k, v in value.items())
        rows.append((key.removesuffix("_cents"), value))
    return format_html_join(mark_safe("<br>"), "{}\u00a0: {}", rows)


class ReadOnlyModelAdmin(admin.ModelAdmin):
    """A table staff may look at but never write through the admin (written by services only)."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# Type checkers see the mixin as the ModelAdmin it is used with; at run time it is a plain class.
if TYPE_CHECKING:
    _AdminBase = admin.ModelAdmin[Any]
else:
    _AdminBase = object


@dataclass(frozen=True)
class AdminPart:
    """What a higher app adds to a lower app's admin page of a model, through an
    ``ExtensionPoint``: columns of the list (functions of the row, with ``admin.display``), the
    annotation those columns read (in the list's own query), and inlines of the change page."""

    columns: Sequence[Callable[[Any], Any]] = ()
    annotate: Callable[[QuerySet[Any]], QuerySet[Any]] | None = None
    inlines: Sequence[type[InlineModelAdmin[Any, Any]]] = ()


class ContributedAdminMixin(_AdminBase):
    """A ``ModelAdmin`` the apps above may add columns and inlines to (``admin_points``)."""

    admin_points: tuple[ExtensionPoint[AdminPart], ...] = ()

    def _parts(self) -> list[AdminPart]:
        return [part for point in self.admin_points for part in point]

    def get_list_display(self, request: HttpRequest) -> Any:
        own = super().get_list_display(request)
        return [*own, *(column for part in self._parts() for column in part.columns)]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset: QuerySet[Any] = super().get_queryset(request)
        for part in self._parts():
            if part.annotate is not None:
                queryset = part.annotate(queryset)
        return queryset

    def get_inlines(self, request: HttpRequest, obj: Any) -> Any:
        own = super().get_inlines(request, obj)
        return [*own, *(inline for part in self._parts() for inline in part.inlines)]


class InvalidatingAdminMixin(_AdminBase):
    """An admin whose writes make cached answers stale: every write it makes (the object with
    its inlines and many-to-many fields, a deletion, a bulk deletion) calls ``admin_written``
    once, inside the request's transaction. The owning app says what is stale by overriding
    ``admin_written``; an admin action that writes by ``QuerySet.update`` calls it itself."""

    def admin_written(self) -> None:
        raise NotImplementedError(f"{type(self).__name__} must say what its writes make stale")

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        # Django calls it after save_model on every add and change page.
        super().save_related(request, form, formsets, change)
        self.admin_written()

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        super().delete_model(request, obj)
        self.admin_written()

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        super().delete_queryset(request, queryset)
        self.admin_written()
