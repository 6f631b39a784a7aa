"""The tests' "today" is the app's: Vietnam's date, which runs ahead of UTC's by 7 hours."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from casework.workflow.deadlines import today_local
from tests.clock import frozen_at, instant, vn_today


@pytest.mark.parametrize(
    ("moment", "vietnam"),
    [
        ("2026-12-31T16:59:59Z", date(2026, 12, 31)),  # one second before midnight in Hà Nội
        ("2026-12-31T17:00:00Z", date(2027, 1, 1)),  # midnight in Hà Nội: a new year there
        ("2026-12-31T23:30:00Z", date(2027, 1, 1)),
        ("2027-01-01T00:00:00Z", date(2027, 1, 1)),
    ],
)
def test_today_is_vietnams_date_on_either_side_of_midnight(moment, vietnam):
    with frozen_at(moment):
        assert vn_today() == today_local() == vietnam
        assert datetime.now(UTC) == instant(moment)


def test_in_the_evening_utc_the_utc_date_would_be_yesterday():
    """What the machine's own date got wrong: between 17:00 and 24:00 UTC it is a day behind."""
    with frozen_at("2026-12-31T18:00:00Z"):
        assert datetime.now(UTC).date() == date(2026, 12, 31)
        assert vn_today() == date(2027, 1, 1)
