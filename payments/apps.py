from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = "Paiements"

    def ready(self) -> None:
        from bookings.selectors import refunds_in_flight
        from payments import receivers  # noqa: F401  (connects the signal receivers)
        from payments.selectors import refunds_in_flight_cents

        # The cancellation policy applies to what was paid minus the refunds not yet paid back.
        if refunds_in_flight_cents not in refunds_in_flight:
            refunds_in_flight.append(refunds_in_flight_cents)
