"""Verbs on areas, their facts and hotspots. They flush, never commit.

Only the workflow engine changes a ``state``: these services open records and fire events
through it, and record the facts the criteria read.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from marshmallow import ValidationError

from casework.areas.models import (
    ALL_FACT_KINDS,
    FACT_KIND_LABELS,
    INCIDENT_KINDS,
    UNASSESSED,
    Area,
    AreaFact,
    Hotspot,
)
from casework.areas.schemas import FACT_DATE_FIELDS, FACT_SCHEMAS
from casework.auth.scope import Scope
from casework.db import utcnow
from casework.errors import InvalidEvent, StaleVersion, ValidationFailed
from casework.extensions import db
from casework.orgunits.models import LEAF_KINDS, OrgUnit, subtree_clause
from casework.workflow import engine
from casework.workflow.deadlines import LOCAL_TZ, local_date

# Who may record facts and fire hotspot events (WORKFLOWS.md §4: police or inspectors).
FACT_ROLES = frozenset({"police", "inspector"})
# Kinds recorded for one residential group or village only.
LEAF_ONLY_KINDS = frozenset({"household_tally", "hotline_board"})


# --- area records -----------------------------------------------------------------------------


def area_of(unit: OrgUnit) -> Area | None:
    """The area record of an org unit, or None while it has none (``unassessed``)."""
    return db.session.scalar(sa.select(Area).where(Area.org_unit_id == unit.id))


def ensure_area(unit: OrgUnit, actor, effective_at: datetime | None = None) -> Area:
    """The unit's area record, opened on ``actor``'s behalf when it has none yet."""
    area = area_of(unit)
    if area is None:
        area = Area(org_unit=unit)
        engine.open_record(area, actor, effective_at=effective_at)
    return area


def ensure_areas(units: list[OrgUnit], actor, effective_at: datetime | None = None) -> int:
    """Open the area record of every unit that has none; returns how many were opened."""
    have = set(db.session.scalars(
        sa.select(Area.org_unit_id).where(Area.org_unit_id.in_([u.id for u in units]))
    ))
    opened = 0
    for unit in units:
        if unit.id not in have:
            engine.open_record(Area(org_unit=unit), actor, effective_at=effective_at)
            opened += 1
    return opened


def area_state(unit: OrgUnit) -> str:
    area = area_of(unit)
    return area.state if area is not None else UNASSESSED


def fire_area_event(unit: OrgUnit, event: str, actor, data: dict | None = None,
                    reason: str | None = None, effective_at: datetime | None = None,
                    version: int | None = None):
    """Fire ``event`` on the unit's area, opening its record first if it has none.

    A unit without a record shows version 0: the caller sends that version, and the record is
    opened (its first audit entry) just before the event, in the same transaction.
    """
    area = area_of(unit)
    if area is None:
        if version not in (None, 0):
            raise StaleVersion(current_version=0)
        definition = engine.get_catalog().get("area")
        if event not in definition.events:
            raise InvalidEvent(_("The action “%(event)s” does not exist in this workflow.",
                                 event=event))
        if not definition.transitions_from(definition.initial, event):
            raise InvalidEvent(_("“%(event)s” is not possible while the record is “%(state)s”.",
                                 event=engine.event_label(definition, event),
                                 state=engine.state_label(definition, definition.initial)))
        area = ensure_area(unit, actor, effective_at=effective_at)
        version = None
    engine.fire(area, event, actor, data=data, reason=reason, effective_at=effective_at,
                version=version)
    return area


# --- facts ------------------------------------------------------------------------------------


def _clean(payload: dict) -> dict:
    """Form posts send empty strings for empty optional fields: drop them."""
    return {k: v for k, v in payload.items() if not (isinstance(v, str) and v.strip() == "")}


def validate_fact(unit: OrgUnit, payload: dict) -> dict:
    """The fact's values, checked for its kind and unit; ValidationFailed otherwise."""
    payload = _clean(dict(payload or {}))
    kind = payload.get("kind")
    if kind not in ALL_FACT_KINDS:
        raise ValidationFailed(errors={"kind": [
            _("Choose one of: %(kinds)s.", kinds=", ".join(ALL_FACT_KINDS))]})
    try:
        values = FACT_SCHEMAS[kind]().load(payload)
    except ValidationError as exc:
        raise ValidationFailed(errors=exc.messages) from None
    today = local_date(datetime.now(LOCAL_TZ))
    future = {name: [_("The date may not be in the future.")] for name in FACT_DATE_FIELDS
              if isinstance(values.get(name), date) and values[name] > today}
    if future:
        raise ValidationFailed(errors=future)
    if kind in LEAF_ONLY_KINDS and unit.kind not in LEAF_KINDS:
        raise ValidationFailed(
            _("A %(kind)s is recorded for one residential group or village.",
              kind=FACT_KIND_LABELS[kind]),
            errors={"area_code": [_("Choose a residential group or a village.")]},
        )
    return values


