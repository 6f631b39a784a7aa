"""QĐ 28/2025/QĐ-TTg: a commune's classification (Art 4, 6) and a province's (Art 5) for a
review period (WORKFLOWS.md §9; INTERFACES.md "Classification and annual review").

The thresholds, bands, exceptions and the period's dates are data (criteria/qd28-2025.yaml);
the measures they name live in ``qd28_measures``. This module judges:

- Art 4: each criterion's value and band; đ takes a band only when the route is open and
  enough other criteria stand high enough; the type from the bands (``types:`` of the set);
  a criterion counts toward a band only when its value is above zero;
- Art 6: each criterion holds when its measure finds nothing; the records that break it;
- the classification: ``drug_free`` when Art 6 holds, otherwise the type;
- Art 5 for a province, criterion 4 counting its communes' types.

``approved`` comes from :data:`APPROVED_SOURCES`, callables ``(unit, year) -> dict | None``
that the annual review registers (areas never imports it).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction

import sqlalchemy as sa
from flask_babel import format_decimal, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from casework.areas import qd28_bulk as bulk
from casework.areas import qd28_measures as m
from casework.areas.criteria import Evidence
from casework.areas.criteria_sets import MEASURES, CriteriaSet, Criterion, get_set, measure
from casework.errors import ValidationFailed
from casework.extensions import db
from casework.orgunits import history
from casework.orgunits.models import OrgUnit
from casework.web.redaction import withheld_evidence
from casework.workflow.deadlines import today_local

SET_NAME = "qd28-2025"
CLASSIFICATIONS = ("drug_free", "type_1", "type_2", "type_3", "none")
CLASSIFICATION_LABELS = {
    "drug_free": _l("Drug-free commune"),
    "type_1": _l("Key complex, type I"),
    "type_2": _l("Key complex, type II"),
    "type_3": _l("Key complex, type III"),
    "none": _l("Not key complex"),
}
BAND_LABELS = {"type_1": _l("Type I"), "type_2": _l("Type II"), "type_3": _l("Type III")}

# Where the annual review's approved result comes from: ``(unit, year) -> dict | None``.
APPROVED_SOURCES: list[Callable[[OrgUnit, int], dict | None]] = []
# The set-based form of a source, when it has one: ``(units, year) -> {unit id: dict}``.
APPROVED_MANY: dict[Callable, Callable[[list[OrgUnit], int], dict[int, dict]]] = {}


def criteria_set() -> CriteriaSet:
    return get_set(SET_NAME)


def review_period(year: int) -> tuple[date, date]:
    """The review period of ``year``: from 15/12 of the year before to 14/12 (Art 7)."""
    period = criteria_set().period
    starts, ends = period.get("starts") or {}, period.get("ends") or {}
    return (date(year - 1, starts.get("month", 12), starts.get("day", 15)),
            date(year, ends.get("month", 12), ends.get("day", 14)))


def period_year_of(day: date) -> int:
    """The year of the review period that holds ``day``."""
    start, _end = review_period(day.year + 1)
    return day.year + 1 if day >= start else day.year


def report_due(year: int) -> date:
    """The last day the province may report the period (before 20/12)."""
    due = criteria_set().period.get("report_due") or {}
    return date(year, due.get("month", 12), due.get("day", 19))


NOT_JUDGED = _l("QĐ 28/2025 classifies communes, wards, special zones and provinces only.")


def checked_year(year: int | None, unit: OrgUnit | None = None) -> int:
    """The review period asked for, or the one holding Vietnam's today; a period that has not
    begun, that ended before QĐ 28/2025 took effect, or in which ``unit`` did not exist, is
    refused (422)."""
    today = today_local()
    year = year or period_year_of(today)
    start, end = review_period(year)
    if start > today:
        message = _l("The review period %(year)d (%(start)s – %(end)s) has not begun.",
                     year=year, start=start.strftime("%d/%m/%Y"), end=end.strftime("%d/%m/%Y"))
        raise ValidationFailed(message, errors={"period": [message]})
    effective = criteria_set().effective_from
    if end < effective:
        message = _l("QĐ 28/2025 applies from %(date)s: the review period %(year)d ended "
                     "before it.", date=effective.strftime("%d/%m/%Y"), year=year)
        raise ValidationFailed(message, errors={"period": [message]})
    if unit is not None and ((unit.valid_to is not None and unit.valid_to < start)
                             or (unit.valid_from is not None and unit.valid_from > end)):
        message = _l("%(name)s did not exist during the review period %(year)d.",
                     name=unit.name, year=year)
        raise ValidationFailed(message, errors={"period": [message]})
    return year


def approved_for(unit: OrgUnit, year: int) -> dict | None:
    for source in APPROVED_SOURCES:
        found = source(unit, year)
        if found is not None:
            return found
    return None


def approved_many(units: list[OrgUnit], year: int) -> dict[int, dict]:
    """``approved_for`` of each of ``units`` (unit id → result, None left out): one statement
    per source that has a set-based form (``APPROVED_MANY``), else unit by unit."""
    found: dict[int, dict] = {}
    for source in APPROVED_SOURCES:
        many = APPROVED_MANY.get(source)
        todo = [u for u in units if u.id not in found]
        if not todo:
            break
        results = (many(todo, year) if many is not None
                   else {u.id: source(u, year) for u in todo})
        found.update({k: v for k, v in results.items() if v is not None})
    return found


# --- results ---------------------------------------------------------------------------------


def _evidence_dicts(items: list[Evidence], personal: bool) -> list[dict]:
    return [(e if personal else withheld_evidence(e)).as_dict() for e in items]


@dataclass
class CriterionValue:
    """One criterion judged: its value (for display), band or whether it holds, evidence."""

    criterion: Criterion
    measured: m.Measured
    band: str | None = None
    met: bool | None = None

    @property
    def code(self) -> str:
        return self.criterion.code

    @property
    def label(self) -> str:
        locale = get_locale()
        return self.criterion.label(locale.language if locale else "vi")

    @property
    def value(self):
        return None if self.measured.message else self.measured.shown

    @property
    def value_text(self) -> str:
        """The value for a page, in the user's language ("" when it cannot be computed)."""
        value = self.value
        if value is None:
            return ""
        unit = self.measured.unit
        if unit == "percent":
            return format_decimal(value, format="#,##0.####") + "%"
        if unit == "plants_m2":
            return _("%(plants)s plants, %(area)s m²",
                     plants=format_decimal(value["plants"], format="#,##0"),
                     area=format_decimal(value["area_m2"], format="#,##0.##"))
        if unit == "route":
            return _("Yes") if value else _("No")
        return format_decimal(value, format="#,##0")

    @property
    def band_label(self) -> str:
        return str(BAND_LABELS.get(self.band, "")) if self.band else ""

    @property
    def evidence(self) -> list[Evidence]:
        return self.measured.evidence

    def as_dict(self, personal: bool) -> dict:
        out = {"code": self.code, "label": self.label, "value": self.value,
               "unit": self.measured.unit, "count": self.measured.count,
               "message": self.measured.message,
               "evidence": _evidence_dicts(self.measured.evidence, personal)}
        if self.criterion.drug_free or self.criterion.threshold:
            out["met"] = self.met
        else:
            out["band"] = self.band
        return out


