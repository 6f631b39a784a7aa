"""Security headers (web.security): CSP, HSTS, no-store, and templates with no inline code."""

from __future__ import annotations

import re

import pytest

from casework.resources import resource_dir


def directives(response) -> dict[str, str]:
    policy = response.headers["Content-Security-Policy"]
    return dict(part.strip().split(" ", 1) for part in policy.split(";"))


@pytest.fixture
def police(page_as):
    return page_as("police", "W1")


@pytest.mark.parametrize("url", ["/", "/persons/", "/plans/", "/areas/", "/imports/"])
def test_pages_forbid_inline_code_and_foreign_sources(police, url):
    response = police.get(url)
    assert response.status_code == 200
    csp = directives(response)
    assert csp["default-src"] == "'self'"
    assert csp["script-src"] == "'self'"
    assert csp["style-src"] == "'self'"
    assert csp["object-src"] == "'none'" and csp["frame-ancestors"] == "'none'"
    assert csp["base-uri"] == "'self'" and csp["form-action"] == "'self'"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_only_pages_with_diagrams_allow_inline_styles_never_scripts(police):
    response = police.get("/workflows/person")
    assert 'class="mermaid"' in response.get_data(as_text=True)
    csp = directives(response)
    assert csp["style-src"] == "'self' 'unsafe-inline'"
    assert csp["script-src"] == "'self'"
    # The flag lives in the request: the next page is strict again.
    assert directives(police.get("/"))["style-src"] == "'self'"


@pytest.mark.parametrize("url", ["/login", "/", "/persons/", "/api/v1/me", "/api/v1/persons",
                                 "/api/v1/openapi.json", "/no-such-page", "/api/v1/nothing"])
def test_dynamic_answers_are_never_cached(police, url):
    response = police.get(url)
    assert response.headers["Cache-Control"] == "no-store", url


def test_json_errors_and_token_answers_are_not_cached(app, make_user):
    make_user("officer", ("police", "W1"))
    client = app.test_client()
    assert client.get("/api/v1/me").headers["Cache-Control"] == "no-store"
    token = client.post("/api/v1/auth/token",
                        json={"username": "officer", "password": "correct horse battery"})
    assert token.status_code == 200 and token.headers["Cache-Control"] == "no-store"


def test_static_files_may_be_cached(app):
    response = app.test_client().get("/static/css/app.css")
    assert response.status_code == 200
    assert "no-store" not in response.headers.get("Cache-Control", "")
    assert "Content-Security-Policy" in response.headers  # headers still on every answer
    response.close()


def test_hsts_only_with_secure_cookies(app, monkeypatch):
    client = app.test_client()
    assert "Strict-Transport-Security" not in client.get("/login").headers
    monkeypatch.setitem(app.config, "SESSION_COOKIE_SECURE", True)
    hsts = client.get("/login", base_url="https://localhost").headers["Strict-Transport-Security"]
    assert hsts == "max-age=31536000"


def test_swagger_ui_page_has_no_inline_script(app):
    response = app.test_client().get("/api/docs")
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'src="/static/js/swagger-ui-init.js"' in text
    assert 'data-spec-url="/api/v1/openapi.json"' in text
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text)


# What the Content-Security-Policy refuses, written in a template: an inline <script> or
# <style>, a style="..." attribute, an on...="..." handler, htmx's hx-on, a javascript: URL.
INLINE_CODE = re.compile(
    r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|\sstyle=|\son[a-z]+=|\bhx-on|javascript:", re.I)


def test_templates_have_no_inline_scripts_styles_or_handlers():
    found = [f"{path.name}: {match.group(0)}"
             for path in resource_dir("templates").rglob("*.html")
             for match in INLINE_CODE.finditer(path.read_text())]
    assert found == []
