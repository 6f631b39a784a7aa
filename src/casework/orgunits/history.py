"""The map of a given day, and who came before whom (WORKFLOWS.md §6).

A unit exists from ``valid_from`` to ``valid_to`` (its last day). Its places in the tree are
its links (``OrgUnitLink``), each valid over a period; the unit's own ``parent_id``/``path``
are its latest place. Successions of kind merge, split or rename make the new units the
*successors* of the old ones; a move keeps the unit and only changes its links.

These functions read; ``orgunits.successions`` writes. Figures "as of" a date (plans,
criteria, dashboards) use ``in_subtree_on``; scope uses ``predecessors`` and the links.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from casework.extensions import db
from casework.orgunits.models import (
    COMMUNE_KINDS,
    OrgUnit,
    OrgUnitLink,
    Succession,
    SuccessionUnit,
    subtree_clause,
)

# The successions whose old units end and whose new units take their place. A move keeps
# its unit: it has no predecessor or successor.
ENDING_KINDS = ("merge", "split", "rename")


def _link_valid_on(day: date):
    return sa.and_(sa.or_(OrgUnitLink.valid_from.is_(None), OrgUnitLink.valid_from <= day),
                   sa.or_(OrgUnitLink.valid_to.is_(None), OrgUnitLink.valid_to >= day))


def link_valid_on(day: date):
    """SQL condition: the ``OrgUnitLink`` row was the unit's place on ``day``."""
    return _link_valid_on(day)


def _unit_valid_on(day: date):
    return sa.and_(sa.or_(OrgUnit.valid_from.is_(None), OrgUnit.valid_from <= day),
                   sa.or_(OrgUnit.valid_to.is_(None), OrgUnit.valid_to >= day))


def valid_on(unit: OrgUnit, day: date) -> bool:
    """Whether ``unit`` existed on ``day``."""
    return unit.valid_on(day)


def links_of(unit_id: int) -> list[OrgUnitLink]:
    """Every place ``unit_id`` has had in the tree, oldest first."""
    return list(db.session.scalars(
        sa.select(OrgUnitLink).where(OrgUnitLink.unit_id == unit_id)
        .order_by(OrgUnitLink.valid_from.is_not(None), OrgUnitLink.valid_from, OrgUnitLink.id)))


def link_on(unit: OrgUnit | int, day: date) -> OrgUnitLink | None:
    """The place ``unit`` had in the tree on ``day``; None when it did not exist then."""
    unit_id = unit if isinstance(unit, int) else unit.id
    return db.session.scalar(sa.select(OrgUnitLink).where(
        OrgUnitLink.unit_id == unit_id, _link_valid_on(day)).limit(1))


def path_on(unit: OrgUnit | int, day: date) -> str | None:
    """``unit``'s materialised path on ``day`` (None when it did not exist then)."""
    link = link_on(unit, day)
    return link.path if link is not None else None


def parent_on(unit: OrgUnit, day: date) -> OrgUnit | None:
    """The unit ``unit`` sat under on ``day`` (None for a root, or when it did not exist)."""
    link = link_on(unit, day)
    if link is None or link.parent_id is None:
        return None
    return db.session.get(OrgUnit, link.parent_id)


def commune_of(unit: OrgUnit, on: date | None = None) -> OrgUnit | None:
    """The commune, ward or special zone that held ``unit`` on the day ``on`` (itself when it
    is one); with ``on`` None, the one that holds it in its latest place."""
    if unit.kind in COMMUNE_KINDS:
        return unit
    if on is None:
        ids = unit.ancestor_ids
    else:
        path = path_on(unit, on)
        if path is None:
            return None
        ids = [int(part) for part in path.split(".") if part]
    return db.session.scalar(
        sa.select(OrgUnit)
        .where(OrgUnit.id.in_(ids), OrgUnit.kind.in_(COMMUNE_KINDS))
        .order_by(OrgUnit.depth.desc())
        .limit(1)
    )


def in_subtree_on(unit_id_column, root: OrgUnit, day: date):
    """SQL condition: the unit named by ``unit_id_column`` was in ``root``'s subtree (``root``
    included) on ``day``: its link valid that day has a path under ``root``'s path that day.
    False when ``root`` did not exist on ``day``."""
    root_path = path_on(root, day)
    if root_path is None:
        return sa.false()
    inside = sa.select(OrgUnitLink.unit_id).where(
        _link_valid_on(day), subtree_clause(OrgUnitLink.path, root_path))
    return unit_id_column.in_(inside)


def subtree_ids_on(root: OrgUnit, day: date) -> set[int]:
    """The ids of the units in ``root``'s subtree on ``day`` (``root`` included)."""
    return set(db.session.scalars(sa.select(OrgUnit.id).where(
        in_subtree_on(OrgUnit.id, root, day))))


