"""The only code that changes a record's ``state``.

``fire`` checks, in this order: the event exists, the actor's role, the actor's scope over the
record, the record's version, that the event is possible from the current state, the event's
data (and its date), and the rules. Then it moves the state through the shared ``transitions``
machine, runs the effects, and appends the audit entry, all in the caller's transaction: the
request commits once at its end, and any exception rolls everything back.
"""

from __future__ import annotations

import contextlib
import contextvars
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from marshmallow import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import object_session
from sqlalchemy.orm.attributes import flag_modified, set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from casework.audit import services as audit
from casework.audit.models import AuditEntry
from casework.auth.scope import Scope
from casework.db import utcnow
from casework.errors import InvalidEvent, NotPermitted, RuleFailed, StaleVersion, ValidationFailed
from casework.extensions import db
from casework.validation import no_control_characters
from casework.workflow import dates
from casework.workflow.catalog import get_catalog
from casework.workflow.deadlines import LOCAL_TZ, due_date_for, entering_entry, local_date
from casework.workflow.definitions import TransitionDef, WorkflowDef

# The context of the transition whose effects are running, so that an effect that fires
# another record's event is recorded as caused by it.
_running: contextvars.ContextVar[RuleContext | None] = contextvars.ContextVar(
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
    transition: TransitionDef | None = None
    reason: str | None = None
    parent: RuleContext | None = None  # set when fired by another transition's effect
    # Filled when the transition runs (effects see it; rules do not).
    role: str | None = None
    extra: dict = field(default_factory=dict)
    # Effects may derive facts from the event (e.g. a term's length from the person's age):
    # they join the event's data, so the deadline sees them and the audit entry records them.
    derived: dict = field(default_factory=dict)
    # Effects that create rows linked to the audit entry register a callback here; each is
    # called with the entry once it is appended, in the same transaction.
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


# --- helpers ----------------------------------------------------------------------------------


def definition_of(record) -> WorkflowDef:
    return get_catalog().get(record.__workflow__, record.workflow_version)


def state_label(record_or_definition, state: str | None = None) -> str:
    """The label of a record's state (or of ``state`` in a definition)."""
    if isinstance(record_or_definition, WorkflowDef):
        definition = record_or_definition
    else:
        definition = definition_of(record_or_definition)
        state = record_or_definition.state if state is None else state
    found = definition.states.get(state)
    return str(found.label) if found is not None else str(state)


def event_label(definition: WorkflowDef, event: str) -> str:
    label = definition.events.get(event)
    return str(label) if label is not None else event


def _scope_of(actor) -> Scope:
    return Scope.for_user(actor)


def _load_data(transition: TransitionDef, data: dict | None) -> tuple[dict, dict]:
    """Validate the event's data. Returns (loaded values for rules, JSON for the audit log)."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ValidationFailed(errors={"data": [_("The data must be an object.")]})
    try:
        loaded = transition.schema.load(data)
    except ValidationError as exc:
        raise ValidationFailed(errors=exc.messages) from None
    return loaded, transition.schema.dump(loaded)


def _rule_outcome(name: str, record, data: dict, context: RuleContext) -> tuple[bool, Any]:
    info = get_catalog().registry.rules[name]
    result = info.func(record, data, context)
    if result is True:
        return True, None
    if result is False or result is None:  # a sentence around the rule's description
        return False, _("This action is possible only when %(condition)s.",
                         condition=info.description)
    return False, result  # the rule's own message


def _evaluate(transition: TransitionDef, record, data: dict, context: RuleContext,
              data_rules: bool = True) -> tuple[bool, list[tuple[str, Any]]]:
    """Whether ``transition`` may fire; the failing rules' messages when it may not.

    A failing condition gives the rule's message. A passing ``unless`` rule only means that
    another branch of the event applies; its message is kept apart so that a real rule failure
    is reported first.
    """
    registry = get_catalog().registry
    context.transition = transition
    failures: list[tuple[str, Any]] = []
    for name in transition.conditions:
        if not data_rules and registry.rules[name].uses_data:
            continue
        passed, message = _rule_outcome(name, record, data, context)
        if not passed:
            failures.append((name, message))
            return False, failures
    for name in transition.unless:
        if not data_rules and registry.rules[name].uses_data:
            continue
        passed, _message = _rule_outcome(name, record, data, context)
        if passed:
            description = registry.rules[name].description
            failures.append((name, _("This action does not apply when %(condition)s.",
                                     condition=description)))
            return False, failures
    return True, failures


def _select(candidates: list[TransitionDef], record, data: dict,
            context: RuleContext) -> TransitionDef:
    """The one transition whose rules pass, or RuleFailed with the reason."""
    unless_failures: list[tuple[str, Any]] = []
    condition_failures: list[tuple[str, Any]] = []
    for transition in candidates:
        ok, failures = _evaluate(transition, record, data, context)
        if ok:
            return transition
        name, message = failures[-1]
        if name in transition.unless:
            unless_failures.append((name, message))
        else:
            condition_failures.append((name, message))
    name, message = (condition_failures or unless_failures)[0]
    # The message says which rule and why, once; the rule's code is for programs only.
    raise RuleFailed(str(message), rule=name)


def _check_access(definition: WorkflowDef, record, event: str, actor, candidates,
                  unit) -> tuple[frozenset[str], str]:
    """Role, then scope. Returns the actor's roles over the unit and the role acted in."""
    if event not in definition.events:
        raise InvalidEvent(_("The action “%(event)s” does not exist in this workflow.",
                             event=event))
    allowed = ({r for t in candidates for r in t.roles} if candidates
               else definition.event_roles(event))
    ordered = [r for t in (candidates or definition.transitions) if t.event == event
               for r in t.roles]
    scope = _scope_of(actor)
    if not scope.roles & allowed:
        raise NotPermitted(_("Your role may not do “%(event)s”.",
                             event=event_label(definition, event)))
    # The roles over the unit on some day; the event's own date is checked once it is known
    # (``_check_date_scope``): a unit that ended takes no event dated after its last day.
    held = frozenset(scope.roles_ever(unit.path))
    usable = held & allowed
    if not usable:
        raise NotPermitted(_("This record is outside the area where you may do “%(event)s”.",
                             event=event_label(definition, event)))
    role = next(r for r in ordered if r in usable)
    return held, role


def _check_date_scope(actor, unit, role: str, effective_at: datetime, event: str,
                      definition: WorkflowDef) -> None:
    """The actor's role reaches the unit on the event's date (WORKFLOWS.md §6)."""
    if role not in _scope_of(actor).roles_at(unit.path, local_date(effective_at)):
        raise NotPermitted(_("On that date this record is outside the area where you may do "
                             "“%(event)s”.", event=event_label(definition, event)))


# --- the verbs --------------------------------------------------------------------------------


def open_record(record, actor, data: dict | None = None, reason: str | None = None,
                effective_at: datetime | None = None, event: str | None = None) -> AuditEntry:
    """Create a workflow record: its first event, first audit entry and initial state.

    ``record`` is a new model instance with its own columns (and its org unit) set. The version
    of the workflow is the one in force on ``effective_at``, which may be in the past.
    """
    if getattr(record, "state", None) is not None:
        raise InvalidEvent(_("This record is already open."))
    given = dates.given_moment(effective_at)
    catalog = get_catalog()
    # The version in force on the day the record was opened: the day given, else the event's
    # principal date once the data is read, else today.
    day = local_date(given or utcnow())
    for _attempt in range(2):
        definition = catalog.in_force(record.__workflow__, day)
        creators = definition.creation_transitions
        if event is None:
            event = creators[0].event
        candidates = [t for t in creators if t.event == event]
        unit = record.workflow_org_unit()
        roles, role = _check_access(definition, record, event, actor, candidates, unit)
        if not candidates:
            raise InvalidEvent(_("The action “%(event)s” does not open a record.",
                                 event=event_label(definition, event)))
        loaded, dumped = _load_data(candidates[0], data)
        effective_at = dates.judge(record, definition, event, candidates[0], loaded, given,
                                   opening=True)
        _check_date_scope(actor, unit, role, effective_at, event, definition)
        if catalog.in_force(record.__workflow__, local_date(effective_at)) is definition:
            break
        day = local_date(effective_at)
    reason = _clean_reason(reason)
    context = RuleContext(record=record, definition=definition, event=event, actor=actor,
                          roles=roles, effective_at=effective_at, from_state=None, reason=reason,
                          parent=_running.get())
    transition = _select(candidates, record, loaded, context)
    _require_reason(transition, reason)
    context.role = role

    record.workflow_version = definition.version
    catalog.machine(definition).set_state(transition.dest, model=record)
    record.state_entered_at = effective_at
    record.last_event_at = effective_at
    session = object_session(record) or db.session
    session.add(record)
    _run_effects(transition, record, loaded, context)
    if context.derived:
        loaded.update(context.derived)
        dumped.update(_jsonable(context.derived))
    record.due_date = due_date_for(definition, record.state, effective_at, loaded, event)
    session.flush()  # the INSERT gives the id and version 1
    entry = _log(record, definition, event, None, actor, role, unit, reason, dumped,
                 effective_at, prev_hash=None)
    set_committed_value(record, "audit_tip", entry.hash)
    for callback in context.after_log:
        callback(entry)
    session.flush()
    return entry


def fire(record, event: str, actor, data: dict | None = None, reason: str | None = None,
         effective_at: datetime | None = None, version: int | None = None) -> AuditEntry:
    """Apply ``event`` to ``record`` on behalf of ``actor``; returns the new audit entry.

    ``version`` is the record version the caller saw (None skips that comparison, for internal
    callers; the database still refuses a concurrent change). Raises NotPermitted,
    InvalidEvent, StaleVersion, ValidationFailed or RuleFailed and then changes nothing.
    """
    definition = definition_of(record)
    from_state = record.state
    candidates = definition.transitions_from(from_state, event)
    unit = record.workflow_org_unit()
    roles, role = _check_access(definition, record, event, actor, candidates, unit)
    if version is not None and version != record.version:
        raise StaleVersion(current_version=record.version)
    if not candidates:
        raise InvalidEvent(_("“%(event)s” is not possible while the record is “%(state)s”.",
                             event=event_label(definition, event),
                             state=state_label(definition, from_state)))
    loaded, dumped = _load_data(candidates[0], data)
    effective_at = dates.judge(record, definition, event, candidates[0], loaded, effective_at)
    _check_date_scope(actor, unit, role, effective_at, event, definition)
    reason = _clean_reason(reason)
    context = RuleContext(record=record, definition=definition, event=event, actor=actor,
                          roles=roles, effective_at=effective_at, from_state=from_state,
                          reason=reason, parent=_running.get())
    transition = _select(candidates, record, loaded, context)
    _require_reason(transition, reason)
    context.role = role

    session = object_session(record) or db.session
    # One UPDATE per event: a query inside an effect must not flush the half-moved record
    # (each flush would bump the version again).
    with session.no_autoflush:
        # The machine moves the state (or not, for an internal transition), runs the effects.
        get_catalog().machine(definition).events[event].trigger(
            record, transition=transition,
            run_effects=lambda: _run_effects(transition, record, loaded, context),
        )
        if context.derived:
            loaded.update(context.derived)
            dumped.update(_jsonable(context.derived))
        if not transition.internal:  # entered (or entered again: a new decision)
            record.state_entered_at = effective_at
            record.due_date = due_date_for(definition, record.state, effective_at, loaded,
                                           event)
        record.last_event_at = dates.latest(record.last_event_at, effective_at)
        flag_modified(record, "last_event_at")  # an internal event still bumps the version
    # The entry gets the version the record's UPDATE writes (version_id_col adds one): UPDATE
    # ... WHERE version = <the version read>. A concurrent event loses on either write: its
    # entry's (record, seq) is already taken, or the UPDATE finds no row at the version it read.
    try:
        with session.no_autoflush:
            row = audit.prepare_entry(prev_hash=_tip(record), **_entry_values(
                record, definition, event, from_state, actor, role, unit, reason, dumped,
                effective_at, seq=record.version + 1))
            # Callbacks run between the entry and the record's write (they may fire events of
            # other records, which flush): then the two are written apart.
            entry = None if context.after_log else _write_with_entry(session, record, row)
            if entry is None:
                entry = audit.insert_entry(row)
                for callback in context.after_log:
                    callback(entry)
                _write_record(session, record)
        if session.new or session.dirty or session.deleted:
            session.flush()  # the rows the effects made
    except StaleDataError:
        raise StaleVersion() from None
    except IntegrityError as exc:
        if _is_sequence_clash(exc):
            raise StaleVersion() from None
        raise
    set_committed_value(record, "audit_tip", entry.hash)
    return entry


def _tip(record) -> str | None:
    """The hash of the record's newest entry, as loaded with it (None: read it from the log)."""
    try:
        return record.audit_tip
    except AttributeError:  # a model without the mixin's column property
        return None


def _is_sequence_clash(exc: IntegrityError) -> bool:
    text = str(exc.orig)
    return "uq_audit_entries_record_seq" in text or (
        "audit_entries.record_type, audit_entries.record_id, audit_entries.seq" in text)


def _jsonable(values: dict) -> dict:
    return {k: v.isoformat() if isinstance(v, date | datetime) else v for k, v in values.items()}


REASON_MAX = 2000


def _clean_reason(reason: str | None) -> str | None:
    reason = (reason or "").strip() or None
    if reason is None:
        return None
    if len(reason) > REASON_MAX:
        raise ValidationFailed(errors={"reason": [
            _("Use at most %(n)d characters.", n=REASON_MAX)]})
    try:
        no_control_characters(reason)
    except ValidationError as exc:
        raise ValidationFailed(errors={"reason": exc.messages}) from None
    return reason


def fire_caused_by(cause: RuleContext, record, event: str, actor, **kwargs) -> AuditEntry:
    """Fire ``event`` on another record as caused by the transition ``cause`` (an effect's
    context), e.g. an approval recognising its area. Call it from an after-log callback, so
    that the causing record is written first."""
    token = _running.set(cause)
    try:
        return fire(record, event, actor, **kwargs)
    finally:
        _running.reset(token)


def _require_reason(transition: TransitionDef, reason: str | None) -> None:
    if transition.reason_required and not reason:
        raise ValidationFailed(errors={"reason": [_("A reason is required for this action.")]})


def _run_effects(transition: TransitionDef, record, data: dict, context: RuleContext) -> None:
    if not transition.effects:
        return
    effects = get_catalog().registry.effects
    token = _running.set(context)
    try:
        for name in transition.effects:
            effects[name].func(record, data, context)
    finally:
        _running.reset(token)


def _log(record, definition: WorkflowDef, event: str, from_state: str | None, actor, role,
         unit, reason, data, effective_at, prev_hash: str | None = None,
         seq: int | None = None) -> AuditEntry:
    seq = record.version if seq is None else seq
    return audit.append_entry(
        prev_hash=prev_hash, **_entry_values(record, definition, event, from_state, actor, role,
                                             unit, reason, data, effective_at, seq))


def _entry_values(record, definition: WorkflowDef, event: str, from_state: str | None, actor,
                  role, unit, reason, data, effective_at, seq: int) -> dict:
    """The columns of a record's audit entry for one event."""
    return {
        "workflow": definition.name, "workflow_version": definition.version,
        "record_type": record.__record_type__, "record_id": record.id, "seq": seq,
        "event": event, "from_state": from_state, "to_state": record.state,
        "actor_id": getattr(actor, "id", None),
        "actor_name": getattr(actor, "username", None), "role": role,
        "org_unit_id": unit.id, "reason": reason, "data": data, "effective_at": effective_at,
    }


# --- writing the moved record ----------------------------------------------------------------
#
# A flush writes the moved record with UPDATE <table> SET <changed columns>, version = v + 1
# WHERE id = :id AND version = v, and refuses the event (StaleDataError) unless that hits the
# row. When only the engine's own columns changed on the record (the usual case), the engine
# emits the same statement, with the same check, itself: the bookkeeping of a unit-of-work
# flush costs several times the statement. Then it marks the record clean, as a flush would.
# Anything else takes the ordinary flush: another attribute changed by an effect, a mapper or
# flush listener, an on-update default, a class that is not a plain one-table model.

# The columns an event changes (WorkflowRecordMixin's; ``version`` follows them).
_MOVED_COLUMNS = frozenset(
    {"state", "workflow_version", "state_entered_at", "last_event_at", "due_date"})


@dataclass
class _RecordTable:
    """How the engine writes the records of one mapped class."""

    mapper: Any
    id_key: str
    version_key: str
    update: sa.Update  # WHERE id = :w_id AND version = :w_read; SET from the parameters
    with_entry: dict = field(default_factory=dict)  # changed keys -> UPDATE and INSERT in one

    def update_with_entry(self, keys: frozenset[str]) -> sa.Insert:
        """``WITH moved AS (UPDATE ... RETURNING id) INSERT INTO audit_entries ... SELECT ...
        FROM moved`` (PostgreSQL): the entry is written if, and only if, the UPDATE hit."""
        found = self.with_entry.get(keys)
        if found is None:
            table = self.mapper.local_table
            (pk,) = self.mapper.primary_key
            moved = (
                table.update()
                .where(pk == sa.bindparam("w_id"),
                       self.mapper.version_id_col == sa.bindparam("w_read"))
                .values({table.c[k]: sa.bindparam(f"w_{k}", type_=table.c[k].type)
                         for k in sorted(keys)})
                .returning(pk)
                .cte("moved")
            )
            found = self.with_entry[keys] = audit.insert_entry_from(moved)
        return found


_record_tables: dict[Any, _RecordTable | None] = {}


def _record_table(mapper) -> _RecordTable | None:
    """None when the records of ``mapper`` are always written by a flush."""
    try:
        return _record_tables[mapper]
    except KeyError:
        pass
    found = None
    table = mapper.local_table
    version = mapper.version_id_col
    if (mapper.inherits is None and isinstance(table, sa.Table) and version is not None
            and version.table is table and callable(mapper.version_id_generator)
            and len(mapper.primary_key) == 1
            and all(c.onupdate is None and c.server_onupdate is None for c in table.c)):
        (pk,) = mapper.primary_key
        keys = {mapper.get_property_by_column(c).key for c in (pk, version)}
        if all(len(getattr(mapper.attrs.get(k), "columns", ())) == 1
               and mapper.attrs[k].columns[0] is table.c.get(k)
               for k in (*_MOVED_COLUMNS, *keys)):
            found = _RecordTable(
                mapper=mapper, id_key=pk.key, version_key=version.key,
                update=table.update().where(pk == sa.bindparam("w_id"),
                                            version == sa.bindparam("w_read")),
            )
    _record_tables[mapper] = found
    return found


def _direct_write(session, record):
    """(state, table, the changed values with the new version, the version read) when the
    engine may write ``record`` itself; None when a flush must."""
    state = sa.inspect(record)
    changed = state.committed_state
    if (not changed or not changed.keys() <= _MOVED_COLUMNS or state.key is None
            or state.deleted or session.deleted
            or session.dispatch.before_flush or session.dispatch.after_flush
            or session.dispatch.after_flush_postexec
            or state.mapper.dispatch.before_update or state.mapper.dispatch.after_update):
        return None
    table = _record_table(state.mapper)
    values = state.dict
    if table is None or table.id_key not in values or table.version_key not in values:
        return None
    params = {key: values[key] for key in changed}
    if any(isinstance(value, sa.sql.ClauseElement) for value in params.values()):
        return None
    read = values[table.version_key]
    params[table.version_key] = state.mapper.version_id_generator(read)
    return state, table, params, read


def _written(session, state, table: _RecordTable, params: dict) -> None:
    """The record's row now holds its values: register it as a flush does when it ends."""
    state.dict[table.version_key] = params[table.version_key]
    # The session's own last step of a flush (there is no public one): the record is clean,
    # and a rollback (of a savepoint too) expires it. tests/workflow/test_writes.py checks both.
    session._register_persistent({state})


def _stale(state, table: _RecordTable, read) -> StaleDataError:
    return StaleDataError(f"{state.mapper.class_.__name__} #{state.dict[table.id_key]} is no "
                          f"longer at version {read}")


def _write_record(session, record) -> None:
    """Write the moved record (and whatever else a flush would)."""
    direct = _direct_write(session, record)
    connection = session.connection() if direct is not None else None
    if direct is None or not connection.dialect.supports_sane_rowcount:
        session.flush()
        return
    state, table, params, read = direct
    result = connection.execute(table.update, {
        **params, "w_id": state.dict[table.id_key], "w_read": read})
    if result.rowcount != 1:
        raise _stale(state, table, read)
    _written(session, state, table, params)


def _write_with_entry(session, record, row: dict) -> AuditEntry | None:
    """Write the audit entry ``row`` and the moved record; None (nothing written) when the
    record needs a flush. On PostgreSQL, where every statement is a round trip to the server,
    one statement writes both; elsewhere the entry's INSERT, then the record's UPDATE."""
    direct = _direct_write(session, record)
    if direct is None:
        return None
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        if not connection.dialect.supports_sane_rowcount:
            return None
        entry = audit.insert_entry(row)
        _write_record(session, record)
        return entry
    state, table, params, read = direct
    bound = {f"e_{key}": value for key, value in row.items()}
    bound.update({f"w_{key}": value for key, value in params.items()})
    bound["w_id"] = state.dict[table.id_key]
    bound["w_read"] = read
    entry_id = connection.execute(table.update_with_entry(frozenset(params)), bound).scalar()
    if entry_id is None:
        raise _stale(state, table, read)
    _written(session, state, table, params)
    return audit.attach_entry(row, entry_id)


def available_events(record, user) -> list[EventOption]:
    """The events ``user`` could fire on ``record`` now: role, scope and rules all pass.

    Rules that read the event's data cannot be judged before the data is entered; they are
    checked when the event fires. Everything else is exactly what ``fire`` checks.
    """
    definition = definition_of(record)
    unit = record.workflow_org_unit()
    held = frozenset(_scope_of(user).roles_at(unit.path))
    if not held:
        return []
    options = []
    for event in definition.events_from(record.state):
        candidates = [t for t in definition.transitions_from(record.state, event)
                      if held & set(t.roles)]
        if not candidates:
            continue
        context = RuleContext(record=record, definition=definition, event=event, actor=user,
                              roles=held, effective_at=utcnow(), from_state=record.state)
        passing = tuple(t for t in candidates
                        if _evaluate(t, record, {}, context, data_rules=False)[0])
        if passing:
            options.append(EventOption(
                name=event, label=definition.events[event],
                reason_required=all(t.reason_required for t in passing),
                transitions=passing, date_field=definition.event_dates.get(event),
            ))
    return options


def migrate_record(record, definition: WorkflowDef) -> AuditEntry:
    """Move an open record to another version of its workflow (logged as `migrate_version`).

    The caller has checked that the record's state exists in ``definition``.
    """
    old_version = record.workflow_version
    unit = record.workflow_org_unit()
    context = RuleContext(record=record, definition=definition, event="migrate_version",
                          actor=None, roles=frozenset(), effective_at=utcnow(),
                          from_state=record.state)
    entering = context.entering_entry
    entered_data = entering_data(definition, record.state, entering)
    record.workflow_version = definition.version
    record.due_date = due_date_for(definition, record.state, record.state_entered_at,
                                   entered_data, entering.event if entering else None)
    now = utcnow()
    effective_at = max(now, record.last_event_at)
    record.last_event_at = effective_at
    flag_modified(record, "last_event_at")
    session = object_session(record) or db.session
    tip = _tip(record)
    try:
        session.flush()
    except StaleDataError:
        raise StaleVersion() from None
    entry = _log(record, definition, "migrate_version", record.state, None, None, unit, None,
                 {"from_version": old_version, "to_version": definition.version},
                 effective_at, prev_hash=tip)
    set_committed_value(record, "audit_tip", entry.hash)
    return entry


def entering_data(definition: WorkflowDef, state: str, entry) -> dict:
    """The entering event's stored data, with dates parsed back for the deadline."""
    if entry is None:
        return {}
    out = dict(entry.data or {})
    for key, value in list(out.items()):
        if isinstance(value, str) and len(value) == 10:
            with contextlib.suppress(ValueError):
                out[key] = date.fromisoformat(value)
    return out


# --- imports from other systems ---------------------------------------------------------------

IMPORTED = "imported"  # the event of the first audit entry of an imported record


def reachable_states(definition: WorkflowDef) -> frozenset[str]:
    """The states a record can be in: the initial one and every state a transition reaches."""
    found = _reachable.get(definition.key)
    if found is None:
        reached = {definition.initial}
        frontier = [definition.initial]
        while frontier:
            state = frontier.pop()
            for t in definition.transitions:
                if state in t.sources and t.dest is not None and t.dest not in reached:
                    reached.add(t.dest)
                    frontier.append(t.dest)
        found = _reachable[definition.key] = frozenset(reached)
    return found


_reachable: dict[tuple[str, int], frozenset[str]] = {}


def import_record(record, state: str, actor, data: dict | None = None,
                  effective_at: datetime | None = None, reason: str | None = None) -> AuditEntry:
    """Create a workflow record directly in ``state``, as brought in from another system.

    An imported record did not go through its events in this system, so its history does not
    pretend it did: it starts with ONE audit entry, event ``imported``, ``from_state`` None,
    ``to_state`` = ``state``, whose ``data`` holds the imported facts. Later events follow it
    in the same hash chain, exactly as after ``open_record``.

    Checked first, and nothing changes when a check fails:

    - the actor holds a role of the workflow's creating event (for persons: police or health)
      over the record's org unit (NotPermitted);
    - ``effective_at``, when the record entered ``state`` (default now; a naive value is a
      wall-clock time in Vietnam), is not in the future (ValidationFailed);
    - ``state`` exists in the workflow version in force on ``effective_at`` and can be
      reached from its initial state (InvalidEvent).

    Then, through the same code paths as the other verbs: the workflow version, the state (set
    by the shared machine), ``state_entered_at`` and ``last_event_at`` (= ``effective_at``),
    and the due date of ``state``, computed by ``deadlines.due_date_for`` from ``data`` as if
    ``data`` were the data of the event entering the state. So pass dates as ``date`` and
    numbers as ``int`` (e.g. ``decision_date`` and ``planned_months``); they are logged as
    JSON, dates as ISO strings. The record's ``version`` starts at 1.

    Rows that belong to the state (a management decision, a rehab episode, ...) are the
    caller's to create, linked to the returned entry. Flushes, never commits.
    """
    return import_records([(record, state, data, effective_at, reason)], actor)[0]


def import_records(items, actor) -> list[AuditEntry]:
    """``import_record`` for many records: ``items`` are (record, state, data, effective_at,
    reason) tuples. Every record is checked before any is written; then one flush inserts
    them all (one batched INSERT instead of a round trip per record) and each gets its entry.
    """
    catalog = get_catalog()
    prepared = []
    for record, state, data, effective_at, reason in items:
        if getattr(record, "state", None) is not None:
            raise InvalidEvent(_("This record is already open."))
        effective_at = dates.judge(record, None, IMPORTED, None, {},
                                   dates.given_moment(effective_at), opening=True)
        definition = catalog.in_force(record.__workflow__, local_date(effective_at))
        creators = definition.creation_transitions
        unit = record.workflow_org_unit()
        _roles, role = _check_access(definition, record, creators[0].event, actor, creators,
                                     unit)
        if state not in definition.states:
            raise InvalidEvent(_("The state “%(state)s” does not exist in this workflow.",
                                 state=state))
        if state not in reachable_states(definition):
            raise InvalidEvent(_("No record can be in the state “%(state)s”.",
                                 state=state_label(definition, state)))
        data = dict(data or {})
        prepared.append((record, state, definition, role, unit, _clean_reason(reason), data,
                         effective_at))
    session = db.session
    for record, state, definition, _role, _unit, _reason, data, effective_at in prepared:
        record.workflow_version = definition.version
        catalog.machine(definition).set_state(state, model=record)
        record.state_entered_at = effective_at
        record.last_event_at = effective_at
        record.due_date = due_date_for(definition, state, effective_at, data, IMPORTED)
        session.add(record)
    session.flush()  # the INSERTs give the ids and version 1
    return audit.append_first_entries([
        _entry_values(record, definition, IMPORTED, None, actor, role, unit, reason,
                      _jsonable(data), effective_at, seq=1)
        for record, _state, definition, role, unit, reason, data, effective_at in prepared
    ])
