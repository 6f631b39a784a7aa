"""Dates typed by people (pages, CSV files): dd/mm/yyyy, whatever the browser's language.

Browsers draw ``<input type="date">`` in their own locale (Chromium in English shows
mm/dd/yyyy), so no page uses it. Every date input is the ``date_input`` macro of
``templates/_dates.html``: a text input with the placeholder dd/mm/yyyy, and a time of day,
where a form asks for one, is ``time_input`` (hh:mm, 24 hours). What they send is read here,
in one place, and handed to the schemas as ISO 8601, which the JSON API speaks. ISO dates
(yyyy-mm-dd) are accepted too.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time

from flask_babel import lazy_gettext as _l

DATE_MESSAGE = _l("Enter the date as day/month/year, for example 05/03/2026.")
TIME_MESSAGE = _l("Enter the time as hours:minutes, for example 14:30.")
TIME_WITHOUT_DATE = _l("Give the date as well as the time.")

# What the inputs' ``pattern`` attributes allow; the server reads the same.
DATE_PATTERN = r"\d{1,2}/\d{1,2}/\d{4}|\d{4}-\d{2}-\d{2}"
TIME_PATTERN = r"([01]?\d|2[0-3]):[0-5]\d"

_DAY_MONTH_YEAR = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_TIME = re.compile(TIME_PATTERN)


class BadInput(ValueError):
    """A date or time that is not written as the form asks; ``message`` says how."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def parse_day(text: str | None) -> date | None:
    """A typed date: dd/mm/yyyy (or yyyy-mm-dd); None when empty; BadInput otherwise."""
    text = (text or "").strip()
    if not text:
        return None
    found = _DAY_MONTH_YEAR.fullmatch(text)
    if found:
        day, month, year = (int(part) for part in found.groups())
    else:
        found = _ISO.fullmatch(text)
        if not found:
            raise BadInput(DATE_MESSAGE)
        year, month, day = (int(part) for part in found.groups())
    try:
        return date(year, month, day)
    except ValueError:  # 31/02, month 13, ...
        raise BadInput(DATE_MESSAGE) from None


def parse_time(text: str | None) -> time | None:
    """A typed time of day: hh:mm (24 hours); None when empty; BadInput otherwise."""
    text = (text or "").strip()
    if not text:
        return None
    found = _TIME.fullmatch(text)
    if not found:
        raise BadInput(TIME_MESSAGE)
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def iso_day(text: str | None) -> str | None:
    """A typed date as the schemas read it (ISO 8601); None when empty; BadInput otherwise."""
    day = parse_day(text)
    return day.isoformat() if day is not None else None


def shown_day(value) -> str:
    """A date as a page shows it (dd/mm/yyyy): a ``date``, a ``datetime`` or an ISO string;
    anything else (what the user typed) as it is; "" for nothing."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, str):
        if not _ISO.fullmatch(value.strip()):
            return value
        try:
            value = date.fromisoformat(value.strip())
        except ValueError:
            return value
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return str(value)


def moment_of(day: date | None, at: time | None):
    """The ``effective_at`` a form gives: None (the engine's default), a date without a time,
    or a wall-clock time in Vietnam (a naive datetime)."""
    if day is None:
        return None
    return day if at is None else datetime.combine(day, at)


def iso_dates(values: dict, names) -> dict[str, list[str]]:
    """Rewrite, in place, the typed dates ``names`` of ``values`` (a form's strings) as ISO
    8601, for a schema to load. Empty ones are dropped; so are those not written as asked,
    whose errors are returned, keyed by field."""
    errors: dict[str, list[str]] = {}
    for name in names:
        raw = values.get(name)
        if not isinstance(raw, str):
            continue
        try:
            iso = iso_day(raw)
        except BadInput as exc:
            errors[name] = [str(exc.message)]
            iso = None
        if iso is None:
            values.pop(name, None)
        else:
            values[name] = iso
    return errors


def iso_moment(values: dict, target: str, day_name: str, time_name: str) -> dict[str, list[str]]:
    """Replace, in place, a typed day and optional time of day (``day_name``, ``time_name``)
    of ``values`` with ``target``: an ISO date (a date without a time) or an ISO date and time
    (in Vietnam). Returns the errors, keyed by the typed fields."""
    errors: dict[str, list[str]] = {}
    day = at = None
    try:
        day = parse_day(values.pop(day_name, None))
    except BadInput as exc:
        errors[day_name] = [str(exc.message)]
    try:
        at = parse_time(values.pop(time_name, None))
    except BadInput as exc:
        errors[time_name] = [str(exc.message)]
    if day is None and at is not None and day_name not in errors:
        errors[day_name] = [str(TIME_WITHOUT_DATE)]
    moment = moment_of(day, at) if not errors else None
    if moment is not None:
        values[target] = moment.isoformat()
    return errors
