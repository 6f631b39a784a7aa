"""The caller's role is checked before the body is read: a caller whose role may not write
through an endpoint gets 403 ``not_permitted`` whatever they send (the contract orders the
checks: role, scope, version, state, data)."""

from __future__ import annotations

import io

import pytest

from casework.api_base import WRITE_METHODS, Blueprint
from casework.auth.setup import PUBLIC_API_ENDPOINTS

BAD_BODIES = [{"no": "such field"}, {"event": 5, "version": "x", "data": []}, [1, 2], "text",
              {"full_name": "A" * 10_000, "birth_date": "0001-01-01"}]

# (method, url, a role that may not write there, a role that may)
ENDPOINTS = [
    ("POST", "/api/v1/persons", ("viewer", "C"), ("police", "W1")),
    ("POST", "/api/v1/persons", ("social_affairs", "W1"), ("health", "W1")),
    ("POST", "/api/v1/persons/1/transitions", ("viewer", "C"), ("health", "W1")),
    ("POST", "/api/v1/persons/1/transitions", ("admin", "C"), ("police", "W1")),
    ("POST", "/api/v1/areas/G11/transitions", ("viewer", "C"), ("police", "W1")),
    ("POST", "/api/v1/areas/G11/facts", ("health", "W1"), ("police", "W1")),
    ("POST", "/api/v1/areas/G11/facts", ("viewer", "C"), ("inspector", "C")),
    ("PATCH", "/api/v1/areas/G11/facts/1", ("steering_committee", "C"), ("police", "W1")),
    ("POST", "/api/v1/hotspots/1/transitions", ("health", "W1"), ("police", "W1")),
    ("POST", "/api/v1/recognition-requests", ("inspector", "C"), ("police", "W1")),
    ("POST", "/api/v1/recognition-requests/1/transitions", ("viewer", "C"), ("inspector", "C")),
    ("POST", "/api/v1/recognition-requests/1/attachments", ("health", "W1"), ("police", "W1")),
    ("POST", "/api/v1/plans", ("health", "W1"), ("commune_chair", "W1")),
    ("PUT", "/api/v1/plans/1", ("viewer", "C"), ("commune_chair", "W1")),
    ("POST", "/api/v1/orgunits", ("police", "C"), ("admin", "C")),
    ("PATCH", "/api/v1/orgunits/W1", ("city_authority", "C"), ("admin", "C")),
]


def send(client, method, url, body):
    if url.endswith("/attachments"):
        return client._call(method, url, data={"file": (io.BytesIO(b"x"), "x.exe")},
                            content_type="multipart/form-data")
    return client._call(method, url, json=body)


@pytest.mark.parametrize("body", BAD_BODIES, ids=range(len(BAD_BODIES)))
@pytest.mark.parametrize(("method", "url", "refused", "allowed"), ENDPOINTS,
                         ids=[f"{m} {u} {r[0]}" for m, u, r, _a in ENDPOINTS])
def test_a_role_that_may_not_write_gets_403_whatever_the_body(api_as, method, url, refused,
                                                              allowed, body):
    response = send(api_as(refused), method, url, body)
    assert response.status_code == 403, response.get_json()
    assert response.get_json()["code"] == "not_permitted"


@pytest.mark.parametrize(("method", "url", "refused", "allowed"), ENDPOINTS,
                         ids=[f"{m} {u} {a[0]}" for m, u, _r, a in ENDPOINTS])
def test_a_role_that_may_write_gets_past_the_role_check(api_as, method, url, refused,
                                                        allowed):
    response = send(api_as(allowed), method, url, BAD_BODIES[0])
    assert response.status_code in (400, 404, 422), response.get_json()


def test_every_write_endpoint_checks_a_role_before_its_body(app):
    unchecked = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/") or not rule.methods & WRITE_METHODS:
            continue
        if rule.endpoint in PUBLIC_API_ENDPOINTS or rule.endpoint.startswith("test_"):
            continue
        view = app.view_functions[rule.endpoint]
        if not hasattr(view, "write_roles"):
            unchecked.append(rule.rule)
    assert unchecked == []


def test_a_write_route_must_name_its_roles():
    blp = Blueprint("t", __name__)
    with pytest.raises(TypeError, match="names its roles"):
        blp.route("/x", methods=["POST"])
    with pytest.raises(TypeError, match="only write routes"):
        blp.route("/x", roles=("police",))


def test_pages_check_the_role_before_the_form_too(page_as, api_as):
    plan = api_as(("commune_chair", "W1")).post("/api/v1/plans", json={
        "code": "KH-P", "title": "Kế hoạch", "org_unit": "W1", "start_date": "2026-01-01",
        "end_date": "2026-12-31"}).get_json()
    health = page_as("health", "W1")
    assert health.post("/areas/G11/facts", data={"kind": "nonsense"}).status_code == 403
    viewer = page_as("viewer", "C")
    for what in ("phases", "targets"):
        response = viewer.post(f"/plans/{plan['id']}/{what}", data={"name": "\u200b"})
        assert response.status_code == 403
    police = page_as("police", "W1")
    assert police.post("/areas/G11/facts", data={"kind": "nonsense"}).status_code == 400
