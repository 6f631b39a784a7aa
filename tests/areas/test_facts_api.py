"""Area facts through the API: every kind, who recorded it, and the bad inputs refused."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from casework.areas.models import AreaFact, Hotspot
from tests.areas.conftest import day_ago

FACTS = {
    "hotspot": {"name": "Nhà hoang cuối ngõ 5", "address": "Ngõ 5", "found_date": "{d}"},
    "dealer": {"description": "Điểm bán lẻ tại quán nước", "found_date": "{d}"},
    "use_venue": {"description": "Nhà trọ tổ chức sử dụng", "found_date": "{d}"},
    "offender": {"description": "Đối tượng tàng trữ", "found_date": "{d}",
                 "resident_since": "{d}"},
    "ring": {"description": "Nhóm mua bán liên tỉnh", "found_date": "{d}"},
    "drug_plants": {"found_date": "{d}", "plant_count": 40, "plant_area_m2": 120.5},
    "household_tally": {"households_total": 180, "households_signed": 175, "as_of": "{d}"},
    "hotline_board": {"present": True, "verified_on": "{d}"},
    "prevention_model": {"name": "Camera an ninh", "decision_no": "12/QĐ-UBND",
                         "started_on": "{d}"},
    "awareness_activity": {"activity_type": "broadcast", "activity_date": "{d}",
                           "minutes": 30, "audience": 400},
}


def _body(kind: str) -> dict:
    when = day_ago(10).isoformat()
    return {"kind": kind, **{k: (when if v == "{d}" else v) for k, v in FACTS[kind].items()}}


def _count(db, model=AreaFact) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


@pytest.mark.parametrize("kind", sorted(FACTS))
def test_every_kind_is_recorded_with_its_dates_and_recorder(api_as, kind):
    police = api_as(("police", "W1"))
    response = police.post("/api/v1/areas/G11/facts", json=_body(kind))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["kind"] == kind and body["area_code"] == "G11"
    assert body["recorded_by"].startswith("api") and body["recorded_at"]
    for name, value in _body(kind).items():
        if name != "kind":
            assert body["fields"][name] == value
    listed = police.get(f"/api/v1/areas/W1/facts?kind={kind}").get_json()
    assert [item["id"] for item in listed["items"]] == [body["id"]]
    if kind == "hotspot":
        assert body["state"] == "detected" and body["url"] == f"/hotspots/{body['id']}"


def test_inspectors_record_facts_and_others_may_not(api_as, db):
    inspector = api_as(("inspector", "C"))
    assert inspector.post("/api/v1/areas/G12/facts", json=_body("dealer")).status_code == 201
    before = _count(db)
    for grant in (("viewer", "C"), ("health", "W1"), ("steering_committee", "C")):
        response = api_as(grant).post("/api/v1/areas/G12/facts", json=_body("dealer"))
        assert response.status_code == 403, grant
    outside = api_as(("police", "W2")).post("/api/v1/areas/G11/facts", json=_body("dealer"))
    assert outside.status_code == 404
    assert _count(db) == before


@pytest.mark.parametrize(("body", "field"), [
    ({"kind": "household_tally", "households_total": 100, "households_signed": 101,
      "as_of": "2025-01-10"}, "households_signed"),
    ({"kind": "household_tally", "households_total": 0, "households_signed": 0,
      "as_of": "2025-01-10"}, "households_total"),
    ({"kind": "dealer", "found_date": "2025-01-10"}, "description"),
    ({"kind": "offender", "description": "x", "found_date": "2025-01-10"}, "resident_since"),
    ({"kind": "dealer", "description": "x", "found_date": "2025-01-10",
      "resolved_date": "2025-01-01"}, "resolved_date"),
    ({"kind": "dealer", "description": "x", "found_date": "2999-01-10"}, "found_date"),
    ({"kind": "hotline_board", "verified_on": "2025-01-10"}, "present"),
    ({"kind": "volcano", "found_date": "2025-01-10"}, "kind"),
    ({"kind": "dealer", "description": "x", "found_date": "2025-01-10", "colour": "red"},
     "colour"),
])
def test_bad_facts_are_refused_and_nothing_is_recorded(api_as, db, body, field):
    police = api_as(("police", "W1"))
    before = (_count(db), _count(db, Hotspot))
    response = police.post("/api/v1/areas/G11/facts", json=body)
    assert response.status_code == 422, response.get_json()
    error = response.get_json()
    assert error["code"] == "validation_error" and field in error["errors"], error
    assert (_count(db), _count(db, Hotspot)) == before


def test_a_tally_with_more_signed_than_households_says_why(api_as):
    police = api_as(("police", "W1"))
    response = police.post("/api/v1/areas/G11/facts", headers={"Accept-Language": "en"}, json={
        "kind": "household_tally", "households_total": 100, "households_signed": 120,
        "as_of": "2025-01-10"})
    assert response.status_code == 422
    messages = response.get_json()["errors"]["households_signed"]
    assert any("120" in m and "100" in m for m in messages), messages


def test_tallies_and_boards_belong_to_a_residential_group_or_village(api_as, db):
    police = api_as(("police", "W1"))
    response = police.post("/api/v1/areas/W1/facts", json=_body("household_tally"))
    assert response.status_code == 422 and "area_code" in response.get_json()["errors"]
    assert _count(db) == 0


def test_closing_an_incident_and_a_model(api_as):
    police = api_as(("police", "W1"))
    dealer = police.post("/api/v1/areas/G11/facts", json=_body("dealer")).get_json()
    url = f"/api/v1/areas/G11/facts/{dealer['id']}"
    early = police.patch(url, json={"resolved_date": day_ago(20).isoformat()})
    assert early.status_code == 422
    closed = police.patch(url, json={"resolved_date": day_ago(2).isoformat()})
    assert closed.status_code == 200, closed.get_json()
    assert closed.get_json()["fields"]["resolved_date"] == day_ago(2).isoformat()
    assert closed.get_json()["closed_by"].startswith("api")
    assert police.patch(url, json={"resolved_date": day_ago(1).isoformat()}).status_code == 422
    model = police.post("/api/v1/areas/G11/facts", json=_body("prevention_model")).get_json()
    ended = police.patch(f"/api/v1/areas/G11/facts/{model['id']}",
                         json={"ended_on": day_ago(1).isoformat()})
    assert ended.status_code == 200 and ended.get_json()["fields"]["ended_on"]
    tally = police.post("/api/v1/areas/G11/facts", json=_body("household_tally")).get_json()
    assert police.patch(f"/api/v1/areas/G11/facts/{tally['id']}",
                        json={"ended_on": day_ago(1).isoformat()}).status_code == 422


def test_viewers_see_facts_without_their_free_text(api_as):
    api_as(("police", "W1")).post("/api/v1/areas/G11/facts", json=_body("offender"))
    seen = api_as(("viewer", "C")).get("/api/v1/areas/G11/facts").get_json()["items"][0]
    assert "description" not in seen["fields"] and seen["fields"]["resident_since"]


def test_hotspot_transitions_through_the_api(api_as):
    police = api_as(("police", "W1"))
    spot = police.post("/api/v1/areas/G11/facts", json=_body("hotspot")).get_json()
    url = f"/api/v1/hotspots/{spot['id']}"
    watched = police.post(url + "/transitions", json={"event": "watch", "version": 1})
    assert watched.status_code == 200 and watched.get_json()["state"] == "watched"
    stale = police.post(url + "/transitions", json={
        "event": "eliminate", "version": 1, "data": {"eliminated_date": day_ago(0).isoformat()}})
    assert stale.status_code == 409 and stale.get_json()["code"] == "stale_version"
    done = police.post(url + "/transitions", json={
        "event": "eliminate", "version": 2, "data": {"eliminated_date": day_ago(0).isoformat()}})
    assert done.get_json()["state"] == "eliminated"
    history = police.get(url + "/history").get_json()["items"]
    assert [h["event"] for h in history] == ["open", "watch", "eliminate"]
    assert history[0]["data"]["name"] == "Nhà hoang cuối ngõ 5"
    assert api_as(("police", "W2")).get(url).status_code == 404
