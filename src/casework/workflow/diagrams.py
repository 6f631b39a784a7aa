"""Mermaid state diagrams of the definitions, drawn from the same data the engine runs.

``transitions``' own GraphMachine needs a model attached to draw, and the engine's machines
have none (ARCHITECTURE.md), so the Mermaid text is written here.
"""

from __future__ import annotations

import re

from flask_babel import gettext as _

from casework.workflow.definitions import TransitionDef, WorkflowDef

ANY_OPEN_ID = "any_open"
_UNSAFE = re.compile(r'[:;#"`{}<>|\[\]]')


def _text(value) -> str:
    """Label text that cannot break the Mermaid syntax."""
    return re.sub(r"\s+", " ", _UNSAFE.sub(" ", str(value))).strip()


def _branch_rules(definition: WorkflowDef, source: str, event: str) -> set[str]:
    """Rules that decide between the transitions of one event from one state."""
    group = [t for t in definition.transitions if t.event == event and source in t.sources]
    if len(group) < 2:
        return set()
    return {r for t in group for r in t.unless}


def _edge_label(definition: WorkflowDef, t: TransitionDef, source: str, registry,
                codes: bool) -> str:
    label = t.event if codes else _text(definition.events[t.event])
    guards = []
    for name in sorted(_branch_rules(definition, source, t.event)):
        shown = name if codes else _text(registry.rules[name].description)
        if name in t.conditions:
            guards.append(shown)
        elif name in t.unless:
            guards.append(f"not {shown}" if codes else _("not %(rule)s", rule=shown))
    if guards:
        label += " (" + ", ".join(guards) + ")"
    return label


def _near(definition: WorkflowDef, current: str) -> set[str]:
    """``current`` and the states one step before and after it (moves to another state)."""
    near = {current}
    for t in definition.transitions:
        if t.any_open or t.dest is None or t.creates:
            continue
        if current in t.sources:
            near.add(t.dest)
        if t.dest == current:
            near.update(t.sources)
    return near


def mermaid(definition: WorkflowDef, registry, current: str | None = None,
            codes: bool = False, neighbourhood: bool = False) -> str:
    """The workflow as a Mermaid ``stateDiagram-v2``; ``current`` is highlighted.

    Transitions from "any open" state are drawn once, from a dashed pseudo-state, instead of
    once from every open state. With ``codes`` the labels are the codes of the contract.
    With ``neighbourhood`` (a record's page) only ``current`` and the states one step before
    and after it are drawn, with the moves between them: readable at the page's width; the
    workflow's page draws it all.
    """
    near = _near(definition, current) if neighbourhood and current is not None else None
    lines = ["stateDiagram-v2"]
    if near is not None:
        lines.append("    direction LR")
    for name, state in definition.states.items():
        if near is not None and name not in near:
            continue
        shown = name if codes else _text(state.label)
        lines.append(f'    state "{shown}" as {name}')
    uses_any_open = near is None and any(t.any_open for t in definition.transitions)
    if uses_any_open:
        shown = "any open" if codes else _text(_("Any open state"))
        lines.append(f'    state "{shown}" as {ANY_OPEN_ID}')

    edges: list[str] = []
    seen: set[str] = set()

    def add(line: str) -> None:
        if line not in seen:
            seen.add(line)
            edges.append(line)

    for t in definition.transitions:
        if near is not None and (t.any_open or t.dest is None or t.dest not in near or (
                t.creates or not (current in t.sources or t.dest == current))):
            continue
        if t.creates:
            label = _edge_label(definition, t, t.sources[0], registry, codes)
            add(f"    [*] --> {t.dest} : {label}")
            continue
        sources = [ANY_OPEN_ID] if t.any_open else list(t.sources)
        for source in sources:
            if near is not None and (source not in near or current not in (source, t.dest)):
                continue
            rule_source = t.sources[0] if t.any_open else source
            dest = source if t.dest is None else t.dest
            label = _edge_label(definition, t, rule_source, registry, codes)
            add(f"    {source} --> {dest} : {label}")
    lines.extend(edges)
    for name, state in definition.states.items():
        if state.closed and (near is None or name in near):
            lines.append(f"    {name} --> [*]")

    lines.append("    classDef closed fill:#eef1f5,color:#5b6877")
    lines.append("    classDef anyopen fill:#fff,stroke-dasharray:4 3,color:#5b6877")
    lines.append("    classDef current fill:#ffd166,stroke:#b45309,stroke-width:3px")
    closed = [n for n, s in definition.states.items()
              if s.closed and n != current and (near is None or n in near)]
    if closed:
        lines.append(f"    class {','.join(closed)} closed")
    if uses_any_open:
        lines.append(f"    class {ANY_OPEN_ID} anyopen")
    if current is not None and current in definition.states:
        lines.append(f"    class {current} current")
    return "\n".join(lines) + "\n"
