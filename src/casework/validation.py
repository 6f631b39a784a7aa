"""The limits of input, in one place: every schema and the request boundary use these.

- Text: no control characters (line breaks and tabs excepted), no lone surrogates, and, in
  the free text that schemas load, no invisible format characters (zero-width space, the
  direction overrides such as U+202E). Letters with combining marks (Vietnamese typed in NFD)
  are ordinary text.
- Dates between 1900-01-01 and 2100-12-31.
- Integers that fit PostgreSQL's ``integer`` (ids up to 2**31 - 1), and page numbers whose
  OFFSET stays far inside it.
- Every schema derives from :class:`Schema`: its messages are in the user's language.

README.md, "Security" > "Bad input", lists them for the people who run the app.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from datetime import date, datetime

import marshmallow
from flask_babel import gettext as _
from marshmallow import ValidationError, fields, validate

from casework.library_messages import translate_messages

MIN_DATE = date(1900, 1, 1)
MAX_DATE = date(2100, 12, 31)
MAX_INT = 2**31 - 1  # PostgreSQL ``integer``
MIN_INT = -(2**31)
MAX_PAGE = 100_000  # with at most 500 per page the OFFSET stays below 2**31

# Control characters (Unicode Cc) but tab, line feed and carriage return; lone surrogates (Cs).
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
# Format characters (Cf) as this Python's Unicode database knows them (about 170).
_FORMAT = re.compile("[" + "".join(
    re.escape(chr(c)) for c in range(sys.maxunicode + 1)
    if unicodedata.category(chr(c)) == "Cf") + "]")


def character_problem(value: str, formatting: bool = True) -> str | None:
    """Why ``value`` may not be stored as text, in the user's language; None when it may.

    Refused: control characters other than tab and line breaks (NUL, BEL, ESC, DEL, C1),
    lone surrogates, and with ``formatting`` the invisible format characters (Unicode
    category Cf: zero-width space, direction marks and overrides, soft hyphen, BOM).
    """
    if value.isprintable():  # the fast path: no control, format or surrogate character
        return None
    found = _CONTROL.search(value)
    if found and "\ud800" <= found.group() <= "\udfff":
        return _("This text holds a broken character (a lone surrogate); type it again.")
    if found:
        return _("Remove the control characters from this text.")
    if formatting and _FORMAT.search(value):
        return _("Remove the invisible formatting characters (such as a zero-width space "
                 "or a direction mark) from this text.")
    return None


class Schema(marshmallow.Schema):
    """The base of every casework schema: the messages of a failed load are in the user's
    language, marshmallow's own ("Missing data for required field.") included."""

    def handle_error(self, error: ValidationError, data, *, many: bool, **kwargs) -> None:
        error.messages = translate_messages(error.messages)


def no_control_characters(value: str) -> None:
    """marshmallow validator of free text: see :func:`character_problem`."""
    problem = character_problem(value)
    if problem:
        raise ValidationError(problem)


class Text(fields.String):
    """A string field for anything a person types: checked by :func:`character_problem`.

    ``max_length`` (and ``min_length``) bound its length; ``validate`` adds validators.
    """

    def __init__(self, *, max_length: int | None = None, min_length: int | None = None,
                 **kwargs) -> None:
        validators = kwargs.pop("validate", None) or []
        if callable(validators):
            validators = [validators]
        extra = []
        if max_length is not None or min_length is not None:
            extra.append(validate.Length(min=min_length, max=max_length))
        super().__init__(validate=[*extra, no_control_characters, *validators], **kwargs)


def date_problem(day: date) -> str | None:
    """Why ``day`` is outside the dates casework stores; None when it is inside."""
    if MIN_DATE <= day <= MAX_DATE:
        return None
    return _("Give a date between %(first)s and %(last)s.", first="01/01/1900",
             last="31/12/2100")


class Date(fields.Date):
    """A calendar date between 1900-01-01 and 2100-12-31; ``range_message`` replaces the
    message for a date outside (for a field whose own validator says it better)."""

    def __init__(self, *, range_message=None, **kwargs) -> None:
        metadata = {"description": "a date between 1900-01-01 and 2100-12-31",
                    **kwargs.pop("metadata", {})}
        super().__init__(metadata=metadata, **kwargs)
        self.range_message = range_message

    def _deserialize(self, value, attr, data, **kwargs):
        day = super()._deserialize(value, attr, data, **kwargs)
        problem = date_problem(day)
        if problem:
            raise ValidationError(str(self.range_message or problem))
        return day


class AwareDateTime(fields.AwareDateTime):
    """A date and time whose date lies between 1900 and 2100 (without a zone:
    ``default_timezone``)."""

    def _deserialize(self, value, attr, data, **kwargs):
        moment = super()._deserialize(value, attr, data, **kwargs)
        problem = datetime_problem(moment)
        if problem:
            raise ValidationError(problem)
        return moment


def datetime_problem(moment: datetime) -> str | None:
    """As :func:`date_problem`, judged on the date as written (before any change of zone,
    which could overflow at the ends of Python's calendar)."""
    return date_problem(moment.date())


class Integer(fields.Integer):
    """An integer that fits PostgreSQL's ``integer``; ``minimum``/``maximum`` narrow it."""

    def __init__(self, *, minimum: int = MIN_INT, maximum: int = MAX_INT, **kwargs) -> None:
        validators = kwargs.pop("validate", None) or []
        if callable(validators):
            validators = [validators]
        super().__init__(validate=[validate.Range(min=minimum, max=maximum), *validators],
                         **kwargs)


def Id(**kwargs) -> Integer:
    """A record id: 1 to 2**31 - 1."""
    return Integer(minimum=1, maximum=MAX_INT, **kwargs)


def Page(**kwargs) -> Integer:
    """A page number: 1 to :data:`MAX_PAGE` (default 1)."""
    return Integer(minimum=1, maximum=MAX_PAGE, load_default=1, **kwargs)


def page_window(page: int, per_page: int) -> tuple[int, int]:
    """(offset, limit) of a page; a page past :data:`MAX_PAGE` is the (empty) last one."""
    page = min(max(1, page), MAX_PAGE)
    return (page - 1) * per_page, per_page
