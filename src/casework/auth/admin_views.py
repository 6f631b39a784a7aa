"""The user administration pages, limited to the administrator's scope (``auth.accounts``).

``/admin/users`` lists the users and creates one; ``/admin/users/<username>`` changes one:
name, post, e-mail, roles, disabled or not, locked or not, a new password. Each form posts
with htmx and gets the user's panels back (with the refusal in the form, answered 422 so
htmx shows it); without JavaScript it is a plain POST answered with a redirect.
"""

from __future__ import annotations

from flask import Blueprint, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from casework.audit.services import history_of
from casework.auth import accounts
from casework.auth.models import User
from casework.auth.roles import ROLE_LABELS
from casework.auth.scope import current_scope
from casework.db import utcnow
from casework.errors import CaseworkError, NotFound, ValidationFailed
from casework.extensions import db, htmx

bp = Blueprint("admin", __name__, url_prefix="/admin")

CHANGE_LABELS = {
    "create": _l("Account created"), "update": _l("Account edited"),
    "disable": _l("Account disabled"), "enable": _l("Account enabled"),
    "unlock": _l("Sign-in unlocked"), "set_password": _l("New password set"),
}
DONE = {
    "details": _l("The details are saved."), "add_role": _l("The role is added."),
    "remove_role": _l("The role is removed."), "disable": _l("The account is disabled."),
    "enable": _l("The account is enabled."), "unlock": _l("Sign-in is unlocked."),
    "password": _l("The new password is set. The user is signed out everywhere."),
}


# The fields of the change history (accounts.account_values), in the user's language.
FIELD_NAMES = {
    "username": _l("Username"), "full_name": _l("Full name"), "post": _l("Post"),
    "email": _l("E-mail"), "active": _l("Active"), "assignments": _l("Roles"),
}


def wants_fragment() -> bool:
    """An htmx request for part of a page (not a boosted link): answer with the fragment."""
    return bool(htmx) and not htmx.boosted


def page_or_fragment(page: str, fragment: str, **context) -> str:
    return render_template(fragment if wants_fragment() else page, **context)


def _actor():
    return current_user._get_current_object()


def _admin_scope():
    scope = current_scope()
    accounts.require_admin(scope)
    return scope


@bp.app_template_filter("user_change_label")
def user_change_label(event: str) -> str:
    return str(CHANGE_LABELS.get(event, event))


def _form_context(scope) -> dict:
    return {"roles": ROLE_LABELS, "units": accounts.grantable_units(scope), "now": utcnow(),
            "field_names": FIELD_NAMES}


@bp.route("/users")
@login_required
def users(form_error: dict | None = None, status: int = 200):
    """Users holding at least one role inside the administrator's scope, and a form to
    create one."""
    scope = _admin_scope()
    people = db.session.scalars(accounts.visible_users(scope).order_by(User.username)).all()
    context = {"users": people, "form_error": form_error or {}, **_form_context(scope)}
    if form_error and wants_fragment():
        return render_template("admin/_user_create.html", **context), status
    return render_template("admin/users.html", **context), status


@bp.route("/users", methods=["POST"])
@login_required
def create_user():
    scope = _admin_scope()
    form = request.form
    assignments = [{"role": form.get("role", ""), "org_unit": form.get("org_unit", "")}]
    try:
        if form.get("password", "") != form.get("password_confirm", ""):
            raise _mismatch()
        user = accounts.create_account(
            _actor(), scope, username=form.get("username", ""),
            full_name=form.get("full_name", ""), post=form.get("post", ""),
            email=form.get("email", ""), password=form.get("password", ""),
            assignments=assignments)
    except CaseworkError as exc:
        db.session.rollback()
        return users(_refusal(exc, "create", form), 422)
    db.session.commit()
    flash(_("The account %(name)s is created.", name=user.username), "info")
    url = url_for("admin.user", username=user.username)
    if wants_fragment():
        response = make_response("", 204)
        response.headers["HX-Redirect"] = url
        return response
    return redirect(url)


def _mismatch() -> CaseworkError:
    return ValidationFailed(errors={"password_confirm": [_("The two passwords differ.")]})


