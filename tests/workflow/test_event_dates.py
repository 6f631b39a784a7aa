"""The engine's dates (WORKFLOWS.md §8): a date without a time, the principal date, order.

A date without a time is stored as 00:00 in Vietnam; compared with anything, it is compared
as a calendar date. The record's ``last_event_at`` keeps the latest moment, so that an event
without a time on the day of a timed one does not let a later timed event slip before it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from casework.errors import ValidationFailed
from casework.workflow import engine
from casework.workflow.dates import before, has_time, start_of_day
from casework.workflow.deadlines import LOCAL_TZ, local_date, today_local


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=LOCAL_TZ)


D = date(2025, 3, 10)


@pytest.mark.parametrize(("moment", "timed"), [
    (start_of_day(D), False),
    (local(D, 0, 1), True),
    (local(D, 23, 59), True),
    (datetime(2025, 3, 9, 17, 0, tzinfo=UTC), False),  # 00:00 in Vietnam
    (datetime(2025, 3, 10, 0, 0, tzinfo=UTC), True),  # 07:00 in Vietnam
])
def test_a_date_without_a_time_is_local_midnight(moment, timed):
    assert has_time(moment) is timed


@pytest.mark.parametrize(("moment", "other", "earlier"), [
    (start_of_day(D), local(D, 14), False),          # same day, one without a time
    (local(D, 14), start_of_day(D), False),
    (local(D, 13), local(D, 14), True),              # both timed: the hour counts
    (start_of_day(D - timedelta(days=1)), local(D, 0, 1), True),
    (local(D, 23), start_of_day(D + timedelta(days=1)), True),
    (start_of_day(D + timedelta(days=1)), local(D, 23), False),
])
def test_order_is_by_calendar_date_when_either_side_has_no_time(moment, other, earlier):
    assert before(moment, other) is earlier


def _test(day: date) -> dict:
    return {"test_date": day.isoformat(), "sample": "urine", "substances": ["heroin"],
            "result": "negative", "facility": "Trạm Y tế"}


def test_effective_at_defaults_to_the_principal_date(reach, actor):
    person, driver = reach("person", "managed_user", since=100)
    day = today_local() - timedelta(days=3)
    entry = engine.fire(person, "check_residence", driver.user("police"),
                        data={"check_date": day.isoformat(), "present": True})
    assert entry.effective_at == start_of_day(day)
    assert person.last_event_at >= entry.effective_at


def test_a_day_without_a_time_keeps_the_latest_moment(reach, actor):
    person, driver = reach("person", "managed_user", since=100)
    day = today_local() - timedelta(days=3)
    timed = local(day, 15)
    engine.fire(person, "check_residence", driver.user("police"),
                data={"check_date": day.isoformat(), "present": True}, effective_at=timed)
    # The same day without a time: accepted, and the latest moment stays the check's hour.
    engine.fire(person, "record_test", driver.user("health"), data=_test(day))
    assert person.last_event_at == timed
    # A timed event earlier that day is now before the previous event; later is fine.
    with pytest.raises(ValidationFailed) as caught:
        engine.fire(person, "check_residence", driver.user("police"),
                    data={"check_date": day.isoformat(), "present": True},
                    effective_at=local(day, 14))
    assert list(caught.value.errors) == ["effective_at"]
    engine.fire(person, "check_residence", driver.user("police"),
                data={"check_date": day.isoformat(), "present": True},
                effective_at=local(day, 16))


@pytest.mark.parametrize("given", [D, datetime.combine(D, time(0)), start_of_day(D)])
def test_a_date_given_as_effective_at_is_a_date_without_a_time(open_record, given):
    record = open_record("hotspot", at=given)
    assert record.state_entered_at == start_of_day(D)
    assert not has_time(record.state_entered_at)


def test_a_record_opens_on_its_events_principal_date(open_record, records, tree, actor):
    record = records["hotspot"](org_unit=tree["G11"])
    found = today_local() - timedelta(days=40)
    engine.open_record(record, actor("police"), data={"found_date": found.isoformat()})
    assert record.state_entered_at == start_of_day(found)
    assert local_date(record.last_event_at) == found


def test_an_event_without_a_date_field_happens_now(reach):
    person, driver = reach("person", "suspected", since=100)
    entry = engine.fire(person, "request_assessment", driver.user("police"),
                        data={"grounds": "Nghi nghiện"})
    assert has_time(entry.effective_at) or entry.effective_at == start_of_day(today_local())
    assert abs(entry.effective_at - datetime.now(UTC)) < timedelta(minutes=1)
