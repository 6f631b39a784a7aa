"""Marshmallow schemas of the person API: identity in, person and history out.

The data of each workflow event is declared in `workflows/person.yaml` and compiled to a
marshmallow schema by the engine, so the form, the API and the OpenAPI document share it.
"""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, fields, validate, validates_schema

from casework.people.identity import national_id_problem
from casework.people.models import GENDERS, RESIDENCE_TYPES
from casework.validation import MIN_DATE, AwareDateTime, Date, Page, Schema, Text
from casework.workflow.deadlines import LOCAL_TZ, today_local
from casework.workflow.schemas import AvailableEventSchema

EARLIEST_BIRTH = MIN_DATE


BIRTH_RANGE = _l("The birth date must be between 1900 and today.")


def _birth_in_range(value: date) -> None:
    if not EARLIEST_BIRTH <= value <= today_local():
        raise ValidationError(str(BIRTH_RANGE))


def _national_id_format(value: str | None) -> None:
    problem = national_id_problem(value.strip()) if value and value.strip() else None
    if problem:
        raise ValidationError(problem)


class LocalDateTime(fields.DateTime):
    """A moment written in Vietnam's time, ISO 8601 with the +07:00 offset."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(LOCAL_TZ)
        return super()._serialize(value, attr, obj, **kwargs)


class RunningDeadlineSchema(Schema):
    kind = fields.String()
    label = fields.String()
    due_at = LocalDateTime()


class PersonCreateSchema(Schema):
    """`POST /persons`: who the person is and where they live."""

    full_name = Text(required=True, min_length=2, max_length=200)
    birth_date = Date(required=True, validate=_birth_in_range, range_message=BIRTH_RANGE)
    gender = fields.String(required=True, validate=validate.OneOf(GENDERS))
    area_code = Text(required=True, min_length=1, max_length=32)
    national_id = Text(load_default=None, allow_none=True, validate=_national_id_format)
    residence_type = fields.String(load_default=None, allow_none=True,
                                   validate=validate.OneOf(RESIDENCE_TYPES))
    resident_since = Date(load_default=None, allow_none=True)
    address = Text(load_default=None, allow_none=True, max_length=300)
    confirm_new = fields.Boolean(load_default=False)
    effective_at = AwareDateTime(load_default=None, allow_none=True, default_timezone=LOCAL_TZ)
    external_id = Text(load_default=None, allow_none=True, max_length=64)

    @validates_schema
    def _check(self, data, **kwargs):
        """Checks across fields (run when every field is valid on its own)."""
        errors: dict[str, list[str]] = {}
        today = today_local()
        birth = data.get("birth_date")
        name = (data.get("full_name") or "").strip()
        if "full_name" in data and len(name) < 2:
            errors["full_name"] = [_("Enter the full name.")]
        number = (data.get("national_id") or "").strip()
        if number:
            problem = national_id_problem(number, birth, data.get("gender"))
            if problem:
                errors["national_id"] = [problem]
        since = data.get("resident_since")
        if since is not None and ((birth is not None and since < birth) or since > today):
            errors["resident_since"] = [
                _("The residence date must be between the birth date and today.")
            ]
        if errors:
            raise ValidationError(errors)


class PersonSchema(Schema):
    id = fields.Integer()
    full_name = fields.String()
    birth_date = fields.Date()
    gender = fields.String()
    national_id = fields.String(allow_none=True)
    residence_type = fields.String(allow_none=True)
    resident_since = fields.Date(allow_none=True)
    address = fields.String(allow_none=True)
    area_code = fields.String(attribute="org_unit.code")
    area_name = fields.String(attribute="org_unit.name")
    state = fields.String()
    state_label = fields.String()
    version = fields.Integer(metadata={"description": "send it back with every transition"})
    workflow_version = fields.Integer()
    due_date = fields.Date(allow_none=True)
    due_at = LocalDateTime(allow_none=True, metadata={
        "description": "the earliest running deadline, ISO 8601 with the +07:00 offset"})
    deadlines = fields.List(fields.Nested(RunningDeadlineSchema))
    due_label = fields.String(allow_none=True)
    overdue = fields.Boolean()
    available_events = fields.List(fields.Nested(AvailableEventSchema))


class PersonListItemSchema(Schema):
    id = fields.Integer()
    full_name = fields.String()
    birth_date = fields.Date()
    area_code = fields.String(attribute="org_unit.code")
    state = fields.String()
    state_label = fields.String()
    due_date = fields.Date(allow_none=True)
    due_at = LocalDateTime(allow_none=True, attribute="deadline_at")
    overdue = fields.Boolean()


class PersonListSchema(Schema):
    items = fields.List(fields.Nested(PersonListItemSchema))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()


class PersonQuerySchema(Schema):
    state = Text(max_length=40)
    area_code = Text(max_length=32)
    q = Text(max_length=100)
    overdue = fields.Boolean()
    page = Page()
    per_page = fields.Integer(load_default=25, validate=validate.Range(min=1, max=200))


class PersonAttachmentSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    kind_label = fields.String()
    filename = fields.String()
    content_type = fields.String()
    size = fields.Integer()
    sha256 = fields.String()
    note = fields.String(allow_none=True)
    uploaded_by = fields.String(allow_none=True)
    uploaded_at = fields.DateTime()
    url = fields.String()


class ChecklistItemSchema(Schema):
    kind = fields.String()
    label = fields.String()
    basis = fields.String()
    attached = fields.List(fields.Integer(), metadata={"description": "attachment ids"})


class PersonAttachmentListSchema(Schema):
    items = fields.List(fields.Nested(PersonAttachmentSchema))
    checklist = fields.Dict(allow_none=True, metadata={
        "description": "the compulsory-rehab dossier's papers: basis, items, missing kinds"})
