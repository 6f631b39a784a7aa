"""Successions: units that merge and end, units that move (WORKFLOWS.md §6).

``merge`` and ``move`` first build the *report* of what would happen (the dry run); with
``dry_run=False`` they write it, unless the report lists a conflict. They flush, never commit.

What a merger on DATE does:

- the old units end the day before DATE (``valid_to = DATE - 1``);
- their villages and residential groups go under the new unit from DATE: each closes its
  link the day before and opens a new one (the unit is the same village; its id, code and
  persons do not change);
- role assignments on the old units stay where they are (to read their past); the report
  lists them, since new work needs an assignment on the successor;
- open recognition requests, plans and area records stay on the old units; scope reaches them
  through the successor (``auth.scope``);
- persons keep their village: nothing about them is written.

What may be merged: every old unit and the new one are commune-level units (ward, commune,
special zone, in any mix: the new unit, created first, says what the result is), or they are
all of the new unit's own kind (villages into a village, provinces into a province). Anything
else is refused.

A conflict is an open record that would be left in an ended unit with no successor place: a
person attached directly to an old commune instead of one of its villages. The dry run lists
it; the real run then writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from casework import db as clock  # Vietnam's today, read at call time
from casework.audit.changes import record_change
from casework.extensions import db
from casework.orgunits.models import (
    ASSIGNMENT_FINDERS,
    COMMUNE_KINDS,
    OPEN_RECORDS,
    OrgUnit,
    OrgUnitLink,
    Succession,
    SuccessionUnit,
    subtree_clause,
)
from casework.orgunits.services import OrgUnitError, check_placement, get_by_code
from casework.validation import MIN_DATE, character_problem

MAX_BASIS_LEN = 300
# A succession may be recorded ahead of its date (resolutions precede their effect), not by
# more than a year.
MAX_DAYS_AHEAD = 366


class SuccessionError(OrgUnitError):
    """The succession is refused: bad input. Nothing was written. ``field`` names the input."""

    def __init__(self, message: str, field: str = "_schema"):
        super().__init__(message)
        self.field = field


class SuccessionConflict(OrgUnitError):
    """The dry run lists a conflict: nothing was written. ``report`` says which."""

    def __init__(self, report: SuccessionReport):
        super().__init__(_("The dry run lists %(n)d conflict(s); nothing was recorded.",
                           n=len(report.conflicts)))
        self.report = report


@dataclass
class SuccessionReport:
    """What a succession does, or would do: the dry run's answer and the real run's."""

    kind: str
    on: date
    basis: str
    old: list[str]
    new: str
    dry_run: bool = True
    succession_id: int | None = None
    ending: list[dict] = field(default_factory=list)
    moving: list[dict] = field(default_factory=list)
    assignments: list[dict] = field(default_factory=list)
    open_records: list[dict] = field(default_factory=list)
    conflicts: list[dict] = field(default_factory=list)

    @property
    def written(self) -> bool:
        return self.succession_id is not None

    def as_json(self) -> dict:
        return {
            "kind": self.kind, "on": self.on.isoformat(), "basis": self.basis,
            "old": self.old, "new": self.new, "dry_run": self.dry_run,
            "written": self.written, "succession_id": self.succession_id,
            "ending": self.ending, "moving": self.moving, "assignments": self.assignments,
            "open_records": self.open_records, "conflicts": self.conflicts,
        }

    def lines(self) -> list[str]:
        """The report as text, for the command line."""
        out = [f"{self.kind} {', '.join(self.old)} -> {self.new} on {self.on.isoformat()} "
               f"({self.basis})"]
        for unit in self.ending:
            out.append(f"  ends: {unit['code']} {unit['name']} (last day {unit['valid_to']})")
        for unit in self.moving:
            out.append(f"  moves: {unit['code']} {unit['name']}: {unit['from'] or '-'} -> "
                       f"{unit['to'] or '-'}")
        for grant in self.assignments:
            out.append(f"  role stays on the old unit: {grant['username']} {grant['role']} "
                       f"{grant['unit']} (needs an assignment on {self.new} for new work)")
        for counts in self.open_records:
            shown = ", ".join(f"{k} {v}" for k, v in counts["counts"].items())
            out.append(f"  open records of {counts['unit']}: {shown}")
        for conflict in self.conflicts:
            out.append(f"  CONFLICT {conflict['unit']}: {conflict['message']}")
        if self.written:
            out.append(f"Recorded as succession {self.succession_id}.")
        elif self.dry_run:
            out.append("Dry run: nothing was written.")
        return out


# --- input ------------------------------------------------------------------------------------


def _units(codes: list[str], field_name: str) -> list[OrgUnit]:
    codes = [c.strip() for c in codes if c and c.strip()]
    if not codes:
        raise SuccessionError(_("Name at least one unit."), field_name)
    if len(set(codes)) != len(codes):
        raise SuccessionError(_("A unit is named twice."), field_name)
    found = {u.code: u for u in db.session.scalars(
        sa.select(OrgUnit).where(OrgUnit.code.in_(codes)))}
    unknown = [c for c in codes if c not in found]
    if unknown:
        raise SuccessionError(_("Unknown unit code(s): %(codes)s.", codes=", ".join(unknown)),
                              field_name)
    return [found[c] for c in codes]


def _unit(code: str, field_name: str) -> OrgUnit:
    unit = get_by_code((code or "").strip()) if code else None
    if unit is None:
        raise SuccessionError(_("Unknown unit code(s): %(codes)s.", codes=code or "-"),
                              field_name)
    return unit


def _check_basis(basis: str | None) -> str:
    basis = (basis or "").strip()
    if not basis:
        raise SuccessionError(_("Give the legal basis (e.g. NQ 1670/NQ-UBTVQH15 Art 1.35)."),
                              "basis")
    if len(basis) > MAX_BASIS_LEN:
        raise SuccessionError(_("The legal basis is at most %(n)d characters.",
                                n=MAX_BASIS_LEN), "basis")
    problem = character_problem(basis, formatting=False)
    if problem:
        raise SuccessionError(problem, "basis")
    return basis


def _check_date(on: date | None) -> date:
    if on is None:
        raise SuccessionError(_("Give the date of the succession."), "on")
    last = clock.today_local() + timedelta(days=MAX_DAYS_AHEAD)
    if not MIN_DATE <= on <= last:
        raise SuccessionError(_("The date must lie between %(first)s and %(last)s.",
                                first=MIN_DATE.strftime("%d/%m/%Y"),
                                last=last.strftime("%d/%m/%Y")), "on")
    return on


def _show(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def _check_alive(unit: OrgUnit, on: date, field_name: str) -> None:
    """``unit`` exists on the day before ``on`` and has not ended: it can end or move then."""
    if unit.valid_to is not None:
        raise SuccessionError(_("%(code)s already ended on %(day)s.", code=unit.code,
                                day=_show(unit.valid_to)), field_name)
    if unit.valid_from is not None and on <= unit.valid_from:
        raise SuccessionError(_("%(code)s exists only from %(day)s: the date must be after "
                                "it.", code=unit.code, day=_show(unit.valid_from)), field_name)


def _check_exists_on(unit: OrgUnit, on: date, field_name: str) -> None:
    if not unit.valid_on(on):
        raise SuccessionError(_("%(code)s does not exist on %(day)s.", code=unit.code,
                                day=_show(on)), field_name)


def _open_links(root: OrgUnit) -> list[tuple[OrgUnit, OrgUnitLink]]:
    """The units of ``root``'s current subtree that still have an open place, with it."""
    return list(db.session.execute(
        sa.select(OrgUnit, OrgUnitLink)
        .join(OrgUnitLink, OrgUnitLink.unit_id == OrgUnit.id)
        .where(subtree_clause(OrgUnit.path, root.path), OrgUnitLink.valid_to.is_(None))
        .order_by(OrgUnit.path)))


