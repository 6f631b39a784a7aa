"""JSON API for plans, and report workbooks (INTERFACES.md, "Plans and reports")."""

from __future__ import annotations

from flask import Response
from flask_login import current_user
from marshmallow import fields

from casework.api_base import Blueprint
from casework.audit.exports import record_export
from casework.auth.scope import current_scope, get_scoped_orgunit
from casework.extensions import db
from casework.plans import reports, services
from casework.plans.schemas import PlanInSchema
from casework.spreadsheets import attachment
from casework.validation import Schema, Text

blp = Blueprint("plans_api", __name__, url_prefix="/api/v1/plans",
                description="Plans, phases and targets (kế hoạch, chỉ tiêu)")
reports_blp = Blueprint("reports_api", __name__, url_prefix="/api/v1/reports",
                        description="Periodic and phase reports as Excel workbooks")


class PhaseSchema(Schema):
    seq = fields.Integer()
    name = fields.String()
    start_date = fields.Date()
    end_date = fields.Date()
    report_due = fields.Date(allow_none=True)


class TargetSchema(Schema):
    """A target with its progress now: dumps a ``services.TargetProgress``."""

    id = fields.Integer(attribute="target.id")
    label = fields.String(attribute="target.label")
    metric = fields.String(attribute="target.metric")
    metric_label = fields.Function(lambda row: services.metric_label(row.target.metric),
                                   metadata={"type": "string"})
    params = fields.Dict(attribute="target.params")
    org_unit = fields.String(attribute="target.org_unit.code")
    target = fields.Float(attribute="target.value")
    out_of = fields.Integer(attribute="target.out_of", allow_none=True)
    target_percent = fields.Float(attribute="percent_of_whole", allow_none=True,
                                  metadata={"description": "target / out_of, for counts"})
    stated = fields.String(attribute="target.stated", allow_none=True)
    current = fields.Float(attribute="value", allow_none=True)
    gap = fields.Float(allow_none=True)
    unit = fields.String(attribute="target.unit")
    due = fields.Date(attribute="target.due")
    phase = fields.Function(lambda row: row.target.phase.seq if row.target.phase else None,
                            allow_none=True, metadata={"type": "integer"})
    status = fields.String(metadata={"description": "met, on_track, at_risk, missed or no_data"})


class PlanSummarySchema(Schema):
    id = fields.Integer()
    code = fields.String()
    title = fields.String()
    org_unit = fields.String(attribute="org_unit.code")
    start_date = fields.Date()
    end_date = fields.Date()


class PlanListSchema(Schema):
    items = fields.List(fields.Nested(PlanSummarySchema))


class PlanSchema(PlanSummarySchema):
    """A plan with each target's current value, computed now from the data."""

    number = fields.String(allow_none=True)
    issued_on = fields.Date(allow_none=True)
    phases = fields.List(fields.Nested(PhaseSchema))
    targets = fields.List(fields.Nested(TargetSchema))

    def get_attribute(self, obj, attr, default):
        """A plan's targets are dumped with their progress, computed now."""
        if attr == "targets":
            return [services.progress(t) for t in obj.targets]
        return super().get_attribute(obj, attr, default)


class ReportQuerySchema(Schema):
    org_unit = Text(required=True, max_length=32)
    period = Text(required=True, max_length=50, metadata={
        "description": "six_month: 2025-H1; annual: 2025; phase: PLANCODE:N"})


@blp.route("")
@blp.response(200, PlanListSchema)
def list_plans():
    return {"items": db.session.scalars(services.plans_in_scope(current_scope())).all()}


@blp.route("/<int:plan_id>")
@blp.response(200, PlanSchema)
def get_plan(plan_id):
    """The plan with each target's current value, computed now from the data."""
    return services.get_plan(plan_id, current_scope())


@blp.route("", methods=["POST"], roles=services.PLAN_ROLES)
@blp.arguments(PlanInSchema)
@blp.response(201, PlanSchema)
def create_plan(body):
    """Create a plan with its phases and targets (police, chair, steering committee or city
    authority over the issuing unit)."""
    plan = services.create_plan(body, current_scope(), current_user)
    db.session.commit()
    return plan


@blp.route("/<int:plan_id>", methods=["PUT"], roles=services.PLAN_ROLES)
@blp.arguments(PlanInSchema)
@blp.response(200, PlanSchema)
def update_plan(body, plan_id):
    """Replace a plan's fields, phases and targets."""
    plan = services.get_plan(plan_id, current_scope())
    services.update_plan(plan, body, current_scope(), current_user)
    db.session.commit()
    return plan


@reports_blp.route("/<kind>")
@reports_blp.arguments(ReportQuerySchema, location="query")
@reports_blp.response(200, content_type=(
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))
def download(args, kind):
    """The report as an Excel workbook; the export is written to the audit log."""
    scope = current_scope()
    unit = get_scoped_orgunit(args["org_unit"], scope)
    report = reports.build_report(kind, args["period"], unit, scope)
    data = reports.workbook(report)
    record_export(current_user, f"report:{kind}", org_unit=unit,
                  filters={"period": args["period"], "names": report.personal},
                  row_count=len(report.rows) + len(report.criteria) + len(report.overdue),
                  file_format="xlsx")
    db.session.commit()
    return Response(data, mimetype=(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        headers={"Content-Disposition": attachment(reports.filename(report))})
