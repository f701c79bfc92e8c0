"""The e-invoicing reform's dates, and what it asks of the seller on a given day.

Facts (../shared/STANDARDS.md, docs/invoicing.md "The e-invoicing reform"): every French
company must be able to receive electronic invoices through an accredited platform (PA) from
1 September 2026; large and mid-sized companies (ETI) must issue them through one from
1 September 2026, small and medium-sized companies and micro-enterprises from 1 September 2027.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext_lazy as _

from einvoicing.models import CompanySize, PlatformSettings

RECEIVING_FROM = date(2026, 9, 1)
ISSUING_FROM = {
    CompanySize.LARGE: date(2026, 9, 1),
    CompanySize.MID: date(2026, 9, 1),
    CompanySize.SME: date(2027, 9, 1),
}


@dataclass(frozen=True)
class ReformStatus:
    receiving_from: date
    issuing_from: date
    to_do: tuple[str, ...]  # what the operator still has to do, in the active language


def platform_settings() -> PlatformSettings:
    """The one row, unsaved defaults when the office has not filled it in (never written
    here: a read must not create it)."""
    return PlatformSettings.objects.filter(pk=1).first() or PlatformSettings(pk=1)


def reform_status(*, settings: PlatformSettings, today: date) -> ReformStatus:
    issuing_from = ISSUING_FROM[CompanySize(settings.company_size)]
    to_do: list[str] = []
    if not settings.receiving_platform:
        to_do.append(
            _("Choose an accredited platform to receive supplier invoices (due since %(date)s).")
            % {"date": RECEIVING_FROM.strftime("%d/%m/%Y")}
            if today >= RECEIVING_FROM
            else _("Choose an accredited platform to receive supplier invoices before %(date)s.")
            % {"date": RECEIVING_FROM.strftime("%d/%m/%Y")}
        )
    if not settings.directory_registered:
        to_do.append(str(_("Have the platform register the seller in the invoicing directory.")))
    if not settings.issues_through_platform:
        to_do.append(
            _("Issue invoices through an accredited platform (compulsory since %(date)s).")
            % {"date": issuing_from.strftime("%d/%m/%Y")}
            if today >= issuing_from
            else _("Issue invoices through an accredited platform from %(date)s.")
            % {"date": issuing_from.strftime("%d/%m/%Y")}
        )
    from einvoicing.platforms import platform_problem

    if platform_problem(settings):
        to_do.append(
            _(
                "Invoices do not go through %(platform)s yet: no adapter is configured for it "
                "(choose its API and set its address and key); they go by Chorus Pro or e-mail."
            )
            % {"platform": settings.issuing_platform}
        )
    return ReformStatus(
        receiving_from=RECEIVING_FROM, issuing_from=issuing_from, to_do=tuple(to_do)
    )
