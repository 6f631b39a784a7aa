"""Fixtures for areas and recognition: users by role, areas walked to a state, facts, persons.

Events are back-dated on a clock that only moves forward, as the engine requires.
"""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

import pytest

from casework.areas import services as area_services
from casework.areas.models import AreaFact, Hotspot
from casework.demo.persons import PATHS as DEMO_PATHS
from casework.demo.persons import _walk
from casework.people.identity import fold
from casework.people.models import Person
from casework.workflow import engine, open_record
from casework.workflow.deadlines import local_date

_names = itertools.count(1)


def ago(days: float) -> datetime:
    return datetime.now(UTC) - timedelta(days=days)


def day_ago(days: float) -> date:
    return local_date(ago(days))


@pytest.fixture
def user(make_user):
    """user("police", "W1") → a new user holding that role over that unit."""

    def make(role: str, unit: str = "W1", *more: tuple[str, str]):
        return make_user(f"{role}.a{next(_names)}", (role, unit), *more)

    return make


# Steps that bring an area from `unassessed` to a state: (event, role, data).
AREA_STEPS = {
    "unassessed": [],
    "complex": [("classify", "police", {"level": "complex", "complexity_type": "II",
                                        "assessment_date": "{day}"})],
    "less_complex": [("classify", "police", {"level": "less_complex",
                                             "assessment_date": "{day}"})],
}


def _fill(data: dict, when: datetime) -> dict:
    return {k: (local_date(when).isoformat() if v == "{day}" else v) for k, v in data.items()}


@pytest.fixture
def area_in(db, tree, user):
    """area_in("G11", "less_complex", since=400) → the unit's area record in that state.

    ``drug_free`` and ``maintained`` are reached through an approved recognition request.
    """

    def make(code: str, state: str, since: float = 400):
        unit = tree[code]
        police = user("police", code)
        when = ago(since)
        area = area_services.ensure_area(unit, police, effective_at=when)
        base = "less_complex" if state in ("drug_free", "maintained") else state
        for event, role, data in AREA_STEPS[base]:
            when += timedelta(days=1)
            engine.fire(area, event, user(role, code), data=_fill(data, when), effective_at=when)
        if state in ("drug_free", "maintained"):
            recognise(db, area, user, when + timedelta(days=1))
        if state == "maintained":
            raise NotImplementedError("reach maintained in the test itself")
        db.session.flush()
        return area

    return make


def recognise(db, area, user, when: datetime):
    """Walk a request for ``area`` to approval, with one user per step, from ``when``."""
    from casework.recognition import services as recognition

    code = area.org_unit.code
    police = user("police", code)
    request = recognition.open_request(area.org_unit, police, effective_at=when)
    steps = [
        ("submit", police, {"self_assessment": all_met()}),
        ("evaluate", user("inspector", code), {"inspection_date": "{day}", "minutes_no": "BB-1",
                                                "verdicts": all_met()}),
        ("endorse", user("steering_committee", code), {"meeting_date": "{day}"}),
        ("approve", user("city_authority", code), {"decision_no": "QĐ-1",
                                                   "decision_date": "{day}"}),
    ]
    for event, actor, data in steps:
        when += timedelta(days=1)
        engine.fire(request, event, actor, data=_fill(data, when), effective_at=when)
    return request


def all_met(note: str | None = None) -> dict:
    return {f"C{i}": {"met": True, "note": note} for i in range(1, 9)}


@pytest.fixture
def fact(db, tree):
    """fact("G11", "dealer", found_date=..., ...) → an AreaFact row recorded directly."""

    def make(code: str, kind: str, **values):
        row = AreaFact(kind=kind, org_unit=tree[code], **values)
        db.session.add(row)
        db.session.flush()
        return row

    return make


@pytest.fixture
def good_facts(fact):
    """good_facts("G11") records what C6 and C7 need for a residential group."""

    def make(code: str, since: float = 300):
        fact(code, "household_tally", households_total=120, households_signed=120,
             as_of=day_ago(since))
        fact(code, "hotline_board", present=True, verified_on=day_ago(since))
        fact(code, "prevention_model", name="Tổ tự quản", started_on=day_ago(since))

    return make


@pytest.fixture
def ready_area(area_in, good_facts):
    """ready_area("G11") → a less complex area that meets all 8 criteria."""

    def make(code: str = "G11"):
        good_facts(code)
        return area_in(code, "less_complex", since=400)

    return make


@pytest.fixture
def hotspot(db, tree, user):
    """hotspot("G11", found=100) → a hotspot opened by the police, in `detected`."""

    def make(code: str, found: float = 100, name: str = "Bãi đất trống ven suối"):
        police = user("police", code)
        row = Hotspot(org_unit=tree[code], name=name, found_date=day_ago(found),
                      recorded_by_id=police.id)
        engine.open_record(row, police, effective_at=ago(found))
        db.session.flush()
        return row, police

    return make


@pytest.fixture
def person(db, tree, user):
    """person("G11", since=800) → (Person in `suspected`, driver) for walking it further.

    ``driver(event, role, data, days_ago)`` fires an event back-dated to ``days_ago``.
    """

    def make(code: str = "G11", since: float = 800, name: str = "Nguyễn Văn Thử"):
        row = Person(full_name=name, name_folded="nguyen van thu", birth_date=date(1985, 3, 2),
                     gender="male", org_unit=tree[code])
        engine.open_record(row, user("police", code), effective_at=ago(since))
        db.session.flush()
        actors = {}

        def drive(event: str, role: str, data: dict | None = None, days_ago: float = 0,
                  reason: str | None = None):
            if role not in actors:
                actors[role] = user(role, code)
            return engine.fire(row, event, actors[role], data=data, reason=reason,
                               effective_at=ago(days_ago))

        return row, drive

    return make


def drug_test_data(days_ago: float, result: str = "positive", substances=("heroin",)) -> dict:
    return {"test_date": day_ago(days_ago).isoformat(), "sample": "urine",
            "substances": list(substances), "result": result, "facility": "Trạm Y tế"}


def assessment(days_ago: float, addicted: bool = True) -> dict:
    return {"assessment_date": day_ago(days_ago).isoformat(), "facility": "TTYT",
            "doctor": "BS. An", "criteria_met": 4 if addicted else 1, "addicted": addicted}


CASE_ROLES = ("police", "health", "social_affairs", "commune_chair")


@pytest.fixture
def resident(db, tree, make_user):
    """resident("managed_user", "G11") → a Person walked to that state by the real engine."""
    actors = {}

    def make(state: str, code: str = "G11", since: float = 500, name: str = "Nguyễn Văn Thử"):
        if code not in actors:
            grants = [(role, code) for role in CASE_ROLES]
            actors[code] = make_user(f"qd28.{next(_names)}", *grants)
        actor = actors[code]
        start = datetime.now(UTC) - timedelta(days=since)
        person = Person(full_name=name, name_folded=fold(name), birth_date=date(1985, 3, 2),
                        gender="male", org_unit=tree[code], residence_type="permanent")
        open_record(person, actor, effective_at=start)
        _walk(person, actor, DEMO_PATHS[state], start)
        db.session.flush()
        assert person.state == state.removesuffix("_used")
        return person

    return make
