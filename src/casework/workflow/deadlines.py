"""Due dates of states: N days, N working days or N months from entering the state.

Working days skip Saturdays, Sundays and Vietnamese public holidays, the lunar ones (Tết,
Hùng Kings' day) included, as the ``holidays`` package lists them (with the government's
substitute days off).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

import holidays
import sqlalchemy as sa

from casework import db as clock  # the clock tests freeze (casework.db.utcnow)
from casework.audit.models import AuditEntry
from casework.db import LOCAL_TZ, local_date  # noqa: F401 - imported from here by features
from casework.extensions import db
from casework.orgunits.models import OrgUnit, subtree_clause
from casework.workflow.catalog import get_catalog
from casework.workflow.definitions import Deadline, WorkflowDef


@lru_cache(maxsize=64)
def _holidays_of(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("VN", years=year))


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


def _as_date(value: Any) -> date | None:
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


def compute_due(deadline: Deadline, entered_at: datetime, data: dict) -> date | None:
    """The due date of ``deadline`` for a state entered at ``entered_at`` with ``data``.

    None when the amount names a field the entering event did not give.
    """
    start = None
    for name in deadline.from_fields:
        start = _as_date(data.get(name))
        if start is not None:
            break
    if start is None:
        start = local_date(entered_at)
    amount = deadline.amount
    if isinstance(amount, str):
        amount = data.get(amount)
        if isinstance(amount, bool) or not isinstance(amount, int):
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
