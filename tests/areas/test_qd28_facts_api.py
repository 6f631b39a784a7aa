"""The facts QĐ 28/2025 reads (WORKFLOWS.md §9, §10): population, key route, fugitive, an
offender's arrest and drug cases, through the API with their dates; bad input refused with
nothing written; a viewer never sees their free text."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from casework.areas.models import AreaFact
from tests.areas.conftest import day_ago

D, LATER = day_ago(20).isoformat(), day_ago(10).isoformat()
GOOD = {
    ("W1", "population"): {"residents": 12450, "as_of": D},
    ("W1", "key_route"): {"route_scope": "inter", "decision_no": "45/QĐ-UBND",
                          "started_on": D},
    ("G11", "fugitive"): {"description": "Đối tượng truy nã lẩn trốn", "found_date": D},
    ("G11", "offender"): {"description": "Đối tượng tàng trữ", "found_date": D,
                          "resident_since": D, "arrested_on": LATER},
    ("W1", "drug_case"): {"case_kind": "trafficking", "suspects": 2, "found_date": D,
                          "prosecuted_on": LATER, "case_no": "VA-07/2026",
                          "note": "Ghi chú nghiệp vụ"},
}
BAD = [  # (unit, kind, change, field with the error)
    ("W1", "population", {"residents": 0}, "residents"),
    ("W1", "population", {"residents": None}, "residents"),
    ("W1", "population", {"as_of": "2100-01-01"}, "as_of"),
    ("W1", "key_route", {"route_scope": "ring_road"}, "route_scope"),
    ("W1", "key_route", {"ended_on": day_ago(30).isoformat()}, "ended_on"),
    ("G11", "offender", {"arrested_on": day_ago(30).isoformat()}, "arrested_on"),
    ("W1", "drug_case", {"prosecuted_on": day_ago(30).isoformat()}, "prosecuted_on"),
    ("W1", "drug_case", {"suspects": -1}, "suspects"),
    ("W1", "drug_case", {"case_kind": "smuggling"}, "case_kind"),
    ("G11", "population", {}, "area_code"),       # a village has no population of its own
    ("G11", "key_route", {}, "area_code"),
]


def _count(db) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(AreaFact))


@pytest.mark.parametrize(("code", "kind"), sorted(GOOD))
def test_each_fact_is_recorded_with_its_dates(api_as, code, kind):
    police = api_as(("police", "W1"))
    response = police.post(f"/api/v1/areas/{code}/facts", json={"kind": kind, **GOOD[(code,
                                                                                       kind)]})
    assert response.status_code == 201, response.get_json()
    fields = response.get_json()["fields"]
    for name, value in GOOD[(code, kind)].items():
        assert fields[name] == value


@pytest.mark.parametrize(("code", "kind", "change", "field"), BAD,
                         ids=[f"{b[1]}-{b[3]}-{i}" for i, b in enumerate(BAD)])
def test_bad_input_is_refused_and_nothing_written(api_as, db, code, kind, change, field):
    police = api_as(("police", "W1"))
    body = {"kind": kind, **GOOD.get((code, kind), GOOD.get(("W1", kind), {})), **change}
    body = {k: v for k, v in body.items() if v is not None}
    before = _count(db)
    response = police.post(f"/api/v1/areas/{code}/facts", json=body)
    assert response.status_code == 422, response.get_json()
    answer = response.get_json()
    assert answer["code"] == "validation_error" and field in answer["errors"], answer
    assert all(isinstance(m, str) and m for m in answer["errors"][field])
    assert _count(db) == before


def test_a_viewer_sees_the_codes_and_dates_never_the_note(api_as):
    police = api_as(("police", "W1"))
    created = police.post("/api/v1/areas/W1/facts",
                          json={"kind": "drug_case", **GOOD[("W1", "drug_case")]})
    assert created.status_code == 201
    fields = api_as(("viewer", "C")).get("/api/v1/areas/W1/facts?kind=drug_case").get_json()[
        "items"][0]["fields"]
    assert fields["case_kind"] == "trafficking" and fields["prosecuted_on"] == LATER
    assert fields.get("note") in (None, "") and "Ghi chú" not in str(fields)


def test_the_commune_page_offers_the_qd28_forms_and_the_village_page_does_not(page_as):
    police = page_as("police", "W1")
    ward = police.get("/areas/W1").get_data(as_text=True)
    village = police.get("/areas/G11").get_data(as_text=True)
    for kind in ("population", "key_route"):
        assert f'data-kind="{kind}"' in ward and f'data-kind="{kind}"' not in village
    for kind in ("drug_case", "fugitive"):
        assert f'data-kind="{kind}"' in ward and f'data-kind="{kind}"' in village
