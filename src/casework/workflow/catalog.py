"""The loaded workflow definitions and one shared ``transitions`` machine per version
(``workflow.machine``), built once at start-up (``register_workflows``) and kept on the app.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from flask import current_app
from transitions import Machine

from casework.audit.services import register_record_models
from casework.auth.roles import ROLES
from casework.workflow import builtin_rules  # noqa: F401 - rules any workflow may use
from casework.workflow.checker import check_definition, check_versions
from casework.workflow.data import build_schema
from casework.workflow.definitions import DefinitionError, Problem, WorkflowDef
from casework.workflow.machine import build_machine
from casework.workflow.reader import parse_file
from casework.workflow.registry import Registry
from casework.workflow.registry import registry as default_registry

EXTENSION_KEY = "casework.workflows"


class UnknownWorkflow(LookupError):
    pass


class Catalog:
    """Every version of every workflow, checked, with its machine and data schemas."""

    def __init__(self, definitions: list[WorkflowDef], registry: Registry):
        self.registry = registry
        self._defs: dict[tuple[str, int], WorkflowDef] = {}
        self._machines: dict[tuple[str, int], Machine] = {}
        for d in sorted(definitions, key=lambda d: d.key):
            self._defs[d.key] = d
            for i, t in enumerate(d.transitions):
                t.schema = build_schema(t.data, registry, f"{d.name}_v{d.version}_{t.event}_{i}")
            self._machines[d.key] = build_machine(d, registry)

    # --- lookup -----------------------------------------------------------------------------
    def names(self) -> list[str]:
        return sorted({name for name, _ in self._defs})

    def versions(self, name: str) -> list[int]:
        return sorted(v for n, v in self._defs if n == name)

    def all(self) -> list[WorkflowDef]:
        return list(self._defs.values())

    def get(self, name: str, version: int | None = None) -> WorkflowDef:
        """A workflow version; the newest when ``version`` is None."""
        if version is None:
            versions = self.versions(name)
            if not versions:
                raise UnknownWorkflow(name)
            version = versions[-1]
        try:
            return self._defs[(name, version)]
        except KeyError:
            raise UnknownWorkflow(f"{name} v{version}") from None

    def roles(self, name: str) -> frozenset[str]:
        """Every role that may fire some event of workflow ``name``, in any version."""
        return frozenset(r for (n, _v), d in self._defs.items() if n == name
                         for t in d.transitions for r in t.roles)

    def version_on(self, name: str, day: date) -> WorkflowDef | None:
        """The version in force on ``day`` (a Vietnamese calendar date): the one with the
        latest ``effective_from`` not after it. None before the first version's."""
        candidates = [self._defs[(name, v)] for v in self.versions(name)]
        if not candidates:
            raise UnknownWorkflow(name)
        in_force = [d for d in candidates if d.effective_from <= day]
        return max(in_force, key=lambda d: d.effective_from) if in_force else None

    def first(self, name: str) -> WorkflowDef:
        """The version that took effect first."""
        return min((self.get(name, v) for v in self.versions(name)),
                   key=lambda d: d.effective_from)

    def in_force(self, name: str, on: date) -> WorkflowDef:
        """The version in force on ``on``, or the first one before it (for callers that
        judge the date themselves: ``workflow.inforce`` refuses such a date)."""
        return self.version_on(name, on) or self.first(name)

    def machine(self, definition: WorkflowDef) -> Machine:
        return self._machines[definition.key]


def load_definitions(paths: list[Path], registry: Registry, roles: set[str]) -> Catalog:
    """Parse and check definition files; DefinitionError lists every problem found."""
    problems: list[Problem] = []
    definitions: list[WorkflowDef] = []
    if not paths:
        problems.append(Problem("workflows", None, "no workflow definition (*.yaml) found"))
    for path in paths:
        definition, found = parse_file(path)
        problems.extend(found)
        if definition is not None:
            problems.extend(check_definition(definition, registry, roles))
            definitions.append(definition)
    problems.extend(check_versions(definitions))
    if problems:
        raise DefinitionError(problems)
    return Catalog(definitions, registry)


def definition_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.glob("*.yaml") if p.is_file())


def load_catalog(directory: Path, registry: Registry | None = None) -> Catalog:
    return load_definitions(definition_files(directory), registry or default_registry, set(ROLES))


def get_catalog() -> Catalog:
    """The catalog of the current app."""
    return current_app.extensions[EXTENSION_KEY]


def init_app(app, directory: Path) -> Catalog:
    """Load and check every definition; refuse to start on any problem.

    Runs once every feature has registered its rules, effects and schemas (create_app calls
    each feature's ``init_app`` first): a name nobody registered is a problem.
    """
    catalog = load_catalog(directory)
    app.extensions[EXTENSION_KEY] = catalog
    register_record_models(app, catalog.registry.record_types.values())
    return catalog


__all__ = ["Catalog", "DefinitionError", "UnknownWorkflow", "get_catalog", "load_catalog"]