def _check_links_before(root: OrgUnit, on: date, field_name: str) -> None:
    for unit, link in _open_links(root):
        if link.valid_from is not None and link.valid_from >= on:
            raise SuccessionError(_("%(code)s already changed place on %(day)s: a succession "
                                    "before that is not recorded after it.", code=unit.code,
                                    day=_show(link.valid_from)), field_name)


# --- the report -------------------------------------------------------------------------------


def _children(unit: OrgUnit) -> list[OrgUnit]:
    return list(db.session.scalars(
        sa.select(OrgUnit).where(OrgUnit.parent_id == unit.id, OrgUnit.valid_to.is_(None))
        .order_by(OrgUnit.code)))


def _assignments(units: list[OrgUnit]) -> list[dict]:
    ids = [u.id for u in units]
    return [row for finder in ASSIGNMENT_FINDERS for row in finder(ids)]


def _count(kind, unit_ids: list[int]) -> int:
    if not unit_ids:
        return 0
    stmt = sa.select(sa.func.count()).select_from(kind.model).where(
        kind.model.org_unit_id.in_(unit_ids))
    if kind.open_clause is not None:
        stmt = stmt.where(kind.open_clause)
    return db.session.scalar(stmt) or 0


def _open_records(old: OrgUnit, moving: list[OrgUnit], report: SuccessionReport,
                  ending: bool) -> None:
    ids = [old.id] + [u.id for u in moving]
    counts = {key: _count(kind, ids) for key, kind in sorted(OPEN_RECORDS.items())}
    counts["persons_in_moved_units"] = sum(
        _count(kind, [u.id for u in moving]) for kind in OPEN_RECORDS.values()
        if kind.conflict_when_direct)
    report.open_records.append({"unit": old.code, "counts": counts})
    if not ending or old.kind not in COMMUNE_KINDS:
        return
    for kind in OPEN_RECORDS.values():
        if not kind.conflict_when_direct:
            continue
        direct = _count(kind, [old.id])
        if direct:
            report.conflicts.append({
                "unit": old.code, "records": kind.key, "count": direct,
                "message": _("%(n)d open record(s) of “%(what)s” are attached to %(code)s "
                             "itself, not to one of its villages or groups: they would be "
                             "left in an ended unit. Move them to a village first.",
                             n=direct, what=str(kind.label), code=old.code)})


