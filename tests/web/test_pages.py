"""The layout, navigation, language switch and error pages."""

from __future__ import annotations

import re

import pytest

from casework.resources import resource_dir


def html(response) -> str:
    return response.get_data(as_text=True)


def test_home_is_vietnamese_by_default(page_as):
    page = page_as("police", "W1")
    text = html(page.get("/"))
    assert '<html lang="vi">' in text
    assert "Tổng quan" in text and "Vai trò của bạn" in text
    assert "Công an xã/phường" in text  # the role label
    assert "Phường Một" in text


def test_language_switch_to_english_and_back(page_as):
    page = page_as("police", "W1")
    response = page.post("/lang", data={"lang": "en", "next": "/areas/"})
    assert response.status_code == 302 and response.headers["Location"] == "/areas/"
    text = html(page.get("/"))
    assert '<html lang="en">' in text and "Your roles" in text and "Commune/ward police" in text
    page.post("/lang", data={"lang": "vi"})
    assert "Vai trò của bạn" in html(page.get("/"))


def test_language_switch_ignores_unknown_languages_and_foreign_targets(page_as):
    page = page_as("police", "W1")
    response = page.post("/lang", data={"lang": "fr", "next": "https://evil.example/"})
    assert response.headers["Location"] == "/"
    assert '<html lang="vi">' in html(page.get("/"))


def test_language_switch_needs_csrf(app, page_as):
    page = page_as("police", "W1")
    assert page.client.post("/lang", data={"lang": "en"}).status_code == 400


@pytest.mark.parametrize(
    ("role", "shown", "hidden"),
    [
        ("police", ["Tổng quan", "Địa bàn"], ["Người dùng"]),
        ("viewer", ["Tổng quan", "Địa bàn"], ["Người dùng"]),
        ("admin", ["Tổng quan", "Địa bàn", "Người dùng"], []),
    ],
)
def test_navigation_by_role(page_as, role, shown, hidden):
    nav = re.search(r'<nav class="mainnav".*?</nav>', html(page_as(role, "W1").get("/")), re.S)
    for label in shown:
        assert label in nav.group(0)
    for label in hidden:
        assert label not in nav.group(0)


def test_nav_items_respect_roles():
    from casework.web.nav import NavItem

    item = NavItem("web.home", "x", frozenset({"admin"}))
    assert item.visible_to({"admin", "police"}) and not item.visible_to({"police"})


def test_htmx_is_vendored_and_csrf_rides_in_hx_headers(page_as, app):
    page = page_as("police", "W1")
    text = html(page.get("/"))
    assert 'src="/static/vendor/htmx.min.js"' in text
    match = re.search(r"hx-headers='\{\"X-CSRFToken\": \"([^\"]+)\"\}'", text)
    assert match and match.group(1)
    assert "responseHandling" in text
    with app.test_client().get("/static/vendor/htmx.min.js") as asset:
        assert asset.status_code == 200 and b"htmx" in asset.data[:2000]


def test_templates_load_nothing_from_the_internet():
    paths = sorted(resource_dir("templates").rglob("*.html"))
    assert len(paths) > 20, "the templates were not found: the check below would pass on none"
    for path in paths:
        text = path.read_text()
        assert not re.search(r'(src|href)="(https?:)?//', text), path


def test_areas_pages_show_the_scoped_tree(page_as):
    page = page_as("police", "W1")
    index = html(page.get("/areas/"))
    assert "Phường Một" in index and "Phường Hai" not in index
    unit = html(page.get("/areas/W1"))
    assert "Tổ dân phố 1" in unit and "Tổ dân phố 2" in unit
    assert page.get("/areas/W2").status_code == 404


@pytest.mark.parametrize(
    ("lang", "title", "message"),
    [
        ("vi", "Không tìm thấy", "nằm ngoài địa bàn của bạn"),
        ("en", "Not found", "outside your area"),
    ],
)
def test_friendly_404_in_both_languages(page_as, lang, title, message):
    page = page_as("police", "W1")
    page.post("/lang", data={"lang": lang})
    response = page.get("/areas/NOPE")
    assert response.status_code == 404
    assert title in html(response) and message in html(response)


@pytest.mark.parametrize(
    ("lang", "status", "url", "text"),
    [
        ("vi", 403, "/_test/forbidden", "Bạn không có quyền thực hiện thao tác này."),
        ("en", 403, "/_test/forbidden", "You do not have permission to do this."),
        ("vi", 500, "/_test/boom", "Hệ thống gặp sự cố. Lỗi đã được ghi lại."),
        ("en", 500, "/_test/boom", "Something went wrong on our side."),
    ],
)
def test_friendly_403_and_500_in_both_languages(page_as, lang, status, url, text,
                                                caplog):
    page = page_as("police", "W1")
    page.post("/lang", data={"lang": lang})
    response = page.get(url)
    assert response.status_code == status
    assert text in html(response)
    assert "Traceback" not in html(response)


def test_api_500_is_json(api_as, caplog):
    response = api_as(("police", "W1")).get("/api/v1/_test/boom")
    assert response.status_code == 500
    assert response.get_json()["code"] == "internal_error"


def test_htmx_requests_get_an_error_fragment(page_as):
    page = page_as("police", "W1")
    response = page.get("/areas/NOPE", headers={"HX-Request": "true"})
    assert response.status_code == 404
    assert html(response).startswith('<div class="alert alert-error"')
    assert "HX-Request" in response.headers["Vary"]


def test_admin_sees_users_inside_their_scope_only(page_as, make_user):
    make_user("inside", ("health", "G11"))
    make_user("outside", ("health", "G21"))
    page = page_as("admin", "W1")
    text = html(page.get("/admin/users"))
    assert "inside" in text and "outside" not in text
    assert "Trạm Y tế / cơ sở y tế" in text


def test_users_page_is_403_for_other_roles(page_as):
    response = page_as("police", "W1").get("/admin/users")
    assert response.status_code == 403
    assert "Bạn không có quyền thực hiện thao tác này." in html(response)
