"""Which reminders are created, for whom, and only once (casework.notify.services).

The clock is frozen on Thursday 31/12/2026 in Vietnam: the 3rd working day after it is
Wednesday 06/01/2027, past New Year's Day (a holiday) and a weekend."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from casework.extensions import db
from casework.notify.models import Notification
from casework.notify.services import create_due
from casework.workflow.deadlines import end_of_day, today_local
from tests.clock import frozen_at
from tests.notify.conftest import kinds_of, notes_of

THURSDAY = "2026-12-31T03:00:00Z"  # 10:00 in Hà Nội


@pytest.fixture
def suspected(open_record):
    """A person waiting for the health officer's drug test, with a due date to set."""

    def make(due: date, unit: str = "G11"):
        person = open_record("person", unit=unit)
        person.due_date, person.due_at = due, end_of_day(due)
        db.session.commit()
        return person

    return make


@pytest.mark.parametrize(("due", "expected"), [
    (date(2026, 12, 30), ["overdue"]),        # yesterday
    (date(2026, 12, 31), ["due_soon"]),       # today
    (date(2027, 1, 6), ["due_soon"]),         # the 3rd working day (holiday + weekend)
    (date(2027, 1, 7), []),                   # the 4th: not yet
])
def test_deadline_boundaries_in_working_days(suspected, make_user, due, expected):
    with frozen_at(THURSDAY):
        make_user("health1", ("health", "W1"))
        person = suspected(due)
        create_due(today_local())
    assert kinds_of("health1") == expected
    for note in notes_of("health1"):
        assert note.url == f"/persons/{person.id}"
        assert note.due == due
        assert note.subject == f"Hồ sơ số {person.id}"
        assert "Người Thử" not in note.title + note.subject  # no names


def test_a_weekend_counts_for_nothing(suspected, make_user):
    # Friday 08/01/2027: the 3rd working day is Wednesday 13/01; Tuesday 12/01 is in.
    with frozen_at("2027-01-08T03:00:00Z"):
        make_user("health1", ("health", "W1"))
        suspected(date(2027, 1, 13))
        suspected(date(2027, 1, 14))
        create_due(today_local())
    assert [n.due for n in notes_of("health1")] == [date(2027, 1, 13)]


def test_the_same_reminder_is_made_once(suspected, make_user):
    with frozen_at(THURSDAY):
        make_user("health1", ("health", "W1"))
        person = suspected(date(2027, 1, 5))
        assert create_due(today_local()).notifications == 1
        assert create_due(today_local()).notifications == 0
    with frozen_at("2027-01-04T03:00:00Z"):  # a later day, the same deadline
        assert create_due(today_local()).notifications == 0
    with frozen_at("2027-01-06T03:00:00Z"):  # now overdue: a new reminder
        create_due(today_local())
    assert kinds_of("health1") == ["due_soon", "overdue"]
    person.due_date = date(2027, 1, 8)  # a new deadline: a new reminder
    person.due_at = end_of_day(person.due_date)
    db.session.commit()
    with frozen_at("2027-01-06T03:00:00Z"):
        create_due(today_local())
    assert kinds_of("health1") == ["due_soon", "due_soon", "overdue"]


def test_dry_run_stores_nothing(suspected, make_user):
    with frozen_at(THURSDAY):
        make_user("health1", ("health", "W1"))
        suspected(date(2026, 12, 31))
        result = create_due(today_local(), dry_run=True)
    assert (result.notifications, result.users, dict(result.by_kind)) == (1, 1, {"due_soon": 1})
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification)) == 0


def test_only_the_users_scope_and_roles(suspected, make_user):
    with frozen_at(THURSDAY):
        make_user("health1", ("health", "W1"))
        make_user("health2", ("health", "W2"))    # another ward's officer
        make_user("viewer1", ("viewer", "C"))      # no personal work
        make_user("chair1", ("commune_chair", "W1"))  # not the chair's step
        make_user("gone", ("health", "W1")).active = False
        db.session.commit()
        suspected(date(2026, 12, 31))
        create_due(today_local())
    assert kinds_of("health1") == ["due_soon"]
    for other in ("health2", "viewer1", "chair1", "gone"):
        assert kinds_of(other) == []


# --- monitoring orders ending, breach proposals, requests waiting ----------------------------


def _monitored(team):
    from tests.people.test_law120 import on_methadone, order

    case = on_methadone(team)
    case.fire("police", "order_monitoring", order(30), days_ago=30)
    return case


@pytest.mark.parametrize(("days", "expected"), [(14, True), (15, True), (16, False)])
def test_a_monitoring_order_ending_within_15_days(team, days, expected):
    from casework.people.models import MonitoringOrder

    case = _monitored(team)
    order = db.session.scalar(sa.select(MonitoringOrder)
                              .where(MonitoringOrder.person_id == case.id))
    order.end_date = today_local() + timedelta(days=days)
    db.session.commit()
    create_due(today_local())
    police = [n for n in notes_of("api1") if n.kind == "monitoring_end"]  # team["police"]
    assert bool(police) is expected
    if expected:
        assert police[0].due == order.end_date
        assert police[0].url == f"/persons/{case.id}"
    assert not [n for n in notes_of("api2") if n.kind == "monitoring_end"]  # health


def test_a_breach_proposal_reaches_the_police(team, law73, make_user):
    from tests.people.conftest import drug_test
    from tests.people.test_law_pages import _in_rehab

    make_user("police_w2", ("police", "W2"))

    def open_case(days_ago, **identity):
        from tests.people.conftest import IDENTITY, Case, at

        body = {**IDENTITY, "effective_at": at(days_ago), "confirm_new": True}
        response = team["police"].post("/api/v1/persons", json=body)
        assert response.status_code == 201, response.get_json()
        return Case(team, response.get_json())

    case = _in_rehab(open_case)
    case.fire("health", "record_test", drug_test(50, substances=["methamphetamine"]),
              days_ago=50)
    create_due(today_local())
    (breach,) = [n for n in notes_of("api1") if n.kind == "breach"]
    assert breach.url.startswith(f"/persons/{case.id}/events/open_compulsory_dossier?")
    assert "Nguyễn" not in breach.title + breach.subject
    assert kinds_of("police_w2") == []
    assert not [n for n in notes_of("api3") if n.kind == "breach"]  # social affairs
