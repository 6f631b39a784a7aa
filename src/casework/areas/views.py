"""Pages of areas: the tree, an area with its criteria and facts, hotspots, the dashboard.

Each view loads through the scope, checks access, calls one service and renders. A refused
form answers with the page again, the form's values and the reason, and the error's status.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from casework.areas import qd28, qd28_board, services
from casework.areas.criteria import CRITERIA, evaluate_subtree
from casework.areas.forms import fact_fields, fact_kinds_for, fact_payload
from casework.areas.models import FACT_KIND_LABELS, AreaFact, Hotspot
from casework.auth.roles import ADMIN_ROLES
from casework.auth.scope import current_scope, get_scoped_orgunit, scoped
from casework.errors import CaseworkError, NotFound, ValidationFailed
from casework.extensions import db
from casework.orgunits import history
from casework.orgunits import services as orgunit_services
from casework.orgunits.models import COMMUNE_KINDS, LEAF_KINDS, OrgUnit
from casework.typed_dates import BadInput, parse_day
from casework.validation import date_problem
from casework.web import redaction
from casework.web.events import (
    after_event,
    event_option,
    fire_and_render,
    form_fields,
    page_or_fragment,
    refusal,
)
from casework.workflow import engine
from casework.workflow.deadlines import today_local

bp = Blueprint("areas", __name__)

# How many facts the area page lists (newest first).
FACTS_SHOWN = 40


def _user():
    return current_user._get_current_object()


def _as_of() -> date | None:
    """The day the criteria are shown for (dd/mm/yyyy or ISO); None (today) when not a day."""
    try:
        day = parse_day(request.args.get("as_of"))
    except BadInput:
        return None
    return day if day is not None and date_problem(day) is None else None


# --- the tree ---------------------------------------------------------------------------------


@bp.route("/areas/")
@login_required
def index():
    """From the top of the caller's scope down to residential groups, coloured by state: the
    map of today, or of the day chosen (``on``, dd/mm/yyyy or ISO) with that day's states."""
    scope = current_scope()
    today = today_local()
    day, problem = _map_day(today)
    trees = []
    for root, units, path_of, parent_of in services.map_on(scope, day):
        states = (services.states_of(units) if day == today
                  else services.states_on(units, day))
        results = evaluate_subtree(root, day)
        requests = services.open_requests_of(units) if day == today else {}
        children: dict[int | None, list[OrgUnit]] = {}
        for unit in units:
            children.setdefault(parent_of[unit.id], []).append(unit)
        # A group merged into another ward keeps its name: say where it was before.
        former = {i: p for i, p in history.former_parents(u.id for u in units).items()
                  if p.id != parent_of[i]}
        trees.append({"root": root, "children": children, "states": states,
                      "results": results, "requests": requests, "former": former,
                      "counts": _counts(units, path_of, states, results)})
    return render_template("areas/index.html", trees=trees, leaf_kinds=LEAF_KINDS,
                           state_label=_state_label, day=day, today=today,
                           day_problem=problem)


def _map_day(today: date) -> tuple[date, str | None]:
    """The day of the map asked for, or today with the reason the one asked is refused."""
    text = (request.args.get("on") or "").strip()
    if not text:
        return today, None
    try:
        day = parse_day(text)
    except BadInput:
        return today, _("“%(text)s” is not a date; type it as dd/mm/yyyy. Showing today's "
                        "map.", text=text[:20])
    problem = date_problem(day) if day is not None else None
    if problem is not None:
        return today, problem
    if day > today:
        return today, _("The map of a day to come is not known yet. Showing today's map.")
    return day, None


def _counts(units, path_of, states, results) -> dict[int, dict]:
    """Per unit: how many groups/villages below it are in each state, and meet 8/8."""
    counts: dict[int, dict] = {}
    leaves = [u for u in units if u.kind in LEAF_KINDS]
    for unit in units:
        below = [leaf for leaf in leaves if path_of[leaf.id].startswith(path_of[unit.id])]
        by_state: dict[str, int] = {}
        for leaf in below:
            by_state[states[leaf.id]] = by_state.get(states[leaf.id], 0) + 1
        counts[unit.id] = {"leaves": len(below), "by_state": by_state,
                           "all_met": sum(results[leaf.id].all_met for leaf in below)}
    return counts


def _state_label(state: str) -> str:
    return engine.state_label(engine.get_catalog().get("area"), state)


# --- one area ---------------------------------------------------------------------------------


