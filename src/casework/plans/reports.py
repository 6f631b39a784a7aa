"""Periodic and phase reports: aggregated figures, criteria, overdue deadlines, targets.

One function gathers the figures (`build_report`); the workbook (openpyxl) and the printable
page render the same data. Names of persons appear only for roles entitled to see them.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import contains_eager

from casework.areas.criteria import evaluate_subtree
from casework.areas.findings import prefixes
from casework.audit.models import AuditEntry
from casework.audit.services import states_on
from casework.auth.scope import Scope
from casework.errors import ValidationFailed
from casework.extensions import db
from casework.orgunits import history
from casework.orgunits.history import territory_clause, territory_day
from casework.orgunits.models import LEAF_KINDS, OrgUnit, SuccessionUnit, subtree_clause
from casework.people.models import Person
from casework.plans import services
from casework.plans.models import REPORT_KINDS, Plan
from casework.spreadsheets import append_row
from casework.validation import MAX_DATE, MIN_DATE
from casework.web import redaction
from casework.web.numbers import EXCEL_FORMATS, unit_label
from casework.workflow.catalog import get_catalog
from casework.workflow.deadlines import entering_clause, today_local

_HALF = re.compile(r"([0-9]{4})-H1")
_YEAR = re.compile(r"([0-9]{4})")
_PHASE = re.compile(r"(?P<plan>[\w.-]{1,40}):(?P<seq>[0-9]{1,4})")


@dataclass
class Report:
    kind: str
    period: str
    title: str
    unit: OrgUnit
    start: date
    end: date
    as_of: date
    personal: bool
    states: list[tuple[str, str]] = field(default_factory=list)   # (code, label)
    rows: list[dict] = field(default_factory=list)                 # per ward/commune
    totals: dict = field(default_factory=dict)
    criteria: list = field(default_factory=list)                   # AreaCriteria of leaves
    overdue: list[dict] = field(default_factory=list)
    targets: list = field(default_factory=list)                    # (plan, TargetProgress)


def parse_period(kind: str, period: str) -> tuple[date, date, str, Plan | None]:
    """The dates a report covers: a half year to 10 June, a year to 10 December, a phase."""
    if kind not in REPORT_KINDS:
        raise ValidationFailed(errors={"kind": [_("Use six_month, annual or phase.")]})
    if kind in ("six_month", "annual"):
        m = (_HALF if kind == "six_month" else _YEAR).fullmatch(period or "")
        year = int(m.group(1)) if m else None
        if year is not None and not MIN_DATE.year <= year <= MAX_DATE.year:
            raise ValidationFailed(errors={"period": [
                _("Give a year between %(first)d and %(last)d.", first=MIN_DATE.year,
                  last=MAX_DATE.year)]})
        if year is not None and kind == "six_month":
            return date(year, 1, 1), date(year, 6, 10), _("Six-month report %(year)d",
                                                          year=year), None
        if year is not None:
            return (date(year, 1, 1), date(year, 12, 10),
                    _("Annual report %(year)d", year=year), None)
    if kind == "phase" and (m := _PHASE.fullmatch(period or "")):
        plan = db.session.scalar(sa.select(Plan).where(Plan.code == m.group("plan")))
        phase = next((p for p in plan.phases if p.seq == int(m.group("seq"))), None) if plan \
            else None
        if phase is not None:
            return phase.start_date, phase.end_date, f"{plan.title} — {phase.name}", plan
    examples = {"six_month": "2025-H1", "annual": "2025", "phase": "LCH-TP-2024-2025:2"}
    raise ValidationFailed(errors={"period": [
        _("Give the period as %(example)s.", example=examples[kind])]})


def build_report(kind: str, period: str, unit: OrgUnit, scope: Scope) -> Report:
    """Gather the report's figures for ``unit`` (already loaded through the scope)."""
    start, end, title, plan = parse_period(kind, period)
    as_of = min(end, today_local())
    # The names column exists for whoever may see the personal data of the whole unit; each
    # name still goes through the redaction policy.
    personal = redaction.may_see_personal(unit, scope)
    definition = get_catalog().get("person")
    report = Report(kind, period, title, unit, start, end, as_of, personal,
                    states=[(c, str(s.label)) for c, s in definition.states.items()])

    report.rows = state_rows(unit, as_of, [code for code, _ in report.states])
    report.totals = {code: sum(r["by_state"][code] for r in report.rows)
                     for code, _ in report.states}

    results = evaluate_subtree(unit, as_of)
    report.criteria = sorted((r for r in results.values() if r.kind in LEAF_KINDS),
                             key=lambda r: r.code)

    overdue = db.session.scalars(
        sa.select(Person).join(OrgUnit, OrgUnit.id == Person.org_unit_id)
        .options(contains_eager(Person.org_unit))
        .where(territory_clause(unit, as_of), Person.due_date < as_of)
        .order_by(Person.due_date)).all()
    labels = due_labels(overdue)
    for person in overdue:
        report.overdue.append({
            "name": redaction.shown_value(
                "persons", "full_name", person.full_name,
                redaction.may_see_personal(person.org_unit, scope), person.id),
            "area": person.org_unit.name,
            "state": person.state_label, "due": person.due_date, "what": labels[person.id],
        })

    plans = db.session.scalars(
        sa.select(Plan).where(Plan.org_unit_id.in_(unit.ancestor_ids))).all()
    if plan is not None and plan not in plans:
        plans.append(plan)
    for p in plans:
        for target in p.targets:
            if target.org_unit.path.startswith(unit.path) or unit.path.startswith(
                    target.org_unit.path):
                report.targets.append((p, services.progress(target, as_of)))
    return report


