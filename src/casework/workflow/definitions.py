"""Workflow definitions: the YAML format, its loader and every check on it.

A file states one version of one workflow::

    name: person
    version: 1
    effective_from: 2022-01-01
    title: {vi: ..., en: ...}
    initial: suspected
    states:
      suspected:
        vi: ...
        en: ...
        closed: false                 # optional
        deadline:                     # optional
          days: 10                    # or working_days: N, or months: N; N may name a data field
          from: [decision_date]       # optional: date fields of the entering event's data
          warn_days: 15               # optional
          label: {vi: ..., en: ...}
        # or a list of cases, the first that applies wins; every case but the last says when
        # it applies, by the event that entered the state and/or values of that event's data
        # (its derived data included), and may name its kind:
        #   - {kind: remote, when: {remote_commune: true}, working_days: 16, label: ...}
        #   - {kind: new_decision, entered_by: [record_assessment], working_days: 3, ...}
        #   - {working_days: 9, label: ...}
    events:
      record_test: {vi: ..., en: ..., date: test_date}   # date: the event's principal date
    transitions:
      - event: record_test
        source: suspected             # a state, a list of states, "any open", or "new"
        dest: positive                # or `internal: true`
        roles: [health]
        conditions: [test_positive]   # registered rules that must pass
        unless: []                    # registered rules that must not pass
        data:                         # inline fields, or the name of a registered schema
          test_date: date
          result: {type: choice, choices: [positive, negative]}
        reason_required: false
        effects: []                   # registered effects, run after the state moves

Problems are collected, never raised one by one, so a single run reports all of them, each
with the file, the line where there is one, and what is wrong.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from marshmallow import fields as ma_fields

from casework.workflow.labels import Label

NEW = "new"  # the pseudo-state of a record that does not exist yet
ANY_OPEN = "any open"
# Engine events that the definitions may not use as names.
RESERVED_EVENTS = frozenset({"migrate_version", "imported"})
DEADLINE_UNITS = ("days", "working_days", "months")
FIELD_TYPES = ("string", "text", "int", "bool", "date", "choice", "list")

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


# --- problems ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}"


class DefinitionError(Exception):
    """The workflow definitions are not valid; the app must not start with them."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        lines = "\n".join(f"  {p}" for p in self.problems)
        count = len(self.problems)
        super().__init__(f"invalid workflow definitions ({count} problem(s)):\n{lines}")


# --- the parsed form --------------------------------------------------------------------------


@dataclass(frozen=True)
class Deadline:
    unit: str  # days | working_days | months
    amount: int | str  # a number, or the name of an int field of the entering event's data
    from_fields: tuple[str, ...]  # date fields of the entering event; else the time of entering
    label: Label
    warn_days: int | None = None
    # A state's deadline may depend on how the state was entered: the case applies when the
    # entering event is one of ``entered_by`` (if given) and its data has every value of
    # ``when`` (if given). ``kind`` names the case (default: the state's name).
    kind: str | None = None
    entered_by: tuple[str, ...] = ()
    when: tuple[tuple[str, Any], ...] = ()

    @property
    def conditional(self) -> bool:
        return bool(self.entered_by or self.when)

    def applies(self, event: str | None, data: dict) -> bool:
        """Whether this case applies to a state entered by ``event`` with ``data``."""
        if self.entered_by and event not in self.entered_by:
            return False
        return all(data.get(name) == value for name, value in self.when)


@dataclass(frozen=True)
class StateDef:
    name: str
    label: Label
    closed: bool = False
    # The cases of the state's deadline, the first that applies wins; the last is the default.
    deadlines: tuple[Deadline, ...] = ()
    line: int | None = None

    @property
    def deadline(self) -> Deadline | None:
        """The default deadline (the one that applies when no other case does)."""
        return self.deadlines[-1] if self.deadlines else None

    def deadline_for(self, event: str | None, data: dict) -> Deadline | None:
        """The deadline of the state when entered by ``event`` with ``data``."""
        return next((d for d in self.deadlines if d.applies(event, data)), None)


