"""The one redaction policy: who may see personal data, and which data is personal.

1. Personal data is shown only to a user holding one of ``PERSONAL_READ_ROLES`` over the org
   unit of the record it belongs to (:func:`may_see_personal`). ``viewer`` and ``admin``
   never hold one, so they never see it, whatever their scope.
2. Every free-text value is personal unless declared otherwise in :data:`PUBLIC`: a string a
   user typed, wherever it is kept (a column, a JSON column, an event's data, an audit
   reason). Coded values are not personal: dates, numbers, yes/no, and the values of choice
   fields of a workflow event.
3. A withheld label is replaced by a neutral stand-in (:data:`STAND_INS`), such as
   "Điểm #12" for a hotspot's name; other withheld values become None.

Everything that shows data asks this module: the JSON API (:func:`shown_values`,
:func:`history`, :func:`shown_evidence`), the pages (the view objects of :func:`shown` and the
Jinja filters of :func:`init_app`, which the audit timeline and the criteria use), and the
reports. Records that are personal as a whole (persons, recognition dossiers) are read only
through queries scoped to ``PERSONAL_READ_ROLES``; their pages never render for the others.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy import inspect

from casework.audit.services import history_of
from casework.auth.roles import PERSONAL_READ_ROLES
from casework.auth.scope import Scope, current_scope
from casework.db import Base
from casework.workflow.catalog import UnknownWorkflow, get_catalog

# --- the declarations -------------------------------------------------------------------------

# Kinds that hold no personal data at all: the administration itself (units, officers) and
# the plans, which are official documents of the people's committees.
PUBLIC_RECORDS = frozenset({"org_units", "users", "role_assignments", "plans", "plan_phases",
                            "plan_targets", "plan_report_submissions"})

# What else is NOT personal, by kind: a table's name, or "event:<workflow>" for the data of
# that workflow's events. Any other free text is personal.
PUBLIC: dict[str, frozenset[str]] = {
    "areas": frozenset({"state", "kind"}),
    # A fact's kind, a prevention model's name and decision number (a programme, not a
    # person) and an awareness activity's type. Descriptions and notes are personal.
    "area_facts": frozenset({"kind", "kind_label", "name", "decision_no", "activity_type",
                             "route_scope", "case_kind", "case_no"}),
    # A hotspot's name and address are personal: they point at a home or a person.
    "hotspots": frozenset({"kind", "state"}),
    "persons": frozenset({"gender", "state", "residence_type", "state_label", "due_label"}),
    "recognition_requests": frozenset({"state", "minutes_no", "decision_no",
                                       "snapshot_sha256"}),
    # A commune review's codes, hash and the province's decision number; its note and an
    # override's reason are personal.
    "commune_reviews": frozenset({"state", "decision_no", "snapshot_sha256",
                                  "computed_classification", "approved_classification"}),
    # Event data: official document numbers of areas and requests; codes are kept anyway.
    "event:area": frozenset({"minutes_no", "decision_no"}),
    "event:hotspot": frozenset(),
    "event:recognition": frozenset({"minutes_no", "decision_no", "attachments"}),
    "event:person": frozenset(),
    "event:commune_review": frozenset({"decision_no", "snapshot_sha256",
                                       "computed_classification", "approved_classification"}),
}

# The stand-in of a withheld field that names its record, by (kind, field); it gets the
# record's id. Other withheld values are None.
STAND_INS: dict[tuple[str, str], Any] = {
    ("hotspots", "name"): _l("Hotspot #%(id)d"),
    ("persons", "full_name"): _l("A person"),
}
# The label of an item of evidence whose withheld label has no stand-in of its own.
RECORD_STAND_IN = _l("Record #%(id)d")

# Kinds whose records are personal as a whole: what mentions them never links to them.
PERSONAL_RECORDS = frozenset({"persons", "recognition_requests", "commune_reviews"})

# Workflow field types whose values are codes, never free text.
CODED_FIELD_TYPES = frozenset({"int", "bool", "date", "choice"})


def is_public(kind: str, name: str) -> bool:
    """``name`` of ``kind`` is declared not personal."""
    return kind in PUBLIC_RECORDS or name in PUBLIC.get(kind, ())


def stand_in(kind: str, name: str, record_id: int | None) -> str | None:
    """What is shown in place of a withheld ``name`` of ``kind`` (None: nothing)."""
    label = STAND_INS.get((kind, name))
    if label is None:
        return None
    return str(label) % {"id": record_id or 0}


def kind_of(obj: Any) -> str:
    """The policy's kind of a record: its table's name, else its class's name."""
    return getattr(type(obj), "__tablename__", None) or type(obj).__name__


# --- who may see ------------------------------------------------------------------------------


def may_see_personal(unit: Any, scope: Scope | None = None) -> bool:
    """The user of ``scope`` (default: the signed-in user) may see the personal data of the
    records of ``unit`` (an org unit or its path)."""
    path = unit if isinstance(unit, str) else getattr(unit, "path", None)
    if not path:
        return False
    return (scope or current_scope()).covers(path, PERSONAL_READ_ROLES)


