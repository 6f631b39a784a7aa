"""Dates on the person pages: one date per fact, typed and shown as dd/mm/yyyy (issue 11).

The event form shows the event's principal date with an optional time of day, and no second
"when it happened"; every date is a text input that takes dd/mm/yyyy (and ISO quietly),
whatever the browser's language; a refused date comes back under its own field, in
Vietnamese, naming the date it collides with.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time

import pytest
import sqlalchemy as sa

from casework.audit.models import AuditEntry
from casework.workflow.deadlines import LOCAL_TZ
from tests.people.conftest import IDENTITY, day

DATE_MESSAGE = "Nhập ngày theo dạng ngày/tháng/năm, ví dụ 05/03/2026."


def html(response) -> str:
    return response.get_data(as_text=True)


def dmy(iso: str) -> str:
    return date.fromisoformat(iso).strftime("%d/%m/%Y")


def inputs(text: str) -> dict[str, str]:
    """name → the whole <input> tag, for every input of a page."""
    return {re.search(r'name="([^"]+)"', tag).group(1): tag
            for tag in re.findall(r"<input[^>]*>", text) if 'name="' in tag}


def errors_under(text: str, name: str) -> list[str]:
    """The messages shown in the field block holding the input ``name``."""
    blocks = re.findall(r'<div class="field[^"]*">(.*?)</div>', text, flags=re.S)
    for block in blocks:
        if f'name="{name}"' in block:
            return re.findall(r'<p class="field-error">(.*?)</p>', block, flags=re.S)
    raise AssertionError(f"no field {name}")


@pytest.fixture
def case(open_case):
    return open_case(days_ago=30)


def _form(page, case, event):
    return html(page.get(f"/persons/{case.id}/events/{event}", headers={"HX-Request": "true"}))


@pytest.mark.parametrize(("role", "event", "field"), [
    ("health", "record_test", "test_date"),
    ("police", "exit", "exit_date"),
])
def test_the_event_form_has_one_date_for_the_fact(page_as, case, role, event, field):
    found = inputs(_form(page_as(role), case, event))
    dated = [n for n, tag in found.items() if 'class="date-input"' in tag]
    assert dated == [field]
    tag = found[field]
    assert 'type="text"' in tag and 'placeholder="dd/mm/yyyy"' in tag
    assert 'inputmode="numeric"' in tag and "pattern=" in tag
    assert 'placeholder="hh:mm"' in found["effective_time"]
    assert "effective_at" not in found and "effective_date" not in found


def test_the_test_form_asks_when_the_result_was_received(page_as, case):
    """The 24 hours of Law 120 run from the result: the hour beside the test date says so."""
    text = _form(page_as("health"), case, "record_test")
    label = re.search(r'<label class="time-label" for="[^"]*-effective_time">([^<]*)</label>',
                      text).group(1)
    assert label == "Giờ nhận kết quả (giờ:phút)"
    other = _form(page_as("police"), case, "exit")
    assert "Giờ nhận kết quả" not in other and "Giờ (giờ:phút, không bắt buộc)" in other


def test_an_event_without_a_date_field_keeps_one_optional_date_and_time(page_as, case):
    found = inputs(_form(page_as("police"), case, "request_assessment"))
    assert [n for n, tag in found.items() if 'class="date-input"' in tag] == ["effective_date"]
    assert "effective_time" in found and "effective_at" not in found
    assert "required" not in found["effective_date"]


def _record_test(page, case, **fields):
    form = {"version": case.body["version"], "sample": "urine", "substances": "heroin",
            "result": "positive", "facility": "Trạm Y tế phường", **fields}
    return page.post(f"/persons/{case.id}/events/record_test", data=form,
                     headers={"HX-Request": "true"})


def _last_entry(db, case):
    return db.session.scalar(sa.select(AuditEntry).where(
        AuditEntry.record_type == "person", AuditEntry.record_id == case.id)
        .order_by(AuditEntry.seq.desc()).limit(1))


@pytest.mark.parametrize("typed", ["dd/mm", "iso", "d/m"])
def test_a_date_typed_dd_mm_yyyy_is_the_events_date(page_as, case, db, typed):
    tested = date.fromisoformat(day(3))
    text = {"dd/mm": tested.strftime("%d/%m/%Y"), "iso": tested.isoformat(),
            "d/m": f"{tested.day}/{tested.month}/{tested.year}"}[typed]
    response = _record_test(page_as("health"), case, test_date=text)
    assert response.status_code == 200, html(response)
    entry = _last_entry(db, case)
    assert entry.data["test_date"] == tested.isoformat()
    assert entry.effective_at == datetime.combine(tested, time(0), tzinfo=LOCAL_TZ)


def test_the_time_of_day_dates_the_event_at_that_hour(page_as, case, db):
    tested = date.fromisoformat(day(3))
    response = _record_test(page_as("health"), case, test_date=tested.strftime("%d/%m/%Y"),
                            effective_time="14:30")
    assert response.status_code == 200, html(response)
    assert _last_entry(db, case).effective_at == datetime.combine(tested, time(14, 30),
                                                                  tzinfo=LOCAL_TZ)


@pytest.mark.parametrize("bad", ["2026/03/05", "31/02/2026", "5 March 2026", "05/13/2026",
                                 "05-03-2026"])
def test_a_date_not_written_dd_mm_yyyy_is_refused_under_its_field(page_as, case, db, bad):
    entries = _last_entry(db, case).seq
    response = _record_test(page_as("health"), case, test_date=bad)
    assert response.status_code == 422
    text = html(response)
    assert errors_under(text, "test_date") == [DATE_MESSAGE]
    assert f'value="{bad}"' in text  # what was typed stays in the field
    assert _last_entry(db, case).seq == entries


def test_a_bad_time_is_refused_under_the_date(page_as, case):
    response = _record_test(page_as("health"), case, test_date=dmy(day(3)),
                            effective_time="25:00")
    assert response.status_code == 422
    assert errors_under(html(response), "effective_time") == [
        "Nhập giờ theo dạng giờ:phút, ví dụ 14:30."]


def test_a_date_before_the_opening_is_refused_under_the_date_in_vietnamese(page_as, case):
    early = date.fromisoformat(day(31))
    response = _record_test(page_as("health"), case, test_date=early.strftime("%d/%m/%Y"))
    assert response.status_code == 422
    (message,) = errors_under(html(response), "test_date")
    assert message.startswith(f"Ngày xét nghiệm ({early.strftime('%d/%m/%Y')}) không được "
                              f"trước ngày mở hồ sơ ({dmy(day(30))}")
    assert "Missing data" not in html(response) and "effective_at" not in html(response)


def test_an_event_without_a_date_takes_its_day_and_time(page_as, case, db):
    when = date.fromisoformat(day(2))
    response = page_as("police").post(
        f"/persons/{case.id}/events/request_assessment",
        data={"version": case.body["version"], "grounds": "Nghi nghiện",
              "effective_date": when.strftime("%d/%m/%Y"), "effective_time": "08:05"},
        headers={"HX-Request": "true"})
    assert response.status_code == 200, html(response)
    assert _last_entry(db, case).effective_at == datetime.combine(when, time(8, 5),
                                                                  tzinfo=LOCAL_TZ)


def test_a_time_without_its_date_is_refused(page_as, case):
    response = page_as("police").post(
        f"/persons/{case.id}/events/request_assessment",
        data={"version": case.body["version"], "grounds": "Nghi nghiện",
              "effective_time": "08:05"}, headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert errors_under(html(response), "effective_date") == [
        "Hãy nhập cả ngày, không chỉ giờ."]


# --- opening a record -------------------------------------------------------------------------


def test_the_new_record_form_takes_dd_mm_yyyy(page_as, db):
    page = page_as("police")
    found = inputs(html(page.get("/persons/new")))
    for name in ("birth_date", "resident_since", "effective_date"):
        assert 'placeholder="dd/mm/yyyy"' in found[name] and 'type="text"' in found[name]
    assert "effective_at" not in found
    noticed = date.fromisoformat(day(10))
    response = page.post("/persons/new", data={
        "full_name": "Lò Văn Mới", "birth_date": "17/05/1990", "gender": "male",
        "area_code": "G11", "resident_since": "01/02/2001",
        "effective_date": noticed.strftime("%d/%m/%Y"), "effective_time": "09:15"})
    assert response.status_code == 302, html(response)
    from casework.people.models import Person

    person = db.session.scalar(sa.select(Person).where(Person.full_name == "Lò Văn Mới"))
    assert (person.birth_date, person.resident_since) == (date(1990, 5, 17), date(2001, 2, 1))
    assert person.state_entered_at == datetime.combine(noticed, time(9, 15), tzinfo=LOCAL_TZ)


def test_the_new_record_form_refuses_a_date_typed_otherwise(page_as, db):
    response = page_as("police").post("/persons/new", data={
        "full_name": "Lò Văn Mới", "birth_date": "1990/05/17", "gender": "male",
        "area_code": "G11", "effective_date": "hôm qua"})
    assert response.status_code == 422
    text = html(response)
    assert errors_under(text, "birth_date") == [DATE_MESSAGE]
    assert errors_under(text, "effective_date") == [DATE_MESSAGE]


def test_the_duplicate_table_shows_dates_dd_mm_yyyy(page_as, case):
    response = page_as("police").post("/persons/new", data={
        **{k: v for k, v in IDENTITY.items() if k != "birth_date"}, "birth_date": "17/05/1990"})
    assert response.status_code == 409
    text = html(response)
    assert "<td>17/05/1990</td>" in text and "1990-05-17" not in text


def test_the_timeline_shows_a_date_without_a_time_without_an_hour(page_as, case):
    page = page_as("health")
    tested = date.fromisoformat(day(3))
    assert _record_test(page, case, test_date=tested.strftime("%d/%m/%Y")).status_code == 200
    text = html(page.get(f"/persons/{case.id}"))
    shown = tested.strftime("%d/%m/%Y")
    assert f">{shown}</time>" in text and f"00:00 {shown}" not in text
