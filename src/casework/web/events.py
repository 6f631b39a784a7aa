"""Workflow events fired from a page's form: the form's fields, its data, and one helper that
fires and answers, for every record page (person, area, hotspot, recognition request).

The same field declarations (workflows/*.yaml) drive the engine's marshmallow schema, so
whatever a form sends is validated exactly as the API is. The form itself is one Jinja macro,
``event_form`` in templates/_events.html.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from flask import flash, redirect, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from casework.auth.roles import role_label
from casework.auth.scope import Scope
from casework.errors import CaseworkError, ValidationFailed
from casework.extensions import db, htmx
from casework.orgunits.models import OrgUnit
from casework.typed_dates import (
    TIME_WITHOUT_DATE,
    BadInput,
    iso_day,
    moment_of,
    parse_day,
    parse_time,
)
from casework.web.fields import CHOICE_LABELS, field_label
from casework.workflow import inforce
from casework.workflow.catalog import get_catalog


@dataclass(frozen=True)
class FormField:
    name: str
    type: str
    required: bool
    label: str
    choices: tuple[tuple[str, str], ...] = ()
    min: int | None = None
    max: int | None = None


def form_fields(specs: Iterable) -> list[FormField]:
    """What a page needs to render the inputs of an event's data fields."""
    result = []
    for spec in specs:
        choices = tuple((c, str(CHOICE_LABELS.get(c, c))) for c in (spec.choices or ()))
        result.append(FormField(
            name=spec.name, type=spec.type, required=spec.required,
            label=field_label(spec.name),
            choices=choices, min=spec.min, max=spec.max,
        ))
    return result


# The inputs that date an event on its form (besides its principal date, one of its fields).
DATE_FIELD = "effective_date"  # the day, for an event whose data has no date
TIME_FIELD = "effective_time"  # the time of day, optional


def event_input(specs, form, date_field: str | None = None) -> tuple[dict, object]:
    """The event's JSON data and its ``effective_at`` from a submitted event form.

    Dates are typed dd/mm/yyyy and handed on as ISO (``casework.typed_dates``). The event is
    dated by its principal date (``date_field``), or, for an event without one, by the
    optional ``effective_date``; an optional ``effective_time`` gives the hour. Without a time
    the engine reads a date without a time (and without a date, now). The data's values are
    judged by the event's schema; a date or time written otherwise is refused here, under its
    own field (ValidationFailed).
    """
    errors: dict[str, list] = {}
    data: dict = {}
    for spec in specs:
        if spec.type == "list" and spec.choices:
            # A list of coded values is a row of checkboxes, one value each.
            chosen = [v for v in form.getlist(spec.name) if v]
            if chosen:
                data[spec.name] = chosen
            continue
        raw = form.get(spec.name, "")
        raw = raw.strip() if isinstance(raw, str) else raw
        if spec.type == "bool":
            # Yes/no radios send "true"/"false"; an unticked optional checkbox sends nothing.
            if raw in ("true", "false", "on"):
                data[spec.name] = raw != "false"
            continue
        if raw == "":
            continue
        if spec.type == "int":
            try:
                data[spec.name] = int(raw)
            except ValueError:
                data[spec.name] = raw  # the schema says it is not a number
        elif spec.type == "list":
            data[spec.name] = [part.strip() for part in raw.replace("\n", ",").split(",")
                               if part.strip()]
        elif spec.type == "date":
            try:
                data[spec.name] = iso_day(raw)
            except BadInput as exc:
                errors[spec.name] = [str(exc.message)]
        else:
            data[spec.name] = raw
    try:
        at = parse_time(form.get(TIME_FIELD))
    except BadInput as exc:
        errors[TIME_FIELD] = [str(exc.message)]
        at = None
    day = None
    if date_field is not None:
        if at is not None and isinstance(data.get(date_field), str):
            day = date.fromisoformat(data[date_field])
    else:
        try:
            day = parse_day(form.get(DATE_FIELD))
        except BadInput as exc:
            errors[DATE_FIELD] = [str(exc.message)]
        if day is None and at is not None and DATE_FIELD not in errors:
            errors[DATE_FIELD] = [str(TIME_WITHOUT_DATE)]
    if errors:
        raise ValidationFailed(errors=errors)
    return data, moment_of(day, at)