def record_fact(unit: OrgUnit, actor, payload: dict, scope: Scope):
    """Record a fact about ``unit``; a hotspot opens its own workflow record.

    Returns the new :class:`AreaFact` or :class:`Hotspot`. The caller must hold a fact role
    (police or inspector) over the unit.
    """
    scope.require_write(unit.path, FACT_ROLES)
    values = validate_fact(unit, payload)
    kind = values.pop("kind")
    if kind == "hotspot":
        hotspot = Hotspot(org_unit=unit, name=values["name"], address=values.get("address"),
                          found_date=values["found_date"], recorded_by_id=actor.id)
        engine.open_record(hotspot, actor, data={
            "name": hotspot.name, "address": hotspot.address,
            "found_date": hotspot.found_date.isoformat(),
        })
        return hotspot
    fact = AreaFact(kind=kind, org_unit=unit, recorded_by_id=actor.id, **values)
    db.session.add(fact)
    db.session.flush()
    return fact


def close_fact(fact: AreaFact, actor, values: dict, scope: Scope) -> AreaFact:
    """Resolve an incident or end a prevention model, on a date."""
    scope.require_write(fact.org_unit.path, FACT_ROLES)
    today = local_date(datetime.now(LOCAL_TZ))
    if fact.kind in INCIDENT_KINDS:
        name, start = "resolved_date", fact.found_date
    elif fact.kind == "prevention_model":
        name, start = "ended_on", fact.started_on
    else:
        raise ValidationFailed(_("This kind of fact is not closed; record a new one instead."))
    day = values.get(name)
    if getattr(fact, name) is not None:
        raise ValidationFailed(_("It is already closed."))
    if not isinstance(day, date):
        raise ValidationFailed(errors={name: [_("Give the date.")]})
    if day > today:
        raise ValidationFailed(errors={name: [_("The date may not be in the future.")]})
    if day < start:
        raise ValidationFailed(errors={name: [
            _("The date may not be before %(date)s.", date=start.strftime("%d/%m/%Y"))]})
    setattr(fact, name, day)
    fact.closed_by_id = actor.id
    fact.closed_at = utcnow()
    db.session.flush()
    return fact


def facts_of(unit: OrgUnit, kind: str | None = None, subtree: bool = True,
             open_only: bool = False) -> list:
    """The facts of an area (and of its subtree), hotspots included, newest first."""
    where = subtree_clause(OrgUnit.path, unit.path) if subtree else OrgUnit.id == unit.id
    items: list = []
    if kind in (None, "hotspot"):
        stmt = sa.select(Hotspot).join(OrgUnit, OrgUnit.id == Hotspot.org_unit_id).where(where)
        if open_only:
            stmt = stmt.where(Hotspot.state != "eliminated")
        items.extend(db.session.scalars(stmt))
    if kind != "hotspot":
        stmt = sa.select(AreaFact).join(OrgUnit, OrgUnit.id == AreaFact.org_unit_id).where(where)
        if kind is not None:
            stmt = stmt.where(AreaFact.kind == kind)
        if open_only:
            stmt = stmt.where(AreaFact.resolved_date.is_(None), AreaFact.ended_on.is_(None))
        items.extend(db.session.scalars(stmt))
    return sorted(items, key=lambda f: (fact_date(f) or date.min, f.id), reverse=True)


def fact_date(fact) -> date | None:
    return fact.found_date if isinstance(fact, Hotspot) else fact.fact_date


def fire_hotspot_event(hotspot: Hotspot, event: str, actor, data: dict | None = None,
                       reason: str | None = None, effective_at: datetime | None = None,
                       version: int | None = None):
    return engine.fire(hotspot, event, actor, data=data, reason=reason,
                       effective_at=effective_at, version=version)
