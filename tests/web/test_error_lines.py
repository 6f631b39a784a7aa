"""What a form's alert lists besides its message: by label, flattened, each said once."""

from __future__ import annotations

import pytest
from flask_babel import force_locale

from casework.web.fields import error_lines, messages_of


@pytest.fixture(autouse=True)
def vietnamese(app):
    with app.test_request_context("/"), force_locale("vi"):
        yield


CASES = [
    # (errors, message, fields shown under themselves, lines)
    ({}, "M", (), []),
    # A rule's code is no field: its message alone, and not when it is the alert's message.
    ({"verdicts_all_met": ["Chưa đạt: C3."]}, "Chưa đạt: C3.", (), []),
    ({"verdicts_all_met": ["Chưa đạt: C3."]}, "Khác", (), ["Chưa đạt: C3."]),
    # A field with a label is named by it; one shown under itself is not repeated.
    ({"test_date": ["Sai."], "reason": ["Thiếu."]}, None, ("reason",),
     ["Ngày xét nghiệm: Sai."]),
    # Nested messages are flattened, criteria codes kept, and each said once.
    ({"verdicts": {"C3": {"met": ["Chọn."]}, "C7": {"met": ["Chọn."]}}}, None, (),
     ["Kết luận kiểm tra › C3 › Đạt: Chọn.", "Kết luận kiểm tra › C7 › Đạt: Chọn."]),
    ({"_schema": ["Một.", "Một."], "json": ["Hai."]}, None, (), ["Một.", "Hai."]),
]


@pytest.mark.parametrize(("errors", "message", "shown", "lines"), CASES)
def test_error_lines(errors, message, shown, lines):
    assert error_lines(errors, message, shown) == lines


def test_the_messages_of_one_field_are_flattened():
    assert messages_of(None) == []
    assert messages_of(["A.", "B.", "A."]) == ["A.", "B."]
    assert messages_of({0: ["A."], 2: ["B."]}) == ["A.", "B."]
