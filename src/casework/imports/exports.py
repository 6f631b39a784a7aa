"""Person and area lists as CSV or XLSX, with the same scope and role rules as their pages.

Each export is logged (``audit.exports.record_export``): who, what, over which area, with
which filters and how many rows. Person lists are for the roles that may read persons, never
for ``viewer``. The columns of the person list are those of the persons import, so an
exported file can be read by another installation's import.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from casework.areas.models import UNASSESSED, Area
from casework.audit.exports import record_export
from casework.auth.roles import PERSONAL_READ_ROLES
from casework.auth.scope import Scope, scoped
from casework.errors import NotPermitted, ValidationFailed
from casework.extensions import db
from casework.orgunits.models import OrgUnit, subtree_clause
from casework.people.models import Person
from casework.people.services import PersonQuery, filter_persons
from casework.spreadsheets import append_row, csv_value
from casework.workflow import engine
from casework.workflow.catalog import get_catalog
from casework.workflow.deadlines import local_date, today_local

FORMATS = ("csv", "xlsx")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"

PERSON_COLUMNS = ("external_id", "full_name", "birth_date", "gender", "national_id",
                  "residence_type", "address", "area_code", "area_name", "state",
                  "state_label", "state_since", "due_date", "overdue")
AREA_COLUMNS = ("code", "name", "kind", "kind_label", "parent_code", "state", "state_label",
                "criteria_met", "all_criteria_met")


@dataclass
class Export:
    """A file ready to send."""

    filename: str
    mimetype: str
    content: bytes
    rows: int


def _write(columns: tuple[str, ...], rows: list[list], file_format: str, name: str) -> Export:
    stamp = today_local().strftime("%Y%m%d")
    if file_format == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow(_csv_cell(v) for v in row)
        # With a byte-order mark, Excel opens the Vietnamese text as UTF-8.
        content = ("\ufeff" + out.getvalue()).encode("utf-8")
        return Export(f"{name}-{stamp}.csv", CSV_TYPE, content, len(rows))
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(name)
    append_row(sheet, columns)
    for row in rows:
        append_row(sheet, row)
    out = io.BytesIO()
    workbook.save(out)
    return Export(f"{name}-{stamp}.xlsx", XLSX_TYPE, out.getvalue(), len(rows))


def _csv_cell(value):
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return "" if value is None else csv_value(value)  # never a formula in a spreadsheet


# --- persons ----------------------------------------------------------------------------------


def export_persons(actor, scope: Scope, query: PersonQuery, file_format: str) -> Export:
    """The persons of the list page's filters (all pages), logged as an export."""
    if not scope.roles & PERSONAL_READ_ROLES:
        raise NotPermitted()
    stmt = filter_persons(scope, query).order_by(Person.org_unit_id, Person.name_folded,
                                                  Person.id)
    definition = get_catalog().get("person")
    today = today_local()
    rows = []
    for person in db.session.scalars(stmt):
        state = definition.states.get(person.state)
        rows.append([
            person.external_id, person.full_name, person.birth_date, person.gender,
            person.national_id, person.residence_type, person.address, person.org_unit.code,
            person.org_unit.name, person.state,
            str(state.label) if state else person.state,
            local_date(person.state_entered_at), person.due_date,
            person.due_date is not None and person.due_date < today,
        ])
    area = None
    if query.area_code:
        area = db.session.scalar(sa.select(OrgUnit).where(OrgUnit.code == query.area_code))
    export = _write(PERSON_COLUMNS, rows, file_format, "persons")
    record_export(actor, "persons", org_unit=area, row_count=export.rows,
                  file_format=file_format,
                  filters={"state": query.state, "area_code": query.area_code, "q": query.q,
                           "overdue": query.overdue})
    return export


# --- areas ------------------------------------------------------------------------------------


def _roots(units: list[OrgUnit]) -> list[OrgUnit]:
    """The visible units none of whose ancestors is visible."""
    roots: list[OrgUnit] = []
    for unit in sorted(units, key=lambda u: len(u.path)):
        if not any(unit.path.startswith(r.path) for r in roots):
            roots.append(unit)
    return roots


def export_areas(actor, scope: Scope, root_code: str | None, file_format: str) -> Export:
    """Every area the caller may see (or those under ``root_code``) with its state and how
    many of the 8 criteria it meets today; no names of persons. Logged as an export."""
    from casework.areas.criteria import evaluate_subtree

    stmt = scoped(sa.select(OrgUnit), OrgUnit.id, scope)
    root = None
    if root_code:
        root = db.session.scalar(stmt.where(OrgUnit.code == root_code))
        if root is None:
            raise ValidationFailed(errors={"root": [_unknown(root_code)]})
        stmt = stmt.where(subtree_clause(OrgUnit.path, root.path))
    units = list(db.session.scalars(stmt.order_by(OrgUnit.path)))
    by_id = {u.id: u for u in units}
    states = dict(db.session.execute(
        sa.select(Area.org_unit_id, Area.state).where(Area.org_unit_id.in_(list(by_id)))
    ).all()) if units else {}
    results = {}
    for top in _roots(units):
        results.update(evaluate_subtree(top))
    area_def = get_catalog().get("area")
    parents = _parent_codes(units)
    rows = []
    for unit in _tree_order(units):
        state = states.get(unit.id, UNASSESSED)
        result = results.get(unit.id)
        rows.append([
            unit.code, unit.name, unit.kind, unit.kind_label, parents.get(unit.id), state,
            engine.state_label(area_def, state),
            result.met_count if result else None, result.all_met if result else None,
        ])
    export = _write(AREA_COLUMNS, rows, file_format, "areas")
    record_export(actor, "areas", org_unit=root, row_count=export.rows,
                  file_format=file_format, filters={"root": root_code})
    return export


def _unknown(code: str) -> str:
    from flask_babel import gettext as _

    return _("Unknown area code %(code)s.", code=code)


def _parent_codes(units: Iterable[OrgUnit]) -> dict[int, str]:
    parent_ids = {u.parent_id for u in units if u.parent_id is not None}
    codes = dict(db.session.execute(
        sa.select(OrgUnit.id, OrgUnit.code).where(OrgUnit.id.in_(list(parent_ids)))
    ).all()) if parent_ids else {}
    return {u.id: codes[u.parent_id] for u in units if u.parent_id in codes}


def _tree_order(units: list[OrgUnit]) -> list[OrgUnit]:
    """Parents before their children, siblings by name."""
    children: dict[int | None, list[OrgUnit]] = {}
    ids = {u.id for u in units}
    for unit in units:
        key = unit.parent_id if unit.parent_id in ids else None
        children.setdefault(key, []).append(unit)
    ordered: list[OrgUnit] = []

    def walk(parent_id):
        for unit in sorted(children.get(parent_id, []), key=lambda u: (u.name, u.code)):
            ordered.append(unit)
            walk(unit.id)

    walk(None)
    return ordered
