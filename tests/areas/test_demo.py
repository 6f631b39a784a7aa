"""The demo's Lai Châu picture: about 17/72 at 8/8, San Thàng complex, every step in use."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from casework.areas.models import Area
from casework.areas.services import dashboard, states_of, subtree_units, territory
from casework.audit.models import AuditEntry
from casework.auth.scope import Scope
from casework.auth.services import get_user
from casework.orgunits.services import get_by_code
from casework.plans.metrics import compute
from casework.plans.models import Plan
from casework.plans.reports import report_groups
from casework.plans.services import progress
from casework.recognition.services import list_requests
from casework.workflow.deadlines import local_date, today_local


def test_the_demo_areas(app, db):
    from casework.demo.loader import load_demo

    load_demo()
    board = dashboard(get_by_code("LCH-TP"))
    assert board["leaves_total"] == 72
    assert 15 <= board["leaves_all_met"] <= 19  # "17/72" at the start of the plan
    # San Thàng ended on 2025-06-30: its territory is that of its last day, and its 7
    # villages sit in phường Tân Phong since 2025-07-01.
    villages = [u for u in territory(get_by_code("LCH-ST"))[0] if u.kind == "village"]
    assert len(villages) == 7 and set(states_of(villages).values()) == {"complex"}
    tan_phong = get_by_code("LCH-P-TPH")
    assert {u.id for u in villages} <= {u.id for u in subtree_units(tan_phong)}
    steps = {r["state"]: r["count"] for r in board["requests_by_state"]}
    assert all(steps[s] >= 1 for s in ("draft", "submitted", "evaluated", "endorsed",
                                       "approved", "rejected", "withdrawn")), steps
    def inbox(username):
        user = get_user(username)
        return list_requests(Scope.for_user(user), user, awaiting_me=True)

    for username in ("inspector", "steering"):
        assert inbox(username), username
    # WORKFLOWS.md §11: since 2025-07-01 the ward chairs approve their groups; the city,
    # gone, approves nothing; the approval of 2025-09 was the chair's of the group's ward.
    assert inbox("chair") or inbox("chair.tp")
    assert not inbox("city")
    approvals = db.session.execute(sa.select(AuditEntry.role, AuditEntry.effective_at).where(
        AuditEntry.record_type == "recognition", AuditEntry.event == "approve")).all()
    assert {role for role, at in approvals if local_date(at) >= date(2025, 7, 1)} == {
        "commune_chair"}
    assert {role for role, at in approvals if local_date(at) < date(2025, 7, 1)} == {
        "city_authority"}
    # The plan keeps its map: the baseline is computed on the city's 2024 tree, today too;
    # the San Thàng target on the 7 villages that now sit in phường Tân Phong.
    plan = db.session.scalar(sa.select(Plan).where(Plan.code == "LCH-TP-2024-2025"))
    baseline = next(t for t in plan.targets if t.metric == "groups_meeting_all_criteria")
    for day in (date(2025, 6, 30), today_local()):
        assert progress(baseline, day).current.denominator == 72, day
    assert compute("areas_in_state", get_by_code("LCH-ST"), today_local(),
                   {"states": ["complex"], "kinds": ["village"]}).value == 7
    # A successor's report adds up its predecessors.
    assert {g.code for g in report_groups(tan_phong, today_local())} == {
        "LCH-TPH", "LCH-DP", "LCH-ST"}
    assert dashboard(tan_phong)["leaves_total"] == 12 + 10 + 7
    assert dashboard(get_by_code("LCH-P-DK"))["leaves_total"] == 12 + 13 + 12 + 6
    opened = db.session.scalar(sa.select(sa.func.count()).select_from(Area))
    load_demo()  # idempotent
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Area)) == opened


def test_the_province_page_lists_the_units_of_its_days_map(app, db, pages):
    """Lai Châu city ended on 2025-06-30: the province's page lists its wards of today (and
    answers; it failed on the ended city, judged on no map of today), the city on a day
    before the change, each with its criteria met."""
    import re

    from casework.demo.loader import load_demo

    load_demo()
    assert pages.login("inspector", "casework-demo").status_code == 302
    for as_of, present, absent in (("", "LCH-P-DK", "LCH-TP"), ("30/06/2025", "LCH-TP",
                                                                 "LCH-P-DK")):
        answer = pages.get(f"/areas/LCH?as_of={as_of}")
        assert answer.status_code == 200, as_of
        below = answer.get_data(as_text=True).split("Đơn vị trực thuộc", 1)[1]
        codes = set(re.findall(r'href="/areas/(LCH-[A-Z-]+)"', below))
        assert present in codes and absent not in codes, (as_of, codes)
        assert re.search(r'\d+/8</span>', below)
