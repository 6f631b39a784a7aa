"""Due dates of states: N days, N working days or N months from entering the state, or N
hours from the moment of entry (WORKFLOWS.md §7).

An hours deadline counts from the entering event's ``effective_at``. When that is a date
without a time, it counts from the moment the event was entered if that was the same day in
Vietnam, and otherwise from 23:59 of that date. Its ``due_at`` is the exact moment; a day
deadline's ``due_at`` is 23:59 of its day.

Working days skip Saturdays, Sundays and Vietnamese public holidays, the lunar ones (Tết,
Hùng Kings' day) included, with the government's substitute days off: the table
``holidays_vn.yaml`` (generated from the ``holidays`` package, with a legal officer's
corrections); a year outside it is computed by the package.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import yaml
from sqlalchemy.orm import lazyload

from casework import db as clock  # the clock tests freeze (casework.db.utcnow)
from casework.audit.models import AuditEntry
from casework.db import LOCAL_TZ, local_date  # noqa: F401 - imported from here by features
from casework.extensions import db
from casework.orgunits.models import OrgUnit, subtree_clause
from casework.workflow.catalog import get_catalog
from casework.workflow.definitions import Deadline, DefinitionError, Problem, WorkflowDef

HOLIDAYS_FILE = Path(__file__).with_name("holidays_vn.yaml")


CORRECTION_FIELDS = {"date": date, "working_day": bool, "basis": str, "source": str,
                     "verified": bool}


def holiday_problems(raw) -> list[Problem]:
    """What is wrong with the table (a legal officer edits its corrections by hand)."""
    where = str(HOLIDAYS_FILE)
    if not isinstance(raw, dict) or not isinstance(raw.get("years"), dict):
        return [Problem(where, None, "expected a mapping with `years`")]
    problems = [Problem(where, None, f"year {year}: expected a mapping of dates to names")
                for year, days in raw["years"].items()
                if not isinstance(year, int) or not isinstance(days, dict)
                or not all(isinstance(d, date) and d.year == year for d in days)]
    corrections = raw.get("corrections") or []
    if not isinstance(corrections, list):
        return [*problems, Problem(where, None, "`corrections` must be a list")]
    for number, item in enumerate(corrections, 1):
        if not isinstance(item, dict):
            problems.append(Problem(where, None, f"correction {number}: expected a mapping"))
            continue
        for name, kind in CORRECTION_FIELDS.items():
            value = item.get(name)
            if (not isinstance(value, kind) or isinstance(value, datetime)
                    or (kind is str and not value.strip())):
                wanted = {date: "a date (YYYY-MM-DD)", bool: "true or false"}.get(kind, "text")
                problems.append(Problem(where, None,
                                        f"correction {number}: `{name}` must be {wanted}"))
    return problems


@lru_cache(maxsize=1)
def holiday_table() -> tuple[dict[int, frozenset[date]], dict[date, bool]]:
    """The table's days off by year, and its corrections (day → is a working day); read and
    checked when the app starts (``workflow.setup``), which a wrong table stops."""
    try:
        raw = yaml.safe_load(HOLIDAYS_FILE.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError, ValueError) as exc:  # ValueError: a day like 2026-13-01
        raise DefinitionError(
            [Problem(str(HOLIDAYS_FILE), None, f"cannot be read: {exc}")]) from exc
    problems = holiday_problems(raw)
    if problems:
        raise DefinitionError(problems)
    years = {int(year): frozenset(days) for year, days in raw["years"].items()}
    corrections = {c["date"]: c["working_day"] for c in raw.get("corrections") or ()}
    return years, corrections


@lru_cache(maxsize=64)
def _holidays_of(year: int) -> frozenset[date]:
    years, corrections = holiday_table()
    days = years.get(year)
    if days is None:
        # Imported only here: loading the package's calendars loads every country's (~8 MB
        # in each web worker, issue 16), for the years the table does not hold.
        import holidays

        days = frozenset(holidays.country_holidays("VN", years=year))
    off = {d for d, working in corrections.items() if d.year == year and not working}
    worked = {d for d, working in corrections.items() if d.year == year and working}
    return frozenset((days | off) - worked)


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _holidays_of(day.year)


def add_working_days(start: date, n: int) -> date:
    """The ``n``-th working day after ``start`` (``start`` itself does not count)."""
    day = start
    counted = 0
    while counted < n:
        day += timedelta(days=1)
        if is_working_day(day):
            counted += 1
    return day


def add_months(start: date, n: int) -> date:
    """The same day ``n`` months later, or the month's last day when it is shorter."""
    month_index = start.month - 1 + n
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def as_date(value: Any) -> date | None:
    """A date from a value of event data: a date, a moment (its Vietnam day) or an ISO string;
    None for anything else."""
    if isinstance(value, datetime):
        return local_date(value)
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


