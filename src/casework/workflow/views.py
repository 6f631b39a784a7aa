"""Pages that draw the workflows: every diagram, and one workflow with its tables."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_login import login_required

from casework.workflow.catalog import UnknownWorkflow, get_catalog
from casework.workflow.diagrams import mermaid

bp = Blueprint("workflows", __name__, url_prefix="/workflows")


@bp.route("/")
@login_required
def index():
    catalog = get_catalog()
    workflows = []
    for name in catalog.names():
        definition = catalog.get(name)
        workflows.append((definition, mermaid(definition, catalog.registry)))
    return render_template("workflow/index.html", workflows=workflows)


@bp.route("/<name>")
@login_required
def show(name):
    """One workflow version; ``?state=`` highlights a state, ``?version=`` picks a version."""
    catalog = get_catalog()
    version = request.args.get("version", type=int)
    try:
        definition = catalog.get(name, version)
    except UnknownWorkflow:
        abort(404)
    current = request.args.get("state")
    if current not in definition.states:
        current = None
    return render_template(
        "workflow/show.html", definition=definition, current=current,
        diagram_text=mermaid(definition, catalog.registry, current=current),
        versions=catalog.versions(name), registry=catalog.registry,
    )
