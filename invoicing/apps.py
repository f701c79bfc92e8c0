from django.apps import AppConfig, apps


class InvoicingConfig(AppConfig):
    name = "invoicing"
    verbose_name = "Facturation"

    def ready(self) -> None:
        from invoicing import receivers

        # The payments app may be absent (it is optional for invoicing): import it lazily.
        if apps.is_installed("payments"):
            from payments.signals import (  # type: ignore[import-not-found,unused-ignore]
                payment_succeeded_in_transaction,
            )

            payment_succeeded_in_transaction.connect(
                receivers.record_invoice_for_payment,
                dispatch_uid="invoicing.record_invoice_for_payment",
            )
