"""User administration: the verbs behind ``/admin/users`` and ``/api/v1/users``.

An administrator manages users only within their own scope. Precisely:

- **sees** a user who holds at least one role over a unit inside the administrator's `admin`
  grants (their subtrees, and what succession adds: ``auth.scope``); anyone else is "not
  found";
- **changes** a user only when *every* role the user holds is over such a unit. A user who
  also holds a role elsewhere (a city officer with a ward role too) is listed but read-only:
  changing their password or roles would reach beyond the administrator's area;
- **grants** a role only over a unit they administer today and that has not ended (new work
  on a merged unit goes on its successor, WORKFLOWS.md §6); any role, ``admin`` included;
- never changes their own account here (no self-granted roles, no self-lockout): another
  administrator, or the command line, does that.

Every user keeps at least one role: an account with none would be invisible to every
administrator. Disable it instead.

Each change is one entry in the user's chain of the audit log (``audit.changes``): ``create``,
``update`` (name, post, e-mail, roles), ``disable``, ``enable``, ``unlock`` and
``set_password``. Passwords are never logged, not even their length. Services flush, never
commit; everything is checked before anything is written, so a refused change writes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import sqlalchemy as sa
from flask_babel import gettext as _

from casework.audit.changes import record_change
from casework.auth import services
from casework.auth.models import ApiToken, RoleAssignment, User
from casework.auth.roles import ADMIN_ROLES, ROLES
from casework.auth.scope import Scope, scoped
from casework.db import utcnow
from casework.errors import NotFound, NotPermitted, StaleVersion, ValidationFailed
from casework.extensions import db
from casework.orgunits.models import LEAF_KINDS, OrgUnit
from casework.orgunits.services import get_by_code
from casework.validation import character_problem

# What an administration change may touch (the PATCH of the API, the forms of the page).
FIELDS = ("full_name", "post", "email", "assignments", "active", "unlock", "password")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
MAX_ASSIGNMENTS = 50


def account_values(user: User) -> dict:
    """What the audit log keeps of an account (no password, no sign-in counters)."""
    return {
        "username": user.username, "full_name": user.full_name, "post": user.post,
        "email": user.email, "active": user.active,
        "assignments": sorted(({"role": a.role, "org_unit": a.org_unit.code}
                               for a in user.assignments),
                              key=lambda g: (g["org_unit"], g["role"])),
    }


def is_locked(user: User) -> bool:
    return user.locked_until is not None and user.locked_until > utcnow()


# --- who sees and changes whom -----------------------------------------------------------------


def visible_users(scope: Scope):
    """SELECT of the users holding a role over a unit inside ``scope``'s admin grants."""
    in_scope = scoped(sa.select(RoleAssignment.user_id), RoleAssignment.org_unit_id, scope,
                      ADMIN_ROLES)
    return sa.select(User).where(User.id.in_(in_scope))


def require_admin(scope: Scope) -> None:
    """403 unless the caller holds ``admin`` over some unit."""
    if not scope.roles & ADMIN_ROLES:
        raise NotPermitted()


def get_visible_user(username: str, scope: Scope) -> User:
    """The user named ``username`` if the administrator sees them (see the module), else 404."""
    user = db.session.scalar(visible_users(scope).where(User.username == username))
    if user is None:
        raise NotFound(_("No user %(name)s in your area.", name=username))
    return user


def may_manage(scope: Scope, user: User, actor=None) -> bool:
    """Whether the administrator may change ``user`` (see the module)."""
    if actor is not None and getattr(actor, "id", None) == user.id:
        return False
    return bool(user.assignments) and all(
        scope.covers(a.org_unit.path, ADMIN_ROLES) for a in user.assignments)


def require_manage(scope: Scope, user: User, actor) -> None:
    if getattr(actor, "id", None) == user.id:
        raise NotPermitted(_("You cannot change your own account here. Ask another "
                             "administrator."))
    if not may_manage(scope, user):
        raise NotPermitted(_("This user also holds roles outside your area: only an "
                             "administrator of all of them may change the account."))


