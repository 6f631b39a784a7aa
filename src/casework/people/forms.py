"""Event forms built from a transition's data fields, and the form data turned back into JSON.

The same field declarations (workflows/person.yaml) drive the engine's marshmallow schema, so
whatever the form sends is validated exactly as the API is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l

from casework.errors import ValidationFailed
from casework.people.dossier import GROUNDS_LABELS, LEGAL_BASIS_LABELS
from casework.web.dates import (
    TIME_WITHOUT_DATE,
    BadInput,
    iso_day,
    moment_of,
    parse_day,
    parse_time,
)
from casework.web.fields import field_label, register_labels

FIELD_LABELS = {
    "test_date": _l("Test date"),
    "sample": _l("Sample"),
    "substances": _l("Substances (comma-separated)"),
    "result": _l("Result"),
    "facility": _l("Facility"),
    "guardian_consent": _l("A parent or guardian consented"),
    "decision_no": _l("Decision number"),
    "decision_date": _l("Decision date"),
    "check_date": _l("Check date"),
    "present": _l("Present at the residence"),
    "note": _l("Note"),
    "grounds": _l("Grounds"),
    "assessment_date": _l("Assessment date"),
    "doctor": _l("Doctor"),
    "criteria_met": _l("Criteria met (0–6)"),
    "addicted": _l("Addicted"),
    "setting": _l("Setting"),
    "start_date": _l("Start date"),
    "planned_months": _l("Planned months"),
    "clinic": _l("Clinic"),
    "completion_date": _l("Completion date"),
    "certificate_no": _l("Certificate number"),
    "stop_date": _l("Stop date"),
    "outcome": _l("Outcome"),
    "violation_record_no": _l("Violation record number"),
    "court": _l("Court"),
    "ordered": _l("Compulsory rehab ordered"),
    "months": _l("Months ordered"),
    "release_date": _l("Release date"),
    "to_area_code": _l("New area code"),
    "exit_reason": _l("Exit reason"),
    "exit_date": _l("Exit date"),
    "post_rehab_months": _l("Post-rehab term (months)"),
    "remote_commune": _l("Remote or mountainous commune"),
    "legal_basis": _l("Legal basis"),
    "effective_date": _l("Date it happened (default: today)"),
    "effective_time": _l("Time (hh:mm, optional)"),
}

CHOICE_LABELS = {
    "urine": _l("Urine"),
    "blood": _l("Blood"),
    "hair": _l("Hair"),
    "saliva": _l("Saliva"),
    "positive": _l("Positive"),
    "negative": _l("Negative"),
    "community": _l("At home or in the community"),
    "facility": _l("At a rehab facility"),
    "completed": _l("Completed"),
    "terminated": _l("Terminated"),
    "moved_out": _l("Moved out"),
    "imprisoned": _l("Imprisoned"),
    "deceased": _l("Deceased"),
    "missing": _l("Missing"),
    "educational_measure": _l("Sent to a reformatory or education centre"),
    **GROUNDS_LABELS,
    **LEGAL_BASIS_LABELS,
}


register_labels(FIELD_LABELS, CHOICE_LABELS)


@dataclass(frozen=True)
class FormField:
    name: str
    type: str
    required: bool
    label: str
    choices: tuple[tuple[str, str], ...] = ()
    min: int | None = None
    max: int | None = None


def form_fields(specs) -> list[FormField]:
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

    Dates are typed dd/mm/yyyy and handed on as ISO (``casework.web.dates``). The event is
    dated by its principal date (``date_field``), or, for an event without one, by the
    optional ``effective_date``; an optional ``effective_time`` gives the hour. Without a time
    the engine reads a date without a time (and without a date, now). The data's values are
    judged by the event's schema; a date or time written otherwise is refused here, under its
    own field (ValidationFailed).
    """
    errors: dict[str, list] = {}
    data: dict = {}
    for spec in specs:
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
