"""Load the demo catalogue and a season of departures. Idempotent: run it as often as you like."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from core.errors import DomainError
from itineraries import demo, services
from itineraries.models import Departure, Itinerary, Option, Site, SiteFigure, Stop, Theme


class Command(BaseCommand):
    help = "Load the real sites of the basin, three itineraries and 120 days of departures."

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            self._catalogue()
        created = self._season()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data: {Site.objects.count()} sites, {Itinerary.objects.count()} "
                f"itineraries, {created} new departures "
                f"({Departure.objects.count()} in all)."
            )
        )

    def _catalogue(self) -> None:
        for position, theme in enumerate(demo.THEMES):
            Theme.objects.update_or_create(
                slug=theme["slug"], defaults={**theme, "position": position}
            )
        for site in demo.SITES:
            defaults = {**site, **demo.SITE_MAP.get(site["slug"], {})}
            saved, _created = Site.objects.update_or_create(slug=site["slug"], defaults=defaults)
            # The figures are replaced as a whole: the demo's list is the truth for demo sites.
            saved.figures.all().delete()
            SiteFigure.objects.bulk_create(
                SiteFigure(site=saved, position=position, **figure)
                for position, figure in enumerate(demo.SITE_FIGURES.get(site["slug"], []))
            )
        for raw in demo.ITINERARIES:
            data = dict(raw)
            themes = data.pop("themes")
            stops = data.pop("stops")
            opts = data.pop("options")
            meeting = data.pop("meeting_site")
            itinerary, _created = Itinerary.objects.update_or_create(
                slug=data["slug"],
                defaults={
                    **data,
                    **demo.GO_NO_GO.get(data["slug"], {}),
                    "meeting_site": Site.objects.get(slug=meeting),
                },
            )
            itinerary.themes.set(Theme.objects.filter(slug__in=themes))
            for position, stop in enumerate(stops, start=1):
                Stop.objects.update_or_create(
                    itinerary=itinerary,
                    position=position,
                    defaults={**stop, "site": Site.objects.get(slug=stop["site"])},
                )
            itinerary.stops.filter(position__gt=len(stops)).delete()
            for option in opts:
                Option.objects.update_or_create(
                    itinerary=itinerary, code=option["code"], defaults=option
                )
            services.itinerary_update(itinerary=itinerary, fields={"is_published": True})

    def _season(self) -> int:
        today = timezone.localdate()
        first_monday = today - timedelta(days=today.weekday())
        return schedule_season(
            lambda weekday, every: _days(today, first_monday, weekday, every),
            on_skip=self.stdout.write,
        )


def schedule_season(
    days_of: Callable[[int, int], Iterable[date]], on_skip: Callable[[str], Any] | None = None
) -> int:
    """Schedule each demo slot (itinerary, time, language) on the days ``days_of(weekday,
    every)`` gives, past the itinerary's lead time, unless already there; return how many were
    added. A day whose sites are taken is skipped (told to ``on_skip``)."""
    created = 0
    for slug, weekday, start, language, every in demo.SEASON:
        itinerary = Itinerary.objects.get(slug=slug)
        for day in days_of(weekday, every):
            starts_at = timezone.make_aware(datetime.combine(day, time.fromisoformat(start)))
            if starts_at <= timezone.now() + timedelta(days=itinerary.lead_time_days):
                continue
            if Departure.objects.filter(itinerary=itinerary, starts_at=starts_at).exists():
                continue
            try:
                services.departure_schedule(
                    itinerary=itinerary, starts_at=starts_at, language=language
                )
            except DomainError as exc:
                if on_skip is not None:
                    on_skip(f"Skipped {slug} on {starts_at:%Y-%m-%d %H:%M}: {exc}")
                continue
            created += 1
    return created


def _days(today: date, first_monday: date, weekday: int, every: int) -> list[date]:
    days = []
    day = first_monday + timedelta(days=weekday)
    while day <= today + timedelta(days=demo.SEASON_DAYS):
        if day > today:
            days.append(day)
        day += timedelta(weeks=every)
    return days
