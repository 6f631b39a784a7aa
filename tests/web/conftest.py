"""Fixtures for the tests of the web layer: the area fixtures, for records of every kind."""

from __future__ import annotations

from tests.areas.conftest import (  # noqa: F401 - fixtures shared with the area tests
    area_in,
    fact,
    good_facts,
    hotspot,
    ready_area,
    user,
)
