"""Pages of recognition requests: the list, the approvals inbox and one request's dossier."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from casework.areas.criteria import CRITERIA, criterion_label, evaluate_area
from casework.areas.views import area_page
from casework.audit.services import history_of
from casework.auth.scope import current_scope, get_scoped_orgunit
from casework.errors import CaseworkError, ValidationFailed
from casework.extensions import db
from casework.recognition import services
from casework.recognition.rules import STEP_LABELS, STEP_OF_ROLE
from casework.recognition.services import list_requests, scoped_request
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
from casework.workflow.definitions import FieldSpec

bp = Blueprint("recognition", __name__, url_prefix="/recognition")

# Events that move the request forward: files chosen on their form are filed with them.
FILED = ("submit", "evaluate", "endorse", "approve")
# Events whose data holds the 8 criteria, judged in a table of checkboxes.
JUDGED = {"submit": "self_assessment", "evaluate": "verdicts"}
# The other fields of the events whose data is a registered schema, as their forms take them.
SCHEMA_FIELDS = {"evaluate": (FieldSpec("inspection_date", "date"),
                              FieldSpec("minutes_no", "string"))}


def _specs(option) -> tuple:
    """The form fields of an event (besides the criteria table and the files)."""
    if option is None:
        return ()
    return option.fields or SCHEMA_FIELDS.get(option.name, ())


def _user():
    return current_user._get_current_object()


@bp.route("/")
@login_required
def index():
    """Every request in the caller's area, optionally in one state or for one area."""
    scope = current_scope()
    state = request.args.get("state") or None
    area_code = request.args.get("area_code") or None
    found = list_requests(scope, _user(), state, area_code)
    definition = engine.get_catalog().get("recognition")
    return render_template("recognition/index.html", requests=found, state=state,
                           area_code=area_code, states=list(definition.states),
                           state_label=lambda s: engine.state_label(definition, s),
                           inbox=False)


@bp.route("/inbox")
@login_required
def inbox():
    """The approvals inbox: the requests waiting for the caller's step."""
    scope = current_scope()
    found = list_requests(scope, _user(), awaiting_me=True)
    definition = engine.get_catalog().get("recognition")
    return render_template("recognition/index.html", requests=found, state=None,
                           area_code=None, states=list(definition.states),
                           state_label=lambda s: engine.state_label(definition, s),
                           inbox=True)


@bp.route("/new", methods=["POST"])
@login_required
def create():
    """Open a draft request for an area (the area page's button)."""
    scope = current_scope()
    unit = get_scoped_orgunit(request.form.get("area_code", ""), scope)
    try:
        opened = services.open_request(unit, _user())
    except CaseworkError as exc:
        db.session.rollback()
        return area_page(unit.code, refusal(exc, "request", values={}) | {"errors": {}},
                         exc.status)
    db.session.commit()
    return redirect(url_for("recognition.show", request_id=opened.id))


def _page(request_id: int, form_error: dict | None = None, status: int = 200):
    scope = current_scope()
    found = scoped_request(request_id, scope)
    user = _user()
    events = engine.available_events(found, user)
    computed = None
    if any(o.name == "submit" for o in events) or found.state == "draft":
        computed = evaluate_area(found.org_unit)
    actors = {}
    for entry in history_of(found):
        if entry.role in STEP_OF_ROLE and entry.actor_name:
            actors.setdefault(STEP_OF_ROLE[entry.role], entry.actor_name)
    return page_or_fragment(
        "recognition/show.html", "recognition/_panels.html",
        req=redaction.shown(found, scope=scope),
        state_label=engine.state_label(found),
        area_state_label=engine.state_label(found.area), events=events,
        event_fields={o.name: form_fields(s for s in _specs(o) if s.name != "attachments")
                      for o in events},
        judged=JUDGED, chosen=CHOSEN, filed=FILED, computed=computed, criteria_codes=CRITERIA,
        criterion_label=criterion_label, chain=services.chain(found),
        entries=redaction.history(found, scope),
        awaiting=services.awaiting_role(found), actors=actors,
        step_labels=STEP_LABELS, form_error=form_error or {},
        shown_keys=[f"event-{o.name}" for o in events] + ["upload"],
        max_mb=services.max_attachment_bytes() // (1024 * 1024),
    ), status


@bp.route("/<int:request_id>")
@login_required
def show(request_id):
    """The dossier, its timeline and the action for the current step."""
    return _page(request_id)


# Events whose every criterion is an explicit choice (met / not met), nothing preselected:
# the inspection team's verdicts. The police's self-assessment is a ticked list.
CHOSEN = ("evaluate",)
CHOICES = {"met": True, "not_met": False}


def _judgements(form, event: str) -> dict:
    judged = {}
    for code in CRITERIA:
        entry = {"note": (form.get(f"note_{code}") or "").strip() or None}
        if event in CHOSEN:
            choice = form.get(f"met_{code}")
            if choice in CHOICES:  # no choice: the schema asks for one
                entry["met"] = CHOICES[choice]
        else:
            entry["met"] = form.get(f"met_{code}") == "on"
        judged[code] = entry
    return judged


@bp.route("/<int:request_id>/events/<event>", methods=["POST"])
@login_required
def fire_event(request_id, event):
    """Fire a step from its form; the files chosen are attached and filed with it."""
    scope = current_scope()
    found = scoped_request(request_id, scope)
    user = _user()
    option = event_option(engine.available_events(found, user), event)

    def add_data(data: dict) -> None:
        if event in JUDGED:
            data[JUDGED[event]] = _judgements(request.form, event)
        checksums = []
        for upload in request.files.getlist("files"):
            if upload and upload.filename:
                attached = services.add_attachment(found, user, upload.stream, upload.filename,
                                                   scope, request.form.get("file_description"))
                checksums.append(attached.sha256)
        if checksums:
            if event not in FILED:
                raise ValidationFailed(errors={"files": [
                    _("Files are filed with a step that moves the request forward.")]})
            data["attachments"] = checksums

    return fire_and_render(
        option, event, lambda **kw: services.fire_request_event(found, event, user, **kw),
        specs=_specs(option), add_data=add_data,
        refused=lambda form_error, exc: _page(request_id, form_error, exc.status),
        done=lambda: after_event(lambda: _page(request_id),
                                 url_for("recognition.show", request_id=request_id)))


@bp.route("/<int:request_id>/files", methods=["POST"])
@login_required
def upload(request_id):
    """Attach a file to the dossier without filing it with a step yet."""
    scope = current_scope()
    found = scoped_request(request_id, scope)
    upload = request.files.get("file")
    try:
        if upload is None or not upload.filename:
            raise ValidationFailed(errors={"file": [_("Choose a file.")]})
        services.add_attachment(found, _user(), upload.stream, upload.filename, scope,
                                request.form.get("description"))
    except CaseworkError as exc:
        db.session.rollback()
        return _page(request_id, refusal(exc, "upload"), exc.status)
    db.session.commit()
    return redirect(url_for("recognition.show", request_id=request_id) + "#files")


@bp.route("/<int:request_id>/files/<sha256>")
@login_required
def download(request_id, sha256):
    return services.send_attachment(scoped_request(request_id, current_scope()), sha256)
