from django.apps import AppConfig


class GuidesConfig(AppConfig):
    name = "guides"
    verbose_name = "Guides"

    def ready(self) -> None:
        from bookings.programme import programme_sections
        from bookings.selectors import private_slot_checks, staggered_slot_checks
        from guides import receivers  # noqa: F401  (connects the signal receivers)
        from guides.selectors import (
            private_starts_with_guides,
            programme_guides,
            staggered_starts_with_guides,
        )

        # A private date also needs enough free guides speaking the language.
        private_slot_checks.register(private_starts_with_guides)
        # Two groups on staggered times need guides for both visits at once.
        staggered_slot_checks.register(staggered_starts_with_guides)
        # The programme lists the departure's guides (the design's "guides and contact").
        programme_sections.register(programme_guides)

        # The departures' admin lists guides assigned and needed, and shows the assignments.
        from guides.admin import DEPARTURE_GUIDES
        from itineraries.admin import departure_admin_parts

        departure_admin_parts.register(DEPARTURE_GUIDES)

        # The feeds show the catalogue's departures, itineraries and sites, and the confirmed
        # groups: the lower apps' writes invalidate them too (guides.invalidation).
        from bookings.invalidation import booking_dependents
        from guides.calendar import FEED_NAMESPACE
        from guides.invalidation import feed_shows_booking
        from itineraries.invalidation import catalogue_dependents

        catalogue_dependents.register(FEED_NAMESPACE)
        booking_dependents.register(feed_shows_booking)
