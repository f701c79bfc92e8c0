from django.apps import AppConfig, apps


class InvoicingConfig(AppConfig):
    name = "invoicing"
    verbose_name = "Facturation"

    def ready(self) -> None:
        from bookings.retention import erasure_checks, personal_data_sections
        from bookings.selectors import booking_list_annotations, invoiced_net
        from invoicing import receivers
        from invoicing.retention import invoice_unpaid, invoices_personal_data
        from invoicing.selectors import booking_invoiced_net_cents, with_invoiced_net

        # The booking's answer says what its invoices still claim (a cancellation fee).
        if booking_invoiced_net_cents not in invoiced_net:
            invoiced_net.append(booking_invoiced_net_cents)
        if with_invoiced_net not in booking_list_annotations:
            booking_list_annotations.append(with_invoiced_net)

        # GDPR: no erasure while an invoice is unpaid; the invoices in the group's download.
        if invoice_unpaid not in erasure_checks:
            erasure_checks.append(invoice_unpaid)
        if invoices_personal_data not in personal_data_sections:
            personal_data_sections.append(invoices_personal_data)

        # The payments app may be absent (it is optional for invoicing): import it lazily.
        if apps.is_installed("payments"):
            from payments.signals import (  # type: ignore[import-not-found,unused-ignore]
                payment_succeeded_in_transaction,
            )

            payment_succeeded_in_transaction.connect(
                receivers.record_invoice_for_payment,
                dispatch_uid="invoicing.record_invoice_for_payment",
            )
