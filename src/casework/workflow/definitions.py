"""Workflow definitions in their parsed form, and the names the format reserves.

The YAML format is described in ``workflow.reader`` (which parses a file into these classes);
``workflow.checker`` holds every check that needs the registry or the whole graph.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import gettext as _

from casework.workflow.labels import Label
from casework.workflow.provenance import NO_PROVENANCE, Parameter, Provenance

NEW = "new"  # the pseudo-state of a record that does not exist yet
ANY_OPEN = "any open"
# Engine events that the definitions may not use as names.
RESERVED_EVENTS = frozenset({"migrate_version", "imported"})
DEADLINE_UNITS = ("days", "working_days", "months", "hours")
FIELD_TYPES = ("string", "text", "int", "bool", "date", "choice", "list")


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
    unit: str  # days | working_days | months | hours (counted from the moment of entry)
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
    provenance: Provenance = NO_PROVENANCE

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
    provenance: Provenance = NO_PROVENANCE  # basis, source, verified (workflow.provenance)
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
    # The law this version writes down ("Luật 73/2021"), named in histories and refusals.
    law: Label | None = None
    # Each state of the previous version that this one lacks -> the state it becomes here.
    from_previous: dict[str, str] = field(default_factory=dict)
    # Terms and thresholds that rules read by name, each with its provenance.
    parameters: dict[str, Parameter] = field(default_factory=dict)

    def param(self, name: str, default: Any = None) -> Any:
        """The value of parameter ``name`` (``default`` when this version does not state
        it)."""
        found = self.parameters.get(name)
        return default if found is None else found.value

    @property
    def key(self) -> tuple[str, int]:
        return (self.name, self.version)

    @property
    def law_label(self) -> str:
        """The law this version writes down, or "version N" when the file names none."""
        if self.law is not None:
            return str(self.law)
        return _("version %(n)d", n=self.version)

    def state_for(self, state: str | None) -> str | None:
        """A record's state as this version reads it: the same, or its ``from_previous``."""
        if state is None or state in self.states:
            return state
        return self.from_previous.get(state, state)

    def parameter(self, name: str) -> Any:
        """The value of parameter ``name`` (KeyError: the definition does not state it)."""
        return self.parameters[name].value

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


