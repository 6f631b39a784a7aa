"""QĐ 28/2025 Art 4 and Art 5: every band boundary, the route rule, the population, the period.

The boundaries are judged from the YAML (criteria/qd28-2025.yaml) with exact fractions, and
again through the data for the ratios: a commune of 200 residents with one managed user is
exactly at 0.5%.
"""

from __future__ import annotations

from datetime import date, timedelta
from fractions import Fraction

import pytest

from casework.areas.qd28 import (
    classify_commune,
    classify_province,
    criteria_set,
    period_year_of,
    review_period,
)
from casework.orgunits.services import create_orgunit
from tests.areas.qd28_helpers import current_year, in_period, period

F = Fraction


def band(code: str, **values) -> str | None:
    qs = criteria_set()
    return qs.criterion(code).band_of({k: F(v) for k, v in values.items()}, qs.counts_above,
                                      qs.band_order)


@pytest.mark.parametrize(("ratio", "expected"), [
    (F(5, 1000), "type_1"),              # exactly 0.5%
    (F(5, 1000) - F(1, 10**9), "type_2"),  # just under
    (F(1, 1000), "type_2"),              # exactly 0.1%
    (F(1, 1000) - F(1, 10**9), "type_3"),
    (F(1, 10**6), "type_3"),
    (F(0), None),                        # nobody: no band, not even Type III
])
def test_art4_a_users_bands(ratio, expected):
    assert band("a", value=ratio) == expected


@pytest.mark.parametrize(("places", "expected"), [(0, None), (1, "type_2"), (2, "type_1"),
                                                  (7, "type_1")])
def test_art4_b_places_have_no_type_3(places, expected):
    assert band("b", value=places) == expected


@pytest.mark.parametrize(("ratio", "expected"), [
    (F(1, 1000), "type_1"),              # exactly 0.1%
    (F(1, 1000) - F(1, 10**9), "type_2"),
    (F(5, 10000), "type_2"),             # exactly 0.05%
    (F(5, 10000) - F(1, 10**9), "type_3"),
    (F(0), None),
])
def test_art4_c_arrests_bands(ratio, expected):
    assert band("c", value=ratio) == expected


@pytest.mark.parametrize(("plants", "area", "expected"), [
    (3000, 0, "type_1"), (2999, 0, "type_2"), (500, 0, "type_2"), (499, 0, "type_3"),
    (1, 0, "type_3"), (0, 0, None),
    (0, 750, "type_1"), (0, F(74999, 100), "type_2"), (0, 125, "type_2"),
    (0, F(12499, 100), "type_3"),
    (100, 750, "type_1"),  # either figure decides: the higher band
    (3000, 1, "type_1"), (600, 10, "type_2"),
])
def test_art4_d_plants_bands(plants, area, expected):
    assert band("d", plants=plants, area_m2=area) == expected


@pytest.mark.parametrize(("values", "met"), [
    ({"value": F(2, 1000)}, True), ({"value": F(2, 1000) - F(1, 10**9)}, False),
])
def test_art5_1_users_threshold(values, met):
    assert criteria_set().criterion("5.1").meets(values) is met


@pytest.mark.parametrize(("code", "at", "below"), [
    ("5.2", F(5), F(4)), ("5.3", F(5, 10000), F(5, 10000) - F(1, 10**9)),
    ("5.4", F(3, 100), F(3, 100) - F(1, 10**9)), ("5.6", F(1), F(0)),
])
def test_art5_thresholds(code, at, below):
    criterion = criteria_set().criterion(code)
    assert criterion.meets({"value": at}) and not criterion.meets({"value": below})


@pytest.mark.parametrize(("plants", "area", "met"), [
    (8000, 0, True), (7999, 0, False), (0, 2000, True), (0, F(199999, 100), False),
])
def test_art5_5_plants(plants, area, met):
    assert criteria_set().criterion("5.5").meets({"plants": F(plants), "area_m2": F(area)}) is met


def test_review_period_runs_15_december_to_14_december():
    assert review_period(2026) == (date(2025, 12, 15), date(2026, 12, 14))
    assert period_year_of(date(2025, 12, 14)) == 2025
    assert period_year_of(date(2025, 12, 15)) == 2026
    assert period_year_of(date(2026, 1, 1)) == 2026


