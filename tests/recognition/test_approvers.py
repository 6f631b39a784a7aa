"""WORKFLOWS.md §11: who approves a recognition depends on the area's level and on the date of
the approval. A table of level × date (one day either side of 2025-07-01) × role → outcome,
the approvals inbox, and `workflows check` on a bad approver table."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
import sqlalchemy as sa

from casework.audit.models import AuditEntry
from casework.auth.scope import Scope
from casework.errors import CaseworkError
from casework.recognition import services
from casework.workflow import engine
from casework.workflow.approvers import read_approvers
from casework.workflow.deadlines import LOCAL_TZ
from tests.areas.conftest import ago, all_met, day_ago
from tests.clock import frozen_at

BEFORE, FROM = date(2025, 6, 30), date(2025, 7, 1)
GRANTS = {"city_authority": "C", "commune_chair": "W1", "province_authority": "C"}

CASES = [  # (area, approval day, role) -> approved | rule_failed
    ("G11", BEFORE, "city_authority", "approved"),
    ("G11", BEFORE, "commune_chair", "rule_failed"),
    ("G11", BEFORE, "province_authority", "rule_failed"),
    ("G11", FROM, "city_authority", "rule_failed"),
    ("G11", FROM, "commune_chair", "approved"),
    ("G11", FROM, "province_authority", "rule_failed"),
    ("W1", BEFORE, "city_authority", "approved"),
    ("W1", BEFORE, "commune_chair", "rule_failed"),
    ("W1", BEFORE, "province_authority", "rule_failed"),
    ("W1", FROM, "city_authority", "rule_failed"),
    ("W1", FROM, "commune_chair", "rule_failed"),
    ("W1", FROM, "province_authority", "approved"),
]


def _at(day: date) -> datetime:
    return datetime.combine(day, time(9), tzinfo=LOCAL_TZ)


@pytest.fixture
def endorsed(db, tree, ready_area, user):
    """endorsed("G11") → a request endorsed on 2025-06-26 (the clock stands at 2025-07-10)."""

    def make(code: str):
        ready_area(code)
        police = user("police", code)
        request = services.open_request(tree[code], police, effective_at=ago(20))
        engine.fire(request, "submit", police, data={"self_assessment": all_met()},
                    effective_at=ago(18))
        engine.fire(request, "evaluate", user("inspector", "C"), data={
            "inspection_date": day_ago(16).isoformat(), "minutes_no": "BB-1",
            "verdicts": all_met()})
        engine.fire(request, "endorse", user("steering_committee", "C"),
                    data={"meeting_date": day_ago(14).isoformat()})
        assert request.state == "endorsed"
        return request

    return make


@pytest.mark.parametrize(("code", "day", "role", "expected"), CASES,
                         ids=[f"{c[0]}-{c[1]}-{c[2]}" for c in CASES])
def test_the_approver_by_level_and_date(db, endorsed, user, code, day, role, expected):
    with frozen_at("2025-07-10T03:00:00Z", tick=True):
        request = endorsed(code)
        actor = user(role, GRANTS[role])
        data = {"decision_no": "QĐ-1", "decision_date": day.isoformat()}
        try:
            engine.fire(request, "approve", actor, data=data, effective_at=_at(day))
        except CaseworkError as exc:
            assert exc.code == expected, (exc.code, str(exc.message))
            assert exc.extra["rule"] == "approver_of_level_and_date"
            assert request.state == "endorsed" and request.area.state == "less_complex"
            assert day.strftime("%d/%m/%Y") in str(exc.message)
            return
        assert expected == "approved" and request.state == "approved"
        assert request.area.state == "drug_free"
        roles = db.session.scalars(sa.select(AuditEntry.role).where(
            AuditEntry.event.in_(("approve", "recognize")),
            AuditEntry.effective_at == _at(day).astimezone(UTC))).all()
        assert roles == [role, role]


def test_the_approver_may_also_return_or_reject_and_no_other(db, endorsed, user):
    with frozen_at("2025-07-10T03:00:00Z", tick=True):
        request = endorsed("G11")
        city = user("city_authority", "C")
        with pytest.raises(CaseworkError) as refused:
            engine.fire(request, "return", city, reason="Bổ sung", effective_at=_at(FROM))
        assert refused.value.code == "rule_failed"
        # Before the reform the city returns it; after, the ward's chair does.
        engine.fire(request, "return", city, reason="Bổ sung", effective_at=_at(BEFORE))
        assert request.state == "draft"


def test_the_inbox_and_the_awaiting_role_follow_the_level(db, endorsed, user):
    group, ward = endorsed("G11"), endorsed("W1")
    chair, province, city = (user("commune_chair", "W1"), user("province_authority", "C"),
                             user("city_authority", "C"))

    def inbox(who):
        return {r.id for r in services.list_requests(Scope.for_user(who), who,
                                                     awaiting_me=True)}

    # Today (after 2025-07-01): the chair approves the group, the province the ward.
    assert inbox(chair) == {group.id}
    assert inbox(province) == {ward.id}
    assert inbox(city) == set()
    assert services.awaiting_role(group) == "commune_chair"
    assert services.awaiting_role(ward) == "province_authority"
    assert [o.name for o in engine.available_events(group, city)] == []
    assert "approve" in [o.name for o in engine.available_events(group, chair)]


def test_the_village_approver_is_marked_unverified():
    table = services.approvers()
    village = table.approver("village", FROM)
    assert village.role == "commune_chair" and village.verified is False and village.source
    assert table.approver("ward", FROM).role == "province_authority"
    assert table.approver("ward", FROM).verified is True
    assert table.approver("residential_group", BEFORE).role == "city_authority"


def _problems(value) -> list[str]:
    found: list[str] = []
    read_approvers(value, found.append)
    return found


GOOD = {"levels": {"village": ["village"], "commune": ["ward"]},
        "periods": [{"from": date(2022, 1, 1), "basis": "KH", "village": "city_authority",
                     "commune": "city_authority"}]}


@pytest.mark.parametrize(("change", "message"), [
    (lambda t: t.pop("levels"), "exactly `levels` and `periods`"),
    (lambda t: t.update(periods=[]), "non-empty list"),
    (lambda t: t["periods"][0].pop("commune"), "no role for level 'commune'"),
    (lambda t: t["periods"][0].pop("basis"), "`basis`"),
    (lambda t: t["periods"][0].update(village={"role": "commune_chair", "verified": False}),
     "needs its `source`"),
    (lambda t: t["levels"].update(commune=["village"]), "is at two levels"),
    (lambda t: t["periods"].append(dict(t["periods"][0])), "date order"),
])
def test_a_bad_approver_table_is_refused(change, message):
    import copy

    table = copy.deepcopy(GOOD)
    assert _problems(table) == []
    change(table)
    problems = _problems(table)
    assert problems and message in problems[0], problems


def test_the_dashboard_names_the_approver_of_its_day(db, tree):
    from casework.areas.services import dashboard
    from casework.auth.roles import role_label

    def endorsed_row(day):
        rows = dashboard(tree["C"], day)["requests_by_state"]
        return next(r["waiting_for"] for r in rows if r["state"] == "endorsed")

    city = role_label("city_authority")
    assert endorsed_row(BEFORE) == f"{city} (bản, thôn, tổ dân phố); {city} (phường, xã, đặc khu)"
    after = endorsed_row(FROM)
    assert role_label("commune_chair") in after and role_label("province_authority") in after
    assert role_label("city_authority") not in after
