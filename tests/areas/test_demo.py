"""The demo's Lai Châu picture: about 17/72 at 8/8, San Thàng complex, every step in use."""

from __future__ import annotations

import sqlalchemy as sa

from casework.areas.models import Area
from casework.areas.services import dashboard, states_of, subtree_units
from casework.auth.scope import Scope
from casework.auth.services import get_user
from casework.orgunits.services import get_by_code
from casework.recognition.services import list_requests


def test_the_demo_areas(app, db):
    from casework.demo.loader import load_demo

    load_demo()
    board = dashboard(get_by_code("LCH-TP"))
    assert board["leaves_total"] == 72
    assert 15 <= board["leaves_all_met"] <= 19  # "17/72" at the start of the plan
    villages = [u for u in subtree_units(get_by_code("LCH-ST")) if u.kind == "village"]
    assert len(villages) == 7 and set(states_of(villages).values()) == {"complex"}
    steps = {r["state"]: r["count"] for r in board["requests_by_state"]}
    assert all(steps[s] >= 1 for s in ("draft", "submitted", "evaluated", "endorsed",
                                       "approved", "rejected", "withdrawn")), steps
    for username in ("inspector", "steering", "city"):
        user = get_user(username)
        assert list_requests(Scope.for_user(user), user, awaiting_me=True), username
    opened = db.session.scalar(sa.select(sa.func.count()).select_from(Area))
    load_demo()  # idempotent
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Area)) == opened
