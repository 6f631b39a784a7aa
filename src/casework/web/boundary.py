"""The request boundary: what every request must be before any view or schema sees it.

One place, for pages and the API alike:

- the JSON body is parsed once, by the app's JSON provider, which refuses ``NaN`` and
  ``Infinity`` and nesting deeper than :data:`MAX_JSON_DEPTH` (Python's parser would fail
  at about 1,000 levels with a RecursionError);
- no text anywhere in the request (path values, query and form fields, JSON strings and
  keys, file names) holds NUL or another control character (tabs and line breaks excepted)
  or a lone surrogate: these cannot be stored (PostgreSQL refuses NUL) or encoded;
- ``<int:...>`` in a URL is an id from 1 to 2**31 - 1 (PostgreSQL's ``integer``): another
  number is a page that does not exist (404), not a database error;
- the body is at most ``MAX_CONTENT_LENGTH`` bytes (413 ``too_large``, see config.py).

Refusals are 400 ``validation_error`` with the field named; schemas then judge the rest
(casework.validation).
"""

from __future__ import annotations

import json
from typing import Any

from flask import Flask, Request, request
from flask.json.provider import DefaultJSONProvider
from flask_babel import gettext as _
from werkzeug.routing import IntegerConverter

from casework.errors import MalformedRequest
from casework.validation import MAX_INT, character_problem

MAX_JSON_DEPTH = 64


def _json_problem(message: str) -> MalformedRequest:
    return MalformedRequest(message, errors={"json": [message]})


def _refuse_constant(name: str):
    raise _json_problem(_("The request body is not valid JSON (%(value)s is not a number "
                          "in JSON).", value=name))


def json_depth_exceeds(value: Any, limit: int) -> bool:
    """Whether ``value`` (parsed JSON) nests objects and arrays more than ``limit`` deep."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children
                     if isinstance(child, dict | list))
    return False


class CaseworkJSONProvider(DefaultJSONProvider):
    """Flask's JSON, with the limits of the request boundary on what it reads."""

    ensure_ascii = False  # Vietnamese stays readable in JSON answers

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        kwargs.setdefault("parse_constant", _refuse_constant)
        try:
            value = json.loads(s, **kwargs)
        except RecursionError:
            value = None
            deep = True
        else:
            deep = json_depth_exceeds(value, MAX_JSON_DEPTH)
        if deep:
            raise _json_problem(_("The request body nests data more than %(n)d levels deep.",
                                  n=MAX_JSON_DEPTH))
        return value


class CaseworkRequest(Request):
    """A request whose unreadable JSON body is answered in casework's error format."""

    def on_json_loading_failed(self, e: ValueError | None) -> Any:
        if e is None:  # not JSON at all: Flask's 415
            return super().on_json_loading_failed(e)
        raise _json_problem(_("The request body is not valid JSON."))


class IdConverter(IntegerConverter):
    """``<int:...>``: a record id, 1 to 2**31 - 1; any other number matches no page."""

    def __init__(self, map, *args, **kwargs) -> None:
        if not args:
            kwargs.setdefault("min", 1)
            kwargs.setdefault("max", MAX_INT)
        super().__init__(map, *args, **kwargs)


def _texts(value: Any, name: str):
    """(field name, text) for every string in parsed JSON, keys included; iterative."""
    stack = [(value, name)]
    while stack:
        item, path = stack.pop()
        if isinstance(item, str):
            yield path, item
        elif isinstance(item, dict):
            for key, child in item.items():
                child_path = f"{path}.{key}" if path else str(key)
                yield child_path, key
                stack.append((child, child_path))
        elif isinstance(item, list):
            stack.extend((child, f"{path}.{i}" if path else str(i))
                         for i, child in enumerate(item))


def _request_texts():
    """Every piece of text the request carries, with the name of the field it came in."""
    for key, value in (request.view_args or {}).items():
        if isinstance(value, str):
            yield key, value
    for key, value in request.args.items(multi=True):
        yield key, key
        yield key, value
    if request.is_json:
        if request.get_data(cache=True):
            yield from _texts(request.get_json(), "")
    elif request.method not in ("GET", "HEAD", "OPTIONS"):
        for key, value in request.form.items(multi=True):
            yield key, key
            yield key, value
        for key, upload in request.files.items(multi=True):
            yield key, key
            yield key, upload.filename or ""


def check_request() -> None:
    """Refuse a request that carries text no field may hold (400 ``validation_error``)."""
    errors: dict[str, list[str]] = {}
    for name, text in _request_texts():
        problem = character_problem(text, formatting=False)
        if problem and name not in errors:
            errors[name] = [problem]
    if errors:
        field = next(iter(errors))
        raise MalformedRequest(
            _("The field “%(field)s” holds a character that is not allowed.", field=field),
            errors=errors)


def init_app(app: Flask) -> None:
    """Install the boundary; call it before any blueprint is registered (the converter)."""
    app.json = CaseworkJSONProvider(app)
    app.request_class = CaseworkRequest
    app.url_map.converters["int"] = IdConverter
    app.before_request(check_request)