@dataclass
class CommuneClassification:
    unit: OrgUnit
    year: int
    period: tuple[date, date]
    population: int | None
    population_evidence: list[Evidence]
    criteria: list[CriterionValue]
    drug_free_criteria: list[CriterionValue]
    type: str
    approved: dict | None = None

    @property
    def drug_free_met(self) -> bool:
        return all(c.met for c in self.drug_free_criteria)

    @property
    def classification(self) -> str:
        return "drug_free" if self.drug_free_met else self.type

    @property
    def classification_label(self) -> str:
        return str(CLASSIFICATION_LABELS[self.classification])

    @property
    def type_label(self) -> str:
        return str(CLASSIFICATION_LABELS[self.type])

    @property
    def population_text(self) -> str:
        return format_decimal(self.population, format="#,##0") if self.population else ""

    @property
    def population_missing(self) -> bool:
        return not self.population

    def as_dict(self, personal: bool) -> dict:
        """INTERFACES.md's shape; without ``personal``, no names or free text."""
        return {
            "area_code": self.unit.code,
            "period": {"year": self.year, "from": self.period[0].isoformat(),
                       "to": self.period[1].isoformat()},
            "population": self.population,
            "criteria": [c.as_dict(personal) for c in self.criteria],
            "type": self.type,
            "drug_free": {"met": self.drug_free_met,
                          "criteria": [c.as_dict(personal) for c in self.drug_free_criteria]},
            "classification": self.classification,
            "approved": self.approved,
        }


