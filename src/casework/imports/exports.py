"""Person and area lists as CSV or XLSX, with the same scope and role rules as their pages.

Each export is logged (``audit.exports.record_export``): who, what, over which area, with
which filters and how many rows. Person lists are for the roles that may read persons, never
for ``viewer``. Columns are headed by their labels and coded values written as people read
them (a state's name, "Nam", "Có"), in the user's language; the person list's import columns
are read back by the persons import, which knows the labels (``imports.columns``). File names
are Vietnamese words without diacritics.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from casework.areas.criteria import evaluate_subtree
from casework.areas.models import UNASSESSED, Area
from casework.audit.exports import record_export
from casework.auth.roles import PERSONAL_READ_ROLES
from casework.auth.scope import Scope, scoped
from casework.errors import NotPermitted, ValidationFailed
from casework.extensions import db
from casework.imports.columns import column_label
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
                  "state_since", "due_date", "overdue")
AREA_COLUMNS = ("code", "name", "kind", "parent_code", "state", "criteria_met",
                "all_criteria_met")
GENDER_LABELS = {"male": _l("Male"), "female": _l("Female"), "other": _l("Other")}
RESIDENCE_LABELS = {"permanent": _l("Permanent residence"),
                    "temporary": _l("Temporary residence")}


@dataclass
class Export:
    """A file ready to send."""

    filename: str
    mimetype: str
    content: bytes
    rows: int


def _write(columns: tuple[str, ...], rows: list[list], file_format: str, name: str,
           title: str) -> Export:
    """The file: columns headed by their labels, dates as dd/mm/yyyy, yes/no in words."""
    stamp = today_local().strftime("%Y%m%d")
    header = [column_label(c) for c in columns]
    if file_format == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(header)
        for row in rows:
            writer.writerow(_csv_cell(v) for v in row)
        # With a byte-order mark, Excel opens the Vietnamese text as UTF-8.
        content = ("\ufeff" + out.getvalue()).encode("utf-8")
        return Export(f"{name}-{stamp}.csv", CSV_TYPE, content, len(rows))
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])
    append_row(sheet, header)
    for row in rows:
        cells = []
        for value in row:
            if isinstance(value, date):
                value = WriteOnlyCell(sheet, value=value)
                value.number_format = "DD/MM/YYYY"
            elif isinstance(value, bool):
                value = _yes_no(value)
            cells.append(value)
        append_row(sheet, cells)
    out = io.BytesIO()
    workbook.save(out)
    return Export(f"{name}-{stamp}.xlsx", XLSX_TYPE, out.getvalue(), len(rows))


def _yes_no(value: bool) -> str:
    return _("Yes") if value else _("No")


def _csv_cell(value):
    if isinstance(value, bool):
        return _yes_no(value)
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return "" if value is None else csv_value(value)  # never a formula in a spreadsheet


def _label(labels: dict, code: str | None) -> str | None:
    return str(labels[code]) if code in labels else code


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
            person.external_id, person.full_name, person.birth_date,
            _label(GENDER_LABELS, person.gender), person.national_id,
            _label(RESIDENCE_LABELS, person.residence_type), person.address,
            person.org_unit.code, person.org_unit.name,
            str(state.label) if state else person.state,
            local_date(person.state_entered_at), person.due_date,
            person.due_date is not None and person.due_date < today,
        ])
    area = None
    if query.area_code:
        area = db.session.scalar(sa.select(OrgUnit).where(OrgUnit.code == query.area_code))
    export = _write(PERSON_COLUMNS, rows, file_format, "danh-sach-nguoi", _("Persons"))
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
            unit.code, unit.name, unit.kind_label, parents.get(unit.id),
            engine.state_label(area_def, state),
            result.met_count if result else None, result.all_met if result else None,
        ])
    export = _write(AREA_COLUMNS, rows, file_format, "danh-sach-dia-ban", _("Areas"))
    record_export(actor, "areas", org_unit=root, row_count=export.rows,
                  file_format=file_format, filters={"root": root_code})
    return export


def _unknown(code: str) -> str:
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
