"""Secret capability tokens: shown once, stored as a SHA-256 hash, compared in constant time."""

import base64
import hashlib
import hmac
import secrets

from django.utils.crypto import salted_hmac


def new_token() -> tuple[str, str]:
    """A fresh token and the hash to store."""
    token = secrets.token_urlsafe(32)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def token_matches(token: str | None, stored_hash: str) -> bool:
    if not token or len(token) > 200:
        return False
    return hmac.compare_digest(hash_token(token), stored_hash)


def new_derived_token(*, purpose: str) -> tuple[str, str, str]:
    """A fresh seed, the token derived from it, and the token's hash: (seed, token, hash)."""
    seed = secrets.token_hex(32)
    token = derived_token(purpose=purpose, seed=seed)
    return seed, token, hash_token(token)


def derived_token(*, purpose: str, seed: str) -> str:
    """The token a stored seed stands for: an HMAC of the seed under ``SECRET_KEY``.

    For a capability that its owner must be able to see again (a calendar feed's URL): the
    database holds the seed and the token's hash, and neither gives the token without the
    secret key. Changing ``SECRET_KEY`` changes every derived token, so a caller compares the
    result with the stored hash and asks for a new token when they differ.
    """
    digest = salted_hmac(purpose, seed, algorithm="sha256").digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