@dataclass
class ProvinceClassification:
    unit: OrgUnit
    year: int
    period: tuple[date, date]
    population: int | None
    criteria: list[CriterionValue]
    communes: list[CommuneClassification] = field(default_factory=list)
    at_least: int = 4

    @property
    def met_count(self) -> int:
        return sum(1 for c in self.criteria if c.met)

    @property
    def key_province(self) -> bool:
        return self.met_count >= self.at_least

    def counts(self) -> dict:
        out = {"total": len(self.communes)}
        for name in ("type_1", "type_2", "type_3", "none"):
            out[name] = sum(1 for c in self.communes if c.type == name)
        out["drug_free"] = sum(1 for c in self.communes if c.drug_free_met)
        return out

    def as_dict(self, personal: bool) -> dict:
        return {
            "area_code": self.unit.code,
            "period": {"year": self.year, "from": self.period[0].isoformat(),
                       "to": self.period[1].isoformat()},
            "population": self.population,
            "criteria": [c.as_dict(personal) for c in self.criteria],
            "met_count": self.met_count,
            "key_province": self.key_province,
            "communes": self.counts(),
        }


# --- judging ---------------------------------------------------------------------------------


def _measure(criterion: Criterion, ctx: m.Context) -> m.Measured:
    return MEASURES[criterion.measure].func(ctx, criterion.params)


def _type(qs: CriteriaSet, bands: dict[str, str | None]) -> str:
    for name, rule in qs.types.items():
        floor = qs.rank(rule["band_at_least"])
        reached = sum(1 for code in rule["of"] if qs.rank(bands.get(code)) >= floor)
        if reached >= rule["at_least"]:
            return name
    return "none"


def classify_commune(unit: OrgUnit, year: int) -> CommuneClassification:
    """The QĐ 28 classification of a commune, ward or special zone for the review period of
    ``year`` (Art 4 and 6), computed from the data."""
    start, end = review_period(year)
    ctx = m.context(unit, start, end)
    residents, residents_evidence = m.population(ctx)
    return _judge(unit, year, residents, residents_evidence,
                  lambda criterion: _measure(criterion, ctx), approved_for(unit, year))


def classify_communes(root: OrgUnit, year: int, day: date | None = None, *,
                      evidence: bool = True) -> list[CommuneClassification]:
    """``classify_commune`` of every commune, ward and special zone of ``root`` on ``day``'s
    map (default: the period's end; ``communes_of``), set-based: each measure is one statement
    for all of them (``qd28_bulk``), whatever their number. The results are
    ``classify_commune``'s, commune by commune (tests/areas/test_qd28_bulk.py); without
    ``evidence``, the same but for every criterion's evidence, left empty (a province's
    counts and panels need none: persons are then counted in SQL, not listed)."""
    start, end = review_period(year)
    communes = communes_of(root, day or end)
    if not communes:
        return []
    qs = criteria_set()
    criteria = qs.at_level("commune")
    t = bulk.territories(communes, start, end, evidence=evidence)
    t.cache["person_states"] = {s for c in criteria for s in c.params.get("states") or ()}
    measured: dict[str, dict[int, m.Measured]] = {}
    for criterion in criteria:
        if criterion.code in measured:
            continue
        func = bulk.BULK.get(criterion.measure)
        if func is not None:
            found = func(t, criterion.params)
            measured[criterion.code] = found if evidence else {
                cid: dataclasses.replace(one, evidence=[]) for cid, one in found.items()}
        else:  # a measure without a set-based form: one commune at a time
            measured[criterion.code] = {c.id: _measure(criterion, m.context(c, start, end))
                                        for c in communes}
    residents = bulk.populations(t)
    if not evidence:
        residents = {cid: (n, []) for cid, (n, _evidence) in residents.items()}
    approved = approved_many(communes, year)
    return [_judge(c, year, *residents[c.id], lambda crit, c=c: measured[crit.code][c.id],
                   approved.get(c.id))
            for c in communes]


