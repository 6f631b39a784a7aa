"""The user administration pages (/admin/users): htmx forms with CSRF, Vietnamese messages,
nothing half-written, no 500, and the same scope rules as the API (auth.accounts)."""

from __future__ import annotations

import html as html_lib

import pytest
import sqlalchemy as sa

from casework.audit.models import AuditEntry
from casework.auth import services
from casework.db import utcnow
from tests.conftest import PASSWORD, PageClient

NEW_PASSWORD = "violet tractor orbit lamp"
HX = {"HX-Request": "true"}


def text(response) -> str:
    return html_lib.unescape(response.get_data(as_text=True))


def _new(**extra):
    return {"username": "newcomer", "full_name": "Lò Văn Mới", "post": "Cán bộ",
            "email": "", "role": "police", "org_unit": "G11", "password": NEW_PASSWORD,
            "password_confirm": NEW_PASSWORD, **extra}


@pytest.fixture
def admin(page_as):
    return page_as("admin", "W1")


@pytest.fixture
def target(make_user):
    return make_user("target", ("police", "G11"))


def test_the_list_has_the_create_form_in_vietnamese(admin, target):
    page = text(admin.get("/admin/users"))
    assert "Thêm người dùng" in page and "Chức vụ" in page and "Tạo tài khoản" in page
    assert 'hx-post="/admin/users"' in page and 'name="csrf_token"' in page
    assert 'href="/admin/users/target"' in page
    assert '<option value="W1">' in page and '<option value="C">' not in page


def test_create_with_htmx_redirects_to_the_new_user(admin, db):
    response = admin.post("/admin/users", data=_new(), headers=HX)
    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == "/admin/users/newcomer"
    user = services.get_user("newcomer")
    assert user.post == "Cán bộ" and user.email is None and user.roles == {"police"}
    page = text(admin.get("/admin/users/newcomer"))
    assert "Đã tạo tài khoản newcomer." in page and "Tạo tài khoản" in page


def test_create_without_javascript_redirects(admin):
    response = admin.post("/admin/users", data=_new())
    assert response.status_code == 302 and response.headers["Location"] == "/admin/users/newcomer"


@pytest.mark.parametrize(("change", "says"), [
    ({"password": "hanoi2024", "password_confirm": "hanoi2024"}, "Dùng ít nhất 10 ký tự."),
    ({"password": "newcomer12345", "password_confirm": "newcomer12345"},
     "Mật khẩu này quá dễ đoán"),
    ({"password_confirm": "something else"}, "Hai mật khẩu không khớp nhau."),
    ({"username": "target"}, "Tên đăng nhập này đã được sử dụng."),
    ({"org_unit": "NOPE"}, "Không có đơn vị nào mã NOPE."),
    ({"org_unit": "W2"}, "Phường Hai (W2) nằm ngoài phạm vi của bạn"),
    ({"org_unit": "C"}, "Thành phố Thử (C) nằm ngoài phạm vi của bạn"),
    ({"role": "chief"}, "Vai trò chief không hợp lệ."),
    ({"email": "not-an-address"}, "Địa chỉ thư điện tử không hợp lệ."),
    ({"full_name": "  "}, "Chưa nhập trường bắt buộc này."),
])
def test_refused_create_says_why_in_the_form_and_writes_nothing(admin, target, db, change, says):
    response = admin.post("/admin/users", data=_new(**change), headers=HX)
    assert response.status_code == 422
    page = text(response)
    assert says in page
    assert page.lstrip().startswith('<section class="card" id="user-create">')  # the fragment
    assert "<details class=\"event-box\" open>" in page
    assert NEW_PASSWORD not in page  # never typed back
    if "username" not in change:
        assert 'value="newcomer"' in page
        assert services.get_user("newcomer") is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
        AuditEntry.record_type == "user")) == 0


def test_refused_create_without_javascript_is_the_whole_page(admin):
    response = admin.post("/admin/users", data=_new(org_unit="NOPE"))
    assert response.status_code == 422 and "<h1>Người dùng</h1>" in text(response)


def test_forms_need_csrf(admin):
    data = _new()
    response = admin.client.post("/admin/users", data=data)
    assert response.status_code == 400 and services.get_user("newcomer") is None


@pytest.mark.parametrize(("url", "data", "notice"), [
    ("details", {"full_name": "Lò Thị Hoa", "post": "Phó trưởng", "email": "hoa@example.vn"},
     "Đã lưu thông tin."),
    ("roles", {"role": "health", "org_unit": "W1"}, "Đã thêm vai trò."),
    ("disable", {}, "Đã vô hiệu hoá tài khoản."),
    ("password", {"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD},
     "Đã đặt mật khẩu mới."),
])
def test_each_user_form_answers_the_panels_with_a_notice(admin, target, db, url, data, notice):
    response = admin.post(f"/admin/users/target/{url}", data=data, headers=HX)
    assert response.status_code == 200
    page = text(response)
    assert notice in page and "<html" not in page and 'id="history"' in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(
        AuditEntry).where(AuditEntry.record_type == "user")) == 1


