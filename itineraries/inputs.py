"""What the catalogue's write services take, typed: serializers and commands build these."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any, TypedDict

from itineraries.models import Site


@dataclass(frozen=True)
class StopInput:
    site: Site
    position: int
    offset_minutes: int
    duration_minutes: int
    title_fr: str
    title_en: str = ""
    text_fr: str = ""
    text_en: str = ""
    walking_distance_m: int | None = None
    climb_m: int | None = None
    alternative_fr: str = ""
    alternative_en: str = ""

    def fields(self) -> dict[str, Any]:
        return asdict(self) | {"site": self.site}  # asdict would copy the site deeply


@dataclass(frozen=True)
class OptionInput:
    code: str
    name_fr: str
    price_per_person_cents: int
    vat_rate: Decimal
    name_en: str = ""
    description_fr: str = ""
    description_en: str = ""

    def fields(self) -> dict[str, Any]:
        return asdict(self)


class ItineraryFields(TypedDict, total=False):
    """The itinerary's own fields, as given (absent: unchanged on an update, default on create)."""

    slug: str
    title_fr: str
    title_en: str
    summary_fr: str
    summary_en: str
    description_fr: str
    description_en: str
    practical_notes_fr: str
    practical_notes_en: str
    includes_fr: str
    includes_en: str
    meeting_point_fr: str
    meeting_point_en: str
    meeting_site: Site | None
    languages: list[str]
    min_participants: int
    max_participants: int
    price_per_person_cents: int
    minimum_charge_cents: int
    vat_rate: Decimal
    deposit_percent: int
    cancellation_policy: list[dict[str, int]]
    participants_per_guide: int
    lead_time_days: int
    change_cutoff_hours: int
    private_dates_allowed: bool
    private_start_times: list[str]
    is_published: bool
