"""JSON API for administrators: the org-unit tree. Reads are scoped; writes need `admin` over
the unit. It lives in auth, beside the user administration (admin_views), because the
hierarchy itself (orgunits) is what auth's scope is made of and imports nothing above it."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_login import current_user

from casework.api_base import Blueprint
from casework.auth.roles import ADMIN_ROLES
from casework.auth.scope import current_scope, get_scoped_orgunit, scoped
from casework.errors import NotFound, ValidationFailed
from casework.extensions import db
from casework.orgunits import services
from casework.orgunits.models import OrgUnit
from casework.orgunits.schemas import (
    OrgUnitCreateSchema,
    OrgUnitListSchema,
    OrgUnitQuerySchema,
    OrgUnitSchema,
    OrgUnitUpdateSchema,
)
from casework.validation import page_window

blp = Blueprint("orgunits_api", __name__, url_prefix="/api/v1/orgunits",
                description="Org units (đơn vị hành chính)")


@blp.route("")
@blp.arguments(OrgUnitQuerySchema, location="query")
@blp.response(200, OrgUnitListSchema)
def list_orgunits(args):
    """Org units inside the caller's scope, optionally children of one unit or of one kind."""
    scope = current_scope()
    stmt = scoped(sa.select(OrgUnit), OrgUnit.id, scope)
    if "parent_code" in args:
        parent = get_scoped_orgunit(args["parent_code"], scope)
        stmt = stmt.where(OrgUnit.parent_id == parent.id)
    if "kind" in args:
        stmt = stmt.where(OrgUnit.kind == args["kind"])
    total = db.session.scalar(sa.select(sa.func.count()).select_from(stmt.subquery()))
    offset, limit = page_window(args["page"], args["per_page"])
    items = db.session.scalars(stmt.order_by(OrgUnit.path).offset(offset).limit(limit)).all()
    return {"items": items, "total": total}


@blp.route("/<code>")
@blp.response(200, OrgUnitSchema)
def get_orgunit(code):
    return get_scoped_orgunit(code, current_scope())


@blp.route("", methods=["POST"], roles=ADMIN_ROLES)
@blp.arguments(OrgUnitCreateSchema)
@blp.response(201, OrgUnitSchema)
def create_orgunit(body):
    """Add a unit under a parent the caller administers."""
    scope = current_scope()
    try:
        parent = get_scoped_orgunit(body["parent_code"], scope)
    except NotFound:
        raise ValidationFailed(
            errors={"parent_code": [_("Unknown parent code %(code)s.", code=body["parent_code"])]}
        ) from None
    scope.require_write(parent.path, ADMIN_ROLES)
    try:
        unit = services.create_orgunit(body["code"], body["name"], body["kind"], parent)
    except services.OrgUnitError as exc:
        raise ValidationFailed(str(exc)) from None
    db.session.commit()
    return unit


@blp.route("/<code>", methods=["PATCH"], roles=ADMIN_ROLES)
@blp.arguments(OrgUnitUpdateSchema)
@blp.response(200, OrgUnitSchema)
def update_orgunit(body, code):
    """Rename a unit the caller administers, or mark a commune or ward remote (or not).

    The change is logged in the unit's chain of the audit log.
    """
    scope = current_scope()
    unit = get_scoped_orgunit(code, scope)
    scope.require_write(unit.path, ADMIN_ROLES)
    try:
        services.update_orgunit(unit, current_user._get_current_object(), name=body.get("name"),
                                remote=body.get("remote"))
    except services.OrgUnitError as exc:
        raise ValidationFailed(str(exc)) from None
    db.session.commit()
    return unit
