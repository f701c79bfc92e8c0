"""The real Chorus Pro client against the loopback fake: token, structures, deposit, statuses,
and the portal's faults turned into the three exceptions callers act on."""

from __future__ import annotations

import socket
from dataclasses import replace
from typing import Any

import pytest

from einvoicing.chorus_pro import (
    ChorusProBadCredentials,
    ChorusProClient,
    ChorusProConfig,
    ChorusProRefused,
    ChorusProUnavailable,
    client_from_settings,
    last_state,
)
from tests.fakes.chorus_pro import PASSWORD, FakeChorusPro

SIRET = "21620041600016"
PDF = b"%PDF-1.7 a Factur-X invoice"


def _client() -> ChorusProClient:
    client = client_from_settings()
    assert client is not None
    return client


def test_without_its_settings_the_channel_is_off(chorus_pro: FakeChorusPro, settings: Any) -> None:
    assert client_from_settings() is not None
    settings.CHORUS_PRO_CLIENT_SECRET = ""
    assert client_from_settings() is None


def test_the_token_is_fetched_once_and_renewed_when_the_portal_says_it_expired(
    chorus_pro: FakeChorusPro,
) -> None:
    chorus_pro.add_structure(SIRET)
    client = _client()
    for _ in range(3):
        assert client.structure_search(SIRET) is not None
    assert chorus_pro.token_requests == 1

    chorus_pro.expire_tokens()
    assert client.structure_search(SIRET) is not None  # 401, a new token, the same call again
    assert chorus_pro.token_requests == 2
    assert chorus_pro.rejected == []


def test_structure_search_details_flags_and_services(chorus_pro: FakeChorusPro) -> None:
    made = chorus_pro.add_structure(
        SIRET,
        name="Mairie d'Arras",
        service_code_required=True,
        commitment_required=True,
        services=[
            {"codeService": "SERV-01", "libelleService": "Culture", "estActif": True},
            {"codeService": "OLD", "libelleService": "Ancien", "estActif": False},
        ],
    )
    chorus_pro.add_structure("21590350100017", name="Mairie de Lille")
    client = _client()

    found = client.structure_search(SIRET)
    assert found is not None
    assert (found.id_cpp, found.name) == (made.id_cpp, "Mairie d'Arras")
    assert client.structure_search("44306184100047") is None

    details = client.structure_details(found.id_cpp)
    assert details.service_code_required and details.commitment_number_required
    plain = client.structure_details(chorus_pro.structures["21590350100017"].id_cpp)
    assert not plain.service_code_required and not plain.commitment_number_required

    services = client.structure_services(found.id_cpp)
    assert [(s.code, s.active) for s in services] == [("SERV-01", True), ("OLD", False)]
    assert chorus_pro.rejected == []


def test_a_deposited_flux_is_followed_along_the_timeline_to_paid(
    chorus_pro: FakeChorusPro,
) -> None:
    chorus_pro.timeline("MISE_A_DISPOSITION", "SERVICE_FAIT", "MANDATEE", "MISE_EN_PAIEMENT")
    client = _client()
    deposit = client.deposit_flux(file_name="F2026-000001.pdf", pdf=PDF)
    assert deposit.flux_number in chorus_pro.fluxes
    assert chorus_pro.invoices["F2026-000001"].pdf == PDF
    sent = chorus_pro.calls("/cpro/factures/v1/deposer/flux")[0]
    assert sent["syntaxeFlux"] == "IN_DP_E2_CII_FACTURX"

    found = client.invoice_find("F2026-000001")
    assert found is not None and found.status == "DEPOSEE"
    assert client.invoice_find("F2026-999999") is None
    seen = [client.invoice_status(found.id_cpp).status for _ in range(5)]
    assert seen == ["DEPOSEE", "MISE_A_DISPOSITION", "SERVICE_FAIT", "MANDATEE", "MISE_EN_PAIEMENT"]


def test_a_rejection_carries_the_portals_reason(chorus_pro: FakeChorusPro) -> None:
    chorus_pro.timeline(("REJETEE", "Code service obligatoire absent"))
    client = _client()
    client.deposit_flux(file_name="F2026-000002.pdf", pdf=PDF)
    found = client.invoice_find("F2026-000002")
    assert found is not None
    client.invoice_status(found.id_cpp)
    rejected = client.invoice_status(found.id_cpp)
    assert (rejected.status, rejected.reason) == ("REJETEE", "Code service obligatoire absent")


def test_a_refused_request_raises_refused_with_the_reason(chorus_pro: FakeChorusPro) -> None:
    with pytest.raises(ChorusProRefused) as refused:
        _client().structure_details(12345)
    assert refused.value.reason == "Structure inconnue"


@pytest.mark.parametrize("status", [500, 429])
def test_throttling_and_server_errors_are_unavailable(
    chorus_pro: FakeChorusPro, status: int
) -> None:
    client = _client()
    chorus_pro.fail_next(1, status)
    with pytest.raises(ChorusProUnavailable, match=str(status)):
        client.structure_search(SIRET)
    assert last_state() == "error: unavailable"
    assert client.structure_search(SIRET) is None  # the next call goes through
    assert last_state() == "ok"


def test_wrong_client_secret_or_technical_account_are_bad_credentials(
    chorus_pro: FakeChorusPro,
) -> None:
    config = ChorusProConfig.from_settings()
    assert config is not None
    with pytest.raises(ChorusProBadCredentials):
        ChorusProClient(replace(config, client_secret="wrong")).structure_search(SIRET)
    with pytest.raises(ChorusProBadCredentials):
        ChorusProClient(replace(config, password="wrong")).structure_search(SIRET)
    assert last_state() == "error: bad credentials"
    assert PASSWORD not in repr(config)


def test_a_closed_port_is_unavailable_within_the_timeout(chorus_pro: FakeChorusPro) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = ChorusProConfig.from_settings()
    assert config is not None
    closed = replace(config, oauth_url=f"http://127.0.0.1:{port}/api/oauth/token")
    with pytest.raises(ChorusProUnavailable, match="unreachable"):
        ChorusProClient(closed).structure_search(SIRET)
