"""Every (state, event, role) of the person workflow → allowed, `not_permitted` or
`invalid_event`.

The expectations are written out here from WORKFLOWS.md §1, independently of
`workflows/person.yaml`, so that the definition is checked against the contract. "Allowed"
means the engine let the role act from that state: it then judged the (deliberately empty)
data or the rules, so the answer is `validation_error` or `rule_failed`, never a change.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from casework.audit.models import AuditEntry
from casework.auth.roles import ROLES
from casework.errors import CaseworkError
from casework.workflow import engine

# Version 1 (Law 73/2021) rules, with dates relative to today: version 2 judges events
# dated from 2026-07-01 (test_law120.py, test_permission_table_v2.py).
pytestmark = pytest.mark.usefixtures("law73")

OPEN_STATES = ("suspected", "positive", "managed_user", "assessment", "addict", "relapsed",
               "rehab_community", "rehab_facility", "methadone", "compulsory_dossier",
               "compulsory_rehab", "post_rehab")
CLOSED_STATES = ("cleared", "reintegrated", "management_ended", "exited")

# WORKFLOWS.md §1 as §8 corrects it: event → (states it may start from, roles that may fire
# it). §8: the police run rehab since 2025-03-01, so in version 1 they may fire every rehab
# event beside social_affairs; decide_management also follows a "not addicted" assessment
# (from managed_user); a dossier may be opened from voluntary rehab (used_during_voluntary,
# quit_voluntary), never while on methadone.
REHAB = ("rehab_community", "rehab_facility")
CONTRACT: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "record_test": (("suspected", "managed_user", "post_rehab", "methadone", *REHAB),
                    ("health",)),
    "decide_management": (("positive", "managed_user"), ("commune_chair",)),
    "check_residence": (("managed_user", "post_rehab"), ("police",)),
    "request_assessment": (("suspected", "positive", "managed_user", "post_rehab"),
                           ("police",)),
    "record_assessment": (("assessment",), ("health",)),
    "register_voluntary_rehab": (("addict", "relapsed"),
                                 ("social_affairs", "commune_chair", "police")),
    "start_methadone": (("addict", "relapsed", "managed_user"), ("health",)),
    "complete_rehab": (REHAB, ("social_affairs", "police")),
    "abandon_rehab": (REHAB, ("social_affairs", "police")),
    "stop_methadone": (("methadone",), ("health",)),
    "open_compulsory_dossier": (("addict", "relapsed", *REHAB), ("police",)),
    "record_court_decision": (("compulsory_dossier",), ("social_affairs", "police")),
    "release": (("compulsory_rehab",), ("social_affairs", "police")),
    "complete_post_rehab": (("post_rehab",), ("commune_chair",)),
    "end_management": (("managed_user",), ("commune_chair",)),
    "transfer": (OPEN_STATES, ("police",)),
    "exit": (OPEN_STATES, ("police",)),
    "reopen": (CLOSED_STATES, ("police",)),
}


def expected(state: str, event: str, role: str) -> str:
    sources, roles = CONTRACT[event]
    if role not in roles:
        return "not_permitted"  # the role is checked before the state
    if state not in sources:
        return "invalid_event"
    return "allowed"


def test_the_contract_covers_every_event_of_the_definition(app):
    from casework.workflow.catalog import get_catalog

    with app.app_context():
        events = set(get_catalog().get("person", 1).events) - {"open"}
    assert events == set(CONTRACT)


@pytest.mark.parametrize("state", OPEN_STATES + CLOSED_STATES)
def test_every_event_and_role_from(state, reach, actor, db):
    person, _driver = reach("person", state)
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