# --- the workbook ----------------------------------------------------------------------------
# openpyxl is imported where a workbook is written, not with this module: about 10 MB that a
# web worker which never writes one does not hold.


def _sheet_header(ws, values) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill

    append_row(ws, values)
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DCE6F1")
        cell.alignment = Alignment(wrap_text=True, vertical="top")


def _widths(ws, widths) -> None:
    from openpyxl.utils import get_column_letter

    for i, width in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(i)].width = width


def workbook(report: Report) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    bold, late = Font(bold=True), PatternFill("solid", fgColor="F8D7D3")
    wb = Workbook()
    ws = wb.active
    ws.title = _("Summary")[:31]
    append_row(ws, [report.title])
    ws["A1"].font = Font(bold=True, size=14)
    append_row(ws, [_("Area"), report.unit.name])
    append_row(ws, [_("Period"), report.start, report.end])
    append_row(ws, [_("Figures as of"), report.as_of])
    for row in ws.iter_rows(min_row=3, max_row=4):
        for cell in row[1:]:
            cell.number_format = "DD/MM/YYYY"
    append_row(ws, [])
    _sheet_header(ws, [_("Unit"), _("Area state")] + [label for _, label in report.states]
                  + [_("Total")])
    for row in report.rows:
        append_row(ws, [row["unit"].name, row["area_state"] or ""]
                   + [row["by_state"][c] for c, _ in report.states] + [row["total"]])
    append_row(ws, [_("Total"), ""] + [report.totals[c] for c, _ in report.states]
               + [sum(report.totals.values())])
    for cell in ws[ws.max_row]:
        cell.font = bold
    _widths(ws, [28, 22] + [14] * (len(report.states) + 1))

    ws = wb.create_sheet(_("Criteria")[:31])
    codes = [c.code for c in (report.criteria[0].criteria if report.criteria else [])]
    _sheet_header(ws, [_("Code"), _("Residential group or village")] + codes
                  + [_("Criteria met")])
    for area in report.criteria:
        append_row(ws, [area.code, area.name] + [r.status_label for r in area.criteria]
                   + [f"{area.met_count}/{len(area.criteria)}"])
    met = sum(1 for a in report.criteria if a.all_met)
    append_row(ws, [_("Meeting all criteria"), f"{met}/{len(report.criteria)}"])
    for cell in ws[ws.max_row]:
        cell.font = bold
    _widths(ws, [16, 30] + [16] * len(codes) + [12])

    ws = wb.create_sheet(_("Overdue deadlines")[:31])
    head = [_("Area"), _("State"), _("Deadline"), _("What")]
    if report.personal:
        head = [_("Full name")] + head
    _sheet_header(ws, head)
    # The row just written by number: ``ws.max_row`` looks at every cell (quadratic here).
    for n, item in enumerate(report.overdue, start=2):
        values = [item["area"], item["state"], item["due"], item["what"]]
        append_row(ws, ([item["name"]] if report.personal else []) + values)
        for cell in (ws.cell(n, column) for column in range(1, len(head) + 1)):
            cell.fill = late
            if isinstance(cell.value, date):
                cell.number_format = "DD/MM/YYYY"
    _widths(ws, ([26] if report.personal else []) + [26, 30, 12, 40])

    ws = wb.create_sheet(_("Targets")[:31])
    _sheet_header(ws, [_("Plan"), _("Target"), _("Metric"), _("Target value"), _("Current"),
                       _("Gap"), _("Unit"), _("Due"), _("Status")])
    for plan, row in report.targets:
        t = row.target
        append_row(ws, [plan.title, t.label, services.metric_label(t.metric), t.value,
                        row.value, row.gap, unit_label(t.unit), t.due,
                        services.status_label(row.status)])
        for column in (4, 5, 6):  # numbers stay numbers, shown in the reader's marks
            ws.cell(ws.max_row, column).number_format = EXCEL_FORMATS.get(t.unit, "General")
        ws.cell(ws.max_row, 8).number_format = "DD/MM/YYYY"
    _widths(ws, [34, 50, 30, 10, 10, 8, 8, 12, 14])

    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# The kinds of report as their file names say them: Vietnamese words without diacritics.
