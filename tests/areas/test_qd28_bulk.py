"""The set-based classification (``qd28.classify_communes``, issue 16) equals
``classify_commune`` commune by commune, exactly: figures, bands, types, Art 6, population,
messages and evidence, on a fixture that has every band, Art 6's breaking states and
exceptions, a commune without population, a moved village and the 2025 succession."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from casework.areas import qd28, qd28_board
from casework.areas import qd28_measures as m
from casework.orgunits import successions
from casework.orgunits.services import create_orgunit
from casework.workflow import engine
from tests.areas.conftest import ago, day_ago
from tests.areas.qd28_helpers import current_year, in_period, period

ON = date(2025, 7, 1)
BASIS = "NQ 1670/NQ-UBTVQH15 Art 1.35"


@pytest.fixture
def country(db, tree, fact, resident, hotspot):
    """Province P: N (W1 + W2 merged on 1/7/2025) and X1–X5 with a village each."""
    tree["P"] = create_orgunit("P", "Tỉnh Thử", "province", None)
    tree["N"] = create_orgunit("N", "Phường Mới", "ward", tree["P"], valid_from=ON)
    for i, kind in enumerate(("commune", "ward", "commune", "special_zone", "commune"), 1):
        tree[f"X{i}"] = create_orgunit(f"X{i}", f"Xã Số {i}", kind, tree["P"])
        tree[f"V{i}"] = create_orgunit(f"V{i}", f"Thôn {i}", "village", tree[f"X{i}"])
    tree["V4b"] = create_orgunit("V4b", "Thôn 4b", "village", tree["X4"])
    db.session.commit()
    start, end = period()
    # The old wards, before the merge (year 2025's figures reach N through them).
    fact("W1", "population", residents=1000, as_of=date(2025, 1, 1))
    fact("W2", "population", residents=2000, as_of=date(2025, 1, 1))
    fact("W1", "use_venue", found_date=date(2025, 3, 1))
    fact("G21", "drug_plants", plant_count=600, found_date=date(2025, 5, 1))
    resident("addict", "G11", since=800)
    resident("methadone", "G21", since=800)
    successions.merge(["W1", "W2"], "N", ON, BASIS, dry_run=False)
    db.session.flush()
    # X1: every band I (type I), a key route, a hotspot eliminated in the period.
    fact("X1", "population", residents=200, as_of=in_period())
    resident("addict", "V1")
    resident("positive", "V1")
    fact("V1", "use_venue", found_date=start, resolved_date=start + timedelta(days=3))
    fact("V1", "use_venue", found_date=start)
    fact("V1", "offender", resident_since=start, found_date=start,
         arrested_on=start + timedelta(days=1))
    fact("V1", "drug_plants", plant_count=3000, plant_area_m2=10, found_date=start)
    fact("X1", "key_route", started_on=date(2025, 9, 1), route_scope="inter",
         decision_no="QĐ-9")
    spot, police = hotspot("V1", found=30)
    engine.fire(spot, "watch", police, effective_at=ago(20))
    engine.fire(spot, "eliminate", police, data={"eliminated_date": day_ago(10).isoformat()},
                effective_at=ago(10))
    # X2: band II (type II), Art 6 broken by a managed user and an open hotspot.
    fact("X2", "population", residents=1000, as_of=in_period())
    resident("managed_user", "V2")
    resident("rehab_community", "V2")
    fact("V2", "use_venue", found_date=start)
    fact("V2", "offender", resident_since=start, found_date=start,
         arrested_on=start + timedelta(days=2),
         resolved_date=start + timedelta(days=5))
    fact("V2", "drug_plants", plant_count=100, plant_area_m2=130, found_date=start)
    hotspot("V2", found=40)
    # X3: no population (a and c cannot be computed), plants only: type III; a fugitive.
    resident("post_rehab", "V3")
    resident("compulsory_rehab", "V3")
    fact("V3", "drug_plants", plant_count=10, found_date=start)
    fact("V3", "fugitive", found_date=start)
    # X4: nothing at all but an exception (drug-free, not key); a figure before the period.
    fact("X4", "population", residents=500, as_of=date(2024, 1, 1))
    resident("methadone", "V4")
    resident("cleared", "V4")
    fact("X4", "key_route", started_on=date(2025, 9, 1), route_scope="intra", decision_no="7")
    # X5: a village moved in from X4 (the slow path of the map), its records go with it.
    fact("X5", "population", residents=300, as_of=in_period())
    resident("relapsed", "V4b")
    successions.move("V4b", "X5", date(2026, 1, 10), BASIS, dry_run=False)
    db.session.flush()
    return tree


def _same(results, year):
    assert results
    for result in results:
        alone = qd28.classify_commune(result.unit, year)
        assert result.as_dict(personal=True) == alone.as_dict(personal=True), result.unit.code
        assert (result.population, result.population_evidence) == (
            alone.population, alone.population_evidence)
        assert [c.measured for c in result.criteria] == [c.measured for c in alone.criteria]
        assert [c.measured for c in result.drug_free_criteria] == [
            c.measured for c in alone.drug_free_criteria]
        assert result.classification == alone.classification
    return {r.unit.code: r for r in results}


def test_the_set_based_classification_is_the_commune_by_commune_one(country):
    year = current_year()
    found = _same(qd28.classify_communes(country["P"], year), year)
    assert sorted(found) == ["N", "X1", "X2", "X3", "X4", "X5"]
    # The fixture reaches what it means to.
    assert found["X1"].type == "type_1" and found["X2"].type == "type_2"
    assert found["X3"].type == "type_3" and found["X3"].population is None
    assert found["X4"].classification == "drug_free"
    assert not found["X2"].drug_free_met and not found["X3"].drug_free_met
    a5 = {c.code: c for c in found["X5"].criteria}["a"]
    assert a5.measured.count == 1  # the moved village's person counts where it is now


def _without_evidence(result) -> dict:
    out = result.as_dict(personal=True)
    for c in out["criteria"] + out["drug_free"]["criteria"]:
        c["evidence"] = []
    return out


def test_without_evidence_the_figures_are_the_same(country):
    for year, root, day in ((current_year(), "P", None), (2025, "P", None),
                            (2025, "C", date(2025, 6, 30))):
        full = qd28.classify_communes(country[root], year, day)
        bare = qd28.classify_communes(country[root], year, day, evidence=False)
        assert [_without_evidence(r) for r in full] == [r.as_dict(personal=True) for r in bare]
        assert [(r.population, r.classification) for r in full] == [
            (r.population, r.classification) for r in bare]
        assert all(not c.evidence for r in bare for c in r.criteria + r.drug_free_criteria)
        assert all(r.population_evidence == [] for r in bare)


def test_a_province_without_evidence_counts_the_same_persons(country):
    """The province-review workbook classifies its province without evidence: persons are
    counted by a grouped statement, not listed; every figure is the same."""
    for year in (current_year(), 2025):
        full = qd28.classify_province(country["P"], year).as_dict(personal=True)
        bare = qd28.classify_province(country["P"], year, evidence=False).as_dict(
            personal=True)
        listed = [c for c in full["criteria"] if c["evidence"] and c["evidence"][0]["url"]
                  .startswith("/persons/")]
        assert listed or year == 2025, "the fixture has persons behind a province figure"
        for c in full["criteria"]:
            if c in listed:
                c["evidence"] = []
        assert full == bare


def test_the_same_across_the_2025_succession(country):
    # The period of 2025: N adds up the old wards; on the day before the merge, the city's
    # wards are judged on their last day's map.
    found = _same(qd28.classify_communes(country["P"], 2025), 2025)
    assert found["N"].population == 3000
    old = _same(qd28.classify_communes(country["C"], 2025, date(2025, 6, 30)), 2025)
    assert sorted(old) == ["W1", "W2"]
    assert old["W1"].population == 1000


def test_the_population_of_many_is_each_ones(country):
    units = [country[c] for c in ("N", "X1", "X3", "X4", "W1", "W2")]
    for end in (date(2025, 12, 14), period()[1]):
        many = m.population_facts_many(units, end)
        for unit in units:
            assert many[unit.id] == m._population_facts(unit, end, set())


def test_a_province_and_the_board_use_one_pass(country, monkeypatch):
    year = current_year()
    calls = []
    monkeypatch.setattr(qd28, "classify_commune", lambda *a: calls.append(a))
    province = qd28.classify_province(country["P"], year)
    assert len(province.communes) == 6 and calls == []
    assert province.population is None  # X3 has no figure, the province none of its own
    panel = qd28_board.board(country["P"], period()[0] + timedelta(days=30))
    assert panel["total"] == 6 and calls == []


def test_no_commune_no_rows(country):
    assert qd28.classify_communes(country["V1"], current_year()) == []


def _persons_by_max_seq(ctx, states):
    """``persons_in`` as it was: each person's entry of ``max(seq)`` before the cutoff."""
    import sqlalchemy as sa
    from sqlalchemy.orm import aliased

    from casework.audit.models import AuditEntry
    from casework.extensions import db
    from casework.orgunits.models import OrgUnit
    from casework.people.models import Person

    entry, later = aliased(AuditEntry), aliased(AuditEntry)
    last = (sa.select(sa.func.max(later.seq))
            .where(later.record_type == Person.__record_type__, later.record_id == Person.id,
                   later.effective_at < m.cutoff(ctx.end)).scalar_subquery())
    return db.session.execute(
        sa.select(Person.id, Person.full_name, entry.to_state, OrgUnit).select_from(Person)
        .join(entry, sa.and_(entry.record_type == Person.__record_type__,
                             entry.record_id == Person.id, entry.seq == last))
        .join(OrgUnit, OrgUnit.id == entry.org_unit_id)
        .where(ctx.inside, entry.to_state.in_(list(states))).order_by(Person.id)).all()