# --- through the data --------------------------------------------------------------------------


def test_users_ratio_exactly_half_a_percent_is_type_1(tree, fact, resident):
    fact("W1", "population", residents=200, as_of=in_period())
    resident("managed_user")
    result = classify_commune(tree["W1"], current_year())
    a = result.criteria[0]
    assert (a.code, a.value, a.band, a.measured.count) == ("a", 0.5, "type_1", 1)
    assert result.population == 200


def test_users_ratio_just_under_half_a_percent_is_type_2(tree, fact, resident):
    fact("W1", "population", residents=201, as_of=in_period())
    resident("methadone")  # a management record: counted by a (not by Art 6.1)
    assert classify_commune(tree["W1"], current_year()).criteria[0].band == "type_2"


def test_suspected_and_positive_do_not_count_for_a(tree, fact, resident):
    fact("W1", "population", residents=200, as_of=in_period())
    resident("suspected")
    resident("positive")
    a = classify_commune(tree["W1"], current_year()).criteria[0]
    assert (a.measured.count, a.band) == (0, None)


@pytest.mark.parametrize("residents", [None, 0])
def test_population_missing_or_zero_cannot_compute(tree, fact, residents):
    if residents is not None:
        fact("W1", "population", residents=residents, as_of=in_period())
    fact("G11", "offender", resident_since=in_period() - timedelta(days=400),
         found_date=in_period(), arrested_on=in_period())
    result = classify_commune(tree["W1"], current_year())
    by = {c.code: c for c in result.criteria}
    for code in ("a", "c"):
        assert by[code].value is None and by[code].band is None
        assert "thiếu số liệu dân số" in by[code].measured.message
    assert result.population_missing
    assert result.as_dict(personal=False)["criteria"][2]["value"] is None


def test_latest_population_on_or_before_the_end_is_used(tree, fact):
    start, end = period()
    fact("W1", "population", residents=1000, as_of=start - timedelta(days=300))
    fact("W1", "population", residents=4000, as_of=start)
    fact("W1", "population", residents=9, as_of=end + timedelta(days=1))
    assert classify_commune(tree["W1"], current_year()).population == 4000


def test_arrests_exactly_point_one_percent_and_outside_the_period(tree, fact):
    start, end = period()
    fact("W1", "population", residents=1000, as_of=start)
    since = start - timedelta(days=400)
    fact("G11", "offender", resident_since=since, found_date=start, arrested_on=start)
    # Outside the period: arrested the day before it began, and a year before.
    fact("G11", "offender", resident_since=since, found_date=since,
         arrested_on=start - timedelta(days=1))
    fact("G12", "offender", resident_since=since, found_date=since,
         arrested_on=start - timedelta(days=365))
    c = classify_commune(tree["W1"], current_year()).criteria[2]
    assert (c.code, c.measured.count, c.value, c.band) == ("c", 1, 0.1, "type_1")


def test_plants_at_the_boundaries_and_outside_the_period(tree, fact):
    start, end = period()
    fact("W1", "population", residents=1000, as_of=start)
    fact("G11", "drug_plants", plant_count=2000, plant_area_m2=100.0, found_date=start)
    fact("G12", "drug_plants", plant_count=1000, plant_area_m2=25.5, found_date=start)
    fact("G12", "drug_plants", plant_count=9000, plant_area_m2=900.0,
         found_date=start - timedelta(days=1))
    d = classify_commune(tree["W1"], current_year()).criteria[3]
    assert d.value == {"plants": 3000, "area_m2": 125.5}
    assert d.band == "type_1"


def test_use_places_count_hotspots_and_venues_of_the_period(tree, fact, hotspot):
    start, _end = period()
    fact("W1", "population", residents=1000, as_of=start)
    fact("G11", "use_venue", found_date=start)
    fact("G12", "use_venue", found_date=start - timedelta(days=200),
         resolved_date=start - timedelta(days=1))  # closed before the period: not counted
    b = classify_commune(tree["W1"], current_year()).criteria[1]
    assert (b.value, b.band) == (1, "type_2")
    hotspot("G12", found=1)
    b = classify_commune(tree["W1"], current_year()).criteria[1]
    assert (b.value, b.band) == (2, "type_1")


