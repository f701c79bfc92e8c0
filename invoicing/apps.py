from django.apps import AppConfig, apps


class InvoicingConfig(AppConfig):
    name = "invoicing"
    verbose_name = "Facturation"

    def ready(self) -> None:
        from bookings.retention import erasure_checks, personal_data_sections
        from bookings.selectors import booking_list_annotations, invoiced_net
        from invoicing import receivers
        from invoicing.certificates import certificate_issuer
        from invoicing.retention import invoice_unpaid, invoices_personal_data
        from invoicing.selectors import booking_invoiced_net_cents, with_invoiced_net
        from visits.certificates import certificate_issuers

        # The booking's answer says what its invoices still claim (a cancellation fee).
        invoiced_net.register(booking_invoiced_net_cents)
        booking_list_annotations.register(with_invoiced_net)

        # The visits' certificates of attendance name the seller as the invoices do.
        certificate_issuers.register(certificate_issuer)

        # GDPR: no erasure while an invoice is unpaid; the invoices in the group's download.
        erasure_checks.register(invoice_unpaid)
        personal_data_sections.register(invoices_personal_data)

        # The payments app may be absent (it is optional for invoicing): import it lazily.
        if apps.is_installed("payments"):
            from payments.signals import (  # type: ignore[import-not-found,unused-ignore]
                payment_succeeded_in_transaction,
            )

            payment_succeeded_in_transaction.connect(
                receivers.record_invoice_for_payment,
                dispatch_uid="invoicing.record_invoice_for_payment",
            )
