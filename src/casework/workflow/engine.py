"""The only code that changes a record's ``state``.

``fire`` checks, in this order: the event exists, the actor's role, the actor's scope over the
record, the record's version, that the event is possible from the current state, the event's
data (and its date); then the shared ``transitions`` machine selects the transition through
its rules, moves the state and runs the effects; the engine adds the one audit entry and
flushes, all in the caller's transaction: the request commits once at its end, and any
exception rolls everything back.

Writes go through the ORM's unit of work: the record's ``version`` is its ``version_id_col``,
so the flush's ``UPDATE ... WHERE version = <the version read>`` refuses a concurrent writer
(StaleDataError), as does the log's unique (record, seq); both become StaleVersion.
"""

from __future__ import annotations

import contextlib
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import object_session
from sqlalchemy.orm.attributes import flag_modified, set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from casework.audit import services as audit
from casework.audit.models import AuditEntry
from casework.auth.scope import Scope
from casework.db import utcnow
from casework.errors import InvalidEvent, StaleVersion
from casework.extensions import db
from casework.workflow import checks, dates, inforce
from casework.workflow.catalog import get_catalog
from casework.workflow.checks import event_label
from casework.workflow.context import EventOption, RuleContext, running
from casework.workflow.deadlines import local_date, stamp_due
from casework.workflow.definitions import WorkflowDef

_running = running  # the name tests and older callers use

__all__ = ["EventOption", "RuleContext", "available_events", "definition_of", "event_label",
           "fire", "fire_caused_by", "get_catalog", "import_record", "import_records",
           "migrate_record", "open_record", "state_label"]


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


# --- the verbs --------------------------------------------------------------------------------


def fire(record, event: str, actor, data: dict | None = None, reason: str | None = None,
         effective_at: datetime | None = None, version: int | None = None) -> AuditEntry:
    """Apply ``event`` to ``record`` on behalf of ``actor``; returns the new audit entry.

    ``version`` is the record version the caller saw (None skips that comparison, for internal
    callers; the flush still refuses a concurrent change). Raises NotPermitted, InvalidEvent,
    StaleVersion, ValidationFailed or RuleFailed, and then the caller's transaction must be
    rolled back (the request's error handling does).
    """
    catalog = get_catalog()
    unit = record.workflow_org_unit()
    scope = Scope.for_user(actor)
    # The version in force on the event's day (workflow.inforce): guessed from what was sent,
    # then confirmed once the event's dates are judged.
    day = inforce.first_guess(catalog, record.__workflow__, event, data, effective_at)
    # Before the first version, the first judges the dates (a date before the birth date or
    # the opening says so); ``settled`` then refuses a day no version covers.
    definition = catalog.in_force(record.__workflow__, day)
    for _attempt in range(3):
        with inforce.naming_law(catalog, definition, day):
            state = definition.state_for(record.state)
            candidates = definition.transitions_from(state, event)
            roles, role = checks.check_access(definition, event, scope, candidates, unit)
            _check_version(record, version)
            _check_possible(definition, state, event, candidates)
            loaded, dumped = checks.load_data(candidates[0], data)
            moment = dates.judge(record, definition, event, candidates[0], loaded,
                                 effective_at)
        day = local_date(moment)
        other = inforce.settled(catalog, definition, moment,
                                inforce.moment_key(definition, event, effective_at))
        if other is None:
            break
        definition = other
    else:  # pragma: no cover - two versions cannot each send the event to the other
        raise AssertionError("no version of the workflow settles the event's date")
    effective_at, from_state = moment, record.state
    checks.check_date_scope(definition, event, scope, unit, role, local_date(effective_at))
    context = RuleContext(record=record, definition=definition, event=event, actor=actor,
                          roles=roles, effective_at=effective_at, from_state=from_state,
                          reason=checks.clean_reason(reason), parent=running.get())
    session = object_session(record) or db.session
    # One UPDATE per event: a query inside a rule or an effect must not flush the half-moved
    # record (each flush would bump the version again).
    with session.no_autoflush, inforce.naming_law(catalog, definition, day):
        if state != record.state:  # a state of the previous law, read as this law's
            catalog.machine(definition).set_state(state, model=record)
        _move(definition, record, event, candidates, loaded, context, role)
        _stamp(definition, record, context, loaded)
    entry = _add_entry(session, record, context, unit, dumped)
    _flush(session, record, entry, context)
    return entry


def _check_version(record, version: int | None) -> None:
    if version is not None and version != record.version:
        raise StaleVersion(current_version=record.version)


def _check_possible(definition: WorkflowDef, state: str, event: str, candidates) -> None:
    if not candidates:
        raise InvalidEvent(_("“%(event)s” is not possible while the record is “%(state)s”.",
                             event=event_label(definition, event),
                             state=state_label(definition, state)))