def _moving_row(unit: OrgUnit, to: OrgUnit | None) -> dict:
    return {"code": unit.code, "name": unit.name, "kind": unit.kind,
            "from": unit.parent.code if unit.parent else None,
            "to": to.code if to else None}


# --- writing ----------------------------------------------------------------------------------


def _move_on(unit: OrgUnit, new_parent: OrgUnit, on: date) -> None:
    """Re-hang ``unit`` and its current subtree under ``new_parent`` from ``on``: each unit
    still in place closes its link the day before and opens one with its new path."""
    day_before = on - timedelta(days=1)
    old_path = unit.path
    new_path = new_parent.path + f"{unit.id}."
    shift = new_parent.depth + 1 - unit.depth
    for member, link in _open_links(unit):
        link.valid_to = day_before
        member.path = new_path + member.path[len(old_path):]
        member.depth = member.depth + shift
        parent_id = new_parent.id if member.id == unit.id else member.parent_id
        db.session.add(OrgUnitLink(unit_id=member.id, parent_id=parent_id, path=member.path,
                                   depth=member.depth, valid_from=on))
    unit.parent = new_parent
    db.session.flush()


def _end(unit: OrgUnit, on: date) -> None:
    last = on - timedelta(days=1)
    unit.valid_to = last
    for link in db.session.scalars(sa.select(OrgUnitLink).where(
            OrgUnitLink.unit_id == unit.id, OrgUnitLink.valid_to.is_(None))):
        link.valid_to = last
    db.session.flush()


def _record(kind: str, on: date, basis: str, old: list[OrgUnit], new: OrgUnit, actor,
            role: str | None, event_unit: OrgUnit) -> Succession:
    succession = Succession(kind=kind, on_date=on, basis=basis,
                            actor_id=getattr(actor, "id", None))
    db.session.add(succession)
    db.session.flush()
    for unit in old:
        db.session.add(SuccessionUnit(succession_id=succession.id, unit_id=unit.id, side="old"))
    db.session.add(SuccessionUnit(succession_id=succession.id, unit_id=new.id, side="new"))
    db.session.flush()
    record_change(succession, kind, actor=actor, role=role, org_unit_id=event_unit.id,
                  after={"kind": kind, "old": [u.code for u in old], "new": new.code,
                         "on": on, "basis": basis})
    return succession


# --- the verbs --------------------------------------------------------------------------------


def _check_merge_kinds(olds: list[OrgUnit], new: OrgUnit) -> None:
    kinds = {u.kind for u in olds} | {new.kind}
    if kinds <= COMMUNE_KINDS or kinds == {new.kind}:
        return
    raise SuccessionError(_("Units of kinds %(kinds)s cannot merge into a %(kind)s: merge "
                            "commune-level units (ward, commune, special zone) into one of "
                            "them, or units of one kind into a unit of that kind.",
                            kinds=", ".join(sorted(u.kind for u in olds)), kind=new.kind),
                          "old")


