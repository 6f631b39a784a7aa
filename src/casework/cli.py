"""The ``casework`` command: a Flask CLI group (``casework run`` is Flask's own).

Exit codes (INTERFACES.md): 0 success, 1 failure with a one-line message on stderr, 2 usage.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext

from casework import create_app
from casework.areas.cli import classify_command, criteria_group
from casework.audit.cli import audit_group
from casework.auth import accounts, services
from casework.auth.roles import ROLES
from casework.backup.cli import backup_command, restore_command
from casework.demo.loader import (
    DEMO_PASSWORD,
    DemoLoadError,
    load_demo,
    renamed_accounts,
    survey,
)
from casework.errors import CaseworkError
from casework.extensions import db
from casework.imports.cli import import_group
from casework.instance import InstanceError
from casework.jobs.cli import jobs_group, worker_command
from casework.migrating import upgrade_schema
from casework.notify.cli import notify_command
from casework.orgunits.services import OrgUnitError, get_by_code, import_csv, update_orgunit
from casework.workflow.cli import deadlines_command, workflows_group
from casework.workflow.definitions import DefinitionError


def _create_app():
    try:
        return create_app()
    except (DefinitionError, InstanceError) as exc:  # say what is wrong and stop, no traceback
        click.echo(f"Error: {exc}", err=True)
        sys.exit(1)


cli = FlaskGroup(
    create_app=_create_app,
    add_version_option=False,
    help="casework: case management for drug-free area programmes.",
)


def _fail(message: str) -> None:
    raise click.ClickException(message)


@click.command("init")
@with_appcontext
def init_command():
    """Create or upgrade the database schema (safe to repeat)."""
    if upgrade_schema():
        click.echo("Job queue schema (Procrastinate) installed.")
    click.echo("Database schema is up to date.")


@click.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--no-serve", is_flag=True, help="Prepare the database and data, then stop.")
@with_appcontext
def demo_command(host, port, no_serve):
    """Create (or reuse) the database, load demo data, print the accounts and serve.

    On a database that holds other data the demo adds only its own units (Lai Châu, LCH…,
    and Bắc Cường, LCI…), their records and its own accounts, and says what it adds."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import SQLAlchemyError

    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    click.echo(f"Database: {url.render_as_string(hide_password=True)}")
    try:
        upgrade_schema()
        before = survey()
        if before.other():
            click.echo(f"The database already holds {before.other()} that are not demo data: "
                       "the demo leaves them as they are and adds its own under its units "
                       "(LCH…, LCI…).")
        for name, username in renamed_accounts():
            click.echo(f"The user name {name} belongs to another account: the demo's is "
                       f"{username}.")
        click.echo(f"Adding: {before.adding()}.")
        accounts = load_demo()
        click.echo(f"Added: {survey().added_since(before)}.")
        # Today's reminders, as `casework notify` would make them (no e-mail): the bell in
        # the header is not empty on a first visit.
        from casework.db import today_local
        from casework.notify.services import create_due

        made = create_due(today_local())
        click.echo(f"Reminders: {made.notifications} for {made.users} user(s).")
    except (CaseworkError, DemoLoadError, SQLAlchemyError) as exc:
        db.session.rollback()
        message = exc.message if isinstance(exc, CaseworkError) else exc
        _fail(f"the demo could not be loaded: {message}")
    click.echo(f"Demo accounts (password for all: {DEMO_PASSWORD}):")
    for username, role, unit in accounts:
        click.echo(f"  {username:<12} {role:<20} {unit}")
    if no_serve:
        return
    # End the command's own transaction: on SQLite an open read keeps a lock that would
    # refuse every request's commit ("database is locked").
    db.session.remove()
    click.echo(f"Serving on http://{host}:{port}/  (Ctrl+C to stop)")
    # Flask's app.run() refuses to start inside a CLI command; serve with Werkzeug directly.
    from werkzeug.serving import run_simple

    run_simple(host, port, current_app._get_current_object(), threaded=True)


@click.group("orgunits")
def orgunits_group():
    """Org units (đơn vị hành chính)."""


@orgunits_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def orgunits_import(file: Path):
    """Import FILE.csv with columns code,name,kind,parent_code (idempotent by code)."""
    try:
        text = file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        _fail(f"{file}: not a UTF-8 text file")
    report = import_csv(text)
    if not report.ok:
        db.session.rollback()
        for line, message in report.errors:
            click.echo(f"{file}:{line}: {message}", err=True)
        _fail(f"{len(report.errors)} bad row(s); nothing was imported")
    db.session.commit()
    click.echo(
        f"Imported {file}: {report.created} created, {report.updated} updated, "
        f"{report.unchanged} unchanged."
    )