def area_page(code: str, form_error: dict | None = None, status: int = 200):
    """The area's page, or its panels for htmx; with ``form_error``, a refused form's
    message and values (casework.web.events.refusal), answered with ``status``."""
    scope = current_scope()
    unit = get_scoped_orgunit(code, scope)
    user = _user()
    area = services.area_of(unit)
    as_of = _as_of()
    children = history.children_on(unit, as_of or today_local())
    # The page shows the area's criteria and its children's 8/8: only those are judged.
    results = evaluate_subtree(unit, as_of, only=[unit.id] + [u.id for u in children])
    criteria = results[unit.id]
    personal = redaction.may_see_personal(unit, scope)
    events = services.area_events(unit, area, user)
    by_name = {o.name: o for o in events}
    breached = []
    if area is not None and area.state in services.recognized_states():
        breached = criteria.codes_with("not_met")
    child_states = services.states_of(children)
    ancestors = db.session.scalars(
        scoped(sa.select(OrgUnit).where(OrgUnit.id.in_(unit.ancestor_ids[:-1])), OrgUnit.id,
               scope).order_by(OrgUnit.depth)).all()
    open_request = services.open_requests_of([unit]).get(unit.id)
    facts, facts_total = services.recent_facts(unit, FACTS_SHOWN)
    may_record = scope.may_write(unit.path, services.FACT_ROLES)
    may_request = (area is not None and area.state == services.request_state()
                   and open_request is None and scope.may_write(unit.path, ("police",)))
    may_flag_remote = (unit.kind in COMMUNE_KINDS and not unit.ended
                       and scope.may_write(unit.path, ADMIN_ROLES))
    context = {
        "unit": unit, "area": area, "ancestors": ancestors,
        "state": area.state if area else services.UNASSESSED,
        "state_label": engine.state_label(area) if area else _state_label("unassessed"),
        "events": [o for o in events if o.name != "recomplicate"],
        "event_fields": {o.name: form_fields(o.fields) for o in events},
        "recomplicate": by_name.get("recomplicate"),
        "breached": breached, "criteria": criteria, "personal": personal,
        "as_of": as_of, "children": children, "child_states": child_states,
        "child_results": results, "open_request": open_request, "may_request": may_request,
        "facts": redaction.shown_all(facts, scope), "facts_total": facts_total,
        "fact_kinds": fact_kinds_for(unit) if may_record else [],
        "fact_fields": fact_fields, "fact_kind_labels": FACT_KIND_LABELS,
        "entries": redaction.history(area, scope),
        "form_error": form_error or {}, "criteria_codes": CRITERIA,
        "commune_kind": unit.kind in COMMUNE_KINDS,
        "predecessors": history.direct_predecessors(unit),
        "successors": history.direct_successors(unit),
        "may_flag_remote": may_flag_remote,
        "qd28": _qd28(unit, as_of),
        "shown_keys": [f"event-{o.name}" for o in events] + [f"fact-{k}" for k in (
            fact_kinds_for(unit) if may_record else [])] + ["request"] + (
            ["remote"] if may_flag_remote else []),
    }
    return page_or_fragment("areas/show.html", "areas/_panels.html", **context), status


def _qd28(unit: OrgUnit, as_of):
    """The QĐ 28/2025 classification of a commune for the period holding ``as_of`` (today
    by default); None for other units or a period QĐ 28 does not cover."""
    if qd28.criteria_set().level_of(unit.kind) != "commune":
        return None
    try:
        year = qd28.checked_year(qd28.period_year_of(as_of) if as_of else None, unit)
    except CaseworkError:
        return None
    return qd28.classify_commune(unit, year)


@bp.route("/areas/<code>")
@login_required
def show(code):
    """State, the 8 criteria with their evidence, facts, history and the open request."""
    return area_page(code)


def _refused(exc: CaseworkError, key: str) -> dict:
    db.session.rollback()
    return refusal(exc, key)


@bp.route("/areas/<code>/events/<event>", methods=["POST"])
@login_required
def fire_event(code, event):
    """Fire an area event from its form (version 0 while the area has no record)."""
    unit = get_scoped_orgunit(code, current_scope())
    return fire_and_render(
        event_option(services.area_events(unit, services.area_of(unit), _user()), event), event,
        lambda **kw: services.fire_area_event(unit, event, _user(), **kw),
        refused=lambda form_error, exc: area_page(code, form_error, exc.status),
        done=lambda: after_event(lambda: area_page(code), url_for("areas.show", code=code)))


@bp.route("/areas/<code>/remote", methods=["POST"])
@login_required
def set_remote(code):
    """The admin marks a commune or ward remote or mountainous, or removes the mark
    (Decree 105/2021 Art 41.1); the change is logged in the unit's audit chain."""
    scope = current_scope()
    unit = get_scoped_orgunit(code, scope)
    scope.require_write(unit.path, ADMIN_ROLES)
    try:
        orgunit_services.update_orgunit(unit, _user(), remote=request.form.get("remote") == "1")
    except orgunit_services.OrgUnitError as exc:
        db.session.rollback()
        return area_page(code, {"key": "remote", "message": str(exc), "errors": {},
                                 "values": request.form}, 422)
    db.session.commit()
    return redirect(url_for("areas.show", code=code))


