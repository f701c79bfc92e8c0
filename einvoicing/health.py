"""The Chorus Pro channel in ``/healthz`` (``core.health_reports``): reported, never failing
the whole site."""

from __future__ import annotations

from einvoicing.chorus_pro import ChorusProConfig, last_state


def chorus_pro_health() -> dict[str, str]:
    """``{"chorus_pro": state}`` when configured: the outcome of the last call to the portal
    (``ok``, ``error: bad credentials``, ``error: unavailable``) or ``configured`` before any."""
    if ChorusProConfig.from_settings() is None:
        return {}
    return {"chorus_pro": last_state() or "configured"}