@orgunits_group.command("remote")
@click.argument("code")
@click.option("--off", is_flag=True, help="Remove the mark instead of setting it.")
@with_appcontext
def orgunits_remote(code: str, off: bool):
    """Mark the commune or ward CODE remote or mountainous (Decree 105/2021 Art 41.1: 16
    working days for a management decision instead of 9), or remove the mark with --off.
    The change is logged in the unit's audit chain, by the system."""
    unit = get_by_code(code)
    if unit is None:
        _fail(f"no org unit with the code {code}")
    try:
        update_orgunit(unit, None, remote=not off, role=None)
    except OrgUnitError as exc:
        db.session.rollback()
        _fail(f"{code}: {exc}")
    db.session.commit()
    click.echo(f"{code} ({unit.name}): {'not remote' if off else 'remote'}.")


def _succession_day(ctx, param, value):
    from casework.typed_dates import BadInput, parse_day

    try:
        day = parse_day(value)
    except BadInput as exc:
        raise click.BadParameter(str(exc.message)) from None
    if day is None:
        raise click.BadParameter("give a date (YYYY-MM-DD or dd/mm/yyyy)")
    return day


def _run_succession(verb, *args, dry_run: bool, **kwargs) -> None:
    from casework.extensions import db
    from casework.orgunits.successions import SuccessionConflict, SuccessionError

    try:
        report = verb(*args, dry_run=dry_run, **kwargs)
    except SuccessionConflict as exc:
        db.session.rollback()
        for line in exc.report.lines():
            click.echo(line, err=True)
        _fail(str(exc))
    except SuccessionError as exc:
        db.session.rollback()
        _fail(str(exc))
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    for line in report.lines():
        click.echo(line)


@orgunits_group.command("merge")
@click.argument("old", nargs=-1, required=True)
@click.option("--into", "into", required=True, help="Code of the successor unit.")
@click.option("--on", "on", required=True, callback=_succession_day,
              help="The successor's first day (the old units end the day before).")
@click.option("--basis", required=True, help="Legal basis, e.g. NQ 1670/NQ-UBTVQH15 Art 1.35.")
@click.option("--dry-run", is_flag=True, help="List what would change; write nothing.")
@with_appcontext
def orgunits_merge(old, into, on, basis, dry_run):
    """Merge the units OLD into --into from --on (WORKFLOWS.md §6): the old units end the day
    before, their villages and groups move under the successor. Recorded by the system."""
    from casework.orgunits import successions

    _run_succession(successions.merge, list(old), into, on, basis, dry_run=dry_run)


@orgunits_group.command("move")
@click.argument("code")
@click.option("--to", "to", required=True, help="Code of the new parent.")
@click.option("--on", "on", required=True, callback=_succession_day,
              help="The first day under the new parent.")
@click.option("--basis", required=True, help="Legal basis.")
@click.option("--dry-run", is_flag=True, help="List what would change; write nothing.")
@with_appcontext
def orgunits_move(code, to, on, basis, dry_run):
    """Re-parent the unit CODE (with its subtree) under --to from --on."""
    from casework.orgunits import successions

    _run_succession(successions.move, code, to, on, basis, dry_run=dry_run)


@click.group("users")
def users_group():
    """User accounts and their roles."""


def _role_choice():
    return click.Choice(ROLES)


@users_group.command("create")
@click.argument("username")
@click.option("--role", required=True, type=_role_choice(), help="Role to grant.")
@click.option("--org-unit", "org_unit", required=True, help="Code of the unit the role covers.")
@click.option("--full-name", default="", help="The person's full name.")
@click.option("--post", default="", help="The official title, e.g. 'Trưởng Công an phường'.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@with_appcontext
def users_create(username, role, org_unit, full_name, post, password_stdin):
    """Add a user, or a role to an existing user (logged in the user's audit chain, by the
    system)."""
    unit = get_by_code(org_unit)
    if unit is None:
        _fail(f"unknown org unit code {org_unit!r}")
    try:
        user = services.get_user(username)
        created = user is None
        if created:
            if password_stdin:
                password = sys.stdin.readline().rstrip("\r\n")
            elif sys.stdin.isatty():
                password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
            else:
                _fail("no password: use --password-stdin or run in a terminal")
            user = services.create_user(username, password, full_name=full_name)
            user.post = " ".join(post.split())
        before = None if created else accounts.account_values(user)
        services.grant_role(user, role, unit)
        after = accounts.account_values(user)
        if after != before:
            accounts.log_change(user, "create" if created else "update", actor=None, role=None,
                                org_unit_id=unit.id, before=before, after=after)
    except CaseworkError as exc:
        db.session.rollback()
        details = "; ".join(f"{k}: {' '.join(map(str, v))}" for k, v in exc.errors.items())
        _fail(details or str(exc.message))
    db.session.commit()
    verb = "created with" if created else "now has"
    click.echo(f"User {username} {verb} role {role} over {unit.code} ({unit.name}).")


def register_commands(app) -> None:
    for command in (init_command, demo_command, orgunits_group, users_group,
                    workflows_group, deadlines_command, audit_group, import_group,
                    backup_command, restore_command, criteria_group, classify_command,
                    worker_command, jobs_group, notify_command):
        app.cli.add_command(command)
