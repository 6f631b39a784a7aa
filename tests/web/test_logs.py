"""Logs hold no personal data: failures are logged by class and request id, and request
lines lose their query strings."""

from __future__ import annotations

import logging
import re
import threading
import urllib.request

from werkzeug.serving import make_server

from tests.conftest import FAILING_ROW


def _check_logged_safely(response, caplog) -> str:
    assert response.status_code == 500
    request_id = response.headers["X-Request-Id"]
    assert re.fullmatch(r"[0-9a-f]{12}", request_id)
    logged = caplog.text
    assert "IntegrityError" in logged and f"[request {request_id}]" in logged
    assert "failing_insert" in logged  # the endpoint and the frames: where it happened
    # The database's code says what kind of failure it was (a constraint, a lock), not its data.
    assert re.search(r"\[(SQLITE_CONSTRAINT\w*|23\d{3})\]", logged), logged
    for value in FAILING_ROW.values():
        assert value not in logged, value
        assert value not in response.get_data(as_text=True), value
    return request_id


def test_a_failed_insert_logs_its_class_and_request_id_not_the_row(page_as, caplog):
    page = page_as("police", "W1")
    caplog.set_level(logging.INFO)
    response = page.get("/_test/failing-insert")
    request_id = _check_logged_safely(response, caplog)
    assert request_id in response.get_data(as_text=True)  # an officer can quote it


def test_a_failed_insert_through_the_api_is_logged_the_same_way(api_as, caplog):
    api = api_as(("police", "W1"))
    caplog.set_level(logging.INFO)
    response = api.get("/api/v1/_test/failing-insert")
    _check_logged_safely(response, caplog)
    assert response.get_json() == {"code": "internal_error", "errors": {},
                                   "message": "Hệ thống gặp sự cố. Lỗi đã được ghi lại."}


def test_every_answer_has_a_request_id(app):
    client = app.test_client()
    first, second = client.get("/login"), client.get("/login")
    assert first.headers["X-Request-Id"] != second.headers["X-Request-Id"]
    assert client.get("/api/v1/me").headers["X-Request-Id"]


def test_the_development_server_logs_no_query_strings(app, caplog):
    caplog.set_level(logging.INFO, logger="werkzeug")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/login?q=nguyen+dau+vet&next=/persons/"
        with urllib.request.urlopen(url) as answer:
            assert answer.status == 200
    finally:
        server.shutdown()
        thread.join(timeout=5)
    lines = [r.getMessage() for r in caplog.records if r.name == "werkzeug"]
    assert any("GET /login HTTP/1.1" in line for line in lines), lines
    assert not any("nguyen" in line or "?" in line for line in lines), lines