@dataclass(frozen=True)
class FieldSpec:
    name: str
    type: str
    required: bool = True
    choices: tuple[str, ...] | None = None
    min: int | None = None
    max: int | None = None

    def as_dict(self) -> dict:
        out: dict[str, Any] = {"name": self.name, "type": self.type, "required": self.required}
        if self.choices is not None:
            out["choices"] = list(self.choices)
        if self.min is not None:
            out["min"] = self.min
        if self.max is not None:
            out["max"] = self.max
        return out


@dataclass(frozen=True)
class DataSpec:
    """Either the name of a registered schema or inline fields (or nothing: no data)."""

    schema_name: str | None = None
    fields: tuple[FieldSpec, ...] = ()

    @property
    def is_empty(self) -> bool:
        return self.schema_name is None and not self.fields


@dataclass(eq=False)
class TransitionDef:
    event: str
    sources: tuple[str, ...]  # concrete states, after "any open" is expanded
    dest: str | None  # None: internal (the state stays, the event is still logged)
    roles: tuple[str, ...]
    conditions: tuple[str, ...] = ()
    unless: tuple[str, ...] = ()
    data: DataSpec = field(default_factory=DataSpec)
    reason_required: bool = False
    effects: tuple[str, ...] = ()
    any_open: bool = False  # written as "any open"
    line: int | None = None
    # Set when the catalog is built: the marshmallow schema instance for ``data``.
    schema: Any = field(default=None, repr=False)

    @property
    def internal(self) -> bool:
        return self.dest is None

    @property
    def creates(self) -> bool:
        return self.sources == (NEW,)

    @property
    def rules(self) -> tuple[str, ...]:
        return self.conditions + self.unless

    def dest_for(self, source: str) -> str:
        return source if self.dest is None else self.dest


@dataclass(eq=False)
class WorkflowDef:
    name: str
    version: int
    effective_from: date
    title: Label
    initial: str
    states: dict[str, StateDef]
    events: dict[str, Label]
    transitions: list[TransitionDef]
    path: str = ""
    # Each event's principal date: the date field of its data that says when it happened
    # (WORKFLOWS.md §8). Its ``effective_at`` defaults to it.
    event_dates: dict[str, str] = field(default_factory=dict)
    # What the features read of the workflow besides its graph (the `meta:` block, META_KEYS):
    # which states count as recognised, the chain's steps and the role each one awaits.
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> tuple[str, int]:
        return (self.name, self.version)

    @property
    def open_states(self) -> list[str]:
        return [s for s, d in self.states.items() if not d.closed]

    def transitions_from(self, state: str | None, event: str) -> list[TransitionDef]:
        source = NEW if state is None else state
        return [t for t in self.transitions if t.event == event and source in t.sources]

    def events_from(self, state: str | None) -> list[str]:
        source = NEW if state is None else state
        seen: dict[str, None] = {}
        for t in self.transitions:
            if source in t.sources:
                seen.setdefault(t.event, None)
        return list(seen)

    def event_roles(self, event: str) -> set[str]:
        return {r for t in self.transitions if t.event == event for r in t.roles}

    @property
    def creation_transitions(self) -> list[TransitionDef]:
        return [t for t in self.transitions if t.creates]

    def entering(self, state: str) -> list[TransitionDef]:
        """Transitions that move a record into ``state`` from another state."""
        return [
            t for t in self.transitions
            if t.dest == state and any(s != state for s in t.sources)
        ]


# --- YAML with line numbers -------------------------------------------------------------------


class _Map(dict):
    """A mapping that remembers the line it started on and the line of each key."""

    line: int | None = None
    key_lines: dict


class _Loader(yaml.SafeLoader):
    pass


def _construct_map(loader: _Loader, node: yaml.MappingNode) -> _Map:
    loader.flatten_mapping(node)  # resolves `<<: *anchor` merges
    result = _Map()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            duplicate = key in result
        except TypeError:
            raise yaml.constructor.ConstructorError(
                None, None, "a mapping key must be a plain value", key_node.start_mark
            ) from None
        if duplicate:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = key_node.start_mark.line + 1
    return result


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_map)


