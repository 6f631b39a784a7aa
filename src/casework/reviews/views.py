"""Pages of the annual commune review: the communes of a province or commune for a period,
the reviews waiting for the caller, and one review with its steps."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from casework.areas import qd28
from casework.areas.services import scope_roots
from casework.audit.services import history_of
from casework.auth.scope import current_scope, get_scoped_orgunit
from casework.errors import CaseworkError, ValidationFailed
from casework.extensions import db
from casework.reviews import services
from casework.reviews.rules import CLASSIFICATION_LABELS, STEP_LABELS, STEP_OF_ROLE
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

bp = Blueprint("reviews", __name__, url_prefix="/reviews")


def _user():
    return current_user._get_current_object()


def _year(raw: str | None) -> int:
    """The period asked for, or the current one; a bad value is refused with a message."""
    if not raw:
        return services.current_period_year()
    try:
        year = int(raw)
    except ValueError:
        year = 0
    if not 2000 <= year <= 2100:
        raise ValidationFailed(_("The period is a year, such as 2026."),
                               errors={"period": [_("The period is a year, such as 2026.")]})
    return year


def _labels():
    definition = engine.get_catalog().get("commune_review")
    return lambda s: engine.state_label(definition, s)


@bp.route("/")
@login_required
def index(form_error: dict | None = None, status: int = 200, area_code: str | None = None,
          year: int | None = None):
    """The communes under a unit for a period, each with its review (or a button to open
    one), and the province workbook's link."""
    scope = current_scope()
    code = area_code or request.args.get("area_code")
    roots = scope_roots(scope)
    root = get_scoped_orgunit(code, scope) if code else (roots[0] if roots else None)
    year = year or _year(request.args.get("period"))
    start, end = qd28.review_period(year)
    communes = services.communes_under(root, year) if root is not None else []
    reviews = services.reviews_by_unit(communes, year)
    visible = {r.id for r in services.list_reviews(scope, _user(), year=year)}
    rows = []
    for unit in communes:
        review = reviews.get(unit.id)
        rows.append({"unit": unit, "review": review if review and review.id in visible else None,
                     "exists": review is not None,
                     "may_open": review is None and services.period_begun(year)
                     and scope.may_write(unit.path, ("police",))})
    return render_template(
        "reviews/index.html", root=root, roots=roots, year=year, start=start, end=end,
        rows=rows, state_label=_labels(), classification_label=CLASSIFICATION_LABELS,
        due=services.report_deadline(year), inbox=False, form_error=form_error or {},
        approved=sum(1 for r in rows if r["review"] and r["review"].state == "approved"),
    ), status


@bp.route("/inbox")
@login_required
def inbox():
    """The reviews waiting for the caller's step (the approvals inbox of the review)."""
    found = services.list_reviews(current_scope(), _user(), awaiting_me=True)
    return render_template("reviews/inbox.html", reviews=found, state_label=_labels(),
                           awaiting=services.awaiting_roles())


@bp.route("/new", methods=["POST"])
@login_required
def create():
    """Open a draft review of a commune for a period (the list's button)."""
    scope = current_scope()
    unit = get_scoped_orgunit(request.form.get("area_code", ""), scope)
    try:
        year = _year(request.form.get("period"))
        opened = services.open_review(unit, year, _user())
    except CaseworkError as exc:
        db.session.rollback()
        parent = request.form.get("return_to") or unit.code
        return index(refusal(exc, "open", values={}), exc.status, area_code=parent,
                     year=services.current_period_year())
    db.session.commit()
    return redirect(url_for("reviews.show", review_id=opened.id))


def _page(review_id: int, form_error: dict | None = None, status: int = 200):
    scope = current_scope()
    found = services.scoped_review(review_id, scope)
    user = _user()
    events = engine.available_events(found, user)
    computed = None
    if found.state == "draft":
        computed = qd28.classify_commune(found.org_unit, found.period_year).as_dict(
            personal=redaction.may_see_personal(found.org_unit, scope))
    actors = {}
    for entry in history_of(found):
        if entry.role in STEP_OF_ROLE and entry.actor_name:
            actors.setdefault(STEP_OF_ROLE[entry.role], entry.actor_name)
    start, end = qd28.review_period(found.period_year)
    return page_or_fragment(
        "reviews/show.html", "reviews/_panels.html",
        review=redaction.shown(found, scope=scope), start=start, end=end,
        state_label=engine.state_label(found), events=events,
        event_fields={o.name: form_fields(o.fields) for o in events},
        computed=computed, result=computed or found.snapshot,
        classification_label=CLASSIFICATION_LABELS, chain=services.chain(found),
        entries=redaction.history(found, scope), awaiting=services.awaiting_role(found),
        actors=actors, step_labels=STEP_LABELS, form_error=form_error or {},
        shown_keys=[f"event-{o.name}" for o in events],
    ), status


@bp.route("/<int:review_id>")
@login_required
def show(review_id):
    """The review: its steps, the computed (or frozen) result, the decision, the timeline."""
    return _page(review_id)


@bp.route("/<int:review_id>/events/<event>", methods=["POST"])
@login_required
def fire_event(review_id, event):
    scope = current_scope()
    found = services.scoped_review(review_id, scope)
    user = _user()
    option = event_option(engine.available_events(found, user), event)
    return fire_and_render(
        option, event, lambda **kw: services.fire_review_event(found, event, user, **kw),
        refused=lambda form_error, exc: _page(review_id, form_error, exc.status),
        done=lambda: after_event(lambda: _page(review_id),
                                 url_for("reviews.show", review_id=review_id)))

