"""Helpers for the QĐ 28 tests: the current review period, dates of the current review period."""

from __future__ import annotations

from datetime import date

from casework.areas.qd28 import period_year_of, review_period
from tests.clock import vn_today


def current_year() -> int:
    return period_year_of(vn_today())


def period() -> tuple[date, date]:
    return review_period(current_year())


def in_period() -> date:
    """A day inside the current period that is not in the future: its first day."""
    return period()[0]
