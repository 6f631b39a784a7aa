"""Opening reviews over the API: one per commune and period, only once the period has begun,
only for communes in the caller's scope; reading them."""

from __future__ import annotations

from datetime import date

from casework.areas import qd28
from casework.orgunits.services import create_orgunit
from tests.clock import frozen_at


def test_open_a_review(steps, year):
    answer = steps["police"].post("/api/v1/commune-reviews",
                                  json={"area_code": "PW1", "period": year})
    assert answer.status_code == 201, answer.get_json()
    body = answer.get_json()
    assert body["state"] == "draft" and body["period"] == year
    start, end = qd28.review_period(year)
    assert body["period_from"] == start.isoformat() and body["period_to"] == end.isoformat()
    assert [e["event"] for e in body["available_events"]] == ["submit"]
    again = steps["police"].get(f"/api/v1/commune-reviews/{body['id']}")
    assert again.status_code == 200 and again.get_json()["id"] == body["id"]
    listed = steps["province_authority"].get(f"/api/v1/commune-reviews?period={year}")
    assert [r["id"] for r in listed.get_json()["items"]] == [body["id"]]


def test_a_second_review_for_the_same_period_is_refused(steps, year):
    first = steps["police"].post("/api/v1/commune-reviews",
                                 json={"area_code": "PW1", "period": year})
    assert first.status_code == 201
    second = steps["police"].post("/api/v1/commune-reviews",
                                  json={"area_code": "PW1", "period": year})
    assert second.status_code == 409
    body = second.get_json()
    assert body["code"] == "duplicate_review" and body["record_id"] == first.get_json()["id"]
    assert "đã có" in body["message"]
    # Another commune, or another period, is another review.
    assert steps["police"].post("/api/v1/commune-reviews",
                                json={"area_code": "PW2", "period": year}).status_code == 201
    assert steps["police"].post("/api/v1/commune-reviews",
                                json={"area_code": "PW1", "period": year - 1}).status_code == 201


def test_a_period_that_has_not_begun_is_refused(steps, year):
    answer = steps["police"].post("/api/v1/commune-reviews",
                                  json={"area_code": "PW1", "period": year + 1})
    assert answer.status_code == 422
    body = answer.get_json()
    assert body["code"] == "validation_error" and "chưa bắt đầu" in body["message"]
    assert "period" in body["errors"]


def test_a_period_begins_on_15_december(api_as, province):
    with frozen_at("2026-12-14T10:00:00+07:00"):
        police = api_as(("police", "P"))
        refused = police.post("/api/v1/commune-reviews", json={"area_code": "PW1",
                                                               "period": 2027})
        assert refused.status_code == 422
    with frozen_at("2026-12-15T00:30:00+07:00"):
        police = api_as(("police", "P"))
        opened = police.post("/api/v1/commune-reviews", json={"area_code": "PW1",
                                                              "period": 2027})
        assert opened.status_code == 201, opened.get_json()


def test_bad_input_is_refused_with_a_message(steps, year):
    police = steps["police"]
    for body in ({"area_code": "PW1"}, {"period": year}, {"area_code": "PW1", "period": "x"},
                 {"area_code": "PW1", "period": 1900}, {"area_code": "PW1", "period": 2024}):
        answer = police.post("/api/v1/commune-reviews", json=body)
        assert answer.status_code in (400, 422), (body, answer.get_json())
        assert answer.get_json()["code"] == "validation_error"
    # A residential group or a province is not reviewed.
    for code in ("PV1", "P"):
        answer = police.post("/api/v1/commune-reviews", json={"area_code": code, "period": year})
        assert answer.status_code == 422 and "QĐ 28/2025" in answer.get_json()["message"]


def test_scope_and_roles(api_as, steps, year):
    outsider = api_as(("police", "W1"))
    answer = outsider.post("/api/v1/commune-reviews", json={"area_code": "PW1", "period": year})
    assert answer.status_code == 404
    chair = steps["commune_chair"]
    answer = chair.post("/api/v1/commune-reviews", json={"area_code": "PW1", "period": year})
    assert answer.status_code == 403
    opened = steps["police"].post("/api/v1/commune-reviews",
                                  json={"area_code": "PW1", "period": year}).get_json()
    assert outsider.get(f"/api/v1/commune-reviews/{opened['id']}").status_code == 404
    viewer = api_as(("viewer", "P"))
    assert viewer.get(f"/api/v1/commune-reviews/{opened['id']}").status_code == 404
    assert outsider.get("/api/v1/commune-reviews/999999").status_code == 404


def test_the_inbox_lists_what_waits_for_the_caller(steps, review_in):
    review = review_in("submitted")
    chair = steps["commune_chair"].get("/api/v1/commune-reviews?awaiting_me=true").get_json()
    assert [r["id"] for r in chair["items"]] == [review["id"]]
    province = steps["province_authority"].get(
        "/api/v1/commune-reviews?awaiting_me=true").get_json()
    assert province["items"] == []


def test_a_commune_that_did_not_exist_in_the_period_is_refused(steps, province, db, year):
    create_orgunit("PW3", "Phường Cũ Thử", "ward", province["P"], valid_from=date(2020, 1, 1),
                   valid_to=date(2025, 6, 30))
    db.session.commit()
    answer = steps["police"].post("/api/v1/commune-reviews",
                                  json={"area_code": "PW3", "period": year})
    assert answer.status_code == 422, answer.get_json()
    assert "không tồn tại" in answer.get_json()["message"]
