"""Template helpers: a record's diagram, and labels for audit entries."""

from __future__ import annotations

from casework.workflow.catalog import UnknownWorkflow, get_catalog
from casework.workflow.diagrams import mermaid


def record_diagram(record) -> str:
    """The Mermaid diagram around a record's current state (highlighted) in its workflow
    version: the states one step before and after it. The workflow's page has it all."""
    catalog = get_catalog()
    definition = catalog.get(record.__workflow__, record.workflow_version)
    return mermaid(definition, catalog.registry, current=record.state, neighbourhood=True)


def _definition(workflow: str, version: int):
    try:
        return get_catalog().get(workflow, version)
    except UnknownWorkflow:
        return None


def state_label(workflow: str, version: int, state: str | None) -> str:
    definition = _definition(workflow, version)
    if state is None:
        return ""
    found = definition.states.get(state) if definition else None
    return str(found.label) if found else state


def event_label(workflow: str, version: int, event: str) -> str:
    from flask_babel import gettext as _

    if event == "migrate_version":
        return _("Moved to a new workflow version")
    if event == "imported":
        return _("Imported from a file")
    definition = _definition(workflow, version)
    found = definition.events.get(event) if definition else None
    return str(found) if found else event


def law_label(workflow: str | None, version: int | None) -> str:
    """The law of a workflow version ("Luật 73/2021"), for a history entry; empty for an
    entry of no workflow."""
    definition = _definition(workflow, version) if workflow and version else None
    return definition.law_label if definition is not None else ""


def init_templating(app) -> None:
    app.jinja_env.globals.update(
        workflow_law=law_label,
        workflow_diagram=record_diagram,
        workflow_state_label=state_label,
        workflow_event_label=event_label,
    )
