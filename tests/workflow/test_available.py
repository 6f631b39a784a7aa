"""available_events(): exactly the events whose role, scope and record rules pass now."""

from __future__ import annotations

import pytest

from casework.errors import CaseworkError
from casework.workflow import available_events, fire
from tests.workflow.paths import DATA, fill


def _names(record, user):
    return [o.name for o in available_events(record, user)]


def test_events_follow_role_and_scope(reach, actor):
    record, driver = reach("person", "suspected")
    assert _names(record, driver.user("health")) == ["record_test"]
    assert _names(record, driver.user("police")) == ["request_assessment", "transfer", "exit"]
    assert _names(record, actor("commune_chair")) == []
    assert _names(record, actor("health", "W2")) == []  # outside the user's area
    assert _names(record, actor("viewer", "C")) == []


def test_rules_on_the_record_hide_events(reach):
    record, driver = reach("person", "managed_user", since=10)
    chair = driver.user("commune_chair")
    # The 12-month term has not run: end_management is not offered...
    assert "end_management" not in _names(record, chair)
    # ...and firing it fails on exactly that rule.
    with pytest.raises(CaseworkError) as caught:
        driver.fire(record, "end_management", "commune_chair", "end_management")
    assert caught.value.code == "rule_failed"
    # A record whose term has run offers it.
    old, _ = reach("person", "managed_user", unit="G12")
    assert "end_management" in _names(old, chair)


def test_a_branching_event_is_offered_when_a_branch_may_pass(reach):
    record, driver = reach("person", "rehab_community")
    options = {o.name: o for o in available_events(record, driver.user("police"))}
    assert options["abandon_rehab"].reason_required is True
    assert len(options["abandon_rehab"].transitions) == 1  # the adult branch only


def test_what_is_offered_is_what_fires(reach):
    """Every offered event fires with valid data; an event not offered is refused."""
    record, driver = reach("person", "assessment")
    health = driver.user("health")
    assert _names(record, health) == ["record_assessment"]
    fire(record, "record_assessment", health, data=fill(DATA["not_addicted"], driver.clock))
    assert record.state == "managed_user"
    assert "record_assessment" not in _names(record, health)


def test_options_describe_their_data(reach):
    record, driver = reach("person", "positive")
    [option] = available_events(record, driver.user("commune_chair"))
    assert option.name == "decide_management"
    assert [f.name for f in option.fields] == ["decision_no", "decision_date"]
    assert str(option.label) in ("Quyết định quản lý", "Decide on management")
