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
        if refunds_in_flight_cents not in refunds_in_flight:
            refunds_in_flight.append(refunds_in_flight_cents)

        # GDPR: no erasure while money is open; payments and refunds in the group's download.
        if money_open not in erasure_checks:
            erasure_checks.append(money_open)
        if payments_personal_data not in personal_data_sections:
            personal_data_sections.append(payments_personal_data)

        # The amounts of every booking answer, and placing a card booking.
        from bookings.api import booking_answer_parts, created_booking_answer_parts
        from bookings.placement import placement_checks, placement_steps
        from payments.api import BOOKING_PAYMENTS, CREATED_BOOKING_CHECKOUT
        from payments.services import placement_check_card, placement_open_checkout

        booking_answer_parts.register(BOOKING_PAYMENTS)
        created_booking_answer_parts.register(CREATED_BOOKING_CHECKOUT)
        placement_checks.register(placement_check_card)
        placement_steps.register(placement_open_checkout)
