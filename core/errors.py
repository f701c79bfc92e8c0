"""Domain errors: raised by services, turned into problem+json by ``core.problems``."""

from __future__ import annotations

from django.utils.functional import Promise


class DomainError(Exception):
    """A refused operation with a stable machine ``code``, a human message and the field at fault.

    ``status`` is the HTTP status the API answers with: 400 for input that can never succeed,
    404 for something that does not exist, 409 for a conflict with the current state.
    """

    status = 409

    def __init__(
        self,
        code: str,
        message: str | Promise,
        *,
        field: str | None = None,
        status: int | None = None,
        extra: dict[str, object] | None = None,
    ) -> None:
        super().__init__(str(message))
        self.code = code
        self.message = message
        self.field = field
        if status is not None:
            self.status = status
        self.extra = extra or {}


class InvalidInput(DomainError):
    """Input that is well-formed but breaks a domain rule."""

    status = 400


class Conflict(DomainError):
    """The request is valid but the current state of the data refuses it."""

    status = 409
