"""The recognition chain through the API: the full climb, returns, refusals, attachments."""

from __future__ import annotations

import hashlib
import io
import json

import pytest
import sqlalchemy as sa

from casework.areas.models import Area
from casework.audit.models import AuditEntry
from casework.recognition.models import RecognitionAttachment, RecognitionRequest
from tests.areas.conftest import all_met, day_ago

TODAY = day_ago(0).isoformat()
STEP_DATA = {
    "submit": {"self_assessment": all_met("Đạt")},
    "evaluate": {"inspection_date": TODAY, "minutes_no": "BB-KT-07", "verdicts": all_met()},
    "endorse": {"meeting_date": TODAY},
    "approve": {"decision_no": "125/QĐ-UBND", "decision_date": TODAY},
}
STEP_ROLE = {"submit": "police", "evaluate": "inspector", "endorse": "steering_committee",
             "approve": "commune_chair"}  # a group, today: WORKFLOWS.md §11
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _open(client, code="G11", expect=201):
    response = client.post("/api/v1/recognition-requests", json={"area_code": code})
    assert response.status_code == expect, response.get_json()
    return response.get_json()


def _fire(client, body, event, data=None, reason=None, expect=200):
    payload = {"event": event, "version": body["version"],
               "data": STEP_DATA.get(event, {}) if data is None else data}
    if reason:
        payload["reason"] = reason
    response = client.post(f"/api/v1/recognition-requests/{body['id']}/transitions",
                           json=payload)
    assert response.status_code == expect, response.get_json()
    return response.get_json()


def _climb(chain, body, to="endorse"):
    for event in ("submit", "evaluate", "endorse", "approve"):
        body = _fire(chain[STEP_ROLE[event]], body, event)
        if event == to:
            return body
    return body


def _unchanged(db, request_id):
    row = db.session.get(RecognitionRequest, request_id)
    db.session.refresh(row)
    entries = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
        AuditEntry.record_type == "recognition", AuditEntry.record_id == request_id))
    return row.state, row.version, entries


