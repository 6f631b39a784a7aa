"""Person pages through a browser-like client: list, open, act with htmx, my work."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from tests.people.conftest import at, day, drug_test


def html(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def case(open_case):
    return open_case(days_ago=30)


def test_list_page_with_live_search(page_as, case, open_case):
    open_case(days_ago=5, full_name="Lò Thị Páo", gender="female", area_code="G12")
    page = page_as("police")
    text = html(page.get("/persons/"))
    assert "Nguyễn Văn Thử" in text and "Lò Thị Páo" in text
    assert 'hx-post="/persons/search"' in text and 'name="q"' in text
    fragment = page.post("/persons/search", data={"q": "lo thi pao"},
                         headers={"HX-Request": "true"})
    assert "<html" not in html(fragment)
    assert "Lò Thị Páo" in html(fragment) and "Nguyễn Văn Thử" not in html(fragment)
    overdue = html(page.get("/persons/?overdue=1"))
    assert "Nguyễn Văn Thử" in overdue and "Lò Thị Páo" not in overdue  # test due in 10 days
    assert "Lò Thị Páo" in html(page.get("/persons/?area=G12"))
    assert "Nguyễn Văn Thử" not in html(page.get("/persons/?state=positive"))


def test_a_name_searched_for_never_stands_in_a_url(page_as, case, open_case):
    """The search is a POST; htmx gets a URL with the other filters only, and the pager and
    export links carry the name in form bodies, not in URLs."""
    for n in range(26):  # two pages of results
        open_case(days_ago=5, full_name=f"Lò Văn Tìm {n}", area_code="G12")
    page = page_as("police")
    text = html(page.get("/persons/"))
    assert "hx-push-url" not in text and 'hx-get="/persons/"' not in text
    fragment = page.post("/persons/search", data={"q": "lo van tim", "area": "G12",
                                                  "overdue": ""},
                         headers={"HX-Request": "true"})
    assert fragment.headers["HX-Replace-Url"] == "/persons/?area=G12"
    assert "HX-Push-Url" not in fragment.headers
    body = html(fragment)
    assert "Lò Văn Tìm" in body and "Nguyễn Văn Thử" not in body
    links = " ".join(re.findall(r'(?:href|action|formaction|hx-get|hx-post)="([^"]*)"', body))
    assert "tim" not in links.lower() and "?q=" not in links
    assert 'form="person-filters" name="page" value="2"' in body
    second = page.post("/persons/search", data={"q": "lo van tim", "area": "G12", "page": "2"},
                       headers={"HX-Request": "true"})
    assert '<span aria-current="page">2</span>' in html(second)
    # The export form sends the search in its body.
    assert '<input type="hidden" name="q" value="lo van tim">' in body
    export = page.post("/exports/persons.csv", data={"q": "lo van tim", "area": "G12"})
    assert export.status_code == 200
    assert export.get_data(as_text=True).count("Lò Văn Tìm") == 26


def test_a_search_without_javascript_renders_the_whole_page(page_as, case):
    page = page_as("police")
    response = page.post("/persons/search", data={"q": "nguyen van thu"})
    assert response.status_code == 200 and "<html" in html(response)
    assert "Nguyễn Văn Thử" in html(response)
    assert 'value="nguyen van thu"' in html(response)  # the box keeps what was typed


def test_the_search_needs_the_csrf_token(page_as, case):
    assert page_as("police").client.post("/persons/search", data={"q": "x"}).status_code == 400


def test_a_name_in_the_list_url_is_ignored(page_as, case):
    text = html(page_as("police").get("/persons/?q=khong+ai+ca"))
    assert "Nguyễn Văn Thử" in text  # no search from the URL


def test_viewers_and_admins_get_no_person_pages(page_as, case):
    assert page_as("viewer", "C").get("/persons/").status_code == 403
    assert page_as("admin", "C").get(f"/persons/{case.id}").status_code == 404


def test_open_a_record_from_the_form_with_the_duplicate_check(page_as, case):
    page = page_as("health")
    form = {"full_name": "nguyen van thu", "birth_date": "1990-05-17", "gender": "male",
            "area_code": "G11"}
    suspected = page.post("/persons/new", data=form)
    assert suspected.status_code == 409
    text = html(suspected)
    assert "Người này có thể đã có hồ sơ" in text and "Nguyễn Văn Thử" in text
    assert 'name="confirm_new"' in text
    created = page.post("/persons/new", data={**form, "confirm_new": "on"})
    assert created.status_code == 302 and re.match(r"/persons/\d+$", created.headers["Location"])


def test_form_errors_stay_in_the_form(page_as):
    page = page_as("police")
    response = page.post("/persons/new", data={"full_name": "A", "birth_date": "2999-01-01",
                                               "gender": "male", "area_code": "G11",
                                               "national_id": "123"})
    assert response.status_code == 422
    text = html(response)
    assert "Số định danh cá nhân phải có đúng 12 chữ số." in text
    assert "Ngày sinh phải từ năm 1900 đến hôm nay." in text


def test_person_page_shows_identity_state_deadline_actions_timeline(page_as, case):
    page = page_as("health")
    text = html(page.get(f"/persons/{case.id}"))
    assert "Nguyễn Văn Thử" in text and "Nghi sử dụng ma túy" in text
    assert 'class="deadline overdue"' in text and "Quá hạn" in text  # opened 30 days ago
    assert 'data-event="record_test"' in text and 'data-event="exit"' not in text
    assert "Mở hồ sơ" in text  # the timeline's first entry
    assert 'class="mermaid"' in text


def test_event_form_is_built_from_the_fields_with_the_version(page_as, case):
    page = page_as("health")
    fragment = html(page.get(f"/persons/{case.id}/events/record_test",
                             headers={"HX-Request": "true"}))
    assert f'name="version" value="{case.body["version"]}"' in fragment
    for name in ("test_date", "sample", "substances", "result", "facility",
                 "guardian_consent", "effective_time", "reason"):
        assert fragment.count(f'name="{name}"') == 1, name
    # One date for the fact (the test date, with an optional time): no second "when".
    assert 'name="effective_at"' not in fragment and 'name="effective_date"' not in fragment
    assert "Nước tiểu" in fragment and "Dương tính" in fragment
    assert page.get(f"/persons/{case.id}/events/decide_management").status_code == 404


def _record_test(page, case, **overrides):
    form = {"version": case.body["version"], "test_date": day(1), "sample": "urine",
            "substances": "heroin, methamphetamine", "result": "positive",
            "facility": "Trạm Y tế phường", **overrides}
    return page.post(f"/persons/{case.id}/events/record_test", data=form,
                     headers={"HX-Request": "true"})


def test_saving_an_event_swaps_the_panels(page_as, case):
    page = page_as("health")
    response = _record_test(page, case)
    assert response.status_code == 200
    text = html(response)
    assert "<html" not in text
    assert "Dương tính, chờ quyết định quản lý" in text and "Ghi kết quả xét nghiệm" in text


def test_after_an_event_a_message_says_who_acts_next(page_as, case):
    """Issue 17: a success message, and "Đang chờ: <role>" when the next step is another's;
    for htmx it comes out of band beside the panels, without htmx on the next page."""
    text = html(_record_test(page_as("health"), case))
    assert 'id="flashes" aria-live="polite" hx-swap-oob="true"' in text
    assert "Đã ghi: Ghi kết quả xét nghiệm." in text
    assert "Đang chờ: Chủ tịch UBND xã/phường" in text  # and the police, under Law 120
    # The message is shown once: the next page has none.
    assert "Đã ghi" not in html(page_as("health").get(f"/persons/{case.id}"))


def test_history_shows_names_values_and_no_form_hints(page_as, case, db):
    """Issue 17: the history names who acted (and their post, when users have one), labels
    values without the form's typing hints, and leaves empty values out."""
    health = page_as("health")
    assert _record_test(health, case).status_code == 200
    page = html(health.get(f"/persons/{case.id}"))
    timeline = page[page.index('class="timeline"'):]
    assert "Cán bộ health1 (" in timeline and "· health1 (" not in timeline
    assert "Chất ma túy</dt>" in timeline and "dấu phẩy" not in timeline
    assert ": ;" not in timeline
    from casework.auth.services import get_user

    get_user("health1").post = "Trưởng trạm"
    db.session.flush()
    again = html(health.get(f"/persons/{case.id}"))
    assert "Cán bộ health1, Trưởng trạm (" in again


