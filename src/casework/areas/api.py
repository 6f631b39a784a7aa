"""JSON API of areas, their facts, criteria and hotspots (INTERFACES.md, "Areas")."""

from __future__ import annotations

import functools

import sqlalchemy as sa
from flask_login import current_user

from casework.api_base import Blueprint
from casework.areas import qd28, services
from casework.areas.criteria import evaluate_area
from casework.areas.models import UNASSESSED, Area, AreaFact, Hotspot
from casework.areas.schemas import (
    AreaListSchema,
    AreaQuerySchema,
    AreaSchema,
    ClassificationQuerySchema,
    ClassificationSchema,
    CriteriaQuerySchema,
    CriteriaSchema,
    DashboardQuerySchema,
    DashboardSchema,
    FactCloseSchema,
    FactInputSchema,
    FactListSchema,
    FactQuerySchema,
    FactSchema,
)
from casework.auth.scope import Scope, current_scope, get_scoped_orgunit, scoped
from casework.errors import NotFound, ValidationFailed
from casework.extensions import db
from casework.orgunits.models import OrgUnit
from casework.validation import page_window
from casework.web import redaction
from casework.workflow import engine
from casework.workflow.schemas import HistorySchema, TransitionRequestSchema

blp = Blueprint("areas_api", __name__, url_prefix="/api/v1",
                description="Areas, their facts and criteria, and hotspots")

# The columns each kind of fact shows (beyond its kind, area and who recorded it).
FACT_FIELDS = {
    "dealer": ("description", "found_date", "resolved_date", "note"),
    "use_venue": ("description", "found_date", "resolved_date", "note"),
    "ring": ("description", "found_date", "resolved_date", "note"),
    "offender": ("description", "resident_since", "found_date", "arrested_on", "resolved_date",
                 "note"),
    "fugitive": ("description", "found_date", "resolved_date", "note"),
    "population": ("residents", "as_of", "note"),
    "key_route": ("route_scope", "decision_no", "started_on", "ended_on", "note"),
    "drug_case": ("case_kind", "suspects", "found_date", "prosecuted_on", "case_no", "note"),
    "drug_plants": ("description", "plant_count", "plant_area_m2", "found_date",
                    "resolved_date", "note"),
    "household_tally": ("households_total", "households_signed", "as_of", "note"),
    "hotline_board": ("present", "verified_on", "note"),
    "prevention_model": ("name", "decision_no", "started_on", "ended_on", "note"),
    "awareness_activity": ("activity_type", "activity_date", "minutes", "audience", "note"),
    "hotspot": ("name", "address", "found_date"),
}
# What of these a reader without personal access sees is decided by web/redaction.py.


def options_json(options) -> list[dict]:
    return [{"event": o.name, "label": str(o.label), "reason_required": o.reason_required}
            for o in options]


def describe_area(unit: OrgUnit, area: Area | None, user, open_request_id=None) -> dict:
    if area is not None:
        state, version, wf_version = area.state, area.version, area.workflow_version
        label = engine.state_label(area)
        due, due_label = area.due_date, _due_label(area)
    else:
        definition = engine.get_catalog().get("area")
        state, version, wf_version = UNASSESSED, 0, definition.version
        label = engine.state_label(definition, UNASSESSED)
        due = due_label = None
    return {
        "code": unit.code, "name": unit.name, "kind": unit.kind, "kind_label": unit.kind_label,
        "parent_code": unit.parent.code if unit.parent else None,
        "state": state, "state_label": label, "version": version, "workflow_version": wf_version,
        "due_date": due, "due_label": due_label,
        "available_events": options_json(services.area_events(unit, area, user)),
        "open_request_id": open_request_id,
    }


def _due_label(record) -> str | None:
    definition = engine.definition_of(record)
    found = definition.states.get(record.state)
    if record.due_date is None or found is None or found.deadline is None:
        return None
    return str(found.deadline.label)