def _line(obj: Any, key: str | None = None, default: int | None = None) -> int | None:
    if isinstance(obj, _Map):
        if key is not None and key in obj.key_lines:
            return obj.key_lines[key]
        return obj.line
    return default


# --- structure: from YAML to WorkflowDef ------------------------------------------------------


# The keys of a workflow's `meta:` block and what each holds.
META_KEYS = {
    "recognized_states": "states",  # the states in which a record counts as recognised
    "request_state": "state",       # the state from which recognition may be requested
    "chain": "states",              # the steps of a chain, in order (as its page draws them)
    "awaiting": "state_roles",      # the role whose action each open step awaits
}


class _Reader:
    """Reads one file's YAML into a WorkflowDef, collecting problems."""

    TOP_KEYS = {"name", "version", "effective_from", "title", "initial", "states", "events",
                "transitions", "meta"}
    STATE_KEYS = {"vi", "en", "closed", "deadline"}
    DEADLINE_KEYS = {"days", "working_days", "months", "from", "warn_days", "label", "kind",
                     "entered_by", "when"}
    TRANSITION_KEYS = {"event", "source", "dest", "internal", "roles", "conditions", "unless",
                       "data", "reason_required", "effects"}
    FIELD_KEYS = {"type", "required", "choices", "min", "max"}

    def __init__(self, path: str):
        self.path = path
        self.problems: list[Problem] = []

    def problem(self, line: int | None, message: str) -> None:
        self.problems.append(Problem(self.path, line, message))

    def unknown_keys(self, mapping: _Map, allowed: set[str], what: str) -> None:
        for key in mapping:
            if key not in allowed:
                allowed_keys = ", ".join(sorted(allowed))
                self.problem(_line(mapping, key),
                             f"unknown key {key!r} in {what} (allowed: {allowed_keys})")

    def name(self, value: Any, line: int | None, what: str) -> str | None:
        if not isinstance(value, str) or not _NAME.match(value):
            self.problem(line, f"{what} must be a lower-case name like 'record_test', "
                               f"not {value!r}")
            return None
        return value

    def label(self, value: Any, line: int | None, what: str,
              strict: bool = True) -> Label | None:
        """vi/en labels; ``strict``: nothing else in the mapping (a state has more keys)."""
        if not isinstance(value, dict):
            self.problem(line, f"{what} needs labels {{vi: ..., en: ...}}")
            return None
        vi, en = value.get("vi"), value.get("en")
        ok = True
        extra = [k for k in value if k not in ("vi", "en")]
        if strict and extra:
            self.problem(line, f"{what}: unexpected {extra[0]!r} beside the vi/en labels "
                               "(quote a label that contains a comma)")
            ok = False
        for lang, text in (("vi", vi), ("en", en)):
            if not isinstance(text, str) or not text.strip():
                self.problem(_line(value, lang, line), f"{what} needs a non-empty {lang!r} label")
                ok = False
        return Label(vi.strip(), en.strip()) if ok else None

    def names_list(self, value: Any, line: int | None, what: str) -> tuple[str, ...]:
        if value is None:
            return ()
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            self.problem(line, f"{what} must be a list of names")
            return ()
        out = []
        for item in value:
            checked = self.name(item, line, f"each of {what}")
            if checked is not None:
                if checked in out:
                    self.problem(line, f"{what} names {checked!r} twice")
                else:
                    out.append(checked)
        return tuple(out)

    def int_value(self, value: Any, line: int | None, what: str, minimum: int = 0) -> int | None:
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            self.problem(line, f"{what} must be a whole number of at least {minimum}, "
                               f"not {value!r}")
            return None
        return value

    # --- the file ---------------------------------------------------------------------------
    def read(self, doc: Any) -> WorkflowDef | None:
        if not isinstance(doc, dict):
            self.problem(None, "the file must be a YAML mapping with name, version, "
                               "effective_from, states, events and transitions")
            return None
        self.unknown_keys(doc, self.TOP_KEYS, "the workflow")
        for key in ("name", "version", "effective_from", "title", "initial", "states", "events",
                    "transitions"):
            if key not in doc:
                self.problem(None, f"missing top-level key {key!r}")
        name = self.name(doc.get("name"), _line(doc, "name"), "name") if "name" in doc else None
        version = (self.int_value(doc.get("version"), _line(doc, "version"), "version", 1)
                   if "version" in doc else None)
        effective_from = doc.get("effective_from")
        if "effective_from" in doc and (
            not isinstance(effective_from, date) or hasattr(effective_from, "hour")
        ):
            self.problem(_line(doc, "effective_from"),
                         f"effective_from must be a date like 2022-01-01, not {effective_from!r}")
            effective_from = None
        title = (self.label(doc.get("title"), _line(doc, "title"), "title")
                 if "title" in doc else None)
        states = self.states(doc.get("states"), _line(doc, "states"))
        events, event_dates = self.events(doc.get("events"), _line(doc, "events"))
        initial = doc.get("initial")
        if "initial" in doc and initial not in states:
            self.problem(_line(doc, "initial"),
                         f"initial state {initial!r} is not a declared state")
        transitions = self.transitions(doc.get("transitions"), _line(doc, "transitions"), states)
        meta = self.meta(doc.get("meta"), _line(doc, "meta"), states)
        if self.problems:
            return None
        return WorkflowDef(name=name, version=version, effective_from=effective_from, title=title,
                           initial=initial, states=states, events=events,
                           transitions=transitions, path=self.path, event_dates=event_dates,
                           meta=meta)

    # --- meta: what features read besides the graph ------------------------------------------
    def meta(self, value: Any, line: int | None, states: dict) -> dict[str, Any]:
        """The `meta:` block (META_KEYS): each entry names states of this workflow (and, for
        `awaiting`, a role per state, checked against the roles by check_definition)."""
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.problem(line, "meta must be a mapping (keys: " + ", ".join(sorted(META_KEYS))
                         + ")")
            return {}
        self.unknown_keys(value, set(META_KEYS), "meta")
        out: dict[str, Any] = {}
        for key, kind in META_KEYS.items():
            if key not in value:
                continue
            item, kline = value[key], _line(value, key, line)
            named = ([item] if kind == "state" and isinstance(item, str)
                     else list(item) if kind != "state" and isinstance(item, dict | list)
                     else None)
            if not named or not all(isinstance(n, str) for n in named):
                self.problem(kline, f"meta {key!r} must be "
                             + {"state": "a state", "states": "a list of states",
                                "state_roles": "a mapping of state to role"}[kind])
                continue
            for state in named:
                if state not in states:
                    self.problem(kline, f"meta {key!r}: unknown state {state!r}")
            if kind == "state_roles" and not all(isinstance(r, str) for r in item.values()):
                self.problem(kline, f"meta {key!r}: each state names one role")
            out[key] = (item if kind == "state" else dict(item) if kind == "state_roles"
                        else tuple(item))
        return out

    def states(self, value: Any, line: int | None) -> dict[str, StateDef]:
        if not isinstance(value, dict) or not value:
            if value is not None:
                self.problem(line, "states must be a mapping of state name to its labels")
            return {}
        out: dict[str, StateDef] = {}
        for raw_name, spec in value.items():
            sline = _line(value, raw_name, line)
            name = self.name(raw_name, sline, "a state name")
            if name is None:
                continue
            if name == NEW:
                self.problem(sline, f"{NEW!r} is reserved for records that do not exist yet")
                continue
            if not isinstance(spec, dict):
                self.problem(sline, f"state {name!r} needs vi/en labels")
                continue
            self.unknown_keys(spec, self.STATE_KEYS, f"state {name!r}")
            label = self.label(spec, sline, f"state {name!r}", strict=False)
            closed = spec.get("closed", False)
            if not isinstance(closed, bool):
                self.problem(_line(spec, "closed", sline), f"closed of state {name!r} must be "
                                                            "true or false")
                closed = False
            deadlines: tuple[Deadline, ...] = ()
            if spec.get("deadline") is not None:
                deadlines = self.deadlines(spec["deadline"], _line(spec, "deadline", sline),
                                           name)
            if label is not None:
                out[name] = StateDef(name, label, closed, deadlines, sline)
        return out

    def deadlines(self, value: Any, line: int | None, state: str) -> tuple[Deadline, ...]:
        """One deadline, or a list of cases whose last one is the default."""
        what = f"the deadline of state {state!r}"
        cases = value if isinstance(value, list) else [value]
        if not cases:
            self.problem(line, f"{what} must be a mapping or a non-empty list of them")
            return ()
        out = []
        for index, case in enumerate(cases):
            cline = _line(case, default=line)
            deadline = self.deadline(case, cline, state)
            if deadline is None:
                continue
            last = index == len(cases) - 1
            if last and deadline.conditional:
                self.problem(cline, f"{what}: the last case is the default; it takes no "
                                    "entered_by or when")
            elif not last and not deadline.conditional:
                self.problem(cline, f"{what}: only the last case may apply always; give this "
                                    "one entered_by or when")
            out.append(deadline)
        kinds = [d.kind or state for d in out]
        for kind in {k for k in kinds if kinds.count(k) > 1}:
            self.problem(line, f"{what}: the kind {kind!r} names two cases")
        return tuple(out)

    def deadline(self, value: Any, line: int | None, state: str) -> Deadline | None:
        what = f"the deadline of state {state!r}"
        if not isinstance(value, dict):
            self.problem(line, f"{what} must be a mapping")
            return None
        self.unknown_keys(value, self.DEADLINE_KEYS, what)
        units = [u for u in DEADLINE_UNITS if u in value]
        if len(units) != 1:
            self.problem(line, f"{what} needs exactly one of days, working_days or months")
            return None
        unit = units[0]
        amount = value[unit]
        if isinstance(amount, str):
            amount = self.name(amount, _line(value, unit, line), f"{what}: {unit}")
        else:
            amount = self.int_value(amount, _line(value, unit, line), f"{what}: {unit}", 0)
        from_fields = self.names_list(value.get("from"), _line(value, "from", line),
                                      f"{what}: from")
        warn = value.get("warn_days")
        if warn is not None:
            warn = self.int_value(warn, _line(value, "warn_days", line), f"{what}: warn_days", 1)
        label = self.label(value.get("label"), _line(value, "label", line), what)
        kind = value.get("kind")
        if kind is not None:
            kind = self.name(kind, _line(value, "kind", line), f"{what}: kind")
        entered_by = self.names_list(value.get("entered_by"), _line(value, "entered_by", line),
                                     f"{what}: entered_by")
        when = value.get("when") or {}
        if not isinstance(when, dict) or not all(
                isinstance(k, str) and isinstance(v, str | int | bool) for k, v in when.items()):
            self.problem(_line(value, "when", line), f"{what}: when must map data fields to "
                                                     "plain values, like {remote_commune: true}")
            when = {}
        if amount is None or label is None:
            return None
        return Deadline(unit, amount, from_fields, label, warn, kind, entered_by,
                        tuple(sorted(when.items())))

    def events(self, value: Any, line: int | None) -> tuple[dict[str, Label], dict[str, str]]:
        """The events' labels, and the principal date each names (``date: test_date``)."""
        if not isinstance(value, dict) or not value:
            if value is not None:
                self.problem(line, "events must be a mapping of event name to its labels")
            return {}, {}
        out = {}
        dates = {}
        for raw_name, spec in value.items():
            eline = _line(value, raw_name, line)
            name = self.name(raw_name, eline, "an event name")
            if name is None:
                continue
            if name in RESERVED_EVENTS:
                self.problem(eline, f"event name {name!r} is reserved by the engine")
                continue
            if isinstance(spec, dict) and "date" in spec:
                principal = self.name(spec["date"], eline, f"the date of event {name!r}")
                if principal is not None:
                    dates[name] = principal
                spec = {k: v for k, v in spec.items() if k != "date"}
            label = self.label(spec, eline, f"event {name!r}")
            if label is not None:
                out[name] = label
        return out, dates

    def transitions(self, value: Any, line: int | None, states: dict) -> list[TransitionDef]:
        if not isinstance(value, list) or not value:
            if value is not None:
                self.problem(line, "transitions must be a non-empty list")
            return []
        out = []
        for item in value:
            transition = self.transition(item, line, states)
            if transition is not None:
                out.append(transition)
        return out

    def transition(self, item: Any, line: int | None, states: dict) -> TransitionDef | None:
        if not isinstance(item, dict):
            self.problem(line, "each transition must be a mapping")
            return None
        tline = _line(item, default=line)
        self.unknown_keys(item, self.TRANSITION_KEYS, "a transition")
        event = self.name(item.get("event"), _line(item, "event", tline), "event")
        what = f"transition {event!r}" if event else "a transition"

        # source
        sources: tuple[str, ...] = ()
        any_open = False
        raw_source = item.get("source")
        sline = _line(item, "source", tline)
        if raw_source == ANY_OPEN:
            any_open = True
            sources = tuple(s for s, d in states.items() if not d.closed)
        elif raw_source == NEW:
            sources = (NEW,)
        elif isinstance(raw_source, str | list) and raw_source:
            names = self.names_list(raw_source, sline, f"the source of {what}")
            for s in names:
                if s == NEW:
                    self.problem(sline, f"{NEW!r} must be the only source of {what}")
                elif s not in states:
                    self.problem(sline, f"{what}: unknown source state {s!r}")
            sources = names
        else:
            self.problem(sline, f"{what} needs a source: a state, a list of states, "
                                f"{ANY_OPEN!r} or {NEW!r}")

        # destination
        internal = item.get("internal", False)
        dest = item.get("dest")
        if not isinstance(internal, bool):
            self.problem(_line(item, "internal", tline), f"internal of {what} must be true/false")
            internal = False
        if internal and dest is not None:
            self.problem(tline, f"{what} has both dest and internal: true")
        elif not internal and dest is None:
            self.problem(tline, f"{what} needs a dest (or internal: true)")
        elif dest is not None and dest not in states:
            self.problem(_line(item, "dest", tline), f"{what}: unknown dest state {dest!r}")
        if internal and sources == (NEW,):
            self.problem(tline, f"{what} creates a record, so it needs a dest")

        roles = self.names_list(item.get("roles"), _line(item, "roles", tline),
                                f"the roles of {what}")
        if not roles:
            self.problem(_line(item, "roles", tline), f"{what} needs at least one role")
        conditions = self.names_list(item.get("conditions"), _line(item, "conditions", tline),
                                     f"the conditions of {what}")
        unless = self.names_list(item.get("unless"), _line(item, "unless", tline),
                                 f"the unless rules of {what}")
        for rule in set(conditions) & set(unless):
            self.problem(tline, f"{what} can never fire: rule {rule!r} is both a condition and "
                                "an unless")
        effects = self.names_list(item.get("effects"), _line(item, "effects", tline),
                                  f"the effects of {what}")
        reason_required = item.get("reason_required", False)
        if not isinstance(reason_required, bool):
            self.problem(_line(item, "reason_required", tline),
                         f"reason_required of {what} must be true or false")
            reason_required = False
        data = self.data(item.get("data"), _line(item, "data", tline), what)
        if event is None or data is None:
            return None
        return TransitionDef(
            event=event, sources=sources, dest=None if internal else dest, roles=roles,
            conditions=conditions, unless=unless, data=data, reason_required=reason_required,
            effects=effects, any_open=any_open, line=tline,
        )

    def data(self, value: Any, line: int | None, what: str) -> DataSpec | None:
        if value is None:
            return DataSpec()
        if isinstance(value, str):
            name = self.name(value, line, f"the data schema of {what}")
            return DataSpec(schema_name=name) if name else None
        if not isinstance(value, dict):
            self.problem(line, f"the data of {what} must be a schema name or a mapping of fields")
            return None
        fields = []
        for raw_name, spec in value.items():
            fline = _line(value, raw_name, line)
            name = self.name(raw_name, fline, f"a data field of {what}")
            if name is None:
                continue
            if name in ("reason", "effective_at", "version", "event"):
                self.problem(fline, f"{name!r} is given beside the data, not inside it")
                continue
            spec_obj = self.field(name, spec, fline, what)
            if spec_obj is not None:
                fields.append(spec_obj)
        return DataSpec(fields=tuple(fields))

    def field(self, name: str, spec: Any, line: int | None, what: str) -> FieldSpec | None:
        where = f"field {name!r} of {what}"
        if isinstance(spec, str):
            spec = {"type": spec}
        if not isinstance(spec, dict):
            self.problem(line, f"{where} must be a type name or a mapping with a type")
            return None
        self.unknown_keys(spec, self.FIELD_KEYS, where)
        ftype = spec.get("type")
        if ftype not in FIELD_TYPES:
            self.problem(line, f"{where} has unknown type {ftype!r} "
                               f"(use one of: {', '.join(FIELD_TYPES)})")
            return None
        required = spec.get("required", True)
        if not isinstance(required, bool):
            self.problem(line, f"required of {where} must be true or false")
            required = True
        choices = spec.get("choices")
        if choices is not None:
            if (not isinstance(choices, list) or not choices
                    or not all(isinstance(c, str) and c for c in choices)
                    or len(set(choices)) != len(choices)):
                self.problem(line, f"choices of {where} must be a list of distinct names")
                choices = None
            else:
                choices = tuple(choices)
        if ftype == "choice" and choices is None:
            self.problem(line, f"{where} is a choice and needs choices")
            return None
        if choices is not None and ftype not in ("choice", "list"):
            self.problem(line, f"{where}: only choice and list fields take choices")
        bounds = {}
        for key in ("min", "max"):
            if key in spec:
                if ftype not in ("int", "string", "text", "list"):
                    self.problem(line, f"{where}: {key} applies to int, string, text and list "
                                       "fields only")
                bounds[key] = self.int_value(spec[key], line, f"{key} of {where}",
                                             -(10**9) if ftype == "int" else 0)
        if (bounds.get("min") is not None and bounds.get("max") is not None
                and bounds["min"] > bounds["max"]):
            self.problem(line, f"{where}: min is greater than max")
        return FieldSpec(name, ftype, required, choices, bounds.get("min"), bounds.get("max"))