def grantable_units(scope: Scope, limit: int = 2000) -> list[OrgUnit]:
    """Units the administrator may grant roles over today (not ended), down to communes and
    wards (roles over villages are given by code), in tree order."""
    stmt = scoped(sa.select(OrgUnit), OrgUnit.id, scope, ADMIN_ROLES).where(
        OrgUnit.valid_to.is_(None), OrgUnit.kind.not_in(LEAF_KINDS))
    return [u for u in db.session.scalars(stmt.order_by(OrgUnit.path).limit(limit))
            if scope.may_write(u.path, ADMIN_ROLES)]


# --- checking input ----------------------------------------------------------------------------


def _text(field: str, value, *, required: bool = False, max_length: int = 200) -> str:
    text = " ".join(str(value or "").split())  # spacing normalised, diacritics kept
    if required and not text:
        raise ValidationFailed(errors={field: [_("This field is required.")]})
    if len(text) > max_length:
        raise ValidationFailed(errors={field: [
            _("Use at most %(n)d characters.", n=max_length)]})
    problem = character_problem(text)
    if problem:
        raise ValidationFailed(errors={field: [problem]})
    return text


def _email(value) -> str | None:
    text = str(value or "").strip()
    if not text:
        return None
    if len(text) > 254 or not _EMAIL.match(text) or character_problem(text):
        raise ValidationFailed(errors={"email": [_("This is not a valid e-mail address.")]})
    return text


def _grants(items: Iterable, scope: Scope, held: set[tuple[str, int]]) -> list[tuple]:
    """(role, unit) for each item {"role", "org_unit"}: known roles and units; new grants
    only over units the administrator may grant on (already ``held`` ones are kept as they
    are, even on a unit that has ended since)."""
    found: list[tuple[str, OrgUnit]] = []
    errors: dict = {}
    forbidden: dict = {}
    items = list(items)
    if not items:
        raise ValidationFailed(errors={"assignments": [
            _("A user needs at least one role. To stop someone signing in, disable the "
              "account.")]})
    if len(items) > MAX_ASSIGNMENTS:
        raise ValidationFailed(errors={"assignments": [
            _("At most %(n)d roles.", n=MAX_ASSIGNMENTS)]})
    for i, item in enumerate(items):
        role, code = str(item.get("role") or ""), str(item.get("org_unit") or "").strip()
        if role not in ROLES:
            errors.setdefault(i, {})["role"] = [_("Unknown role %(role)s.", role=role)]
        unit = get_by_code(code) if code else None
        if unit is None:
            errors.setdefault(i, {})["org_unit"] = [
                _("There is no unit with the code %(code)s.", code=code) if code
                else _("This field is required.")]
            continue
        if (role, unit.id) in held:
            pass
        elif not scope.may_write(unit.path, ADMIN_ROLES):
            forbidden[i] = {"org_unit": [_("%(name)s (%(code)s) is outside your area: you "
                                           "may grant roles only over units you administer.",
                                           name=unit.name, code=unit.code)]}
        elif unit.ended:
            errors.setdefault(i, {})["org_unit"] = [
                _("%(name)s ended on %(day)s: grant the role over the unit that took its "
                  "place.", name=unit.name, day=unit.valid_to.strftime("%d/%m/%Y"))]
        if (role, unit) not in found:
            found.append((role, unit))
    if errors:
        raise ValidationFailed(errors={"assignments": errors})
    if forbidden:
        raise NotPermitted(_("You may grant roles only over units you administer."),
                           errors={"assignments": forbidden})
    return found


# --- the verbs ---------------------------------------------------------------------------------


def _acting_unit_id(scope: Scope, user: User) -> int:
    """The unit over which the administrator acts: their admin grant over the user's first
    role (the audit entry's org unit)."""
    first = user.assignments[0].org_unit if user.assignments else None
    admin = [g for g in scope.grants if g.role in ADMIN_ROLES]
    for grant in admin:
        if first is not None and any(first.path.startswith(p) for p in grant.paths):
            return grant.org_unit_id
    if admin:
        return admin[0].org_unit_id
    return first.id


