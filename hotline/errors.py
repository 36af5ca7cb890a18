"""Errors a user can cause. Each carries an HTTP status, a stable code and a zh-CN message.

Raised inside an action's transaction, they roll everything back: nothing half-written.
"""

from __future__ import annotations

from typing import Any


class ActionError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, code: str | None = None, **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.extra = extra

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, **self.extra}


class NotFound(ActionError):
    status = 404
    code = "not_found"


class Forbidden(ActionError):
    status = 403
    code = "forbidden"


class Conflict(ActionError):
    status = 409
    code = "conflict"


class InvalidInput(ActionError):
    """Bad field values. ``field`` names the offending field for the 422 answer."""

    status = 422
    code = "invalid"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message, field=field)
        self.field = field

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": self.message,
            "detail": [{"loc": ["body", self.field], "msg": self.message, "type": "value_error"}],
        }


class TooManyAttempts(ActionError):
    """Too many failed attempts at a secret (a password, a citizen's lookup): refused
    until a moment the message names; ``retry_after`` is in seconds (the API's header)."""

    status = 429
    code = "too_many_attempts"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message, retry_after=retry_after)
        self.retry_after = retry_after
