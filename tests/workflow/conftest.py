"""Fixtures for the engine: stand-in record tables, actors by role, and opened records."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

import pytest

from casework.workflow import engine
from tests.workflow.records import record_tables

_usernames = itertools.count(1)


@pytest.fixture
def records(db):
    """The stand-in record models, with their tables created inside the test's transaction."""
    with record_tables(db.session.connection()) as models:
        yield models


@pytest.fixture
def actor(make_user):
    """actor("health") → a user holding that role over W1; actor("police", "C") elsewhere."""

    def make(role: str, unit: str = "W1", *more: tuple[str, str]):
        return make_user(f"{role}.{next(_usernames)}", (role, unit), *more)

    return make


def days_ago(n: float) -> datetime:
    return datetime.now(UTC) - timedelta(days=n)


@pytest.fixture
def open_record(db, records, tree, actor):
    """open_record("person", unit="G11", at=days_ago(400), birth_date=...) → an open record."""

    def make(kind: str, unit: str = "G11", at: datetime | None = None, by=None, **columns):
        model = records[kind]
        if kind == "person":
            columns.setdefault("birth_date", date(1990, 5, 17))
            columns.setdefault("full_name", "Người Thử")
            columns.setdefault("name_folded", "nguoi thu")
            columns.setdefault("gender", "male")
        record = model(org_unit=tree[unit], **columns)
        opener = by or actor({"area": "police", "hotspot": "police"}.get(kind, "police"))
        engine.open_record(record, opener, effective_at=at)
        db.session.flush()
        return record

    return make


@pytest.fixture
def reach(open_record, actor):
    """reach("person", "addict") → (record, driver): opened long ago and walked to the state."""
    from tests.workflow.paths import PATHS, Driver

    def make(kind: str, state: str, unit: str = "G11", since: float = 1500, **columns):
        start = days_ago(since)
        driver = Driver(actor, start)
        opener = driver.user("police")
        record = open_record(kind, unit=unit, at=start, by=opener, **columns)
        driver.walk(record, PATHS[kind][state])
        assert record.state == state
        return record, driver

    return make
