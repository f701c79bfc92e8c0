"""The Chorus Pro channel in ``/healthz`` (``core.health_reports``): reported, never failing
the whole site."""

from __future__ import annotations

from django.db import DatabaseError

from einvoicing.chorus_pro import ChorusProConfig, last_state


def chorus_pro_health() -> dict[str, str]:
    """``{"chorus_pro": state}`` when configured: the outcome of the last call to the portal
    (``ok``, ``error: bad credentials``, ``error: unavailable``) or ``configured`` before any.
    ``{"platform": state}`` when the seller issues through an accredited platform: the same
    states, or ``error: no adapter for <its name>`` / ``error: adapter ... not configured``
    (its invoices then go by Chorus Pro or e-mail)."""
    from einvoicing import platforms

    report: dict[str, str] = {}
    if ChorusProConfig.from_settings() is not None:
        report["chorus_pro"] = last_state() or "configured"
    try:
        problem = platforms.platform_problem()
        if problem:
            report["platform"] = f"error: {problem}"
        elif platforms.platform_active() is not None:
            report["platform"] = platforms.last_state() or "configured"
    except DatabaseError:  # the database's own check reports it
        pass
    return report
