"""JSON API for persons (INTERFACES.md, "Persons"). Thin: load through the scope, call a service."""

from __future__ import annotations

from flask_login import current_user

from casework.api_base import Blueprint
from casework.audit.services import history_of
from casework.auth.scope import current_scope
from casework.extensions import db
from casework.people import services
from casework.people.schemas import (
    PersonCreateSchema,
    PersonListSchema,
    PersonQuerySchema,
    PersonSchema,
)
from casework.workflow.catalog import get_catalog
from casework.workflow.schemas import HistorySchema, TransitionRequestSchema

blp = Blueprint("persons_api", __name__, url_prefix="/api/v1/persons",
                description="Persons and their case workflow (hồ sơ người sử dụng ma túy)")


@blp.route("", methods=["POST"], roles=services.OPEN_ROLES)
@blp.arguments(PersonCreateSchema)
@blp.response(201, PersonSchema)
def create_person(body):
    """Open a person record (first audit entry: `open`). 409 `duplicate_suspected` lists
    likely duplicates; resend with `"confirm_new": true` to open it anyway."""
    person = services.create_person(body, current_user, current_scope())
    db.session.commit()
    return services.describe(person, current_user)


@blp.route("")
@blp.arguments(PersonQuerySchema, location="query")
@blp.response(200, PersonListSchema)
def list_persons(args):
    """Persons in the caller's scope, overdue deadlines first."""
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
    return {"items": history_of(person)}
