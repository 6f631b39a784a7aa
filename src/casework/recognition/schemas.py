"""Data of the recognition events that do not fit inline fields: the 8 criteria."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, fields, validate, validates_schema

from casework.areas.criteria import CRITERIA
from casework.validation import Date, Page, Schema, Text
from casework.workflow.registry import data_schema
from casework.workflow.schemas import AvailableEventSchema


class CriterionJudgementSchema(Schema):
    met = fields.Boolean(load_default=None, allow_none=True,
                         metadata={"description": "required: true (met) or false (not met)"})
    note = Text(max_length=2000, allow_none=True)

    @validates_schema
    def _met_is_chosen(self, data, **kwargs):
        """Each criterion is judged explicitly, met or not met: nothing is assumed."""
        if data.get("met") is None:
            raise ValidationError(_("Choose met or not met."), "met")


def _all_criteria(value: dict) -> None:
    missing = [code for code in CRITERIA if code not in value]
    if missing:
        raise ValidationError(str(_l("Judge every criterion; missing: %(codes)s.",
                                     codes=", ".join(missing))))


def _attachments_field() -> fields.List:
    """The SHA-256 checksums of the files filed with the step (uploaded beforehand)."""
    return fields.List(fields.String(validate=validate.Regexp(r"\A[0-9a-f]{64}\Z")),
                       allow_none=True, validate=validate.Length(max=100))


def _criteria_field() -> fields.Dict:
    return fields.Dict(
        keys=fields.String(validate=validate.OneOf(CRITERIA)),
        values=fields.Nested(CriterionJudgementSchema),
        required=True,
        validate=_all_criteria,
    )


@data_schema("recognition_self_assessment")
class SelfAssessmentSchema(Schema):
    """`submit`: the police's own judgement of each criterion, C1 to C8."""

    self_assessment = _criteria_field()
    attachments = _attachments_field()


@data_schema("recognition_evaluation")
class EvaluationSchema(Schema):
    """`evaluate`: the inspection team's verdict on each criterion, with its minutes."""

    inspection_date = Date(required=True)
    minutes_no = Text(required=True, min_length=1, max_length=200)
    verdicts = _criteria_field()
    attachments = _attachments_field()


# --- the JSON API -----------------------------------------------------------------------------


class RequestCreateSchema(Schema):
    area_code = Text(required=True, min_length=1, max_length=32)


class RequestQuerySchema(Schema):
    state = Text(max_length=40)
    area_code = Text(max_length=32)
    awaiting_me = fields.Boolean(load_default=False)
    page = Page()
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class AttachmentSchema(Schema):
    id = fields.Integer()
    filename = fields.String()
    content_type = fields.String()
    size = fields.Integer()
    sha256 = fields.String()
    description = fields.String(allow_none=True)
    event = fields.String(allow_none=True)
    uploaded_by = fields.String(allow_none=True)
    uploaded_at = fields.DateTime()
    url = fields.String()


class RecognitionRequestSchema(Schema):
    id = fields.Integer()
    area_code = fields.String()
    area_name = fields.String()
    area_state = fields.String()
    state = fields.String()
    state_label = fields.String()
    version = fields.Integer()
    workflow_version = fields.Integer()
    awaiting_role = fields.String(allow_none=True)
    available_events = fields.List(fields.Nested(AvailableEventSchema))
    created_by = fields.String(allow_none=True)
    created_at = fields.DateTime()
    self_assessment = fields.Dict(allow_none=True)
    snapshot = fields.Dict(allow_none=True)
    snapshot_sha256 = fields.String(allow_none=True)
    submitted_on = fields.Date(allow_none=True)
    verdicts = fields.Dict(allow_none=True)
    inspection_date = fields.Date(allow_none=True)
    minutes_no = fields.String(allow_none=True)
    meeting_date = fields.Date(allow_none=True)
    decision_no = fields.String(allow_none=True)
    decision_date = fields.Date(allow_none=True)
    attachments = fields.List(fields.Nested(AttachmentSchema))


class RequestListSchema(Schema):
    items = fields.List(fields.Nested(RecognitionRequestSchema))
    total = fields.Integer()
