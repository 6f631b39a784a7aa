from __future__ import annotations

from datetime import date

import pytest

from casework.people.identity import ADULT_AGE, age_on, fold, national_id_problem, normalize_name


@pytest.mark.parametrize(
    ("number", "birth", "gender", "ok"),
    [
        ("012090000123", date(1990, 5, 1), "male", True),      # 0 → 1900s, male
        ("012190000123", date(1990, 5, 1), "female", True),    # 1 → 1900s, female
        ("012205000123", date(2005, 1, 1), "male", True),      # 2 → 2000s, male
        ("012305000123", date(2005, 1, 1), "female", True),
        ("012305000123", date(2005, 1, 1), "other", True),
        ("012090000123", None, None, True),
        ("01209000012", None, None, False),                     # 11 digits
        ("0120900001234", None, None, False),                   # 13 digits
        ("01209000012a", None, None, False),
        ("", None, None, False),
        ("012090000123", date(1991, 5, 1), "male", False),      # year disagrees
        ("012205000123", date(1905, 1, 1), "male", False),      # century disagrees
        ("012090000123", date(1990, 5, 1), "female", False),    # gender disagrees
    ],
)
def test_national_id(app, number, birth, gender, ok):
    with app.test_request_context():
        assert (national_id_problem(number, birth, gender) is None) is ok


def test_national_id_messages_are_vietnamese_by_default(app):
    with app.test_request_context():
        assert national_id_problem("123") == "Số định danh cá nhân phải có đúng 12 chữ số."


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Nguyễn Văn Đức", "nguyen van duc"),
        ("  TRẦN   Thị  Hồng ", "tran thi hong"),
        ("Lò Văn Páo", "lo van pao"),
        ("Đặng Thị Ngọc Ánh", "DANG THI NGOC ANH"),
    ],
)
def test_fold_ignores_diacritics_case_and_spacing(a, b):
    assert fold(a) == fold(b)


def test_fold_keeps_different_names_apart():
    assert fold("Lê Văn Hà") != fold("Lê Văn Hải")


@pytest.mark.parametrize(
    ("on", "age", "minor"),
    [
        (date(2024, 3, 14), 17, True),   # the day before the 18th birthday
        (date(2024, 3, 15), 18, False),  # the 18th birthday
        (date(2024, 12, 31), 18, False),
    ],
)
def test_age_and_minority_on_the_event_date(on, age, minor):
    birth = date(2006, 3, 15)
    assert age_on(birth, on) == age
    assert (age_on(birth, on) < ADULT_AGE) is minor


def test_born_on_29_february():
    birth = date(2008, 2, 29)
    assert age_on(birth, date(2026, 2, 28)) == 17
    assert age_on(birth, date(2026, 3, 1)) == 18


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("  nguyễn   VĂN  đức ", "Nguyễn Văn Đức"),
        ("TÒNG A LONG", "Tòng A Long"),
        ("h'hen niê", "H'Hen Niê"),
        ("lò thị-mai", "Lò Thị-Mai"),
        ("Nguyễn Văn Đức", "Nguyễn Văn Đức"),
        # Decomposed diacritics (as some keyboards type them) are composed, not lost.
        ("nguye\u0302\u0303n", "Nguyễn"),
    ],
)
def test_names_are_normalised_keeping_diacritics(typed, stored):
    assert normalize_name(typed) == stored
    assert fold(normalize_name(typed)) == fold(typed)
