"""Criteria sets as data: lai-chau-8 drives the 8 criteria, its terms and labels from YAML."""

from __future__ import annotations

from casework.areas import criteria
from casework.areas.criteria import CRITERIA, criterion_label, evaluate_area
from casework.areas.criteria_sets import MEASURES, number
from tests.areas.conftest import day_ago


def test_lai_chau_8_has_the_8_criteria_and_registered_measures():
    found = criteria.criteria_set()
    assert CRITERIA == ("C1", "C2", "C3", "C4", "C5", "C6", "C7", "C8")
    assert all(name in MEASURES for c in found.criteria for name in c.measures)
    assert found.basis.startswith("Kế hoạch 1246/KH-UBND")


def test_labels_come_from_the_set(app):
    with app.test_request_context(headers={"Accept-Language": "vi"}):
        assert criterion_label("C8") == "Không có trồng cây có chứa chất ma túy"
    assert criterion_label("C99") == "C99"


def test_terms_come_from_the_set(tree, fact, monkeypatch):
    fact("G11", "offender", resident_since=day_ago(60), found_date=day_ago(60))
    assert evaluate_area(tree["G11"]).by_code["C2"].met  # resident 2 months < 3
    terms = dict(criteria.terms("lai_chau.incidents"), offender_months=1)
    monkeypatch.setitem(criteria.criteria_set().measure_params, "lai_chau.incidents", terms)
    assert not evaluate_area(tree["G11"]).by_code["C2"].met


def test_numbers_are_exact():
    assert number("0.5%") * 200 == 1
    assert number("3,000") == 3000 and number(750) == 750
    assert number("0.05%") == number("0.0005")