FILE_WORDS = {"six_month": "6-thang", "annual": "nam", "phase": "giai-doan"}


def filename(report: Report) -> str:
    """e.g. bao-cao-6-thang-2025-H1-LCH-TP.xlsx (never the kind's code, six_month)."""
    return (f"bao-cao-{FILE_WORDS[report.kind]}-{report.period.replace(':', '-')}"
            f"-{report.unit.code}.xlsx")


def report_groups(unit: OrgUnit, as_of: date) -> list[OrgUnit]:
    """The rows of a report on ``unit`` as of ``as_of`` (WORKFLOWS.md §6): a successor's are
    its predecessors (each on its last day's map; the report adds them up) and whatever
    joined it otherwise; any other unit's are its children on that day's map (an ended
    unit's: its last day's), or the unit itself when it has none."""
    day = territory_day(unit, as_of)
    if day is None:
        children = list(db.session.scalars(
            sa.select(OrgUnit).where(OrgUnit.parent_id == unit.id).order_by(OrgUnit.name)))
        return children or [unit]
    children = [row[0] for row in db.session.execute(
        history.tree_on(day, unit).order_by(OrgUnit.name))]
    before = [step.unit for step in history.direct_predecessors(unit)
              if step.on <= as_of]
    if before:
        covered = set().union(*(history.subtree_ids_on(p, p.valid_to) for p in before
                                if p.valid_to is not None))
        children = [c for c in children if c.id not in covered]
    return sorted(before, key=lambda u: u.name) + children or [unit]


