"""Every (state, event, role) of the person workflow's version 2 (Law 120/2025, WORKFLOWS.md
§7) → allowed, `not_permitted` or `invalid_event`.

As for version 1 (test_permission_table.py), the expectations are written out from the
contract, independently of `workflows/person.v2.yaml`. Version 2 gives the rehab events to
`police` alone, lets the police decide on management beside the chair, adds the receiving
police's `acknowledge_transfer` and the four electronic-monitoring events.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from casework.audit.models import AuditEntry
from casework.auth.roles import ROLES
from casework.errors import CaseworkError
from casework.workflow import engine
from tests.people.test_permission_table import CLOSED_STATES, OPEN_STATES, REHAB
from tests.workflow import paths

pytestmark = pytest.mark.usefixtures("law120")

MONITORED = ("rehab_community", "methadone", "post_rehab")
CONTRACT: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "record_test": (("suspected", "managed_user", "post_rehab", "methadone", *REHAB),
                    ("health",)),
    "decide_management": (("positive", "managed_user"), ("police", "commune_chair")),
    "check_residence": (("managed_user", "post_rehab"), ("police",)),
    "request_assessment": (("suspected", "positive", "managed_user", "post_rehab"),
                           ("police",)),
    "record_assessment": (("assessment",), ("health",)),
    "register_voluntary_rehab": (("addict", "relapsed"), ("police",)),
    "start_methadone": (("addict", "relapsed", "managed_user"), ("health",)),
    "complete_rehab": (REHAB, ("police",)),
    "abandon_rehab": (REHAB, ("police",)),
    "stop_methadone": (("methadone",), ("health",)),
    "open_compulsory_dossier": (("addict", "relapsed", *REHAB), ("police",)),
    "record_court_decision": (("compulsory_dossier",), ("police",)),
    "release": (("compulsory_rehab",), ("police",)),
    "complete_post_rehab": (("post_rehab",), ("commune_chair",)),
    "end_management": (("managed_user",), ("commune_chair",)),
    "transfer": (OPEN_STATES, ("police",)),
    "acknowledge_transfer": (OPEN_STATES, ("police",)),
    "order_monitoring": (MONITORED, ("police",)),
    "fit_device": (MONITORED, ("police",)),
    "remove_device": (MONITORED, ("police",)),
    "end_monitoring": (MONITORED, ("police",)),
    "exit": (OPEN_STATES, ("police",)),
    "reopen": (CLOSED_STATES, ("police",)),
}


def v2_path(state: str) -> list[tuple]:
    """Version 1's path to ``state`` (tests/workflow/paths.py), with version 2's actors and
    terms: the police run rehab and courts, and a first voluntary rehab is planned for 24
    months."""
    out = []
    for event, role, key, reason, wait in paths.PERSON_PATHS[state]:
        if event in ("register_voluntary_rehab", "record_court_decision"):
            role = "police"
        if key in ("rehab_community", "rehab_facility"):
            key = key + "_v2"
        out.append((event, role, key, reason, wait))
    return out


@pytest.fixture
def reach_v2(open_record, actor, monkeypatch):
    for key in ("rehab_community", "rehab_facility"):
        monkeypatch.setitem(paths.DATA, key + "_v2", {**paths.DATA[key], "planned_months": 24})

    def make(state: str):
        start = datetime.now(UTC) - timedelta(days=1500)
        driver = paths.Driver(actor, start)
        record = open_record("person", at=start, by=driver.user("police"))
        driver.walk(record, v2_path(state))
        assert record.state == state and record.workflow_version == 2
        return record

    return make


def expected(state: str, event: str, role: str) -> str:
    sources, roles = CONTRACT[event]
    if role not in roles:
        return "not_permitted"
    if state not in sources:
        return "invalid_event"
    return "allowed"


def test_the_contract_covers_every_event_of_version_2(app):
    from casework.workflow.catalog import get_catalog

    with app.app_context():
        definition = get_catalog().get("person", 2)
        v1 = get_catalog().get("person", 1)
    assert set(definition.events) - {"open"} == set(CONTRACT)
    # Every state and event of version 1 is kept, with the same codes.
    assert set(v1.states) == set(definition.states)
    assert set(v1.events) <= set(definition.events)
    assert {s for s, d in v1.states.items() if d.closed} == set(CLOSED_STATES)
    assert {s for s, d in definition.states.items() if d.closed} == set(CLOSED_STATES)


@pytest.mark.parametrize("state", OPEN_STATES + CLOSED_STATES)
def test_every_event_and_role_from(state, reach_v2, actor, db):
    person = reach_v2(state)
    actors = {role: actor(role, "W1") for role in ROLES}
    entries = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))
    mismatches = []
    for event in CONTRACT:
        for role in ROLES:
            want = expected(state, event, role)
            try:
                with db.session.begin_nested() as savepoint:
                    engine.fire(person, event, actors[role], data={}, version=person.version)
                    savepoint.rollback()
                    got = "changed"
            except CaseworkError as exc:
                got = exc.code
            judged = ("validation_error", "rule_failed") if want == "allowed" else (want,)
            if got not in judged:
                mismatches.append((event, role, want, got))
    assert mismatches == []
    assert person.state == state
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == entries