def _move(definition: WorkflowDef, record, event: str, candidates, loaded: dict,
          context: RuleContext, role: str) -> None:
    """The machine takes the first transition whose rules pass: it moves the state (unless the
    transition is internal) and runs the effects. RuleFailed, with the reason, when none may."""
    machine = get_catalog().machine(definition)
    if not machine.events[event].trigger(record, data=loaded, context=context, role=role):
        # The rules have no side effects: judged again, they say which failed and why.
        checks.select(get_catalog().registry, candidates, record, loaded, context)
        raise AssertionError("the machine refused a transition whose rules pass")


def _stamp(definition: WorkflowDef, record, context: RuleContext, loaded: dict) -> None:
    """The engine's columns after a move: when the state was entered, its due date, and the
    time of the latest event (which bumps the version even for an internal transition)."""
    loaded.update(context.derived)
    record.workflow_version = definition.version  # the version of the record's newest event
    if not context.transition.internal:  # entered (or entered again: a new decision)
        record.state_entered_at = context.effective_at
        stamp_due(record, definition, context.effective_at, loaded, context.event)
    record.last_event_at = dates.latest(record.last_event_at, context.effective_at)
    flag_modified(record, "last_event_at")


def _add_entry(session, record, context: RuleContext, unit, dumped: dict,
               seq: int | None = None) -> AuditEntry:
    """The event's audit entry, chained to the record's newest one, added to the session.
    Its ``seq`` is the version the record's UPDATE writes (version_id_col adds one)."""
    data = {**dumped, **checks.jsonable(context.derived)} if context.derived else dumped
    seq = record.version + 1 if seq is None else seq
    with session.no_autoflush:
        prev_hash = _tip(record) if seq > 1 else None
    entry = audit.new_entry(
        prev_hash=prev_hash,
        workflow=context.definition.name, workflow_version=context.definition.version,
        record_type=record.__record_type__, record_id=record.id, seq=seq,
        event=context.event, from_state=context.from_state, to_state=record.state,
        actor_id=getattr(context.actor, "id", None),
        actor_name=getattr(context.actor, "username", None), role=context.role,
        org_unit_id=unit.id, reason=context.reason, data=data,
        effective_at=context.effective_at)
    session.add(entry)
    return entry


def _flush(session, record, entry: AuditEntry, context: RuleContext) -> None:
    """Write the record and its entry; then the rows the effects link to the entry (they may
    fire other records' events, which flush in turn). A concurrent writer makes it stale:
    the record's row is no longer at the version read, or its entry's (record, seq) is taken."""
    try:
        session.flush()
        for callback in context.after_log:
            callback(entry)
        if context.after_log:
            session.flush()
    except StaleDataError:
        raise StaleVersion() from None
    except IntegrityError as exc:
        if _is_sequence_clash(exc):
            raise StaleVersion() from None
        raise
    # The hash the next event chains to, as a reload would read it (no query needed).
    set_committed_value(record, "audit_tip", entry.hash)


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
    scope = Scope.for_user(actor)
    for _attempt in range(2):
        definition = catalog.in_force(record.__workflow__, day)
        creators = definition.creation_transitions
        if event is None:
            event = creators[0].event
        candidates = [t for t in creators if t.event == event]
        unit = record.workflow_org_unit()
        roles, role = checks.check_access(definition, event, scope, candidates, unit)
        if not candidates:
            raise InvalidEvent(_("The action “%(event)s” does not open a record.",
                                 event=event_label(definition, event)))
        loaded, dumped = checks.load_data(candidates[0], data)
        effective_at = dates.judge(record, definition, event, candidates[0], loaded, given,
                                   opening=True)
        checks.check_date_scope(definition, event, scope, unit, role, local_date(effective_at))
        if inforce.settled(catalog, definition, effective_at, dates.EFFECTIVE_AT) is None:
            break
        day = local_date(effective_at)
    context = RuleContext(record=record, definition=definition, event=event, actor=actor,
                          roles=roles, effective_at=effective_at, from_state=None,
                          reason=checks.clean_reason(reason), parent=running.get())
    # A new record has no state for the machine to read: the same rules and effects, here.
    transition = checks.select(catalog.registry, candidates, record, loaded, context)
    checks.require_reason(transition, context.reason)
    context.role = role
    record.workflow_version = definition.version
    catalog.machine(definition).set_state(transition.dest, model=record)
    record.state_entered_at = record.last_event_at = effective_at
    session = object_session(record) or db.session
    session.add(record)
    for name in transition.effects:
        checks.run_effect(catalog.registry, name, record, loaded, context)
    _stamp(definition, record, context, loaded)
    session.flush()  # the INSERT gives the id and version 1
    entry = _add_entry(session, record, context, unit, dumped, seq=1)
    _flush(session, record, entry, context)
    return entry


