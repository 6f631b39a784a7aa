"""The law in force on the day it happened (WORKFLOWS.md, "Versions").

Each event is judged by the version of its workflow in force on its ``effective_at``: the one
with the latest ``effective_from`` not after that moment's Vietnamese calendar date. The day
is known only once the event's dates are judged (``effective_at`` defaults to the event's
principal date, a field of its data), so the engine first *guesses* it from what the caller
sent (``first_guess``), judges the event by that version, and judges again by another version
when the judged day falls under it (``settled``).

The buttons on a page and ``available_events`` use the version in force today.

A record's ``workflow_version`` is the version of its newest event. An event may not be dated
before the previous one, so the newest event entered is also the newest by date; and two
events of one day share a version (a version takes effect at the start of a day).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import date, datetime

from flask_babel import gettext as _
from marshmallow import ValidationError

from casework.db import utcnow
from casework.errors import InvalidEvent, NotPermitted, RuleFailed, ValidationFailed
from casework.workflow.dates import EFFECTIVE_AT, given_moment, show_day
from casework.workflow.deadlines import local_date
from casework.workflow.definitions import WorkflowDef


def today_version(catalog, name: str) -> WorkflowDef:
    """The version in force today (Vietnam's today): the one pages and buttons use."""
    return catalog.in_force(name, local_date(utcnow()))


def _principal_day(definition: WorkflowDef, event: str, data) -> date | None:
    """The event's principal date as sent, read by this version's schema, without judging."""
    principal = definition.event_dates.get(event)
    transition = next((t for t in definition.transitions if t.event == event), None)
    if principal is None or transition is None or transition.schema is None:
        return None
    field = transition.schema.fields.get(principal)
    raw = data.get(principal) if isinstance(data, dict) else None
    if field is None or raw in (None, ""):
        return None
    try:
        day = field.deserialize(raw)
    except (TypeError, ValueError, ValidationError):
        return None
    return day if isinstance(day, date) else None


def first_guess(catalog, name: str, event: str, data, effective_at) -> tuple[date, str]:
    """The day the event says it happened, before it is judged, and the field that says it:
    ``effective_at`` when given, else its principal date as some version reads it (the
    version in force on that date first), else today."""
    try:
        given = given_moment(effective_at)
    except ValidationFailed:
        given = None  # the engine refuses it, by the version in force today
    if given is not None:
        return local_date(given), EFFECTIVE_AT
    found = None
    for version in reversed(catalog.versions(name)):
        definition = catalog.get(name, version)
        day = _principal_day(definition, event, data)
        if day is None:
            continue
        if catalog.version_on(name, day) is definition:
            return day, definition.event_dates[event]
        found = found or (day, definition.event_dates[event])
    return found or (local_date(utcnow()), EFFECTIVE_AT)


def version_for(catalog, name: str, day: date, key: str = EFFECTIVE_AT) -> WorkflowDef:
    """The version in force on ``day``; before the first one, ValidationFailed under ``key``
    naming the date and the first law."""
    found = catalog.version_on(name, day)
    if found is None:
        first = catalog.first(name)
        raise ValidationFailed(errors={key: [_(
            "On %(date)s no law known to this system applied yet: %(law)s takes effect on "
            "%(start)s. Check the date.", date=show_day(day), law=first.law_label,
            start=show_day(first.effective_from))]})
    return found


def settled(catalog, definition: WorkflowDef, moment: datetime, key: str) -> WorkflowDef | None:
    """None when ``definition`` is the version in force at the judged ``moment``; else the
    version to judge the event by instead."""
    right = version_for(catalog, definition.name, local_date(moment), key)
    return None if right is definition else right


def moment_key(definition: WorkflowDef, event: str, effective_at) -> str:
    """The field that dates the event: effective_at when given, else its principal date."""
    if effective_at is not None:
        return EFFECTIVE_AT
    return definition.event_dates.get(event) or EFFECTIVE_AT


@contextlib.contextmanager
def naming_law(catalog, definition: WorkflowDef, day: date) -> Iterator[None]:
    """A refusal of an event judged by a version other than today's names that law: the
    user sees why a form that today's law allows is refused for an earlier date."""
    if definition is today_version(catalog, definition.name):
        yield
        return
    try:
        yield
    except (InvalidEvent, NotPermitted, RuleFailed) as exc:
        message = _("By %(law)s, the law that applied on %(date)s: %(message)s",
                    law=definition.law_label, date=show_day(day), message=str(exc.message))
        raise type(exc)(message, errors=exc.errors, **exc.extra) from None