END_OF_DAY = time(23, 59)


def end_of_day(day: date) -> datetime:
    """23:59 of ``day`` in Vietnam: the ``due_at`` of a deadline counted in days."""
    return datetime.combine(day, END_OF_DAY, tzinfo=LOCAL_TZ)


def hours_start(entered_at: datetime, recorded_at: datetime | None = None) -> datetime:
    """Where an hours deadline starts: ``entered_at`` when it has a time; for a date without
    a time (00:00 in Vietnam), the moment of entry if that was the same day, else 23:59."""
    local = entered_at.astimezone(LOCAL_TZ)
    if local.time() != time(0):
        return local
    recorded = (recorded_at or clock.utcnow()).astimezone(LOCAL_TZ)
    if recorded.date() == local.date():
        return recorded
    return end_of_day(local.date())


def _amount(deadline: Deadline, data: dict) -> int | None:
    amount = deadline.amount
    if isinstance(amount, str):
        amount = data.get(amount)
        if isinstance(amount, bool) or not isinstance(amount, int):
            return None
    return amount


def compute_due_at(deadline: Deadline, entered_at: datetime, data: dict,
                   recorded_at: datetime | None = None) -> datetime | None:
    """The moment ``deadline`` falls due (aware, in Vietnam's time): for hours, exact to the
    minute; for the other units, 23:59 of the due date. ``recorded_at`` is when the entering
    event was entered (default: now)."""
    if deadline.unit == "hours":
        amount = _amount(deadline, data)
        if amount is None:
            return None
        return hours_start(entered_at, recorded_at) + timedelta(hours=amount)
    day = compute_due(deadline, entered_at, data)
    return None if day is None else end_of_day(day)


def compute_due(deadline: Deadline, entered_at: datetime, data: dict,
                recorded_at: datetime | None = None) -> date | None:
    """The due date of ``deadline`` for a state entered at ``entered_at`` with ``data`` (for
    an hours deadline, the day in Vietnam on which it falls due).

    None when the amount names a field the entering event did not give.
    """
    if deadline.unit == "hours":
        due = compute_due_at(deadline, entered_at, data, recorded_at)
        return None if due is None else due.astimezone(LOCAL_TZ).date()
    start = None
    for name in deadline.from_fields:
        start = as_date(data.get(name))
        if start is not None:
            break
    if start is None:
        start = local_date(entered_at)
    amount = _amount(deadline, data)
    if amount is None:
        return None
    if deadline.unit == "days":
        return start + timedelta(days=amount)
    if deadline.unit == "working_days":
        return add_working_days(start, amount)
    return add_months(start, amount)


def deadline_for(definition: WorkflowDef, state: str, event: str | None,
                 data: dict) -> Deadline | None:
    """The deadline of ``state`` when ``event`` entered it with ``data`` (None: none)."""
    found = definition.states.get(state)
    if found is None:
        return None
    return found.deadline_for(event, data)


