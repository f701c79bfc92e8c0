from django.apps import AppConfig


class EinvoicingConfig(AppConfig):
    name = "einvoicing"
    verbose_name = "Facturation électronique"

    def ready(self) -> None:
        from bookings.api.answers import booking_answer_parts
        from bookings.placement import placement_checks
        from core.health import health_reports
        from einvoicing.answers import BOOKING_INVOICE_DELIVERIES, INVOICE_DELIVERY
        from einvoicing.health import chorus_pro_health
        from einvoicing.placement import placement_check_public_buyer
        from einvoicing.services import chorus_pro_delivery
        from invoicing.api import invoice_answer_parts
        from invoicing.services import invoice_delivery_channels

        # Invoices to public buyers go to Chorus Pro when it is configured (docs/einvoicing.md).
        invoice_delivery_channels.register(chorus_pro_delivery)
        health_reports.register(chorus_pro_health)
        # A buyer Chorus Pro knows gives the service code / commitment number it requires.
        placement_checks.register(placement_check_public_buyer)
        # Where each invoice went and how it stands: the group's booking page, the staff API.
        booking_answer_parts.register(BOOKING_INVOICE_DELIVERIES)
        invoice_answer_parts.register(INVOICE_DELIVERY)
