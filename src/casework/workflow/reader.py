"""The YAML format of a workflow definition, and its reader.

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
          days: 10                    # or working_days / months / hours: N; N may name a data
                                      # field (hours count from the moment of entry)
          from: [decision_date]       # optional: date fields of the entering event's data
          warn_days: 15               # optional
          label: {vi: ..., en: ...}
        # or cases, the first that applies wins; all but the last say when (entered_by, when):
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
        # basis, basis_source, verified; top-level law, from_previous, parameters: provenance.py

Problems are collected, never raised one by one: a run reports all of them (file, line, what).
"""

from __future__ import annotations

import re
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

import yaml

from casework.workflow import provenance as law_data
from casework.workflow.approvers import read_approvers
from casework.workflow.definitions import (
    ANY_OPEN,
    DEADLINE_UNITS,
    FIELD_TYPES,
    NEW,
    RESERVED_EVENTS,
    DataSpec,
    Deadline,
    FieldSpec,
    Problem,
    StateDef,
    TransitionDef,
    WorkflowDef,
)
from casework.workflow.labels import Label

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


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
                None, None, "a mapping key must be a plain value", key_node.start_mark) from None
        if duplicate:
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}",
                                                    key_node.start_mark)
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
    # who decides, by the unit's level and the date (workflow/approvers.py); `awaiting` may
    # name the pseudo-role `approver` for the step that waits for them
    "approvers": "approvers",
}


class _Reader:
    """Reads one file's YAML into a WorkflowDef, collecting problems."""

    TOP_KEYS = {"name", "version", "effective_from", "title", "initial", "states", "events",
                "transitions", "meta"} | law_data.EXTRA_TOP_KEYS
    STATE_KEYS = {"vi", "en", "closed", "deadline"}
    DEADLINE_KEYS = {"days", "working_days", "months", "hours", "from", "warn_days", "label",
                     "kind", "entered_by", "when"} | law_data.PROVENANCE_KEYS
    TRANSITION_KEYS = {"event", "source", "dest", "internal", "roles", "conditions", "unless",
                       "data", "reason_required", "effects"} | law_data.TRANSITION_PROVENANCE_KEYS
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
        extras = law_data.read_extras(doc, states, partial(self.problem, None))
        if self.problems:
            return None
        return WorkflowDef(name=name, version=version, effective_from=effective_from, title=title,
                           initial=initial, states=states, events=events,
                           transitions=transitions, path=self.path, event_dates=event_dates,
                           meta=meta, **extras)

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
            if kind == "approvers":
                table = read_approvers(item, lambda message, at=kline: self.problem(at, message))
                if table is not None:
                    out[key] = table
                continue
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
            self.problem(line, f"{what} needs exactly one of days, working_days, months or "
                               "hours")
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
        provenance = law_data.read_provenance(value, what, partial(self.problem, line))
        if amount is None or label is None:
            return None
        return Deadline(unit, amount, from_fields, label, warn, kind, entered_by,
                        tuple(sorted(when.items())), provenance)

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
        provenance = law_data.read_provenance(item, what, partial(self.problem, tline),
                                              "basis_source")
        if event is None or data is None:
            return None
        return TransitionDef(
            event=event, sources=sources, dest=None if internal else dest, roles=roles,
            conditions=conditions, unless=unless, data=data, reason_required=reason_required,
            effects=effects, any_open=any_open, line=tline, provenance=provenance,
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