def test_details_then_history_shows_what_changed(admin, target):
    admin.post("/admin/users/target/details",
               data={"full_name": "Lò Thị Hoa", "post": "Phó trưởng", "email": ""})
    page = text(admin.get("/admin/users/target"))
    assert "Sửa tài khoản" in page and "Phó trưởng" in page and "Cán bộ target" in page


def test_remove_a_role_and_enable_and_unlock(admin, make_user, db):
    user = make_user("two", ("police", "G11"), ("health", "W1"))
    health = next(a for a in user.assignments if a.role == "health")
    response = admin.post(f"/admin/users/two/roles/{health.id}/delete", headers=HX)
    assert "Đã bỏ vai trò." in text(response)
    db.session.expire_all()
    assert services.get_user("two").roles == {"police"}
    # the last role cannot go
    last = services.get_user("two").assignments[0]
    response = admin.post(f"/admin/users/two/roles/{last.id}/delete", headers=HX)
    assert response.status_code == 422 and "cần ít nhất một vai trò" in text(response)
    user = services.get_user("two")
    user.active, user.locked_until = False, utcnow().replace(year=utcnow().year + 1)
    db.session.commit()
    page = text(admin.get("/admin/users/two"))
    assert "Kích hoạt lại tài khoản" in page and "Mở khóa đăng nhập" in page
    assert "Đã kích hoạt lại" in text(admin.post("/admin/users/two/enable", headers=HX))
    assert "Đã mở khóa đăng nhập." in text(admin.post("/admin/users/two/unlock", headers=HX))
    db.session.expire_all()
    user = services.get_user("two")
    assert user.active and user.locked_until is None


def test_removing_a_role_of_another_user_is_not_found(admin, target, make_user):
    other = make_user("other", ("police", "G12"))
    url = f"/admin/users/target/roles/{other.assignments[0].id}/delete"
    assert admin.post(url, headers=HX).status_code == 404


def test_a_weak_new_password_is_refused_and_nothing_changes(admin, target, db):
    response = admin.post("/admin/users/target/password", headers=HX,
                          data={"password": "password123", "password_confirm": "password123"})
    assert response.status_code == 422 and "Mật khẩu này quá dễ đoán" in text(response)
    assert services.authenticate("target", PASSWORD)


def test_granting_outside_the_scope_is_said_in_the_form(admin, target, db):
    response = admin.post("/admin/users/target/roles", data={"role": "police", "org_unit": "W2"},
                          headers=HX)
    assert response.status_code == 422
    assert "Phường Hai (W2) nằm ngoài phạm vi của bạn" in text(response)
    db.session.expire_all()
    assert services.get_user("target").roles == {"police"}


def test_a_user_with_roles_outside_is_read_only(admin, make_user):
    make_user("both", ("police", "W1"), ("police", "W2"))
    page = text(admin.get("/admin/users/both"))
    assert "còn có vai trò ngoài địa bàn của bạn" in page
    assert "/admin/users/both/details" not in page and "Vô hiệu hoá tài khoản" not in page
    for url in ("details", "disable", "unlock", "password", "roles"):
        assert admin.post(f"/admin/users/both/{url}", data={}).status_code == 403


def test_own_account_is_read_only(app, make_user):
    make_user("boss", ("admin", "W1"))
    me = PageClient(app.test_client())
    me.login("boss")
    assert "Đây là tài khoản của chính bạn" in text(me.get("/admin/users/boss"))
    assert me.post("/admin/users/boss/disable").status_code == 403


@pytest.mark.parametrize(("role", "url", "status"), [
    ("police", "/admin/users", 403), ("viewer", "/admin/users", 403),
    ("police", "/admin/users/target", 403), ("admin", "/admin/users/nobody", 404),
])
def test_who_may_open_the_pages(page_as, target, role, url, status):
    assert page_as(role, "W1").get(url).status_code == status


def test_outside_users_are_not_found(page_as, target):
    other = page_as("admin", "W2")
    assert other.get("/admin/users/target").status_code == 404
    assert other.post("/admin/users/target/disable").status_code == 404
    assert "/admin/users/target" not in text(other.get("/admin/users"))


def test_the_new_user_signs_in(app, admin):
    admin.post("/admin/users", data=_new())
    assert PageClient(app.test_client()).login("newcomer", NEW_PASSWORD).status_code == 302
