"""Due dates: days, working days (weekends and Vietnamese holidays, Tết too) and months."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from casework.workflow.deadlines import (
    add_months,
    add_working_days,
    compute_due,
    is_working_day,
    list_due,
    local_date,
)
from casework.workflow.definitions import Deadline
from casework.workflow.labels import Label

# Version 1 (Law 73/2021) rules, with dates relative to today: version 2 judges events
# dated from 2026-07-01 (test_law120.py, test_permission_table_v2.py).
pytestmark = pytest.mark.usefixtures("law73")

LABEL = Label("Hạn", "Due")


def test_weekends_and_public_holidays_are_not_working_days():
    assert not is_working_day(date(2025, 1, 4))  # Saturday
    assert not is_working_day(date(2025, 4, 30))  # Reunification Day
    assert not is_working_day(date(2025, 9, 2))  # National Day
    assert is_working_day(date(2025, 1, 2))


@pytest.mark.parametrize("day", [date(2025, 1, 27), date(2025, 1, 28), date(2025, 1, 29),
                                 date(2025, 1, 30), date(2025, 1, 31)])
def test_tet_2025_is_skipped(day):
    assert not is_working_day(day)


def test_working_days_jump_over_tet():
    # Friday 24 Jan 2025, then a weekend, the Tết break (27 Jan-1 Feb) and a weekend: the
    # first working day after it is Monday 3 Feb, the 6th Monday 10 Feb.
    assert add_working_days(date(2025, 1, 24), 1) == date(2025, 2, 3)
    assert add_working_days(date(2025, 1, 24), 6) == date(2025, 2, 10)
    assert add_working_days(date(2026, 2, 13), 1) == date(2026, 2, 23)  # Tết 2026


def test_hung_kings_day_follows_the_lunar_calendar():
    assert not is_working_day(date(2025, 4, 7))
    assert not is_working_day(date(2026, 4, 27))  # 26 April falls on a Sunday in 2026


def test_months_keep_the_day_or_take_the_last_one():
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2024, 11, 15), 14) == date(2026, 1, 15)


def test_deadline_from_a_date_field_with_an_amount_from_the_data():
    deadline = Deadline("months", "planned_months", ("start_date",), LABEL)
    entered = datetime(2025, 3, 1, 3, tzinfo=UTC)
    assert compute_due(deadline, entered, {"start_date": date(2025, 2, 10),
                                           "planned_months": 6}) == date(2025, 8, 10)
    assert compute_due(deadline, entered, {"start_date": date(2025, 2, 10)}) is None
    days = Deadline("days", 10, (), LABEL)
    # 23:30 UTC is already the next day in Vietnam.
    assert compute_due(days, datetime(2025, 3, 1, 23, 30, tzinfo=UTC), {}) == date(2025, 3, 12)


def test_records_carry_their_due_date_and_the_command_lists_them(app, reach):
    positive, _ = reach("person", "positive", unit="G11")  # due long ago
    rehab, driver = reach("person", "rehab_facility", unit="G12", since=30)
    cleared, _ = reach("person", "cleared", unit="G12")  # closed: no deadline
    assert cleared.due_date is None

    runner = app.test_cli_runner()
    result = runner.invoke(args=["deadlines"])
    assert result.exit_code == 0, result.output
    assert f"person #{positive.id}" in result.output and f"person #{rehab.id}" in result.output
    assert f"person #{cleared.id}" not in result.output

    overdue = runner.invoke(args=["deadlines", "--overdue"])
    assert overdue.exit_code == 0
    assert f"person #{positive.id}" in overdue.output
    assert f"person #{rehab.id}" not in overdue.output  # due in a year
    assert "day(s) overdue" in overdue.output
    in_g12 = runner.invoke(args=["deadlines", "--org-unit", "G12"])
    assert f"person #{positive.id}" not in in_g12.output  # in G11
    assert f"person #{rehab.id}" in in_g12.output

    bad = runner.invoke(args=["deadlines", "--org-unit", "NOPE"])
    assert bad.exit_code == 1 and "unknown org unit code" in bad.output


def test_list_due_knows_the_label_and_status(app, reach):
    from casework.workflow.catalog import get_catalog
    from casework.workflow.registry import registry

    record, driver = reach("person", "compulsory_rehab")
    [item] = [i for i in list_due(registry.record_types.values(), get_catalog())
              if i.record_id == record.id and i.record_type == "person"]
    assert item.state == "compulsory_rehab" and item.org_unit_code == "G11"
    assert item.warn_days == 15
    assert item.status(item.due_date) == "due_soon"
    assert item.status(date(1999, 1, 1)) == "pending"


def test_a_record_in_a_state_without_deadline_has_none(reach):
    record, driver = reach("person", "methadone")
    assert record.due_date is None
    driver.fire(record, "stop_methadone", "health", "stop_completed")
    assert record.due_date == add_months(local_date(driver.clock), 12)
