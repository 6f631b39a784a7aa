"""``casework import persons FILE`` and ``casework import tests FILE``.

The file is checked first; with ``--dry-run`` that is all. Otherwise, when no row has a
problem, everything is imported in one transaction, with a progress bar, and committed once.
Problems go to stderr as ``FILE:ROW: column: message``; then the exit code is 1 and nothing
is written.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from casework.auth import services as auth_services
from casework.auth.scope import Scope
from casework.extensions import db
from casework.imports.services import check_file, import_file


@click.group("import")
def import_group():
    """Import persons or drug tests from a CSV (UTF-8) or XLSX file."""


def _options(command):
    command = click.option("--dry-run", is_flag=True,
                           help="Check every row and report problems; import nothing.")(command)
    command = click.option(
        "--user", "username", required=True, envvar="CASEWORK_USER",
        help="The user the import acts as: their roles and area decide what is allowed, and "
             "the audit log names them (or set CASEWORK_USER).")(command)
    return click.argument(
        "file", type=click.Path(exists=True, dir_okay=False, path_type=Path))(command)


class _Bar:
    """A click progress bar opened on the first report of the total."""

    def __init__(self, label: str):
        self.label = label
        self.bar = None
        self.done = 0

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None:
            self.bar = click.progressbar(length=total, label=self.label,
                                         file=sys.stderr)
            self.bar.__enter__()
        self.bar.update(done - self.done)
        self.done = done

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


def _run(kind: str, file: Path, username: str, dry_run: bool) -> None:
    user = auth_services.get_user(username)
    if user is None or not user.is_active:
        raise click.ClickException(f"unknown or inactive user {username!r}")
    content = file.read_bytes()
    scope = Scope.for_user(user)
    bar = _Bar("Checking" if dry_run else "Importing")
    try:
        if dry_run:
            report = check_file(kind, content, user, scope, file.name, progress=bar)
        else:
            report = import_file(kind, content, user, scope, file.name, progress=bar)
    except BaseException:
        db.session.rollback()
        raise
    finally:
        bar.close()
    if not report.ok:
        db.session.rollback()
        for problem in report.problems:
            column = f" {problem.column}:" if problem.column else ""
            click.echo(f"{file}:{problem.row}:{column} {problem.message}", err=True)
        raise click.ClickException(f"{len(report.problems)} problem(s); nothing was imported")
    if dry_run:
        db.session.rollback()
        click.echo(f"Checked {file}: {report.rows} row(s), no problem; {report.new} to import, "
                   f"{report.existing} already imported.")
        return
    db.session.commit()
    click.echo(f"Imported {file}: {report.imported} {kind} created, {report.existing} already "
               "imported (left as they are).")


@import_group.command("persons")
@_options
@with_appcontext
def import_persons_command(file: Path, username: str, dry_run: bool):
    """Import persons (with their current state) from FILE, all or nothing.

    Columns: external_id, full_name, birth_date, gender, area_code, state, and the facts the
    state needs (see the README). Persons whose external_id is known are left as they are.
    """
    _run("persons", file, username, dry_run)


@import_group.command("tests")
@_options
@with_appcontext
def import_tests_command(file: Path, username: str, dry_run: bool):
    """Import drug test results from FILE, all or nothing.

    Columns: external_id, person_external_id, test_date, sample, substances, result, facility
    and optionally guardian_consent. Each test is recorded as its person's record_test event.
    """
    _run("tests", file, username, dry_run)
