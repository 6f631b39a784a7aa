"""The one place that turns the current user into the org units it may read and write.

Every query of scoped records goes through :func:`scoped` (or :func:`get_scoped`), and every
write checks :meth:`Scope.require_write`. A record outside the caller's read scope is reported
as missing (404); a record the caller may read but not change is forbidden (403).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from flask import g
from flask_login import current_user

from casework.errors import NotFound, NotPermitted
from casework.extensions import db
from casework.orgunits.models import OrgUnit, subtree_clause


@dataclass(frozen=True)
class Grant:
    role: str
    org_unit_id: int
    path: str


class Scope:
    """The role grants of one user, each covering an org unit's subtree."""

    def __init__(self, grants: Iterable[Grant]):
        self.grants: tuple[Grant, ...] = tuple(grants)

    @classmethod
    def for_user(cls, user) -> Scope:
        if user is None or not getattr(user, "is_authenticated", False):
            return cls(())
        return cls(Grant(a.role, a.org_unit_id, a.org_unit.path) for a in user.assignments)

    @property
    def roles(self) -> set[str]:
        return {g.role for g in self.grants}

    def _grants(self, roles: Iterable[str] | None) -> list[Grant]:
        if roles is None:
            return list(self.grants)
        wanted = set(roles)
        return [g for g in self.grants if g.role in wanted]

    def unit_clause(self, path_column=OrgUnit.path, roles: Iterable[str] | None = None):
        """SQL condition on an org-unit path: inside a subtree granted with one of ``roles``."""
        grants = self._grants(roles)
        if not grants:
            return sa.false()
        # Drop grants already covered by a wider one: fewer ranges to scan.
        paths = sorted({g.path for g in grants}, key=len)
        kept: list[str] = []
        for path in paths:
            if not any(path.startswith(k) for k in kept):
                kept.append(path)
        return sa.or_(*(subtree_clause(path_column, p) for p in kept))

    def roles_at(self, path: str) -> set[str]:
        """The roles this user holds over the unit at ``path``."""
        return {g.role for g in self.grants if path.startswith(g.path)}

    def covers(self, path: str, roles: Iterable[str] | None = None) -> bool:
        return any(path.startswith(g.path) for g in self._grants(roles))

    def require_write(self, path: str, roles: Iterable[str]) -> None:
        """403 unless one of ``roles`` is held over ``path``."""
        if not self.covers(path, roles):
            raise NotPermitted()


def current_scope() -> Scope:
    """The scope of the signed-in user (or an empty one), computed once per request."""
    scope = g.get("_casework_scope")
    if scope is None:
        user = current_user if current_user and current_user.is_authenticated else None
        scope = Scope.for_user(user._get_current_object() if user is not None else None)
        g._casework_scope = scope
    return scope


def scoped(stmt, org_unit_id_column, scope: Scope, roles: Iterable[str] | None = None):
    """Restrict ``stmt`` to rows whose org unit lies in ``scope`` (optionally for ``roles``).

    ``org_unit_id_column`` is the column naming the row's org unit; for org units themselves,
    pass ``OrgUnit.id``.
    """
    if org_unit_id_column is OrgUnit.id:
        return stmt.where(scope.unit_clause(OrgUnit.path, roles))
    visible = sa.select(OrgUnit.id).where(scope.unit_clause(OrgUnit.path, roles))
    return stmt.where(org_unit_id_column.in_(visible))


def get_scoped_orgunit(code: str, scope: Scope, roles: Iterable[str] | None = None) -> OrgUnit:
    """Load an org unit by code through the scope; 404 when missing or outside it."""
    stmt = scoped(sa.select(OrgUnit).where(OrgUnit.code == code), OrgUnit.id, scope, roles)
    unit = db.session.scalar(stmt)
    if unit is None:
        raise NotFound()
    return unit
