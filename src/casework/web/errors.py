"""One place that turns failures into answers: JSON under /api/, pages elsewhere."""

from __future__ import annotations

import logging

from flask import current_app, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from casework.errors import HTTP_STATUS_CODES, CaseworkError
from casework.extensions import db, htmx
from casework.library_messages import translate_messages
from casework.web.logs import log_failure, request_id

log = logging.getLogger(__name__)


def is_api_request() -> bool:
    return request.path.startswith("/api/")


def _http_message(status: int) -> str:
    messages = {
        400: _("The request could not be understood."),
        401: _("Sign-in is required, or the credentials are not valid."),
        403: _("You do not have permission to do this."),
        404: _("The page or record does not exist, or is outside your area."),
        405: _("This method is not allowed here."),
        413: _("The request is larger than the limit of %(mb)s MB.", mb=_limit_mb()),
        422: _("Some fields are missing or not valid."),
        429: _("Too many requests. Try again later."),
        500: _("Something went wrong on our side. The error has been recorded."),
    }
    return messages.get(status, _("The request could not be completed."))


def _limit_mb() -> str:
    limit = current_app.config.get("MAX_CONTENT_LENGTH") or 0
    return f"{limit / (1024 * 1024):g}"


def _json(status: int, body: dict, headers: dict | None = None):
    response = jsonify(body)
    response.status_code = status
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def _page(status: int, message: str, title: str | None = None, **context):
    template = "errors/fragment.html" if htmx and not htmx.boosted else "errors/error.html"
    return render_template(template, status=status, message=message, title=title,
                           **context), status


def handle_casework_error(error: CaseworkError):
    headers = {}
    if "retry_after_seconds" in error.extra:
        headers["Retry-After"] = str(error.extra["retry_after_seconds"])
    if is_api_request():
        return _json(error.status, error.to_dict(), headers)
    return (*_page(error.status, str(error.message)), headers)


def handle_csrf_error(error: CSRFError):
    message = _(
        "The security token of this form is missing or has expired. Reload the page and try "
        "again."
    )
    if is_api_request():
        return _json(400, {"code": "validation_error", "message": message,
                           "errors": {"csrf_token": [message]}})
    return _page(400, message, title=_("Form expired"))


def handle_http_error(error: HTTPException):
    status = error.code or 500
    if status >= 500:
        return handle_unexpected(error)
    if is_api_request():
        body = {
            "code": HTTP_STATUS_CODES.get(status, "error"),
            "message": _http_message(status),
            "errors": {},
        }
        # webargs (through flask-smorest) puts field messages in error.data["messages"].
        data = getattr(error, "data", None) or {}
        messages = data.get("messages") if isinstance(data, dict) else None
        if messages:
            # Flatten {"json": {"field": [...]}} to {"field": [...]}.
            flat = {}
            for location, fields in messages.items():
                if isinstance(fields, dict):
                    flat.update(fields)
                else:
                    flat[location] = fields
            body["errors"] = translate_messages(flat)  # what webargs adds itself, too
            if "json" in messages and not isinstance(messages["json"], dict):
                body["message"] = _("The request body is not valid JSON.")
        elif status == 400 and request.is_json:
            body["message"] = _("The request body is not valid JSON.")
        # Werkzeug's own headers would say text/html: keep only the ones that inform.
        headers = {k: v for k, v in error.get_headers() if k in ("Allow", "Retry-After")}
        return _json(status, body, headers)
    return _page(status, _http_message(status))


def handle_unexpected(error: Exception):
    # The class, the endpoint and the request id; never the message (web.logs).
    if not isinstance(error, HTTPException):
        log_failure(log, "unhandled error on %s %s", error, request.method, request.endpoint)
    db.session.rollback()  # nothing of a failed request is kept, and the page can load the user
    status = 500
    if is_api_request():
        return _json(status, {"code": "internal_error", "message": _http_message(500),
                              "errors": {}})
    try:
        return _page(status, _http_message(500), request_id=request_id())
    except Exception as failed:  # the error page itself failed: answer plainly
        log_failure(log, "the error page failed", failed)
        return InternalServerError().get_response()


def register_error_handlers(app) -> None:
    app.register_error_handler(CaseworkError, handle_casework_error)
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(Exception, handle_unexpected)
