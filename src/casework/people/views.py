"""Person pages: the list with live search, opening a record, the person page and its events.

Views are thin: load through the scope, check access, call one service, render a page or,
for htmx, the fragment that changed.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from marshmallow import ValidationError

from casework.auth.roles import PERSONAL_READ_ROLES
from casework.auth.scope import current_scope, scoped
from casework.db import utcnow
from casework.errors import DuplicatePerson, DuplicateSuspected, ValidationFailed
from casework.extensions import db, htmx
from casework.orgunits import history
from casework.orgunits.models import COMMUNE_KINDS, LEAF_KINDS, OrgUnit
from casework.people import attachments, forms, services  # noqa: F401  (forms: the labels)
from casework.people.deadlines import open_order, running_deadlines
from casework.people.models import GENDERS, RESIDENCE_TYPES
from casework.people.schemas import PersonCreateSchema
from casework.typed_dates import iso_dates, iso_moment
from casework.web import redaction
from casework.web.events import event_option, fire_and_render, form_fields
from casework.workflow import available_events
from casework.workflow.catalog import get_catalog
from casework.workflow.deadlines import today_local

bp = Blueprint("persons", __name__, url_prefix="/persons")



def _require_personal_access():
    if not current_scope().roles & PERSONAL_READ_ROLES:
        abort(403)


def _leaf_units():
    """Groups and villages in scope, with their ward/commune loaded (the selects name both)."""
    stmt = scoped(sa.select(OrgUnit).where(OrgUnit.kind.in_(LEAF_KINDS)), OrgUnit.id,
                  current_scope(), PERSONAL_READ_ROLES).order_by(OrgUnit.path).options(
        sa.orm.selectinload(OrgUnit.parent))
    return db.session.scalars(stmt).all()


# The most groups and villages the list's area filter offers: beyond (a province's police:
# thousands), it offers the communes, wards and special zones instead, whose subtree the
# filter takes just the same.
AREA_OPTIONS = 300


def _area_choices(selected: str | None) -> list[OrgUnit]:
    """The units of the list's area filter: the groups and villages in scope when there are
    at most ``AREA_OPTIONS`` (a ward's or commune's police), else the communes, wards and
    special zones in scope; and the area filtered on, if it is neither."""
    scope = current_scope()

    def in_scope(kinds):
        return scoped(sa.select(OrgUnit).where(OrgUnit.kind.in_(kinds)), OrgUnit.id, scope,
                      PERSONAL_READ_ROLES)

    leaves = in_scope(LEAF_KINDS)
    many = db.session.scalar(sa.select(sa.func.count()).select_from(
        leaves.with_only_columns(OrgUnit.id).limit(AREA_OPTIONS + 1).subquery()))
    stmt = leaves if many <= AREA_OPTIONS else in_scope(COMMUNE_KINDS)
    units = db.session.scalars(stmt.order_by(OrgUnit.path).options(
        sa.orm.selectinload(OrgUnit.parent))).all()
    if selected and all(u.code != selected for u in units):
        found = db.session.scalar(scoped(sa.select(OrgUnit).where(OrgUnit.code == selected),
                                         OrgUnit.id, scope, PERSONAL_READ_ROLES))
        units = [found, *units] if found is not None else units
    return units


# Filters that may stand in a URL; the name or ID searched for never does (it would reach
# server logs and the browser's history), so a search is a POST.
URL_FILTERS = ("state", "area", "overdue")


@bp.route("/")
@login_required
def index():
    """The list, filtered by state, area and overdue (in the URL); no name search here."""
    _require_personal_access()
    return _list(request.args, q=None)


@bp.route("/search", methods=["POST"])
@login_required
def search():
    """The list searched by name or national ID, sent in the form body (with its CSRF
    token). htmx gets the results and a URL with the other filters only."""
    _require_personal_access()
    return _list(request.form, q=request.form.get("q", "").strip() or None)


def _list(values, q: str | None):
    query = services.PersonQuery(
        state=values.get("state") or None, area_code=values.get("area") or None,
        q=q, overdue=True if values.get("overdue") else None,
        page=max(1, values.get("page", 1, type=int) or 1), per_page=25,
    )
    error = None
    try:
        persons, total = services.search_persons(current_scope(), query)
    except ValidationFailed as exc:
        persons, total, error = [], 0, " ".join(" ".join(map(str, v))
                                                for v in exc.errors.values())
    context = {
        "persons": redaction.shown_all(persons), "total": total, "query": query, "error": error,
        "pages": max(1, -(-total // query.per_page)),
        "states": get_catalog().get("person").states,
        "former": history.former_parents(p.org_unit_id for p in persons),
    }
    if htmx and not htmx.boosted:
        response = make_response(render_template("people/_results.html", **context))
        if request.method == "POST":
            filters = {k: values.get(k) for k in URL_FILTERS if values.get(k)}
            response.headers["HX-Replace-Url"] = url_for("persons.index", **filters)
        return response
    areas = _area_choices(query.area_code)
    return render_template("people/index.html", areas=areas,
                           former_areas=history.former_parents(u.id for u in areas), **context)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    scope = current_scope()
    if not scope.roles & set(services.OPEN_ROLES):
        abort(403)
    form = request.form.to_dict() if request.method == "POST" else {}
    errors: dict = {}
    duplicates = taken = None
    status = 200
    if request.method == "POST":
        raw = {k: v for k, v in form.items() if k != "csrf_token" and v != ""}
        raw["confirm_new"] = form.get("confirm_new") == "on"
        # Dates typed dd/mm/yyyy; "came to notice on" is a day with an optional time.
        typed = {**iso_dates(raw, ("birth_date", "resident_since")),
                 **iso_moment(raw, "effective_at", "effective_date", "effective_time")}
        try:
            values = PersonCreateSchema().load(raw)
            if typed:
                raise ValidationError(typed)
            person = services.create_person(values, current_user, scope)
        except ValidationError as exc:
            errors, status = {**exc.messages, **typed}, 422
        except DuplicatePerson as exc:
            errors, status = exc.errors, exc.status
            taken = {"message": str(exc.message), "record_id": exc.extra.get("record_id")}
        except DuplicateSuspected as exc:
            duplicates, status = {**exc.extra, "message": str(exc.message)}, 409
        except ValidationFailed as exc:
            errors, status = exc.errors, 422
        else:
            db.session.commit()
            return redirect(url_for("persons.show", person_id=person.id))
    return render_template(
        "people/new.html", form=form, errors=errors, duplicates=duplicates, taken=taken,
        areas=[u for u in _leaf_units() if scope.covers(u.path, services.OPEN_ROLES)],
        genders=GENDERS, residence_types=RESIDENCE_TYPES,
    ), status


def _page_context(person):
    # Readers of a person hold a personal-read role over it (the scoped query); the page still
    # shows the record as the redaction policy lets them see it.
    dossier = services.dossier_facts(person)
    files = attachments.attachments_of(person)
    return {
        "person": redaction.shown(person),
        "events": available_events(person, current_user),
        "entries": redaction.history(person),
        "today": today_local(),
        "dossier": dossier,
        "attachments": files,
        "checklist": attachments.checklist(person, dossier, files),
        "attachment_kinds": attachments.kinds(),
        # Who works the case may attach papers and download the decisions' documents.
        "may_work": current_scope().covers(person.org_unit.path, attachments.CASE_ROLES),
        "deadlines": running_deadlines(person),
        "monitoring": open_order(person.id),
        "now": utcnow(),
    }


@bp.route("/<int:person_id>")
@login_required
def show(person_id):
    person = services.get_person(person_id, current_scope())
    return render_template("people/show.html", **_page_context(person))


def _option(person, event):
    return event_option(available_events(person, current_user), event)


@bp.route("/<int:person_id>/events/<event>")
@login_required
def event_form(person_id, event):
    """The form of one event (an htmx fragment, or a page without JavaScript)."""
    person = services.get_person(person_id, current_scope())
    option = _option(person, event)
    if option is None:
        abort(404)
    fields = form_fields(option.fields)
    # A proposal (my work) may preselect a coded value, e.g. the grounds of a dossier.
    values = {f.name: request.args[f.name] for f in fields
              if f.type == "choice" and request.args.get(f.name) in dict(f.choices)}
    context = {"person": redaction.shown(person), "option": option, "fields": fields,
               "values": values, "errors": {}, "message": None,
               "missing_papers": _missing_papers(person, event)}
    if htmx:
        return render_template("people/_event_form.html", **context)
    return render_template("people/event.html", **context)


@bp.route("/<int:person_id>/events/<event>", methods=["POST"])
@login_required
def fire_event(person_id, event):
    """Apply an event from its form; on success the page's panels are swapped in."""
    person = services.get_person(person_id, current_scope())
    option = _option(person, event)

    def refused(form_error, exc):
        if option is None:  # not an action this user has here: the plain error answer
            raise exc
        shown = services.get_person(person_id, current_scope())
        context = {
            "person": redaction.shown(shown), "option": option,
            "fields": form_fields(option.fields), "values": form_error["values"],
            "errors": form_error["errors"], "message": form_error["message"],
            "stale": form_error["stale"],
        }
        template = "people/_event_form.html" if htmx else "people/event.html"
        headers = {"HX-Retarget": "#event-form", "HX-Reswap": "innerHTML"} if htmx else {}
        return render_template(template, **context), exc.status, headers

    def done():
        if htmx:
            return render_template("people/_panels.html", **_page_context(person))
        return redirect(url_for("persons.show", person_id=person.id))

    return fire_and_render(
        option, event,
        lambda **kw: services.fire_event(person, current_user, event=event, **kw),
        refused=refused, done=done)


