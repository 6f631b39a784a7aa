"""Plan pages: progress per target, the phases with their report dates, a chart."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from marshmallow import ValidationError

from casework.audit.exports import record_export
from casework.audit.services import history_of
from casework.auth.scope import current_scope, get_scoped_orgunit
from casework.errors import CaseworkError, ValidationFailed
from casework.extensions import db
from casework.plans import services
from casework.plans.chart import line_chart, month_ends
from casework.plans.metrics import METRICS, compute
from casework.plans.reports import build_report
from casework.plans.schemas import PhaseInSchema, PlanInSchema, TargetInSchema
from casework.typed_dates import iso_dates
from casework.web.fields import error_lines, register_labels
from casework.workflow.deadlines import today_local

bp = Blueprint("plans", __name__, url_prefix="/plans")

# Who may mark a plan's report as sent (over the plan's issuing unit): who writes the plan.
REPORTING_ROLES = services.PLAN_ROLES

# The fields of a plan's change history (services.plan_values), in the user's language.
register_labels({
    "code": _l("Code"), "title": _l("Title"), "number": _l("Plan number"),
    "issued_on": _l("Issued on"), "org_unit": _l("Area"), "end_date": _l("End date"),
    "six_month_report_due": _l("Six-month report due (day-month)"),
    "annual_report_due": _l("Annual report due (day-month)"), "summary": _l("Summary"),
    "phases": _l("Phases"), "targets": _l("Targets"), "phase": _l("Phase"),
    "target": _l("Target"), "report_sent": _l("Report sent"), "seq": _l("No."),
    "label": _l("Label"), "metric": _l("Metric"), "params": _l("Parameters"),
    "value": _l("Target value"), "unit": _l("Unit"), "direction": _l("Direction"),
    "out_of": _l("Out of"), "stated": _l("As the plan states it"), "deadline": _l("Deadline"),
    "counted_from": _l("Counted from"), "kind": _l("Kind"), "period": _l("Period"),
    "report_due": _l("Report due"),
}, {"at_least": _l("at least"), "at_most": _l("at most"),
    "six_month": _l("six-month report"), "annual": _l("annual report")})

CHANGE_LABELS = {
    "create": _l("Plan created"), "update": _l("Plan edited"), "add_phase": _l("Phase added"),
    "add_target": _l("Target added"), "remove_target": _l("Target removed"),
    "mark_report_sent": _l("Report marked as sent"),
}


@bp.route("/")
@login_required
def index():
    plans = db.session.scalars(services.plans_in_scope(current_scope())).all()
    return render_template("plans/index.html", plans=plans)


@bp.route("/<int:plan_id>")
@login_required
def show(plan_id):
    plan = services.get_plan(plan_id, current_scope())
    today = today_local()
    rows = [services.progress(t, today) for t in plan.targets]
    headline = next((r for r in rows if r.value is not None), None)
    chart = None
    if headline is not None:
        target = headline.target
        # A snapshot metric is drawn from the plan's start to today; a period metric stops
        # at the target's deadline, after which it no longer counts.
        end = min(today, target.due) if METRICS[target.metric].period else today
        start = min(plan.start_date, end)
        since = target.counted_from or plan.start_date
        points = [(day, compute(target.metric, target.org_unit, day, target.params, since).value
                   or 0) for day in month_ends(start, end)]
        chart = line_chart(points, target.value, target.label)
    return render_template(
        "plans/show.html", plan=plan, rows=rows, today=today, chart=chart, headline=headline,
        reports=services.report_schedule(plan), current_phase=services.phase_of(plan, today),
        can_report=current_scope().may_write(plan.org_unit.path, REPORTING_ROLES),
        can_edit=current_scope().may_write(plan.org_unit.path, services.PLAN_ROLES),
        metrics=METRICS, changes=list(reversed(history_of(plan))),
    )


# The date fields of the plan forms, typed dd/mm/yyyy (casework.typed_dates).
DATE_FIELDS = ("issued_on", "start_date", "end_date", "report_due", "deadline", "counted_from")


def _form_data(form, fields: tuple[str, ...]) -> tuple[dict, dict]:
    """The filled-in fields of a form, dates as ISO; and the errors of dates typed wrong."""
    data = {k: form.get(k).strip() for k in fields if (form.get(k) or "").strip()}
    return data, iso_dates(data, [k for k in DATE_FIELDS if k in fields])


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    """Create a plan: its period and report days; phases and targets are added after."""
    scope = current_scope()
    if not scope.roles & set(services.PLAN_ROLES):
        abort(403)
    errors, status = {}, 200
    if request.method == "POST":
        fields = ("code", "title", "number", "issued_on", "org_unit", "start_date", "end_date",
                  "six_month_report_due", "annual_report_due", "summary")
        data, typed = _form_data(request.form, fields)
        try:
            data = PlanInSchema().load(data)
            if typed:
                raise ValidationError(typed)
            plan = services.create_plan(data, scope, current_user)
        except ValidationError as exc:
            errors, status = {**exc.messages, **typed}, 422
        except CaseworkError as exc:
            db.session.rollback()
            errors, status = exc.errors or {"org_unit": [str(exc.message)]}, exc.status
        else:
            db.session.commit()
            return redirect(url_for("plans.show", plan_id=plan.id))
    return render_template("plans/new.html", form=request.form, errors=errors), status


@bp.route("/<int:plan_id>/phases", methods=["POST"])
@login_required
def add_phase(plan_id):
    return _add(plan_id, "phase")


@bp.route("/<int:plan_id>/targets", methods=["POST"])
@login_required
def add_target(plan_id):
    return _add(plan_id, "target")


def _add(plan_id: int, what: str):
    scope = current_scope()
    plan = services.get_plan(plan_id, scope)
    scope.require_write(plan.org_unit.path, services.PLAN_ROLES)  # the role before the form
    if what == "phase":
        fields, schema, verb = ("name", "start_date", "end_date", "report_due"), \
            PhaseInSchema(), services.add_phase
    else:
        fields = ("label", "metric", "org_unit", "value", "unit", "out_of", "stated", "phase",
                  "deadline", "counted_from")
        schema, verb = TargetInSchema(), services.add_target
    data, typed = _form_data(request.form, fields)
    try:
        data = schema.load(data)
        if typed:
            raise ValidationError(typed)
        verb(plan, data, scope, current_user)
    except (ValidationError, ValidationFailed) as exc:
        db.session.rollback()
        messages = exc.messages if isinstance(exc, ValidationError) else exc.errors
        for line in error_lines({**messages, **typed}):  # by the fields' labels, never codes
            flash(line, "error")
    else:
        db.session.commit()
        flash(_("Saved."), "info")
    return redirect(url_for("plans.show", plan_id=plan.id) + "#edit")


@bp.route("/<int:plan_id>/targets/<int:target_id>/delete", methods=["POST"])
@login_required
def remove_target(plan_id, target_id):
    plan = services.get_plan(plan_id, current_scope())
    services.remove_target(plan, target_id, current_scope(), current_user)
    db.session.commit()
    flash(_("The target is removed."), "info")
    return redirect(url_for("plans.show", plan_id=plan.id) + "#edit")


@bp.route("/<int:plan_id>/reports/<kind>/<period>/submitted", methods=["POST"])
@login_required
def mark_submitted(plan_id, kind, period):
    plan = services.get_plan(plan_id, current_scope())
    services.mark_report_sent(plan, kind, period, current_scope(), current_user)
    db.session.commit()
    flash(_("The report is marked as sent."), "info")
    return redirect(url_for("plans.show", plan_id=plan.id) + "#reports")


@bp.app_template_filter("plan_change_label")
def plan_change_label(event: str) -> str:
    return str(CHANGE_LABELS.get(event, event))


bp.add_app_template_filter(services.status_label, "status_label")


@bp.app_template_global("report_url")
def report_url(kind: str, org_unit: str, period: str, fmt: str = "xlsx") -> str:
    endpoint = "reports_api.download" if fmt == "xlsx" else "reports.show_report"
    return url_for(endpoint, kind=kind, org_unit=org_unit, period=period)


reports_bp = Blueprint("reports", __name__, url_prefix="/reports")


@reports_bp.route("/<kind>")
@login_required
def show_report(kind):
    """The report as a printable page (the same figures as the workbook)."""
    scope = current_scope()
    unit = get_scoped_orgunit(request.args.get("org_unit", ""), scope)
    report = build_report(kind, request.args.get("period", ""), unit, scope)
    record_export(current_user, f"report:{kind}", org_unit=unit,
                  filters={"period": report.period, "names": report.personal},
                  row_count=len(report.rows) + len(report.criteria) + len(report.overdue),
                  file_format="html")
    db.session.commit()
    return render_template("plans/report.html", report=report)
