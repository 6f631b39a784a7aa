"""The request boundary (casework.web.boundary): bad input is a clear 4xx, never a 500, and
writes nothing. Every case runs on SQLite and on PostgreSQL (which refuses NUL in text and
integers above 2**31 - 1, where SQLite let them through)."""

from __future__ import annotations

import io
import json

import pytest
import sqlalchemy as sa

from casework.auth.models import User
from casework.config import load_config
from casework.people.models import Person
from casework.validation import MAX_INT, MAX_PAGE
from casework.web.boundary import MAX_JSON_DEPTH

IDENTITY = {"full_name": "Nguyễn Văn Thử", "birth_date": "1990-05-17", "gender": "male",
            "area_code": "G11", "confirm_new": True}
BAD_CHARACTERS = [("\x00", "NUL"), ("\x07", "BEL"), ("\x1b", "ESC"), ("\x7f", "DEL"),
                  ("\x9b", "C1 CSI")]


@pytest.fixture
def police(api_as):
    return api_as(("police", "W1"), ("health", "W1"))


def persons_count(db) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Person))


def assert_refused(response, field, status=400):
    """A 400 ``validation_error`` whose ``errors`` name ``field``."""
    body = response.get_json()
    assert response.status_code == status, body
    assert body["code"] == "validation_error"
    assert field in body["errors"], body
    if field != "json":  # the message names the field the character came in
        assert f"“{field}”" in body["message"], body
    return body


# --- text no field may hold -----------------------------------------------------------------


@pytest.mark.parametrize(("char", "what"), BAD_CHARACTERS)
def test_sign_in_with_a_control_character_in_the_username_is_400(app, make_user, db, char,
                                                                 what):
    make_user("canbo", ("police", "W1"))
    response = app.test_client().post("/api/v1/auth/token",
                                      json={"username": f"canbo{char}", "password": "x"})
    body = assert_refused(response, "username")
    assert "Trường “username”" in body["message"], what
    user = db.session.scalar(sa.select(User).where(User.username == "canbo"))
    assert user.failed_logins == 0  # nothing was looked up, nothing counted


def test_sign_in_form_with_nul_is_a_page_not_a_500(pages):
    response = pages.post("/login", data={"username": "ad\x00min", "password": "x"})
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "<html" in text and "username" in text


def test_a_lone_surrogate_in_json_is_400_even_before_sign_in(app):
    raw = '{"username": "\\ud800abc", "password": "x"}'
    response = app.test_client().post("/api/v1/auth/token", data=raw,
                                      content_type="application/json")
    assert_refused(response, "username")


@pytest.mark.parametrize(("char", "what"), [*BAD_CHARACTERS, ("\ud83d", "lone surrogate")])
def test_a_bad_character_anywhere_in_a_json_body_writes_nothing(police, db, char, what):
    before = persons_count(db)
    response = police.post("/api/v1/persons", data=json.dumps({**IDENTITY,
                                                               "full_name": f"Lò{char}Mỷ"}),
                           content_type="application/json")
    assert_refused(response, "full_name")
    assert persons_count(db) == before, what


def test_nested_json_names_the_path_and_keys_are_checked(police, tree):
    response = police.post("/api/v1/plans", json={"phases": [{"name": "a\x00"}]})
    assert_refused(response, "phases.0.name")
    response = police.post("/api/v1/plans", json={"ti\x1btle": "x"})
    assert_refused(response, "ti\x1btle")


@pytest.mark.parametrize(("url", "field"), [
    ("/api/v1/persons?q=ab%00c", "q"),
    ("/api/v1/persons?q%07=x", "q\x07"),
    ("/api/v1/areas/W%001", "code"),
    ("/api/v1/orgunits?parent_code=%1b", "parent_code"),
])
def test_query_and_path_values_are_checked(police, url, field):
    assert_refused(police.get(url), field)


def test_form_fields_and_file_names_are_checked(page_as, tree):
    page = page_as("police", "W1")
    response = page.post("/persons/new", data={**IDENTITY, "address": "Tổ 1\x00"})
    assert response.status_code == 400 and "address" in response.get_data(as_text=True)
    response = page.post("/recognition/1/files", data={
        "file": (io.BytesIO(b"%PDF-1.4"), "bien\x00ban.pdf")},
        content_type="multipart/form-data")
    assert response.status_code == 400 and "file" in response.get_data(as_text=True)


def test_tabs_and_line_breaks_are_ordinary_text(police):
    response = police.post("/api/v1/persons", json={**IDENTITY,
                                                    "address": "Số 1\nTổ 1\tPhường Một"})
    assert response.status_code == 201, response.get_json()


# --- ids and pages --------------------------------------------------------------------------


@pytest.mark.parametrize("number", [MAX_INT + 1, 10**12, 10**40])
@pytest.mark.parametrize("url", [
    "/api/v1/persons/{n}", "/api/v1/persons/{n}/history", "/api/v1/plans/{n}",
    "/api/v1/recognition-requests/{n}", "/api/v1/hotspots/{n}", "/api/v1/areas/W1/facts/{n}",
])
def test_ids_beyond_postgresql_integer_are_not_found(police, url, number):
    response = police.get(url.format(n=number))
    assert response.status_code == 404 and response.get_json()["code"] == "not_found"