# The step that files the dossier with the court: it warns, and does not refuse, when a
# paper the law lists is not attached (Decree 116/2021 Art 41, 51).
DOSSIER_FILING_EVENT = "record_court_decision"


def _missing_papers(person, event: str) -> list:
    if event != DOSSIER_FILING_EVENT:
        return []
    found = attachments.checklist(person, services.dossier_facts(person))
    return found.missing if found is not None else []


@bp.route("/<int:person_id>/attachments", methods=["POST"])
@login_required
def upload_attachment(person_id):
    """Attach a paper from the person page's form; back to the page with its message."""
    scope = current_scope()
    person = services.get_person(person_id, scope)
    upload = request.files.get("file")
    try:
        if upload is None or not upload.filename:
            raise ValidationFailed(_("Choose a file."), errors={"file": [_("Choose a file.")]})
        attachments.add_attachment(person, current_user, upload.stream, upload.filename,
                                   request.form.get("kind"), scope, request.form.get("note"))
    except ValidationFailed as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
        return redirect(url_for("persons.show", person_id=person_id, _anchor="papers"))
    db.session.commit()
    flash(_("The paper is attached."), "info")
    return redirect(url_for("persons.show", person_id=person_id, _anchor="papers"))


@bp.route("/<int:person_id>/attachments/<int:attachment_id>")
@login_required
def download_attachment(person_id, attachment_id):
    person = services.get_person(person_id, current_scope())
    return attachments.send_attachment(person, attachment_id)


@bp.app_template_filter("gender_label")
def gender_label(code: str) -> str:
    return {"male": _("Male"), "female": _("Female"), "other": _("Other")}.get(code, code)


@bp.app_template_filter("attachment_kind")
def attachment_kind(code: str) -> str:
    return attachments.kind_label(code)