def state_rows(unit: OrgUnit, as_of: date, states: list[str]) -> list[dict]:
    """The report's rows: persons per state in each row's territory, and the row's area
    state, as of ``as_of``. One grouped statement for the whole territory (the log for a
    past day, the records for today), added up per row."""
    groups = report_groups(unit, as_of)
    members, inside = group_members(unit, groups, as_of)
    per_unit: dict[int, dict[str, int]] = {}
    rows = states_on("person", as_of, inside).subquery()
    for unit_id, state, n in db.session.execute(
            sa.select(rows.c.org_unit_id, rows.c.state, sa.func.count())
            .group_by(rows.c.org_unit_id, rows.c.state)):
        per_unit.setdefault(unit_id, {})[state] = n
    area_def = get_catalog().get("area")
    area_states = {
        unit_id: str(area_def.states[state].label)
        for _id, state, unit_id in db.session.execute(states_on(
            "area", as_of, sa.select(OrgUnit.id).where(OrgUnit.id.in_([g.id for g in groups]))))
        if state in area_def.states
    }
    out = []
    for group in groups:
        by_state = dict.fromkeys(states, 0)
        for unit_id in members[group.id]:
            for state, n in per_unit.get(unit_id, {}).items():
                if state in by_state:
                    by_state[state] += n
        out.append({"unit": group, "by_state": by_state, "total": sum(by_state.values()),
                    "area_state": area_states.get(group.id)})
    return out


def due_labels(persons: list[Person]) -> dict[int, str | None]:
    """``person.due_label`` of each person (what the deadline is for), the log read once per
    state whose deadline depends on how it was entered, not once per person."""
    catalog = get_catalog()
    out: dict[int, str | None] = {}
    asked: dict[tuple[int, str], list[Person]] = {}
    for person in persons:
        state = catalog.get("person", person.workflow_version).states.get(person.state)
        if person.due_date is None or state is None or not state.deadlines:
            out[person.id] = None
        elif len(state.deadlines) == 1:
            out[person.id] = str(state.deadline.label)
        else:
            asked.setdefault((person.workflow_version, person.state), []).append(person)
    for (version, code), people in asked.items():
        definition = catalog.get("person", version)
        entered: dict[int, tuple[str, dict]] = {}
        for record_id, event, data in db.session.execute(
                sa.select(AuditEntry.record_id, AuditEntry.event, AuditEntry.data)
                .where(AuditEntry.record_type == "person",
                       AuditEntry.record_id.in_([p.id for p in people]),
                       entering_clause(definition, code))
                .order_by(AuditEntry.record_id, AuditEntry.seq.desc())):
            entered.setdefault(record_id, (event, dict(data or {})))
        state = definition.states[code]
        for person in people:
            deadline = state.deadline
            if person.id in entered:
                deadline = state.deadline_for(*entered[person.id]) or state.deadline
            out[person.id] = str(deadline.label) if deadline is not None else None
    return out


def group_members(unit: OrgUnit, groups: list[OrgUnit], as_of: date
                  ) -> tuple[dict[int, set[int]], sa.Select]:
    """The ids of the units in each row's territory as of ``as_of`` ({group id: ids}), and a
    SELECT of them all. Where nothing under ``unit`` ever changed place, the rows are its
    children and their territories today's subtrees: one query of the paths, no query per
    row. Otherwise each row's territory on its own day's map (``territory_clause``)."""
    ids = [g.id for g in groups]
    reborn = set(db.session.scalars(sa.select(SuccessionUnit.unit_id).where(
        SuccessionUnit.unit_id.in_(ids), SuccessionUnit.side == "new")))
    if territory_day(unit, as_of) is None and not reborn and all(
            g.valid_on(as_of) for g in groups):
        inside = sa.select(OrgUnit.id).where(subtree_clause(OrgUnit.path, unit.path))
        paths = db.session.execute(sa.select(OrgUnit.id, OrgUnit.path).where(
            subtree_clause(OrgUnit.path, unit.path))).all()
        members: dict[int, set[int]] = {g.id: set() for g in groups}
        by_path = {g.path: g.id for g in groups}
        for unit_id, path in paths:
            for prefix in prefixes(path):
                if prefix in by_path:
                    members[by_path[prefix]].add(unit_id)
        return members, inside
    members = {g.id: set(db.session.scalars(
        sa.select(OrgUnit.id).where(territory_clause(g, as_of)))) for g in groups}
    return members, sa.select(OrgUnit.id).where(
        OrgUnit.id.in_(sorted(set().union(*members.values()))))