def _unit_of(record: Any) -> Any:
    unit = getattr(record, "org_unit", None)
    if unit is None and hasattr(record, "workflow_org_unit"):
        unit = record.workflow_org_unit()
    return unit


# --- values -----------------------------------------------------------------------------------

# Lazy strings are the interface's own labels, never typed by a user.
_CODED = (bool, int, float, Decimal, date, datetime, time, LazyString)


def _is_code(value: Any) -> bool:
    return value is None or isinstance(value, _CODED)


def _is_date_text(value: str) -> bool:
    """An ISO date or timestamp (as event data stores them): a code, not free text."""
    try:
        (datetime if "T" in value else date).fromisoformat(value)
    except ValueError:
        return False
    return True


def shown_value(kind: str, name: str, value: Any, allowed: bool,
                record_id: int | None = None) -> Any:
    """``value`` (the field ``name`` of a ``kind`` record) as the user may see it.

    ``allowed``: the user may see this record's personal data. Withheld text becomes its
    stand-in or None; in lists and mappings, each string is judged by its own key.
    """
    if allowed or _is_code(value) or is_public(kind, name):
        return value
    if isinstance(value, str):
        return stand_in(kind, name, record_id)
    if isinstance(value, Mapping):
        return {k: shown_value(kind, str(k), v, False) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [shown_value(kind, name, v, False) for v in value]
    return None


def shown_values(kind: str, values: Mapping[str, Any], allowed: bool) -> dict[str, Any]:
    """The fields of ``values`` the user may see; withheld ones are left out (for the API)."""
    if allowed:
        return dict(values)
    return {name: value for name, value in values.items()
            if _is_code(value) or is_public(kind, name)}


# --- view objects for templates ---------------------------------------------------------------


class Shown:
    """A record as a page may show it: every attribute goes through the policy.

    Strings not declared public come back as their stand-in or None, related records as
    view objects too, methods with their results filtered. Only built for users who may not
    see the record's personal data: for the others :func:`shown` returns the record itself.
    """

    __slots__ = ("_record", "_kind")

    def __init__(self, record: Any):
        object.__setattr__(self, "_record", record)
        object.__setattr__(self, "_kind", kind_of(record))

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        value = getattr(self._record, name)
        if callable(value) and not isinstance(value, type):
            return lambda *args, **kwargs: self._filter(name, value(*args, **kwargs))
        return self._filter(name, value)

    def __getitem__(self, name: str) -> Any:
        try:
            return getattr(self, name)
        except AttributeError:
            raise KeyError(name) from None

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("a view object is read-only")

    def __eq__(self, other: object) -> bool:
        return self._record == (other._record if isinstance(other, Shown) else other)

    def __hash__(self) -> int:
        return hash(self._record)

    def __str__(self) -> str:
        return stand_in(self._kind, "name", getattr(self._record, "id", None)) or ""

    def _filter(self, name: str, value: Any) -> Any:
        if isinstance(value, Base) or (dataclasses.is_dataclass(value)
                                       and not isinstance(value, type)):
            return value if kind_of(value) in PUBLIC_RECORDS else Shown(value)
        if isinstance(value, list | tuple) and value and all(
                isinstance(v, Base) for v in value):
            return [v if kind_of(v) in PUBLIC_RECORDS else Shown(v) for v in value]
        return shown_value(self._kind, name, value, False, getattr(self._record, "id", None))


def shown(record: Any, allowed: bool | None = None, scope: Scope | None = None) -> Any:
    """``record`` as the current user may see it: itself when they may see its personal data
    (``allowed``, by default decided from the record's org unit), else a :class:`Shown`."""
    if record is None or kind_of(record) in PUBLIC_RECORDS:
        return record
    if allowed is None:
        allowed = may_see_personal(_unit_of(record), scope)
    return record if allowed else Shown(record)


def shown_all(records: Iterable[Any], scope: Scope | None = None) -> list[Any]:
    """:func:`shown` of each record, each judged by its own org unit."""
    return [shown(r, scope=scope) for r in records]


# --- the audit log ----------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class ShownEntry:
    """An audit entry as the user may see it (the timeline and the history API read these).

    ``withheld`` is true when the reason or some data was left out for this user.
    """

    seq: int
    event: str
    from_state: str | None
    to_state: str
    workflow: str
    workflow_version: int
    actor_name: str | None
    role: str | None
    recorded_at: datetime
    effective_at: datetime
    reason: str | None
    data: dict
    hash: str
    withheld: bool = False
    actor_id: int | None = None  # who acted: the page shows their name and post
    # Their account, as loaded with the entry (None when it was not): the timeline reads its
    # name without looking each actor up again.
    actor: Any = dataclasses.field(default=None, compare=False, repr=False)


def _coded_fields(entry: Any) -> set[str]:
    """The data fields of the entry's event that hold codes, by its workflow definition: its
    coded fields and what its effects derive."""
    try:
        definition = get_catalog().get(entry.workflow, entry.workflow_version)
    except UnknownWorkflow:
        return set()
    coded = set()
    effects = get_catalog().registry.effects
    for transition in definition.transitions_from(entry.from_state, entry.event):
        for spec in transition.data.fields:
            if spec.type in CODED_FIELD_TYPES or (spec.type == "list" and spec.choices):
                coded.add(spec.name)
        # What an effect derives (a term, a legal basis, a flag) is computed, never typed.
        for name in transition.effects:
            if name in effects:
                coded.update(effects[name].derives)
    return coded


def event_data(entry: Any, allowed: bool) -> dict:
    """The entry's data the user may see: codes, dates and declared fields only, unless
    ``allowed``."""
    data = dict(entry.data or {})
    if allowed:
        return data
    kind = f"event:{entry.workflow}"
    coded = _coded_fields(entry)
    shown_data = {}
    for name, value in data.items():
        if name in coded or is_public(kind, name) or _is_code(value) or (
                isinstance(value, str) and _is_date_text(value)):
            shown_data[name] = value
        elif isinstance(value, Mapping | list | tuple):
            shown_data[name] = shown_value(kind, name, value, False)
    return shown_data


def shown_entry(entry: Any, allowed: bool) -> ShownEntry:
    """One audit entry as the user may see it."""
    if isinstance(entry, ShownEntry):
        return entry
    data = event_data(entry, allowed)
    reason = entry.reason if allowed else None
    withheld = (reason != entry.reason) or data != (entry.data or {})
    return ShownEntry(
        seq=entry.seq, event=entry.event, from_state=entry.from_state, to_state=entry.to_state,
        workflow=entry.workflow, workflow_version=entry.workflow_version,
        actor_name=entry.actor_name, role=entry.role, recorded_at=entry.recorded_at,
        effective_at=entry.effective_at, reason=reason, data=data, hash=entry.hash,
        withheld=withheld, actor_id=getattr(entry, "actor_id", None),
        actor=_loaded_actor(entry))


def _loaded_actor(entry: Any) -> Any:
    """The entry's account when it was loaded with it, without loading it."""
    state = inspect(entry, raiseerr=False)
    if state is None or "actor" in state.unloaded:
        return None
    return entry.actor


def history(record: Any, scope: Scope | None = None) -> list[ShownEntry]:
    """A record's audit entries, oldest first, as the user may see them (judged by the
    record's org unit now)."""
    if record is None:
        return []
    allowed = may_see_personal(_unit_of(record), scope)
    return [shown_entry(e, allowed) for e in history_of(record)]


def shown_entries(entries: Iterable[Any], scope: Scope | None = None) -> list[ShownEntry]:
    """Entries as the user may see them: those already judged stay; a raw entry is judged
    by its own org unit, so a timeline never shows more than the policy allows."""
    return [e if isinstance(e, ShownEntry)
            else shown_entry(e, may_see_personal(getattr(e, "org_unit", None), scope))
            for e in entries]


# --- criteria evidence ------------------------------------------------------------------------


def shown_evidence(evidence: Any, scope: Scope | None = None) -> Any:
    """An item of criteria evidence as the user may see it.

    The item names where its label comes from (``source``: kind and field) and the path of
    its area (``area_path``). A withheld label becomes its stand-in; an item about a record
    that is personal as a whole keeps only its area.
    """
    kind, name = evidence.source
    if is_public(kind, name) or may_see_personal(evidence.area_path, scope):
        return evidence
    return withheld_evidence(evidence)


def withheld_evidence(evidence: Any) -> Any:
    """An item of criteria evidence for a reader who may not see personal data: a withheld
    label becomes its stand-in; an item about a record that is personal as a whole keeps only
    its area."""
    kind, name = evidence.source
    if is_public(kind, name):
        return evidence
    if kind in PERSONAL_RECORDS:
        return dataclasses.replace(evidence, id=None, label=stand_in(kind, name, None) or "",
                                   detail="", url="", date=None)
    label = stand_in(kind, name, evidence.id) or str(RECORD_STAND_IN) % {"id": evidence.id or 0}
    return dataclasses.replace(evidence, label=label)


# --- templates --------------------------------------------------------------------------------


def _personal_filter(value: Any, unit: Any, kind: str = "", name: str = "") -> Any:
    """``{{ value|personal(unit) }}``: the value, or its stand-in (or None) when withheld."""
    return shown_value(kind, name, value, may_see_personal(unit))


def init_app(app) -> None:
    """The Jinja filters and globals every template uses for personal data."""
    filters: dict[str, Callable] = {
        "personal": _personal_filter,
        "shown": lambda record: shown(record),
        "shown_entries": lambda entries: shown_entries(entries),
        "shown_evidence": lambda items: [shown_evidence(e) for e in items],
    }
    app.jinja_env.filters.update(filters)
    app.jinja_env.globals["may_see_personal"] = may_see_personal
