"""The one place that turns the current user into the org units it may read and write.

Every query of scoped records goes through :func:`scoped` (or :func:`get_scoped`), and every
write checks :meth:`Scope.require_write`. A record outside the caller's read scope is reported
as missing (404); a record the caller may read but not change is forbidden (403).

**Scope follows succession** (WORKFLOWS.md §6). A grant over a unit G reaches:

- G's current subtree, and the current subtree of every predecessor of G or of a unit in G's
  subtree (transitively: the old units themselves, with their area records, requests and
  plans; a province reaches the old communes merged into its new wards, wherever they sat):
  read and write;
- every unit that was in G's subtree (or a predecessor's) at some time, through the dated
  links: read only, and write on an event dated while that unit was in G's subtree then;
- nothing after G's ``valid_to``: no event dated after the last day of an ended unit.

When no link under a grant has ever changed and G has no predecessors (an ordinary ward
today), the grant is the plain path range, as before: one index range scan.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from flask import g, has_app_context
from flask_login import current_user

from casework import db as clock  # Vietnam's today, read at call time (tests freeze it)
from casework.db import among
from casework.errors import NotFound, NotPermitted
from casework.extensions import db
from casework.orgunits.models import (
    OrgUnit,
    OrgUnitLink,
    SuccessionUnit,
    subtree_clause,
    tree_generation,
)


@dataclass(frozen=True)
class Link:
    """One dated place of a unit (a copy of an ``OrgUnitLink`` row)."""

    unit_id: int
    path: str
    valid_from: date | None
    valid_to: date | None

    def on(self, day: date) -> bool:
        return ((self.valid_from is None or self.valid_from <= day)
                and (self.valid_to is None or day <= self.valid_to))


@dataclass(frozen=True)
class Grant:
    """A role over a unit's subtree. ``reach`` are the current paths it covers for reading and
    writing (the unit's and its predecessors'); ``history`` the dated places of those units,
    whose past subtrees it reads (empty: nothing ever changed under it, the fast path);
    ``valid_to`` the last day of the unit, after which it acts no more."""

    role: str
    org_unit_id: int
    path: str
    valid_to: date | None = None
    reach: tuple[str, ...] = ()
    history: tuple[Link, ...] = field(default=(), compare=False)
    # The ids of the units that were in the history's subtrees at some time but are not in
    # ``reach`` now, with their current paths.
    extra: tuple[tuple[int, str], ...] = field(default=(), compare=False)

    @property
    def paths(self) -> tuple[str, ...]:
        return self.reach or (self.path,)


# A scope of at most this many units is written into its statements as a list of ids (a
# province holds up to ~3,300 units on the 2025 map); a wider one as a subquery on the paths.
LISTED_UNITS = 5000


def _unit_id(path: str) -> int:
    return int(path.rstrip(".").rsplit(".", 1)[-1])


def _today() -> date:
    return clock.today_local()


def _grants_of(assignments) -> list[Grant]:
    """The grants of ``assignments`` with what succession adds to them (see the module)."""
    from casework.extensions import db

    assignments = list(assignments)
    if not assignments:
        return []
    units = {a.org_unit_id: a.org_unit for a in assignments}
    # One query says which grants are on the fast path: no closed link under any of them
    # ("link" rows), and no succession that made one of them take another unit's place
    # ("successor" rows; only those have predecessors to look up).
    links = sa.select(sa.literal("link"), OrgUnitLink.unit_id, OrgUnitLink.path).where(
        OrgUnitLink.valid_to.is_not(None),
        sa.or_(OrgUnitLink.unit_id.in_(list(units)),
               *(subtree_clause(OrgUnitLink.path, u.path) for u in units.values())))
    took_place = sa.select(sa.literal("successor"), SuccessionUnit.unit_id, OrgUnit.path).join(
        OrgUnit, OrgUnit.id == SuccessionUnit.unit_id).where(
        SuccessionUnit.side == "new",
        sa.or_(SuccessionUnit.unit_id.in_(list(units)),
               *(subtree_clause(OrgUnit.path, u.path) for u in units.values())))
    rows = db.session.execute(sa.union_all(links, took_place)).all()
    changed = {(i, p) for kind, i, p in rows if kind == "link"}
    successors = {(i, p) for kind, i, p in rows if kind == "successor"}
    cache: dict[int, tuple[tuple[str, ...], tuple[Link, ...], tuple]] = {}
    grants = []
    for a in assignments:
        unit = units[a.org_unit_id]
        if unit.id not in cache:
            below = {i for i, p in successors if i == unit.id or p.startswith(unit.path)}
            cache[unit.id] = _reach(unit, changed, below)
        reach, history, extra = cache[unit.id]
        grants.append(Grant(a.role, unit.id, unit.path, unit.valid_to, reach, history, extra))
    return grants


def _reach(unit: OrgUnit, changed: set[str], successors: set[int]):
    """What a grant over ``unit`` reaches; ``successors``: the units in its subtree (itself
    included) that took other units' places."""
    from casework.extensions import db
    from casework.orgunits.history import predecessor_ids

    preds = predecessor_ids(successors) if successors else set()
    if preds:  # those under the unit already are in its range
        preds = set(db.session.scalars(sa.select(OrgUnit.id).where(
            OrgUnit.id.in_(preds), sa.not_(subtree_clause(OrgUnit.path, unit.path)))))
    if not preds and not any(i == unit.id or p.startswith(unit.path) for i, p in changed):
        return (unit.path,), (), ()
    ids = {unit.id} | preds
    current = db.session.scalars(sa.select(OrgUnit.path).where(OrgUnit.id.in_(ids)))
    reach = tuple(sorted(set(current), key=len))
    history = tuple(Link(lk.unit_id, lk.path, lk.valid_from, lk.valid_to)
                    for lk in db.session.scalars(sa.select(OrgUnitLink).where(
                        OrgUnitLink.unit_id.in_(ids))))
    paths = sorted({lk.path for lk in history} | set(reach))
    ever = sa.select(OrgUnitLink.unit_id).where(
        sa.or_(*(subtree_clause(OrgUnitLink.path, p) for p in paths)))
    extra = tuple((i, p) for i, p in db.session.execute(
        sa.select(OrgUnit.id, OrgUnit.path).where(
            OrgUnit.id.in_(ever),
            sa.not_(sa.or_(*(subtree_clause(OrgUnit.path, p) for p in reach)))))
        .all())
    return reach, history, extra


