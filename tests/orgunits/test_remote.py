"""The remote flag of a commune or ward (Decree 105/2021 Art 41.1, WORKFLOWS.md §8): the
admin sets it through the API, the area page or the command line; each change is audited."""

from __future__ import annotations

import sqlalchemy as sa

from casework.audit.models import AuditEntry
from casework.audit.services import verify
from casework.orgunits.services import commune_of, remote_on


def _changes(db, unit):
    return db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.record_type == "org_unit", AuditEntry.record_id == unit.id)
        .order_by(AuditEntry.seq)).all()


def test_the_admin_flags_a_ward_through_the_api(api_as, tree, db):
    admin = api_as(("admin", "C"))
    assert admin.get("/api/v1/orgunits/W1").get_json()["remote"] is False
    answer = admin.patch("/api/v1/orgunits/W1", json={"remote": True})
    assert answer.status_code == 200 and answer.get_json()["remote"] is True
    assert admin.get("/api/v1/orgunits/W1").get_json()["remote"] is True
    (entry,) = _changes(db, tree["W1"])
    assert entry.event == "update" and entry.role == "admin" and entry.actor_name
    assert entry.data == {"changes": {"remote": {"before": False, "after": True}}}
    # Saying the same again changes nothing and logs nothing.
    admin.patch("/api/v1/orgunits/W1", json={"remote": True})
    assert len(_changes(db, tree["W1"])) == 1
    admin.patch("/api/v1/orgunits/W1", json={"remote": False, "name": "Phường Một Mới"})
    assert _changes(db, tree["W1"])[-1].data["changes"] == {
        "name": {"before": "Phường Một", "after": "Phường Một Mới"},
        "remote": {"before": True, "after": False}}
    assert verify().breaks == []


def test_only_a_commune_or_ward_is_remote_and_only_the_admin_says_so(api_as, tree):
    admin = api_as(("admin", "C"))
    for code in ("G11", "C"):
        refused = admin.patch(f"/api/v1/orgunits/{code}", json={"remote": True})
        assert refused.status_code == 422, code
        assert refused.get_json()["code"] == "validation_error"
    empty = admin.patch("/api/v1/orgunits/W1", json={})
    assert empty.status_code == 422
    police = api_as(("police", "W1"))
    assert police.patch("/api/v1/orgunits/W1", json={"remote": True}).status_code == 403
    elsewhere = api_as(("admin", "D"))
    assert elsewhere.patch("/api/v1/orgunits/W1", json={"remote": True}).status_code in (403,
                                                                                          404)


def test_a_village_reads_the_flag_of_its_commune(tree, db):
    assert commune_of(tree["G11"]) == tree["W1"] and commune_of(tree["W1"]) == tree["W1"]
    assert commune_of(tree["C"]) is None
    assert remote_on(tree["G11"]) is False
    tree["W1"].remote = True
    assert remote_on(tree["G11"]) is True and remote_on(tree["G21"]) is False


def test_the_admin_toggles_the_flag_on_the_area_page(page_as, tree, db):
    admin = page_as("admin", "C")
    page = admin.get("/areas/W1").get_data(as_text=True)
    assert 'id="toggle-remote"' in page and "Đánh dấu xã vùng sâu, vùng xa" in page
    assert admin.post("/areas/W1/remote", data={"remote": "1"}).status_code == 302
    page = admin.get("/areas/W1").get_data(as_text=True)
    assert 'id="remote-flag"' in page and "Xã vùng sâu, vùng xa" in page
    assert tree["W1"].remote is True and _changes(db, tree["W1"])[-1].role == "admin"
    # No form for a village, nor for another role; a forged post is refused.
    assert 'id="toggle-remote"' not in admin.get("/areas/G11").get_data(as_text=True)
    police = page_as("police", "W1")
    assert 'id="toggle-remote"' not in police.get("/areas/W1").get_data(as_text=True)
    assert 'id="remote-flag"' in police.get("/areas/W1").get_data(as_text=True)
    assert police.post("/areas/W1/remote", data={"remote": "0"}).status_code == 403
    refused = admin.post("/areas/G11/remote", data={"remote": "1"})
    assert refused.status_code == 422
    assert "Chỉ xã hoặc phường" in refused.get_data(as_text=True)


def test_a_post_without_the_csrf_token_is_refused(page_as, tree):
    admin = page_as("admin", "C")
    response = admin.client.post("/areas/W1/remote", data={"remote": "1"})
    assert response.status_code == 400 and tree["W1"].remote is False


def test_the_command_line_sets_and_removes_the_flag(app, tree, db):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["orgunits", "remote", "W2"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert tree["W2"].remote is True
    result = runner.invoke(args=["orgunits", "remote", "W2", "--off"])
    assert result.exit_code == 0 and "not remote" in result.output
    db.session.expire_all()
    assert tree["W2"].remote is False
    assert [e.actor_id for e in _changes(db, tree["W2"])] == [None, None]
    assert runner.invoke(args=["orgunits", "remote", "G11"]).exit_code == 1
    assert runner.invoke(args=["orgunits", "remote", "NOPE"]).exit_code == 1


def test_an_ended_commune_keeps_its_flag(api_as, page_as, tree, db):
    """A ward that ended keeps the flag it had: its page offers no change and the API
    refuses one, saying why; nothing is logged."""
    from datetime import date

    tree["W1"].valid_to = date(2025, 6, 30)
    db.session.commit()
    admin = api_as(("admin", "C"))
    refused = admin.patch("/api/v1/orgunits/W1", json={"remote": True})
    assert refused.status_code == 422 and "30/06/2025" in refused.get_json()["message"]
    assert _changes(db, tree["W1"]) == [] and tree["W1"].remote is False
    # Saying what it already is changes nothing and is no error.
    assert admin.patch("/api/v1/orgunits/W1", json={"remote": False}).status_code == 200
    page = page_as("admin", "C").get("/areas/W1").get_data(as_text=True)
    assert 'id="remote"' not in page
