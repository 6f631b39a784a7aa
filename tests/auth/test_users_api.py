"""User administration over the API (INTERFACES.md, "Users (admin)"): who may do what, every
error code, the scope boundaries (auth.accounts), and the audit of each change."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import sqlalchemy as sa

from casework.audit.models import AuditEntry
from casework.audit.services import verify
from casework.auth import services
from casework.auth.models import ApiToken, User
from casework.db import today_local, utcnow
from tests.conftest import PASSWORD, ApiClient, get_token

NEW_PASSWORD = "violet tractor orbit lamp"
EN = {"Accept-Language": "en"}


def _body(username="newcomer", *grants, **extra):
    grants = grants or (("police", "G11"),)
    return {"username": username, "full_name": "Lò Văn Mới", "post": "Cán bộ Công an phường",
            "password": NEW_PASSWORD,
            "assignments": [{"role": r, "org_unit": u} for r, u in grants], **extra}


def _entries(db, user: User) -> list[AuditEntry]:
    return list(db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.record_type == "user", AuditEntry.record_id == user.id)
        .order_by(AuditEntry.seq)))


@pytest.fixture
def target(make_user):
    """A police officer of group G11 (inside W1, inside C)."""
    return make_user("target", ("police", "G11"))


# --- (role, action) → outcome ---------------------------------------------------------------

CALLERS = {
    "admin@C": ("admin", "C"), "admin@W1": ("admin", "W1"), "admin@W2": ("admin", "W2"),
    "admin@D": ("admin", "D"), "police@W1": ("police", "W1"), "viewer@C": ("viewer", "C"),
}


@pytest.mark.parametrize(("caller", "listed", "create", "patch"), [
    ("admin@C", 200, 201, 200),
    ("admin@W1", 200, 201, 200),
    ("admin@W2", 200, 403, 404),   # a sibling ward: the unit is not theirs, the user unseen
    ("admin@D", 200, 403, 404),    # another city
    ("police@W1", 403, 403, 403),  # not an administrator
    ("viewer@C", 403, 403, 403),
    ("anonymous", 401, 401, 401),
])
def test_role_and_action_table(app, api_as, target, caller, listed, create, patch):
    api = (ApiClient(app.test_client(), None) if caller == "anonymous"
           else api_as(CALLERS[caller]))
    response = api.get("/api/v1/users")
    assert response.status_code == listed
    if listed == 200:
        names = [u["username"] for u in response.get_json()["items"]]
        assert ("target" in names) == (patch == 200)
    assert api.post("/api/v1/users", json=_body()).status_code == create
    assert api.patch("/api/v1/users/target", json={"post": "Phó trưởng"}).status_code == patch


def test_create_returns_the_user_who_then_signs_in(app, api_as, db):
    api = api_as(("admin", "W1"))
    response = api.post("/api/v1/users", json=_body(email="moi@example.vn"))
    assert response.status_code == 201
    body = response.get_json()
    assert body == {
        "username": "newcomer", "full_name": "Lò Văn Mới", "post": "Cán bộ Công an phường",
        "email": "moi@example.vn", "active": True, "locked": False, "locked_until": None,
        "last_login_at": None, "manageable": True,
        "assignments": [{"role": "police", "role_label": "Công an xã/phường",
                         "org_unit": "G11", "org_unit_name": "Tổ dân phố 1"}]}
    assert "password" not in json.dumps(body)
    assert get_token(app, "newcomer", NEW_PASSWORD)


def test_get_one_user(api_as, target):
    api = api_as(("admin", "W1"))
    assert api.get("/api/v1/users/target").get_json()["username"] == "target"
    assert api.get("/api/v1/users/nobody").status_code == 404
    assert api_as(("admin", "W2")).get("/api/v1/users/target").status_code == 404


def test_list_is_paged_by_username(api_as, make_user):
    for name in ("b1", "a1", "c1"):
        make_user(name, ("health", "W1"))
    api = api_as(("admin", "W1"))
    body = api.get("/api/v1/users?per_page=2&page=1").get_json()
    assert body["total"] == 4  # the three and the caller
    assert [u["username"] for u in body["items"]] == ["a1", "api1"]


# --- every error code -----------------------------------------------------------------------


def test_401_without_credentials(app):
    response = app.test_client().get("/api/v1/users", headers=EN)
    assert response.status_code == 401 and response.get_json()["code"] == "unauthenticated"


def test_403_for_a_caller_who_is_not_an_administrator(api_as):
    response = api_as(("police", "W1")).post("/api/v1/users", json=_body())
    assert response.status_code == 403 and response.get_json()["code"] == "not_permitted"


def test_403_granting_over_a_unit_outside_the_scope_names_it(api_as, db):
    api = api_as(("admin", "W1"))
    response = api.post("/api/v1/users", headers=EN,
                        json=_body("x1", ("police", "G11"), ("police", "W2")))
    assert response.status_code == 403
    body = response.get_json()
    assert body["code"] == "not_permitted"
    assert list(body["errors"]["assignments"]) == ["1"]
    assert "outside your area" in body["errors"]["assignments"]["1"]["org_unit"][0]
    assert db.session.scalar(sa.select(User).where(User.username == "x1")) is None


def test_403_granting_over_the_parent_of_the_administered_unit(api_as, target):
    api = api_as(("admin", "W1"))
    response = api.patch("/api/v1/users/target",
                         json={"assignments": [{"role": "police", "org_unit": "C"}]})
    assert response.status_code == 403


def test_403_for_a_user_who_also_holds_a_role_outside_the_scope(api_as, make_user, db):
    make_user("both", ("police", "W1"), ("police", "W2"))
    api = api_as(("admin", "W1"))
    listed = {u["username"]: u for u in api.get("/api/v1/users").get_json()["items"]}
    assert listed["both"]["manageable"] is False  # seen, read-only
    for change in ({"post": "x"}, {"active": False}, {"password": NEW_PASSWORD},
                   {"unlock": True}, {"assignments": [{"role": "police", "org_unit": "W1"}]}):
        response = api.patch("/api/v1/users/both", json=change)
        assert response.status_code == 403, change
    # the city's administrator holds both wards: may change it
    assert api_as(("admin", "C")).patch("/api/v1/users/both",
                                        json={"post": "x"}).status_code == 200


def test_403_on_the_callers_own_account(app, make_user):
    make_user("boss", ("admin", "C"))
    api = ApiClient(app.test_client(), get_token(app, "boss"))
    response = api.patch("/api/v1/users/boss", json={"assignments": [
        {"role": "admin", "org_unit": "C"}, {"role": "police", "org_unit": "W1"}]})
    assert response.status_code == 403
    assert api.get("/api/v1/users/boss").get_json()["manageable"] is False


def test_404_for_an_unknown_username_and_one_outside_the_scope(api_as, target):
    api = api_as(("admin", "W2"))
    for name in ("target", "nobody"):
        response = api.patch(f"/api/v1/users/{name}", json={"post": "x"})
        assert response.status_code == 404 and response.get_json()["code"] == "not_found"


@pytest.mark.parametrize(("change", "field", "says"), [
    ({"password": "hanoi2024"}, "password", "at least 10 characters"),
    ({"password": "newcomer1234567"}, "password", "too easy to guess"),
    ({"username": "target"}, "username", "already taken"),
    ({"username": "two words"}, "username", "without spaces"),
    ({"assignments": [{"role": "police", "org_unit": "NOPE"}]}, "assignments",
     "no unit with the code NOPE"),
    ({"assignments": [{"role": "chief", "org_unit": "W1"}]}, "assignments", "Unknown role"),
    ({"assignments": []}, "assignments", "at least one role"),
    ({"email": "not-an-address"}, "email", "not a valid e-mail"),
    ({"full_name": ""}, "full_name", ""),
    ({"post": "x" * 201}, "post", ""),
    ({"salary": 1}, "salary", ""),
])
def test_422_names_the_field(api_as, target, db, change, field, says):
    response = api_as(("admin", "W1")).post("/api/v1/users", json={**_body(), **change},
                                           headers=EN)
    assert response.status_code == 422, response.get_json()
    body = response.get_json()
    assert body["code"] == "validation_error" and field in body["errors"]
    assert says in json.dumps(body["errors"])
    assert db.session.scalar(sa.select(User).where(User.username == "newcomer")) is None


def test_422_granting_over_an_ended_unit(api_as, tree, db):
    tree["W2"].valid_to = today_local() - timedelta(days=30)
    db.session.commit()
    response = api_as(("admin", "C")).post("/api/v1/users", headers=EN,
                                           json=_body("x2", ("police", "W2")))
    assert response.status_code == 422
    assert "ended on" in json.dumps(response.get_json()["errors"])


def test_session_callers_need_csrf(page_as):
    page = page_as("admin", "W1")
    response = page.client.post("/api/v1/users", json=_body())
    assert response.status_code == 400 and "csrf_token" in response.get_json()["errors"]
    response = page.client.post("/api/v1/users", json=_body(),
                                headers={"X-CSRFToken": page.csrf})
    assert response.status_code == 201


# --- changes, all or nothing, audited -------------------------------------------------------


def test_a_refused_patch_changes_nothing(api_as, target, db):
    api = api_as(("admin", "W1"))
    response = api.patch("/api/v1/users/target", json={
        "full_name": "Tên Mới", "assignments": [{"role": "health", "org_unit": "W1"}],
        "password": "weak"})
    assert response.status_code == 422
    db.session.expire_all()
    user = services.get_user("target")
    assert user.full_name == "Cán bộ target" and user.roles == {"police"}
    assert _entries(db, user) == []


def test_each_change_is_audited_without_the_password(app, api_as, target, db):
    api = api_as(("admin", "W1"))
    assert api.patch("/api/v1/users/target", json={
        "full_name": "Lò  Thị   Hoa", "post": "Phó trưởng Công an phường",
        "email": "hoa@example.vn",
        "assignments": [{"role": "police", "org_unit": "G11"},
                        {"role": "health", "org_unit": "W1"}]}).status_code == 200
    assert api.patch("/api/v1/users/target", json={"active": False}).status_code == 200
    assert api.patch("/api/v1/users/target", json={"active": True}).status_code == 200
    assert api.patch("/api/v1/users/target", json={"password": NEW_PASSWORD}).status_code == 200
    db.session.expire_all()
    user = services.get_user("target")
    assert user.full_name == "Lò Thị Hoa"  # spacing normalised
    entries = _entries(db, user)
    assert [e.event for e in entries] == ["update", "disable", "enable", "set_password"]
    assert {e.actor_name for e in entries} == {"api1"} and {e.role for e in entries} == {"admin"}
    assert entries[0].data["changes"]["assignments"] == {
        "before": [{"role": "police", "org_unit": "G11"}],
        "after": [{"role": "police", "org_unit": "G11"}, {"role": "health", "org_unit": "W1"}]}
    assert entries[0].data["changes"]["post"] == {"after": "Phó trưởng Công an phường"}
    assert entries[3].data == {"changes": {}}
    logged = json.dumps([e.data for e in entries]) + "".join(e.reason or "" for e in entries)
    assert NEW_PASSWORD not in logged and PASSWORD not in logged
    assert verify().breaks == []


def test_nothing_changed_logs_nothing(api_as, target, db):
    api = api_as(("admin", "W1"))
    assert api.patch("/api/v1/users/target", json={
        "full_name": "Cán bộ target", "unlock": True, "active": True}).status_code == 200
    assert _entries(db, target) == []


def test_disable_ends_sessions_and_tokens_and_enable_lets_in_again(app, api_as, target, db):
    token = get_token(app, "target")
    api = api_as(("admin", "W1"))
    assert api.patch("/api/v1/users/target", json={"active": False}).get_json()["active"] is False
    mine = ApiClient(app.test_client(), token)
    assert mine.get("/api/v1/me").status_code == 401
    assert app.test_client().post("/api/v1/auth/token", json={
        "username": "target", "password": PASSWORD}).status_code == 401
    api.patch("/api/v1/users/target", json={"active": True})
    assert mine.get("/api/v1/me").status_code == 401  # revoked, not only refused
    assert get_token(app, "target")


def test_unlock_lifts_a_lockout(app, api_as, target, db):
    target.locked_until = utcnow() + timedelta(minutes=10)
    db.session.commit()
    api = api_as(("admin", "W1"))
    assert api.get("/api/v1/users/target").get_json()["locked"] is True
    body = api.patch("/api/v1/users/target", json={"unlock": True}).get_json()
    assert body["locked"] is False
    assert [e.event for e in _entries(db, target)] == ["unlock"]
    assert get_token(app, "target")


def test_new_password_signs_out_and_lets_in_with_the_new_one(app, api_as, target, db):
    token = get_token(app, "target")
    api_as(("admin", "W1")).patch("/api/v1/users/target", json={"password": NEW_PASSWORD})
    assert db.session.scalar(sa.select(ApiToken.revoked_at).where(
        ApiToken.user_id == target.id).limit(1)) is not None
    assert ApiClient(app.test_client(), token).get("/api/v1/me").status_code == 401
    assert get_token(app, "target", NEW_PASSWORD)


def test_roles_are_replaced_and_kept_ones_untouched(api_as, target, db):
    api = api_as(("admin", "W1"))
    body = api.patch("/api/v1/users/target", json={"assignments": [
        {"role": "health", "org_unit": "G12"}, {"role": "health", "org_unit": "G12"}]}).get_json()
    assert [(a["role"], a["org_unit"]) for a in body["assignments"]] == [("health", "G12")]


def test_an_admin_may_create_another_admin_within_the_scope(app, api_as):
    api = api_as(("admin", "C"))
    assert api.post("/api/v1/users", json=_body("wardadmin", ("admin", "W1"))).status_code == 201
    ward = ApiClient(app.test_client(), get_token(app, "wardadmin", NEW_PASSWORD))
    assert ward.post("/api/v1/users", json=_body("x3", ("police", "W2"))).status_code == 403
    assert ward.post("/api/v1/users", json=_body("x4", ("police", "G12"))).status_code == 201


def test_the_command_line_is_audited_as_the_system(app, tree, db):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "create", "cli1", "--role", "police", "--org-unit",
                                 "W1", "--post", "Trưởng Công an phường", "--password-stdin"],
                           input=NEW_PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    runner.invoke(args=["users", "create", "cli1", "--role", "health", "--org-unit", "W1"])
    user = services.get_user("cli1")
    assert user.post == "Trưởng Công an phường"
    entries = _entries(db, user)
    assert [(e.event, e.actor_name, e.role) for e in entries] == [
        ("create", None, None), ("update", None, None)]


# --- races: a unique constraint hit meanwhile is a clear answer, never a 500 ----------------


def test_a_username_taken_meanwhile_is_422(api_as, target, monkeypatch):
    api = api_as(("admin", "W1"))
    monkeypatch.setattr(services, "get_user", lambda name: None)  # the check saw nothing
    response = api.post("/api/v1/users", json=_body("target"), headers=EN)
    assert response.status_code == 422
    assert response.get_json()["errors"] == {"username": ["This username is already taken."]}


def test_a_role_granted_meanwhile_is_409(api_as, target, monkeypatch, db):
    from casework.auth.models import RoleAssignment

    api = api_as(("admin", "W1"))

    def grant_again(user, role, unit):  # as if another request had just granted it
        user.assignments.append(RoleAssignment(role=role, org_unit=unit))
        db.session.flush()

    monkeypatch.setattr(services, "grant_role", grant_again)
    response = api.patch("/api/v1/users/target", json={"assignments": [
        {"role": "police", "org_unit": "G11"}]})
    assert response.status_code == 409 and response.get_json()["code"] == "stale_version"


BAD_VALUES = ["x", "x" * 5000, -5, [], {"z": 1}, True, None, "2025-02-31",
              [{"role": None, "org_unit": 5}], [{"z": 1}], ["x"]]


def test_bad_values_in_every_field_never_fail_and_answer_in_vietnamese(api_as, target):
    api = api_as(("admin", "W1"))
    fields = ["username", "full_name", "post", "email", "password", "assignments", "active",
              "unlock"]
    for bad in BAD_VALUES:
        for field in fields:
            for method, url in (("post", "/api/v1/users"), ("patch", "/api/v1/users/target")):
                body = {**_body(), field: bad} if method == "post" else {field: bad}
                response = getattr(api, method)(url, json=body)
                assert response.status_code < 500, (method, field, bad)
                if response.status_code >= 400:
                    assert "Not a valid" not in json.dumps(response.get_json(), ensure_ascii=False)
