"""JSON API for administrators: the org-unit tree. Reads are scoped; writes need `admin` over
the unit. It lives in auth, beside the user administration (admin_views), because the
hierarchy itself (orgunits) is what auth's scope is made of and imports nothing above it."""

from __future__ import annotations

import sqlalchemy as sa
from flask import jsonify
from flask_babel import gettext as _
from flask_login import current_user

from casework.api_base import Blueprint
from casework.auth.roles import ADMIN_ROLES
from casework.auth.scope import current_scope, get_scoped_orgunit, scoped
from casework.db import today_local
from casework.errors import CaseworkError, NotFound, ValidationFailed
from casework.extensions import db
from casework.orgunits import history, services, successions
from casework.orgunits.models import OrgUnit
from casework.orgunits.schemas import (
    AsOfSchema,
    OrgUnitCreateSchema,
    OrgUnitDetailSchema,
    OrgUnitListQuerySchema,
    OrgUnitListSchema,
    OrgUnitOnDayListSchema,
    OrgUnitSchema,
    OrgUnitUpdateSchema,
    SuccessionReportSchema,
    SuccessionRequestSchema,
)
from casework.validation import page_window

blp = Blueprint("orgunits_api", __name__, url_prefix="/api/v1/orgunits",
                description="Org units (đơn vị hành chính)")


class SuccessionConflictError(CaseworkError):
    """The dry run of a succession lists a conflict: nothing was recorded."""

    status = 409
    code = "succession_conflict"


@blp.route("")
@blp.arguments(OrgUnitListQuerySchema, location="query")
@blp.response(200, OrgUnitListSchema)
@blp.alt_response(200, schema=OrgUnitOnDayListSchema, description="with `as_of`")
def list_orgunits(args):
    """Org units inside the caller's scope, optionally children of one unit or of one kind.

    With ``as_of``, the tree as it was on that day: the units that existed then, each with its
    parent of that day (``parent_code`` filters on that parent)."""
    scope = current_scope()
    if "as_of" in args:
        return _list_on_day(args, scope)
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


def _list_on_day(args, scope):
    day = args["as_of"]
    parent = (get_scoped_orgunit(args["parent_code"], scope) if "parent_code" in args
              else None)
    stmt = history.tree_on(day, parent).where(scope.unit_clause(OrgUnit.path))
    if "kind" in args:
        stmt = stmt.where(OrgUnit.kind == args["kind"])
    total = db.session.scalar(sa.select(sa.func.count()).select_from(stmt.subquery()))
    offset, limit = page_window(args["page"], args["per_page"])
    rows = db.session.execute(stmt.order_by(sa.text("path_on")).offset(offset).limit(limit))
    parents = {}
    items = []
    for unit, parent_id, _path, depth in rows:
        if parent_id is not None and parent_id not in parents:
            parents[parent_id] = db.session.get(OrgUnit, parent_id).code
        items.append({"code": unit.code, "name": unit.name, "kind": unit.kind,
                      "kind_label": unit.kind_label, "remote": unit.remote, "depth": depth,
                      "parent_code": parents.get(parent_id), "valid_from": unit.valid_from,
                      "valid_to": unit.valid_to})
    # A response of its own: the list of a day has its own schema (documented above).
    return jsonify(OrgUnitOnDayListSchema().dump({"as_of": day, "items": items, "total": total}))


@blp.route("/<code>")
@blp.arguments(AsOfSchema, location="query")
@blp.response(200, OrgUnitDetailSchema)
def get_orgunit(args, code):
    """One unit, with its dates, its parent on ``as_of`` (Vietnam's today by default), and the
    units it succeeded and that succeeded it (each with the date and legal basis)."""
    unit = get_scoped_orgunit(code, current_scope())
    day = args.get("as_of") or today_local()
    parent = history.parent_on(unit, day)
    return {
        "code": unit.code, "name": unit.name, "kind": unit.kind, "kind_label": unit.kind_label,
        "depth": unit.depth, "remote": unit.remote, "valid_from": unit.valid_from,
        "valid_to": unit.valid_to, "as_of": day,
        "parent_code": parent.code if parent is not None else None,
        "predecessors": [s.as_json() for s in history.direct_predecessors(unit)],
        "successors": [s.as_json() for s in history.direct_successors(unit)],
    }


@blp.route("/successions", methods=["POST"], roles=ADMIN_ROLES)
@blp.arguments(SuccessionRequestSchema)
@blp.response(200, SuccessionReportSchema)
@blp.alt_response(201, schema=SuccessionReportSchema, description="recorded (not a dry run)")
def create_succession(body):
    """Record a merger or a move (WORKFLOWS.md §6), or only its dry run (the default).

    The caller administers every unit named. Bad input: 422 with the field; a conflict listed
    by the dry run: 409 ``succession_conflict`` with the ``report``, and nothing is written.
    """
    scope = current_scope()
    for code in [*body["old"], body["new"]]:
        unit = services.get_by_code(code)
        if unit is not None:
            scope.require_read(unit.path)
            scope.require_write(unit.path, ADMIN_ROLES)
    actor = current_user._get_current_object()
    try:
        if body["kind"] == "merge":
            report = successions.merge(body["old"], body["new"], body["on"], body["basis"],
                                       actor=actor, role="admin", dry_run=body["dry_run"])
        else:
            report = successions.move(body["old"][0], body["new"], body["on"], body["basis"],
                                      actor=actor, role="admin", dry_run=body["dry_run"])
    except successions.SuccessionConflict as exc:
        db.session.rollback()
        raise SuccessionConflictError(str(exc), report=exc.report.as_json()) from None
    except successions.SuccessionError as exc:
        db.session.rollback()
        raise ValidationFailed(str(exc), errors={exc.field: [str(exc)]}) from None
    if report.written:
        db.session.commit()
        return report.as_json(), 201
    db.session.rollback()
    return report.as_json()


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
