"""Law as data, with its source: what a definition says about the law it writes down.

A definition file may state, beside its graph (``workflow.reader``)::

    law: {vi: Luật 73/2021, en: Law 73/2021}     # the law this version writes down
    from_previous:                              # a state of the previous version that this
      reemerged: detected                       # one lacks -> the state it becomes
    parameters:                                 # terms and thresholds rules read by name
      rehab_min_months:
        value: 6
        label: {vi: ..., en: ...}               # optional
        basis: Luật 73/2021 Điều 30.2
        source: ...                             # optional when verified
        verified: true

and on every case of a deadline (and every parameter) the same three keys of provenance::

        basis: Luật 73/2021 Điều 23.2           # the article or text
        source: reference/phap-dien-...md       # where the rule was read
        verified: false                         # checked against the official text?

A transition's ``source`` already names the state it leaves, so on a transition where the rule
was read is ``basis_source``.

``verified: false`` needs a ``source``; ``verified: true`` needs a ``basis``. A provision with
no ``verified`` key is *not stated*: it counts as unverified in ``workflows provenance``.
A legal officer who reads the official text corrects the provision (a term, a role) and its
``verified`` in the YAML of its version: no code changes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from casework.workflow.labels import Label

PROVENANCE_KEYS = frozenset({"basis", "source", "verified"})
TRANSITION_PROVENANCE_KEYS = frozenset({"basis", "basis_source", "verified"})
EXTRA_TOP_KEYS = frozenset({"law", "from_previous", "parameters"})
PARAMETER_KEYS = frozenset({"value", "label"}) | PROVENANCE_KEYS

Complain = Callable[[str], None]


@dataclass(frozen=True)
class Provenance:
    """Where a provision comes from, and whether it was checked against the official text."""

    basis: str | None = None
    source: str | None = None
    verified: bool | None = None  # None: not stated

    @property
    def is_verified(self) -> bool:
        return self.verified is True

    def as_dict(self) -> dict[str, Any]:
        return {"basis": self.basis, "source": self.source, "verified": self.is_verified}


NO_PROVENANCE = Provenance()


@dataclass(frozen=True)
class Parameter:
    """A term or threshold of the law (a number of months, an age), read by rules by name."""

    name: str
    value: Any
    label: Label | None = None
    provenance: Provenance = NO_PROVENANCE


def _text(value: Any) -> str | None:
    return " ".join(value.split()) if isinstance(value, str) and value.strip() else None


def read_provenance(mapping: Any, what: str, complain: Complain,
                    source_key: str = "source") -> Provenance:
    """The ``basis``/``source``/``verified`` keys of ``mapping`` (a deadline case, a
    parameter; a transition's ``basis_source`` is ``source_key``); each mistake goes to
    ``complain``."""
    keys = {"basis", source_key, "verified"}
    if not isinstance(mapping, dict) or not keys & set(mapping):
        return NO_PROVENANCE
    basis, source, verified = (mapping.get("basis"), mapping.get(source_key),
                               mapping.get("verified"))
    for key, value in (("basis", basis), (source_key, source)):
        if value is not None and _text(value) is None:
            complain(f"{what}: {key} must be a non-empty text")
    if verified is not None and not isinstance(verified, bool):
        complain(f"{what}: verified must be true or false")
        verified = None
    if verified is True and _text(basis) is None:
        complain(f"{what}: a verified provision names its basis")
    if verified is False and _text(source) is None:
        complain(f"{what}: an unverified provision needs its {source_key} (where it was read)")
    return Provenance(_text(basis), _text(source), verified)


def _label(value: Any, what: str, complain: Complain) -> Label | None:
    if (not isinstance(value, dict) or set(value) != {"vi", "en"}
            or not all(isinstance(v, str) and v.strip() for v in value.values())):
        complain(f"{what} needs labels {{vi: ..., en: ...}} and nothing else")
        return None
    return Label(value["vi"].strip(), value["en"].strip())


def _plain(value: Any) -> bool:
    if isinstance(value, list):
        return bool(value) and all(_plain(v) and not isinstance(v, list) for v in value)
    return isinstance(value, str | int | float | bool)


def read_parameters(value: Any, complain: Complain) -> dict[str, Parameter]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        complain("parameters must map each name to {value, basis, source, verified}")
        return {}
    out = {}
    for name, spec in value.items():
        what = f"parameter {name!r}"
        if not isinstance(name, str) or not name.isidentifier() or not name.islower():
            complain(f"{what}: a parameter's name is a lower-case name like rehab_min_months")
            continue
        if not isinstance(spec, dict):
            spec = {"value": spec}
        unknown = sorted(set(spec) - PARAMETER_KEYS)
        if unknown:
            complain(f"unknown key {unknown[0]!r} in {what} (allowed: "
                     + ", ".join(sorted(PARAMETER_KEYS)) + ")")
        if "value" not in spec or not _plain(spec["value"]):
            complain(f"{what} needs a value: a number, a text, true/false or a list of them")
            continue
        label = _label(spec["label"], f"{what}: label", complain) if "label" in spec else None
        out[name] = Parameter(name, spec["value"], label, read_provenance(spec, what, complain))
    return out


def read_extras(doc: dict, states: dict, complain: Complain) -> dict[str, Any]:
    """``law``, ``from_previous`` and ``parameters`` of a definition (see the module)."""
    law = _label(doc["law"], "law", complain) if "law" in doc else None
    mapping = doc.get("from_previous") or {}
    if not isinstance(mapping, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in mapping.items()):
        complain("from_previous must map each removed state of the previous version to a "
                 "state of this one")
        mapping = {}
    for old, new in mapping.items():
        if new not in states:
            complain(f"from_previous: {old!r} becomes {new!r}, which is not a state here")
        if old in states:
            complain(f"from_previous: {old!r} is still a state of this version; only a removed "
                     "state is mapped")
    return {"law": law, "from_previous": dict(mapping),
            "parameters": read_parameters(doc.get("parameters"), complain)}


# --- listing ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Provision:
    """One provision of one workflow version, as ``workflows provenance`` lists it."""

    workflow: str
    version: int
    kind: str  # transition | deadline | parameter | approver
    what: str
    provenance: Provenance

    @property
    def status(self) -> str:
        if self.provenance.verified is True:
            return "verified"
        return "unverified" if self.provenance.verified is False else "not_stated"


def provisions(definition) -> list[Provision]:
    """Every provision of one definition: transitions, deadline cases, parameters, approvers."""
    found: list[Provision] = []
    name, version = definition.name, definition.version

    def add(kind: str, what: str, provenance: Provenance) -> None:
        found.append(Provision(name, version, kind, what, provenance))

    for t in definition.transitions:
        sources = ", ".join(t.sources)
        add("transition", f"{t.event}: {sources} -> {t.dest or '(internal)'}", t.provenance)
    for state in definition.states.values():
        for d in state.deadlines:
            amount = f"{d.amount} {d.unit}"
            add("deadline", f"{state.name} [{d.kind or state.name}]: {amount}", d.provenance)
    for p in definition.parameters.values():
        add("parameter", f"{p.name} = {p.value}", p.provenance)
    approvers = definition.meta.get("approvers")
    for start, _basis, by_level in (approvers.periods if approvers is not None else ()):
        for level, a in by_level.items():
            add("approver", f"{level} from {start}: {a.role}",
                Provenance(a.basis, a.source, a.verified))
    return found


ORDER = {"unverified": 0, "not_stated": 1, "verified": 2}


def listing(definitions) -> list[Provision]:
    """Every provision of the definitions, unverified first, then by workflow and version."""
    items = [p for d in definitions for p in provisions(d)]
    return sorted(items, key=lambda p: (ORDER[p.status], p.workflow, p.version))


def unverified_count(definitions) -> int:
    return sum(1 for d in definitions for p in provisions(d) if p.status != "verified")
