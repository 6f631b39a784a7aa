"""JSON API of recognition requests (INTERFACES.md, "Recognition requests")."""

from __future__ import annotations

from flask import request as http_request
from flask_babel import gettext as _
from flask_login import current_user

from casework.api_base import Blueprint
from casework.areas.api import history_json, options_json
from casework.auth.scope import current_scope, get_scoped_orgunit
from casework.errors import ValidationFailed
from casework.extensions import db
from casework.recognition import services
from casework.recognition.models import RecognitionAttachment, RecognitionRequest
from casework.recognition.schemas import (
    AttachmentSchema,
    RecognitionRequestSchema,
    RequestCreateSchema,
    RequestListSchema,
    RequestQuerySchema,
)
from casework.recognition.services import scoped_request
from casework.web import redaction
from casework.workflow import engine
from casework.workflow.schemas import HistorySchema, TransitionRequestSchema

blp = Blueprint("recognition_api", __name__, url_prefix="/api/v1/recognition-requests",
                description="Recognition requests (hồ sơ đề nghị công nhận)")

def describe_attachment(a: RecognitionAttachment, allowed: bool) -> dict:
    def text(name: str):
        return redaction.shown_value("recognition_attachments", name, getattr(a, name), allowed)

    return {"id": a.id, "filename": text("filename"), "content_type": a.content_type,
            "size": a.size, "sha256": a.sha256, "description": text("description"),
            "event": a.event,
            "uploaded_by": a.uploaded_by.username if a.uploaded_by else None,
            "uploaded_at": a.uploaded_at,
            "url": f"/recognition/{a.request_id}/files/{a.sha256}"}


def describe_request(r: RecognitionRequest, user) -> dict:
    """The dossier as JSON. Its readers hold a personal-read role over it (READ_ROLES), so
    the policy shows them everything; it is asked all the same."""
    allowed = redaction.may_see_personal(r.org_unit)

    def text(name: str):
        return redaction.shown_value("recognition_requests", name, getattr(r, name), allowed)

    return {
        "id": r.id, "area_code": r.org_unit.code, "area_name": r.org_unit.name,
        "area_state": r.area.state, "state": r.state, "state_label": engine.state_label(r),
        "version": r.version, "workflow_version": r.workflow_version,
        "awaiting_role": services.awaiting_role(r),
        "available_events": options_json(engine.available_events(r, user)),
        "created_by": r.created_by.username if r.created_by else None,
        "created_at": r.created_at, "self_assessment": text("self_assessment"),
        "snapshot": text("snapshot"), "snapshot_sha256": r.snapshot_sha256,
        "submitted_on": r.submitted_on, "verdicts": text("verdicts"),
        "inspection_date": r.inspection_date, "minutes_no": r.minutes_no,
        "meeting_date": r.meeting_date, "decision_no": r.decision_no,
        "decision_date": r.decision_date,
        "attachments": [describe_attachment(a, allowed) for a in r.attachments],
    }


@blp.route("", methods=["POST"], roles=("police",))
@blp.arguments(RequestCreateSchema)
@blp.response(201, RecognitionRequestSchema)
def create_request(body):
    """Open a draft request for a less complex area without another open request."""
    scope = current_scope()
    unit = get_scoped_orgunit(body["area_code"], scope)
    user = current_user._get_current_object()
    request = services.open_request(unit, user)
    db.session.commit()
    return describe_request(request, user)


@blp.route("")
@blp.arguments(RequestQuerySchema, location="query")
@blp.response(200, RequestListSchema)
def get_requests(args):
    """Requests in the caller's scope; ``awaiting_me=true`` lists those waiting for them."""
    scope = current_scope()
    user = current_user._get_current_object()
    shown, total = services.page_of_requests(
        scope, user, args["page"], args["per_page"], args.get("state"), args.get("area_code"),
        args["awaiting_me"])
    return {"items": [describe_request(r, user) for r in shown], "total": total}


@blp.route("/<int:request_id>")
@blp.response(200, RecognitionRequestSchema)
def get_request(request_id):
    """The dossier: self-assessment, frozen criteria and hash, verdicts, decisions, files."""
    user = current_user._get_current_object()
    return describe_request(scoped_request(request_id, current_scope()), user)


@blp.route("/<int:request_id>/transitions", methods=["POST"],
           roles=lambda: engine.get_catalog().roles("recognition"))
@blp.arguments(TransitionRequestSchema)
@blp.response(200, RecognitionRequestSchema)
def request_transition(body, request_id):
    """Fire a step: submit, evaluate, endorse, approve, return, reject or withdraw."""
    request = scoped_request(request_id, current_scope())
    user = current_user._get_current_object()
    services.fire_request_event(request, body["event"], user, data=body["data"],
                                reason=body.get("reason"),
                                effective_at=body.get("effective_at"),
                                version=body["version"])
    db.session.commit()
    return describe_request(request, user)


@blp.route("/<int:request_id>/history")
@blp.response(200, HistorySchema)
def request_history(request_id):
    return history_json(scoped_request(request_id, current_scope()))


@blp.route("/<int:request_id>/attachments", methods=["POST"], roles=services.CHAIN_ROLES)
@blp.response(201, AttachmentSchema)
def upload_attachment(request_id):
    """Attach a file (multipart field ``file``): PDF, JPEG or PNG, up to the size limit.

    Name its SHA-256 in the ``attachments`` of the step it belongs to.
    """
    scope = current_scope()
    request = scoped_request(request_id, scope)
    upload = http_request.files.get("file")
    if upload is None or not upload.filename:
        raise ValidationFailed(errors={"file": [_("Choose a file.")]})
    attachment = services.add_attachment(request, current_user._get_current_object(),
                                         upload.stream, upload.filename, scope,
                                         http_request.form.get("description"))
    db.session.commit()
    return describe_attachment(attachment, redaction.may_see_personal(request.org_unit))


@blp.route("/<int:request_id>/attachments/<sha256>")
@blp.response(200, content_type="application/octet-stream")
def download_attachment(request_id, sha256):
    return services.send_attachment(scoped_request(request_id, current_scope()), sha256)
