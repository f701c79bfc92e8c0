"""Sealed values: AES-256-GCM with a key derived (HKDF-SHA256) from a client's secret and ours.

The idempotency table keeps, for 24 hours, answers that carry secrets (a new booking's token and
its ``?token=`` links). Sealed with a key derived from the client's ``Idempotency-Key`` and
``SECRET_KEY``, such an answer is readable only by a request that presents the key again: a
database dump holds neither (the key is stored as a hash). The server's secret in the
derivation means a short, guessable key does not open a dump either.

``context`` is bound to the sealed bytes (GCM's associated data and HKDF's info): an answer
moved to another row does not open. ``SECRET_KEY_FALLBACKS`` still open what the former key
sealed, so a rotation does not lose the answers in flight.
"""

from __future__ import annotations

import hashlib
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

# The first byte of every sealed value: the format, so that a later one can still open this one.
VERSION = b"\x01"
NONCE_BYTES = 12
INFO_PREFIX = b"voyages-apprenants/sealed/v1:"


def _derive(*, client_secret: bytes, server_secret: str, context: bytes) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=hashlib.sha256(server_secret.encode()).digest(),
        info=INFO_PREFIX + hashlib.sha256(context).digest(),
    ).derive(client_secret)


def seal(*, client_secret: bytes, context: bytes, plaintext: bytes) -> bytes:
    """``plaintext`` encrypted and authenticated; opened only with the same secret and context."""
    nonce = os.urandom(NONCE_BYTES)
    key = _derive(client_secret=client_secret, server_secret=settings.SECRET_KEY, context=context)
    return VERSION + nonce + AESGCM(key).encrypt(nonce, plaintext, context)


def unseal(*, client_secret: bytes, context: bytes, sealed: bytes) -> bytes | None:
    """The plaintext, or ``None`` when the secret, the context or the server's key differ."""
    if sealed[:1] != VERSION or len(sealed) < 1 + NONCE_BYTES:
        return None
    nonce, ciphertext = sealed[1 : 1 + NONCE_BYTES], sealed[1 + NONCE_BYTES :]
    for server_secret in (settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS):
        key = _derive(client_secret=client_secret, server_secret=server_secret, context=context)
        try:
            return AESGCM(key).decrypt(nonce, ciphertext, context)
        except InvalidTag:
            continue
    return None
