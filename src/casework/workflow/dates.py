"""When an event happened, and which of its dates are possible (WORKFLOWS.md §8).

An event carries its ``effective_at`` and the dates of its data. Each definition names its
event's *principal date* (``date: test_date`` beside the event's labels): when the caller
leaves ``effective_at`` out, the event happened on that date, not at the moment of entry.

**A date without a time** is stored as 00:00 in Vietnam (``start_of_day``). An ``effective_at``
at exactly local midnight is read back as a date without a time (``has_time`` is False):
comparisons with it are made on Vietnamese calendar dates, so an event dated the same day as
the previous one is accepted whatever the hour of the previous one, and a later issue can tell
"a date" from "a moment" for deadlines counted in hours (§7).

Every date of the event's data, and ``effective_at``, is judged by ``judge``:

- not in the future (Vietnam's today; for ``effective_at``, now);
- not before the record's earliest possible day (a person's birth date);
- not before the date of the event that entered the current state, nor therefore before the
  record's opening (calendar dates); a decision is thus never dated before what it decides
  on, since that event's ``effective_at`` is its own principal date;
- ``effective_at`` not before the previous event, nor before the event's own principal date.

A refusal names the field as the user sees it (``field_label``) and the date it collides
with, and is keyed by the field, so that a page shows it under that field.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from datetime import date, datetime, time

import sqlalchemy as sa
from flask_babel import gettext as _
from marshmallow import fields as ma_fields

from casework.audit.models import AuditEntry
from casework.db import utcnow
from casework.errors import ValidationFailed
from casework.extensions import db
from casework.validation import datetime_problem
from casework.workflow.deadlines import LOCAL_TZ, entering_entry, local_date
from casework.workflow.definitions import TransitionDef, WorkflowDef
from casework.workflow.labels import field_label

EFFECTIVE_AT = "effective_at"


# --- a date without a time --------------------------------------------------------------------


def start_of_day(day: date) -> datetime:
    """How a date without a time is stored: 00:00 of that day in Vietnam."""
    return datetime.combine(day, time(0), tzinfo=LOCAL_TZ)


def has_time(moment: datetime) -> bool:
    """False for a date without a time (a moment at exactly 00:00 in Vietnam)."""
    return moment.astimezone(LOCAL_TZ).time() != time(0)


def show_day(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def show_moment(moment: datetime) -> str:
    """dd/mm/yyyy, with the hour when the moment has one."""
    local = moment.astimezone(LOCAL_TZ)
    return local.strftime("%d/%m/%Y %H:%M") if has_time(moment) else show_day(local.date())


def before(moment: datetime, other: datetime) -> bool:
    """Whether ``moment`` precedes ``other``; as calendar dates in Vietnam when either of the
    two is a date without a time."""
    if has_time(moment) and has_time(other):
        return moment < other
    return local_date(moment) < local_date(other)


def date_fields(transition: TransitionDef) -> tuple[str, ...]:
    """The date fields of the transition's data (its marshmallow schema), in order."""
    schema = transition.schema
    if schema is None:
        return ()
    found = _date_fields.get(schema)
    if found is None:  # once per schema: its fields do not change after it is built
        found = _date_fields[schema] = tuple(
            name for name, f in schema.fields.items() if isinstance(f, ma_fields.Date))
    return found


_date_fields: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


# --- the record's own dates -------------------------------------------------------------------


def _entry(record, seq: int) -> AuditEntry | None:
    return db.session.scalar(sa.select(AuditEntry).where(
        AuditEntry.record_type == record.__record_type__, AuditEntry.record_id == record.id,
        AuditEntry.seq == seq))


def _event_name(definition: WorkflowDef | None, entry: AuditEntry | None) -> str:
    if entry is None:
        return ""
    label = definition.events.get(entry.event) if definition is not None else None
    return str(label) if label is not None else entry.event


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


# --- judging an event's dates -----------------------------------------------------------------


