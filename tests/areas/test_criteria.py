"""The 8 criteria: each met and not met at its boundary, with evidence that links to records."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from marshmallow import fields

from casework.areas.criteria import Evidence, evaluate_area, evaluate_subtree
from casework.areas.schemas import CriteriaSchema, CriterionSchema, EvidenceSchema
from casework.extensions import db as _db
from casework.orgunits.services import create_orgunit
from casework.workflow import engine
from casework.workflow.deadlines import add_months
from tests.areas.conftest import ago, assessment, day_ago, drug_test_data


def status(unit, code, as_of=None):
    return evaluate_area(unit, as_of).by_code[code]


def test_an_area_with_its_facts_and_no_breach_meets_all_eight(tree, good_facts):
    good_facts("G11")
    result = evaluate_area(tree["G11"])
    assert [c.status for c in result.criteria] == ["met"] * 8
    assert result.all_met and result.met_count == 8
    assert {e.kind for e in result.by_code["C6"].support} == {"household_tally", "hotline_board"}


def test_without_tally_board_or_model_the_inspector_must_attest(tree):
    result = evaluate_area(tree["G11"])
    assert result.codes_with("needs_attestation") == ["C6", "C7"]
    assert not result.all_met and result.codes_with("not_met") == []
    gaps = result.by_code["C6"].evidence
    assert [(e.kind, e.area_code, e.url) for e in gaps] == [("area", "G11", "/areas/G11")] * 2


# --- C1 -------------------------------------------------------------------------------------


def test_c1_a_hotspot_breaks_it_until_it_is_eliminated(tree, good_facts, hotspot):
    good_facts("G11")
    spot, police = hotspot("G11", found=60)
    c1 = status(tree["G11"], "C1")
    assert c1.status == "not_met"
    assert [(e.kind, e.id, e.url) for e in c1.evidence] == [
        ("hotspot", spot.id, f"/hotspots/{spot.id}")]
    engine.fire(spot, "watch", police, effective_at=ago(50))
    assert status(tree["G11"], "C1").status == "not_met"
    engine.fire(spot, "eliminate", police, data={"eliminated_date": day_ago(20).isoformat()},
                effective_at=ago(20))
    assert status(tree["G11"], "C1").status == "met"
    # As of a day before it was eliminated, it still broke the criterion.
    assert status(tree["G11"], "C1", day_ago(30)).status == "not_met"
    # As of a day before it was found, it did not exist.
    assert status(tree["G11"], "C1", day_ago(61)).status == "met"
    # The ward inherits the breach of its group, the other ward does not.
    assert status(tree["W1"], "C1", day_ago(30)).status == "not_met"
    assert status(tree["W2"], "C1", day_ago(30)).status == "met"


@pytest.mark.parametrize("kind", ["dealer", "use_venue"])
def test_c1_an_open_seller_or_venue_breaks_it_until_resolved(tree, fact, kind):
    row = fact("G12", kind, description="Quán nước đầu ngõ", found_date=day_ago(40))
    c1 = status(tree["G12"], "C1")
    assert c1.status == "not_met" and c1.evidence[0].url == f"/areas/G12/facts/{row.id}"
    row.resolved_date = day_ago(10)
    assert status(tree["G12"], "C1").status == "met"
    assert status(tree["G12"], "C1", day_ago(11)).status == "not_met"


# --- C2 -------------------------------------------------------------------------------------


def test_c2_an_offender_resident_for_2_months_does_not_break_it_3_months_does(tree, fact):
    today = day_ago(0)
    fact("G11", "offender", description="Đối tượng A", found_date=day_ago(1),
         resident_since=add_months(today, -2))
    assert status(tree["G11"], "C2").status == "met"
    fact("G12", "offender", description="Đối tượng B", found_date=day_ago(1),
         resident_since=add_months(today, -3))
    c2 = status(tree["G12"], "C2")
    assert c2.status == "not_met" and c2.evidence[0].personal
    # The day before, B had lived there for less than three months.
    assert status(tree["G12"], "C2", today - timedelta(days=1)).status == "met"


def test_c2_an_active_ring_breaks_it(tree, fact):
    fact("G21", "ring", description="Nhóm mua bán", found_date=day_ago(5))
    assert status(tree["G21"], "C2").status == "not_met"
    assert status(tree["G11"], "C2").status == "met"


# --- C8 -------------------------------------------------------------------------------------


def test_c8_drug_plants_break_it(tree, fact):
    fact("G11", "drug_plants", found_date=day_ago(3), plant_count=12)
    assert status(tree["G11"], "C8").status == "not_met"
    assert status(tree["G11"], "C8", day_ago(4)).status == "met"


# --- C3, C4, C5: persons ----------------------------------------------------------------------


def _addict(person, assessed_days_ago: float):
    row, drive = person("G11", since=900)
    drive("request_assessment", "police", {"grounds": "Nghi nghiện"}, assessed_days_ago + 2)
    drive("record_assessment", "health", assessment(assessed_days_ago), assessed_days_ago)
    assert row.state == "addict"
    return row, drive


def test_c3_an_addict_without_a_rehab_measure_past_5_working_days(tree, person):
    row, _drive = _addict(person, assessed_days_ago=30)
    c3 = status(tree["G11"], "C3")
    assert c3.status == "not_met"
    assert [(e.kind, e.id, e.url) for e in c3.evidence] == [("person", row.id,
                                                             f"/persons/{row.id}")]
    assert c3.evidence[0].label == "Nguyễn Văn Thử"
    # Within the 5 working days it was still met.
    assert status(tree["G11"], "C3", day_ago(29)).status == "met"


def test_c3_an_addict_just_assessed_is_within_the_deadline(tree, person):
    _addict(person, assessed_days_ago=1)
    assert status(tree["G11"], "C3").status == "met"


def test_c3_and_c5_a_positive_person_awaiting_a_decision_too_long(tree, person):
    row, drive = person("G11", since=100)
    drive("record_test", "health", drug_test_data(40), 40)
    assert row.state == "positive"
    assert status(tree["G11"], "C3").status == "not_met"
    assert status(tree["G11"], "C5").status == "not_met"
    assert status(tree["G11"], "C5", day_ago(39)).status == "met"


def _managed(person, decided_days_ago: float):
    row, drive = person("G11", since=900)
    drive("record_test", "health", drug_test_data(decided_days_ago + 3), decided_days_ago + 3)
    drive("decide_management", "commune_chair",
          {"decision_no": "5/QĐ", "decision_date": day_ago(decided_days_ago).isoformat()},
          decided_days_ago)
    assert row.state == "managed_user"
    return row, drive


def test_c5_a_managed_user_checked_20_days_ago_is_managed(tree, person):
    _row, drive = _managed(person, decided_days_ago=100)
    drive("check_residence", "police", {"check_date": day_ago(20).isoformat(),
                                        "present": True}, 20)
    assert status(tree["G11"], "C5").status == "met"


def test_c5_a_managed_user_last_checked_over_a_month_ago_breaks_it(tree, person):
    row, drive = _managed(person, decided_days_ago=100)
    drive("check_residence", "police", {"check_date": day_ago(40).isoformat(),
                                        "present": True}, 40)
    c5 = status(tree["G11"], "C5")
    assert c5.status == "not_met" and c5.evidence[0].id == row.id
    assert day_ago(40).strftime("%d/%m/%Y") in c5.evidence[0].detail
    # Never checked since the decision 100 days ago: not met either.
    _managed(person, decided_days_ago=100)
    assert len(status(tree["G11"], "C5").evidence) == 2


def _methadone(person, months: int, other_drug_days_ago: float | None, code="G11"):
    start = add_months(day_ago(0), -months)
    since = (day_ago(0) - start).days
    row, drive = person(code, since=since + 30)
    drive("request_assessment", "police", {"grounds": "Nghi nghiện"}, since + 10)
    drive("record_assessment", "health", assessment(since + 5), since + 5)
    drive("start_methadone", "health", {"clinic": "Cơ sở Methadone",
                                        "start_date": start.isoformat()}, since)
    if other_drug_days_ago is not None:
        drive("record_test", "health",
              drug_test_data(other_drug_days_ago, substances=("methamphetamine",)),
              other_drug_days_ago)
    assert row.state == "methadone"
    return row


def test_c4_a_patient_at_13_months_with_another_drug_breaks_it(tree, person):
    row = _methadone(person, months=13, other_drug_days_ago=60)
    c4 = status(tree["G11"], "C4")
    assert c4.status == "not_met" and c4.evidence[0].id == row.id


def test_c4_a_patient_at_11_months_with_another_drug_does_not(tree, person):
    _methadone(person, months=11, other_drug_days_ago=60)
    assert status(tree["G11"], "C4").status == "met"


def test_c4_a_patient_at_13_months_without_another_drug_does_not(tree, person):
    _methadone(person, months=13, other_drug_days_ago=None)
    assert status(tree["G11"], "C4").status == "met"


def test_c4_an_opioid_positive_is_not_another_drug(tree, person):
    row = _methadone(person, months=13, other_drug_days_ago=None)
    engine.fire(row, "record_test", _health(row), data=drug_test_data(10, substances=("heroin",)))
    assert status(tree["G11"], "C4").status == "met"


def _health(row):
    from casework.auth.models import RoleAssignment, User

    return _db.session.scalars(
        sa.select(User).join(RoleAssignment).where(RoleAssignment.role == "health")
    ).first()


# --- C6, C7 -----------------------------------------------------------------------------------


def test_c6_a_partial_tally_or_a_missing_board(tree, fact, good_facts):
    good_facts("G11")
    assert status(tree["G11"], "C6").status == "met"
    fact("G11", "household_tally", households_total=120, households_signed=119,
         as_of=day_ago(5))
    c6 = status(tree["G11"], "C6")
    assert c6.status == "not_met" and "119" in c6.evidence[0].detail
    assert status(tree["G11"], "C6", day_ago(6)).status == "met"  # before the new tally
    fact("G12", "household_tally", households_total=80, households_signed=80, as_of=day_ago(5))
    fact("G12", "hotline_board", present=False, verified_on=day_ago(5))
    assert status(tree["G12"], "C6").status == "not_met"


def test_c6_of_a_ward_needs_every_group(tree, good_facts):
    good_facts("G11")
    ward = status(tree["W1"], "C6")
    assert ward.status == "needs_attestation"
    assert {e.area_code for e in ward.evidence} == {"G12"}
    good_facts("G12")
    assert status(tree["W1"], "C6").status == "met"


def test_c7_a_model_of_the_ward_counts_for_its_groups_an_ended_one_does_not(tree, fact):
    model = fact("W1", "prevention_model", name="CLB phòng chống ma túy",
                 started_on=day_ago(100))
    assert status(tree["G11"], "C7").status == "met"
    assert status(tree["G21"], "C7").status == "needs_attestation"
    model.ended_on = day_ago(10)
    fact("G11", "prevention_model", name="Tổ tự quản", started_on=day_ago(300),
         ended_on=day_ago(200))
    c7 = status(tree["G11"], "C7")
    assert c7.status == "not_met" and [e.label for e in c7.evidence] == ["Tổ tự quản"]
    assert status(tree["G11"], "C7", day_ago(20)).status == "met"


# --- the whole subtree at once ----------------------------------------------------------------


def _count_queries(app, func):
    statements = []

    def listen(conn, cursor, statement, *args):
        statements.append(statement)

    engine_ = _db.engine
    sa.event.listen(engine_, "before_cursor_execute", listen)
    try:
        func()
    finally:
        sa.event.remove(engine_, "before_cursor_execute", listen)
    return len(statements)


def test_a_whole_city_is_judged_in_a_fixed_number_of_queries(app, db, tree, fact, good_facts):
    good_facts("G11")
    fact("G12", "dealer", description="x", found_date=day_ago(3))
    assert tree["C"].path  # loaded before counting
    small = _count_queries(app, lambda: evaluate_subtree(tree["C"]))
    for i in range(30):
        unit = create_orgunit(f"GX{i}", f"Tổ {i}", "residential_group", tree["W2"])
        tree[unit.code] = unit
        fact(unit.code, "household_tally", households_total=10, households_signed=9,
             as_of=day_ago(3))
    db.session.flush()
    results = {}
    large = _count_queries(app, lambda: results.update(evaluate_subtree(tree["C"])))
    assert large == small <= 8
    assert len(results) == 6 + 30
    assert results[tree["W2"].id].by_code["C6"].status == "not_met"
    assert results[tree["G12"].id].by_code["C1"].status == "not_met"
    assert results[tree["C"].id].met_count < 8


def test_viewers_get_counts_never_names(api_as, person, tree):
    _addict(person, assessed_days_ago=30)
    police = api_as(("police", "W1")).get("/api/v1/areas/G11/criteria").get_json()
    viewer = api_as(("viewer", "C")).get("/api/v1/areas/G11/criteria").get_json()
    c3_police = next(c for c in police["criteria"] if c["code"] == "C3")
    c3_viewer = next(c for c in viewer["criteria"] if c["code"] == "C3")
    assert c3_police["evidence"][0]["label"] == "Nguyễn Văn Thử"
    assert c3_viewer["count"] == 1 and c3_viewer["status"] == "not_met"
    assert "Nguyễn" not in str(viewer) and c3_viewer["evidence"][0]["url"] == ""


def test_criteria_as_of_a_date_through_the_api(api_as, fact):
    fact("G11", "dealer", description="x", found_date=day_ago(3))
    police = api_as(("police", "W1"))
    now = police.get("/api/v1/areas/G11/criteria").get_json()
    before = police.get(f"/api/v1/areas/G11/criteria?as_of={day_ago(4).isoformat()}").get_json()
    assert now["criteria"][0]["status"] == "not_met" and not now["all_met"]
    assert before["criteria"][0]["status"] == "met"
    assert police.get("/api/v1/areas/G11/criteria?as_of=nope").status_code == 422


class StrictCriterionSchema(CriterionSchema):
    """The criterion as marshmallow dumps each evidence item field by field."""

    evidence = fields.List(fields.Nested(EvidenceSchema))
    support = fields.List(fields.Nested(EvidenceSchema))


class StrictCriteriaSchema(CriteriaSchema):
    criteria = fields.List(fields.Nested(StrictCriterionSchema))


def test_evidence_as_dict_is_what_its_schema_dumps():
    """The API passes Evidence.as_dict through (AsDictList): it must be, key for key and
    type for type, what dumping it through EvidenceSchema gives."""
    made = [
        Evidence(kind="person", id=7, label=_l("Record"), detail=_l(
            "%(state)s since %(since)s; the deadline was %(due)s.", state="Nghiện",
            since="01/01/2026", due="15/01/2026"), url="/persons/7", area_code="G11",
            area_name="Tổ Một", date=day_ago(3), source=("persons", "full_name")),
        Evidence(kind="area", id=None, label="Tổ Một", detail="", url="/areas/G11",
                 area_code="G11", area_name="Tổ Một"),
    ]
    for evidence in made:
        out = evidence.as_dict()
        assert set(out) == set(EvidenceSchema().fields)
        assert EvidenceSchema().dump(out) == out
        assert all(type(v) in (str, int, bool, type(None)) for v in out.values())


def test_the_criteria_answer_equals_the_field_by_field_dump(api_as, person, tree):
    _addict(person, assessed_days_ago=30)
    for role, code in (("police", "C"), ("viewer", "C")):
        answer = api_as((role, code)).get("/api/v1/areas/C/criteria").get_json()
        assert answer == StrictCriteriaSchema().dump(answer)
        assert any(c["evidence"] for c in answer["criteria"]), role
