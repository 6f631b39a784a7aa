"""What rules and effects are told about an event, and what a page may offer."""

from __future__ import annotations

import contextvars
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from typing import Any

import sqlalchemy as sa

from casework.audit.models import AuditEntry
from casework.extensions import db
from casework.workflow.deadlines import LOCAL_TZ, entering_entry
from casework.workflow.definitions import TransitionDef, WorkflowDef

# The context of the transition whose effects are running, so that an effect that fires
# another record's event is recorded as caused by it.
running: contextvars.ContextVar[RuleContext | None] = contextvars.ContextVar(
    "casework_workflow_running", default=None
)


@dataclass
class RuleContext:
    """What rules and effects know about the event beyond the record and its data."""

    record: Any
    definition: WorkflowDef
    event: str
    actor: Any
    roles: frozenset[str]  # the actor's roles over the record's org unit
    effective_at: datetime
    from_state: str | None
    transition: TransitionDef | None = None  # the transition being judged, then the one taken
    reason: str | None = None
    parent: RuleContext | None = None  # set when fired by another transition's effect
    # Filled when the transition runs (effects see it; rules do not).
    role: str | None = None
    extra: dict = field(default_factory=dict)
    # Effects may derive facts from the event (e.g. a term's length from the person's age):
    # they join the event's data, so the deadline sees them and the audit entry records them.
    derived: dict = field(default_factory=dict)
    # Effects that create rows linked to the audit entry register a callback here; each is
    # called with the entry once it is written, in the same transaction.
    after_log: list = field(default_factory=list)

    @property
    def effective_date(self) -> date:
        """The day the event happened, in Vietnam."""
        return self.effective_at.astimezone(LOCAL_TZ).date()

    @cached_property
    def entering_entry(self) -> AuditEntry | None:
        """The audit entry of the event that moved the record into its current state."""
        return entering_entry(self.record, self.definition)

    @property
    def entering_data(self) -> dict:
        """The data (as stored: dates are ISO strings) of the event that entered the state."""
        entry = self.entering_entry
        return dict(entry.data) if entry is not None else {}

    def ever_entered(self, state: str) -> bool:
        """Whether the record was ever moved into ``state`` (from the audit log)."""
        record = self.record
        if getattr(record, "id", None) is None:
            return False
        return db.session.scalar(
            sa.select(sa.literal(True)).where(
                AuditEntry.record_type == record.__record_type__,
                AuditEntry.record_id == record.id,
                AuditEntry.to_state == state,
            ).limit(1)
        ) is True


@dataclass(frozen=True)
class EventOption:
    """An event the user may fire now, as a page or the API offers it."""

    name: str
    label: Any
    reason_required: bool  # always required, whatever branch the data leads to
    transitions: tuple[TransitionDef, ...]
    date_field: str | None = None  # the event's principal date (its form's one date)

    @property
    def fields(self):
        return self.transitions[0].data.fields

    @property
    def schema_name(self):
        return self.transitions[0].data.schema_name

    @property
    def provenances(self) -> tuple:
        """The legal basis of the event's branches, each once (those that state one)."""
        seen: dict = {}
        for t in self.transitions:
            if t.provenance.basis:
                seen.setdefault(t.provenance, None)
        return tuple(seen)