@dataclass
class _Judge:
    record: object
    definition: WorkflowDef | None
    opening: bool  # the event opens the record
    errors: dict

    def refuse(self, key: str, message: str) -> None:
        self.errors.setdefault(key, []).append(message)

    # A date of the event (of its data, or the day of effective_at) against the record.
    def day(self, key: str, day: date, *, future: bool = True) -> bool:
        # The field's label and the date as shown are only needed for a refusal.
        today = local_date(utcnow())
        if future and day > today:
            self.refuse(key, _("%(field)s (%(date)s) may not be after today (%(today)s).",
                               field=field_label(key), date=show_day(day),
                               today=show_day(today)))
            return False
        earliest = self.record.earliest_event()
        if earliest is not None and day < earliest[0]:
            self.refuse(key, _("%(field)s (%(date)s) may not be before %(what)s (%(other)s).",
                               field=field_label(key), date=show_day(day), what=earliest[1],
                               other=show_day(earliest[0])))
            return False
        entered = None if self.opening else getattr(self.record, "state_entered_at", None)
        if entered is not None and day < local_date(entered):
            self.refuse(key, self._before_entering(field_label(key), day, local_date(entered)))
            return False
        return True

    def _before_entering(self, label: str, day: date, entered: date) -> str:
        """The message for a date before the event that entered the current state: before
        the opening when it is before that too, else before that event (by its date's label
        when that date is the one compared)."""
        shown = show_day(day)
        opening = _entry(self.record, 1)
        if opening is not None and day < local_date(opening.effective_at):
            return _("%(field)s (%(date)s) may not be before the record was opened (%(other)s).",
                     field=label, date=shown, other=show_moment(opening.effective_at))
        entry = (entering_entry(self.record, self.definition)
                 if self.definition is not None else None)
        event = _event_name(self.definition, entry)
        principal = (self.definition.event_dates.get(entry.event)
                     if entry is not None and self.definition is not None else None)
        if principal and (entry.data or {}).get(principal) == entered.isoformat():
            return _("%(field)s (%(date)s) may not be before the %(other_field)s (%(other)s) of "
                     "“%(event)s”.", field=label, date=shown,
                     other_field=_lower_first(field_label(principal)),
                     other=show_day(entered), event=event)
        return _("%(field)s (%(date)s) may not be before “%(event)s” (%(other)s), which brought "
                 "the record to its current state.", field=label, date=shown,
                 other=show_day(entered), event=event)

    def after_previous(self, key: str, moment: datetime) -> None:
        last = None if self.opening else getattr(self.record, "last_event_at", None)
        if last is None or not before(moment, last):
            return
        previous = _entry(self.record, self.record.version)
        self.refuse(key, _("%(field)s (%(date)s) may not be before the previous event, "
                           "“%(event)s” (%(other)s).", field=field_label(key),
                           date=show_moment(moment) if key == EFFECTIVE_AT
                           else show_day(local_date(moment)),
                           event=_event_name(self.definition, previous),
                           other=show_moment(last)))


def given_moment(value) -> datetime | None:
    """``effective_at`` as the caller gave it: None, a date (without a time), or a datetime (a
    naive one is a wall-clock time in Vietnam). ValidationFailed for anything else."""
    if value is None:
        return None
    if isinstance(value, datetime):
        moment = value if value.tzinfo is not None else value.replace(tzinfo=LOCAL_TZ)
    elif isinstance(value, date):
        moment = start_of_day(value)
    else:
        raise ValidationFailed(errors={EFFECTIVE_AT: [_("Give a date and time.")]})
    problem = datetime_problem(moment)  # first: comparing years 1 or 9999 across zones overflows
    if problem:
        raise ValidationFailed(errors={EFFECTIVE_AT: [problem]})
    return moment


def judge(record, definition: WorkflowDef | None, event: str, transition: TransitionDef | None,
          data: dict, effective_at, *, opening: bool = False) -> datetime:
    """When the event happened, once every date of it is judged possible (see the module).

    ``data`` is the event's loaded data (dates are ``date`` objects). Returns ``effective_at``:
    the one given, else the principal date (a date without a time), else now. Raises
    ValidationFailed, keyed by field, and then nothing has changed.
    """
    given = given_moment(effective_at)
    judge_ = _Judge(record, definition, opening, {})
    principal = definition.event_dates.get(event) if definition is not None else None
    principal_day = data.get(principal) if principal else None
    if not isinstance(principal_day, date):
        principal_day = None
    for name in (date_fields(transition) if transition is not None else ()):
        day = data.get(name)
        if isinstance(day, date):
            judge_.day(name, day)
    if given is not None:
        moment, key = given, EFFECTIVE_AT
        if principal in judge_.errors:
            pass  # the principal date is refused: the same words again would add nothing
        elif moment > utcnow():
            judge_.refuse(key, _("%(field)s (%(date)s) may not be in the future.",
                                 field=field_label(key), date=show_moment(moment)))
        elif principal_day is not None and local_date(moment) < principal_day:
            judge_.refuse(key, _("%(field)s (%(date)s) may not be before the %(other_field)s "
                                 "(%(other)s).", field=field_label(key),
                                 date=show_moment(moment),
                                 other_field=_lower_first(field_label(principal)),
                                 other=show_day(principal_day)))
        elif judge_.day(key, local_date(moment), future=False):
            judge_.after_previous(key, moment)
    elif principal_day is not None:
        moment, key = start_of_day(principal_day), principal
        if key not in judge_.errors:
            judge_.after_previous(key, moment)
    else:
        moment, key = utcnow(), EFFECTIVE_AT
        judge_.after_previous(key, moment)
    if judge_.errors:
        raise ValidationFailed(errors=judge_.errors)
    return moment


def event_moment(definition: WorkflowDef, event: str, data: dict | None,
                 effective_at=None) -> datetime | None:
    """When ``event`` with ``data`` says it happened, without judging it: ``effective_at`` as
    given, else its principal date (a date without a time); None when neither is known (or the
    data is not valid: the event itself will say why). For a record opened just before its
    first event, so that it is not opened after that event's date."""
    try:
        given = given_moment(effective_at)
    except ValidationFailed:
        return None
    if given is not None:
        return given
    principal = definition.event_dates.get(event)
    transition = next((t for t in definition.transitions if t.event == event), None)
    if principal is None or transition is None or transition.schema is None:
        return None
    try:
        day = transition.schema.load(data or {}).get(principal)
    except (TypeError, ValueError):  # marshmallow's ValidationError is a ValueError
        return None
    return start_of_day(day) if isinstance(day, date) else None


def latest(last: datetime | None, moment: datetime) -> datetime:
    """The record's ``last_event_at`` after an event at ``moment``: an event dated the same day
    as a timed one, without a time, does not move it back."""
    return moment if last is None or moment >= last else last
