"""Every check of a definition that needs the registry or the whole graph: names, roles,
reachability, ambiguity, deadlines, and the versions of one workflow one after the other."""

from __future__ import annotations

from collections import deque

from marshmallow import fields as ma_fields

from casework.workflow.definitions import (
    NEW,
    DataSpec,
    Problem,
    TransitionDef,
    WorkflowDef,
)

# --- meaning: names, reachability, ambiguity --------------------------------------------------


def check_definition(definition: WorkflowDef, registry, roles: set[str]) -> list[Problem]:
    """Every check that needs the registry or the whole graph. Returns the problems."""
    problems: list[Problem] = []
    path = definition.path

    def problem(line, message):
        problems.append(Problem(path, line, message))

    approvers = definition.meta.get("approvers")
    for state, role in definition.meta.get("awaiting", {}).items():
        if role not in roles and not (role == "approver" and approvers is not None):
            problem(None, f"meta 'awaiting': unknown role {role!r} for state {state!r}")
    for role in sorted(approvers.roles() if approvers is not None else ()):
        if role not in roles:
            problem(None, f"meta 'approvers': unknown role {role!r}")

    # Names: roles, rules, effects, schemas, events.
    for t in definition.transitions:
        for role in t.roles:
            if role not in roles:
                problem(t.line, f"transition {t.event!r}: unknown role {role!r}")
        for rule in t.rules:
            if rule not in registry.rules:
                problem(t.line, f"transition {t.event!r}: unknown rule {rule!r} (no feature "
                                "registers it)")
        for effect in t.effects:
            if effect not in registry.effects:
                problem(t.line, f"transition {t.event!r}: unknown effect {effect!r}")
        if t.data.schema_name and t.data.schema_name not in registry.schemas:
            problem(t.line, f"transition {t.event!r}: unknown data schema {t.data.schema_name!r}")
        if t.event not in definition.events:
            problem(t.line, f"event {t.event!r} has no labels under `events`")
    used = {t.event for t in definition.transitions}
    for event in definition.events:
        if event not in used:
            problem(None, f"event {event!r} is declared but no transition uses it")

    # Principal dates (WORKFLOWS.md §8): a date field of every transition of the event; an
    # event whose data holds dates names one.
    for event in definition.events:
        principal = definition.event_dates.get(event)
        for t in (t for t in definition.transitions if t.event == event):
            dated = data_date_fields(t.data, registry)
            if principal is not None and principal not in dated:
                problem(t.line, f"event {event!r}: its date {principal!r} is not a date field "
                                f"of its data" + (f" (date fields: {', '.join(dated)})"
                                                  if dated else " (it has no date field)"))
            elif principal is None and dated:
                problem(t.line, f"event {event!r} takes the date field(s) {', '.join(dated)} "
                                "but names none as its date: add `date: <field>` beside its "
                                "labels under `events`")
                break

    # Creation.
    creators = definition.creation_transitions
    if not creators:
        problem(None, f"no transition creates a record (source: {NEW!r})")
    for t in creators:
        if t.dest != definition.initial:
            problem(t.line, f"transition {t.event!r} creates records in {t.dest!r}, "
                            f"but the initial state is {definition.initial!r}")

    # Reachability from the initial state.
    reached = {definition.initial}
    queue = deque([definition.initial])
    while queue:
        state = queue.popleft()
        for t in definition.transitions:
            if state in t.sources and t.dest is not None and t.dest not in reached:
                reached.add(t.dest)
                queue.append(t.dest)
    for name, state in definition.states.items():
        if name not in reached:
            problem(state.line, f"state {name!r} cannot be reached from {definition.initial!r}")

    # Every open state needs a way out.
    for name, state in definition.states.items():
        if state.closed:
            continue
        if not any(name in t.sources and t.dest not in (None, name)
                   for t in definition.transitions):
            problem(state.line, f"open state {name!r} has no way out (mark it closed: true, "
                                "or add a transition from it)")

    # Transitions of one event from one state: consistent, and never two that could both fire.
    groups: dict[tuple[str, str], list[TransitionDef]] = {}
    for t in definition.transitions:
        for source in t.sources:
            groups.setdefault((source, t.event), []).append(t)
    for (source, event), ts in groups.items():
        for i, a in enumerate(ts):
            for b in ts[i + 1:]:
                if not (set(a.conditions) & set(b.unless) or set(a.unless) & set(b.conditions)):
                    problem(b.line, f"event {event!r} from state {source!r}: the transitions at "
                                    f"lines {a.line} and {b.line} could both fire; give one a "
                                    "condition and the other the same rule under `unless`")
                if set(a.roles) != set(b.roles):
                    problem(b.line, f"event {event!r} from state {source!r}: the transitions at "
                                    f"lines {a.line} and {b.line} must name the same roles")
                if a.data != b.data:
                    problem(b.line, f"event {event!r} from state {source!r}: the transitions at "
                                    f"lines {a.line} and {b.line} must take the same data")

    # Deadlines that read the entering event's data need that data to exist; a case that
    # applies to some entering events only needs them to enter the state.
    for name, state in definition.states.items():
        entering_all = definition.entering(name) + [
            t for t in definition.creation_transitions if t.dest == name
        ] + [t for t in definition.transitions if t.dest == name and name in t.sources]
        for deadline in state.deadlines:
            entering = entering_all
            if deadline.entered_by:
                entering = [t for t in entering_all if t.event in deadline.entered_by]
                for event in deadline.entered_by:
                    if not any(t.event == event for t in entering_all):
                        problem(state.line, f"the deadline of state {name!r} applies when "
                                            f"{event!r} enters it, which it never does")
            wanted = list(deadline.from_fields) + [field for field, _ in deadline.when]
            if isinstance(deadline.amount, str):
                wanted.append(deadline.amount)
            for field_name in wanted:
                if not any(field_name in data_field_names(t.data, registry)
                           or field_name in _derived_fields(t, registry) for t in entering):
                    problem(state.line, f"the deadline of state {name!r} reads field "
                                        f"{field_name!r}, which no event entering it takes")
    return problems