def describe_fact(fact) -> dict:
    """A fact or hotspot as JSON, without the free text the caller may not see."""
    kind = fact.kind
    values = redaction.shown_values(
        redaction.kind_of(fact), {name: getattr(fact, name) for name in FACT_FIELDS[kind]},
        redaction.may_see_personal(fact.org_unit))
    values = {name: value.isoformat() if hasattr(value, "isoformat") else value
              for name, value in values.items()}
    out = {
        "id": fact.id, "kind": kind, "kind_label": str(services.FACT_KIND_LABELS[kind]),
        "area_code": fact.org_unit.code, "fields_": values,
        "recorded_by": fact.recorded_by.username if fact.recorded_by else None,
        "url": f"/areas/{fact.org_unit.code}/facts/{fact.id}",
    }
    if isinstance(fact, Hotspot):
        out.update(state=fact.state, state_label=engine.state_label(fact), version=fact.version,
                   recorded_at=fact.created_at, url=f"/hotspots/{fact.id}")
    else:
        out.update(recorded_at=fact.recorded_at,
                   closed_by=fact.closed_by.username if fact.closed_by else None,
                   closed_at=fact.closed_at)
    return out


def history_json(record) -> dict:
    """A record's history as the caller may see it (the redaction policy)."""
    return {"items": redaction.history(record)}


# --- areas ------------------------------------------------------------------------------------


@blp.route("/areas")
@blp.arguments(AreaQuerySchema, location="query")
@blp.response(200, AreaListSchema)
def list_areas(args):
    """Areas in the caller's scope, optionally the children of one area, or in one state."""
    scope = current_scope()
    stmt = (scoped(sa.select(OrgUnit, Area), OrgUnit.id, scope)
            .outerjoin(Area, Area.org_unit_id == OrgUnit.id))
    if "parent_code" in args:
        parent = get_scoped_orgunit(args["parent_code"], scope)
        stmt = stmt.where(OrgUnit.parent_id == parent.id)
    if "state" in args:
        state = sa.func.coalesce(Area.state, UNASSESSED)
        stmt = stmt.where(state == args["state"])
    total = db.session.scalar(sa.select(sa.func.count()).select_from(stmt.subquery()))
    offset, limit = page_window(args["page"], args["per_page"])
    rows = db.session.execute(stmt.order_by(OrgUnit.path).offset(offset).limit(limit)).all()
    user = current_user._get_current_object()
    return {"items": [describe_area(unit, area, user) for unit, area in rows], "total": total}


@blp.route("/areas/<code>")
@blp.response(200, AreaSchema)
def get_area(code):
    """An area: its state, version and what the caller may do to it now."""
    unit = get_scoped_orgunit(code, current_scope())
    area = services.area_of(unit)
    return describe_area(unit, area, current_user._get_current_object(),
                         services.open_request_id(area))


@blp.route("/areas/<code>/transitions", methods=["POST"],
           roles=lambda: engine.get_catalog().roles("area"))
@blp.arguments(TransitionRequestSchema)
@blp.response(200, AreaSchema)
def area_transition(body, code):
    """Fire an event of the area workflow (``version`` 0 for an area never acted on)."""
    unit = get_scoped_orgunit(code, current_scope())
    user = current_user._get_current_object()
    area = services.fire_area_event(unit, body["event"], user, data=body["data"],
                                    reason=body.get("reason"),
                                    effective_at=body.get("effective_at"),
                                    version=body["version"])
    db.session.commit()
    return describe_area(unit, area, user, services.open_request_id(area))


@blp.route("/areas/<code>/history")
@blp.response(200, HistorySchema)
def area_history(code):
    """The area's audit entries, oldest first."""
    scope = current_scope()
    unit = get_scoped_orgunit(code, scope)
    return history_json(services.area_of(unit))


@blp.route("/areas/<code>/criteria")
@blp.arguments(CriteriaQuerySchema, location="query")
@blp.response(200, CriteriaSchema)
def area_criteria(args, code):
    """The 8 criteria over the area's subtree on ``as_of`` (default today), with evidence.

    Readers without access to personal records see counts, never names.
    """
    scope = current_scope()
    unit = get_scoped_orgunit(code, scope)
    result = evaluate_area(unit, args.get("as_of"))
    # The scope once for the ~15,000 items of a province, not looked up for each.
    return result.as_dict(shown=functools.partial(redaction.shown_evidence, scope=scope))


@blp.route("/areas/<code>/classification")
@blp.arguments(ClassificationQuerySchema, location="query")
@blp.response(200, ClassificationSchema)
def area_classification(args, code):
    """The QĐ 28/2025 classification of a commune, ward or special zone (Art 4, 6) or of a
    province (Art 5) for the review period ``period`` (default: the one holding today).

    Readers without access to personal records see counts and codes, never names.
    """
    unit = get_scoped_orgunit(code, current_scope())
    year = qd28.checked_year(args.get("period"), unit)
    result = qd28.classify(unit, year)
    if result is None:
        raise ValidationFailed(qd28.NOT_JUDGED, errors={"code": [qd28.NOT_JUDGED]})
    return result.as_dict(personal=redaction.may_see_personal(unit))


