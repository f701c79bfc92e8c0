"""Secret capability tokens: shown once, stored as a SHA-256 hash, compared in constant time."""

import hashlib
import hmac
import secrets


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
