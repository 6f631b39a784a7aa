"""The flask-smorest ``Api`` and ``Blueprint`` with casework's error handling and checks.

- Errors: flask-smorest registers a JSON handler for every HTTP error of the whole app;
  casework answers JSON only under ``/api/`` and friendly pages elsewhere, so
  ``web.errors`` owns that instead, and the OpenAPI document describes casework's error
  body (``code`` a string, ``message``, ``errors``) rather than flask-smorest's.
- Bodies are read by the app's JSON provider (``web.boundary``), parsed once per request.
- Every write names the roles that may make it: a caller who holds none of them anywhere
  is refused (403) before the body is read or validated. The contract's order is: the
  caller's role, then the record (scope), its version, its state, and last the data.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

import flask_smorest
from flask_login import current_user
from marshmallow import INCLUDE, fields
from webargs import core
from webargs.flaskparser import FlaskParser, is_json_request

from casework.errors import NotPermitted
from casework.validation import Schema

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_REQUIRED: Any = object()

Roles = Iterable[str] | Callable[[], Iterable[str]] | None


class ErrorSchema(Schema):
    """The error body of every API answer that is not a success (INTERFACES.md, "Errors")."""

    class Meta:
        unknown = INCLUDE  # some errors add fields: rule, current_version, candidates…

    code = fields.String(required=True, metadata={
        "description": "machine code: validation_error, unauthenticated, not_permitted, "
                       "not_found, method_not_allowed, stale_version, duplicate_suspected, "
                       "invalid_event, rule_failed, too_large, too_many_attempts, "
                       "internal_error…"})
    message = fields.String(required=True, metadata={"description": "a sentence for people"})
    errors = fields.Dict(required=True, metadata={
        "description": "field → messages (nested for nested fields); empty when none"})


class CaseworkApi(flask_smorest.Api):
    ERROR_SCHEMA = ErrorSchema

    def _register_error_handlers(self):  # see web.errors.register_error_handlers
        return None


class CaseworkParser(FlaskParser):
    """webargs for flask-smorest, reading the JSON body the request boundary parsed."""

    def _raw_load_json(self, req):
        if not is_json_request(req):
            return core.missing
        return req.get_json()  # cached; invalid JSON raises casework's 400 (web.boundary)


def requires_role(roles: Roles):
    """Decorator: refuse (403) a caller who holds none of ``roles`` over any unit.

    ``roles`` is a collection of role codes or a callable giving one when the request
    comes (e.g. the roles of a workflow's events); None lets every signed-in caller through.
    """

    def decorator(func):
        if roles is None:
            func.write_roles = None
            return func

        @wraps(func)
        def wrapper(*args, **kwargs):
            allowed = roles() if callable(roles) else roles
            # The roles the caller holds over any unit (auth.scope's grants; anonymous: none).
            if not set(getattr(current_user, "roles", ())) & set(allowed):
                raise NotPermitted()
            return func(*args, **kwargs)

        wrapper.write_roles = roles
        return wrapper

    return decorator


class Blueprint(flask_smorest.Blueprint):
    """flask-smorest's Blueprint; a write route must say who may make it (``roles=``)."""

    ARGUMENTS_PARSER = CaseworkParser()

    def route(self, rule, *, roles: Roles = _REQUIRED, parameters=None, tags=None,
              **options):
        """Register a view; for POST, PUT, PATCH and DELETE ``roles`` is required
        (see :func:`requires_role`), and is checked before the body is parsed."""
        methods = {m.upper() for m in options.get("methods") or ("GET",)}
        if roles is _REQUIRED:
            if methods & WRITE_METHODS:
                raise TypeError(f"{self.name} {rule}: a write route names its roles")
            roles = None
        elif not methods & WRITE_METHODS:
            raise TypeError(f"{self.name} {rule}: only write routes name roles")
        outer = super().route(rule, parameters=parameters, tags=tags, **options)

        def decorator(func):
            outer(requires_role(roles)(func) if methods & WRITE_METHODS else func)
            return func

        return decorator