def parse_text(text: str, path: str) -> tuple[WorkflowDef | None, list[Problem]]:
    """Parse one definition file's text. Returns the definition (or None) and the problems."""
    try:
        doc = yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        message = " ".join(str(part) for part in (exc.context, exc.problem) if part)
        return None, [Problem(path, line, f"not valid YAML: {message}")]
    except yaml.YAMLError as exc:
        return None, [Problem(path, None, f"not valid YAML: {exc}")]
    reader = _Reader(path)
    definition = reader.read(doc)
    return definition, reader.problems


def parse_file(path: Path) -> tuple[WorkflowDef | None, list[Problem]]:
    shown = _display_path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, [Problem(shown, None, f"cannot be read: {exc}")]
    return parse_text(text, shown)


def _display_path(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


# --- meaning: names, reachability, ambiguity --------------------------------------------------


def check_definition(definition: WorkflowDef, registry, roles: set[str]) -> list[Problem]:
    """Every check that needs the registry or the whole graph. Returns the problems."""
    problems: list[Problem] = []
    path = definition.path

    def problem(line, message):
        problems.append(Problem(path, line, message))

    for state, role in definition.meta.get("awaiting", {}).items():
        if role not in roles:
            problem(None, f"meta 'awaiting': unknown role {role!r} for state {state!r}")

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
            if newer.effective_from <= older.effective_from:
                problems.append(Problem(newer.path, None, f"version {newer.version} of {name!r} "
                                        "must take effect after version "
                                        f"{older.version} ({older.effective_from})"))
    return problems
