"""JSON API for persons (INTERFACES.md, "Persons"). Thin: load through the scope, call a service."""

from __future__ import annotations

from flask import request as http_request
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user

from casework.api_base import Blueprint
from casework.auth.roles import PERSONAL_READ_ROLES
from casework.auth.scope import current_scope
from casework.errors import ValidationFailed
from casework.extensions import db
from casework.people import attachments, services
from casework.people.schemas import (
    PersonAttachmentListSchema,
    PersonAttachmentSchema,
    PersonCreateSchema,
    PersonListSchema,
    PersonQuerySchema,
    PersonSchema,
)
from casework.web import redaction
from casework.workflow.catalog import get_catalog
from casework.workflow.schemas import HistorySchema, TransitionRequestSchema

blp = Blueprint("persons_api", __name__, url_prefix="/api/v1/persons",
                description="Persons and their case workflow (hồ sơ người sử dụng ma túy)")


@blp.route("", methods=["POST"], roles=services.OPEN_ROLES)
@blp.arguments(PersonCreateSchema)
@blp.response(201, PersonSchema)
def create_person(body):
    """Open a person record (first audit entry: `open`).

    409 `duplicate_person`: another open record holds the national ID (`record_id` only when
    it is in your scope); `confirm_new` does not override it. 409 `duplicate_suspected` lists
    likely duplicates in your scope; resend with `"confirm_new": true` to open it anyway."""
    person = services.create_person(body, current_user, current_scope())
    db.session.commit()
    return services.describe(person, current_user)


@blp.route("")
@blp.arguments(PersonQuerySchema, location="query")
@blp.response(200, PersonListSchema)
def list_persons(args):
    """Persons in the caller's scope, overdue deadlines first. A name or ID in `q` travels
    in the URL, which proxies and servers log: scripts should search with
    `POST /persons/search` instead."""
    return _search(args)


@blp.route("/search", methods=["POST"], roles=PERSONAL_READ_ROLES)  # a read, sent as POST
@blp.arguments(PersonQuerySchema)
@blp.response(200, PersonListSchema)
def search_persons(body):
    """The same list as `GET /persons`, with the filters in the JSON body: a name or
    national ID searched for stays out of URLs and logs."""
    return _search(body)


def _search(args: dict) -> dict:
    query = services.PersonQuery(**args)
    items, total = services.search_persons(current_scope(), query)
    return {"items": items, "total": total, "page": query.page, "per_page": query.per_page}


@blp.route("/<int:person_id>")
@blp.response(200, PersonSchema)
def get_person(person_id):
    person = services.get_person(person_id, current_scope())
    return services.describe(person, current_user)


@blp.route("/<int:person_id>/transitions", methods=["POST"],
           roles=lambda: get_catalog().roles("person"))
@blp.arguments(TransitionRequestSchema)
@blp.response(200, PersonSchema)
def fire_transition(body, person_id):
    """Apply an event; `version` must be the person's current version (else 409)."""
    person = services.get_person(person_id, current_scope())
    services.fire_event(person, current_user, event=body["event"], version=body["version"],
                        data=body["data"], reason=body["reason"],
                        effective_at=body["effective_at"])
    db.session.commit()
    return services.describe(person, current_user)


@blp.route("/<int:person_id>/history")
@blp.response(200, HistorySchema)
def get_history(person_id):
    """Every event of the record, oldest first, with its hash."""
    person = services.get_person(person_id, current_scope())
    return {"items": redaction.history(person)}


# --- attachments ------------------------------------------------------------------------------


def _describe_attachment(person_id: int, attachment) -> dict:
    return attachments.describe_attachment(attachment, url_for(
        "persons_api.download_attachment", person_id=person_id, attachment_id=attachment.id))


def checklist_json(checklist) -> dict | None:
    if checklist is None:
        return None
    return {"basis": checklist.basis, "verified": checklist.verified,
            "items": [{"kind": i.kind, "label": i.label, "basis": i.basis,
                       "attached": [a.id for a in i.attached]} for i in checklist.items],
            "missing": [i.kind for i in checklist.missing]}


@blp.route("/<int:person_id>/attachments", methods=["POST"], roles=attachments.CASE_ROLES)
@blp.response(201, PersonAttachmentSchema)
def upload_attachment(person_id):
    """Attach a paper (multipart: `file`, `kind`, `note?`): PDF, JPEG or PNG up to the size
    limit, as for recognition requests. `kind` is one of the checklist's kinds
    (forms/dossier-checklist.yaml) or `other`. 422 for a missing or wrong file or kind."""
    scope = current_scope()
    person = services.get_person(person_id, scope)
    upload = http_request.files.get("file")
    if upload is None or not upload.filename:
        raise ValidationFailed(errors={"file": [_("Choose a file.")]})
    attachment = attachments.add_attachment(
        person, current_user._get_current_object(), upload.stream, upload.filename,
        http_request.form.get("kind"), scope, http_request.form.get("note"))
    db.session.commit()
    return _describe_attachment(person.id, attachment)


@blp.route("/<int:person_id>/attachments")
@blp.response(200, PersonAttachmentListSchema)
def list_attachments(person_id):
    """The person's papers, oldest first, and the compulsory-rehab dossier's checklist (null
    outside a dossier): which papers the law lists, which are attached, which missing."""
    person = services.get_person(person_id, current_scope())
    found = attachments.attachments_of(person)
    checklist = attachments.checklist(person, services.dossier_facts(person), found)
    return {"items": [_describe_attachment(person.id, a) for a in found],
            "checklist": checklist_json(checklist)}


@blp.route("/<int:person_id>/attachments/<int:attachment_id>")
@blp.response(200, content_type="application/octet-stream")
def download_attachment(person_id, attachment_id):
    person = services.get_person(person_id, current_scope())
    return attachments.send_attachment(person, attachment_id)