def ever_in_subtree(unit_id_column, root: OrgUnit):
    """SQL condition: the unit was in ``root``'s subtree at some time (any link of the unit
    under any link of ``root``; ids are never reused, so the paths say it)."""
    root_paths = sorted(set(db.session.scalars(
        sa.select(OrgUnitLink.path).where(OrgUnitLink.unit_id == root.id))) | {root.path})
    inside = sa.select(OrgUnitLink.unit_id).where(
        sa.or_(*(subtree_clause(OrgUnitLink.path, p) for p in root_paths)))
    return sa.or_(unit_id_column.in_(inside),
                  unit_id_column.in_(sa.select(OrgUnit.id).where(
                      sa.or_(*(subtree_clause(OrgUnit.path, p) for p in root_paths)))))


def tree_on(day: date, parent: OrgUnit | None = None, *, roots_only: bool = False):
    """A select of the units that existed on ``day``, with that day's parent and path as
    columns ``parent_id_on``, ``path_on`` and ``depth_on``; optionally only the children
    that day of ``parent`` (or the roots, with ``roots_only``)."""
    stmt = (sa.select(OrgUnit, OrgUnitLink.parent_id.label("parent_id_on"),
                      OrgUnitLink.path.label("path_on"), OrgUnitLink.depth.label("depth_on"))
            .join(OrgUnitLink, OrgUnitLink.unit_id == OrgUnit.id)
            .where(_unit_valid_on(day), _link_valid_on(day)))
    if parent is not None:
        stmt = stmt.where(OrgUnitLink.parent_id == parent.id)
    elif roots_only:
        stmt = stmt.where(OrgUnitLink.parent_id.is_(None))
    return stmt


@dataclass(frozen=True)
class Step:
    """One unit on the other side of a succession: who, by which kind of succession, on which
    date (the successor's first day) and on which legal basis."""

    unit: OrgUnit
    kind: str
    on: date
    basis: str
    succession_id: int

    def as_json(self) -> dict:
        return {"code": self.unit.code, "name": self.unit.name, "unit_kind": self.unit.kind,
                "kind": self.kind, "on": self.on.isoformat(), "basis": self.basis}


def _neighbours(unit_ids: set[int], side_from: str, side_to: str) -> list[Step]:
    mine = sa.orm.aliased(SuccessionUnit)
    theirs = sa.orm.aliased(SuccessionUnit)
    rows = db.session.execute(
        sa.select(OrgUnit, Succession)
        .join(theirs, theirs.unit_id == OrgUnit.id)
        .join(Succession, Succession.id == theirs.succession_id)
        .join(mine, mine.succession_id == Succession.id)
        .where(mine.unit_id.in_(unit_ids), mine.side == side_from, theirs.side == side_to,
               Succession.kind.in_(ENDING_KINDS))
        .order_by(Succession.on_date, OrgUnit.code)
    ).all()
    return [Step(u, s.kind, s.on_date, s.basis, s.id) for u, s in rows]


def direct_predecessors(unit: OrgUnit) -> list[Step]:
    """The units that ended when ``unit`` took their place."""
    return _neighbours({unit.id}, "new", "old")


def direct_successors(unit: OrgUnit) -> list[Step]:
    """The units that took ``unit``'s place when it ended."""
    return _neighbours({unit.id}, "old", "new")


def _closure(unit: OrgUnit, side_from: str, side_to: str) -> list[Step]:
    seen = {unit.id}
    found: list[Step] = []
    frontier = {unit.id}
    while frontier:
        steps = [s for s in _neighbours(frontier, side_from, side_to) if s.unit.id not in seen]
        frontier = set()
        for step in steps:
            if step.unit.id not in seen:
                seen.add(step.unit.id)
                frontier.add(step.unit.id)
                found.append(step)
    return found


def predecessors(unit: OrgUnit) -> list[Step]:
    """Every unit whose place ``unit`` took, directly or through other successions."""
    return _closure(unit, "new", "old")


def successors(unit: OrgUnit) -> list[Step]:
    """Every unit that took ``unit``'s place, directly or through later successions."""
    return _closure(unit, "old", "new")


def predecessor_ids(unit_ids: set[int]) -> set[int]:
    """The ids of every predecessor of any of ``unit_ids`` (transitively), without them."""
    seen = set(unit_ids)
    frontier = set(unit_ids)
    while frontier:
        new = {s.unit.id for s in _neighbours(frontier, "new", "old")} - seen
        seen |= new
        frontier = new
    return seen - set(unit_ids)


# --- the territory of a figure ---------------------------------------------------------------


def territory_day(root: OrgUnit, day: date) -> date | None:
    """The day whose map gives ``root``'s territory for figures as of ``day``: ``day`` itself,
    or the last day of a unit that had ended by then (a plan keeps the territory it was
    written for: the city's 2024 subtree, wherever its villages sit now), or the first day of
    one not yet made. None when nothing under ``root`` ever changed place (today's subtree is
    every day's: the fast path)."""
    if root.valid_to is not None and day > root.valid_to:
        return root.valid_to
    if root.valid_from is not None and day < root.valid_from:
        return root.valid_from
    return day if _changed(root) else None


