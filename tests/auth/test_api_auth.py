"""Bearer tokens and the JSON error format of the API."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from casework.auth.models import ApiToken
from casework.db import utcnow
from tests.conftest import PASSWORD, ApiClient, get_token


def test_token_is_issued_hashed_with_an_expiry(app, make_user, db):
    make_user("officer", ("police", "W1"))
    response = app.test_client().post(
        "/api/v1/auth/token", json={"username": "officer", "password": PASSWORD}
    )
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == {"token", "expires_at"}
    row = db.session.scalar(sa.select(ApiToken))
    assert row.token_hash != body["token"] and len(row.token_hash) == 64
    assert row.expires_at > utcnow() + timedelta(hours=11)


def test_me_with_a_token(app, make_user):
    make_user("officer", ("police", "W1"), ("viewer", "C"))
    api = ApiClient(app.test_client(), get_token(app, "officer"))
    body = api.get("/api/v1/me").get_json()
    assert body["username"] == "officer"
    assert [(g["role"], g["org_unit_code"]) for g in body["roles"]] == [
        ("police", "W1"), ("viewer", "C")
    ]


def test_wrong_password_is_401_unauthenticated(app, make_user):
    make_user("officer", ("police", "W1"))
    response = app.test_client().post(
        "/api/v1/auth/token", json={"username": "officer", "password": "nope"},
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 401
    assert response.get_json() == {
        "code": "unauthenticated", "message": "Wrong username or password.", "errors": {}
    }


def test_messages_follow_accept_language_and_default_to_vietnamese(app):
    response = app.test_client().post(
        "/api/v1/auth/token", json={"username": "x", "password": "y"}
    )
    assert response.get_json()["message"] == "Sai tên đăng nhập hoặc mật khẩu."


def test_locked_account_is_429_with_retry_after(app, make_user):
    make_user("officer", ("police", "W1"))
    client = app.test_client()
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        response = client.post("/api/v1/auth/token",
                               json={"username": "officer", "password": "nope"})
    assert response.status_code == 429
    assert response.get_json()["code"] == "too_many_attempts"
    assert int(response.headers["Retry-After"]) > 0


def test_no_credentials_is_401(app):
    response = app.test_client().get("/api/v1/me")
    assert response.status_code == 401
    assert response.get_json()["code"] == "unauthenticated"


def test_bad_and_malformed_tokens_are_401(app):
    client = app.test_client()
    for header in ("Bearer not-a-token", "Basic abc", "Bearer "):
        response = client.get("/api/v1/me", headers={"Authorization": header})
        assert response.status_code == 401, header
        assert response.get_json()["code"] == "unauthenticated"


def test_expired_token_is_401_with_a_clear_message(app, make_user, db):
    make_user("officer", ("police", "W1"))
    token = get_token(app, "officer")
    row = db.session.scalar(sa.select(ApiToken))
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    response = ApiClient(app.test_client(), token).get(
        "/api/v1/me", headers={"Accept-Language": "en"}
    )
    assert response.status_code == 401
    assert response.get_json()["message"] == "The token has expired. Request a new one."


def test_revoked_token_is_401(app, make_user):
    make_user("officer", ("police", "W1"))
    api = ApiClient(app.test_client(), get_token(app, "officer"))
    assert api.delete("/api/v1/auth/token").status_code == 204
    assert api.get("/api/v1/me").status_code == 401


def test_malformed_json_is_400_validation_error(app):
    response = app.test_client().post(
        "/api/v1/auth/token", data="{not json", content_type="application/json",
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 400
    body = response.get_json()
    assert body["code"] == "validation_error"
    assert body["message"] == "The request body is not valid JSON."


def test_missing_fields_are_422_with_field_errors(app):
    response = app.test_client().post("/api/v1/auth/token", json={"username": "x"})
    assert response.status_code == 422
    body = response.get_json()
    assert body["code"] == "validation_error"
    assert set(body["errors"]) == {"password"}


def test_unknown_api_path_is_json_404(app, make_user):
    make_user("officer", ("police", "W1"))
    api = ApiClient(app.test_client(), get_token(app, "officer"))
    response = api.get("/api/v1/nothing-here")
    assert response.status_code == 404 and response.get_json()["code"] == "not_found"


def test_session_callers_need_csrf_for_api_writes(app, page_as):
    page = page_as("admin", "C")
    body = {"code": "G22", "name": "Tổ 22", "kind": "residential_group", "parent_code": "W2"}
    refused = page.client.post("/api/v1/orgunits", json=body)
    assert refused.status_code == 400
    assert refused.get_json()["errors"] == {"csrf_token": [refused.get_json()["message"]]}
    accepted = page.client.post("/api/v1/orgunits", json=body,
                                headers={"X-CSRFToken": page.csrf})
    assert accepted.status_code == 201


def test_openapi_document_and_docs_page_are_public_and_local(app):
    client = app.test_client()
    spec = client.get("/api/v1/openapi.json")
    assert spec.status_code == 200
    paths = spec.get_json()["paths"]
    assert "/api/v1/auth/token" in paths and "/api/v1/orgunits/{code}" in paths
    docs = client.get("/api/docs")
    assert docs.status_code == 200
    html = docs.get_data(as_text=True)
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in html
    assert "https://" not in html
    with client.get("/static/vendor/swagger-ui/swagger-ui-bundle.js") as bundle:
        assert bundle.status_code == 200
