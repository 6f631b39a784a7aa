"""The province workbook of the annual review (WORKFLOWS.md §9; QĐ 28/2025 Art 7.2): one row
per commune with its criteria, computed and approved classification and review state, and a
summary of Art 5. A draft at any time in the period; final once every commune's review is
approved; due before 20 December.

It holds codes, figures and dates only: never a name, a note or an override's reason.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction

from flask_babel import gettext as _

from casework.areas import qd28
from casework.auth.scope import Scope
from casework.db import today_local
from casework.errors import ValidationFailed
from casework.orgunits.models import OrgUnit
from casework.reviews import services
from casework.reviews.rules import classification_label
from casework.spreadsheets import append_row, attachment
from casework.web.fields import field_value
from casework.workflow import engine

# The criteria of Art 4, in the order of the text.
CRITERIA = ("a", "b", "c", "d", "đ")
BAND_LABELS = {"type_1": "I", "type_2": "II", "type_3": "III"}

# openpyxl is imported where the workbook is written, not with this module: about 10 MB
# that a web worker which never writes one does not hold.


@dataclass
class ProvinceReport:
    unit: OrgUnit
    year: int
    start: date
    end: date
    due: date
    as_of: date
    rows: list[dict] = field(default_factory=list)
    province: dict | None = None

    @property
    def final(self) -> bool:
        """Final once every commune's review is approved."""
        return bool(self.rows) and all(r["state"] == "approved" for r in self.rows)


def _result(unit: OrgUnit, year: int, review, computed: dict) -> dict:
    """The commune's classification: as frozen at submission when the review has been
    submitted, else as computed now (taken from the province's, when it was computed)."""
    if review is not None and review.snapshot:
        return review.snapshot
    found = computed.get(unit.id)
    return (found or qd28.classify_commune(unit, year)).as_dict(personal=False)


def build(unit: OrgUnit, year: int, scope: Scope) -> ProvinceReport:
    scope.require_read(unit.path)
    if year < services.FIRST_PERIOD or not services.period_begun(year):
        message = _("The period %(year)d has not begun, or QĐ 28/2025 does not apply to it.",
                    year=year)
        raise ValidationFailed(message, errors={"period": [message]})
    communes = services.communes_under(unit, year)
    if not communes:
        message = _("%(name)s has no commune, ward or special zone to report on.",
                    name=unit.name)
        raise ValidationFailed(message, errors={"org_unit": [message]})
    start, end = qd28.review_period(year)
    report = ProvinceReport(unit, year, start, end, services.report_deadline(year),
                            today_local())
    reviews = services.reviews_by_unit(communes, year)
    definition = engine.get_catalog().get("commune_review")
    # A province's Art 5 classifies each of its communes (set-based, qd28.classify_communes):
    # the rows reuse those results rather than classifying every commune a second time.
    province = (qd28.classify_province(unit, year, evidence=False)
                if unit.kind == "province" else None)  # the sheet shows figures, no records
    computed = {c.unit.id: c for c in (province.communes if province is not None
                                       else qd28.classify_communes(unit, year,
                                                                   evidence=False))}
    for commune in communes:
        review = reviews.get(commune.id)
        result = _result(commune, year, review, computed)
        criteria = {c.get("code"): c for c in result.get("criteria") or []}
        drug_free = result.get("drug_free") or {}
        report.rows.append({
            "unit": commune, "population": result.get("population"),
            "criteria": criteria, "type": result.get("type"),
            "drug_free": drug_free.get("met"),
            "computed": (review.computed_classification if review and review.snapshot
                         else result.get("classification")),
            "approved": review.approved_classification if review else None,
            "overridden": bool(review and review.overridden),
            "state": review.state if review else None,
            "state_label": (engine.state_label(definition, review.state) if review
                            else _("No review opened")),
            "decision": (f"{review.decision_no} ({review.decision_date:%d/%m/%Y})"
                         if review and review.decision_no and review.decision_date else ""),
        })
    if province is not None:
        report.province = province.as_dict(personal=False)
    return report


def _value(criterion: dict | None):
    if not criterion:
        return ""
    value = criterion.get("value")
    if value is None:
        return _("cannot compute")
    return _cell(value)


def _cell(value):
    """A value as a cell holds it: numbers stay numbers, anything else is its text."""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, int | float):
        return value
    if isinstance(value, Fraction | Decimal):
        return float(value)
    return field_value(value) if isinstance(value, dict | list) else str(value)


def _band(criterion: dict | None) -> str:
    return BAND_LABELS.get((criterion or {}).get("band"), "")


def _bold():
    from openpyxl.styles import Font

    return Font(bold=True)


def _header(ws, values) -> None:
    from openpyxl.styles import Alignment, PatternFill

    append_row(ws, values)
    for cell in ws[ws.max_row]:
        cell.font = _bold()
        cell.fill = PatternFill("solid", fgColor="DCE6F1")
        cell.alignment = Alignment(wrap_text=True, vertical="center")


