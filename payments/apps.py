from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = "Paiements"

    def ready(self) -> None:
        from bookings.retention import erasure_checks, personal_data_sections
        from bookings.selectors import refunds_in_flight
        from payments import receivers  # noqa: F401  (connects the signal receivers)
        from payments.retention import money_open, payments_personal_data
        from payments.selectors import refunds_in_flight_cents

        # The cancellation policy applies to what was paid minus the refunds not yet paid back.
        refunds_in_flight.register(refunds_in_flight_cents)

        # GDPR: no erasure while money is open; payments and refunds in the group's download.
        erasure_checks.register(money_open)
        personal_data_sections.register(payments_personal_data)

        # The amounts of every booking answer, and placing a card booking.
        from bookings.api import booking_answer_parts, created_booking_answer_parts
        from bookings.placement import placement_checks, placement_steps
        from payments.api import BOOKING_PAYMENTS, CREATED_BOOKING_CHECKOUT
        from payments.services import placement_check_card, placement_open_checkout

        booking_answer_parts.register(BOOKING_PAYMENTS)
        created_booking_answer_parts.register(CREATED_BOOKING_CHECKOUT)
        placement_checks.register(placement_check_card)
        placement_steps.register(placement_open_checkout)