def _refusal(exc: CaseworkError, key: str, form) -> dict:
    """A refused form: its message and field errors, and what was typed (never a password)."""
    values = {k: v for k, v in form.items() if not k.startswith("password")}
    return {"key": key, "message": str(exc.message), "errors": _flat(exc.errors),
            "values": values}


def _flat(errors: dict) -> dict:
    """{"assignments": {0: {"org_unit": [...]}}} → {"org_unit": [...]}: the page's forms
    have one role and one unit each."""
    flat = dict(errors)
    nested = flat.pop("assignments", None)
    if isinstance(nested, dict):
        for item in nested.values():
            if isinstance(item, dict):
                for name, messages in item.items():
                    flat.setdefault(name, []).extend(messages)
    elif nested:
        flat["assignments"] = nested
    return flat


def _user_page(username: str, form_error: dict | None = None, status: int = 200,
               notice: str | None = None):
    scope = _admin_scope()
    user = accounts.get_visible_user(username, scope)
    context = {
        "user": user, "may_manage": accounts.may_manage(scope, user, _actor()),
        "is_self": user.id == _actor().id, "locked": accounts.is_locked(user),
        "changes": list(reversed(history_of(user))), "form_error": form_error or {},
        "notice": notice, **_form_context(scope),
    }
    return page_or_fragment("admin/user.html", "admin/_user_panels.html", **context), status


@bp.route("/users/<username>")
@login_required
def user(username):
    """One user: details, roles, account state and change history."""
    return _user_page(username)


def _change(username: str, key: str, changes) -> object:
    """Apply the changes a form asks for (``changes(user)`` builds them) and answer."""
    scope = _admin_scope()
    target = accounts.get_visible_user(username, scope)
    accounts.require_manage(scope, target, _actor())  # the record before the form
    try:
        accounts.update_account(_actor(), scope, target, changes(target))
    except NotFound:
        db.session.rollback()
        raise
    except CaseworkError as exc:
        db.session.rollback()
        return _user_page(username, _refusal(exc, key, request.form), 422)
    db.session.commit()
    if wants_fragment():
        return _user_page(username, notice=str(DONE[key]))
    flash(str(DONE[key]), "info")
    return redirect(url_for("admin.user", username=username))


def _grants_of(user) -> list[dict]:
    return [{"role": a.role, "org_unit": a.org_unit.code} for a in user.assignments]


@bp.route("/users/<username>/details", methods=["POST"])
@login_required
def save_details(username):
    form = request.form
    return _change(username, "details", lambda u: {
        "full_name": form.get("full_name", ""), "post": form.get("post", ""),
        "email": form.get("email", "")})


@bp.route("/users/<username>/roles", methods=["POST"])
@login_required
def add_role(username):
    form = request.form
    return _change(username, "add_role", lambda u: {"assignments": [
        *_grants_of(u), {"role": form.get("role", ""), "org_unit": form.get("org_unit", "")}]})


@bp.route("/users/<username>/roles/<int:assignment_id>/delete", methods=["POST"])
@login_required
def remove_role(username, assignment_id):
    def changes(user):
        if all(a.id != assignment_id for a in user.assignments):
            raise NotFound()
        return {"assignments": [{"role": a.role, "org_unit": a.org_unit.code}
                                for a in user.assignments if a.id != assignment_id]}

    return _change(username, "remove_role", changes)


@bp.route("/users/<username>/disable", methods=["POST"])
@login_required
def disable(username):
    return _change(username, "disable", lambda u: {"active": False})


@bp.route("/users/<username>/enable", methods=["POST"])
@login_required
def enable(username):
    return _change(username, "enable", lambda u: {"active": True})


@bp.route("/users/<username>/unlock", methods=["POST"])
@login_required
def unlock(username):
    return _change(username, "unlock", lambda u: {"unlock": True})


@bp.route("/users/<username>/password", methods=["POST"])
@login_required
def set_password(username):
    form = request.form

    def changes(_user):
        if form.get("password", "") != form.get("password_confirm", ""):
            raise _mismatch()
        return {"password": form.get("password", "")}

    return _change(username, "password", changes)
