"""The measures QĐ 28/2025 reads (criteria/qd28-2025.yaml names them), over a review period.

Each measure is ``measure(ctx, params) -> Measured``: exact figures (fractions, never floats)
and the records behind them. ``ctx`` is the unit judged, the period and the territory:

- the territory is the unit's subtree on the map of the period's end (``orgunits.history``),
  plus its predecessors (a successor adds up the units it took the place of);
- persons are read as of the end of the period's last day: the state and the unit of their
  last audit entry on or before it (as ``plans.metrics.states_as_of`` does);
- facts count by their dates: found, arrested, resolved, started, ended.

Decisions the text leaves open (documented in the README section):

- Art 4 b counts places organising use *during* the period: a ``use_venue`` incident found by
  the period's end and not resolved before its start, and a hotspot found by the end and not
  eliminated at some time in the period.
- Art 6 is judged on the period's end: what is open then breaks it.
- The population is the latest ``population`` fact of the unit itself on or before the
  period's end; without one, the sum of its predecessors' when every one has a figure; for a
  province without its own figure, the sum of its communes' when every one has a figure.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import aliased

from casework.areas.criteria import Evidence
from casework.areas.criteria_sets import measure
from casework.areas.models import ROUTE_SCOPE_LABELS, AreaFact, Hotspot
from casework.audit.models import AuditEntry
from casework.audit.services import unit_ids
from casework.db import among, today_local
from casework.extensions import db
from casework.orgunits import history
from casework.orgunits.models import COMMUNE_KINDS, OrgUnit
from casework.people.models import Person
from casework.workflow.catalog import UnknownWorkflow, get_catalog
from casework.workflow.deadlines import LOCAL_TZ

POPULATION_MISSING = _l("Cannot compute: the population is missing (record the resident "
                        "population of the commune before the end of the period).")


@dataclass
class Context:
    """What a measure judges: a unit, a period and the unit's territory for it."""

    unit: OrgUnit
    start: date
    end: date
    inside: Any  # SQL condition on OrgUnit
    cache: dict = field(default_factory=dict)
    # False: the figures only (a workbook's): persons are counted in SQL, not listed.
    evidence: bool = True


@dataclass
class Measured:
    """A measure's figures (``values``: component → exact number), what to show of them
    (``shown``) and the records behind them. ``message``: the value cannot be computed."""

    values: dict[str, Fraction] = field(default_factory=dict)
    shown: Any = None
    unit: str = "count"
    evidence: list[Evidence] = field(default_factory=list)
    message: str | None = None
    count: int | None = None
    population: int | None = None


def context(unit: OrgUnit, start: date, end: date) -> Context:
    """The territory of ``unit`` for a period ending on ``end``, with its predecessors."""
    inside = history.territory_clause(unit, end)
    before = history.predecessor_ids({unit.id})
    if before:
        inside = sa.or_(inside, OrgUnit.id.in_(before))
    return Context(unit, start, end, inside)