def _print_setup(ws, header_row: int, widths) -> None:
    """Landscape A4, fitted to the page's width, the header row repeated on every page."""
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.properties import PageSetupProperties

    for i, width in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.freeze_panes = ws.cell(header_row + 1, 3)


def title(report: ProvinceReport) -> str:
    return _("Review and classification of communes under QĐ 28/2025/QĐ-TTg, period %(year)d",
             year=report.year)


def status_line(report: ProvinceReport) -> str:
    if report.final:
        return _("FINAL: every commune's review is approved.")
    return _("DRAFT: %(left)d of %(total)d communes not yet approved by the province.",
             left=sum(1 for r in report.rows if r["state"] != "approved"),
             total=len(report.rows))


def _intro(ws, report: ProvinceReport) -> None:
    from openpyxl.styles import Font

    append_row(ws, [title(report)])
    ws["A1"].font = Font(bold=True, size=14)
    append_row(ws, [_("Unit"), report.unit.name])
    append_row(ws, [_("Period"), report.start, report.end])
    append_row(ws, [_("Due"), _("before %(day)s", day=report.due.strftime("%d/%m/%Y")),
                    _("Figures as of"), report.as_of])
    append_row(ws, [_("Status"), status_line(report)])
    for row in ws.iter_rows(min_row=3, max_row=4):
        for cell in row:
            if isinstance(cell.value, date):
                cell.number_format = "DD/MM/YYYY"
    ws["B5"].font = _bold()
    append_row(ws, [])


def _communes_sheet(ws, report: ProvinceReport) -> None:
    _intro(ws, report)
    head = [_("Code"), _("Commune, ward or special zone"), _("Population")]
    for code in CRITERIA:
        head += [_("Criterion %(code)s", code=code), _("Band %(code)s", code=code)]
    head += [_("Type by Art 4"), _("Drug-free (Art 6)"), _("Computed classification"),
             _("Approved classification"), _("Adjusted by the province"), _("Review state"),
             _("Province decision")]
    _header(ws, head)
    header_row = ws.max_row
    for row in report.rows:
        values = [row["unit"].code, row["unit"].name,
                  row["population"] if row["population"] is not None
                  else _("population missing")]
        for code in CRITERIA:
            criterion = row["criteria"].get(code)
            values += [_value(criterion), _band(criterion)]
        values += [classification_label(row["type"]),
                   "" if row["drug_free"] is None else (_("Yes") if row["drug_free"]
                                                        else _("No")),
                   classification_label(row["computed"]),
                   classification_label(row["approved"]) if row["approved"] else "",
                   _("Yes") if row["overridden"] else "", row["state_label"], row["decision"]]
        append_row(ws, values)
    _print_setup(ws, header_row, [12, 28, 12] + [10, 6] * len(CRITERIA)
                 + [20, 12, 20, 20, 12, 26, 24])


def _counts(report: ProvinceReport, key: str) -> dict[str, int]:
    counts = dict.fromkeys(("drug_free", "type_1", "type_2", "type_3", "none"), 0)
    for row in report.rows:
        if row[key] in counts:
            counts[row[key]] += 1
    return counts


def _summary_sheet(ws, report: ProvinceReport) -> None:
    _intro(ws, report)
    _header(ws, [_("Classification"), _("Communes (computed)"), _("Communes (approved)")])
    header_row = ws.max_row
    computed, approved = _counts(report, "computed"), _counts(report, "approved")
    for code in computed:
        append_row(ws, [classification_label(code), computed[code], approved[code]])
    append_row(ws, [_("Total"), len(report.rows),
                    sum(1 for r in report.rows if r["approved"])])
    for cell in ws[ws.max_row]:
        cell.font = _bold()
    append_row(ws, [])
    if report.province is not None:
        _header(ws, [_("Art 5: key complex province"), _("Value"), _("Met")])
        for criterion in report.province.get("criteria") or []:
            met = criterion.get("met")
            append_row(ws, [_cell(criterion.get("label") or criterion.get("code")),
                            _value(criterion), "" if met is None else
                            (_("Yes") if met else _("No"))])
        key = report.province.get("key_province")
        append_row(ws, [_("Key complex province (at least 4 of 6)"), "",
                        _("Yes") if key else _("No")])
        for cell in ws[ws.max_row]:
            cell.font = _bold()
    _print_setup(ws, header_row, [44, 20, 20])


def workbook(report: ProvinceReport) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    _communes_sheet(wb.active, report)
    wb.active.title = _("Communes")[:31]
    _summary_sheet(wb.create_sheet(_("Summary, Art 5")[:31]), report)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def filename(report: ProvinceReport) -> str:
    """e.g. ra-soat-qd28-2026-LCU-du-thao.xlsx (a draft says so in its name)."""
    suffix = "" if report.final else "-du-thao"
    return f"ra-soat-qd28-{report.year}-{report.unit.code}{suffix}.xlsx"


def content_disposition(report: ProvinceReport) -> str:
    return attachment(filename(report))
