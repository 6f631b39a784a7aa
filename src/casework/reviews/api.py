"""JSON API of commune reviews and the province workbook (INTERFACES.md, "Classification and
annual review (QĐ 28/2025)")."""

from __future__ import annotations

from flask import Response
from flask_login import current_user

from casework.api_base import Blueprint
from casework.areas import qd28
from casework.areas.api import history_json, options_json
from casework.audit.exports import record_export
from casework.auth.scope import current_scope, get_scoped_orgunit
from casework.extensions import db
from casework.reviews import report, services
from casework.reviews.models import CommuneReview
from casework.reviews.schemas import (
    CommuneReviewSchema,
    ProvinceReportQuerySchema,
    ReviewCreateSchema,
    ReviewListSchema,
    ReviewQuerySchema,
)
from casework.web import redaction
from casework.workflow import engine
from casework.workflow.schemas import HistorySchema, TransitionRequestSchema

blp = Blueprint("reviews_api", __name__, url_prefix="/api/v1/commune-reviews",
                description="Annual commune reviews under QĐ 28/2025 (rà soát, phân loại)")
report_blp = Blueprint("province_review_api", __name__, url_prefix="/api/v1/reports",
                       description="The province's QĐ 28/2025 review workbook")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def describe_review(r: CommuneReview, user) -> dict:
    """The review as JSON. Its readers hold a personal-read role over it (services.READ_ROLES);
    the free text (note, override reason) is asked of the redaction policy all the same."""
    allowed = redaction.may_see_personal(r.org_unit)

    def text(name: str):
        return redaction.shown_value("commune_reviews", name, getattr(r, name), allowed)

    start, end = qd28.review_period(r.period_year)
    return {
        "id": r.id, "area_code": r.org_unit.code, "area_name": r.org_unit.name,
        "period": r.period_year, "period_from": start, "period_to": end,
        "state": r.state, "state_label": engine.state_label(r), "version": r.version,
        "workflow_version": r.workflow_version, "awaiting_role": services.awaiting_role(r),
        "available_events": options_json(engine.available_events(r, user)),
        "created_by": r.created_by.username if r.created_by else None,
        "created_at": r.created_at, "note": text("note"), "snapshot": r.snapshot,
        "snapshot_sha256": r.snapshot_sha256, "submitted_on": r.submitted_on,
        "computed_classification": r.computed_classification,
        "meeting_date": r.meeting_date, "decision_no": r.decision_no,
        "decision_date": r.decision_date,
        "approved_classification": r.approved_classification,
        "override_reason": text("override_reason"),
    }


@blp.route("", methods=["POST"], roles=("police",))
@blp.arguments(ReviewCreateSchema)
@blp.response(201, CommuneReviewSchema)
def create_review(body):
    """Open a draft review of a commune, ward or special zone for a period that has begun."""
    unit = get_scoped_orgunit(body["area_code"], current_scope())
    user = current_user._get_current_object()
    review = services.open_review(unit, body["period"], user)
    db.session.commit()
    return describe_review(review, user)


@blp.route("")
@blp.arguments(ReviewQuerySchema, location="query")
@blp.response(200, ReviewListSchema)
def get_reviews(args):
    """Reviews in the caller's scope; ``awaiting_me=true`` lists those waiting for them."""
    user = current_user._get_current_object()
    found = services.list_reviews(current_scope(), user, args.get("period"),
                                  args.get("area_code"), args.get("state"),
                                  args["awaiting_me"])
    return {"items": [describe_review(r, user) for r in found], "total": len(found)}


@blp.route("/<int:review_id>")
@blp.response(200, CommuneReviewSchema)
def get_review(review_id):
    user = current_user._get_current_object()
    return describe_review(services.scoped_review(review_id, current_scope()), user)


@blp.route("/<int:review_id>/transitions", methods=["POST"],
           roles=lambda: engine.get_catalog().roles("commune_review"))
@blp.arguments(TransitionRequestSchema)
@blp.response(200, CommuneReviewSchema)
def review_transition(body, review_id):
    """Fire a step: submit, approve_commune, approve or return."""
    review = services.scoped_review(review_id, current_scope())
    user = current_user._get_current_object()
    services.fire_review_event(review, body["event"], user, data=body["data"],
                               reason=body.get("reason"),
                               effective_at=body.get("effective_at"), version=body["version"])
    db.session.commit()
    return describe_review(review, user)


@blp.route("/<int:review_id>/history")
@blp.response(200, HistorySchema)
def review_history(review_id):
    return history_json(services.scoped_review(review_id, current_scope()))


@report_blp.route("/province_review")
@report_blp.arguments(ProvinceReportQuerySchema, location="query")
@report_blp.response(200, content_type=XLSX)
def province_review(args):
    """The province's workbook for a period: one row per commune, Art 5's summary; a draft
    until every commune's review is approved. The export is written to the audit log."""
    scope = current_scope()
    unit = get_scoped_orgunit(args["org_unit"], scope)
    built = report.build(unit, args["period"], scope)
    data = report.workbook(built)
    record_export(current_user, "report:province_review", org_unit=unit,
                  filters={"period": args["period"], "names": False},
                  row_count=len(built.rows), file_format="xlsx")
    db.session.commit()
    return Response(data, mimetype=XLSX, headers={
        "Content-Disposition": report.content_disposition(built)})
