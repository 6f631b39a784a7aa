"""Today, as the app sees it: Vietnam's date (UTC+7), and a frozen clock for the tests that
depend on the hour.

The app dates everything in Vietnam's time (``casework.workflow.deadlines.today_local``). A
test that takes "today" from the machine's local date (UTC here) disagrees with it from 17:00
to 24:00 UTC, and a test that builds a year from it disagrees for seven hours every 31
December. Tests use
``vn_today()`` instead; a test about the flip itself freezes the clock with ``frozen_at``.

The whole suite can be run at any instant with ``CASEWORK_TEST_CLOCK=2026-12-31T17:30:00Z``
(tests/conftest.py): every test then starts at that instant and the clock runs on from it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import time_machine

from casework.workflow.deadlines import today_local


def vn_today() -> date:
    """Vietnam's date now: the one "today" of the app and of every test."""
    return today_local()


def instant(text: str) -> datetime:
    """An aware instant from ISO text; a bare time is read as UTC."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def frozen_at(text: str, *, tick: bool = False) -> time_machine.travel:
    """Travel to an instant (``with frozen_at("2026-12-31T23:30Z"): ...``)."""
    return time_machine.travel(instant(text), tick=tick)
