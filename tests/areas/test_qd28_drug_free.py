"""QĐ 28/2025 Art 6 (drug-free commune): each breaking state breaks 6.1, each exception does
not; offenders, fugitives, places and hotspots break 6.2 and 6.3; the evidence links them and
is redacted for readers without personal access."""

from __future__ import annotations

from datetime import timedelta

import pytest

from casework.areas import qd28
from casework.areas.qd28 import classify_commune, criteria_set
from casework.workflow import engine
from tests.areas.conftest import ago, day_ago
from tests.areas.qd28_helpers import current_year, in_period, period

BREAKING = ["positive", "managed_user", "assessment", "addict", "relapsed", "rehab_facility",
            "compulsory_dossier", "compulsory_rehab"]
EXCEPTIONS = ["methadone", "rehab_community", "post_rehab"]


def drug_free(unit) -> dict[str, qd28.CriterionValue]:
    result = classify_commune(unit, current_year())
    return {c.code: c for c in result.drug_free_criteria}


def test_the_yaml_lists_the_states_of_the_text():
    params = criteria_set().criterion("6.1").params
    assert params["states"] == BREAKING and params["exceptions"] == EXCEPTIONS


@pytest.mark.parametrize("state", BREAKING)
def test_each_breaking_state_breaks_6_1(tree, fact, resident, state):
    fact("W1", "population", residents=1000, as_of=in_period())
    person = resident(state)
    found = drug_free(tree["W1"])["6.1"]
    assert found.met is False
    assert [e.id for e in found.evidence] == [person.id]
    assert found.evidence[0].url == f"/persons/{person.id}"
    result = classify_commune(tree["W1"], current_year())
    assert result.classification != "drug_free" and not result.drug_free_met


@pytest.mark.parametrize("state", EXCEPTIONS + ["suspected", "cleared", "exited",
                                                "management_ended"])
def test_exceptions_and_closed_states_do_not_break_6_1(tree, fact, resident, state):
    fact("W1", "population", residents=1000, as_of=in_period())
    resident(state)
    assert drug_free(tree["W1"])["6.1"].met is True
    result = classify_commune(tree["W1"], current_year())
    assert result.classification == "drug_free"


def test_a_methadone_patient_counts_for_a_but_the_commune_is_drug_free(tree, fact, resident):
    fact("W1", "population", residents=200, as_of=in_period())
    resident("methadone")
    result = classify_commune(tree["W1"], current_year())
    assert result.type == "type_3" and result.drug_free_met  # one criterion, at Type I
    assert result.classification == "drug_free"


def test_residents_of_another_commune_do_not_break_it(tree, fact, resident):
    resident("addict", "G21")
    assert drug_free(tree["W1"])["6.1"].met is True
    assert drug_free(tree["W2"])["6.1"].met is False


def test_open_offender_and_fugitive_break_6_2(tree, fact):
    start, _end = period()
    since = start - timedelta(days=400)
    offender = fact("G11", "offender", resident_since=since, found_date=since,
                    description="Nguyễn Văn Bán")
    fact("G12", "offender", resident_since=since, found_date=since,
         resolved_date=start)  # resolved inside the period: open no more at its end
    fugitive = fact("G12", "fugitive", found_date=start)
    found = drug_free(tree["W1"])["6.2"]
    assert found.met is False
    assert sorted(e.id for e in found.evidence) == sorted([offender.id, fugitive.id])
    assert all(e.url.startswith("/areas/") for e in found.evidence)


def test_open_use_venue_and_hotspot_break_6_3(tree, fact, hotspot):
    start, _end = period()
    venue = fact("G11", "use_venue", found_date=start)
    spot, _police = hotspot("G12", found=5)
    found = drug_free(tree["W1"])["6.3"]
    assert sorted((e.kind, e.id) for e in found.evidence) == sorted(
        [("incident", venue.id), ("hotspot", spot.id)])


def test_an_eliminated_hotspot_does_not_break_6_3(tree, hotspot):
    spot, police = hotspot("G11", found=30)
    engine.fire(spot, "watch", police, effective_at=ago(20))
    engine.fire(spot, "eliminate", police, data={"eliminated_date": day_ago(10).isoformat()},
                effective_at=ago(10))
    assert drug_free(tree["W1"])["6.3"].met is True


def test_evidence_without_personal_access_has_no_names(tree, fact, resident):
    fact("W1", "population", residents=1000, as_of=in_period())
    resident("addict", name="Lò Văn Bí Mật")
    fact("G11", "use_venue", found_date=in_period(), description="Nhà ông Bí Mật")
    result = classify_commune(tree["W1"], current_year())
    personal = str(result.as_dict(personal=True))
    assert "Lò Văn Bí Mật" in personal and "Nhà ông Bí Mật" in personal
    hidden = result.as_dict(personal=False)
    text = str(hidden)
    assert "Bí Mật" not in text
    persons = [e for c in hidden["drug_free"]["criteria"] for e in c["evidence"]
               if e["kind"] == "person"]
    assert persons and all(e["url"] == "" and e["id"] is None for e in persons)


def test_shape_is_the_interface(tree, fact):
    fact("W1", "population", residents=1000, as_of=in_period())
    body = classify_commune(tree["W1"], current_year()).as_dict(personal=False)
    start, end = period()
    assert body["period"] == {"year": current_year(), "from": start.isoformat(),
                              "to": end.isoformat()}
    assert [c["code"] for c in body["criteria"]] == ["a", "b", "c", "d", "đ"]
    assert {"code", "value", "band", "evidence"} <= set(body["criteria"][0])
    assert [c["code"] for c in body["drug_free"]["criteria"]] == ["6.1", "6.2", "6.3"]
    assert body["type"] == "none" and body["classification"] == "drug_free"
    assert body["approved"] is None and body["population"] == 1000


def test_approved_comes_from_a_registered_source(tree, monkeypatch):
    monkeypatch.setattr(qd28, "APPROVED_SOURCES", [
        lambda unit, year: None,
        lambda unit, year: {"classification": "type_3", "decision_no": "5/QĐ-UBND"}])
    result = classify_commune(tree["W1"], current_year())
    assert result.approved == {"classification": "type_3", "decision_no": "5/QĐ-UBND"}