def due_date_for(definition: WorkflowDef, state: str, entered_at: datetime,
                 data: dict, event: str | None = None) -> date | None:
    """The due date of ``state`` entered at ``entered_at`` by ``event`` with ``data``.

    ``event`` picks the deadline's case when a state's deadline depends on how it was
    entered; without it, only the cases that depend on the data alone can apply.
    """
    deadline = deadline_for(definition, state, event, data)
    if deadline is None or entered_at is None:
        return None
    return compute_due(deadline, entered_at, data)


def due_at_for(definition: WorkflowDef, state: str, entered_at: datetime, data: dict,
               event: str | None = None, recorded_at: datetime | None = None
               ) -> datetime | None:
    """The moment the deadline of ``state`` falls due (see ``compute_due_at``)."""
    deadline = deadline_for(definition, state, event, data)
    if deadline is None or entered_at is None:
        return None
    return compute_due_at(deadline, entered_at, data, recorded_at)


def stamp_due(record, definition: WorkflowDef, entered_at: datetime, data: dict,
              event: str | None = None) -> None:
    """Set ``record.due_date`` and ``record.due_at`` for its (new) state, entered now."""
    deadline = deadline_for(definition, record.state, event, data)
    due_at = None
    if deadline is not None and entered_at is not None:
        due_at = compute_due_at(deadline, entered_at, data, clock.utcnow())
    record.due_at = due_at
    record.due_date = None if due_at is None else due_at.astimezone(LOCAL_TZ).date()


def overdue_clause(model, now: datetime | None = None):
    """SQL: ``model``'s deadline has passed: to the minute by ``due_at``, or, for a row
    stamped before ``due_at`` existed, by the day."""
    now = now or clock.utcnow()
    return sa.or_(model.due_at < now,
                  sa.and_(model.due_at.is_(None), model.due_date.is_not(None),
                          model.due_date < local_date(now)))


def is_overdue(record, now: datetime | None = None) -> bool:
    """``record``'s deadline has passed (to the minute; by the day when only a date is known)."""
    now = now or clock.utcnow()
    if record.due_at is not None:
        return record.due_at < now
    return record.due_date is not None and record.due_date < local_date(now)


# --- how a state was entered ----------------------------------------------------------------


def reentering_events(definition: WorkflowDef, state: str) -> tuple[str, ...]:
    """Events that enter ``state`` again from itself (a transition back into the same state
    that is not internal, like a new management decision): they restart its deadline."""
    return tuple(sorted({t.event for t in definition.transitions
                         if t.dest == state and state in t.sources}))


def entering_clause(definition: WorkflowDef, state: str):
    """SQL: the audit entries that moved a record into ``state`` (from elsewhere, when it was
    created, or again from itself); internal events are not among them."""
    clause = sa.or_(AuditEntry.from_state.is_(None), AuditEntry.from_state != AuditEntry.to_state)
    events = reentering_events(definition, state)
    if events:
        clause = sa.or_(clause, AuditEntry.event.in_(events))
    return sa.and_(AuditEntry.to_state == state, clause)


def entering_entry(record, definition: WorkflowDef) -> AuditEntry | None:
    """The audit entry of the event that moved ``record`` into its current state: from
    another state, on creation, or again from the same state by a transition that is not
    internal (a new management decision re-enters `managed_user`)."""
    if getattr(record, "id", None) is None:
        return None
    return db.session.scalar(
        sa.select(AuditEntry)
        .where(AuditEntry.record_type == record.__record_type__,
               AuditEntry.record_id == record.id,
               entering_clause(definition, record.state))
        .order_by(AuditEntry.seq.desc())
        .limit(1)
        .options(lazyload(AuditEntry.actor))  # its date and data are read, not who
    )


