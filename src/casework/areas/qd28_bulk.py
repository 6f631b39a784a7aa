"""QĐ 28/2025's commune measures for every commune of a subtree at once (issue 16).

``qd28_measures`` judges one commune: about fifteen statements each, so a province of 124
communes took ~1,950. Here each measure is one statement for all the communes together, its
rows spread over the communes whose territory holds their unit:

- the territories: each commune's subtree on the map of its ``territory_day`` (today's
  subtree when nothing under it ever moved), plus its predecessors, exactly as
  ``qd28_measures.context`` reads them, built from a few statements for all communes
  (``Territories``);
- the statements read the records of the union of the territories (``Territories.where``, a
  superset: what lies outside every territory is dropped when spread);
- each commune's ``Measured`` is made by the same builders as the one-commune path, so the
  figures, messages and evidence are the same (tests/areas/test_qd28_bulk.py proves it on
  both databases).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from fractions import Fraction
from typing import Any

import sqlalchemy as sa

from casework.areas import qd28_measures as m
from casework.areas.models import AreaFact, Hotspot
from casework.audit.models import AuditEntry
from casework.db import among
from casework.extensions import db
from casework.orgunits import history
from casework.orgunits.models import OrgUnit, OrgUnitLink, SuccessionUnit, subtree_clause

CHUNK = 5000


@dataclass
class Territories:
    """The communes judged, their period, and who holds what: unit id → commune ids."""

    communes: list[OrgUnit]
    start: date
    end: date
    members: dict[int, set[int]]
    where: Any  # SQL condition on OrgUnit: every unit of every territory (a superset)
    graph: dict[int, list[int]]
    cache: dict = field(default_factory=dict)
    # False: the figures only (every ``Measured.evidence`` empty), persons counted in SQL.
    evidence: bool = True

    def spread(self, rows, unit_of: Callable) -> dict[int, list]:
        """Rows per commune (the rows' order kept), by the unit each row lies in."""
        out: dict[int, list] = {c.id: [] for c in self.communes}
        for row in rows:
            for commune_id in self.members.get(unit_of(row), ()):
                out[commune_id].append(row)
        return out


def _common_path(paths) -> str:
    """The deepest path every one of ``paths`` lies under ("" for none in common)."""
    prefix = os.path.commonprefix(list(paths))
    return prefix[:prefix.rfind(".") + 1]


def _under(column, paths) -> Any:
    prefix = _common_path(paths)
    return subtree_clause(column, prefix) if prefix else sa.true()


def _holders(path: str, index: dict[str, list[int]]) -> list[int]:
    """The communes (by their path in ``index``) whose subtree holds ``path``."""
    found: list[int] = []
    at = path.find(".")
    while at >= 0:
        found += index.get(path[:at + 1], ())
        at = path.find(".", at + 1)
    return found


def _changed(communes: list[OrgUnit]) -> set[int]:
    """``history._changed`` of every commune, in three statements."""
    index: dict[str, list[int]] = {}
    for c in communes:
        index.setdefault(c.path, []).append(c.id)
    closed = OrgUnitLink.valid_to.is_not(None)
    changed: set[int] = set()
    for (path,) in db.session.execute(
            sa.select(OrgUnitLink.path).distinct()
            .where(closed, _under(OrgUnitLink.path, index))):
        changed.update(_holders(path, index))
    for (path,) in db.session.execute(
            sa.select(OrgUnit.path).distinct()
            .join(OrgUnitLink, OrgUnitLink.unit_id == OrgUnit.id)
            .where(closed, _under(OrgUnit.path, index))):
        changed.update(_holders(path, index))
    ids = [c.id for c in communes]
    for start in range(0, len(ids), CHUNK):
        changed.update(db.session.scalars(sa.select(SuccessionUnit.unit_id).where(
            among(SuccessionUnit.unit_id, ids[start:start + CHUNK]),
            SuccessionUnit.side == "new")))
    return changed


def _territory_day(unit: OrgUnit, day: date, changed: set[int]) -> date | None:
    if unit.valid_to is not None and day > unit.valid_to:
        return unit.valid_to
    if unit.valid_from is not None and day < unit.valid_from:
        return unit.valid_from
    return day if unit.id in changed else None


def territories(communes: list[OrgUnit], start: date, end: date, *,
                evidence: bool = True) -> Territories:
    """The territory of each of ``communes`` for the period ending ``end``."""
    changed = _changed(communes)
    by_day: dict[date | None, list[OrgUnit]] = {}
    for c in communes:
        by_day.setdefault(_territory_day(c, end, changed), []).append(c)
    members: dict[int, set[int]] = {}
    clauses = []
    for day, group in by_day.items():
        if day is None:
            # Nothing under these communes ever moved: today's subtrees.
            index: dict[str, list[int]] = {}
            for c in group:
                index.setdefault(c.path, []).append(c.id)
            under = _under(OrgUnit.path, index)
            rows = db.session.execute(sa.select(OrgUnit.id, OrgUnit.path).where(under))
            clauses.append(under)
        else:
            # The map of ``day``: the communes' places then, and every place under them.
            index = {}
            for unit_id, path in db.session.execute(
                    sa.select(OrgUnitLink.unit_id, OrgUnitLink.path)
                    .where(OrgUnitLink.unit_id.in_([c.id for c in group]),
                           history.link_valid_on(day))
                    .order_by(OrgUnitLink.id)):
                index.setdefault(path, [])
                if unit_id not in index[path]:
                    index[path].append(unit_id)
            if not index:
                continue
            inside = (sa.select(OrgUnitLink.unit_id)
                      .where(history.link_valid_on(day), _under(OrgUnitLink.path, index)))
            rows = db.session.execute(inside.add_columns(OrgUnitLink.path))
            clauses.append(OrgUnit.id.in_(inside))
        for unit_id, path in rows:
            for holder in _holders(path, index):
                members.setdefault(unit_id, set()).add(holder)
    graph = history.predecessor_graph({c.id for c in communes})
    before: set[int] = set()
    for c in communes:
        for unit_id in history.predecessor_closure(graph, c.id):
            members.setdefault(unit_id, set()).add(c.id)
            before.add(unit_id)
    ordered = sorted(before)
    clauses += [among(OrgUnit.id, ordered[i:i + CHUNK]) for i in range(0, len(ordered), CHUNK)]
    return Territories(communes, start, end, members, sa.or_(sa.false(), *clauses), graph,
                       evidence=evidence)


# --- the measures, all communes at once ----------------------------------------------------

BULK: dict[str, Callable[[Territories, dict], dict[int, m.Measured]]] = {}


def bulk(name: str):
    def register(func):
        BULK[name] = func
        return func

    return register


def populations(t: Territories) -> dict[int, tuple[int | None, list]]:
    if "population" not in t.cache:
        found = m.population_facts_many(t.communes, t.end, t.graph)
        t.cache["population"] = {c.id: m.population_of(found[c.id]) for c in t.communes}
    return t.cache["population"]


def _persons(t: Territories) -> dict[int, list]:
    """(id, full name, state, unit) of the persons in any of the states the caller named
    (``t.cache["person_states"]``), per commune (``qd28_measures.persons_in``); without
    evidence, (state, count) per unit instead, grouped in SQL."""
    if "persons" in t.cache:
        return t.cache["persons"]
    states = t.cache.get("person_states") or ()
    rows = db.session.execute(
        m.persons_where(t.where, t.end, states, counted=not t.evidence)).all()
    if t.evidence:
        rows = m.with_units(rows)
    t.cache["persons"] = t.spread(rows, lambda row: row[3].id if t.evidence else row[0])
    return t.cache["persons"]


def _person_rows(t: Territories, states) -> dict[int, tuple[int, list]]:
    """Per commune: how many persons are in ``states``, and their evidence."""
    wanted = set(states)
    if not t.evidence:
        return {cid: (sum(n for _unit, state, n in rows if state in wanted), [])
                for cid, rows in _persons(t).items()}
    out = {}
    for cid, rows in _persons(t).items():
        chosen = [r for r in rows if r[2] in wanted]
        out[cid] = (len(chosen), m.person_evidence(chosen))
    return out


@bulk("qd28.managed_users_ratio")
def managed_users_ratio(t: Territories, params: dict) -> dict[int, m.Measured]:
    found = _person_rows(t, params.get("states") or [])
    residents = populations(t)
    return {cid: m.ratio_of(residents[cid][0], count, evidence)
            for cid, (count, evidence) in found.items()}


@bulk("qd28.resident_users")
def resident_users(t: Territories, params: dict) -> dict[int, m.Measured]:
    exceptions = set(params.get("exceptions") or [])
    found = _person_rows(t, [s for s in params.get("states") or [] if s not in exceptions])
    return {cid: m.Measured({"value": Fraction(count)}, shown=count, evidence=evidence,
                            count=count)
            for cid, (count, evidence) in found.items()}


def _facts(t: Territories, kinds: tuple[str, ...], *conditions) -> dict[int, list[AreaFact]]:
    rows = db.session.execute(
        sa.select(AreaFact, OrgUnit).join(OrgUnit, OrgUnit.id == AreaFact.org_unit_id)
        .where(t.where, AreaFact.kind.in_(kinds), *conditions).order_by(AreaFact.id)).all()
    return t.spread([fact for fact, _unit in rows], lambda fact: fact.org_unit_id)


def _use_places(t: Territories) -> dict[int, tuple[list, list]]:
    """Per commune, (active during the period, open at its end): venues, then hotspots."""
    if "use_places" in t.cache:
        return t.cache["use_places"]
    venues = _facts(t, ("use_venue",), AreaFact.found_date <= t.end,
                    sa.or_(AreaFact.resolved_date.is_(None), AreaFact.resolved_date >= t.start))
    spots = [spot for spot, _unit in db.session.execute(
        sa.select(Hotspot, OrgUnit).join(OrgUnit, OrgUnit.id == Hotspot.org_unit_id)
        .where(t.where, Hotspot.found_date <= t.end).order_by(Hotspot.id))]
    entries: dict[int, list] = {}
    ids = [s.id for s in spots]
    for i in range(0, len(ids), CHUNK):
        for record_id, at, state in db.session.execute(
                sa.select(AuditEntry.record_id, AuditEntry.effective_at, AuditEntry.to_state)
                .where(AuditEntry.record_type == Hotspot.__record_type__,
                       among(AuditEntry.record_id, ids[i:i + CHUNK]),
                       AuditEntry.effective_at < m.cutoff(t.end))
                .order_by(AuditEntry.record_id, AuditEntry.seq)):
            entries.setdefault(record_id, []).append((at, state))
    first = m.cutoff(t.start - timedelta(days=1))
    judged = []
    for spot in spots:
        flags = m.hotspot_active(entries.get(spot.id, []), first)
        if flags is not None:
            judged.append((spot, flags, m.hotspot_evidence(spot, flags[2])))
    by_commune = t.spread(judged, lambda row: row[0].org_unit_id)
    evidence: dict[int, m.Evidence] = {}
    out = {}
    for c in t.communes:
        during = [_once(evidence, f) for f in venues[c.id]]
        at_end = [_once(evidence, f) for f in venues[c.id]
                  if f.resolved_date is None or f.resolved_date > t.end]
        during += [e for _spot, flags, e in by_commune[c.id] if flags[0]]
        at_end += [e for _spot, flags, e in by_commune[c.id] if flags[1]]
        out[c.id] = (during, at_end)
    t.cache["use_places"] = out
    return out


def _once(cache: dict, fact: AreaFact):
    if fact.id not in cache:
        cache[fact.id] = m.venue_evidence(fact)
    return cache[fact.id]


@bulk("qd28.use_places")
def use_places(t: Territories, params: dict) -> dict[int, m.Measured]:
    return {cid: m.count_of(list(during)) for cid, (during, _end) in _use_places(t).items()}


@bulk("qd28.open_use_places")
def open_use_places(t: Territories, params: dict) -> dict[int, m.Measured]:
    return {cid: m.count_of(list(at_end)) for cid, (_during, at_end) in _use_places(t).items()}


@bulk("qd28.arrests_ratio")
def arrests_ratio(t: Territories, params: dict) -> dict[int, m.Measured]:
    found = _facts(t, ("offender",), AreaFact.arrested_on >= t.start,
                   AreaFact.arrested_on <= t.end)
    residents = populations(t)
    return {cid: m.ratio_of(residents[cid][0], len(facts), [m.arrest_evidence(f) for f in facts])
            for cid, facts in found.items()}


@bulk("qd28.offenders_fugitives")
def offenders_fugitives(t: Territories, params: dict) -> dict[int, m.Measured]:
    found = _facts(t, ("offender", "fugitive"), AreaFact.found_date <= t.end,
                   sa.or_(AreaFact.resolved_date.is_(None), AreaFact.resolved_date > t.end))
    return {cid: m.count_of([m.offender_evidence(f) for f in facts])
            for cid, facts in found.items()}


@bulk("qd28.plants_found")
def plants_found(t: Territories, params: dict) -> dict[int, m.Measured]:
    found = _facts(t, ("drug_plants",), AreaFact.found_date >= t.start,
                   AreaFact.found_date <= t.end)
    return {cid: m.plants_of(facts) for cid, facts in found.items()}


@bulk("qd28.key_route")
def key_route(t: Territories, params: dict) -> dict[int, m.Measured]:
    conditions = [AreaFact.started_on <= t.end,
                  sa.or_(AreaFact.ended_on.is_(None), AreaFact.ended_on > t.end)]
    if params.get("scopes"):
        conditions.append(AreaFact.route_scope.in_(list(params["scopes"])))
    found = _facts(t, ("key_route",), *conditions)
    return {cid: m.routes_of(facts) for cid, facts in found.items()}
