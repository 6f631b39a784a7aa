"""Figures keep their map (WORKFLOWS.md §6): "as of" a date on that date's tree, an ended unit
on its last day's territory (a plan keeps the territory it was written for), a successor's
report adding up its predecessors."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from casework.areas.criteria import evaluate_subtree
from casework.areas.services import dashboard, territory
from casework.orgunits import successions
from casework.orgunits.models import OrgUnit
from casework.orgunits.services import create_orgunit
from casework.plans.metrics import compute
from casework.plans.reports import report_groups

ON = date(2025, 7, 1)
EVE = date(2025, 6, 30)
AUTUMN_2024 = date(2024, 10, 1)
TODAY = date(2026, 3, 2)
BASIS = "NQ 1670/NQ-UBTVQH15 Art 1.35"


def unit(db, code):
    return db.session.scalar(sa.select(OrgUnit).where(OrgUnit.code == code))


@pytest.fixture
def merged(db, tree):
    """City C (W1: G11, G12; W2: G21) and city D (W3: G31) merged on 2025-07-01 into ward N
    of province P: W3 joins N from elsewhere. The cities end the day before."""
    w3 = create_orgunit("W3", "Phường Ba", "ward", tree["D"])
    create_orgunit("G31", "Tổ dân phố 4", "residential_group", w3)
    province = create_orgunit("P", "Tỉnh Thử", "province", None)
    create_orgunit("N", "Phường Mới", "ward", province, valid_from=ON)
    successions.merge(["W1", "W2", "W3"], "N", ON, BASIS, dry_run=False)
    successions.end("C", ON, BASIS, dry_run=False)
    successions.end("D", ON, BASIS, dry_run=False)
    db.session.commit()


def leaves(results):
    return sorted(r.code for r in results.values() if r.kind == "residential_group")


def test_figures_as_of_an_old_date_use_that_days_tree(db, merged):
    new = unit(db, "N")
    # Today N holds the four groups; W1 held two of them in 2024, N none.
    assert leaves(evaluate_subtree(new, TODAY)) == ["G11", "G12", "G21", "G31"]
    assert leaves(evaluate_subtree(unit(db, "W1"), AUTUMN_2024)) == ["G11", "G12"]
    assert leaves(evaluate_subtree(unit(db, "P"), AUTUMN_2024)) == []
    assert leaves(evaluate_subtree(unit(db, "P"), TODAY)) == ["G11", "G12", "G21", "G31"]
    # The same figure on the old and the new map.
    assert compute("groups_meeting_all_criteria", unit(db, "C"), AUTUMN_2024).denominator == 3
    assert compute("groups_meeting_all_criteria", new, TODAY).denominator == 4


def test_a_plan_keeps_the_territory_it_was_written_for(db, merged):
    """City C ended on 2025-06-30: its figures, today included, are those of its 2024
    subtree, wherever its groups sit now; W3's group, which joined N from city D, does not
    count."""
    city = unit(db, "C")
    assert leaves(evaluate_subtree(city, TODAY)) == ["G11", "G12", "G21"]
    assert compute("groups_meeting_all_criteria", city, TODAY).denominator == 3
    units, path_of, parent_of = territory(city, TODAY)
    assert sorted(u.code for u in units) == ["C", "G11", "G12", "G21", "W1", "W2"]
    assert parent_of[unit(db, "G11").id] == unit(db, "W1").id
    board = dashboard(city, TODAY)
    assert board["leaves_total"] == 3
    assert [(row["code"], row["leaves_total"]) for row in board["units"]] == [
        ("W2", 1), ("W1", 2)]  # by name: Hai, Một


def test_a_successors_report_adds_up_its_predecessors(db, merged):
    new = unit(db, "N")
    groups = report_groups(new, TODAY)
    assert [g.code for g in groups] == ["W3", "W2", "W1"]  # by name: Ba, Hai, Một
    board = dashboard(new, TODAY)
    assert board["leaves_total"] == sum(
        dashboard(g, TODAY)["leaves_total"] for g in groups) == 4
    # Before the merger N did not exist: its report has no predecessors yet.
    assert "W1" not in [g.code for g in report_groups(new, AUTUMN_2024)]


def test_a_unit_whose_map_never_changed_keeps_the_fast_path(db, tree):
    assert leaves(evaluate_subtree(tree["C"], AUTUMN_2024)) == ["G11", "G12", "G21"]
    assert [g.code for g in report_groups(tree["C"], AUTUMN_2024)] == ["W2", "W1"]
