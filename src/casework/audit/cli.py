"""``casework audit verify``."""

from __future__ import annotations

import click
from flask.cli import with_appcontext


@click.group("audit")
def audit_group():
    """The audit log of every workflow event."""


@audit_group.command("verify")
@with_appcontext
def verify_command():
    """Verify every hash chain; exit 1 and list the broken entries on tampering."""
    from casework.audit.services import verify
    from casework.workflow.catalog import get_catalog

    report = verify(get_catalog().registry.record_types.values())
    for broken in report.breaks:
        click.echo(str(broken), err=True)
    if not report.ok:
        raise click.ClickException(f"{len(report.breaks)} problem(s) in the audit log")
    click.echo(f"OK: {report.entries} entries in {report.chains} chain(s) verified.")
