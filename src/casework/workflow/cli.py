"""``casework workflows ...`` and ``casework deadlines``."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import force_locale

from casework.auth.roles import ROLES
from casework.extensions import db
from casework.orgunits.services import get_by_code
from casework.resources import resource_dir
from casework.workflow import provenance
from casework.workflow.catalog import (
    UnknownWorkflow,
    definition_files,
    get_catalog,
    load_definitions,
)
from casework.workflow.deadlines import list_due, today_local
from casework.workflow.definitions import DefinitionError
from casework.workflow.diagrams import mermaid
from casework.workflow.registry import registry
from casework.workflow.versions import apply_migration, plan_migration


def _catalog():
    return get_catalog()


@click.group("workflows")
def workflows_group():
    """Workflow definitions: check, draw, migrate records between versions."""


@workflows_group.command("check")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@with_appcontext
def check_command(paths):
    """Validate the definitions (or the given files); exit 1 on any problem."""
    files: list[Path] = []
    for path in paths or [Path(current_app.config.get("WORKFLOWS_DIR")
                               or resource_dir("workflows"))]:
        files.extend(definition_files(path) if path.is_dir() else [path])
    try:
        catalog = load_definitions(files, registry, set(ROLES))
    except DefinitionError as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        raise click.ClickException(f"{len(exc.problems)} problem(s) in the workflow "
                                   "definitions") from None
    for d in catalog.all():
        click.echo(f"{d.path}: {d.name} v{d.version} (from {d.effective_from}): "
                   f"{len(d.states)} states, {len(d.events)} events, "
                   f"{len(d.transitions)} transitions")
    items = provenance.listing(catalog.all())
    unverified = sum(1 for p in items if p.status == "unverified")
    not_stated = sum(1 for p in items if p.status == "not_stated")
    if unverified or not_stated:
        click.echo(f"warning: {unverified + not_stated} provision(s) not verified against the "
                   f"official text ({unverified} marked verified: false, {not_stated} without "
                   "`verified`); see `casework workflows provenance`", err=True)
    click.echo(f"OK: {len(catalog.all())} definition(s)")


@workflows_group.command("provenance")
@click.argument("name", required=False)
@with_appcontext
def provenance_command(name):
    """List every provision (transition, deadline, parameter, approver) of every version
    of NAME (default: every workflow) with its legal basis and source, unverified first."""
    catalog = _catalog()
    if name is not None and name not in catalog.names():
        raise click.ClickException(f"unknown workflow {name!r}")
    definitions = [d for d in catalog.all() if name is None or d.name == name]
    items = provenance.listing(definitions)
    laws = {d.key: d.law_label for d in definitions}
    for p in items:
        click.echo(f"{p.status:<10}  {p.workflow} v{p.version} ({laws[(p.workflow, p.version)]})"
                   f"  {p.kind}  {p.what}")
        click.echo(f"            basis: {p.provenance.basis or '-'}")
        if p.provenance.source:
            click.echo(f"            source: {p.provenance.source}")
    counts = {s: sum(1 for p in items if p.status == s) for s in provenance.ORDER}
    click.echo(f"{len(items)} provision(s): {counts['unverified']} unverified, "
               f"{counts['not_stated']} not stated, {counts['verified']} verified")


@workflows_group.command("list")
@with_appcontext
def list_command():
    """The workflows and their versions."""
    catalog = _catalog()
    for name in catalog.names():
        versions = ", ".join(f"v{v} (from {catalog.get(name, v).effective_from})"
                             for v in catalog.versions(name))
        click.echo(f"{name}: {versions}")


@workflows_group.command("diagram")
@click.argument("name")
@click.option("--version", "version", type=int, help="A version (default: the newest).")
@click.option("--state", help="Highlight this state.")
@click.option("--codes", is_flag=True, help="Label with codes instead of names.")
@click.option("--lang", type=click.Choice(["vi", "en"]), default="vi", show_default=True)
@with_appcontext
def diagram_command(name, version, state, codes, lang):
    """Print the Mermaid diagram of workflow NAME."""
    catalog = _catalog()
    try:
        definition = catalog.get(name, version)
    except UnknownWorkflow:
        raise click.ClickException(f"unknown workflow {name!r}"
                                   + (f" version {version}" if version else "")) from None
    if state is not None and state not in definition.states:
        raise click.ClickException(f"{name} has no state {state!r}")
    with force_locale(lang):
        click.echo(mermaid(definition, catalog.registry, current=state, codes=codes), nl=False)


@workflows_group.command("migrate")
@click.argument("name")
@click.option("--to", "to_version", type=int, required=True, help="The version to move to.")
@click.option("--dry-run", is_flag=True, help="List what would happen; change nothing.")
@with_appcontext
def migrate_command(name, to_version, dry_run):
    """Move the open records of workflow NAME to version N."""
    catalog = _catalog()
    try:
        plan = plan_migration(catalog, name, to_version)
    except UnknownWorkflow:
        raise click.ClickException(f"unknown workflow {name!r} version {to_version}") from None
    target = catalog.get(name, to_version)
    for ref in plan.movable:
        if ref.state not in target.states:  # from_previous
            click.echo(f"becomes {target.state_for(ref.state)!r} in v{to_version}: {ref}")
    for ref in plan.blocked:
        click.echo(f"not in v{to_version}: {ref}")
    click.echo(f"{len(plan.movable)} open record(s) can move to {name} v{to_version}; "
               f"{len(plan.blocked)} are in a state v{to_version} does not have.")
    if dry_run:
        return
    if not plan.ok:
        raise click.ClickException("nothing was migrated: move or close the records listed "
                                   "above first, or add their states to the new version (or "
                                   "map them under from_previous)")
    moved = apply_migration(catalog, plan)
    db.session.commit()
    click.echo(f"Migrated {moved} record(s).")


@click.command("deadlines")
@click.option("--overdue", is_flag=True, help="Only records past their due date.")
@click.option("--org-unit", "org_unit", help="Only records in this unit's subtree.")
@with_appcontext
def deadlines_command(overdue, org_unit):
    """List records with the due date of their current state, soonest first."""
    catalog = _catalog()
    unit_path = None
    if org_unit:
        unit = get_by_code(org_unit)
        if unit is None:
            raise click.ClickException(f"unknown org unit code {org_unit!r}")
        unit_path = unit.path
    today = today_local()
    items = list_due(catalog.registry.record_types.values(), catalog, overdue_only=overdue,
                     today=today, unit_path=unit_path)
    for item in items:
        left = item.days_left(today)
        when = f"{-left} day(s) overdue" if left < 0 else f"in {left} day(s)"
        click.echo(f"{item.due_date}  {when:<18} {item.record_type} #{item.record_id}  "
                   f"{item.org_unit_code}  {item.state}: {item.label}")
    click.echo(f"{len(items)} record(s)" + (" overdue" if overdue else " with a due date"))