def current_deadline(record) -> Deadline | None:
    """The case of its state's deadline that applies to ``record`` (None: no deadline).

    A state's deadline may depend on how it was entered (WORKFLOWS.md §8: a "not addicted"
    assessment gives 3 working days for a new decision, a decision 12 months); the entering
    entry of the audit log says which.
    """
    definition = get_catalog().get(record.__workflow__, record.workflow_version)
    state = definition.states.get(record.state)
    if state is None or not state.deadlines:
        return None
    if len(state.deadlines) == 1:
        return state.deadline
    entry = entering_entry(record, definition)
    if entry is None:
        return state.deadline
    return state.deadline_for(entry.event, dict(entry.data or {})) or state.deadline


def _entering_events(record_type: str, ids: list[int], definition: WorkflowDef,
                     state: str) -> dict[int, tuple[str, dict]]:
    """(event, stored data) of the entry that moved each of ``ids`` into ``state``."""
    found: dict[int, tuple[str, dict]] = {}
    rows = db.session.execute(
        sa.select(AuditEntry.record_id, AuditEntry.event, AuditEntry.data)
        .where(AuditEntry.record_type == record_type, AuditEntry.record_id.in_(ids),
               entering_clause(definition, state))
        .order_by(AuditEntry.record_id, AuditEntry.seq.desc()))
    for record_id, event, data in rows:
        found.setdefault(record_id, (event, dict(data or {})))
    return found


# --- listing ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DueItem:
    record_type: str
    record_id: int
    workflow: str
    state: str
    state_label: str
    due_date: date
    label: str
    org_unit_code: str
    warn_days: int | None

    def days_left(self, today: date) -> int:
        return (self.due_date - today).days

    def status(self, today: date) -> str:
        left = self.days_left(today)
        if left < 0:
            return "overdue"
        if self.warn_days is not None and left <= self.warn_days:
            return "due_soon"
        return "pending"


def today_local() -> date:
    return local_date(clock.utcnow())


def list_due(record_models, catalog, *, overdue_only: bool = False, today: date | None = None,
             unit_path: str | None = None) -> list[DueItem]:
    """Records of the given models that have a due date, soonest first."""
    today = today or today_local()
    items: list[DueItem] = []
    for model in record_models:
        stmt = (
            sa.select(model.id, model.state, model.workflow_version, model.due_date,
                      OrgUnit.code)
            .join(OrgUnit, OrgUnit.id == model.org_unit_id)
            .where(model.due_date.is_not(None))
        )
        if overdue_only:
            stmt = stmt.where(model.due_date < today)
        if unit_path is not None:
            stmt = stmt.where(subtree_clause(OrgUnit.path, unit_path))
        rows = db.session.execute(stmt).all()
        # Where a state's deadline depends on how it was entered, ask the log which case it is.
        entered: dict[int, tuple[str, dict]] = {}
        groups: dict[tuple[int, str], list[int]] = {}
        for record_id, state, wf_version, _due, _code in rows:
            state_def = catalog.get(model.__workflow__, wf_version).states.get(state)
            if state_def is not None and len(state_def.deadlines) > 1:
                groups.setdefault((wf_version, state), []).append(record_id)
        for (wf_version, state), ids in groups.items():
            entered.update(_entering_events(model.__record_type__, ids,
                                            catalog.get(model.__workflow__, wf_version), state))
        for record_id, state, wf_version, due, unit_code in rows:
            definition = catalog.get(model.__workflow__, wf_version)
            state_def = definition.states.get(state)
            deadline = None
            if state_def is not None:
                event, data = entered.get(record_id, (None, {}))
                deadline = state_def.deadline_for(event, data) or state_def.deadline
            items.append(DueItem(
                record_type=model.__record_type__, record_id=record_id,
                workflow=model.__workflow__, state=state,
                state_label=str(state_def.label) if state_def else state, due_date=due,
                label=str(deadline.label) if deadline else "", org_unit_code=unit_code,
                warn_days=deadline.warn_days if deadline else None,
            ))
    items.sort(key=lambda i: (i.due_date, i.record_type, i.record_id))
    return items
