"""The OpenAPI document describes the error body the API really sends:
``{"code": "<machine code>", "message": "...", "errors": {...}}``."""

from __future__ import annotations

import pytest

TYPES = {"string": str, "object": dict}


@pytest.fixture
def spec(app):
    return app.test_client().get("/api/v1/openapi.json").get_json()


def error_schema(spec) -> dict:
    ref = spec["components"]["responses"]["DEFAULT_ERROR"]["content"]["application/json"]
    name = ref["schema"]["$ref"].rsplit("/", 1)[1]
    return spec["components"]["schemas"][name]


def test_the_documented_error_is_casework_s(spec):
    schema = error_schema(spec)
    assert schema["properties"]["code"]["type"] == "string"
    assert schema["properties"]["message"]["type"] == "string"
    assert schema["properties"]["errors"]["type"] == "object"
    assert set(schema["required"]) == {"code", "message", "errors"}
    assert "status" not in schema["properties"]


def test_every_operation_documents_its_errors_with_it(spec):
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if method in ("get", "post", "put", "patch", "delete"):
                assert operation["responses"]["default"] == {
                    "$ref": "#/components/responses/DEFAULT_ERROR"}, (method, path)
    for name in ("UNPROCESSABLE_ENTITY",):
        response = spec["components"]["responses"][name]
        assert response["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/Error"}


def test_real_error_bodies_match_the_documented_schema(app, spec, api_as, monkeypatch):
    schema = error_schema(spec)
    police = api_as(("police", "W1"))
    anonymous = app.test_client()
    answers = {
        400: police.post("/api/v1/persons", data="{", content_type="application/json"),
        401: anonymous.get("/api/v1/persons"),
        403: api_as(("viewer", "C")).post("/api/v1/persons", json={}),
        404: police.get("/api/v1/persons/123456"),
        405: police.delete("/api/v1/persons"),
        409: police.post("/api/v1/areas/G11/transitions", json={"event": "assess",
                                                               "version": 3, "data": {}}),
        422: police.post("/api/v1/persons", json={"full_name": 1}),
    }
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 10)
    answers[413] = police.post("/api/v1/persons", json={"full_name": "Nguyễn Văn A"})
    assert "POST" in answers[405].headers["Allow"]
    for status, response in answers.items():
        assert response.status_code == status, (status, response.get_json())
        assert response.mimetype == "application/json", (status, response.headers)
        body = response.get_json()
        for name in schema["required"]:
            expected = TYPES[schema["properties"][name]["type"]]
            assert isinstance(body[name], expected), (status, name, body)