class Scope:
    """The role grants of one user, each covering an org unit's subtree (and what succession
    adds to it: see the module)."""

    def __init__(self, grants: Iterable[Grant]):
        self.grants: tuple[Grant, ...] = tuple(grants)
        self._links: dict[int, list[Link]] = {}
        self._unit_ids: dict[tuple, list[int] | None] = {}

    @classmethod
    def for_user(cls, user) -> Scope:
        """The user's scope, built once per app context (a request, a command) for the same
        assignments and the same tree: a succession or an import of units in between makes a
        new one (``orgunits.models.tree_generation``)."""
        if user is None or not getattr(user, "is_authenticated", False):
            return cls(())
        assignments = list(user.assignments)
        key = (user.id, tuple(sorted((a.role, a.org_unit_id) for a in assignments)),
               tree_generation())
        cache = g.setdefault("_casework_scopes", {}) if has_app_context() else {}
        if key not in cache:
            cache[key] = cls(_grants_of(assignments))
        return cache[key]

    # --- one grant, one unit ------------------------------------------------------------
    def _links_of(self, unit_id: int) -> list[Link]:
        if unit_id not in self._links:
            from casework.extensions import db

            self._links[unit_id] = [
                Link(lk.unit_id, lk.path, lk.valid_from, lk.valid_to)
                for lk in db.session.scalars(
                    sa.select(OrgUnitLink).where(OrgUnitLink.unit_id == unit_id))]
        return self._links[unit_id]

    def _reads(self, grant: Grant, path: str) -> bool:
        if any(path.startswith(p) for p in grant.paths):
            return True
        if not grant.history:
            return False
        unit_id = _unit_id(path)
        return any(unit_id == i for i, _p in grant.extra)

    def _writes(self, grant: Grant, path: str, day: date) -> bool:
        if grant.valid_to is not None and day > grant.valid_to:
            return False
        if any(path.startswith(p) for p in grant.paths):
            return True
        if not grant.history:
            return False
        # A late entry: the unit was in the grant's subtree on the event's day.
        mine = [lk.path for lk in grant.history if lk.on(day)]
        return any(lk.path.startswith(p) for lk in self._links_of(_unit_id(path))
                   if lk.on(day) for p in mine)

    @property
    def roles(self) -> set[str]:
        return {g.role for g in self.grants}

    def _grants(self, roles: Iterable[str] | None) -> list[Grant]:
        if roles is None:
            return list(self.grants)
        wanted = set(roles)
        return [g for g in self.grants if g.role in wanted]

    def unit_clause(self, path_column=OrgUnit.path, roles: Iterable[str] | None = None):
        """SQL condition on an org-unit path: readable through a grant with one of ``roles``
        (a subtree range per reached path, and the exact paths of units that were under it
        in the past)."""
        grants = self._grants(roles)
        if not grants:
            return sa.false()
        # Drop grants already covered by a wider one: fewer ranges to scan.
        paths = sorted({p for g in grants for p in g.paths}, key=len)
        kept: list[str] = []
        for path in paths:
            if not any(path.startswith(k) for k in kept):
                kept.append(path)
        clauses = [subtree_clause(path_column, p) for p in kept]
        extra = sorted({p for g in grants for _i, p in g.extra
                        if not any(p.startswith(k) for k in kept)})
        if extra:
            clauses.append(path_column.in_(extra))
        return sa.or_(*clauses)

    def unit_ids(self, roles: Iterable[str] | None = None) -> list[int] | None:
        """The ids of the units ``unit_clause`` reads, when there are at most
        ``LISTED_UNITS`` of them (None: more), read once per tree (``tree_generation``)."""
        key = (tuple(sorted(roles)) if roles is not None else None, tree_generation())
        if key not in self._unit_ids:
            ids = list(db.session.scalars(
                sa.select(OrgUnit.id).where(self.unit_clause(OrgUnit.path, roles))
                .limit(LISTED_UNITS + 1)))
            self._unit_ids[key] = sorted(ids) if len(ids) <= LISTED_UNITS else None
        return self._unit_ids[key]

    def roles_at(self, path: str, on: date | None = None) -> set[str]:
        """The roles this user may act in over the unit at ``path`` on the day ``on`` (Vietnam's
        today by default): no role of an ended unit after its last day."""
        day = on or _today()
        return {g.role for g in self.grants if self._writes(g, path, day)}

    def roles_ever(self, path: str) -> set[str]:
        """The roles this user may act in over ``path`` on some day (for a late entry, the
        event's own date decides: ``roles_at``)."""
        return {g.role for g in self.grants if self._reads(g, path)}

    def covers(self, path: str, roles: Iterable[str] | None = None) -> bool:
        """Whether the unit at ``path`` is readable through a grant with one of ``roles``."""
        return any(self._reads(g, path) for g in self._grants(roles))

    def may_write(self, path: str, roles: Iterable[str] | None = None,
                  on: date | None = None) -> bool:
        """Whether one of ``roles`` may act over ``path`` on the day ``on`` (today)."""
        day = on or _today()
        return any(self._writes(g, path, day) for g in self._grants(roles))

    def require_read(self, path: str, roles: Iterable[str] | None = None) -> None:
        if not self.covers(path, roles):
            raise NotFound()

    def require_write(self, path: str, roles: Iterable[str], on: date | None = None) -> None:
        """403 unless one of ``roles`` may act over ``path`` on the day ``on`` (today)."""
        if not self.may_write(path, roles, on):
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
    ids = scope.unit_ids(roles)
    if ids is not None:
        # The ids themselves, written into the statement: the planner then knows how few
        # rows a ward's scope holds, and reads them through the unit's index instead of
        # scanning, say, every overdue person of the country (issue 16: my-work 450 → 50 ms
        # at 500k persons). Literal, so that SQLite's limit on parameters never applies.
        return stmt.where(among(org_unit_id_column, ids))
    visible = sa.select(OrgUnit.id).where(scope.unit_clause(OrgUnit.path, roles))
    return stmt.where(org_unit_id_column.in_(visible))


def get_scoped_orgunit(code: str, scope: Scope, roles: Iterable[str] | None = None) -> OrgUnit:
    """Load an org unit by code through the scope; 404 when missing or outside it."""
    stmt = scoped(sa.select(OrgUnit).where(OrgUnit.code == code), OrgUnit.id, scope, roles)
    unit = db.session.scalar(stmt)
    if unit is None:
        raise NotFound()
    return unit