def _derived_fields(transition: TransitionDef, registry) -> set[str]:
    """The data fields the transition's effects add to its event."""
    names: set[str] = set()
    for effect_name in transition.effects:
        info = registry.effects.get(effect_name)
        if info is not None:
            names.update(info.derives)
    return names


def data_date_fields(spec: DataSpec, registry) -> list[str]:
    """The names of the date fields of an event's data, in their order."""
    if spec.schema_name:
        schema_cls = registry.schemas.get(spec.schema_name)
        if schema_cls is None:
            return []
        return [name for name, f in schema_cls().fields.items()
                if isinstance(f, ma_fields.Date)]
    return [f.name for f in spec.fields if f.type == "date"]


def data_field_names(spec: DataSpec, registry) -> set[str]:
    if spec.schema_name:
        schema_cls = registry.schemas.get(spec.schema_name)
        if schema_cls is None:
            return set()
        return set(schema_cls().fields)
    return {f.name for f in spec.fields}


def check_versions(definitions: list[WorkflowDef]) -> list[Problem]:
    """Versions of one workflow: unique, and in force one after the other."""
    problems = []
    by_name: dict[str, list[WorkflowDef]] = {}
    for d in definitions:
        by_name.setdefault(d.name, []).append(d)
    for name, defs in by_name.items():
        seen: dict[int, WorkflowDef] = {}
        for d in defs:
            if d.version in seen:
                problems.append(Problem(d.path, None, f"workflow {name!r} version {d.version} is "
                                                      f"also defined in {seen[d.version].path}"))
            seen[d.version] = d
        ordered = sorted(seen.values(), key=lambda d: d.version)
        for older, newer in zip(ordered, ordered[1:], strict=False):
            if newer.effective_from == older.effective_from:
                problems.append(Problem(newer.path, None, f"versions {older.version} and "
                                        f"{newer.version} of {name!r} take effect on the same "
                                        f"day ({newer.effective_from}): which law applies "
                                        "that day would be undecided"))
            elif newer.effective_from < older.effective_from:
                problems.append(Problem(newer.path, None, f"version {newer.version} of {name!r} "
                                        "must take effect after version "
                                        f"{older.version} ({older.effective_from})"))
            problems.extend(_check_continuity(older, newer))
    return problems


def _check_continuity(older: WorkflowDef, newer: WorkflowDef) -> list[Problem]:
    """A new version keeps every open state of the previous one, or maps it to one of its
    own (``from_previous``): a record open under the old law goes on under the new one."""
    problems = []
    for state in older.open_states:
        if state in newer.states:
            if newer.states[state].closed:
                problems.append(Problem(newer.path, newer.states[state].line,
                                        f"state {state!r} is open in version {older.version} "
                                        f"but closed in version {newer.version}: a record in "
                                        "it could never move again"))
        elif state not in newer.from_previous:
            problems.append(Problem(newer.path, None, f"version {newer.version} of "
                                    f"{newer.name!r} lacks the open state {state!r} of version "
                                    f"{older.version}: keep it, or map it under from_previous"))
    for state in newer.from_previous:
        if state not in older.states:
            problems.append(Problem(newer.path, None, f"from_previous maps {state!r}, which is "
                                    f"not a state of version {older.version}"))
    return problems
