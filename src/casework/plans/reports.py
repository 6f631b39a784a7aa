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

from casework.areas.criteria import STATUS_LABELS, AreaCriteria, CriterionResult, evaluate_subtree
from casework.areas.findings import prefixes
from casework.audit.models import AuditEntry
from casework.audit.services import shared_states, states_on, states_rows
from casework.auth.scope import Scope
from casework.db import among
from casework.errors import ValidationFailed
from casework.extensions import db
from casework.orgunits import history
from casework.orgunits.history import territory_clause, territory_day
from casework.orgunits.models import LEAF_KINDS, OrgUnit, SuccessionUnit, subtree_clause
from casework.people.models import Person
from casework.plans import services
from casework.plans.models import REPORT_KINDS, Plan
from casework.spreadsheets import looks_like_formula, text_cell
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


@shared_states()  # its rows and its managed shares read the persons' states once
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

    # The report shows each criterion's status, not the records behind it: the evidence is
    # left out, or a province's thousands of villages keep it all in memory while the
    # workbook is written (issue 16).
    report.criteria = sorted((_statuses(r) for r in evaluate_subtree(unit, as_of).values()
                              if r.kind in LEAF_KINDS), key=lambda r: r.code)

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


def _statuses(area: AreaCriteria) -> AreaCriteria:
    """``area``'s criteria with their statuses only."""
    return AreaCriteria(area.unit_id, area.code, area.name, area.kind, area.as_of,
                        [CriterionResult(c.code, c.status) for c in area.criteria])


# --- the workbook ----------------------------------------------------------------------------
# Written in openpyxl's write-only mode: each row goes to the file as it is appended, styled
# cell by cell, instead of a province's tens of thousands of cells being held in memory until
# the end (issue 16). Column widths are set before a sheet's first row, as that mode needs.
# openpyxl is imported here, not with this module: about 10 MB that a web worker which never
# writes a workbook does not hold.


LATE = "casework-overdue"  # the workbook's named style of an overdue row


def _sheet(wb, title: str, widths):
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(title[:31])
    for i, width in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(i)].width = width
    return ws


def _styled(ws, values, styles=None, named: str | None = None, **style) -> None:
    """Append ``values`` as one row, each cell with the workbook's style ``named`` (the
    cheap way for thousands of rows: openpyxl hashes a font or fill each time one is set),
    then ``style`` (font, fill, alignment, number_format) and, by column number from 1,
    ``styles``' own; dates shown DD/MM/YYYY."""
    from openpyxl.cell import WriteOnlyCell

    cells = []
    for column, value in enumerate(values, 1):
        formula = looks_like_formula(value)
        cell = text_cell(ws, value) if formula else WriteOnlyCell(ws, value=value)
        if named:
            cell.style = named
            if formula:
                cell.quotePrefix = True  # the named style replaced the cell's whole style
        if isinstance(value, date):
            cell.number_format = "DD/MM/YYYY"
        for name, setting in {**style, **(styles or {}).get(column, {})}.items():
            setattr(cell, name, setting)
        cells.append(cell)
    ws.append(cells)


def workbook(report: Report) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, NamedStyle, PatternFill

    bold = Font(bold=True)
    head = {"font": bold, "fill": PatternFill("solid", fgColor="DCE6F1"),
            "alignment": Alignment(wrap_text=True, vertical="top")}
    wb = Workbook(write_only=True)
    late = NamedStyle(LATE, fill=PatternFill("solid", fgColor="F8D7D3"))  # overdue rows
    wb.add_named_style(late)
    status_text = {code: str(label) for code, label in STATUS_LABELS.items()}  # once each

    ws = _sheet(wb, _("Summary"), [28, 22] + [14] * (len(report.states) + 1))
    _styled(ws, [report.title], font=Font(bold=True, size=14))
    _styled(ws, [_("Area"), report.unit.name])
    _styled(ws, [_("Period"), report.start, report.end])
    _styled(ws, [_("Figures as of"), report.as_of])
    _styled(ws, [])
    _styled(ws, [_("Unit"), _("Area state")] + [label for _, label in report.states]
            + [_("Total")], **head)
    for row in report.rows:
        _styled(ws, [row["unit"].name, row["area_state"] or ""]
                + [row["by_state"][c] for c, _ in report.states] + [row["total"]])
    _styled(ws, [_("Total"), ""] + [report.totals[c] for c, _ in report.states]
            + [sum(report.totals.values())], font=bold)

    codes = [c.code for c in (report.criteria[0].criteria if report.criteria else [])]
    ws = _sheet(wb, _("Criteria"), [16, 30] + [16] * len(codes) + [12])
    _styled(ws, [_("Code"), _("Residential group or village")] + codes
            + [_("Criteria met")], **head)
    for area in report.criteria:
        _styled(ws, [area.code, area.name] + [status_text[r.status] for r in area.criteria]
                + [f"{area.met_count}/{len(area.criteria)}"])
    met = sum(1 for a in report.criteria if a.all_met)
    _styled(ws, [_("Meeting all criteria"), f"{met}/{len(report.criteria)}"], font=bold)

    head_row = [_("Area"), _("State"), _("Deadline"), _("What")]
    if report.personal:
        head_row = [_("Full name")] + head_row
    ws = _sheet(wb, _("Overdue deadlines"),
                ([26] if report.personal else []) + [26, 30, 12, 40])
    _styled(ws, head_row, **head)
    for item in report.overdue:
        values = [item["area"], item["state"], item["due"], item["what"]]
        _styled(ws, ([item["name"]] if report.personal else []) + values, named=LATE)

    ws = _sheet(wb, _("Targets"), [34, 50, 30, 10, 10, 8, 8, 12, 14])
    _styled(ws, [_("Plan"), _("Target"), _("Metric"), _("Target value"), _("Current"),
                 _("Gap"), _("Unit"), _("Due"), _("Status")], **head)
    for plan, row in report.targets:
        t = row.target
        # numbers stay numbers, shown in the reader's marks
        figure = {"number_format": EXCEL_FORMATS.get(t.unit, "General")}
        _styled(ws, [plan.title, t.label, services.metric_label(t.metric), t.value,
                     row.value, row.gap, unit_label(t.unit), t.due,
                     services.status_label(row.status)],
                styles={4: figure, 5: figure, 6: figure,
                        8: {"number_format": "DD/MM/YYYY"}})

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
    children = history.children_on(unit, as_of)
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
    # The rows, not their counts: the report's managed shares read the same ones (once,
    # within ``shared_states``).
    for _record, state, unit_id in states_rows("person", as_of, inside):
        counts = per_unit.setdefault(unit_id, {})
        counts[state] = counts.get(state, 0) + 1
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
        among(OrgUnit.id, sorted(set().union(*members.values()))))

