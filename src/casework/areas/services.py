"""Verbs on areas, their facts and hotspots. They flush, never commit.

Only the workflow engine changes a ``state``: these services open records and fire events
through it, and record the facts the criteria read.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from marshmallow import ValidationError
from sqlalchemy.orm import contains_eager, selectinload

from casework.areas.criteria import (
    CRITERIA,
    criterion_label,
    evaluate_subtree,
    today,
)
from casework.areas.findings import prefixes
from casework.areas.models import (
    ALL_FACT_KINDS,
    FACT_KIND_LABELS,
    INCIDENT_KINDS,
    LEAF_ONLY_KINDS,
    QD28_UNIT_KINDS,
    QD28_UNITS,
    UNASSESSED,
    Area,
    AreaFact,
    Hotspot,
)
from casework.areas.schemas import FACT_DATE_FIELDS, FACT_SCHEMAS
from casework.audit.services import end_of, states_as_of
from casework.auth.roles import role_label
from casework.auth.scope import Scope, scoped
from casework.db import utcnow
from casework.errors import InvalidEvent, NotFound, StaleVersion, ValidationFailed
from casework.extensions import db
from casework.orgunits import history
from casework.orgunits.models import (
    KIND_LABELS,
    LEAF_KINDS,
    OrgUnit,
    OrgUnitLink,
    subtree_clause,
)
from casework.workflow import dates, engine
from casework.workflow.deadlines import LOCAL_TZ, local_date

# Who may record facts and fire hotspot events (WORKFLOWS.md §4: police or inspectors).
FACT_ROLES = frozenset({"police", "inspector"})
# Kinds recorded for one residential group or village only.


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


def area_events(unit: OrgUnit, area: Area | None, user) -> list:
    """What ``user`` may do to the area now; for a unit without a record, from the start."""
    if area is None:
        area = Area(org_unit=unit, state=UNASSESSED,
                    workflow_version=engine.get_catalog().get("area").version)
    return engine.available_events(area, user)


def scoped_hotspot(hotspot_id: int, scope: Scope) -> Hotspot:
    hotspot = db.session.scalar(scoped(sa.select(Hotspot).where(Hotspot.id == hotspot_id),
                                       Hotspot.org_unit_id, scope))
    if hotspot is None:
        raise NotFound()
    return hotspot


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
        # Opened on the day of its first event, so that this event is not before the opening.
        area = ensure_area(unit, actor, effective_at=dates.event_moment(
            definition, event, data, effective_at))
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
    if kind in QD28_UNIT_KINDS and unit.kind not in QD28_UNITS:
        raise ValidationFailed(
            _("A %(kind)s is recorded for a commune, ward, special zone or province "
              "(QĐ 28/2025).", kind=FACT_KIND_LABELS[kind]),
            errors={"area_code": [_("Choose a commune, a ward, a special zone or a "
                                    "province.")]},
        )
    return values


def record_fact(unit: OrgUnit, actor, payload: dict, scope: Scope,
                effective_at: datetime | None = None):
    """Record a fact about ``unit``; a hotspot opens its own workflow record.

    Returns the new :class:`AreaFact` or :class:`Hotspot`. The caller must hold a fact role
    (police or inspector) over the unit. ``effective_at`` dates a hotspot's first event
    (default: its found date, the event's principal date), so that its later events may be
    entered with their own past dates.
    """
    scope.require_write(unit.path, FACT_ROLES)
    values = validate_fact(unit, payload)
    kind = values.pop("kind")
    if kind == "hotspot":
        hotspot = Hotspot(org_unit=unit, name=values["name"], address=values.get("address"),
                          found_date=values["found_date"], recorded_by_id=actor.id)
        engine.open_record(hotspot, actor, effective_at=effective_at, data={
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


def _fact_queries(unit: OrgUnit, kind: str | None, subtree: bool, open_only: bool):
    """The SELECTs of the hotspots and of the other facts asked for (None: none asked),
    newest first, each with the people and the unit its lines show loaded along."""
    where = subtree_clause(OrgUnit.path, unit.path) if subtree else OrgUnit.id == unit.id
    spots = facts = None
    if kind in (None, "hotspot"):
        spots = (sa.select(Hotspot).join(OrgUnit, OrgUnit.id == Hotspot.org_unit_id)
                 .where(where).order_by(Hotspot.found_date.desc(), Hotspot.id.desc())
                 .options(contains_eager(Hotspot.org_unit), selectinload(Hotspot.recorded_by)))
        if open_only:
            spots = spots.where(Hotspot.state != "eliminated")
    if kind != "hotspot":
        fact_day = sa.func.coalesce(AreaFact.found_date, AreaFact.as_of, AreaFact.verified_on,
                                    AreaFact.started_on, AreaFact.activity_date)
        facts = (sa.select(AreaFact).join(OrgUnit, OrgUnit.id == AreaFact.org_unit_id)
                 .where(where).order_by(fact_day.desc().nulls_last(), AreaFact.id.desc())
                 .options(contains_eager(AreaFact.org_unit),
                          selectinload(AreaFact.recorded_by), selectinload(AreaFact.closed_by)))
        if kind is not None:
            facts = facts.where(AreaFact.kind == kind)
        if open_only:
            facts = facts.where(AreaFact.resolved_date.is_(None), AreaFact.ended_on.is_(None))
    return [stmt for stmt in (spots, facts) if stmt is not None]


def facts_page(unit: OrgUnit, kind: str | None = None, subtree: bool = True,
               open_only: bool = False, offset: int = 0, limit: int | None = None
               ) -> tuple[list, int]:
    """The facts of an area (and of its subtree), hotspots included, newest first, from
    ``offset`` (at most ``limit``), and how many there are. Paged in SQL: the newest
    ``offset + limit`` of each table, merged (the same order as sorting them all)."""
    stmts = _fact_queries(unit, kind, subtree, open_only)
    items: list = []
    for stmt in stmts:
        items.extend(db.session.scalars(stmt if limit is None else stmt.limit(offset + limit)))
    items.sort(key=lambda f: (fact_date(f) or date.min, f.id), reverse=True)
    if limit is None:
        return items[offset:], len(items)
    total = sum(db.session.scalar(sa.select(sa.func.count()).select_from(
        stmt.order_by(None).options().subquery())) for stmt in stmts)
    return items[offset:offset + limit], total


def facts_of(unit: OrgUnit, kind: str | None = None, subtree: bool = True,
             open_only: bool = False) -> list:
    """The facts of an area (and of its subtree), hotspots included, newest first."""
    return facts_page(unit, kind, subtree, open_only)[0]


def recent_facts(unit: OrgUnit, limit: int) -> tuple[list, int]:
    """The ``limit`` newest facts of the area's subtree, hotspots included, and how many
    there are, paged in SQL."""
    return facts_page(unit, limit=limit)


def fact_date(fact) -> date | None:
    return fact.found_date if isinstance(fact, Hotspot) else fact.fact_date


def fire_hotspot_event(hotspot: Hotspot, event: str, actor, data: dict | None = None,
                       reason: str | None = None, effective_at: datetime | None = None,
                       version: int | None = None):
    return engine.fire(hotspot, event, actor, data=data, reason=reason,
                       effective_at=effective_at, version=version)


# --- reading many areas at once ---------------------------------------------------------------


def scope_roots(scope: Scope) -> list[OrgUnit]:
    """The top units of a scope: visible units whose parent is not visible."""
    parent = sa.orm.aliased(OrgUnit)
    visible_parent = sa.select(parent.id).where(
        parent.id == OrgUnit.parent_id, scope.unit_clause(parent.path)).exists()
    return list(db.session.scalars(
        sa.select(OrgUnit).where(scope.unit_clause(OrgUnit.path), ~visible_parent)
        .order_by(OrgUnit.path)))


def default_root(roots: list[OrgUnit]) -> OrgUnit | None:
    """The unit a dashboard opens on: the first top unit of the scope on today's map (an
    ended city's dashboard is one choice away, in the unit picker)."""
    today = datetime.now(LOCAL_TZ).date()
    for root in roots:
        if root.valid_on(today):
            return root
    return roots[0] if roots else None


def subtree_units(root: OrgUnit) -> list[OrgUnit]:
    return list(db.session.scalars(
        sa.select(OrgUnit).where(subtree_clause(OrgUnit.path, root.path))
        .order_by(OrgUnit.depth, OrgUnit.name)))


def territory(root: OrgUnit, as_of: date | None = None):
    """The units of ``root``'s subtree on the map that figures as of ``as_of`` use
    (``orgunits.history.territory_day``: an ended unit keeps its last day's territory), with each
    unit's path and parent id on that map: (units, {id: path}, {id: parent id})."""
    day = history.territory_day(root, as_of or today())
    if day is None:
        units = subtree_units(root)
        return units, {u.id: u.path for u in units}, {u.id: u.parent_id for u in units}
    rows = db.session.execute(history.tree_on(day).where(
        history.in_subtree_on(OrgUnit.id, root, day)).order_by(OrgUnit.depth, OrgUnit.name)
    ).all()
    return ([r[0] for r in rows], {r[0].id: r.path_on for r in rows},
            {r[0].id: r.parent_id_on for r in rows})


def states_on(units: list[OrgUnit], day: date) -> dict[int, str]:
    """The area state of each unit at the end of ``day`` (from the audit log), in one query."""
    ids = [u.id for u in units]
    rows = states_as_of("area", end_of(day), ids).subquery()
    found = dict(db.session.execute(
        sa.select(rows.c.org_unit_id, rows.c.state).where(rows.c.org_unit_id.in_(ids))).all())
    return {i: found.get(i, UNASSESSED) for i in ids}


def map_on(scope: Scope, day: date) -> list[tuple[OrgUnit, list[OrgUnit], dict[int, str],
                                                   dict[int, int | None]]]:
    """The caller's part of the map of ``day`` (WORKFLOWS.md §6): for each top unit the caller
    can read that existed then, (root, its units that day, {id: path}, {id: parent id}).

    A scope reaches the past of the units merged into its own, so the map of 2024 shows an
    officer of a ward made in 2025 the wards and communes it was made of."""
    rows = db.session.execute(history.tree_on(day).where(scope.unit_clause(OrgUnit.path))
                              .order_by(OrgUnitLink.path)).all()
    visible = {r[0].id for r in rows}
    roots = [r[0] for r in rows if r.parent_id_on not in visible]
    found = []
    for root in roots:
        units, path_of, parent_of = territory(root, day)
        units = [u for u in units if u.id in visible]
        found.append((root, units, path_of, parent_of))
    return found


def states_of(units: list[OrgUnit]) -> dict[int, str]:
    """The area state of each unit (``unassessed`` without a record), in one query."""
    ids = [u.id for u in units]
    found = dict(db.session.execute(
        sa.select(Area.org_unit_id, Area.state).where(Area.org_unit_id.in_(ids))).all())
    return {i: found.get(i, UNASSESSED) for i in ids}


# --- recognition requests ------------------------------------------------------------------
# Area pages show a unit's open recognition request and the dashboard counts requests by
# state, but recognition stands on areas: it registers how to find its requests
# (recognition.init_app → register_request_finder), so that areas never imports it.
_request_finder = None


def register_request_finder(finder) -> None:
    """``finder`` has ``open_of(unit_ids) -> {unit id: request}``, ``open_id_of(area) -> id or
    None`` and ``counts_under(root, inside=None) -> {state: count}``."""
    global _request_finder
    _request_finder = finder


def _requests():
    if _request_finder is None:
        raise RuntimeError("no recognition request finder: create the app first (create_app)")
    return _request_finder


def open_requests_of(units: list[OrgUnit]) -> dict[int, object]:
    """The open recognition request of each unit that has one, in one query."""
    return _requests().open_of([u.id for u in units])


def open_request_id(area: Area | None) -> int | None:
    """The id of the area's open recognition request, if it has one."""
    return None if area is None else _requests().open_id_of(area)


def recognized_states() -> tuple[str, ...]:
    """The states of an area recognised as drug-free (area.yaml, meta)."""
    return engine.get_catalog().get("area").meta["recognized_states"]


def request_state() -> str:
    """The state from which an area may ask for recognition (area.yaml, meta)."""
    return engine.get_catalog().get("area").meta["request_state"]


def waiting_for(definition, state: str, day: date | None = None) -> str | None:
    """Whom a request in ``state`` waits for (recognition.yaml, meta.awaiting); the approver
    step names the approver of each level on ``day`` (WORKFLOWS.md §11)."""
    role = definition.meta.get("awaiting", {}).get(state)
    table = definition.meta.get("approvers")
    if role != "approver" or table is None:
        return role_label(role) if role else None
    day = day or datetime.now(LOCAL_TZ).date()
    parts = []
    for kinds in table.levels.values():
        found = table.approver(kinds[0], day)
        if found is not None:
            parts.append(_("%(role)s (%(level)s)", role=role_label(found.role),
                           level=", ".join(str(KIND_LABELS[k]).lower() for k in kinds
                                           if k not in ("city", "district"))))
    return "; ".join(dict.fromkeys(parts))


def dashboard(root: OrgUnit, as_of: date | None = None) -> dict:
    """The counts of the city dashboard for ``root``'s subtree, in a fixed number of queries.

    Areas by state (residential groups and villages, and all areas), how many groups and
    villages meet 8/8, pass counts per criterion, and requests at each step.
    """
    definition = engine.get_catalog().get("area")
    units, path_of, parent_of = territory(root, as_of)
    states = states_of(units)
    children = [u for u in units if parent_of[u.id] == root.id]
    leaves = [u.id for u in units if u.kind in LEAF_KINDS]
    # Ids from here on: a province's thousands of units are not held as ORM objects while
    # its criteria are judged (issue 16, a worker's memory).
    del units
    results = evaluate_subtree(root, as_of, only=[root.id] + leaves)

    def by_state(group):
        total = len(group)
        counts = dict.fromkeys(definition.states, 0)
        for i in group:
            counts[states[i]] = counts.get(states[i], 0) + 1
        return [{"state": s, "label": engine.state_label(definition, s), "count": counts[s],
                 "percent": round(100 * counts[s] / total, 1) if total else 0.0}
                for s in definition.states]

    day = history.territory_day(root, as_of or today())
    request_counts = _requests().counts_under(
        root, None if day is None else history.in_subtree_on(OrgUnit.id, root, day))
    recognition = engine.get_catalog().get("recognition")
    # Each leaf under the child whose path is one of its path's prefixes: one pass.
    leaves_of: dict[str, list[int]] = {path_of[c.id]: [] for c in children}
    for leaf in leaves:
        for prefix in prefixes(path_of[leaf]):
            if prefix in leaves_of:
                leaves_of[prefix].append(leaf)
    child_rows = []
    for child in children:
        below = leaves_of[path_of[child.id]]
        child_rows.append({
            "code": child.code, "name": child.name, "kind": child.kind,
            "state": states[child.id],
            "state_label": engine.state_label(definition, states[child.id]),
            "leaves_total": len(below),
            "leaves_all_met": sum(results[i].all_met for i in below),
            "leaves_drug_free": sum(states[i] in recognized_states() for i in below),
        })
    return {
        "org_unit": root.code, "name": root.name,
        "as_of": results[root.id].as_of,
        "state": states[root.id],
        "leaves_total": len(leaves),
        "leaves_all_met": sum(results[i].all_met for i in leaves),
        "leaves_by_state": by_state(leaves),
        "areas_by_state": by_state(list(states)),
        "criteria": [{"code": code, "label": criterion_label(code),
                      "met": sum(results[i].by_code[code].met for i in leaves),
                      "total": len(leaves)} for code in CRITERIA],
        "requests_by_state": [{"state": s, "label": engine.state_label(recognition, s),
                               "count": request_counts.get(s, 0),
                               "waiting_for": waiting_for(recognition, s, as_of)}
                              for s in recognition.states],
        "units": child_rows,
    }
