"""``casework notify [--dry-run]``: the reminders due now (INTERFACES.md, "Command line")."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from casework.notify.digest import parse_smtp_url
from casework.notify.run import notify


@click.command("notify")
@click.option("--dry-run", is_flag=True,
              help="Count the notifications and digests due, create and send nothing.")
@with_appcontext
def notify_command(dry_run):
    """Create the reminders due today and send each user's daily e-mail digest."""
    from flask import current_app

    url = current_app.config.get("SMTP_URL")
    if url:
        try:
            parse_smtp_url(url)
        except ValueError as error:
            click.echo(str(error), err=True)
            sys.exit(1)
    result = notify(dry_run=dry_run)
    click.echo(result.line())
    if result.sent.failed:
        click.echo(f"{result.sent.failed} digest(s) could not be sent; they go out on the "
                   "next run", err=True)
        sys.exit(1)
