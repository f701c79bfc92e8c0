from django.apps import AppConfig


class GuidesConfig(AppConfig):
    name = "guides"
    verbose_name = "Guides"

    def ready(self) -> None:
        from bookings.programme import programme_sections
        from bookings.selectors import private_slot_checks
        from guides import receivers  # noqa: F401  (connects the signal receivers)
        from guides.selectors import private_starts_with_guides, programme_guides

        # A private date also needs enough free guides speaking the language.
        if private_starts_with_guides not in private_slot_checks:
            private_slot_checks.append(private_starts_with_guides)
        # The programme lists the departure's guides (the design's "guides and contact").
        if programme_guides not in programme_sections:
            programme_sections.append(programme_guides)

        # The departures' admin lists guides assigned and needed, and shows the assignments.
        from guides.admin import DEPARTURE_GUIDES
        from itineraries.admin import departure_admin_parts

        departure_admin_parts.register(DEPARTURE_GUIDES)