def cutoff(day: date) -> datetime:
    """The first moment after ``day`` in Vietnam: entries before it count."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=LOCAL_TZ)


def show_day(day: date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else ""


def _evidence(unit: OrgUnit, **values) -> Evidence:
    return Evidence(area_code=unit.code, area_name=unit.name, area_path=unit.path, **values)


def fact_evidence(fact: AreaFact, detail: str, day: date | None) -> Evidence:
    label_source = "description" if fact.description else "kind_label"
    return _evidence(fact.org_unit, kind="incident" if fact.is_incident else fact.kind,
                     id=fact.id, label=fact.description or fact.kind_label, detail=detail,
                     url=f"/areas/{fact.org_unit.code}/facts/{fact.id}", date=day,
                     source=("area_facts", label_source))


def state_label(workflow: str, state: str) -> str:
    try:
        found = get_catalog().get(workflow).states.get(state)
    except UnknownWorkflow:
        return state
    return str(found.label) if found else state


# --- population ------------------------------------------------------------------------------


def _own_population(unit_id: int, end: date) -> AreaFact | None:
    return db.session.scalar(
        sa.select(AreaFact).where(AreaFact.kind == "population",
                                  AreaFact.org_unit_id == unit_id, AreaFact.as_of <= end)
        .order_by(AreaFact.as_of.desc(), AreaFact.id.desc()).limit(1))


def _population_facts(unit: OrgUnit, end: date, seen: set[int]) -> list[AreaFact] | None:
    """The facts that make the unit's population: its own, or its predecessors' (each must
    have one); None when missing."""
    seen.add(unit.id)
    own = _own_population(unit.id, end)
    if own is not None:
        return [own]
    steps = [s for s in history.direct_predecessors(unit) if s.unit.id not in seen]
    if not steps:
        return None
    found: list[AreaFact] = []
    for step in steps:
        part = _population_facts(step.unit, end, seen)
        if part is None:
            return None
        found += part
    return found


def population_facts_many(units: list[OrgUnit], end: date,
                          graph: dict[int, list[int]] | None = None
                          ) -> dict[int, list[AreaFact] | None]:
    """``_population_facts`` of each of ``units``, set-based: the latest figures of the units
    and of all their predecessors in one statement, the successions in one per generation."""
    ids = {u.id for u in units}
    if graph is None:
        graph = history.predecessor_graph(ids)
    wanted = sorted(ids | {p for preds in graph.values() for p in preds})
    latest: dict[int, AreaFact] = {}
    for start in range(0, len(wanted), 5000):
        for fact, _unit in db.session.execute(
                sa.select(AreaFact, OrgUnit).join(OrgUnit, OrgUnit.id == AreaFact.org_unit_id)
                .where(AreaFact.kind == "population",
                       among(AreaFact.org_unit_id, wanted[start:start + 5000]),
                       AreaFact.as_of <= end)
                .order_by(AreaFact.org_unit_id, AreaFact.as_of.desc(), AreaFact.id.desc())):
            latest.setdefault(fact.org_unit_id, fact)

    def facts_of(unit_id: int, seen: set[int]) -> list[AreaFact] | None:
        seen.add(unit_id)
        own = latest.get(unit_id)
        if own is not None:
            return [own]
        steps = [s for s in graph.get(unit_id, []) if s not in seen]
        if not steps:
            return None
        found: list[AreaFact] = []
        for step in steps:
            part = facts_of(step, seen)
            if part is None:
                return None
            found += part
        return found

    return {u.id: facts_of(u.id, set()) for u in units}


def population_of(facts: list[AreaFact] | None) -> tuple[int | None, list[Evidence]]:
    """The population the facts make, and its evidence ((None, []) when missing)."""
    if facts is None:
        return (None, [])
    total = sum(f.residents for f in facts)
    return (total, [_evidence(f.org_unit, kind="population", id=f.id, label=f.kind_label,
                              detail=_("%(n)s residents as of %(date)s.",
                                       n=f"{f.residents:,}".replace(",", "."),
                                       date=show_day(f.as_of)),
                              url=f"/areas/{f.org_unit.code}/facts/{f.id}",
                              date=f.as_of, source=("area_facts", "kind_label"))
                    for f in facts])


def population(ctx: Context) -> tuple[int | None, list[Evidence]]:
    """The resident population of the unit for the period (None when missing)."""
    if "population" in ctx.cache:
        return ctx.cache["population"]
    facts = _population_facts(ctx.unit, ctx.end, set())
    if facts is None and ctx.unit.kind not in COMMUNE_KINDS:
        communes = list(db.session.scalars(
            sa.select(OrgUnit).where(history.in_subtree_on(OrgUnit.id, ctx.unit, ctx.end),
                                     OrgUnit.kind.in_(COMMUNE_KINDS))))
        found = population_facts_many(communes, ctx.end)
        parts = [found[c.id] for c in communes]
        if communes and all(p is not None for p in parts):
            facts = [f for p in parts for f in p]
    result = population_of(facts)
    ctx.cache["population"] = result
    return result


def ratio(ctx: Context, count: int, evidence: list[Evidence]) -> Measured:
    """``count`` per population; "cannot compute" when the population is missing or zero."""
    residents, _population_evidence = population(ctx)
    return ratio_of(residents, count, evidence)


def ratio_of(residents: int | None, count: int, evidence: list[Evidence]) -> Measured:
    if not residents:
        return Measured(unit="percent", evidence=evidence, message=str(POPULATION_MISSING),
                        count=count, population=residents)
    value = Fraction(count, residents)
    return Measured({"value": value}, shown=percent(value), unit="percent", evidence=evidence,
                    count=count, population=residents)


def percent(value: Fraction) -> float:
    """A ratio as a percentage for display (4 decimals); judging uses the exact fraction."""
    return float(round(Decimal(value.numerator * 100) / Decimal(value.denominator), 4))


# --- persons ---------------------------------------------------------------------------------


def persons_in(ctx: Context, states: list[str]) -> list:
    """(id, full name, state, org unit) of persons in ``states`` at the period's end, resident
    in the territory then (the unit of their last audit entry)."""
    return with_units(db.session.execute(persons_where(ctx.inside, ctx.end, states)).all())


def persons_counted(ctx: Context, states: list[str]) -> tuple[int, list[Evidence]]:
    """How many ``persons_in`` there are, and their evidence unless ``ctx.evidence`` is off
    (then counted by one grouped statement: a province holds ~15,000 such persons)."""
    if ctx.evidence:
        rows = persons_in(ctx, states)
        return len(rows), person_evidence(rows)
    counted = persons_where(ctx.inside, ctx.end, states, counted=True)
    return sum(n for _unit, _state, n in db.session.execute(counted)), []


def with_units(rows) -> list:
    """(id, name, state, unit id) rows with their units: each unit read once, not once per
    row (a province has ~15,000 such persons and ~4,000 units), and only what the evidence
    shows of it (``id``, ``code``, ``name``, ``path``), not a whole mapped unit."""
    ids = sorted({row[3] for row in rows})
    units: dict[int, sa.Row] = {}
    for start in range(0, len(ids), 5000):
        units.update((u.id, u) for u in db.session.execute(
            sa.select(OrgUnit.id, OrgUnit.code, OrgUnit.name, OrgUnit.path)
            .where(among(OrgUnit.id, ids[start:start + 5000]))))
    return [(pid, name, state, units[unit_id]) for pid, name, state, unit_id in rows]


def persons_where(inside, end: date, states, *, counted: bool = False) -> sa.Select:
    """The select of ``persons_in`` for the territory ``inside`` (a condition on OrgUnit).

    It starts from the territory's entries: an entry before the cutoff in one of ``states``
    with no later one before the cutoff is the person's last (the record's ``max(seq)``, as
    ``plans.metrics.states_as_of`` reads it; tests/areas/test_qd28_bulk.py compares the
    two), so a province reads its own entries, not the country's. ``counted``: (unit id,
    state, count) instead, grouped."""
    if end >= today_local():
        return _persons_now(inside, states, counted=counted)
    entry = aliased(AuditEntry)
    later = aliased(AuditEntry)
    cut = cutoff(end)
    newer = (sa.select(later.id)
             .where(later.record_type == entry.record_type, later.record_id == entry.record_id,
                    later.seq > entry.seq, later.effective_at < cut))
    columns = ((OrgUnit.id, entry.to_state, sa.func.count()) if counted
               else (Person.id, Person.full_name, entry.to_state, OrgUnit.id))
    stmt = (sa.select(*columns)
            .select_from(entry)
            .join(Person, Person.id == entry.record_id)
            .join(OrgUnit, OrgUnit.id == entry.org_unit_id)
            .where(entry.record_type == Person.__record_type__, entry.effective_at < cut,
                   entry.to_state.in_(sorted(states)), inside, ~sa.exists(newer)))
    if counted:
        return stmt.group_by(OrgUnit.id, entry.to_state)
    return stmt.order_by(Person.id)


def _persons_now(inside, states, *, counted: bool) -> sa.Select:
    """``persons_where`` for a period that ends today or later: no entry is dated after now,
    so each record's own state and unit are those of its last entry (a transfer's entry
    names the unit left; the record, like today's figures everywhere, the new one). Read
    from the records of the territory, not from the log of the whole country.

    The territory's units are read first and written into the statement by id: joined by
    their paths, the planner read every person of the country in those states to keep a
    province's (issue 16: ~100 ms at 500k persons, ~40 ms by id)."""
    units = unit_ids(sa.select(OrgUnit.id).where(inside))
    columns = ((Person.org_unit_id, Person.state, sa.func.count()) if counted
               else (Person.id, Person.full_name, Person.state, Person.org_unit_id))
    stmt = sa.select(*columns).where(Person.state.in_(sorted(states)),
                                     among(Person.org_unit_id, units))
    if counted:
        return stmt.group_by(Person.org_unit_id, Person.state)
    return stmt.order_by(Person.id)


