"""JSON API of user administration (INTERFACES.md, "Users (admin)"): an administrator lists,
creates and changes the users of their own scope (the rules: ``auth.accounts``)."""

from __future__ import annotations

import sqlalchemy as sa
from flask_login import current_user

from casework.api_base import Blueprint
from casework.auth import accounts
from casework.auth.models import User
from casework.auth.roles import ADMIN_ROLES
from casework.auth.schemas import (
    UserCreateSchema,
    UserListSchema,
    UserQuerySchema,
    UserSchema,
    UserUpdateSchema,
)
from casework.auth.scope import current_scope
from casework.errors import CaseworkError
from casework.extensions import db
from casework.validation import page_window

blp = Blueprint("users_api", __name__, url_prefix="/api/v1/users",
                description="Users (admin): accounts and their roles")


def user_json(user: User, scope, actor) -> dict:
    return {"username": user.username, "full_name": user.full_name, "post": user.post,
            "email": user.email, "active": user.active, "locked": accounts.is_locked(user),
            "locked_until": user.locked_until if accounts.is_locked(user) else None,
            "last_login_at": user.last_login_at, "assignments": list(user.assignments),
            "manageable": accounts.may_manage(scope, user, actor)}


@blp.route("")
@blp.arguments(UserQuerySchema, location="query")
@blp.response(200, UserListSchema)
def list_users(args):
    """Users holding a role over a unit the caller administers, by username."""
    scope = current_scope()
    accounts.require_admin(scope)
    stmt = accounts.visible_users(scope)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(stmt.subquery()))
    offset, limit = page_window(args["page"], args["per_page"])
    users = db.session.scalars(stmt.order_by(User.username).offset(offset).limit(limit)).all()
    actor = current_user._get_current_object()
    return {"items": [user_json(u, scope, actor) for u in users], "total": total}


@blp.route("/<username>")
@blp.response(200, UserSchema)
def get_user(username):
    """One user of the caller's scope (404 outside it)."""
    scope = current_scope()
    accounts.require_admin(scope)
    user = accounts.get_visible_user(username, scope)
    return user_json(user, scope, current_user._get_current_object())


@blp.route("", methods=["POST"], roles=ADMIN_ROLES)
@blp.arguments(UserCreateSchema)
@blp.response(201, UserSchema)
def create_user(body):
    """Create a user with a password and at least one role, each over a unit the caller
    administers (403 ``not_permitted`` otherwise, naming the role). A weak password, an
    unknown role or unit, or a username already taken: 422 with the field."""
    scope = current_scope()
    actor = current_user._get_current_object()
    try:
        user = accounts.create_account(actor, scope, **body)
    except CaseworkError:
        db.session.rollback()
        raise
    db.session.commit()
    return user_json(user, scope, actor), 201


@blp.route("/<username>", methods=["PATCH"], roles=ADMIN_ROLES)
@blp.arguments(UserUpdateSchema)
@blp.response(200, UserSchema)
def update_user(body, username):
    """Change the name, post, e-mail or roles (``assignments`` replaces them all), disable
    (``"active": false``) or enable, ``"unlock": true``, or set a new ``password`` (which
    signs the user out everywhere). All or nothing; each change is audited. 403 for a user
    who holds a role outside the caller's scope, and for the caller's own account."""
    scope = current_scope()
    actor = current_user._get_current_object()
    user = accounts.get_visible_user(username, scope)
    try:
        accounts.update_account(actor, scope, user, body)
    except CaseworkError:
        db.session.rollback()
        raise
    db.session.commit()
    return user_json(user, scope, actor)
