from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VisitsConfig(AppConfig):
    """The visit day (issue 18): scheduled messages to the groups, the go/no-go of public
    departures, the guide's manifests and check-in (docs/visits.md). Above bookings, guides
    and payments in the import order (docs/architecture.md)."""

    name = "visits"
    verbose_name = _("Visits")

    def ready(self) -> None:
        from bookings.api.answers import booking_answer_parts
        from bookings.retention import personal_data_sections
        from itineraries.admin import departure_admin_parts
        from visits import receivers  # noqa: F401  (connects the signal receivers)
        from visits.admin import DEPARTURE_MANIFEST
        from visits.answers import BOOKING_GO_NO_GO
        from visits.certificates import certificates_personal_data

        booking_answer_parts.register(BOOKING_GO_NO_GO)
        personal_data_sections.register(certificates_personal_data)
        departure_admin_parts.register(DEPARTURE_MANIFEST)
