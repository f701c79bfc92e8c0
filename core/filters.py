"""Filters shared by the API's list endpoints.

``UtcIsoDateTimeFilter``: an ISO 8601 date-time compared in UTC. Python accepts UTC offsets up to
±23:59, PostgreSQL up to ±15:59: a value passed on with its own offset made PostgreSQL refuse the
query (a 500), and an instant that falls before year 1 in UTC overflowed on SQLite. The value is
converted to UTC while the form is cleaned, and one that has no UTC instant is a validation error.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django_filters import filters
from django_filters.fields import IsoDateTimeField


class UtcIsoDateTimeField(IsoDateTimeField):
    def to_python(self, value: Any) -> datetime | None:
        parsed = super().to_python(value)
        if parsed is None:
            return None
        try:
            return parsed.astimezone(UTC)
        except OverflowError:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None


class UtcIsoDateTimeFilter(filters.IsoDateTimeFilter):
    field_class = UtcIsoDateTimeField
