"""The 8 criteria of a drug-free area (WORKFLOWS.md §4), computed live and explained.

``evaluate_subtree(root, as_of)`` judges every area of a subtree at once, on a given day: a few
queries for the whole subtree (one per source of data, each grouped by org unit), then each
area collects the findings of its own subtree. Each criterion of an area is

- ``not_met`` when a record breaks it (listed as evidence, each linking to its record),
- ``needs_attestation`` when the data cannot show it either way (say, no household tally was
  ever recorded for a residential group): an inspector attests it during the evaluation,
- ``met`` otherwise; records that support it (the tallies, the working models) are listed too.

"As of" a day means: facts dated up to that day, and workflow records (hotspots, persons) in
the state their audit log shows at the end of that day.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import aliased

from casework import db as clock  # the clock tests freeze (casework.db.utcnow)
from casework.areas.criteria_sets import MEASURES, CriteriaSet, get_set
from casework.areas.findings import FindingIndex
from casework.areas.models import AreaFact, Hotspot
from casework.audit.models import AuditEntry
from casework.audit.services import end_of, last_entry_seq
from casework.extensions import db
from casework.i18n import N_, Phrases
from casework.orgunits import history
from casework.orgunits.models import LEAF_KINDS, OrgUnit, OrgUnitLink, subtree_clause
from casework.web.redaction import is_public
from casework.workflow.catalog import UnknownWorkflow, get_catalog
from casework.workflow.deadlines import add_months

# The set these criteria come from (criteria/lai-chau-8.yaml): labels, terms, measures.
SET_NAME = "lai-chau-8"


def criteria_set() -> CriteriaSet:
    return get_set(SET_NAME)


def terms(measure_name: str) -> dict:
    """The terms a measure reads from the set (months, which kind breaks which criterion)."""
    return criteria_set().measure_params.get(measure_name, {})


# The codes of the criteria, in order: the one list every page, schema and rule reads.
CRITERIA = tuple(c.code for c in criteria_set().criteria)

STATUS_LABELS = {
    "met": _l("Met"),
    "not_met": _l("Not met"),
    "needs_attestation": _l("Needs attestation"),
}

MET, NOT_MET, NEEDS_ATTESTATION = "met", "not_met", "needs_attestation"

PERSON_STATES = ("positive", "addict", "relapsed", "managed_user", "post_rehab", "methadone")


def criterion_label(code: str) -> str:
    """The criterion's label from the set, in the user's language (Vietnamese by default)."""
    try:
        criterion = criteria_set().criterion(code)
    except KeyError:
        return code
    locale = get_locale()
    return criterion.label(locale.language if locale else "vi")


def _show(day: date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else ""


# --- results ----------------------------------------------------------------------------------


# Where an item's label comes from (kind, field), for the redaction policy.
UNIT_NAME = ("org_units", "name")


@dataclass(slots=True)
class Evidence:
    """One record that breaks (or supports) a criterion, and where to see it.

    ``source`` says where the label comes from and ``area_path`` where the record lies: the
    redaction policy (``web.redaction.shown_evidence``) decides from them what a user sees.
    """

    kind: str  # hotspot | incident | person | household_tally | hotline_board | ... | area
    id: int | None
    label: str  # what the record is (a hotspot's name, a person's name, an area's name)
    detail: str  # why it counts, in the user's language (or lazily: formatted when shown)
    url: str
    area_code: str
    area_name: str
    date: date | None = None
    source: tuple[str, str] = UNIT_NAME
    area_path: str = ""

    @property
    def personal(self) -> bool:
        """The label is personal data (the policy decides who may see it)."""
        return not is_public(*self.source)

    def as_dict(self) -> dict:
        return {"kind": self.kind, "id": self.id, "label": str(self.label),
                "detail": str(self.detail),
                "url": self.url, "area_code": self.area_code, "area_name": self.area_name,
                "date": self.date.isoformat() if self.date else None,
                "personal": self.personal}


@dataclass(slots=True)
class CriterionResult:
    code: str
    status: str
    evidence: list[Evidence] = field(default_factory=list)  # records that break it / gaps
    support: list[Evidence] = field(default_factory=list)  # records that show it is met

    @property
    def label(self) -> str:
        return criterion_label(self.code)

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])

    @property
    def met(self) -> bool:
        return self.status == MET

    def as_dict(self, shown: Callable[[Evidence], Evidence] | None = None) -> dict:
        """As JSON; ``shown`` (the redaction policy's ``shown_evidence``) filters each item."""
        evidence = [shown(e) for e in self.evidence] if shown else self.evidence
        support = [shown(e) for e in self.support] if shown else self.support
        return {"code": self.code, "label": self.label, "status": self.status,
                "status_label": self.status_label, "count": len(self.evidence),
                "evidence": [e.as_dict() for e in evidence],
                "support": [e.as_dict() for e in support]}


@dataclass(slots=True)
class AreaCriteria:
    """The 8 criteria of one area on one day."""

    unit_id: int
    code: str
    name: str
    kind: str
    as_of: date
    criteria: list[CriterionResult]

    @property
    def all_met(self) -> bool:
        return all(c.met for c in self.criteria)

    @property
    def met_count(self) -> int:
        return sum(c.met for c in self.criteria)

    @property
    def by_code(self) -> dict[str, CriterionResult]:
        return {c.code: c for c in self.criteria}

    def codes_with(self, status: str) -> list[str]:
        return [c.code for c in self.criteria if c.status == status]

    def as_dict(self, shown: Callable[[Evidence], Evidence] | None = None) -> dict:
        return {"area_code": self.code, "as_of": self.as_of.isoformat(),
                "all_met": self.all_met, "met_count": self.met_count,
                "criteria": [c.as_dict(shown) for c in self.criteria]}


# --- what the queries find --------------------------------------------------------------------


@dataclass(slots=True)
class _Unit:
    id: int
    code: str
    name: str
    kind: str
    path: str


@dataclass(slots=True)
class _Finding:
    path: str  # the org unit it belongs to
    severity: str  # "breaks" | "missing" | "supports" | "ended"
    evidence: Evidence


def _area_url(code: str) -> str:
    return f"/areas/{code}"


class _Collector:
    def __init__(self, units: dict[int, _Unit]):
        self.units = units
        self.findings: dict[str, list[_Finding]] = defaultdict(list)

    def add(self, code: str, unit_id: int, severity: str, evidence: Evidence) -> None:
        self.findings[code].append(_Finding(self.units[unit_id].path, severity, evidence))

    def evidence(self, unit_id: int, **values) -> Evidence:
        unit = self.units[unit_id]
        return Evidence(area_code=unit.code, area_name=unit.name, area_path=unit.path,
                        **values)


def _hotspots(c: _Collector, inside, as_of: date) -> None:
    """C1: hotspots found by ``as_of`` and not eliminated at its end."""
    cutoff = end_of(as_of)
    state = aliased(AuditEntry)
    rows = db.session.execute(
        sa.select(Hotspot.id, Hotspot.name, Hotspot.org_unit_id, Hotspot.found_date,
                  state.to_state)
        .join(OrgUnit, OrgUnit.id == Hotspot.org_unit_id)
        .join(state, sa.and_(state.record_type == Hotspot.__record_type__,
                             state.record_id == Hotspot.id,
                             state.seq == last_entry_seq(Hotspot.__record_type__, Hotspot.id,
                                                          cutoff, changes_only=False)))
        .where(inside, Hotspot.found_date <= as_of,
               state.to_state != "eliminated")
    ).all()
    for hotspot_id, name, unit_id, found, to_state in rows:
        c.add("C1", unit_id, "breaks", c.evidence(
            unit_id, kind="hotspot", id=hotspot_id, label=name,
            detail=_("Hotspot not eliminated (%(state)s), found %(date)s.",
                     state=_state_label("hotspot", to_state), date=_show(found)),
            url=f"/hotspots/{hotspot_id}", date=found, source=("hotspots", "name")))


def _incidents(c: _Collector, inside, as_of: date) -> None:
    """C1, C2, C8: incidents open at the end of ``as_of``."""
    found = terms("lai_chau.incidents")
    breaks, offender_months = found["breaks"], found["offender_months"]
    rows = db.session.scalars(
        sa.select(AreaFact)
        .join(OrgUnit, OrgUnit.id == AreaFact.org_unit_id)
        .where(inside,
               AreaFact.kind.in_(tuple(breaks)),
               AreaFact.found_date <= as_of,
               sa.or_(AreaFact.resolved_date.is_(None), AreaFact.resolved_date > as_of))
    ).all()
    for fact in rows:
        if fact.kind == "offender":
            since = fact.resident_since
            if add_months(since, offender_months) > as_of:
                continue  # resident for less than the months of the set
            detail = _("Drug offender resident since %(date)s (3 months or more).",
                       date=_show(since))
        else:
            detail = _("%(kind)s, found %(date)s, not resolved.", kind=fact.kind_label,
                       date=_show(fact.found_date))
        c.add(breaks[fact.kind], fact.org_unit_id, "breaks", c.evidence(
            fact.org_unit_id, kind="incident", id=fact.id,
            label=fact.description or fact.kind_label, detail=detail,
            url=f"/areas/{c.units[fact.org_unit_id].code}/facts/{fact.id}",
            date=fact.found_date,
            source=("area_facts", "description" if fact.description else "kind_label")))


def _state_label(workflow: str, state: str) -> str:
    try:
        definition = get_catalog().get(workflow)
    except UnknownWorkflow:
        return state
    found = definition.states.get(state)
    return str(found.label) if found else state


def _households(c: _Collector, inside, as_of: date) -> None:
    """C6: the latest household tally and hotline board of every residential group/village."""
    rows = db.session.scalars(
        sa.select(AreaFact)
        .join(OrgUnit, OrgUnit.id == AreaFact.org_unit_id)
        .where(inside,
               sa.or_(sa.and_(AreaFact.kind == "household_tally", AreaFact.as_of <= as_of),
                      sa.and_(AreaFact.kind == "hotline_board",
                              AreaFact.verified_on <= as_of)))
        .order_by(AreaFact.id)
    ).all()
    latest: dict[tuple[int, str], AreaFact] = {}
    for fact in rows:
        key = (fact.org_unit_id, fact.kind)
        day = fact.as_of if fact.kind == "household_tally" else fact.verified_on
        held = latest.get(key)
        if held is None or day >= (held.as_of if fact.kind == "household_tally"
                                   else held.verified_on):
            latest[key] = fact
    # The details are formatted when shown (a province has thousands of villages; a page of
    # counts shows none of them): the fixed ones once, the others from messages translated
    # once.
    no_tally, no_board = _("No household tally recorded."), _("No hotline board recorded.")
    phrase = Phrases()
    for unit in c.units.values():
        if unit.kind not in LEAF_KINDS:
            continue
        tally = latest.get((unit.id, "household_tally"))
        board = latest.get((unit.id, "hotline_board"))
        url = f"/areas/{unit.code}/facts/"
        if tally is None:
            c.add("C6", unit.id, "missing", c.evidence(
                unit.id, kind="area", id=None, label=unit.name,
                detail=no_tally, url=_area_url(unit.code)))
        elif tally.households_signed < tally.households_total:
            c.add("C6", unit.id, "breaks", c.evidence(
                unit.id, kind="household_tally", id=tally.id, label=unit.name,
                detail=phrase(N_("%(signed)d of %(total)d households signed (as of %(date)s)."),
                              signed=tally.households_signed, total=tally.households_total,
                              date=tally.as_of),
                url=url + str(tally.id), date=tally.as_of))
        else:
            c.add("C6", unit.id, "supports", c.evidence(
                unit.id, kind="household_tally", id=tally.id, label=unit.name,
                detail=phrase(N_("All %(total)d households signed (as of %(date)s)."),
                              total=tally.households_total, date=tally.as_of),
                url=url + str(tally.id), date=tally.as_of))
        if board is None:
            c.add("C6", unit.id, "missing", c.evidence(
                unit.id, kind="area", id=None, label=unit.name,
                detail=no_board, url=_area_url(unit.code)))
        elif not board.present:
            c.add("C6", unit.id, "breaks", c.evidence(
                unit.id, kind="hotline_board", id=board.id, label=unit.name,
                detail=phrase(N_("No hotline board (checked %(date)s)."), date=board.verified_on),
                url=url + str(board.id), date=board.verified_on))
        else:
            c.add("C6", unit.id, "supports", c.evidence(
                unit.id, kind="hotline_board", id=board.id, label=unit.name,
                detail=phrase(N_("Hotline board in place (checked %(date)s)."),
                              date=board.verified_on),
                url=url + str(board.id), date=board.verified_on))


def _carried(units: dict[int, _Unit], inside, day: date) -> dict[int, list[str]]:
    """The units that had ended by ``day`` and were once above some unit of the day's tree
    (a ward merged away), each with the day's paths of the topmost units that were below
    it: a working model of the old ward still covers its villages. (A village moved away
    from a commune that still exists leaves that commune's models behind.)"""
    ever: dict[int, set[int]] = defaultdict(set)
    for unit_id, path in db.session.execute(
            sa.select(OrgUnitLink.unit_id, OrgUnitLink.path).where(
                OrgUnitLink.unit_id.in_(sa.select(OrgUnit.id).where(inside)))):
        ever[unit_id] |= {int(part) for part in path.split(".") if part} - {unit_id}
    ended = set(db.session.scalars(sa.select(OrgUnit.id).where(
        OrgUnit.id.in_(set().union(*ever.values())), OrgUnit.valid_to < day))) if ever else set()
    found: dict[int, list[str]] = defaultdict(list)
    for unit_id, above in ever.items():
        above = above & ended
        now = {int(part) for part in units[unit_id].path.split(".") if part}
        for other in above - now:
            found[other].append(units[unit_id].path)
    return {other: [p for p in paths if not any(p != q and p.startswith(q) for q in paths)]
            for other, paths in found.items()}


def _models(c: _Collector, inside, ancestor_ids: list[int], as_of: date,
            map_day: date | None = None, carried: dict[int, list[str]] | None = None) -> None:
    """C7: prevention models of the subtree and of the units above it."""
    rows = db.session.scalars(
        sa.select(AreaFact)
        .join(OrgUnit, OrgUnit.id == AreaFact.org_unit_id)
        .where(AreaFact.kind == "prevention_model", AreaFact.started_on <= as_of,
               sa.or_(inside,
                      OrgUnit.id.in_(list(ancestor_ids) + list(carried or ()))))
    ).all()
    for fact in rows:
        if fact.org_unit_id not in c.units:
            path = (history.path_on(fact.org_unit, map_day) if map_day is not None
                    else None) or fact.org_unit.path
            c.units[fact.org_unit_id] = _Unit(fact.org_unit_id, fact.org_unit.code,
                                              fact.org_unit.name, fact.org_unit.kind, path)
        working = fact.ended_on is None or fact.ended_on > as_of
        if working:
            detail = _("Working since %(date)s.", date=_show(fact.started_on))
        else:
            detail = _("Ended on %(date)s.", date=_show(fact.ended_on))
        evidence = c.evidence(
            fact.org_unit_id, kind="prevention_model", id=fact.id, label=fact.name,
            detail=detail, url=f"/areas/{fact.org_unit.code}/facts/{fact.id}",
            date=fact.started_on, source=("area_facts", "name"))
        severity = "supports" if working else "ended"
        for path in (carried or {}).get(fact.org_unit_id, ()):
            c.findings["C7"].append(_Finding(path, severity, evidence))
        c.add("C7", fact.org_unit_id, severity, evidence)


@dataclass
class Where:  # what every measure of the set is given: the territory and the day
    inside: object  # SQL condition on OrgUnit
    as_of: date
    ancestors: list[int]
    map_day: date | None
    carried: dict[int, list[str]] | None


# --- judging ----------------------------------------------------------------------------------


def _judge(code: str, unit: _Unit, findings: FindingIndex) -> CriterionResult:
    mine = findings.below(unit.path)
    breaks = [f.evidence for f in mine if f.severity == "breaks"]
    missing = [f.evidence for f in mine if f.severity == "missing"]
    support = [f.evidence for f in mine if f.severity == "supports"]
    if code == "C7":
        # A working model of the area, of a unit below it or of a unit above it counts.
        support = [f.evidence for f in findings.below_or_above(unit.path)
                   if f.severity == "supports"]
        if support:
            return CriterionResult(code, MET, support=support)
        ended = [f.evidence for f in mine if f.severity == "ended"]
        if ended:
            return CriterionResult(code, NOT_MET, evidence=ended)
        return CriterionResult(code, NEEDS_ATTESTATION, evidence=[Evidence(
            kind="area", id=None, label=unit.name, url=_area_url(unit.code),
            area_code=unit.code, area_name=unit.name, area_path=unit.path,
            detail=_("No drug-prevention model recorded."))])
    if code == "C6" and unit.kind not in LEAF_KINDS and not (breaks or missing or support):
        return CriterionResult(code, NEEDS_ATTESTATION, evidence=[Evidence(
            kind="area", id=None, label=unit.name, url=_area_url(unit.code),
            area_code=unit.code, area_name=unit.name, area_path=unit.path,
            detail=_("No residential group or village below this area."))])
    if breaks:
        return CriterionResult(code, NOT_MET, evidence=breaks + missing, support=support)
    if missing:
        return CriterionResult(code, NEEDS_ATTESTATION, evidence=missing, support=support)
    return CriterionResult(code, MET, support=support)


def evaluate_subtree(root: OrgUnit, as_of: date | None = None,
                     only: Iterable[int] | None = None) -> dict[int, AreaCriteria]:
    """The criteria of every area in ``root``'s subtree on ``as_of`` (default: today), on the
    map of that day (``territory_day``: an ended unit's is its last day's); with ``only``,
    of those areas of the subtree alone (a page that shows a few judges only those).

    A fixed number of queries whatever the size of the subtree. Keys are org-unit ids.
    """
    as_of = as_of or today()
    map_day = history.territory_day(root, as_of)
    if map_day is None:
        # Nothing under ``root`` ever changed place: its current subtree is the day's.
        root_path, ancestors = root.path, root.ancestor_ids[:-1]
        rows = db.session.execute(
            sa.select(OrgUnit.id, OrgUnit.code, OrgUnit.name, OrgUnit.kind, OrgUnit.path)
            .where(subtree_clause(OrgUnit.path, root_path)))
        inside = subtree_clause(OrgUnit.path, root_path)
        carried = None
    else:
        # The map of ``map_day`` (WORKFLOWS.md §6): the units under ``root`` that day, with
        # that day's paths; the data are still those of ``as_of``.
        root_path = history.path_on(root, map_day) or root.path
        ancestors = [int(part) for part in root_path.split(".") if part][:-1]
        rows = db.session.execute(
            sa.select(OrgUnit.id, OrgUnit.code, OrgUnit.name, OrgUnit.kind, OrgUnitLink.path)
            .join(OrgUnitLink, OrgUnitLink.unit_id == OrgUnit.id)
            .where(history.link_valid_on(map_day), subtree_clause(OrgUnitLink.path, root_path)))
        inside = history.in_subtree_on(OrgUnit.id, root, map_day)
    units = {row[0]: _Unit(*row) for row in rows}
    if map_day is not None:
        carried = _carried(units, inside, map_day)
    in_tree = dict(units)
    c = _Collector(units)
    where = Where(inside, as_of, ancestors, map_day, carried)
    for name in dict.fromkeys(m for k in criteria_set().criteria for m in k.measures):
        MEASURES[name].func(c, where)  # the set's measures, each once, in its order
    paths: dict[str, list[str]] = {}  # each path's prefixes, once for the 8 indexes
    indexes = {code: FindingIndex(c.findings.get(code, ()), paths) for code in CRITERIA}
    wanted = in_tree if only is None else {i: in_tree[i] for i in only if i in in_tree}
    results = {}
    for unit in wanted.values():
        judged = [_judge(code, unit, indexes[code]) for code in CRITERIA]
        results[unit.id] = AreaCriteria(unit.id, unit.code, unit.name, unit.kind, as_of,
                                        judged)
    return results


def evaluate_area(unit: OrgUnit, as_of: date | None = None) -> AreaCriteria:
    """The 8 criteria of one area (over its whole subtree) on ``as_of``."""
    return evaluate_subtree(unit, as_of, only=(unit.id,))[unit.id]


today = clock.today_local  # today in Vietnam
