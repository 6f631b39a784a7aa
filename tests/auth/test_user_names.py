"""A user's username and full name follow the rules of all free text (casework.validation)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from casework.auth import services
from casework.auth.models import User
from casework.errors import ValidationFailed
from tests.conftest import PASSWORD


@pytest.mark.parametrize(("field", "value"), [
    ("full_name", "Cán bộ\x07A"), ("full_name", "Cán bộ\u202eA"), ("full_name", "A\u200bB"),
    ("full_name", "A\x00B"), ("username", "can\x1bbo"), ("username", "can\u200bbo"),
])
def test_control_and_format_characters_are_refused(app, db, field, value):
    values = {"username": "canbo", "full_name": "Nguyễn Thị Ánh", field: value}
    with app.test_request_context(), pytest.raises(ValidationFailed) as caught:
        services.create_user(values["username"], PASSWORD, full_name=values["full_name"])
    assert list(caught.value.errors) == [field]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_a_vietnamese_full_name_in_nfd_is_accepted(app, db):
    name = "Nguye\u0302\u0303n Thi\u0323 A\u0301nh"
    with app.test_request_context():
        user = services.create_user("canbo", PASSWORD, full_name=name)
    assert user.full_name == name
