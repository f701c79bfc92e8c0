from django.apps import AppConfig


class BookingsConfig(AppConfig):
    name = "bookings"
    verbose_name = "Réservations"

    def ready(self) -> None:
        from bookings import receivers  # noqa: F401  (connects the signal receivers)
        from bookings.api import DEPARTURE_SEATS, bookings_cancelled
        from itineraries.api import departure_answer_parts, departure_cancel_answers

        # Departures show their seats left; a cancelled departure names the bookings it took.
        departure_answer_parts.register(DEPARTURE_SEATS)
        departure_cancel_answers.register(bookings_cancelled)

        from bookings.admin import DEPARTURE_SEATS_COLUMN
        from itineraries.admin import departure_admin_parts

        departure_admin_parts.register(DEPARTURE_SEATS_COLUMN)
