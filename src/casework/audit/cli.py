"""``casework audit verify`` and ``casework audit anchor``."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from casework.audit.anchors import AnchorError, anchor, anchors_path, verify_all
from casework.instance import InstanceError


@click.group("audit")
def audit_group():
    """The audit log of every workflow event."""


def _record_models():
    from casework.audit.services import record_models

    return record_models()


@audit_group.command("verify")
@with_appcontext
def verify_command():
    """Verify every hash chain, and the anchors; exit 1 and list the problems on tampering."""
    try:
        report, anchors = verify_all(_record_models())
    except InstanceError as exc:
        raise click.ClickException(str(exc)) from None
    for broken in report.breaks:
        click.echo(str(broken), err=True)
    for problem in anchors.problems:
        click.echo(problem, err=True)
    problems = len(report.breaks) + len(anchors.problems)
    if problems:
        raise click.ClickException(f"{problems} problem(s) in the audit log")
    against = f", against {anchors.anchors} anchor(s)" if anchors.anchors else ""
    click.echo(f"OK: {report.entries} entries in {report.chains} chain(s) verified{against}.")


@audit_group.command("anchor")
@with_appcontext
def anchor_command():
    """Sign the head of every chain with CASEWORK_AUDIT_KEY, in the instance folder."""
    try:
        result = anchor(_record_models())
    except (AnchorError, InstanceError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Anchor {result.number} written to {anchors_path()}: {result.chains} chain(s), "
               f"{result.moved} with a new head.")
