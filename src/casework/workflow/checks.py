"""The checks of an event, each a function of its own: the actor's access, the event's data,
the reason, and the rules; and the running of its effects.

Rules have no side effects: the machine's conditions call them when an event fires, and
``available_events`` calls them to decide which buttons a page shows.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _
from marshmallow import ValidationError

from casework.auth.scope import Scope
from casework.errors import InvalidEvent, NotPermitted, RuleFailed, ValidationFailed
from casework.validation import no_control_characters
from casework.workflow.context import RuleContext, running
from casework.workflow.definitions import TransitionDef, WorkflowDef
from casework.workflow.registry import Registry

REASON_MAX = 2000


def event_label(definition: WorkflowDef, event: str) -> str:
    label = definition.events.get(event)
    return str(label) if label is not None else event


def check_access(definition: WorkflowDef, event: str, scope: Scope, candidates,
                 unit) -> tuple[frozenset[str], str]:
    """Role, then scope (the actor's, ``Scope.for_user``, built once per event). Returns the
    actor's roles over the unit and the role acted in."""
    if event not in definition.events:
        raise InvalidEvent(_("The action “%(event)s” does not exist in this workflow.",
                             event=event))
    allowed = ({r for t in candidates for r in t.roles} if candidates
               else definition.event_roles(event))
    ordered = [r for t in (candidates or definition.transitions) if t.event == event
               for r in t.roles]
    if not scope.roles & allowed:
        raise NotPermitted(_("Your role may not do “%(event)s”.",
                             event=event_label(definition, event)))
    # The roles over the unit on some day; the event's own date is checked once it is known
    # (``check_date_scope``): a unit that ended takes no event dated after its last day.
    held = frozenset(scope.roles_ever(unit.path))
    usable = held & allowed
    if not usable:
        raise NotPermitted(_("This record is outside the area where you may do “%(event)s”.",
                             event=event_label(definition, event)))
    role = next(r for r in ordered if r in usable)
    return held, role


def check_date_scope(definition: WorkflowDef, event: str, scope: Scope, unit, role: str,
                     day: date) -> None:
    """The actor's role reaches the unit on the event's date (WORKFLOWS.md §6)."""
    if role not in scope.roles_at(unit.path, day):
        raise NotPermitted(_("On that date this record is outside the area where you may do "
                             "“%(event)s”.", event=event_label(definition, event)))


def load_data(transition: TransitionDef, data: dict | None) -> tuple[dict, dict]:
    """Validate the event's data. Returns (loaded values for rules, JSON for the audit log)."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ValidationFailed(errors={"data": [_("The data must be an object.")]})
    try:
        loaded = transition.schema.load(data)
    except ValidationError as exc:
        raise ValidationFailed(errors=exc.messages) from None
    return loaded, transition.schema.dump(loaded)


def clean_reason(reason: str | None) -> str | None:
    reason = (reason or "").strip() or None
    if reason is None:
        return None
    if len(reason) > REASON_MAX:
        raise ValidationFailed(errors={"reason": [
            _("Use at most %(n)d characters.", n=REASON_MAX)]})
    try:
        no_control_characters(reason)
    except ValidationError as exc:
        raise ValidationFailed(errors={"reason": exc.messages}) from None
    return reason


def require_reason(transition: TransitionDef, reason: str | None) -> None:
    if transition.reason_required and not reason:
        raise ValidationFailed(errors={"reason": [_("A reason is required for this action.")]})


# --- rules ------------------------------------------------------------------------------------


def rule_outcome(registry: Registry, name: str, record, data: dict,
                 context: RuleContext) -> tuple[bool, Any]:
    """Whether rule ``name`` passes, and its message when it does not."""
    info = registry.rules[name]
    result = info.func(record, data, context)
    if result is True:
        return True, None
    if result is False or result is None:  # a sentence around the rule's description
        return False, _("This action is possible only when %(condition)s.",
                         condition=info.description)
    return False, result  # the rule's own message


def evaluate(registry: Registry, transition: TransitionDef, record, data: dict,
             context: RuleContext, data_rules: bool = True) -> tuple[bool, list[tuple[str, Any]]]:
    """Whether ``transition`` may fire; the failing rule's message when it may not.

    A failing condition gives the rule's message. A passing ``unless`` rule only means that
    another branch of the event applies; its message is kept apart so that a real rule failure
    is reported first. Without ``data_rules``, the rules that read the event's data are not
    judged (``available_events``: the form is not filled in yet).
    """
    context.transition = transition
    for name in transition.conditions:
        if not data_rules and registry.rules[name].uses_data:
            continue
        passed, message = rule_outcome(registry, name, record, data, context)
        if not passed:
            return False, [(name, message)]
    for name in transition.unless:
        if not data_rules and registry.rules[name].uses_data:
            continue
        passed, _message = rule_outcome(registry, name, record, data, context)
        if passed:
            description = registry.rules[name].description
            return False, [(name, _("This action does not apply when %(condition)s.",
                                    condition=description))]
    return True, []


def select(registry: Registry, candidates: list[TransitionDef], record, data: dict,
           context: RuleContext) -> TransitionDef:
    """The first transition whose rules pass, or RuleFailed with the reason."""
    unless_failures: list[tuple[str, Any]] = []
    condition_failures: list[tuple[str, Any]] = []
    for transition in candidates:
        ok, failures = evaluate(registry, transition, record, data, context)
        if ok:
            return transition
        name, message = failures[-1]
        if name in transition.unless:
            unless_failures.append((name, message))
        else:
            condition_failures.append((name, message))
    name, message = (condition_failures or unless_failures)[0]
    # The message says which rule and why, once; the rule's code is for programs only.
    raise RuleFailed(str(message), rule=name)


# --- effects ----------------------------------------------------------------------------------


def run_effect(registry: Registry, name: str, record, data: dict, context: RuleContext) -> None:
    """Run one effect as caused by ``context`` (an event it fires records that cause)."""
    token = running.set(context)
    try:
        registry.effects[name].func(record, data, context)
    finally:
        running.reset(token)


def jsonable(values: dict) -> dict:
    return {k: v.isoformat() if isinstance(v, date | datetime) else v for k, v in values.items()}
