"""Helpers for the tests of the corrected law (WORKFLOWS.md §8): fixed days as the API's
``days_ago``, working days counted back from Vietnam's today, ages on a given day."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from casework.workflow.deadlines import LOCAL_TZ, is_working_day, today_local

ONE_DAY = timedelta(days=1)


def ago(day: date, hour: int = 12) -> float:
    """``days_ago`` (tests.people.conftest.Case.fire) of ``hour`` o'clock on ``day`` in
    Vietnam."""
    moment = datetime.combine(day, time(hour), LOCAL_TZ)
    return (datetime.now(UTC) - moment).total_seconds() / 86400


def working_day_from(day: date, step: int) -> date:
    """``day`` if it is a working day, else the nearest one in the direction of ``step``."""
    while not is_working_day(day):
        day += step * ONE_DAY
    return day


def start_for_due(due: date, working_days: int) -> date:
    """A day whose ``working_days``-th working day after it is ``due`` (a working day)."""
    day, counted = due, 0
    while counted < working_days:
        if is_working_day(day):
            counted += 1
        day -= ONE_DAY
    return day


def on_time_and_late(working_days: int) -> tuple[date, date]:
    """Two start days: from the first the deadline falls on the first working day from today
    (not overdue); from the second on the last working day before today (overdue)."""
    today = today_local()
    on_time = working_day_from(today, +1)
    late = working_day_from(today - ONE_DAY, -1)
    return start_for_due(on_time, working_days), start_for_due(late, working_days)


def born_years_before(day: date, years: int, shift_days: int = 0) -> date:
    """A birth date ``years`` years before ``day`` (29 February falls back to the 28th),
    moved by ``shift_days``: +1 means the birthday is the day after ``day``."""
    try:
        birth = day.replace(year=day.year - years)
    except ValueError:
        birth = day.replace(year=day.year - years, day=28)
    return birth + shift_days * ONE_DAY
