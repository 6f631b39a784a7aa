"""JSON API of the workflow definitions: what they say, and their diagrams."""

from __future__ import annotations

from flask import Response

from casework.api_base import Blueprint
from casework.errors import NotFound
from casework.workflow.catalog import UnknownWorkflow, get_catalog
from casework.workflow.diagrams import mermaid
from casework.workflow.schemas import (
    DiagramQuerySchema,
    WorkflowListSchema,
    WorkflowQuerySchema,
    WorkflowSchema,
    describe,
)

blp = Blueprint("workflows_api", __name__, url_prefix="/api/v1/workflows",
                description="Workflow definitions (states, events, roles, rules)")


def _definition(name: str, version: int | None):
    try:
        return get_catalog().get(name, version)
    except UnknownWorkflow:
        raise NotFound() from None


@blp.route("")
@blp.response(200, WorkflowListSchema)
def list_workflows():
    """Every workflow, in its newest version."""
    catalog = get_catalog()
    items = []
    for name in catalog.names():
        d = catalog.get(name)
        items.append({"name": d.name, "title": str(d.title), "version": d.version,
                      "effective_from": d.effective_from, "versions": catalog.versions(name)})
    return {"items": items}


@blp.route("/<name>")
@blp.arguments(WorkflowQuerySchema, location="query")
@blp.response(200, WorkflowSchema)
def get_workflow(args, name):
    """States, events, transitions, roles and rules of one workflow version."""
    return describe(_definition(name, args.get("version")), get_catalog())


@blp.route("/<name>/diagram")
@blp.arguments(DiagramQuerySchema, location="query")
@blp.response(200, content_type="text/plain")
def get_diagram(args, name):
    """The workflow as Mermaid text (``stateDiagram-v2``)."""
    definition = _definition(name, args.get("version"))
    text = mermaid(definition, get_catalog().registry, current=args.get("state"),
                   codes=args["codes"])
    return Response(text, mimetype="text/plain")