def _with_ids(rows) -> list[tuple]:
    """(id, name, state, unit) rows with the unit as its id, code and path."""
    return [(pid, name, state, (unit.id, unit.code, unit.path)) for pid, name, state, unit in rows]


def test_persons_from_the_territorys_entries_are_the_last_entries(country):
    # Ends before, inside and after the persons' entries, across the merge.
    states = qd28.criteria_set().criterion("a").params["states"] + ["positive", "cleared"]
    for code in ("P", "N", "X1", "X2", "X4", "X5", "C", "W1"):
        for end in (date(2025, 6, 30), date(2025, 12, 14), period()[1], date(2024, 1, 1)):
            ctx = m.context(country[code], end - timedelta(days=365), end)
            assert _with_ids(m.persons_in(ctx, states)) == _with_ids(
                _persons_by_max_seq(ctx, states)), (code, end)


def test_a_period_ending_today_or_later_reads_the_records_not_the_log(country):
    """The same persons either way (the test above); from today on the records are read, so a
    province's current classification never scans the country's log (issue 16)."""
    from casework.db import today_local

    inside = m.context(country["P"], date(2026, 1, 1), date(2026, 12, 31)).inside
    for end, reads_log in ((today_local() - timedelta(days=1), True), (today_local(), False),
                           (today_local() + timedelta(days=30), False)):
        for counted in (True, False):
            sql = str(m.persons_where(inside, end, ["managed_user"], counted=counted))
            assert ("audit_entries" in sql) is reads_log, (end, counted)
