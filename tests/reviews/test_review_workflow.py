"""The commune review's chain (WORKFLOWS.md §9): every (state, event, role), separation of
duties, the province's override and the frozen result."""

from __future__ import annotations

import pytest

from casework.areas import qd28
from casework.reviews import rules
from tests.reviews.conftest import PATH, data_for, fire

ROLES = ("police", "commune_chair", "province_authority")
EVENTS = ("submit", "approve_commune", "approve", "return")
# (state, event, role) → the state it leads to; every other triple is refused.
ALLOWED = {
    ("draft", "submit", "police"): "submitted",
    ("submitted", "approve_commune", "commune_chair"): "approved_by_commune",
    ("submitted", "return", "commune_chair"): "draft",
    ("submitted", "return", "province_authority"): "draft",
    ("approved_by_commune", "approve", "province_authority"): "approved",
    ("approved_by_commune", "return", "commune_chair"): "draft",
    ("approved_by_commune", "return", "province_authority"): "draft",
}
TABLE = [(s, e, r) for s in PATH for e in EVENTS for r in ROLES]


@pytest.mark.parametrize(("state", "event", "role"), TABLE,
                         ids=[f"{s}-{e}-{r}" for s, e, r in TABLE])
def test_state_event_role_table(api_as, review_in, state, event, role):
    review = review_in(state)
    # A fresh user of the role: separation of duties plays no part here.
    client = api_as((role, "P"))
    answer = fire(client, review, event, data_for(event), reason="Lý do trả lại")
    expected = ALLOWED.get((state, event, role))
    if expected is None:
        assert answer.status_code in (403, 422), answer.get_json()
        assert answer.get_json()["code"] in ("not_permitted", "invalid_event")
    else:
        assert answer.status_code == 200, answer.get_json()
        assert answer.get_json()["state"] == expected


def test_the_awaiting_role_of_each_step(review_in):
    assert review_in("draft")["awaiting_role"] == "police"
    assert review_in("submitted", "PW2")["awaiting_role"] == "commune_chair"


def test_return_needs_a_reason(steps, review_in):
    review = review_in("submitted")
    answer = fire(steps["commune_chair"], review, "return")
    assert answer.status_code == 422
    assert answer.get_json()["code"] == "validation_error"


def test_one_person_acts_at_one_step_only(api_as, review_in):
    review = review_in("draft")
    both = api_as(("police", "P"), ("commune_chair", "P"))
    submitted = fire(both, review, "submit", {})
    assert submitted.status_code == 200
    answer = fire(both, submitted.get_json(), "approve_commune", data_for("approve_commune"))
    assert answer.status_code == 422
    body = answer.get_json()
    assert body["code"] == "rule_failed" and "một bước" in body["message"]
    # Nor may they return it: that is the commune's step too.
    answer = fire(both, submitted.get_json(), "return", reason="Thiếu số liệu")
    assert answer.status_code == 422


def test_an_override_without_a_reason_is_refused(steps, review_in):
    review = review_in("approved_by_commune")
    computed = review["computed_classification"]
    other = next(c for c in qd28.CLASSIFICATIONS if c != computed)
    answer = fire(steps["province_authority"], review, "approve",
                  data_for("approve") | {"classification": other})
    assert answer.status_code == 422
    body = answer.get_json()
    assert body["code"] == "rule_failed" and "lý do" in body["message"]


def test_an_override_with_a_reason_is_kept_beside_the_computed_value(steps, review_in, province,
                                                                      year):
    review = review_in("approved_by_commune")
    computed = review["computed_classification"]
    other = next(c for c in qd28.CLASSIFICATIONS if c != computed)
    answer = fire(steps["province_authority"], review, "approve",
                  data_for("approve") | {"classification": other},
                  reason="Tuyến ma túy mới được phê duyệt sau kỳ rà soát")
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert body["state"] == "approved"
    assert body["approved_classification"] == other
    assert body["computed_classification"] == computed
    assert body["override_reason"] == "Tuyến ma túy mới được phê duyệt sau kỳ rà soát"
    # The classification API reads it, for the period that follows the review's.
    approved = qd28.approved_for(province["PW1"], year)
    assert approved["classification"] == other and approved["overridden"] is True
    assert approved["applies_to_period"] == year + 1
    assert qd28.approved_for(province["PW2"], year) is None


def test_approving_without_a_classification_approves_the_computed_one(review_in):
    review = review_in("approved")
    assert review["approved_classification"] == review["computed_classification"]
    assert review["override_reason"] is None


def test_approval_never_moves_the_area(api_as, review_in, province):
    before = api_as(("police", "P")).get("/api/v1/areas/PW1").get_json()["state"]
    review_in("approved")
    assert api_as(("police", "P")).get("/api/v1/areas/PW1").get_json()["state"] == before


def test_the_frozen_result_and_its_hash(steps, review_in, province, fact, year):
    review = review_in("submitted")
    snapshot, digest = review["snapshot"], review["snapshot_sha256"]
    assert len(digest) == 64 and rules.snapshot_hash(snapshot) == digest
    assert snapshot["classification"] == review["computed_classification"]
    assert "approved" not in snapshot
    # The same data frozen again gives the same hash, in any language.
    classification, again = rules.frozen_result(province["PW1"], year)
    assert rules.snapshot_hash(again) == digest and classification == snapshot["classification"]
    # The audit entry of the submission records the hash.
    history = steps["police"].get(f"/api/v1/commune-reviews/{review['id']}/history").get_json()
    submitted = history["items"][-1]
    assert submitted["event"] == "submit"
    assert submitted["data"]["snapshot_sha256"] == digest
    # New data later leave the frozen result as it was.
    fact("PW1", "population", residents=5000, as_of=year_start(year))
    again = steps["police"].get(f"/api/v1/commune-reviews/{review['id']}").get_json()
    assert again["snapshot_sha256"] == digest and again["snapshot"] == snapshot


def year_start(year: int):
    return qd28.review_period(year)[0]


def test_the_classification_api_shows_what_the_review_approved(steps, review_in, year):
    police = steps["police"]
    before = police.get(f"/api/v1/areas/PW1/classification?period={year}").get_json()
    assert before["approved"] is None
    review = review_in("approved")
    after = police.get(f"/api/v1/areas/PW1/classification?period={year}").get_json()
    assert after["approved"]["classification"] == review["approved_classification"]
    assert after["approved"]["review_id"] == review["id"]
    assert after["approved"]["applies_to_period"] == year + 1
    assert after["classification"] == before["classification"]  # the computed one stays