def test_a_422_comes_back_into_the_form(page_as, case):
    page = page_as("health")
    response = _record_test(page, case, test_date="", result="maybe")
    assert response.status_code == 422
    assert response.headers["HX-Retarget"] == "#event-form"
    text = html(response)
    assert 'class="event-form"' in text and "Một số trường còn thiếu hoặc không hợp lệ." in text
    assert 'value="Trạm Y tế phường"' in text  # what was typed is kept


def test_a_stale_version_is_a_409_in_the_form(page_as, case):
    page = page_as("health")
    response = _record_test(page, case, version=case.body["version"] + 5)
    assert response.status_code == 409
    assert "Hồ sơ vừa được người khác thay đổi" in html(response)


def test_my_work_per_role(page_as, case, open_case):
    positive = open_case(days_ago=20, full_name="Trần Văn Dương")
    positive.fire("health", "record_test", drug_test(19), days_ago=19)
    health = html(page_as("health").get("/my-work"))
    assert "Ghi kết quả xét nghiệm" in health and "Nguyễn Văn Thử" in health
    assert "Trần Văn Dương" not in health
    chair = html(page_as("commune_chair").get("/my-work"))
    assert "Ký quyết định quản lý" in chair and "Trần Văn Dương" in chair
    police = html(page_as("police").get("/my-work"))
    # Both deadlines have passed: the test (10 days) and the decision. Under Law 120/2025 (in
    # force on these dates) the police decide on management too, so the decision is theirs
    # to sign, not only an overdue line.
    assert police.count("Quá hạn:") == 1
    assert "Ký quyết định quản lý" in police and "Trần Văn Dương" in police
    # Out of scope: nothing.
    assert "Nguyễn Văn Thử" not in html(page_as("health", "W2").get("/my-work"))


def test_opening_in_the_past_dates_the_first_entry(team, db):
    from casework.audit.models import AuditEntry

    body = team["police"].post("/api/v1/persons", json={
        "full_name": "Hà Văn Cũ", "birth_date": "1985-01-01", "gender": "male",
        "area_code": "G12", "effective_at": at(100)}).get_json()
    entry = db.session.scalar(sa.select(AuditEntry).where(
        AuditEntry.record_id == body["id"], AuditEntry.record_type == "person"))
    assert (entry.recorded_at - entry.effective_at).days == 100
