"""Browse the org-unit tree within the caller's scope."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, render_template
from flask_login import login_required

from casework.auth.scope import current_scope, get_scoped_orgunit, scoped
from casework.extensions import db
from casework.orgunits.models import OrgUnit

bp = Blueprint("orgunits", __name__, url_prefix="/areas")


def _with_child_counts(stmt):
    child = sa.orm.aliased(OrgUnit)
    counts = (
        sa.select(sa.func.count(child.id)).where(child.parent_id == OrgUnit.id)
        .correlate(OrgUnit).scalar_subquery()
    )
    return db.session.execute(stmt.add_columns(counts).order_by(OrgUnit.name)).all()


@bp.route("/")
@login_required
def index():
    """The top units of the caller's scope."""
    scope = current_scope()
    # A scope root is a visible unit whose parent is not visible.
    parent = sa.orm.aliased(OrgUnit)
    visible_parent = sa.select(parent.id).where(
        parent.id == OrgUnit.parent_id, scope.unit_clause(parent.path)
    ).exists()
    stmt = scoped(sa.select(OrgUnit), OrgUnit.id, scope).where(~visible_parent)
    return render_template("orgunits/index.html", units=_with_child_counts(stmt))


@bp.route("/<code>")
@login_required
def show(code):
    scope = current_scope()
    unit = get_scoped_orgunit(code, scope)
    ancestors = db.session.scalars(
        scoped(sa.select(OrgUnit).where(OrgUnit.id.in_(unit.ancestor_ids[:-1])), OrgUnit.id,
               scope).order_by(OrgUnit.depth)
    ).all()
    children = _with_child_counts(sa.select(OrgUnit).where(OrgUnit.parent_id == unit.id))
    return render_template("orgunits/show.html", unit=unit, ancestors=ancestors,
                           children=children)
