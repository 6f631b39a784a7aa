"""The user list for administrators, limited to their scope."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, render_template
from flask_login import login_required

from casework.auth.models import RoleAssignment, User
from casework.auth.roles import ADMIN_ROLES
from casework.auth.scope import current_scope, scoped
from casework.db import utcnow
from casework.errors import NotPermitted
from casework.extensions import db

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/users")
@login_required
def users():
    """Users holding at least one role inside the administrator's scope."""
    scope = current_scope()
    if not scope.roles & ADMIN_ROLES:
        raise NotPermitted()
    in_scope = scoped(sa.select(RoleAssignment.user_id), RoleAssignment.org_unit_id, scope,
                      ADMIN_ROLES)
    people = db.session.scalars(
        sa.select(User).where(User.id.in_(in_scope)).order_by(User.username)
    ).all()
    return render_template("admin/users.html", users=people, now=utcnow())
