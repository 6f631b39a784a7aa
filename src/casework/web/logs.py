"""What the logs may hold: never row values, names or search terms.

- Each request has an id, sent back as ``X-Request-Id`` and shown on the error page, so an
  officer can quote it and the IT person can find the log line.
- A failure is logged as its class (and the classes of what caused it), where it happened,
  the request id, a database error's code (SQLSTATE, SQLite's error name) and the
  traceback's frames (file, line, function), but never the exception's
  message: a database error's message holds the row it failed on (PostgreSQL's "Failing row
  contains (...)", "Key (national_id)=(...)"). SQLAlchemy's bound parameters are hidden as
  well (``hide_parameters`` in config.py).
- Werkzeug's request log (the server of ``casework demo`` and ``flask run``) leaves out query
  strings. gunicorn's access log is set in its own options (README, "Logs").
"""

from __future__ import annotations

import logging
import re
import secrets
import traceback

from flask import g

REQUEST_ID_HEADER = "X-Request-Id"


def request_id() -> str:
    """This request's id (made on first use): 12 hex digits."""
    if "request_id" not in g:
        g.request_id = secrets.token_hex(6)
    return g.request_id


def _chain(error: BaseException) -> list[BaseException]:
    """``error`` and what caused it (``raise ... from``, or raised while handling), in order."""
    chain: list[BaseException] = []
    while error is not None and error not in chain:
        chain.append(error)
        error = error.__cause__ or (None if error.__suppress_context__ else error.__context__)
    return chain


def _class_name(error: BaseException) -> str:
    cls = type(error)
    if cls.__module__ == "builtins":
        return cls.__qualname__
    return f"{cls.__module__}.{cls.__qualname__}"


def _code(error: BaseException) -> str:
    """The database's own code for a driver error (PostgreSQL's SQLSTATE, SQLite's error
    name): a code, never data, and what tells "database is locked" from a broken constraint."""
    code = getattr(error, "sqlstate", None) or getattr(error, "sqlite_errorname", None)
    return f" [{code}]" if isinstance(code, str) and code.isascii() and len(code) <= 40 else ""


def describe(error: BaseException) -> str:
    """The classes of ``error`` and of its causes, with a driver error's code: no message, so
    no row values."""
    names = [_class_name(e) + _code(e) for e in _chain(error)]
    return names[0] + "".join(f" (caused by {name})" for name in names[1:])


def frames(error: BaseException) -> str:
    """The traceback's frames of ``error`` and its causes, oldest cause first, without any
    exception message (frames hold code, not the values of variables)."""
    parts = []
    for exc in reversed(_chain(error)):
        listing = "".join(traceback.format_list(traceback.extract_tb(exc.__traceback__)))
        parts.append(f"{_class_name(exc)}, raised at:\n{listing}")
    return "".join(parts).rstrip("\n")


def log_failure(logger: logging.Logger, what: str, error: BaseException, *args) -> None:
    """Log ``what % args`` failing with ``error``, the safe way (see the module's doc)."""
    logger.error("%s: %s [request %s]\n%s", what % args, describe(error), request_id(),
                 frames(error))


_QUERY = re.compile(r"\?[^\s\"]*")


class WithoutQueryStrings(logging.Filter):
    """Cut the query string out of Werkzeug's request lines (``GET /persons/?q=... HTTP/1.1``)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(_QUERY.sub("", a) if isinstance(a, str) else a
                                for a in record.args)
        if isinstance(record.msg, str):
            record.msg = _QUERY.sub("", record.msg)
        return True


_WERKZEUG_FILTER = WithoutQueryStrings()


def init_logs(app) -> None:
    werkzeug_log = logging.getLogger("werkzeug")
    if _WERKZEUG_FILTER not in werkzeug_log.filters:
        werkzeug_log.addFilter(_WERKZEUG_FILTER)

    @app.after_request
    def send_request_id(response):
        response.headers[REQUEST_ID_HEADER] = request_id()
        return response