def person_evidence(rows) -> list[Evidence]:
    labels: dict[str, str] = {}
    for _pid, _name, state, _unit in rows:
        if state not in labels:
            labels[state] = state_label("person", state)
    return [Evidence(kind="person", id=pid, label=name, detail=labels[state],
                     url=f"/persons/{pid}", area_code=unit.code, area_name=unit.name,
                     area_path=unit.path, source=("persons", "full_name"))
            for pid, name, state, unit in rows]


@measure("qd28.managed_users_ratio",
         _l("Persons with a management record (the given states) per population"))
def managed_users_ratio(ctx: Context, params: dict) -> Measured:
    return ratio(ctx, *persons_counted(ctx, params.get("states") or []))


@measure("qd28.resident_users", _l("Residents in the given person states (Art 6.1)"))
def resident_users(ctx: Context, params: dict) -> Measured:
    exceptions = set(params.get("exceptions") or [])
    count, evidence = persons_counted(
        ctx, [s for s in params.get("states") or [] if s not in exceptions])
    return Measured({"value": Fraction(count)}, shown=count, evidence=evidence, count=count)


# --- facts -----------------------------------------------------------------------------------


def _facts(ctx: Context, kinds: tuple[str, ...], *conditions) -> list[AreaFact]:
    return list(db.session.scalars(
        sa.select(AreaFact).join(OrgUnit, OrgUnit.id == AreaFact.org_unit_id)
        .where(ctx.inside, AreaFact.kind.in_(kinds), *conditions).order_by(AreaFact.id)))


