"""Typed failures and their machine codes (INTERFACES.md, "Errors").

Services and the workflow engine raise these; ``web.errors`` turns them into the JSON error
format for the API and into friendly pages for the web UI. Messages are lazy strings, so they
are rendered in the caller's language.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l


class CaseworkError(Exception):
    status: int = 400
    code: str = "validation_error"
    default_message: Any = _l("The request is not valid.")

    def __init__(self, message: Any = None, errors: dict | None = None, **extra: Any) -> None:
        self.message = message if message is not None else self.default_message
        self.errors = errors or {}
        self.extra = extra
        super().__init__(str(self.message))

    def to_dict(self) -> dict:
        body = {"code": self.code, "message": str(self.message), "errors": _stringify(self.errors)}
        body.update(self.extra)
        return body


def _stringify(value: Any) -> Any:
    # Lazy strings and nested marshmallow messages become plain JSON.
    if isinstance(value, dict):
        return {str(k): _stringify(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_stringify(v) for v in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


class MalformedRequest(CaseworkError):
    """The request itself cannot be read: broken JSON, characters no field may hold."""

    status = 400
    code = "validation_error"
    default_message = _l("The request could not be understood.")


class ValidationFailed(CaseworkError):
    status = 422
    code = "validation_error"
    default_message = _l("Some fields are missing or not valid.")


class Unauthenticated(CaseworkError):
    status = 401
    code = "unauthenticated"
    default_message = _l("Sign-in is required, or the credentials are not valid.")


class TooManyAttempts(CaseworkError):
    status = 429
    code = "too_many_attempts"
    default_message = _l("Too many failed sign-in attempts. Try again later.")


class NotPermitted(CaseworkError):
    status = 403
    code = "not_permitted"
    default_message = _l("You do not have permission to do this.")


class NotFound(CaseworkError):
    status = 404
    code = "not_found"
    default_message = _l("The record does not exist or is outside your area.")


class StaleVersion(CaseworkError):
    status = 409
    code = "stale_version"
    default_message = _l(
        "The record was changed by someone else. Reload it and try again."
    )


class DuplicateSuspected(CaseworkError):
    status = 409
    code = "duplicate_suspected"
    default_message = _l("This looks like an existing record.")


class DuplicatePerson(CaseworkError):
    """The national ID belongs to another open record; ``record_id`` only within scope."""

    status = 409
    code = "duplicate_person"
    default_message = _l("A person with this national ID already has an open record.")


class DuplicateReview(CaseworkError):
    """The commune already has a review for this period (QĐ 28/2025: one a year)."""

    status = 409
    code = "duplicate_review"
    default_message = _l("This commune already has a review for this period.")


class InvalidEvent(CaseworkError):
    status = 422
    code = "invalid_event"
    default_message = _l("This action does not exist or is not allowed in the current state.")


class RuleFailed(CaseworkError):
    status = 422
    code = "rule_failed"
    default_message = _l("A rule of this action is not satisfied.")


# HTTP statuses raised by Flask/Werkzeug itself, mapped onto the contract's codes.
HTTP_STATUS_CODES = {
    400: "validation_error",
    401: "unauthenticated",
    403: "not_permitted",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "validation_error",
    422: "validation_error",
    429: "too_many_attempts",
}