def merge(old_codes: list[str], into: str, on: date, basis: str, *, actor=None,
          role: str | None = None, dry_run: bool = True) -> SuccessionReport:
    """Merge the units ``old_codes`` into ``into`` on ``on`` (see the module's docstring).

    Raises SuccessionError on bad input and SuccessionConflict (with the report) when the
    real run meets a conflict; nothing is written then. Returns the report.
    """
    basis = _check_basis(basis)
    on = _check_date(on)
    olds = _units(list(old_codes), "old")
    new = _unit(into, "new")
    if any(u.id == new.id for u in olds):
        raise SuccessionError(_("A unit cannot be merged into itself (%(code)s).",
                                code=new.code), "new")
    for old in olds:
        if new.path.startswith(old.path):
            raise SuccessionError(_("%(new)s lies inside %(old)s: a unit cannot be merged "
                                    "into its own descendant.", new=new.code, old=old.code),
                                  "new")
        others = [u for u in olds if u.id != old.id and u.path.startswith(old.path)]
        if others:
            raise SuccessionError(_("%(inner)s lies inside %(old)s: name only %(old)s.",
                                    inner=others[0].code, old=old.code), "old")
    _check_merge_kinds(olds, new)
    for old in olds:
        _check_alive(old, on, "old")
        _check_links_before(old, on, "old")
    _check_exists_on(new, on, "new")

    report = SuccessionReport("merge", on, basis, [u.code for u in olds], new.code,
                              dry_run=dry_run)
    moves: list[tuple[OrgUnit, list[OrgUnit]]] = []
    for old in olds:
        children = _children(old)
        for child in children:
            try:
                check_placement(child.kind, new)
            except OrgUnitError as exc:
                raise SuccessionError(str(exc), "new") from None
        moves.append((old, children))
        report.ending.append({"code": old.code, "name": old.name, "kind": old.kind,
                              "valid_to": (on - timedelta(days=1)).isoformat()})
        report.moving.extend(_moving_row(child, new) for child in children)
        _open_records(old, children, report, ending=True)
    report.assignments = _assignments(olds)
    if dry_run:
        return report
    if report.conflicts:
        raise SuccessionConflict(report)
    for old, children in moves:
        for child in children:
            _move_on(child, new, on)
        _end(old, on)
    succession = _record("merge", on, basis, olds, new, actor, role, new)
    report.succession_id = succession.id
    db.session.expire_all()
    return report


def move(code: str, to: str, on: date, basis: str, *, actor=None, role: str | None = None,
         dry_run: bool = True) -> SuccessionReport:
    """Re-hang the unit ``code`` (and its subtree) under ``to`` from ``on``; the unit keeps
    its identity. Raises as ``merge``; returns the report."""
    basis = _check_basis(basis)
    on = _check_date(on)
    unit = _unit(code, "old")
    parent = _unit(to, "new")
    if parent.id == unit.id:
        raise SuccessionError(_("A unit cannot be moved under itself."), "new")
    if parent.path.startswith(unit.path):
        raise SuccessionError(_("%(new)s lies inside %(old)s: a unit cannot be moved under "
                                "its own descendant.", new=parent.code, old=unit.code), "new")
    if unit.parent_id == parent.id:
        raise SuccessionError(_("%(code)s is already under %(parent)s.", code=unit.code,
                                parent=parent.code), "new")
    try:
        check_placement(unit.kind, parent)
    except OrgUnitError as exc:
        raise SuccessionError(str(exc), "new") from None
    _check_alive(unit, on, "old")
    _check_links_before(unit, on, "old")
    _check_exists_on(parent, on, "new")

    report = SuccessionReport("move", on, basis, [unit.code], parent.code, dry_run=dry_run)
    report.moving.append(_moving_row(unit, parent))
    below = [u for u, _link in _open_links(unit) if u.id != unit.id]
    _open_records(unit, below, report, ending=False)
    if dry_run:
        return report
    _move_on(unit, parent, on)
    succession = _record("move", on, basis, [unit], parent, actor, role, unit)
    report.succession_id = succession.id
    db.session.expire_all()
    return report


def end(code: str, on: date, basis: str, *, actor=None, role: str | None = None,
        dry_run: bool = True) -> SuccessionReport:
    """End the unit ``code`` on ``on`` without a successor (its last day is the day before):
    a level of government abolished, like the cities and districts on 2025-07-01. Only a
    unit whose children have all ended or moved away by then may end; audited."""
    basis = _check_basis(basis)
    on = _check_date(on)
    unit = _unit(code, "old")
    _check_alive(unit, on, "old")
    _check_links_before(unit, on, "old")
    report = SuccessionReport("end", on, basis, [unit.code], "", dry_run=dry_run)
    report.ending.append({"code": unit.code, "name": unit.name, "kind": unit.kind,
                          "valid_to": (on - timedelta(days=1)).isoformat()})
    report.assignments = _assignments([unit])
    for child in _children(unit):
        report.conflicts.append({
            "unit": child.code, "records": "org_units", "count": 1,
            "message": _("%(code)s still lies under %(parent)s: merge or move it first.",
                         code=child.code, parent=unit.code)})
    if dry_run:
        return report
    if report.conflicts:
        raise SuccessionConflict(report)
    _end(unit, on)
    record_change(unit, "end", actor=actor, role=role, org_unit_id=unit.id,
                  before={"valid_to": None},
                  after={"valid_to": on - timedelta(days=1), "basis": basis})
    db.session.expire_all()
    return report