def hotspot_evidence(spot: Hotspot, state: str) -> Evidence:
    return _evidence(spot.org_unit, kind="hotspot", id=spot.id, label=spot.name,
                     detail=_("Hotspot %(state)s, found %(date)s.",
                              state=state_label("hotspot", state), date=show_day(spot.found_date)),
                     url=f"/hotspots/{spot.id}", date=spot.found_date,
                     source=("hotspots", "name"))


def _hotspots(ctx: Context, *, during: bool) -> list[Evidence]:
    """Hotspots not eliminated at the period's end, or (``during``) at some time in it."""
    spots = list(db.session.scalars(
        sa.select(Hotspot).join(OrgUnit, OrgUnit.id == Hotspot.org_unit_id)
        .where(ctx.inside, Hotspot.found_date <= ctx.end).order_by(Hotspot.id)))
    if not spots:
        return []
    entries: dict[int, list] = {}
    for record_id, at, state in db.session.execute(
            sa.select(AuditEntry.record_id, AuditEntry.effective_at, AuditEntry.to_state)
            .where(AuditEntry.record_type == Hotspot.__record_type__,
                   AuditEntry.record_id.in_([s.id for s in spots]),
                   AuditEntry.effective_at < cutoff(ctx.end))
            .order_by(AuditEntry.record_id, AuditEntry.seq)):
        entries.setdefault(record_id, []).append((at, state))
    start = cutoff(ctx.start - timedelta(days=1))
    found = []
    for spot in spots:
        flags = hotspot_active(entries.get(spot.id, []), start)
        if flags is not None and flags[0 if during else 1]:
            found.append(hotspot_evidence(spot, flags[2]))
    return found


def hotspot_active(history_: list, start: datetime) -> tuple[bool, bool, str] | None:
    """From a hotspot's entries ``(effective_at, to_state)`` before the period's cutoff,
    oldest first: whether it was active at some time in the period (from ``start``), at its
    end, and its last state (None without entries)."""
    if not history_:
        return None
    last_state = history_[-1][1]
    before = [s for at, s in history_ if at < start]
    inside = [s for at, s in history_ if at >= start]
    during = (bool(before) and before[-1] != "eliminated") or any(
        s != "eliminated" for s in inside)
    return during, last_state != "eliminated", last_state


def _venues(ctx: Context, *, during: bool) -> list[Evidence]:
    if during:
        open_ = sa.or_(AreaFact.resolved_date.is_(None), AreaFact.resolved_date >= ctx.start)
    else:
        open_ = sa.or_(AreaFact.resolved_date.is_(None), AreaFact.resolved_date > ctx.end)
    return [venue_evidence(f)
            for f in _facts(ctx, ("use_venue",), AreaFact.found_date <= ctx.end, open_)]


def venue_evidence(f: AreaFact) -> Evidence:
    return fact_evidence(f, _("%(kind)s, found %(date)s.", kind=f.kind_label,
                              date=show_day(f.found_date)), f.found_date)


