"""One shared ``transitions`` machine per workflow version: it selects the transition of an
event through the rules, moves ``state`` and runs the effects.

Built with ``model=None``: records are never added to a machine (that would reset their state
and cost memory per row). The engine fires ``machine.events[event].trigger(record, data=...,
context=..., role=...)``; for the record's state the machine tries the event's transitions in
the order of the YAML:

- ``prepare``: the context learns which transition is being judged (rules may read it);
- ``conditions`` / ``unless``: the registered rules, called with no side effects; the first
  transition whose rules pass is taken, and ``trigger`` returns False when none does;
- ``before``: the reason, if the transition requires one, and the role acted in;
- the state moves (not for an internal transition, whose ``dest`` is None);
- ``after``: the transition's effects, in order.

A record that does not exist yet has no state for the machine to read: ``open_record`` uses
the same rules and effects through ``checks.select`` and ``checks.run_effect``.
"""

from __future__ import annotations

from transitions import Machine

from casework.workflow import checks
from casework.workflow.definitions import TransitionDef, WorkflowDef
from casework.workflow.registry import Registry


def _judging(transition: TransitionDef):
    def prepare(event_data) -> None:
        event_data.kwargs["context"].transition = transition

    return prepare


def _rule(registry: Registry, name: str):
    def condition(event_data) -> bool:
        kwargs = event_data.kwargs
        return checks.rule_outcome(registry, name, event_data.model, kwargs["data"],
                                   kwargs["context"])[0]

    return condition


def _taking(transition: TransitionDef):
    def before(event_data) -> None:
        context = event_data.kwargs["context"]
        checks.require_reason(transition, context.reason)
        context.role = event_data.kwargs["role"]

    return before


def _effect(registry: Registry, name: str):
    def after(event_data) -> None:
        kwargs = event_data.kwargs
        checks.run_effect(registry, name, event_data.model, kwargs["data"], kwargs["context"])

    return after


def build_machine(definition: WorkflowDef, registry: Registry) -> Machine:
    """One machine for one workflow version, shared by every record that runs under it."""
    machine = Machine(
        model=None,
        states=list(definition.states),
        initial=definition.initial,
        auto_transitions=False,
        model_attribute="state",
        send_event=True,
        name=f"{definition.name}.v{definition.version}",
    )
    for t in definition.transitions:
        if t.creates:
            continue  # a new record has no state yet: open_record sets the first one
        machine.add_transition(
            trigger=t.event,
            source=list(t.sources),
            dest=t.dest,  # None: an internal transition
            prepare=[_judging(t)],
            conditions=[_rule(registry, name) for name in t.conditions],
            unless=[_rule(registry, name) for name in t.unless],
            before=[_taking(t)],
            after=[_effect(registry, name) for name in t.effects],
        )
    return machine