def _judge(unit: OrgUnit, year: int, residents: int | None, residents_evidence: list,
           measure_of: Callable[[Criterion], m.Measured],
           approved: dict | None) -> CommuneClassification:
    """Art 4 and 6 from the measures of ``unit``'s criteria."""
    qs = criteria_set()
    start, end = review_period(year)
    values: list[CriterionValue] = []
    for criterion in qs.at_level("commune", drug_free=False):
        if criterion.route:
            continue
        measured = measure_of(criterion)
        band = None if measured.message else criterion.band_of(
            measured.values, qs.counts_above, qs.band_order)
        values.append(CriterionValue(criterion, measured, band))
    for criterion in qs.at_level("commune", drug_free=False):
        if not criterion.route:
            continue
        measured = measure_of(criterion)
        band = None
        if measured.values.get("value", 0) > qs.counts_above:
            for name in qs.band_order:
                rule = criterion.route.get(name)
                if rule is None:
                    continue
                floor = qs.rank(rule["others_at_least"])
                if sum(1 for v in values if qs.rank(v.band) >= floor) >= rule["others"]:
                    band = name
                    break
        values.append(CriterionValue(criterion, measured, band))
    order = [c.code for c in qs.at_level("commune", drug_free=False)]
    values.sort(key=lambda v: order.index(v.code))
    kind = _type(qs, {v.code: v.band for v in values})
    drug_free = []
    for criterion in qs.at_level("commune", drug_free=True):
        measured = measure_of(criterion)
        drug_free.append(CriterionValue(criterion, measured,
                                        met=measured.values.get("value", 0) == 0))
    return CommuneClassification(unit, year, (start, end), residents, residents_evidence,
                                 values, drug_free, kind, approved)


def communes_of(unit: OrgUnit, day: date) -> list[OrgUnit]:
    """The communes, wards and special zones of ``unit`` on ``day``'s map."""
    qs = criteria_set()
    return list(db.session.scalars(
        sa.select(OrgUnit).where(history.in_subtree_on(OrgUnit.id, unit, day),
                                 OrgUnit.kind.in_(qs.levels.get("commune", [])),
                                 sa.or_(OrgUnit.valid_to.is_(None), OrgUnit.valid_to >= day))
        .order_by(OrgUnit.code)))


@measure("qd28.key_communes_ratio", _l("Communes of the given types per all communes"))
def key_communes_ratio(ctx: m.Context, params: dict) -> m.Measured:
    communes = ctx.cache.get("communes")
    if communes is None:
        year = period_year_of(ctx.end)
        communes = classify_communes(ctx.unit, year, ctx.end, evidence=False)
        ctx.cache["communes"] = communes
    types = set(params.get("types") or [])
    chosen = [c for c in communes if c.type in types]
    evidence = [Evidence(kind="area", id=c.unit.id, label=c.unit.name,
                         detail=c.type_label, url=f"/areas/{c.unit.code}",
                         area_code=c.unit.code, area_name=c.unit.name, area_path=c.unit.path)
                for c in chosen]
    if not communes:
        return m.Measured(unit="percent", evidence=evidence, count=0,
                          message=str(_l("Cannot compute: the province has no commune.")))
    value = Fraction(len(chosen), len(communes))
    return m.Measured({"value": value}, shown=m.percent(value), unit="percent",
                      evidence=evidence, count=len(chosen))


def classify_province(unit: OrgUnit, year: int, *,
                      evidence: bool = True) -> ProvinceClassification:
    """Art 5 for a province: its six criteria, whether it is a key province, and its
    communes' classifications. Without ``evidence`` (a workbook shows the figures), its
    persons are counted, not listed: the figures are the same."""
    qs = criteria_set()
    start, end = review_period(year)
    ctx = m.context(unit, start, end)
    ctx.evidence = evidence
    # Art 5 counts its communes' types: their figures, not the records behind them.
    communes = classify_communes(unit, year, evidence=False)
    ctx.cache["communes"] = communes
    residents, _evidence = m.population(ctx)
    values = []
    for criterion in qs.at_level("province"):
        measured = _measure(criterion, ctx)
        met = not measured.message and criterion.meets(measured.values)
        values.append(CriterionValue(criterion, measured, met=bool(met)))
    return ProvinceClassification(unit, year, (start, end), residents, values, communes,
                                  int(qs.key_province.get("at_least", 4)))


def classify(unit: OrgUnit, year: int):
    """The classification of ``unit`` by its level (None when QĐ 28 does not judge it)."""
    level = criteria_set().level_of(unit.kind)
    if level == "commune":
        return classify_commune(unit, year)
    if level == "province":
        return classify_province(unit, year)
    return None
