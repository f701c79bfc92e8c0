"""A loopback fake of the few Chorus Pro (PISTE) endpoints the einvoicing app calls.

It runs a threaded ``http.server`` on 127.0.0.1 (a free port) and checks each request as the
portal does (docs/einvoicing.md lists the sources of the paths and fields):

- ``POST /api/oauth/token`` (the PISTE OAuth server): ``grant_type=client_credentials`` with the
  client id and secret, answers ``{"access_token", "token_type": "bearer", "expires_in"}``;
- every ``POST /cpro/...`` call needs ``Authorization: Bearer <a live token>`` (else 401) and
  ``cpro-account: base64(login:password)`` of the technical account (else 401);
- ``/cpro/structures/v1/rechercher`` (by SIRET), ``/cpro/structures/v1/consulter`` (with the
  ``codeServiceDoitEtreRenseigne`` and ``numeroEJDoitEtreRenseigne`` flags),
  ``/cpro/structures/v1/rechercher/services``;
- ``/cpro/factures/v1/deposer/flux`` (a base64 Factur-X PDF, syntax ``IN_DP_E2_CII_FACTURX``),
  answers a ``numeroFluxDepot``; the invoice it carries is then found by its number with
  ``/cpro/factures/v1/rechercher/fournisseur``, and read with
  ``/cpro/factures/v1/consulter/fournisseur``, whose status follows the timeline the test set
  (``timeline``), one step per consultation, and whose rejection carries a reason;
- ``/cpro/transverses/v1/ajouter/fichier`` (a base64 file, its name, MIME type and extension)
  answers a ``pieceJointeId``; ``/cpro/factures/v1/completer`` completes a suspended invoice
  with a comment and the uploaded files it references (``pieceJointeComplementaire``).

Faults the test controls: ``fail_next(count, status)`` answers 500 or 429 to the next requests,
``expire_tokens()`` makes every token given so far stale (401), ``down()`` closes nothing but
answers 503 to everything, ``stop()`` shuts the server (connection refused, as when the portal
is unreachable). Requests it refuses are recorded in ``rejected``.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

import facturx
import pytest
from lxml import etree

CLIENT_ID = "piste-client-loopback"
CLIENT_SECRET = "piste-secret-loopback"
LOGIN = "TECH_loopback@cpro.fr"
PASSWORD = "tech-password-loopback"
SUPPLIER_ID = 25_000_001
TOKEN_LIFETIME = 3600
CII = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
}


@dataclass
class Structure:
    id_cpp: int
    siret: str
    name: str
    service_code_required: bool = False
    commitment_required: bool = False
    services: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class PortalInvoice:
    id_cpp: int
    number: str
    flux: str
    pdf: bytes
    timeline: list[tuple[str, str]]  # (status, reason) still to come
    status: str = "DEPOSEE"
    reason: str = ""
    type_code: str = ""  # the XML's TypeCode (BT-3)
    completions: list[str] = field(default_factory=list)
    # The attachments each completion referenced: [(name, type, bytes)].
    complements: list[list[tuple[str, str, bytes]]] = field(default_factory=list)

    @property
    def type_facture(self) -> str:
        """What the portal makes of BT-3: 381 is a credit note (AVOIR), the rest invoices."""
        return "AVOIR" if self.type_code == "381" else "FACTURE"


@dataclass
class FakeChorusPro:
    port: int = 0
    tokens: set[str] = field(default_factory=set)
    token_requests: int = 0
    structures: dict[str, Structure] = field(default_factory=dict)
    invoices: dict[str, PortalInvoice] = field(default_factory=dict)  # by invoice number
    fluxes: list[str] = field(default_factory=list)
    attachments: dict[int, tuple[str, str, bytes]] = field(default_factory=dict)  # id: name, mime
    requests: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    next_timeline: list[tuple[str, str]] = field(default_factory=list)
    failures: list[int] = field(default_factory=list)
    is_down: bool = False
    server: ThreadingHTTPServer | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)
    _ids: Iterator[int] = field(default_factory=lambda: iter(range(90_000_001, 99_999_999)))

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # --- What the test controls -----------------------------------------------------------

    def add_structure(
        self, siret: str, name: str = "Mairie de Loos-en-Gohelle", **kw: Any
    ) -> Structure:
        structure = Structure(id_cpp=next(self._ids), siret=siret, name=name, **kw)
        self.structures[siret] = structure
        return structure

    def timeline(self, *steps: str | tuple[str, str]) -> None:
        """The statuses the next deposited invoice goes through, one per consultation after
        ``DEPOSEE``: ``"MISE_A_DISPOSITION"`` or ``("REJETEE", "the reason")``."""
        self.next_timeline = [s if isinstance(s, tuple) else (s, "") for s in steps]

    def fail_next(self, count: int = 1, status: int = 500) -> None:
        self.failures.extend([status] * count)

    def expire_tokens(self) -> None:
        self.tokens.clear()

    def down(self, is_down: bool = True) -> None:
        self.is_down = is_down

    def stop(self) -> None:
        """Close the listening socket: every call is refused at the TCP level."""
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def calls(self, path: str) -> list[dict[str, Any]]:
        return [body for p, body in self.requests if p == path]

    # --- The portal's answers ---------------------------------------------------------------

    def token(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        self.token_requests += 1
        if form.get("grant_type") != "client_credentials":
            return 400, {"error": "unsupported_grant_type"}
        if (form.get("client_id"), form.get("client_secret")) != (CLIENT_ID, CLIENT_SECRET):
            return 401, {"error": "invalid_client"}
        token = secrets.token_urlsafe(24)
        self.tokens.add(token)
        return 200, {
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": TOKEN_LIFETIME,
            "scope": "openid",
        }

    def call(self, path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        handler = {
            "/cpro/structures/v1/rechercher": self._search_structures,
            "/cpro/structures/v1/consulter": self._structure,
            "/cpro/structures/v1/rechercher/services": self._services,
            "/cpro/factures/v1/deposer/flux": self._deposit,
            "/cpro/factures/v1/rechercher/fournisseur": self._search_invoices,
            "/cpro/factures/v1/consulter/fournisseur": self._invoice,
            "/cpro/factures/v1/completer": self._complete,
            "/cpro/transverses/v1/ajouter/fichier": self._add_file,
        }.get(path)
        if handler is None:
            return 404, {"codeRetour": 404, "libelle": "Ressource inconnue"}
        return handler(body)

    def _search_structures(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        criteria = body.get("structure") or {}
        if criteria.get("typeIdentifiantStructure") != "SIRET":
            self.rejected.append("structure search without typeIdentifiantStructure SIRET")
            return 400, {"codeRetour": 1, "libelle": "Critère invalide"}
        found = self.structures.get(criteria.get("identifiantStructure", ""))
        rows = (
            [
                {
                    "idStructureCPP": found.id_cpp,
                    "identifiantStructure": found.siret,
                    "typeIdentifiantStructure": "SIRET",
                    "designationStructure": found.name,
                    "statut": "ACTIF",
                }
            ]
            if found
            else []
        )
        return 200, {
            "codeRetour": 0,
            "libelle": "GCU_MSG_01_000",
            "listeStructures": rows,
            "parametresRetour": {"total": len(rows), "pageCourante": 1, "pages": 1},
        }

    def _by_id(self, id_cpp: Any) -> Structure | None:
        return next((s for s in self.structures.values() if s.id_cpp == id_cpp), None)

    def _structure(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        found = self._by_id(body.get("idStructure"))
        if found is None:
            return 400, {"codeRetour": 20001, "libelle": "Structure inconnue"}
        return 200, {
            "codeRetour": 0,
            "libelle": "GCU_MSG_01_000",
            "informationGenerales": {
                "idStructureCPP": found.id_cpp,
                "identifiantStructure": found.siret,
                "typeIdentifiantStructure": "SIRET",
                "raisonSocialeStructure": found.name,
                "structurePriveePublique": "PUBLIQUE",
            },
            "parametres": {
                "codeServiceDoitEtreRenseigne": found.service_code_required,
                "numeroEJDoitEtreRenseigne": found.commitment_required,
                "gestionNumeroEJOuCodeService": False,
            },
        }

    def _services(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        found = self._by_id(body.get("idStructure"))
        if found is None:
            return 400, {"codeRetour": 20001, "libelle": "Structure inconnue"}
        return 200, {
            "codeRetour": 0,
            "libelle": "GCU_MSG_01_000",
            "listeServices": found.services,
            "parametresRetour": {"total": len(found.services), "pageCourante": 1, "pages": 1},
        }

    def _deposit(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if body.get("syntaxeFlux") != "IN_DP_E2_CII_FACTURX":
            self.rejected.append(f"deposit with syntaxeFlux {body.get('syntaxeFlux')!r}")
            return 400, {"codeRetour": 1, "libelle": "Syntaxe du flux invalide"}
        try:
            pdf = base64.b64decode(body.get("fichierFlux", ""), validate=True)
        except ValueError:
            pdf = b""
        if not pdf.startswith(b"%PDF") or not body.get("nomFichier", "").endswith(".pdf"):
            self.rejected.append("deposit without a PDF")
            return 400, {"codeRetour": 1, "libelle": "Fichier invalide"}
        # As the portal: the invoice is read from the Factur-X XML inside the PDF/A-3.
        try:
            _name, xml = facturx.get_xml_from_pdf(pdf, check_xsd=False)
            document = etree.fromstring(xml).find("rsm:ExchangedDocument", CII)
            number = document.findtext("ram:ID", namespaces=CII)
            type_code = document.findtext("ram:TypeCode", namespaces=CII)
        except Exception:  # anything unreadable is refused, as the portal does
            number = type_code = None
        if not number:
            # The client's own tests deposit placeholder bytes: named by the file, type unknown.
            number, type_code = body["nomFichier"].removesuffix(".pdf"), ""
        flux = f"CPP{next(self._ids)}"
        self.fluxes.append(flux)
        self.invoices[number] = PortalInvoice(
            id_cpp=next(self._ids),
            number=number,
            flux=flux,
            pdf=pdf,
            timeline=self.next_timeline,
            type_code=type_code,
        )
        self.next_timeline = []
        return 200, {
            "codeRetour": 0,
            "libelle": "GCU_MSG_01_000",
            "numeroFluxDepot": flux,
            "dateDepot": "2026-11-30",
            "syntaxeFlux": "IN_DP_E2_CII_FACTURX",
        }

    def _add_file(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """A file uploaded for a later call to reference (``pieceJointeId``)."""
        missing = [
            key
            for key in (
                "pieceJointeFichier",
                "pieceJointeNom",
                "pieceJointeTypeMime",
                "pieceJointeExtension",
            )
            if not body.get(key)
        ]
        if missing:
            return 400, {"codeRetour": 20010, "libelle": f"Champ obligatoire : {missing[0]}"}
        try:
            content = base64.b64decode(body["pieceJointeFichier"], validate=True)
        except ValueError:
            return 400, {"codeRetour": 20011, "libelle": "Fichier mal encodé"}
        attachment_id = next(self._ids)
        self.attachments[attachment_id] = (
            str(body["pieceJointeNom"]),
            str(body["pieceJointeTypeMime"]),
            content,
        )
        return 200, {"codeRetour": 0, "libelle": "GCU_MSG_01_000", "pieceJointeId": attachment_id}

    def _complete(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """A supplier completes a suspended invoice (a comment, and attachments uploaded
        first); it becomes COMPLETEE."""
        found = next(
            (i for i in self.invoices.values() if i.id_cpp == body.get("identifiantFactureCPP")),
            None,
        )
        if found is None:
            return 400, {"codeRetour": 20002, "libelle": "Facture inconnue"}
        if found.status != "SUSPENDUE":
            return 400, {"codeRetour": 20003, "libelle": "La facture n'est pas suspendue"}
        if not str(body.get("commentaire") or "").strip():
            return 400, {"codeRetour": 20004, "libelle": "Commentaire obligatoire"}
        complements = []
        for piece in body.get("pieceJointeComplementaire") or []:
            stored = self.attachments.get(piece.get("pieceJointeComplementaireId"))
            if stored is None or not piece.get("pieceJointeComplementaireType"):
                return 400, {"codeRetour": 20005, "libelle": "Pièce jointe inconnue"}
            complements.append(
                (
                    str(piece.get("pieceJointeComplementaireDesignation") or ""),
                    str(piece["pieceJointeComplementaireType"]),
                    stored[2],
                )
            )
        found.status, found.reason = "COMPLETEE", ""
        found.completions.append(str(body["commentaire"]))
        found.complements.append(complements)
        return 200, {
            "codeRetour": 0,
            "libelle": "GCU_MSG_01_000",
            "identifiantFactureCPP": found.id_cpp,
            "numeroFacture": found.number,
        }

    def _search_invoices(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        found = self.invoices.get(body.get("numeroFacture", ""))
        rows = (
            [
                {
                    "identifiantFactureCPP": found.id_cpp,
                    "numeroFacture": found.number,
                    "statut": found.status,
                }
            ]
            if found
            else []
        )
        return 200, {"codeRetour": 0, "libelle": "GCU_MSG_01_000", "listeFactures": rows}

    def _invoice(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        found = next(
            (i for i in self.invoices.values() if i.id_cpp == body.get("identifiantFactureCPP")),
            None,
        )
        if found is None:
            return 400, {"codeRetour": 20002, "libelle": "Facture inconnue"}
        answer = {
            "codeRetour": 0,
            "libelle": "GCU_MSG_01_000",
            "facture": {
                "identifiantFactureCPP": found.id_cpp,
                "numeroFacture": found.number,
                "statutFacture": found.status,
                "typeFacture": found.type_facture,
                "commentaire": found.reason,
            },
        }
        if found.timeline:  # the next consultation sees the next step
            found.status, found.reason = found.timeline.pop(0)
        return 200, answer


def _handler_for(fake: FakeChorusPro) -> type[BaseHTTPRequestHandler]:
    account = base64.b64encode(f"{LOGIN}:{PASSWORD}".encode()).decode()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _answer(self, status: int, body: dict[str, Any]) -> None:
            payload = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            if status == 429:
                self.send_header("Retry-After", "1")
            self.end_headers()
            self.wfile.write(payload)

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
            with fake.lock:
                if fake.is_down:
                    return self._answer(503, {"error": "Service Unavailable"})
                if fake.failures:
                    status = fake.failures.pop(0)
                    return self._answer(status, {"error": "fault injected by the test"})
                if self.path == "/api/oauth/token":
                    return self._answer(*fake.token(dict(parse_qsl(raw))))
                auth = self.headers.get("Authorization", "")
                if not auth.startswith("Bearer ") or auth[7:] not in fake.tokens:
                    return self._answer(401, {"error": "invalid_token"})
                if self.headers.get("cpro-account") != account:
                    fake.rejected.append("a call without the technical account's header")
                    return self._answer(401, {"codeRetour": 401, "libelle": "Compte invalide"})
                try:
                    body = json.loads(raw or "{}")
                except ValueError:
                    return self._answer(400, {"codeRetour": 1, "libelle": "JSON invalide"})
                fake.requests.append((self.path, body))
                return self._answer(*fake.call(self.path, body))

    return Handler


@pytest.fixture
def chorus_pro(settings: Any) -> Iterator[FakeChorusPro]:
    """The fake portal, running, with the settings pointing at it (the channel is on)."""
    fake = FakeChorusPro()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(fake))
    server.daemon_threads = True
    fake.port = server.server_address[1]
    fake.server = server
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.CHORUS_PRO_API_URL = fake.base
    settings.CHORUS_PRO_OAUTH_URL = fake.base + "/api/oauth/token"
    settings.CHORUS_PRO_CLIENT_ID = CLIENT_ID
    settings.CHORUS_PRO_CLIENT_SECRET = CLIENT_SECRET
    settings.CHORUS_PRO_LOGIN = LOGIN
    settings.CHORUS_PRO_PASSWORD = PASSWORD
    settings.CHORUS_PRO_SUPPLIER_ID = str(SUPPLIER_ID)
    settings.CHORUS_PRO_TIMEOUT_SECONDS = 2.0
    try:
        yield fake
    finally:
        fake.stop()
        thread.join(timeout=5)