def log_change(user: User, event: str, *, actor, role: str | None, org_unit_id: int,
               before: dict | None = None, after: dict | None = None) -> None:
    """Append one administration change of ``user`` to its audit chain."""
    record_change(user, event, actor=actor, role=role, org_unit_id=org_unit_id,
                  before=before, after=after)


def create_account(actor, scope: Scope, *, username: str, full_name: str, password: str,
                   assignments: Iterable, post: str = "", email: str | None = None) -> User:
    """Create a user with their roles (each over a unit the administrator may grant on)."""
    require_admin(scope)
    full_name = _text("full_name", full_name, required=True)
    post = _text("post", post)
    email = _email(email)
    grants = _grants(assignments, scope, set())
    try:
        user = services.create_user(username, password, full_name=full_name)
    except sa.exc.IntegrityError:  # the same name created meanwhile by someone else
        raise ValidationFailed(errors={"username": [
            _("This username is already taken.")]}) from None
    user.post, user.email = post, email
    for role, unit in grants:
        services.grant_role(user, role, unit)
    log_change(user, "create", actor=actor, role="admin",
               org_unit_id=_acting_unit_id(scope, user), after=account_values(user))
    return user


def update_account(actor, scope: Scope, user: User, changes: dict) -> list[str]:
    """Apply ``changes`` (any of :data:`FIELDS`) to a user the administrator manages; returns
    the events logged (none when nothing changed). ``assignments`` replaces the whole list."""
    require_manage(scope, user, actor)
    unknown = set(changes) - set(FIELDS)
    if unknown:
        raise ValidationFailed(errors={name: [_("Unknown field.")] for name in sorted(unknown)})
    # Everything is checked before anything changes.
    details = {}
    if "full_name" in changes:
        details["full_name"] = _text("full_name", changes["full_name"], required=True)
    if "post" in changes:
        details["post"] = _text("post", changes["post"])
    if "email" in changes:
        details["email"] = _email(changes["email"])
    grants = None
    if "assignments" in changes:
        held = {(a.role, a.org_unit_id) for a in user.assignments}
        grants = _grants(changes["assignments"] or [], scope, held)
    password = changes.get("password")
    if password is not None:
        services.check_password_strength(
            str(password), (user.username, details.get("full_name", user.full_name)))
    try:
        return _apply(actor, scope, user, changes, details, grants, password)
    except sa.exc.IntegrityError:  # the same role granted meanwhile by someone else
        raise StaleVersion() from None


def _apply(actor, scope: Scope, user: User, changes: dict, details: dict, grants, password):
    acting = {"actor": actor, "role": "admin", "org_unit_id": _acting_unit_id(scope, user)}
    events = []
    before = account_values(user)
    for name, value in details.items():
        setattr(user, name, value)
    if grants is not None:
        wanted = {(role, unit.id) for role, unit in grants}
        for assignment in list(user.assignments):
            if (assignment.role, assignment.org_unit_id) not in wanted:
                user.assignments.remove(assignment)
        db.session.flush()
        for role, unit in grants:
            services.grant_role(user, role, unit)
    after = account_values(user)
    for values in (before, after):
        values.pop("active")
    if after != before:
        log_change(user, "update", before=before, after=after, **acting)
        events.append("update")
    if "active" in changes and bool(changes["active"]) != user.active:
        user.active = bool(changes["active"])
        if not user.active:
            services.end_sessions(user, "account_disabled")
            _revoke_tokens(user)
        event = "enable" if user.active else "disable"
        log_change(user, event, before={"active": not user.active},
                   after={"active": user.active}, **acting)
        events.append(event)
    if changes.get("unlock") and (is_locked(user) or user.failed_logins):
        user.failed_logins, user.locked_until = 0, None
        log_change(user, "unlock", **acting)
        events.append("unlock")
    if password is not None:
        services.set_password(user, str(password))  # signs the user out everywhere
        log_change(user, "set_password", **acting)  # that it happened: never the password
        events.append("set_password")
    db.session.flush()
    return events


def _revoke_tokens(user: User) -> None:
    now = utcnow()
    for token in db.session.scalars(sa.select(ApiToken).where(
            ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))):
        token.revoked_at = now
