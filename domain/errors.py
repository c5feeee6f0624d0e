"""Domain errors: plain exceptions; web/ decides what HTTP status each one becomes."""

from __future__ import annotations


class DomainError(Exception):
    """A business rule refused something; `code` is stable for clients."""

    code = "DOMAIN_ERROR"

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        if code is not None:
            self.code = code


class ValidationError(DomainError):
    """Input is malformed or breaks a field rule."""

    code = "VALIDATION_ERROR"


class NotFound(DomainError):
    """The requested resource does not exist (or the caller may not know it exists)."""

    code = "NOT_FOUND"


class Conflict(DomainError):
    """The request contradicts something already accepted."""

    code = "CONFLICT"
