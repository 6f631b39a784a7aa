"""The shared ``transitions`` machine does the engine's selecting and moving: its conditions
are the registered rules, its callbacks the reason check and the effects."""

from __future__ import annotations

from datetime import timedelta

import pytest

from casework.errors import CaseworkError
from casework.workflow import engine
from tests.workflow.paths import DATA, fill


def _context(record, event, role, when):
    return engine.RuleContext(record=record, definition=engine.definition_of(record),
                              event=event, actor=None, roles=frozenset({role}),
                              effective_at=when, from_state=record.state)


def test_every_transition_of_a_machine_carries_its_rules_and_effects(app):
    catalog = engine.get_catalog()
    checked = 0
    for definition in catalog.all():
        machine = catalog.machine(definition)
        for t in definition.transitions:
            if t.creates:
                continue
            for source in t.sources:
                built = machine.events[t.event].transitions[source]
                same = [b for b in built if b.dest == t.dest
                        and len(b.conditions) == len(t.conditions) + len(t.unless)
                        and len(b.after) == len(t.effects)]
                assert same, (definition.key, t.event, source)
                checked += 1
    assert checked > 50  # every workflow was looked at


def test_a_failing_rule_makes_the_machine_refuse_and_leave_the_state(reach):
    record, driver = reach("person", "managed_user", since=10)  # the 12-month term has not run
    when = driver.clock + timedelta(days=1)
    data = fill(DATA["end_management"], when)
    machine = engine.get_catalog().machine(engine.definition_of(record))
    context = _context(record, "end_management", "commune_chair", when)
    assert machine.events["end_management"].trigger(
        record, data=data, context=context, role="commune_chair") is False
    assert record.state == "managed_user" and context.role is None  # nothing was taken
    # fire() says which rule refused, from the same rules judged again.
    with pytest.raises(CaseworkError) as caught:
        driver.fire(record, "end_management", "commune_chair", "end_management")
    refused = caught.value.to_dict()
    assert refused["code"] == "rule_failed" and refused["rule"] == "state_term_elapsed"


def test_passing_rules_let_the_machine_move_the_state(reach):
    record, driver = reach("person", "managed_user")
    when = driver.clock + timedelta(days=370)  # the 12-month term has run
    machine = engine.get_catalog().machine(engine.definition_of(record))
    context = _context(record, "end_management", "commune_chair", when)
    assert machine.events["end_management"].trigger(
        record, data=fill(DATA["end_management"], when), context=context,
        role="commune_chair") is True
    assert record.state == "management_ended"
    assert context.transition.dest == "management_ended" and context.role == "commune_chair"
