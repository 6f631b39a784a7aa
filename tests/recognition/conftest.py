"""Fixtures for recognition requests: the area fixtures, API clients for the chain."""

from __future__ import annotations

import pytest

from tests.areas.conftest import (  # noqa: F401 - fixtures shared with the area tests
    area_in,
    fact,
    good_facts,
    hotspot,
    person,
    ready_area,
    user,
)


@pytest.fixture
def chain(api_as):
    """One API client per step: police of ward W1, the city's inspector and committee, the
    approvers of §11 (the ward's chair for its groups today; the city before 2025-07-01)."""
    return {
        "police": api_as(("police", "W1")),
        "inspector": api_as(("inspector", "C")),
        "steering_committee": api_as(("steering_committee", "C")),
        "city_authority": api_as(("city_authority", "C")),
        "commune_chair": api_as(("commune_chair", "W1")),
    }