def _changed(root: OrgUnit) -> bool:
    """Whether the map under ``root`` ever changed, in one query: a closed place under its
    path (a unit that left or ended), a unit now under it that had another place once, or
    ``root`` taking the place of others (a succession's new side)."""
    closed = OrgUnitLink.valid_to.is_not(None)
    return bool(db.session.scalar(sa.select(sa.or_(
        sa.exists().where(closed, subtree_clause(OrgUnitLink.path, root.path)),
        sa.exists().where(closed, OrgUnitLink.unit_id == OrgUnit.id,
                          subtree_clause(OrgUnit.path, root.path)),
        sa.exists().where(SuccessionUnit.unit_id == root.id, SuccessionUnit.side == "new"),
    ))))


def children_on(unit: OrgUnit, as_of: date) -> list[OrgUnit]:
    """The units directly below ``unit`` on the map of its territory as of ``as_of``
    (``territory_day``: an ended unit's last day's), by name: a province's city that ended in
    2025 is not among today's."""
    day = territory_day(unit, as_of)
    if day is None:
        return list(db.session.scalars(
            sa.select(OrgUnit).where(OrgUnit.parent_id == unit.id).order_by(OrgUnit.name)))
    return [row[0] for row in db.session.execute(tree_on(day, unit).order_by(OrgUnit.name))]


def territory_clause(root: OrgUnit, as_of: date):
    """SQL condition on ``OrgUnit``: the unit lies in ``root``'s territory for figures as of
    ``as_of`` (the map of ``territory_day``; today's subtree on the fast path)."""
    day = territory_day(root, as_of)
    if day is None:
        return subtree_clause(OrgUnit.path, root.path)
    return in_subtree_on(OrgUnit.id, root, day)


def former_parents(unit_ids) -> dict[int, OrgUnit]:
    """The parent each unit had before it last moved (a village merged into a new ward keeps
    its name, so two "Tổ dân phố 1" may now sit side by side); units that never moved are
    left out. One query."""
    ids = sorted(set(unit_ids))
    if not ids:
        return {}
    rows = db.session.execute(
        sa.select(OrgUnitLink.unit_id, OrgUnitLink.parent_id)
        .where(OrgUnitLink.unit_id.in_(ids), OrgUnitLink.valid_to.is_not(None),
               OrgUnitLink.parent_id.is_not(None))
        .order_by(OrgUnitLink.unit_id, OrgUnitLink.valid_to)).all()
    last = dict(rows)  # ordered by valid_to: the latest closed link wins
    parents = {u.id: u for u in db.session.scalars(
        sa.select(OrgUnit).where(OrgUnit.id.in_(set(last.values()))))}
    return {unit_id: parents[parent_id] for unit_id, parent_id in last.items()}


def predecessor_graph(unit_ids) -> dict[int, list[int]]:
    """For ``unit_ids`` and every predecessor of theirs (transitively): unit id → the ids of
    the units it directly took the place of, in ``direct_predecessors``' order. One query per
    generation, whatever the number of units (the set-based form of ``predecessor_ids``)."""
    graph: dict[int, list[int]] = {}
    seen = set(unit_ids)
    frontier = sorted(seen)
    mine = sa.orm.aliased(SuccessionUnit)
    theirs = sa.orm.aliased(SuccessionUnit)
    while frontier:
        found: set[int] = set()
        for start in range(0, len(frontier), 5000):
            chunk = frontier[start:start + 5000]
            for new_id, old_id in db.session.execute(
                    sa.select(mine.unit_id, OrgUnit.id)
                    .select_from(OrgUnit)
                    .join(theirs, theirs.unit_id == OrgUnit.id)
                    .join(Succession, Succession.id == theirs.succession_id)
                    .join(mine, mine.succession_id == Succession.id)
                    .where(mine.unit_id.in_(chunk), mine.side == "new", theirs.side == "old",
                           Succession.kind.in_(ENDING_KINDS))
                    .order_by(mine.unit_id, Succession.on_date, OrgUnit.code)):
                graph.setdefault(new_id, []).append(old_id)
                found.add(old_id)
        frontier = sorted(found - seen)
        seen |= found
    return graph


def predecessor_closure(graph: dict[int, list[int]], unit_id: int) -> set[int]:
    """The ids of every predecessor of ``unit_id`` in ``graph`` (``predecessor_graph``)."""
    found: set[int] = set()
    stack = list(graph.get(unit_id, []))
    while stack:
        current = stack.pop()
        if current in found or current == unit_id:
            continue
        found.add(current)
        stack.extend(graph.get(current, []))
    return found