def _route(fact, start, **extra):
    fact("W1", "key_route", route_scope="inter", decision_no="12/QĐ-UBND",
         started_on=start - timedelta(days=30), **extra)


def test_route_with_two_type_2_criteria_makes_type_1(tree, fact):
    start, _end = period()
    fact("W1", "population", residents=1000, as_of=start)
    _route(fact, start)
    fact("G11", "use_venue", found_date=start)                       # b: Type II
    fact("G11", "drug_plants", plant_count=500, found_date=start)    # d: Type II
    result = classify_commune(tree["W1"], current_year())
    bands = {c.code: c.band for c in result.criteria}
    assert bands == {"a": None, "b": "type_2", "c": None, "d": "type_2", "đ": "type_1"}
    assert result.type == "type_2"  # three at Type II or higher, only one at Type I


def test_route_rule_type_1(tree, fact):
    start, _end = period()
    fact("W1", "population", residents=1000, as_of=start)
    _route(fact, start)
    fact("G11", "use_venue", found_date=start)
    fact("G12", "use_venue", found_date=start)                       # b: Type I
    fact("G11", "drug_plants", plant_count=3000, found_date=start)   # d: Type I
    assert classify_commune(tree["W1"], current_year()).type == "type_1"


def test_route_with_two_type_3_criteria_is_route_type_2(tree, fact):
    start, _end = period()
    fact("W1", "population", residents=100000, as_of=start)
    _route(fact, start)
    since = start - timedelta(days=400)
    fact("G11", "offender", resident_since=since, found_date=start, arrested_on=start)  # c: III
    fact("G11", "drug_plants", plant_count=10, found_date=start)                        # d: III
    result = classify_commune(tree["W1"], current_year())
    assert {c.code: c.band for c in result.criteria}["đ"] == "type_2"
    assert result.type == "type_3"


def test_route_alone_or_ended_gives_no_band(tree, fact):
    start, end = period()
    fact("W1", "population", residents=1000, as_of=start)
    fact("G11", "drug_plants", plant_count=10, found_date=start)
    _route(fact, start)
    result = classify_commune(tree["W1"], current_year())
    assert result.criteria[4].band is None and result.type == "type_3"


def test_a_route_ended_before_the_period_end_is_not_open(tree, fact):
    start, end = period()
    _route(fact, start, ended_on=end)
    assert classify_commune(tree["W1"], current_year()).criteria[4].value is False


def test_nothing_at_all_is_not_type_3(tree, fact):
    fact("W1", "population", residents=1000, as_of=in_period())
    result = classify_commune(tree["W1"], current_year())
    assert (result.type, result.classification) == ("none", "drug_free")


def test_province_art5_and_communes_by_type(db, tree, fact):
    province = tree["P"] = create_orgunit("P", "Tỉnh Thử", "province", None)
    for code in ("X1", "X2", "X3"):
        tree[code] = create_orgunit(code, f"Xã {code}", "commune", province)
    db.session.flush()
    start, _end = period()
    fact("P", "population", residents=1000, as_of=start)
    for code in ("X1", "X2", "X3"):
        fact(code, "population", residents=1000, as_of=start)
    since = start - timedelta(days=400)
    fact("X1", "use_venue", found_date=start)
    fact("X1", "use_venue", found_date=start)
    fact("X1", "offender", resident_since=since, found_date=start, arrested_on=start)
    fact("X1", "drug_plants", plant_count=8000, found_date=start)
    for _ in range(3):
        fact("X2", "use_venue", found_date=start)
    fact("X3", "key_route", route_scope="inter", decision_no="1/QĐ", started_on=since)
    result = classify_province(province, current_year())
    met = {c.code: c.met for c in result.criteria}
    assert met == {"5.1": False, "5.2": True, "5.3": True, "5.4": True, "5.5": True,
                   "5.6": True}
    assert result.key_province
    counts = result.counts()
    assert counts["total"] == 3 and counts["type_1"] == 1 and counts["drug_free"] == 1
    body = result.as_dict(personal=False)
    assert body["key_province"] is True and len(body["criteria"]) == 6