@pytest.mark.parametrize("url", ["/persons/{n}", "/plans/{n}", "/recognition/{n}",
                                 "/hotspots/{n}"])
def test_pages_with_huge_ids_are_not_found(page_as, url):
    page = page_as("police", "W1")
    assert page.get(url.format(n=2**31)).status_code == 404
    assert page.get(url.format(n=MAX_INT)).status_code == 404  # in range: looked up


def test_a_transition_on_a_huge_id_is_not_found_and_writes_nothing(police):
    response = police.post(f"/api/v1/persons/{2**31}/transitions",
                           json={"event": "record_test", "version": 1, "data": {}})
    assert response.status_code == 404


@pytest.mark.parametrize("url", ["/api/v1/persons", "/api/v1/areas", "/api/v1/orgunits",
                                 "/api/v1/recognition-requests"])
@pytest.mark.parametrize(("page", "status"), [(MAX_PAGE, 200), (MAX_PAGE + 1, 422),
                                              (10**17, 422), (0, 422)])
def test_page_numbers_are_bounded(police, url, page, status):
    response = police.get(f"{url}?page={page}")
    assert response.status_code == status, response.get_json()
    if status == 200:
        assert response.get_json()["items"] == []


def test_the_person_list_page_survives_a_huge_page_number(page_as):
    page = page_as("police", "W1")
    for number in (10**17, 10**19, 10**40):  # OFFSETs past PostgreSQL's and SQLite's bigint
        assert page.get(f"/persons/?page={number}").status_code == 200


# --- JSON ---------------------------------------------------------------------------------


def nested(depth: int) -> str:
    """An object ``depth`` levels deep: {"full_name": [[...]]}."""
    return '{"full_name": ' + "[" * (depth - 1) + "]" * (depth - 1) + "}"


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 1_000, 100_000])
def test_deep_json_is_400_before_sign_in_and_after(app, police, depth):
    for client, url in ((app.test_client(), "/api/v1/auth/token"),
                        (police, "/api/v1/persons")):
        response = client.post(url, data=nested(depth), content_type="application/json")
        body = assert_refused(response, "json")
        assert str(MAX_JSON_DEPTH) in body["message"]


def test_json_as_deep_as_the_limit_reaches_the_schema(police):
    response = police.post("/api/v1/persons", data=nested(MAX_JSON_DEPTH),
                           content_type="application/json")
    assert response.status_code == 422  # the schema's answer: not a string, fields missing
    assert "full_name" in response.get_json()["errors"]


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_not_json(police, constant):
    raw = '{"event": "record_test", "version": ' + constant + ', "data": {}}'
    response = police.post("/api/v1/persons/1/transitions", data=raw,
                           content_type="application/json")
    assert_refused(response, "json")


@pytest.mark.parametrize("raw", [b"", b"{", b"\xff\xfe\x00", b'{"a": 1}}'])
def test_broken_json_is_400(police, raw):
    response = police.post("/api/v1/persons", data=raw, content_type="application/json")
    assert_refused(response, "json")


# --- the size of a request ------------------------------------------------------------------


def test_a_body_over_the_limit_is_413_too_large(app, police, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1024)
    response = police.post("/api/v1/persons", data="x" * 1025, content_type="application/json")
    body = response.get_json()
    assert response.status_code == 413 and body["code"] == "too_large", body
    assert "0.0009765625 MB" not in body["message"] and "MB" in body["message"]
    assert police.post("/api/v1/persons", json=IDENTITY).status_code == 201  # under it


def test_a_page_upload_over_the_limit_is_a_friendly_413_page(app, page_as, monkeypatch):
    page = page_as("police", "W1")
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 2048)
    response = page.post("/recognition/1/files", data={
        "file": (io.BytesIO(b"%PDF-" + b"0" * 4096), "big.pdf")},
        content_type="multipart/form-data")
    assert response.status_code == 413
    assert "<html" in response.get_data(as_text=True)


def test_the_default_limit_is_above_the_attachment_limit(app):
    assert app.config["MAX_CONTENT_LENGTH"] == 12 * 1024 * 1024


@pytest.mark.parametrize(("value", "expected"), [("", 12 * 1024 * 1024), ("20", 20 * 1024 * 1024),
                                                 ("0.5", 512 * 1024)])
def test_the_limit_is_configurable(tmp_path, monkeypatch, value, expected):
    monkeypatch.setenv("CASEWORK_MAX_REQUEST_MB", value)
    monkeypatch.setenv("CASEWORK_SECRET_KEY", "x")
    assert load_config(tmp_path)["MAX_CONTENT_LENGTH"] == expected


def test_a_limit_that_is_not_positive_stops_start_up(tmp_path, monkeypatch):
    monkeypatch.setenv("CASEWORK_MAX_REQUEST_MB", "0")
    monkeypatch.setenv("CASEWORK_SECRET_KEY", "x")
    with pytest.raises(ValueError, match="CASEWORK_MAX_REQUEST_MB"):
        load_config(tmp_path)
