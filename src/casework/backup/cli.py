"""``casework backup DIR`` and ``casework restore DIR``."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from casework.backup.services import BackupError, backup, restore
from casework.workflow.catalog import get_catalog


@click.command("backup")
@click.argument("directory", metavar="DIR", type=click.Path(file_okay=False, path_type=Path))
@with_appcontext
def backup_command(directory: Path):
    """Write a consistent backup (database, attachments, keys, anchors, manifest) into DIR,
    a new or empty folder."""
    try:
        result = backup(directory)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    rows = sum(result.tables.values())
    click.echo(f"Backup written to {result.directory}: {rows} row(s) in "
               f"{len(result.tables)} table(s), {result.attachments} attachment(s), "
               f"{result.files} file(s) with their checksums in manifest.json.")


@click.command("restore")
@click.argument("directory", metavar="DIR",
                type=click.Path(exists=True, file_okay=False, path_type=Path))
@with_appcontext
def restore_command(directory: Path):
    """Restore the backup in DIR into the configured, empty database and instance folder,
    then verify the row counts and the audit log."""
    try:
        result = restore(directory, get_catalog().registry.record_types.values())
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    for problem in [*result.problems, *map(str, result.report.breaks),
                    *result.anchors.problems]:
        click.echo(problem, err=True)
    if not result.ok:
        count = (len(result.problems) + len(result.report.breaks)
                 + len(result.anchors.problems))
        raise click.ClickException(f"restored, but {count} problem(s) found when verifying it")
    rows = sum(result.tables.values())
    click.echo(f"Restored {rows} row(s) and {result.attachments} attachment(s); "
               f"the audit log verifies ({result.report.entries} entries, "
               f"{result.anchors.anchors} anchor(s)).")
    if result.dialect == "postgresql":
        click.echo("Grant the app's role its privileges again: "
                   "psql -d DATABASE -f scripts/postgres-roles.sql")
