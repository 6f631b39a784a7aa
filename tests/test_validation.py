"""The shared limits of input (casework.validation): text, dates, integers, pages."""

from __future__ import annotations

import unicodedata
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from marshmallow import Schema, ValidationError

from casework.validation import (
    MAX_INT,
    MAX_PAGE,
    AwareDateTime,
    Date,
    Id,
    Integer,
    Page,
    Text,
    character_problem,
    page_window,
)

NAMES = ("Nguyễn Thị Ánh", "Trần Văn Đức", "Lò Thị Mỷ", "Giàng A Páo", "Hoàng Thị Ngọc Diệp")


class Sample(Schema):
    text = Text(max_length=200)
    day = Date()
    moment = AwareDateTime(default_timezone=timezone(timedelta(hours=7)))
    number = Integer()
    id = Id()
    page = Page()


def load(**values):
    return Sample().load(values)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("form", ["NFC", "NFD"])
def test_vietnamese_names_are_text_in_either_normal_form(app, name, form):
    value = unicodedata.normalize(form, name)
    with app.test_request_context():
        assert character_problem(value) is None
        assert load(text=value)["text"] == value


@pytest.mark.parametrize("text", ["dòng một\ndòng hai", "cột\tcột", "a\r\nb", "giá 100 000 đ",
                                  "non\u00a0breaking", "emoji 🙂", "日本語"])
def test_ordinary_text_passes(app, text):
    with app.test_request_context():
        assert load(text=text)["text"] == text


@pytest.mark.parametrize(("char", "what"), [
    ("\x00", "NUL"), ("\x07", "BEL"), ("\x1b", "ESC"), ("\x7f", "DEL"), ("\x85", "C1 NEL"),
    ("\x0b", "vertical tab"), ("\ud800", "lone high surrogate"), ("\udfff", "lone low"),
    ("\u200b", "zero-width space"), ("\u202e", "right-to-left override"),
    ("\u200e", "left-to-right mark"), ("\ufeff", "byte order mark"), ("\u00ad", "soft hyphen"),
])
def test_control_surrogate_and_format_characters_are_refused(app, char, what):
    with app.test_request_context(), pytest.raises(ValidationError) as caught:
        load(text=f"Nguyễn{char}Ánh")
    assert list(caught.value.messages) == ["text"], what


@pytest.mark.parametrize(("char", "refused"), [
    ("\x00", True), ("\x1b", True), ("\ud800", True), ("\u200b", False), ("\u202e", False),
])
def test_the_boundary_leaves_format_characters_to_the_schemas(app, char, refused):
    with app.test_request_context():
        assert (character_problem(char, formatting=False) is not None) is refused


@pytest.mark.parametrize(("value", "ok"), [
    ("1899-12-31", False), ("1900-01-01", True), ("2100-12-31", True), ("2101-01-01", False),
    ("0001-01-01", False), ("9999-12-31", False), ("2025-02-29", False),
])
def test_dates_lie_between_1900_and_2100(app, value, ok):
    with app.test_request_context():
        if ok:
            assert load(day=value)["day"] == date.fromisoformat(value)
        else:
            with pytest.raises(ValidationError) as caught:
                load(day=value)
            assert list(caught.value.messages) == ["day"]


@pytest.mark.parametrize(("value", "ok"), [
    ("1899-12-31T23:59:59", False), ("1900-01-01T00:00:00", True),
    ("0001-01-01T00:00:00+07:00", False), ("9999-12-31T23:59:59-12:00", False),
    ("2100-12-31T23:59:59+14:00", True), ("2101-01-01T00:00:00Z", False),
])
def test_date_times_lie_between_1900_and_2100_without_overflowing(app, value, ok):
    with app.test_request_context():
        if ok:
            assert isinstance(load(moment=value)["moment"], datetime)
        else:
            with pytest.raises(ValidationError):
                load(moment=value)


@pytest.mark.parametrize(("field", "value", "ok"), [
    ("number", MAX_INT, True), ("number", MAX_INT + 1, False), ("number", -(2**31), True),
    ("number", -(2**31) - 1, False), ("number", 10**30, False), ("number", "1e400", False),
    ("id", 1, True), ("id", 0, False), ("id", MAX_INT, True), ("id", MAX_INT + 1, False),
    ("page", 1, True), ("page", 0, False), ("page", MAX_PAGE, True),
    ("page", MAX_PAGE + 1, False), ("page", 10**17, False),
])
def test_integers_fit_postgresql(app, field, value, ok):
    with app.test_request_context():
        if ok:
            assert load(**{field: value})[field] == value
        else:
            with pytest.raises(ValidationError):
                load(**{field: value})


def test_a_page_past_the_last_one_stays_inside_the_database_range():
    offset, limit = page_window(10**17, 500)
    assert offset == (MAX_PAGE - 1) * 500 < 2**31 and limit == 500
    assert page_window(0, 25) == (0, 25)


def test_the_page_default_is_one(app):
    with app.test_request_context():
        assert load()["page"] == 1


def test_aware_moments_keep_their_zone(app):
    with app.test_request_context():
        moment = load(moment="2024-01-02T03:04:05Z")["moment"]
    assert moment == datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)


def _refused_by_category(text: str, formatting: bool) -> bool:
    refused = {"Cs", "Cf"} if formatting else {"Cs"}
    return any((unicodedata.category(c) == "Cc" and c not in "\t\n\r")
               or unicodedata.category(c) in refused for c in text)


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(alphabet=st.one_of(
    st.characters(exclude_categories=()),  # surrogates too
    st.sampled_from("\x00\t\n\r\x1b\x7f\x85\u00ad\u200b\u202e\ufeff\ud800ễ")),
    max_size=30), formatting=st.booleans())
def test_the_character_check_agrees_with_the_unicode_categories(app, text, formatting):
    with app.test_request_context():
        assert (character_problem(text, formatting) is not None) == _refused_by_category(
            text, formatting)
