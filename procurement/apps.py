from django.apps import AppConfig


class ProcurementConfig(AppConfig):
    name = "procurement"
    verbose_name = "Devis"

    def ready(self) -> None:
        from invoicing.services import (
            invoice_deposit_rules,
            invoice_issue_checks,
            invoice_terms_rules,
        )
        from procurement.invoice_terms import (
            quoted_deposit,
            quoted_invoice_terms,
            service_certified_before_final_invoice,
        )

        # A public buyer's invoice waits for the certified delivery; a quoted booking's
        # invoice states the quote's terms (docs/procurement.md, "Certified delivery").
        invoice_issue_checks.register(service_certified_before_final_invoice)
        invoice_terms_rules.register(quoted_invoice_terms)
        # Its deposit invoice asks for the quote's deposit (docs/procurement.md, "Deposits").
        invoice_deposit_rules.register(quoted_deposit)