def available_events(record, user) -> list[EventOption]:
    """The events ``user`` could fire on ``record`` now: role, scope and rules all pass.

    Rules that read the event's data cannot be judged before the data is entered; they are
    checked when the event fires. Everything else is exactly what ``fire`` checks.
    """
    catalog = get_catalog()
    definition = inforce.today_version(catalog, record.__workflow__)  # the law of today
    registry = catalog.registry
    unit = record.workflow_org_unit()
    held = frozenset(Scope.for_user(user).roles_at(unit.path))
    if not held:
        return []
    options = []
    state = definition.state_for(record.state)
    for event in definition.events_from(state):
        candidates = [t for t in definition.transitions_from(state, event)
                      if held & set(t.roles)]
        if not candidates:
            continue
        context = RuleContext(record=record, definition=definition, event=event, actor=user,
                              roles=held, effective_at=utcnow(), from_state=record.state)
        passing = tuple(t for t in candidates
                        if checks.evaluate(registry, t, record, {}, context,
                                           data_rules=False)[0])
        if passing:
            options.append(EventOption(
                name=event, label=definition.events[event],
                reason_required=all(t.reason_required for t in passing),
                transitions=passing, date_field=definition.event_dates.get(event),
            ))
    return options


def fire_caused_by(cause: RuleContext, record, event: str, actor, **kwargs) -> AuditEntry:
    """Fire ``event`` on another record as caused by the transition ``cause`` (an effect's
    context), e.g. an approval recognising its area. Call it from an after-log callback, so
    that the causing record is written first."""
    token = running.set(cause)
    try:
        return fire(record, event, actor, **kwargs)
    finally:
        running.reset(token)


MIGRATE = "migrate_version"  # the event of a record's move to another workflow version


def migrate_record(record, definition: WorkflowDef) -> AuditEntry:
    """Move an open record to another version of its workflow (logged as `migrate_version`).

    The caller has checked that the record's state exists in ``definition``, or that
    ``definition`` maps it (``from_previous``): the record then takes the mapped state (the
    entry's ``from_state`` and ``to_state`` show the change).
    """
    old_version = record.workflow_version
    old_state = record.state
    new_state = definition.state_for(old_state)
    now = utcnow()
    context = RuleContext(record=record, definition=definition, event=MIGRATE, actor=None,
                          roles=frozenset(), effective_at=max(now, record.last_event_at),
                          from_state=record.state)
    entering = context.entering_entry
    record.workflow_version = definition.version
    if new_state != old_state:
        get_catalog().machine(definition).set_state(new_state, model=record)
    stamp_due(record, definition, record.state_entered_at,
              entering_data(definition, record.state, entering),
              entering.event if entering else None)
    record.last_event_at = context.effective_at
    flag_modified(record, "last_event_at")
    session = object_session(record) or db.session
    entry = _add_entry(session, record, context, record.workflow_org_unit(),
                       {"from_version": old_version, "to_version": definition.version})
    _flush(session, record, entry, context)
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
    the records (one batched INSERT instead of a round trip per record) and one their entries.
    """
    catalog = get_catalog()
    prepared = []
    scope = Scope.for_user(actor)
    for record, state, data, effective_at, reason in items:
        if getattr(record, "state", None) is not None:
            raise InvalidEvent(_("This record is already open."))
        effective_at = dates.judge(record, None, IMPORTED, None, {},
                                   dates.given_moment(effective_at), opening=True)
        # A date before the first law is refused, naming it (workflow.inforce).
        definition = inforce.version_for(catalog, record.__workflow__, local_date(effective_at))
        creators = definition.creation_transitions
        unit = record.workflow_org_unit()
        _roles, role = checks.check_access(definition, creators[0].event, scope, creators,
                                           unit)
        if state not in definition.states:
            raise InvalidEvent(_("The state “%(state)s” does not exist in this workflow.",
                                 state=state))
        if state not in reachable_states(definition):
            raise InvalidEvent(_("No record can be in the state “%(state)s”.",
                                 state=state_label(definition, state)))
        context = RuleContext(record=record, definition=definition, event=IMPORTED,
                              actor=actor, roles=frozenset(), effective_at=effective_at,
                              from_state=None, reason=checks.clean_reason(reason), role=role)
        prepared.append((context, unit, dict(data or {}), state))
    session = db.session
    for context, _unit, data, state in prepared:
        record, definition = context.record, context.definition
        record.workflow_version = definition.version
        catalog.machine(definition).set_state(state, model=record)
        record.state_entered_at = record.last_event_at = context.effective_at
        stamp_due(record, definition, context.effective_at, data, IMPORTED)
        session.add(record)
    session.flush()  # the INSERTs give the ids and version 1
    entries = [_add_entry(session, context.record, context, unit, checks.jsonable(data), seq=1)
               for context, unit, data, _state in prepared]
    session.flush()
    return entries