# --- facts ------------------------------------------------------------------------------------


@blp.route("/areas/<code>/facts", methods=["POST"], roles=services.FACT_ROLES)
@blp.arguments(FactInputSchema)
@blp.response(201, FactSchema)
def create_fact(body, code):
    """Record a fact: ``{"kind", ...}`` with the fields of its kind (WORKFLOWS.md §4)."""
    scope = current_scope()
    unit = get_scoped_orgunit(code, scope)
    fact = services.record_fact(unit, current_user._get_current_object(), body, scope)
    db.session.commit()
    return describe_fact(fact)


@blp.route("/areas/<code>/facts")
@blp.arguments(FactQuerySchema, location="query")
@blp.response(200, FactListSchema)
def list_facts(args, code):
    """Facts of the area and of every area below it, newest first, a page at a time
    (``page``, ``per_page``: 100 by default, at most 500); ``total`` counts them all."""
    scope = current_scope()
    unit = get_scoped_orgunit(code, scope)
    offset, limit = page_window(args["page"], args["per_page"])
    facts, total = services.facts_page(unit, args.get("kind"), open_only=args.get("open", False),
                                       offset=offset, limit=limit)
    return {"items": [describe_fact(f) for f in facts], "total": total}


def _scoped_fact(code: str, fact_id: int, scope: Scope) -> AreaFact:
    unit = get_scoped_orgunit(code, scope)
    fact = db.session.get(AreaFact, fact_id)
    if fact is None or not fact.org_unit.path.startswith(unit.path) \
            or not scope.covers(fact.org_unit.path):
        raise NotFound()
    return fact


@blp.route("/areas/<code>/facts/<int:fact_id>")
@blp.response(200, FactSchema)
def get_fact(code, fact_id):
    scope = current_scope()
    fact = _scoped_fact(code, fact_id, scope)
    return describe_fact(fact)


@blp.route("/areas/<code>/facts/<int:fact_id>", methods=["PATCH"],
           roles=services.FACT_ROLES)
@blp.arguments(FactCloseSchema)
@blp.response(200, FactSchema)
def close_fact(body, code, fact_id):
    """Resolve an incident (``resolved_date``) or end a prevention model (``ended_on``)."""
    scope = current_scope()
    fact = _scoped_fact(code, fact_id, scope)
    services.close_fact(fact, current_user._get_current_object(), body, scope)
    db.session.commit()
    return describe_fact(fact)


# --- hotspots ---------------------------------------------------------------------------------


@blp.route("/hotspots/<int:hotspot_id>")
@blp.response(200, FactSchema)
def get_hotspot(hotspot_id):
    scope = current_scope()
    hotspot = services.scoped_hotspot(hotspot_id, scope)
    return describe_fact(hotspot)


@blp.route("/hotspots/<int:hotspot_id>/transitions", methods=["POST"],
           roles=lambda: engine.get_catalog().roles("hotspot"))
@blp.arguments(TransitionRequestSchema)
@blp.response(200, FactSchema)
def hotspot_transition(body, hotspot_id):
    """Fire an event of the hotspot workflow (watch, eliminate, reemerge)."""
    scope = current_scope()
    hotspot = services.scoped_hotspot(hotspot_id, scope)
    services.fire_hotspot_event(hotspot, body["event"], current_user._get_current_object(),
                                data=body["data"], reason=body.get("reason"),
                                effective_at=body.get("effective_at"), version=body["version"])
    db.session.commit()
    return describe_fact(hotspot)


@blp.route("/hotspots/<int:hotspot_id>/history")
@blp.response(200, HistorySchema)
def hotspot_history(hotspot_id):
    scope = current_scope()
    hotspot = services.scoped_hotspot(hotspot_id, scope)
    return history_json(hotspot)


# --- the dashboard ----------------------------------------------------------------------------


@blp.route("/dashboard")
@blp.arguments(DashboardQuerySchema, location="query")
@blp.response(200, DashboardSchema)
def get_dashboard(args):
    """The dashboard's counts for an org unit (default: the top of the caller's scope)."""
    scope = current_scope()
    if args.get("org_unit"):
        root = get_scoped_orgunit(args["org_unit"], scope)
    else:
        root = services.default_root(services.scope_roots(scope))
        if root is None:
            raise NotFound()
    return services.dashboard(root)
