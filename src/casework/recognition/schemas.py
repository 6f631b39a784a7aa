"""Data of the recognition events that do not fit inline fields: the 8 criteria."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validate

from casework.workflow.data import no_control_characters
from casework.workflow.registry import data_schema

CRITERIA = ("C1", "C2", "C3", "C4", "C5", "C6", "C7", "C8")


class CriterionJudgementSchema(Schema):
    met = fields.Boolean(required=True)
    note = fields.String(validate=[validate.Length(max=2000), no_control_characters],
                         allow_none=True)


def _all_criteria(value: dict) -> None:
    missing = [code for code in CRITERIA if code not in value]
    if missing:
        raise ValidationError(str(_l("Judge every criterion; missing: %(codes)s.",
                                     codes=", ".join(missing))))


def _attachments_field() -> fields.List:
    """The SHA-256 checksums of the files filed with the step (uploaded beforehand)."""
    return fields.List(fields.String(validate=validate.Regexp(r"^[0-9a-f]{64}$")),
                       allow_none=True)


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

    inspection_date = fields.Date(required=True)
    minutes_no = fields.String(required=True, validate=[validate.Length(min=1, max=200),
                                                        no_control_characters])
    verdicts = _criteria_field()
    attachments = _attachments_field()
