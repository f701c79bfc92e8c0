"""A small typed client of Chorus Pro's REST API (through PISTE), for the few calls needed.

Every call is ``POST <CHORUS_PRO_API_URL>/cpro/...`` with a JSON body, an OAuth2 bearer token
(client credentials, from ``CHORUS_PRO_OAUTH_URL``) and the technical account's header
``cpro-account: base64(login:password)``. The token is cached in the process until shortly
before it expires, and fetched again once when the portal answers 401 (expired early).

Faults come out as three exceptions, so that callers decide without reading HTTP codes:
``ChorusProUnavailable`` (timeout, connection refused, 429, 5xx: retry later),
``ChorusProBadCredentials`` (the PISTE client or the technical account is refused: staff must
fix the configuration) and ``ChorusProRefused`` (the portal refused the request itself, with
its reason: retrying the same request will not help). Secrets never appear in a message.

``requests`` is used because it is already in requirements.lock (through stripe and factur-x).
Sources of the paths and fields: docs/einvoicing.md.
"""

from __future__ import annotations

import base64
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import requests
from django.conf import settings
from django.core.cache import cache

SYNTAX_FACTURX = "IN_DP_E2_CII_FACTURX"  # a Factur-X PDF/A-3 (the CII syntax), flux E2
TOKEN_MARGIN_SECONDS = 60  # a token is renewed this long before its announced expiry


class ChorusProError(Exception):
    """Something went wrong talking to Chorus Pro."""


class ChorusProUnavailable(ChorusProError):
    """The portal did not answer, answered too slowly, throttled (429) or failed (5xx)."""


class ChorusProBadCredentials(ChorusProError):
    """The PISTE client id/secret or the technical account's login/password are refused."""