def event_option(options, event: str):
    """The option named ``event`` among ``options`` (``available_events(record, user)``),
    or None: not an action the user has on the record now."""
    return next((o for o in options if o.name == event), None)


def refusal(exc: CaseworkError, key: str, values=None) -> dict:
    """What a page shows of a refused form (``form_error``): which form (``key``), the
    message, each field's errors, the values typed, and whether the record was stale."""
    return {"key": key, "message": str(exc.message), "errors": exc.errors,
            "values": request.form if values is None else values,
            "stale": exc.code == "stale_version"}


def _version(form) -> int:
    try:
        return int(form.get("version", ""))
    except ValueError:
        return -1  # the engine answers that the version is stale


def fire_and_render(option, event: str, fire: Callable[..., object], *,
                    refused: Callable[[dict, CaseworkError], object],
                    done: Callable[[], object],
                    specs=None, add_data: Callable[[dict], None] | None = None):
    """Fire ``event`` from the submitted form and answer.

    Reads the record's ``version``, the event's data fields (``specs``, by default the
    option's), its date and reason; ``add_data(data)`` may add what the form holds besides its
    fields. Then ``fire(data=, reason=, effective_at=, version=)`` calls the feature's service.
    Committed, it answers ``done()`` (the record's panels for htmx, a redirect otherwise);
    refused (any CaseworkError, a stale version included), it rolls back and answers
    ``refused(form_error, exc)``: the page or fragment again, with the form's message.
    """
    form = request.form
    if specs is None:
        specs = option.fields if option is not None else ()
    try:
        data, effective_at = event_input(specs, form,
                                         option.date_field if option is not None else None)
        if add_data is not None:
            add_data(data)
        entry = fire(data=data, reason=form.get("reason") or None, effective_at=effective_at,
                     version=_version(form))
    except CaseworkError as exc:
        db.session.rollback()
        return refused(refusal(exc, f"event-{event}"), exc)
    db.session.commit()
    flash(done_message(option.label if option is not None else event, entry), "success")
    answer = done()
    if wants_fragment() and isinstance(answer, str):
        # The panels are swapped in place: the message comes with them, out of band.
        answer += render_template("_flashes.html", oob=True)
    return answer


def waiting_for(entry) -> list[str]:
    """The roles a record waits for after ``entry`` (an audit entry of a workflow event),
    when the signed-in user holds none of them over its unit: the next step is someone
    else's. Empty when the user can act next, or nobody has a step (a closed record).
    Steps that any open record has (moves, corrections) and those that keep the state do
    not count."""
    if getattr(entry, "workflow", None) is None or entry.to_state is None:
        return []
    definition = inforce.today_version(get_catalog(), entry.workflow)
    state = definition.state_for(entry.to_state)
    roles = {role for t in definition.transitions
             if state in t.sources and not t.any_open and not t.internal for role in t.roles}
    unit = db.session.get(OrgUnit, entry.org_unit_id)
    if not roles or unit is None or roles & Scope.for_user(current_user).roles_at(unit.path):
        return []
    return sorted(roles)


def done_message(label, entry) -> str:
    """What the user reads after an event: done, and who acts next if not them."""
    message = _("Recorded: %(event)s.", event=label)
    waiting = waiting_for(entry)
    if waiting:
        message += " " + _("Waiting for: %(roles)s.",
                           roles=", ".join(role_label(r) for r in waiting))
    return message


def wants_fragment() -> bool:
    """An htmx request for part of a page (not a boosted link): answer with the fragment."""
    return bool(htmx) and not htmx.boosted


def page_or_fragment(page: str, fragment: str, **context) -> str:
    """A record's page, or for htmx only its panels (the fragment the page includes)."""
    return render_template(fragment if wants_fragment() else page, **context)


def after_event(render: Callable[[], object], url: str):
    """The answer to a fired event: for htmx the record's panels again, else a redirect."""
    return render() if wants_fragment() else redirect(url)
