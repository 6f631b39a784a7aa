"""Verbs that change the org-unit tree. They flush, never commit."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _

from casework.audit.changes import record_change
from casework.extensions import db
from casework.orgunits.models import (
    ALLOWED_PARENTS,
    COMMUNE_KINDS,
    KINDS,
    OrgUnit,
    OrgUnitLink,
    subtree_clause,
)

CSV_COLUMNS = ("code", "name", "kind", "parent_code")
# The dates are optional: a unit without them exists since always and still exists.
CSV_DATED_COLUMNS = CSV_COLUMNS + ("valid_from", "valid_to")
MAX_CODE_LEN = 32
MAX_NAME_LEN = 200


class OrgUnitError(ValueError):
    """A single org-unit problem, with a message meant for the user."""


def get_by_code(code: str) -> OrgUnit | None:
    return db.session.scalar(sa.select(OrgUnit).where(OrgUnit.code == code))


def check_placement(kind: str, parent: OrgUnit | None) -> None:
    """Raise OrgUnitError unless a unit of ``kind`` may sit under ``parent``."""
    _check_kind_under(kind, parent.kind if parent is not None else None)


def _check_kind_under(kind: str, parent_kind: str | None) -> None:
    if kind not in KINDS:
        raise OrgUnitError(
            _("Unknown kind %(kind)s; use one of: %(kinds)s.", kind=kind, kinds=", ".join(KINDS))
        )
    if parent_kind not in ALLOWED_PARENTS[kind]:
        if parent_kind is None:
            raise OrgUnitError(_("A unit of kind %(kind)s needs a parent unit.", kind=kind))
        raise OrgUnitError(
            _("A unit of kind %(kind)s cannot sit under a unit of kind %(parent)s.",
              kind=kind, parent=parent_kind)
        )


def _check_fields(code: str, name: str) -> None:
    if not code or len(code) > MAX_CODE_LEN or any(c.isspace() for c in code):
        raise OrgUnitError(
            _("The code must be 1 to %(n)d characters without spaces.", n=MAX_CODE_LEN)
        )
    if not name or len(name) > MAX_NAME_LEN:
        raise OrgUnitError(_("The name must be 1 to %(n)d characters.", n=MAX_NAME_LEN))


def _check_dates(valid_from: date | None, valid_to: date | None) -> None:
    if valid_from is not None and valid_to is not None and valid_to < valid_from:
        raise OrgUnitError(_("The last day of a unit cannot be before its first day."))


def create_orgunit(code: str, name: str, kind: str, parent: OrgUnit | None, *,
                   valid_from: date | None = None, valid_to: date | None = None) -> OrgUnit:
    """Add a unit under ``parent``: its materialised path and its first place in the tree
    (one link over the unit's whole life, ``valid_from`` to ``valid_to``)."""
    _check_fields(code, name)
    check_placement(kind, parent)
    _check_dates(valid_from, valid_to)
    if get_by_code(code) is not None:
        raise OrgUnitError(_("The code %(code)s is already used.", code=code))
    unit = OrgUnit(code=code, name=name, kind=kind, parent=parent, path="", depth=0,
                   valid_from=valid_from, valid_to=valid_to)
    db.session.add(unit)
    db.session.flush()  # the id is part of the path
    unit.path = (parent.path if parent else "") + f"{unit.id}."
    unit.depth = parent.depth + 1 if parent else 0
    db.session.add(OrgUnitLink(unit_id=unit.id, parent_id=parent.id if parent else None,
                               path=unit.path, depth=unit.depth, valid_from=valid_from,
                               valid_to=valid_to))
    db.session.flush()
    return unit


def has_history(unit: OrgUnit) -> bool:
    """Whether a unit of ``unit``'s subtree has ever changed place or ended (a closed link)."""
    return db.session.scalar(sa.select(sa.exists().where(
        subtree_clause(OrgUnitLink.path, unit.path), OrgUnitLink.valid_to.is_not(None))))


def _attributes(unit: OrgUnit) -> dict:
    return {"name": unit.name, "remote": unit.remote}


def update_orgunit(unit: OrgUnit, actor, *, name: str | None = None,
                   remote: bool | None = None, role: str | None = "admin") -> OrgUnit:
    """Change a unit's name and/or its remote flag, and log the change (who, what, before
    and after) in the unit's chain of the audit log. Only a ward or commune is remote."""
    before = _attributes(unit)
    if name is not None:
        _check_fields(unit.code, name)
        unit.name = name
    if remote is not None:
        if remote and unit.kind not in COMMUNE_KINDS:
            raise OrgUnitError(_("Only a commune or a ward can be marked remote."))
        if remote != unit.remote and unit.ended:
            raise OrgUnitError(_("%(name)s ended on %(day)s: its remote flag is part of its "
                                 "history and no longer changes.", name=unit.name,
                                 day=unit.valid_to.strftime("%d/%m/%Y")))
        unit.remote = remote
    after = _attributes(unit)
    db.session.flush()
    if after != before:
        record_change(unit, "update", actor=actor, role=role, org_unit_id=unit.id,
                      before=before, after=after)
    return unit


def commune_of(unit: OrgUnit, on: date | None = None) -> OrgUnit | None:
    """The commune, ward or special zone that holds ``unit`` (itself when it is one) on the
    day ``on`` (its latest place when ``on`` is None): see ``orgunits.history``."""
    from casework.orgunits import history

    return history.commune_of(unit, on)


def remote_on(unit: OrgUnit, on: date | None = None) -> bool:
    """Whether the commune holding ``unit`` on the day ``on`` is flagged remote or
    mountainous (Decree 105/2021 Art 41.1): the one place this flag is read for a person."""
    commune = commune_of(unit, on)
    return bool(commune is not None and commune.remote)


def move_orgunit(unit: OrgUnit, new_parent: OrgUnit | None) -> None:
    """Correct the place of ``unit`` and its whole subtree: it has always been under
    ``new_parent``. The paths are rewritten in place, links included, in one UPDATE each.

    A unit whose subtree has a history (a closed link) is not corrected but moved on a date,
    with ``orgunits.successions.move``.
    """
    if new_parent is not None and new_parent.path.startswith(unit.path):
        raise OrgUnitError(_("A unit cannot be moved under itself."))
    check_placement(unit.kind, new_parent)
    if has_history(unit):
        raise OrgUnitError(_("%(code)s has a history of places in the tree: move it on a "
                             "date (casework orgunits move).", code=unit.code))
    old_path, old_depth = unit.path, unit.depth
    new_path = (new_parent.path if new_parent else "") + f"{unit.id}."
    new_depth = new_parent.depth + 1 if new_parent else 0
    db.session.flush()
    for model in (OrgUnit, OrgUnitLink):
        db.session.execute(
            sa.update(model)
            .where(subtree_clause(model.path, old_path))
            .values(
                path=sa.literal(new_path) + sa.func.substr(model.path, len(old_path) + 1),
                depth=model.depth + (new_depth - old_depth),
            )
            .execution_options(synchronize_session=False)
        )
    db.session.execute(
        sa.update(OrgUnitLink).where(OrgUnitLink.unit_id == unit.id)
        .values(parent_id=new_parent.id if new_parent else None)
        .execution_options(synchronize_session=False))
    unit.parent = new_parent
    db.session.flush()
    db.session.expire_all()


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class _Row:
    line: int
    code: str
    name: str
    kind: str
    parent_code: str
    valid_from: date | None = None
    valid_to: date | None = None
    # False for the 4-column file: it says nothing about dates, and changes none.
    dated: bool = False


def import_csv(text: str) -> ImportReport:
    """Import ``code,name,kind,parent_code[,valid_from,valid_to]`` rows; idempotent by code,
    all or nothing.

    Today's tree (a commune, ward or special zone directly under its province) and the tree
    before 2025-07-01 (under a city or district) are both accepted. The dates are ISO
    (YYYY-MM-DD) or dd/mm/yyyy, and may be empty. Rows may name a parent defined later in the
    same file. When any row is wrong the report
    lists one error per bad row, with its line number, and nothing is written.
    """
    report = ImportReport()
    rows = _read_rows(text, report)

    by_code = {row.code: row for row in rows}
    existing = {
        u.code: u
        for u in db.session.scalars(
            sa.select(OrgUnit).where(OrgUnit.code.in_(list(by_code)))
        )
    } if by_code else {}
    parent_codes = {r.parent_code for r in rows if r.parent_code} - set(by_code)
    known_parents = {
        u.code: u
        for u in db.session.scalars(
            sa.select(OrgUnit).where(OrgUnit.code.in_(list(parent_codes)))
        )
    } if parent_codes else {}

    # Validate every row before writing anything.
    for row in rows:
        try:
            _validate_row(row, by_code, known_parents, existing)
        except OrgUnitError as exc:
            report.errors.append((row.line, str(exc)))
    if report.errors:
        report.errors.sort()
        return report
    # ALLOWED_PARENTS only ever points upwards, so valid rows cannot form a cycle.

    # Write parents before children: the new units a generation at a time (a national file
    # has ~100,000), then the changes to the existing ones.
    units = {**known_parents, **existing}
    ordered = _parents_first(rows, by_code)
    report.created += _create_new(
        [r for r in ordered if r.code not in existing], units)
    for row in ordered:
        parent = units.get(row.parent_code) if row.parent_code else None
        unit = existing.get(row.code)
        if unit is None:
            continue
        changed = _set_dates(unit, row)
        if unit.name != row.name:
            unit.name = row.name
            changed = True
        if unit.kind != row.kind:
            unit.kind = row.kind
            changed = True
        if unit.parent_id != (parent.id if parent else None) and not _past_parent(unit, parent):
            move_orgunit(unit, parent)
            changed = True
        report.updated += changed
        report.unchanged += not changed
    db.session.flush()
    return report


def _create_new(rows: list[_Row], units: dict[str, OrgUnit]) -> int:
    """``create_orgunit`` of each of the (validated, parents-first) ``rows``, generation by
    generation: a few statements per level of the tree, not five per unit."""
    level: dict[str, int] = {}
    generations: list[list[_Row]] = []
    for row in rows:
        depth = level[row.parent_code] + 1 if row.parent_code in level else 0
        level[row.code] = depth
        if depth == len(generations):
            generations.append([])
        generations[depth].append(row)
    for generation in generations:
        made = []
        for row in generation:
            parent = units.get(row.parent_code) if row.parent_code else None
            unit = OrgUnit(code=row.code, name=row.name, kind=row.kind, parent=parent, path="",
                           depth=0, valid_from=row.valid_from, valid_to=row.valid_to)
            db.session.add(unit)
            made.append((unit, parent))
        db.session.flush()  # the ids are part of the paths
        for unit, parent in made:
            unit.path = (parent.path if parent else "") + f"{unit.id}."
            unit.depth = parent.depth + 1 if parent else 0
            db.session.add(OrgUnitLink(unit_id=unit.id, parent_id=parent.id if parent else None,
                                       path=unit.path, depth=unit.depth,
                                       valid_from=unit.valid_from, valid_to=unit.valid_to))
            units[unit.code] = unit
        db.session.flush()
    return len(rows)


def _read_rows(text: str, report: ImportReport) -> list[_Row]:
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    try:
        header = next(reader)
    except StopIteration:
        report.errors.append((1, _("The file is empty.")))
        return []
    header = tuple(h.strip().lower() for h in header)
    if header not in (CSV_COLUMNS, CSV_DATED_COLUMNS):
        report.errors.append(
            (1, _("The header must be exactly: %(cols)s (and optionally %(dates)s).",
                  cols=",".join(CSV_COLUMNS), dates=",".join(CSV_DATED_COLUMNS[4:])))
        )
        return []
    rows: list[_Row] = []
    seen: dict[str, int] = {}
    for values in reader:
        line = reader.line_num
        if not any(v.strip() for v in values):
            continue
        if len(values) != len(header):
            report.errors.append(
                (line, _("Expected %(n)d columns, found %(m)d.", n=len(header),
                         m=len(values)))
            )
            continue
        code, name, kind, parent_code, *dates = (v.strip() for v in values)
        try:
            valid_from, valid_to = (_csv_date(v) for v in (dates or ["", ""]))
        except OrgUnitError as exc:
            report.errors.append((line, str(exc)))
            continue
        if code in seen:
            report.errors.append(
                (line, _("The code %(code)s already appears on line %(other)d.",
                         code=code, other=seen[code]))
            )
            continue
        seen[code] = line
        rows.append(_Row(line, code, name, kind, parent_code, valid_from, valid_to,
                         dated=bool(dates)))
    return rows


def _past_parent(unit: OrgUnit, parent: OrgUnit | None) -> bool:
    """Whether ``parent`` held ``unit`` in an earlier period: a file of the old map, whose
    place a succession has since changed (it says nothing new)."""
    return db.session.scalar(sa.select(sa.exists().where(
        OrgUnitLink.unit_id == unit.id, OrgUnitLink.valid_to.is_not(None),
        OrgUnitLink.parent_id == (parent.id if parent else None))))


def _csv_date(text: str) -> date | None:
    from casework.typed_dates import BadInput, parse_day
    from casework.validation import date_problem

    try:
        day = parse_day(text)
    except BadInput as exc:
        raise OrgUnitError(str(exc.message)) from None
    problem = day and date_problem(day)
    if problem:
        raise OrgUnitError(problem)
    return day


def _set_dates(unit: OrgUnit, row: _Row) -> bool:
    """Give an imported unit the row's dates; only a unit without history can take new ones
    (a succession dates the others)."""
    if not row.dated or (unit.valid_from, unit.valid_to) == (row.valid_from, row.valid_to):
        return False
    links = db.session.scalars(sa.select(OrgUnitLink).where(OrgUnitLink.unit_id == unit.id)).all()
    if len(links) != 1 or has_history(unit):
        raise OrgUnitError(_("The dates of %(code)s come from its successions; they are not "
                             "imported.", code=unit.code))
    unit.valid_from, unit.valid_to = row.valid_from, row.valid_to
    links[0].valid_from, links[0].valid_to = row.valid_from, row.valid_to
    return True


def _validate_row(row: _Row, by_code, known_parents, existing) -> None:
    _check_fields(row.code, row.name)
    parent_kind = None
    if row.parent_code:
        if row.parent_code in by_code:
            parent_kind = by_code[row.parent_code].kind
        elif row.parent_code in known_parents:
            parent_kind = known_parents[row.parent_code].kind
        else:
            raise OrgUnitError(_("Unknown parent code %(code)s.", code=row.parent_code))
    _check_kind_under(row.kind, parent_kind)
    _check_dates(row.valid_from, row.valid_to)
    unit = existing.get(row.code)
    if unit is not None and unit.kind != row.kind:
        child_kinds = set(db.session.scalars(
            sa.select(OrgUnit.kind).where(OrgUnit.parent_id == unit.id).distinct()
        ))
        if any(row.kind not in ALLOWED_PARENTS[k] for k in child_kinds):
            raise OrgUnitError(
                _("The kind of %(code)s cannot change: units below it need its current kind.",
                  code=row.code)
            )


def _parents_first(rows: list[_Row], by_code: dict[str, _Row]) -> list[_Row]:
    ordered: list[_Row] = []
    placed: set[str] = set()

    def place(row: _Row) -> None:
        if row.code in placed:
            return
        if row.parent_code in by_code:
            place(by_code[row.parent_code])
        placed.add(row.code)
        ordered.append(row)

    for row in rows:
        place(row)
    return ordered