class ChorusProRefused(ChorusProError):
    """The portal refused the request; ``reason`` is its own words."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class ChorusProConfig:
    api_url: str
    oauth_url: str
    client_id: str
    client_secret: str = field(repr=False)
    login: str
    password: str = field(repr=False)
    supplier_id: str
    timeout: float = 20.0

    @classmethod
    def from_settings(cls) -> ChorusProConfig | None:
        """The configuration, or None when any of the seven settings is empty (channel off)."""
        values = {
            "api_url": settings.CHORUS_PRO_API_URL,
            "oauth_url": settings.CHORUS_PRO_OAUTH_URL,
            "client_id": settings.CHORUS_PRO_CLIENT_ID,
            "client_secret": settings.CHORUS_PRO_CLIENT_SECRET,
            "login": settings.CHORUS_PRO_LOGIN,
            "password": settings.CHORUS_PRO_PASSWORD,
            "supplier_id": settings.CHORUS_PRO_SUPPLIER_ID,
        }
        if not all(values.values()):
            return None
        return cls(**values, timeout=settings.CHORUS_PRO_TIMEOUT_SECONDS)


@dataclass(frozen=True)
class StructureSummary:
    id_cpp: int
    siret: str
    name: str


@dataclass(frozen=True)
class StructureDetails:
    id_cpp: int
    siret: str
    name: str
    service_code_required: bool
    commitment_number_required: bool


@dataclass(frozen=True)
class StructureService:
    code: str
    name: str
    active: bool


@dataclass(frozen=True)
class Deposit:
    flux_number: str
    deposited_on: str


@dataclass(frozen=True)
class PortalInvoice:
    id_cpp: int
    number: str
    status: str
    reason: str = ""


@dataclass(frozen=True)
class Complement:
    """A file uploaded to the portal (``attachment_add``), referenced by a completion."""

    attachment_id: int
    name: str


# The type given to a suspended invoice's complementary attachment. To check in qualification:
# the portal lists its attachment types with /cpro/transverses/v1/recuperer/typespj
# (typeObjet FACTURE); "AUTRE" is assumed to be among them.
COMPLEMENT_TYPE = "AUTRE"


# Tokens, per (token endpoint, client id): shared by the clients of one process.
_TOKENS: dict[tuple[str, str], tuple[str, float]] = {}
_TOKENS_LOCK = threading.Lock()


STATE_KEY = "einvoicing:chorus-pro:last-state"


def _note_state(state: str) -> None:
    cache.set(STATE_KEY, state, timeout=None)


def last_state() -> str | None:
    """How the last call to the portal went: ``ok``, ``error: ...``, or None (no call yet)."""
    value = cache.get(STATE_KEY)
    return str(value) if value is not None else None


def forget_tokens() -> None:
    with _TOKENS_LOCK:
        _TOKENS.clear()


class ChorusProClient:
    def __init__(self, config: ChorusProConfig, session: requests.Session | None = None) -> None:
        self.config = config
        self.session = session or requests.Session()

    # --- Authentication -----------------------------------------------------------------

    def _token(self, *, renew: bool = False) -> str:
        key = (self.config.oauth_url, self.config.client_id)
        with _TOKENS_LOCK:
            cached = _TOKENS.get(key)
            if cached and not renew and cached[1] > time.monotonic():
                return cached[0]
        answer = self._send(
            self.config.oauth_url,
            data={
                "grant_type": "client_credentials",
                "client_id": self.config.client_id,
                "client_secret": self.config.client_secret,
                "scope": "openid",
            },
        )
        if answer.status_code in (400, 401, 403):
            raise ChorusProBadCredentials("PISTE refused the client id or secret")
        self._raise_for_outage(answer)
        body = self._json(answer)
        token = str(body.get("access_token") or "")
        if not token:
            raise ChorusProUnavailable("PISTE answered without an access token")
        lifetime = max(int(body.get("expires_in") or 0) - TOKEN_MARGIN_SECONDS, 0)
        with _TOKENS_LOCK:
            _TOKENS[key] = (token, time.monotonic() + lifetime)
        return token

    def _account_header(self) -> str:
        pair = f"{self.config.login}:{self.config.password}".encode()
        return base64.b64encode(pair).decode()

    # --- Transport ----------------------------------------------------------------------

    def _send(self, url: str, **kwargs: Any) -> requests.Response:
        try:
            return self.session.post(url, timeout=self.config.timeout, **kwargs)
        except requests.RequestException as exc:
            # The exception's text may hold the URL, never a secret (they travel in the body
            # and headers); only its class is kept anyway.
            raise ChorusProUnavailable(
                f"Chorus Pro unreachable ({exc.__class__.__name__})"
            ) from exc

    @staticmethod
    def _raise_for_outage(answer: requests.Response) -> None:
        if answer.status_code == 429:
            raise ChorusProUnavailable("Chorus Pro throttled the request (429)")
        if answer.status_code >= 500:
            raise ChorusProUnavailable(f"Chorus Pro failed ({answer.status_code})")

    @staticmethod
    def _json(answer: requests.Response) -> dict[str, Any]:
        try:
            body = answer.json()
        except ValueError as exc:
            raise ChorusProUnavailable("Chorus Pro answered something that is not JSON") from exc
        if not isinstance(body, dict):
            raise ChorusProUnavailable("Chorus Pro answered something that is not an object")
        return body

    def call(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """POST ``body`` to ``path`` (``/cpro/...``) and return the portal's answer.

        The outcome (reached, unavailable, credentials refused) is noted for the health check
        (``last_state``)."""
        try:
            answer = self._call(path, body)
        except ChorusProBadCredentials:
            _note_state("error: bad credentials")
            raise
        except ChorusProUnavailable:
            _note_state("error: unavailable")
            raise
        _note_state("ok")
        return answer

    def _call(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        url = self.config.api_url.rstrip("/") + path
        answer = None
        for renew in (False, True):
            headers = {
                "Authorization": f"Bearer {self._token(renew=renew)}",
                "cpro-account": self._account_header(),
                "Accept": "application/json",
            }
            answer = self._send(url, json=body, headers=headers)
            if answer.status_code != 401:
                break
        assert answer is not None
        if answer.status_code in (401, 403):
            raise ChorusProBadCredentials("Chorus Pro refused the technical account")
        self._raise_for_outage(answer)
        data = self._json(answer)
        if answer.status_code >= 400 or int(data.get("codeRetour") or 0) != 0:
            raise ChorusProRefused(str(data.get("libelle") or f"HTTP {answer.status_code}"))
        return data

    # --- Structures (the public buyers) -------------------------------------------------

    def structure_search(self, siret: str) -> StructureSummary | None:
        """The structure registered under ``siret``, or None."""
        data = self.call(
            "/cpro/structures/v1/rechercher",
            {
                "structure": {"identifiantStructure": siret, "typeIdentifiantStructure": "SIRET"},
                "restreindreStructuresPrivees": False,
                "parametres": {"nbResultatsParPage": 10, "pageResultatDemandee": 1},
            },
        )
        for row in data.get("listeStructures") or []:
            if row.get("identifiantStructure") == siret:
                return StructureSummary(
                    id_cpp=int(row["idStructureCPP"]),
                    siret=siret,
                    name=str(row.get("designationStructure") or ""),
                )
        return None

    def structure_details(self, id_cpp: int) -> StructureDetails:
        data = self.call(
            "/cpro/structures/v1/consulter", {"idStructure": id_cpp, "codeLangue": "FR"}
        )
        general = data.get("informationGenerales") or {}
        flags = data.get("parametres") or {}
        return StructureDetails(
            id_cpp=id_cpp,
            siret=str(general.get("identifiantStructure") or ""),
            name=str(general.get("raisonSocialeStructure") or ""),
            service_code_required=bool(flags.get("codeServiceDoitEtreRenseigne")),
            commitment_number_required=bool(flags.get("numeroEJDoitEtreRenseigne")),
        )

    def structure_services(self, id_cpp: int) -> list[StructureService]:
        data = self.call(
            "/cpro/structures/v1/rechercher/services",
            {
                "idStructure": id_cpp,
                "parametresRechercherServicesStructure": {
                    "nbResultatsParPage": 100,
                    "pageResultatDemandee": 1,
                },
            },
        )
        return [
            StructureService(
                code=str(row.get("codeService") or ""),
                name=str(row.get("libelleService") or ""),
                active=bool(row.get("estActif")),
            )
            for row in data.get("listeServices") or []
        ]

    # --- Invoices -----------------------------------------------------------------------

    def deposit_flux(self, *, file_name: str, pdf: bytes) -> Deposit:
        """Deposit one Factur-X PDF as a flux; the portal reads the invoice from its XML."""
        data = self.call(
            "/cpro/factures/v1/deposer/flux",
            {
                "idUtilisateurCourant": 0,
                "fichierFlux": base64.b64encode(pdf).decode(),
                "nomFichier": file_name,
                "syntaxeFlux": SYNTAX_FACTURX,
                "avecSignature": False,
            },
        )
        flux = str(data.get("numeroFluxDepot") or "")
        if not flux:
            raise ChorusProUnavailable("Chorus Pro accepted the flux without a flux number")
        return Deposit(flux_number=flux, deposited_on=str(data.get("dateDepot") or ""))

    def invoice_find(self, number: str) -> PortalInvoice | None:
        """The supplier's invoice numbered ``number`` at the portal, or None (not yet there)."""
        data = self.call(
            "/cpro/factures/v1/rechercher/fournisseur",
            {"numeroFacture": number, "idFournisseur": int(self.config.supplier_id)},
        )
        for row in data.get("listeFactures") or []:
            if row.get("numeroFacture") == number:
                return PortalInvoice(
                    id_cpp=int(row["identifiantFactureCPP"]),
                    number=number,
                    status=str(row.get("statut") or ""),
                )
        return None

    def invoice_status(self, id_cpp: int) -> PortalInvoice:
        """The invoice's current status at the portal, and its reason (a rejection's)."""
        data = self.call(
            "/cpro/factures/v1/consulter/fournisseur",
            {"identifiantFactureCPP": id_cpp, "codeLangue": "FR"},
        )
        invoice = data.get("facture") or {}
        return PortalInvoice(
            id_cpp=id_cpp,
            number=str(invoice.get("numeroFacture") or ""),
            status=str(invoice.get("statutFacture") or ""),
            reason=str(invoice.get("commentaire") or ""),
        )

    def attachment_add(self, *, name: str, content: bytes, mime: str, extension: str) -> int:
        """Upload a file to the portal (``/cpro/transverses/v1/ajouter/fichier``: its base64
        ``pieceJointeFichier``, ``pieceJointeNom``, ``pieceJointeTypeMime`` and
        ``pieceJointeExtension``); the portal's ``pieceJointeId``, for a later call to
        reference it."""
        data = self.call(
            "/cpro/transverses/v1/ajouter/fichier",
            {
                "idUtilisateurCourant": 0,
                "pieceJointeFichier": base64.b64encode(content).decode(),
                "pieceJointeNom": name,
                "pieceJointeTypeMime": mime,
                "pieceJointeExtension": extension,
            },
        )
        attachment_id = int(data.get("pieceJointeId") or 0)
        if not attachment_id:
            raise ChorusProUnavailable("Chorus Pro took the file without an attachment id")
        return attachment_id

    def invoice_complete(
        self, id_cpp: int, comment: str, complements: tuple[Complement, ...] = ()
    ) -> str:
        """Complete a suspended invoice (``SUSPENDUE``) with a comment and the files uploaded
        first (``/cpro/factures/v1/completer``: ``identifiantFactureCPP``, ``commentaire``,
        ``pieceJointeComplementaire``); the portal's answer."""
        body: dict[str, Any] = {
            "identifiantFactureCPP": id_cpp,
            "commentaire": comment,
            "idUtilisateurCourant": 0,
        }
        if complements:
            body["pieceJointeComplementaire"] = [
                {
                    "pieceJointeComplementaireId": c.attachment_id,
                    "pieceJointeComplementaireDesignation": c.name,
                    "pieceJointeComplementaireType": COMPLEMENT_TYPE,
                }
                for c in complements
            ]
        data = self.call("/cpro/factures/v1/completer", body)
        return str(data.get("libelle") or "")


def client_from_settings() -> ChorusProClient | None:
    """A client configured from the settings, or None when the channel is off."""
    config = ChorusProConfig.from_settings()
    return ChorusProClient(config) if config else None
