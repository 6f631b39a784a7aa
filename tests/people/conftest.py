"""Fixtures for persons: API clients per role over ward W1, and a driver for legal paths."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from casework.workflow.deadlines import local_date

# The engine's fixtures walk a person to any state through the real definition.
from tests.workflow.conftest import actor, open_record, reach, records  # noqa: F401

ROLES = ("police", "health", "social_affairs", "commune_chair")


def at(days_ago: float) -> str:
    """An ISO timestamp ``days_ago`` days before now (events may be back-dated)."""
    return (datetime.now(UTC) - timedelta(days=days_ago)).isoformat()


def day(days_ago: float) -> str:
    """The date in Vietnam ``days_ago`` days before now: the day an event ``at(days_ago)``
    happened, as the engine dates it (between 17:00 and 24:00 UTC it is already tomorrow)."""
    return local_date(datetime.now(UTC) - timedelta(days=days_ago)).isoformat()


@pytest.fixture
def team(api_as):
    """One API client per role over ward W1 (persons live in G11/G12)."""
    return {role: api_as((role, "W1")) for role in ROLES}


IDENTITY = {"full_name": "Nguyễn Văn Thử", "birth_date": "1990-05-17", "gender": "male",
            "area_code": "G11"}


class Case:
    """A person driven through the API: each step checks the answer and keeps the version."""

    def __init__(self, team, body):
        self.team = team
        self.body = body

    @property
    def id(self):
        return self.body["id"]

    @property
    def state(self):
        return self.body["state"]

    def fire(self, role, event, data=None, days_ago=None, reason=None, expect=200):
        payload = {"event": event, "version": self.body["version"], "data": data or {}}
        if days_ago is not None:
            payload["effective_at"] = at(days_ago)
        if reason is not None:
            payload["reason"] = reason
        response = self.team[role].post(f"/api/v1/persons/{self.id}/transitions", json=payload)
        assert response.status_code == expect, response.get_json()
        if expect == 200:
            self.body = response.get_json()
        return response.get_json()


@pytest.fixture
def open_case(team):
    """open_case(days_ago=400, **identity) → a Case in `suspected`, opened by the police."""

    def make(days_ago: float = 800, **identity):
        body = {**IDENTITY, **identity, "effective_at": at(days_ago), "confirm_new": True}
        response = team["police"].post("/api/v1/persons", json=body)
        assert response.status_code == 201, response.get_json()
        return Case(team, response.get_json())

    return make


def drug_test(days_ago, result="positive", **extra):
    return {"test_date": day(days_ago), "sample": "urine", "substances": ["heroin"],
            "result": result, "facility": "Trạm Y tế phường", **extra}


def assessment(days_ago, criteria=4, addicted=True):
    return {"assessment_date": day(days_ago), "facility": "TTYT thành phố", "doctor": "BS. An",
            "criteria_met": criteria, "addicted": addicted}


__all__ = ["at", "day", "date", "drug_test", "assessment"]
