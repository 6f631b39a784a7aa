"""The whole JSON API against requests generated from its own OpenAPI document.

schemathesis, in-process, over a small tree with data: for every operation, valid and
invalid requests (path, query and body), sent with the token of a user who holds every
writing role (and of an admin for the org-unit endpoints). No answer may be a server error,
and every answer must match the document (status, content type, body schema).

``CASEWORK_FUZZ_EXAMPLES`` sets the examples per operation and mode (default 10, which CI
runs); ``CASEWORK_FUZZ_EXAMPLES=30 pytest tests/web/test_api_fuzz.py`` digs deeper.
The examples are derandomised so a failure is reproducible.
"""

from __future__ import annotations

import contextlib
import io
import os

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.conftest import IsolatedClient, get_token

EXAMPLES = int(os.environ.get("CASEWORK_FUZZ_EXAMPLES", "10"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance, negative_data_rejection]
WRITERS = [("police", "W1"), ("health", "W1"), ("social_affairs", "W1"),
           ("commune_chair", "W1"), ("inspector", "C"), ("steering_committee", "C"),
           ("city_authority", "C")]
PDF = b"%PDF-1.4\n%%EOF\n"


def _created(response, status=201) -> dict:
    assert response.status_code == status, response.get_json()
    return response.get_json()


@pytest.fixture
def world(app, tree, make_user):
    """A tree with a person, facts, a hotspot, a plan and a recognition request with a file;
    returns the bearer headers and the path values that reach these records."""
    make_user("fuzz.writer", *WRITERS)
    make_user("fuzz.admin", ("admin", "C"))
    make_user("fuzz.revoked", ("viewer", "C"))
    revoked = {"Authorization": f"Bearer {get_token(app, 'fuzz.revoked')}"}
    writer = {"Authorization": f"Bearer {get_token(app, 'fuzz.writer')}"}
    admin = {"Authorization": f"Bearer {get_token(app, 'fuzz.admin')}"}
    client = app.test_client()

    def post(url, **kwargs):
        return client.post(url, headers=writer, **kwargs)

    person = _created(post("/api/v1/persons", json={
        "full_name": "Nguyễn Thị Ánh", "birth_date": "1990-05-17", "gender": "female",
        "area_code": "G11", "effective_at": "2024-01-02T08:00:00+07:00"}))
    fact = _created(post("/api/v1/areas/G11/facts", json={
        "kind": "dealer", "description": "Điểm bán lẻ", "found_date": "2024-02-01"}))
    hotspot = _created(post("/api/v1/areas/G11/facts", json={
        "kind": "hotspot", "name": "Bãi đất trống", "found_date": "2024-02-01"}))
    for kind, values in (("household_tally", {"households_total": 100,
                                              "households_signed": 100}),
                         ("hotline_board", {"present": True})):
        post("/api/v1/areas/G12/facts", json={
            "kind": kind, **values, ("as_of" if kind == "household_tally" else "verified_on"):
                "2024-03-01"})
    area = _created(post("/api/v1/areas/G12/transitions", json={
        "event": "classify", "version": 0,
        "data": {"level": "less_complex", "assessment_date": "2024-03-02"}}), 200)
    request = _created(post("/api/v1/recognition-requests", json={"area_code": "G12"}))
    upload = _created(post(f"/api/v1/recognition-requests/{request['id']}/attachments",
                           data={"file": (io.BytesIO(PDF), "bien-ban.pdf")},
                           content_type="multipart/form-data"))
    plan = _created(post("/api/v1/plans", json={
        "code": "KH-FUZZ", "title": "Kế hoạch", "org_unit": "W1",
        "start_date": "2026-01-01", "end_date": "2026-12-31",
        "phases": [{"name": "Giai đoạn 1", "start_date": "2026-01-01",
                    "end_date": "2026-06-30"}],
        "targets": [{"label": "Tuyên truyền", "metric": "awareness_sessions",
                     "org_unit": "W1", "value": 10, "unit": "count", "phase": 1}]}))
    known = {"person_id": person["id"], "fact_id": fact["id"], "hotspot_id": hotspot["id"],
             "request_id": request["id"], "plan_id": plan["id"], "sha256": upload["sha256"],
             "code": "G11", "name": "person", "kind": "annual"}
    assert area["state"] == "less_complex"
    return {"writer": writer, "admin": admin, "revoked": revoked, "known": known}


def _strategy(operation, known, mode):
    names = {p.name for p in operation.path_parameters}
    fixed = {k: v for k, v in known.items() if k in names}
    generated = operation.as_strategy(generation_mode=mode)
    if not fixed:
        return generated
    # Half the examples reach real records; the others use generated path values.
    return st.one_of(generated, operation.as_strategy(generation_mode=mode,
                                                      path_parameters=fixed))


class ReadingClient(IsolatedClient):
    """Reads every answer whole and closes it (a file download keeps a file open)."""

    def open(self, *args, **kwargs):
        response = super().open(*args, **kwargs)
        response.get_data()
        response.close()
        return response


def _fuzz(operation, strategy, client, headers) -> None:
    """Run ``EXAMPLES`` generated requests of one operation; raises on the first failure."""

    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=strategy)
    def run(case):
        case.call_and_validate(session=client, headers=headers, checks=CHECKS)

    with contextlib.suppress(Unsatisfiable):  # nothing to make invalid (no parameters)
        run()


def test_no_operation_answers_a_server_error_or_off_its_schema(app, world):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    client = ReadingClient(app)  # one app context per request, as a server does
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 35
    for operation in operations:
        if "/orgunits" in operation.path:
            headers = world["admin"]
        elif operation.method.upper() == "DELETE":  # revokes the token it is sent with
            headers = world["revoked"]
        else:
            headers = world["writer"]
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            strategy = _strategy(operation, world["known"], mode)
            try:
                _fuzz(operation, strategy, client, headers)
            except (Exception, BaseExceptionGroup) as exc:  # every failure, reported at the end
                failures.append(f"{operation.label} [{mode.value}]: {exc}")
    assert not failures, "\n\n".join(failures)