@bp.route("/areas/<code>/facts", methods=["POST"])
@login_required
def record_fact(code):
    """Record a fact of the kind the form names."""
    scope = current_scope()
    unit = get_scoped_orgunit(code, scope)
    scope.require_write(unit.path, services.FACT_ROLES)  # the role before the form
    kind = request.form.get("kind", "")
    if kind not in FACT_KIND_LABELS:
        abort(400)
    try:
        services.record_fact(unit, _user(), fact_payload(kind, request.form), scope)
    except CaseworkError as exc:
        return area_page(code, _refused(exc, f"fact-{kind}"), exc.status)
    db.session.commit()
    return redirect(url_for("areas.show", code=code) + "#criteria")


def _scoped_fact(code: str, fact_id: int):
    scope = current_scope()
    unit = get_scoped_orgunit(code, scope)
    fact = db.session.get(AreaFact, fact_id)
    if fact is None or not fact.org_unit.path.startswith(unit.path):
        raise NotFound()
    return scope, fact


@bp.route("/areas/<code>/facts/<int:fact_id>")
@login_required
def fact(code, fact_id, form_error=None, status=200):
    scope, found = _scoped_fact(code, fact_id)
    return render_template(
        "areas/fact.html", fact=redaction.shown(found, scope=scope), fields=fact_fields(found.kind),
        may_close=found.closable and scope.may_write(found.org_unit.path, services.FACT_ROLES),
        form_error=form_error or {}), status


@bp.route("/areas/<code>/facts/<int:fact_id>/close", methods=["POST"])
@login_required
def close_fact(code, fact_id):
    """Resolve an incident or end a prevention model."""
    scope, found = _scoped_fact(code, fact_id)
    name = "resolved_date" if found.is_incident else "ended_on"
    try:
        try:
            day = parse_day(request.form.get(name))
        except BadInput as exc:
            raise ValidationFailed(errors={name: [str(exc.message)]}) from None
        services.close_fact(found, _user(), {name: day}, scope)
    except CaseworkError as exc:
        return fact(code, fact_id, _refused(exc, "close"), exc.status)
    db.session.commit()
    return redirect(url_for("areas.fact", code=code, fact_id=fact_id))


# --- hotspots ---------------------------------------------------------------------------------


def _hotspot_page(hotspot_id: int, form_error=None, status=200):
    scope = current_scope()
    hotspot = services.scoped_hotspot(hotspot_id, scope)
    events = engine.available_events(hotspot, _user())
    return page_or_fragment(
        "areas/hotspot.html", "areas/_hotspot_panels.html",
        hotspot=redaction.shown(hotspot, scope=scope),
        state_label=engine.state_label(hotspot), events=events,
        event_fields={o.name: form_fields(o.fields) for o in events},
        entries=redaction.history(hotspot, scope),
        form_error=form_error or {}), status


@bp.route("/hotspots/<int:hotspot_id>")
@login_required
def hotspot(hotspot_id):
    return _hotspot_page(hotspot_id)


@bp.route("/hotspots/<int:hotspot_id>/events/<event>", methods=["POST"])
@login_required
def hotspot_event(hotspot_id, event):
    hotspot: Hotspot = services.scoped_hotspot(hotspot_id, current_scope())
    return fire_and_render(
        event_option(engine.available_events(hotspot, _user()), event), event,
        lambda **kw: services.fire_hotspot_event(hotspot, event, _user(), **kw),
        refused=lambda form_error, exc: _hotspot_page(hotspot_id, form_error, exc.status),
        done=lambda: after_event(lambda: _hotspot_page(hotspot_id),
                                 url_for("areas.hotspot", hotspot_id=hotspot_id)))


# --- the dashboard ----------------------------------------------------------------------------


@bp.route("/dashboard")
@login_required
def dashboard():
    """Areas by state, groups and villages meeting 8/8, criteria passed, requests by step."""
    scope = current_scope()
    roots = services.scope_roots(scope)
    code = request.args.get("org_unit")
    root = get_scoped_orgunit(code, scope) if code else services.default_root(roots)
    if root is None:
        return render_template("areas/dashboard.html", board=None, roots=[])
    return render_template("areas/dashboard.html", board=services.dashboard(root),
                           roots=roots, root=root, qd28=qd28_board.board(root))