def test_the_full_chain_recognises_the_area_in_the_same_transaction(db, chain, ready_area):
    area = ready_area("G11")
    body = _open(chain["police"])
    assert (body["state"], body["version"], body["area_state"]) == ("draft", 1, "less_complex")
    assert [e["event"] for e in body["available_events"]] == ["submit", "withdraw"]

    body = _fire(chain["police"], body, "submit")
    assert body["state"] == "submitted" and body["submitted_on"] == TODAY
    snapshot = body["snapshot"]
    assert snapshot["all_met"] is True and len(snapshot["criteria"]) == 8
    canonical = json.dumps(snapshot, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert body["snapshot_sha256"] == hashlib.sha256(canonical.encode()).hexdigest()
    assert body["self_assessment"]["C1"] == {"met": True, "note": "Đạt"}

    inbox = chain["inspector"].get("/api/v1/recognition-requests?awaiting_me=true").get_json()
    assert [r["id"] for r in inbox["items"]] == [body["id"]]
    assert chain["steering_committee"].get(
        "/api/v1/recognition-requests?awaiting_me=true").get_json()["items"] == []

    body = _fire(chain["inspector"], body, "evaluate")
    assert body["verdicts"]["C8"]["met"] and body["minutes_no"] == "BB-KT-07"
    body = _fire(chain["steering_committee"], body, "endorse")
    assert body["meeting_date"] == TODAY
    body = _fire(chain["commune_chair"], body, "approve")
    assert (body["state"], body["area_state"]) == ("approved", "drug_free")
    assert body["decision_no"] == "125/QĐ-UBND"

    history = chain["police"].get(f"/api/v1/recognition-requests/{body['id']}/history")
    events = [(h["event"], h["role"]) for h in history.get_json()["items"]]
    assert events == [("open", "police"), ("submit", "police"), ("evaluate", "inspector"),
                      ("endorse", "steering_committee"), ("approve", "commune_chair")]
    assert history.get_json()["items"][1]["data"]["snapshot_sha256"] == body["snapshot_sha256"]
    area_history = chain["police"].get("/api/v1/areas/G11/history").get_json()["items"]
    assert area_history[-1]["event"] == "recognize"
    assert area_history[-1]["data"] == {"decision_no": "125/QĐ-UBND", "decision_date": TODAY}
    db.session.refresh(area)
    assert area.state == "drug_free" and area.due_date is not None


@pytest.mark.parametrize(("at", "returner"), [
    ("submit", "inspector"), ("evaluate", "steering_committee"), ("endorse", "commune_chair"),
])
def test_a_return_at_each_step_sends_it_back_to_draft(chain, ready_area, at, returner):
    ready_area("G11")
    body = _climb(chain, _open(chain["police"]), to=at)
    refused = _fire(chain[returner], body, "return", data={}, expect=422)
    assert refused["code"] == "validation_error" and "reason" in refused["errors"]
    body = _fire(chain[returner], body, "return", data={}, reason="Bổ sung biên bản họp dân")
    assert body["state"] == "draft"
    # The same officer resubmits: the same step of the chain.
    body = _fire(chain["police"], body, "submit")
    assert body["state"] == "submitted"


def test_only_the_owner_of_the_step_or_a_later_one_returns(chain, ready_area):
    ready_area("G11")
    body = _climb(chain, _open(chain["police"]), to="evaluate")
    refused = _fire(chain["inspector"], body, "return", data={}, reason="x", expect=403)
    assert refused["code"] == "not_permitted"


def test_approving_out_of_order_is_refused_and_changes_nothing(db, chain, ready_area):
    ready_area("G11")
    body = _climb(chain, _open(chain["police"]), to="submit")
    before = _unchanged(db, body["id"])
    refused = _fire(chain["city_authority"], body, "approve", expect=422)
    assert refused["code"] == "invalid_event"
    assert _unchanged(db, body["id"]) == before
    assert db.session.scalar(sa.select(Area.state).where(Area.id == body["id"])) != "drug_free"


def test_submitting_with_an_unmet_criterion_is_refused(db, chain, ready_area, fact):
    ready_area("G11")
    fact("G11", "dealer", description="Quán nước đầu ngõ", found_date=day_ago(5))
    body = _open(chain["police"])
    assert [e["event"] for e in body["available_events"]] == ["withdraw"]
    before = _unchanged(db, body["id"])
    refused = _fire(chain["police"], body, "submit", expect=422)
    assert refused["code"] == "rule_failed" and refused["rule"] == "computed_criteria_not_broken"
    assert "C1" in refused["message"]
    assert _unchanged(db, body["id"]) == before
    # Self-assessing a criterion as not met is refused too.
    judged = {**all_met(), "C6": {"met": False, "note": "Còn 2 hộ"}}
    refused = _fire(chain["police"], body, "submit", data={"self_assessment": judged},
                    expect=422)
    assert refused["rule"] == "self_assessed_all_met" and "C6" in refused["message"]


def test_a_second_open_request_for_the_area_is_refused(db, chain, ready_area):
    ready_area("G11")
    first = _open(chain["police"])
    count = db.session.scalar(sa.select(sa.func.count()).select_from(RecognitionRequest))
    refused = _open(chain["police"], expect=422)
    assert refused["code"] == "rule_failed" and refused["rule"] == "one_open_request"
    assert str(first["id"]) in refused["message"]
    assert db.session.scalar(
        sa.select(sa.func.count()).select_from(RecognitionRequest)) == count
    _fire(chain["police"], first, "withdraw", data={}, reason="Lập lại hồ sơ")
    assert _open(chain["police"])["state"] == "draft"


def test_the_database_refuses_two_open_requests_for_one_area(db, chain, ready_area):
    ready_area("G11")
    first = db.session.get(RecognitionRequest, _open(chain["police"])["id"])
    twin = RecognitionRequest(area_id=first.area_id, org_unit_id=first.org_unit_id,
                              state="draft", version=1, workflow_version=1,
                              state_entered_at=first.state_entered_at,
                              last_event_at=first.last_event_at)
    with pytest.raises(sa.exc.IntegrityError), db.session.begin_nested():
        db.session.add(twin)
        db.session.flush()


@pytest.mark.parametrize("state", ["complex", "unassessed"])
def test_only_a_less_complex_area_may_ask(chain, area_in, state):
    area_in("G11", state)
    refused = _open(chain["police"], expect=422)
    assert refused["code"] == "rule_failed" and "G11" not in refused["message"]


def test_a_request_outside_the_scope_is_not_found_and_viewers_never_see_one(
        chain, ready_area, api_as):
    ready_area("G11")
    body = _open(chain["police"])
    url = f"/api/v1/recognition-requests/{body['id']}"
    assert api_as(("police", "W2")).get(url).status_code == 404
    assert api_as(("viewer", "C")).get(url).status_code == 404
    assert api_as(("police", "W2")).post("/api/v1/recognition-requests",
                                         json={"area_code": "G11"}).status_code == 404


# --- separation of duties ---------------------------------------------------------------------


def test_one_user_may_not_act_at_two_steps(db, chain, ready_area, api_as):
    ready_area("G11")
    both = api_as(("police", "W1"), ("inspector", "C"))
    body = _fire(both, _open(both), "submit")
    before = _unchanged(db, body["id"])
    refused = _fire(both, body, "evaluate", expect=422)
    assert refused["code"] == "rule_failed" and refused["rule"] == "separate_duties"
    assert _unchanged(db, body["id"]) == before
    assert "evaluate" not in [e["event"] for e in both.get(
        f"/api/v1/recognition-requests/{body['id']}").get_json()["available_events"]]
    assert _fire(chain["inspector"], body, "evaluate")["state"] == "evaluated"


def test_an_inspector_on_the_committee_may_not_endorse_what_they_evaluated(db, chain,
                                                                           ready_area, api_as):
    ready_area("G12")
    dual = api_as(("inspector", "C"), ("steering_committee", "C"))
    body = _fire(chain["police"], _open(chain["police"], "G12"), "submit")
    body = _fire(dual, body, "evaluate")
    before = _unchanged(db, body["id"])
    refused = _fire(dual, body, "endorse", expect=422)
    assert refused["rule"] == "separate_duties"
    assert _unchanged(db, body["id"]) == before
    assert _fire(chain["steering_committee"], body, "endorse")["state"] == "endorsed"


# --- attachments ------------------------------------------------------------------------------


def _upload(client, request_id, content, name, expect=201):
    response = client.post(f"/api/v1/recognition-requests/{request_id}/attachments",
                           data={"file": (io.BytesIO(content), name),
                                 "description": "Biên bản"},
                           content_type="multipart/form-data")
    assert response.status_code == expect, response.get_json()
    return response.get_json()


def test_files_are_stored_by_checksum_and_filed_with_a_step(app, db, chain, ready_area):
    ready_area("G11")
    body = _climb(chain, _open(chain["police"]), to="submit")
    minutes = _upload(chain["inspector"], body["id"], PDF, "bien-ban.pdf")
    photo = _upload(chain["inspector"], body["id"], PNG, "anh.PNG")
    digest = hashlib.sha256(PDF).hexdigest()
    assert (minutes["sha256"], minutes["size"], minutes["content_type"]) == (
        digest, len(PDF), "application/pdf")
    assert photo["content_type"] == "image/png" and minutes["event"] is None
    data = {**STEP_DATA["evaluate"], "attachments": [digest, photo["sha256"]]}
    body = _fire(chain["inspector"], body, "evaluate", data=data)
    entry = chain["police"].get(f"/api/v1/recognition-requests/{body['id']}/history"
                                ).get_json()["items"][-1]
    assert entry["event"] == "evaluate" and entry["data"]["attachments"] == [
        digest, photo["sha256"]]
    assert {a["event"] for a in body["attachments"]} == {"evaluate"}
    download = chain["police"].get(f"/api/v1/recognition-requests/{body['id']}/attachments/"
                                   f"{digest}")
    assert download.status_code == 200 and download.data == PDF
    download.close()
    # Filed once: it cannot be filed again with the next step.
    again = {**STEP_DATA["endorse"], "attachments": [digest]}
    refused = _fire(chain["steering_committee"], body, "endorse", data=again, expect=422)
    assert refused["rule"] == "attachments_on_request"


@pytest.mark.parametrize(("content", "name", "field_message"), [
    (b"MZ\x90\x00 not a document", "quyet-dinh.pdf", "PDF, JPEG"),
    (b"hello, plain text", "ghi-chu.txt", "PDF, JPEG"),
    (PDF, "anh.png", ".pdf"),
    (b"", "rong.pdf", None),
])
def test_a_file_of_the_wrong_type_is_refused(app, db, chain, ready_area, content, name,
                                             field_message):
    ready_area("G11")
    body = _open(chain["police"])
    refused = _upload(chain["police"], body["id"], content, name, expect=422)
    assert refused["code"] == "validation_error" and "file" in refused["errors"]
    assert db.session.scalar(
        sa.select(sa.func.count()).select_from(RecognitionAttachment)) == 0


def test_a_file_over_the_limit_is_refused(app, db, chain, ready_area, monkeypatch):
    ready_area("G11")
    body = _open(chain["police"])
    monkeypatch.setitem(app.config, "ATTACHMENT_MAX_BYTES", 1024)
    refused = _upload(chain["police"], body["id"], PDF + b"0" * 2000, "lon.pdf", expect=422)
    assert "1024" not in refused["message"] and "MB" in refused["message"]
    assert db.session.scalar(
        sa.select(sa.func.count()).select_from(RecognitionAttachment)) == 0
    assert _upload(chain["police"], body["id"], PDF, "nho.pdf")["size"] == len(PDF)


def test_naming_a_file_that_is_not_attached_is_refused(chain, ready_area):
    ready_area("G11")
    body = _open(chain["police"])
    data = {**STEP_DATA["submit"], "attachments": ["a" * 64]}
    refused = _fire(chain["police"], body, "submit", data=data, expect=422)
    assert refused["rule"] == "attachments_on_request"


@pytest.mark.parametrize("verdict", [{"note": "chưa xem"}, {"met": None}],
                         ids=["left out", "null"])
def test_every_verdict_must_be_chosen_through_the_api_too(db, chain, ready_area, verdict):
    ready_area("G11")
    body = _fire(chain["police"], _open(chain["police"]), "submit")
    verdicts = {**all_met(), "C5": verdict}
    refused = chain["inspector"].post(
        f"/api/v1/recognition-requests/{body['id']}/transitions",
        json={"event": "evaluate", "version": body["version"],
              "data": {**STEP_DATA["evaluate"], "verdicts": verdicts}},
        headers={"Accept-Language": "vi"})
    assert refused.status_code == 422
    assert refused.get_json()["errors"] == {
        "verdicts": {"C5": {"value": {"met": ["Chọn “Đạt” hoặc “Chưa đạt”."]}}}}
    assert _unchanged(db, body["id"])[0] == "submitted"