def count_of(evidence: list[Evidence]) -> Measured:
    return Measured({"value": Fraction(len(evidence))}, shown=len(evidence), evidence=evidence,
                    count=len(evidence))


@measure("qd28.use_places",
         _l("Places organising or harbouring drug use during the period, hotspots included"))
def use_places(ctx: Context, params: dict) -> Measured:
    return count_of(_venues(ctx, during=True) + _hotspots(ctx, during=True))


@measure("qd28.open_use_places",
         _l("Places organising drug use open, and hotspots not eliminated, at the period's end"))
def open_use_places(ctx: Context, params: dict) -> Measured:
    return count_of(_venues(ctx, during=False) + _hotspots(ctx, during=False))


@measure("qd28.arrests_ratio", _l("Drug offenders arrested during the period per population"))
def arrests_ratio(ctx: Context, params: dict) -> Measured:
    facts = _facts(ctx, ("offender",), AreaFact.arrested_on >= ctx.start,
                   AreaFact.arrested_on <= ctx.end)
    return ratio(ctx, len(facts), [arrest_evidence(f) for f in facts])


def arrest_evidence(f: AreaFact) -> Evidence:
    return fact_evidence(f, _("Arrested on %(date)s.", date=show_day(f.arrested_on)),
                         f.arrested_on)


@measure("qd28.offenders_fugitives",
         _l("Drug offenders resident and wanted offenders hiding, open at the period's end"))
def offenders_fugitives(ctx: Context, params: dict) -> Measured:
    facts = _facts(ctx, ("offender", "fugitive"), AreaFact.found_date <= ctx.end,
                   sa.or_(AreaFact.resolved_date.is_(None), AreaFact.resolved_date > ctx.end))
    return count_of([offender_evidence(f) for f in facts])


def offender_evidence(f: AreaFact) -> Evidence:
    return fact_evidence(f, _("%(kind)s, found %(date)s, not resolved.",
                              kind=f.kind_label, date=show_day(f.found_date)), f.found_date)


def _area(value: Any) -> Fraction:
    return Fraction(Decimal(str(value))) if value is not None else Fraction(0)


@measure("qd28.plants_found", _l("Drug plants found and destroyed during the period"))
def plants_found(ctx: Context, params: dict) -> Measured:
    return plants_of(_facts(ctx, ("drug_plants",), AreaFact.found_date >= ctx.start,
                            AreaFact.found_date <= ctx.end))


def plants_of(facts: list[AreaFact]) -> Measured:
    plants = sum(f.plant_count or 0 for f in facts)
    area = sum((_area(f.plant_area_m2) for f in facts), Fraction(0))
    evidence = [fact_evidence(f, _("%(count)s plants, %(area)s m², found %(date)s.",
                                   count=f.plant_count or 0, area=f.plant_area_m2 or 0,
                                   date=show_day(f.found_date)), f.found_date) for f in facts]
    return Measured({"plants": Fraction(plants), "area_m2": area},
                    shown={"plants": plants, "area_m2": float(area)}, unit="plants_m2",
                    evidence=evidence, count=len(facts))


@measure("qd28.key_route", _l("Key trafficking routes through the area at the period's end"))
def key_route(ctx: Context, params: dict) -> Measured:
    conditions = [AreaFact.started_on <= ctx.end,
                  sa.or_(AreaFact.ended_on.is_(None), AreaFact.ended_on > ctx.end)]
    if params.get("scopes"):
        conditions.append(AreaFact.route_scope.in_(list(params["scopes"])))
    return routes_of(_facts(ctx, ("key_route",), *conditions))


def routes_of(facts: list[AreaFact]) -> Measured:
    evidence = [fact_evidence(f, _("%(scope)s, decision %(no)s of %(date)s.",
                                   scope=_route_label(f.route_scope), no=f.decision_no,
                                   date=show_day(f.started_on)), f.started_on) for f in facts]
    for item in evidence:
        item.source = ("area_facts", "kind_label")
        item.label = str(_l("Key drug-trafficking route"))
    return Measured({"value": Fraction(len(facts))}, shown=bool(facts), unit="route",
                    evidence=evidence, count=len(facts))


def _route_label(scope: str | None) -> str:
    return str(ROUTE_SCOPE_LABELS.get(scope or "", scope or ""))
