"""Domain errors raised by services and queries; the web views and the API map each to one HTTP status."""

from __future__ import annotations


class DomainError(Exception):
    status = 400

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(DomainError):
    """The object does not exist *or the actor may not see it*: both look the same from outside."""

    status = 404


class Forbidden(DomainError):
    """The actor can see the object but may not do this to it."""

    status = 403


class Conflict(DomainError):
    """The request is well-formed but clashes with the object's state (e.g. an invalid status change)."""

    status = 409


class InvalidInput(DomainError):
    """A value is unknown or out of range (an unknown product, a priority the plan does not allow …)."""

    status = 422


class PayloadTooLarge(DomainError):
    status = 413
